//! Typed optometry appointment records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// Largest accepted age in years.
pub const MAX_AGE: f64 = 120.0;

/// Largest accepted `days_since_last_purchase`: 120 years of 366 days (43,920). A last
/// purchase cannot be longer ago than the oldest patient has lived; beyond that the spend
/// model (linear in the days) would extrapolate to absurd amounts, or overflow.
pub const MAX_DAYS_SINCE_PURCHASE: f64 = MAX_AGE * 366.0;

/// Largest accepted `amount` in GBP: a billion, far above any optical sale, and far enough
/// below overflow that the spend model's and the forecasts' sums of squares stay finite.
pub const MAX_AMOUNT: f64 = 1e9;

/// One optometry appointment: a patient's profile on the day, and for past appointments the
/// amount actually spent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    /// Practice's patient identifier.
    pub patient_id: String,
    /// Date of the appointment.
    pub appointment_date: NaiveDate,
    /// Age in years, 0..=120.
    pub age: f64,
    /// Days since the patient's last purchase, 0..=43,920 ([`MAX_DAYS_SINCE_PURCHASE`]).
    pub days_since_last_purchase: f64,
    /// In employment.
    pub employed: bool,
    /// Receives benefits (qualifies for an NHS optical voucher).
    pub benefits: bool,
    /// Drives.
    pub driver: bool,
    /// Uses a screen (visual display unit) at work.
    pub vdu_user: bool,
    /// Needs varifocal lenses.
    pub varifocal: bool,
    /// Has a high prescription.
    pub high_prescription: bool,
    /// Amount spent in GBP (0..=1e9, [`MAX_AMOUNT`]), for past appointments; `None` for
    /// upcoming ones.
    pub amount: Option<f64>,
}

/// Checks a (hand-built) appointment with the same rules as the CSV reader: non-empty
/// `patient_id`, finite `age` in 0..=120, finite `days_since_last_purchase` in 0..=43,920, and a finite
/// `amount` in 0..=1e9 when present. `location` is reported in the error (use
/// [`Location::Row`] for records in memory).
///
/// ```
/// use optocom_core::data::{validate_appointment, Appointment};
/// use optocom_core::Location;
/// let mut a = Appointment {
///     patient_id: "P1".into(),
///     appointment_date: chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap(),
///     age: 40.0, days_since_last_purchase: 700.0,
///     employed: true, benefits: false, driver: true, vdu_user: true,
///     varifocal: false, high_prescription: false, amount: None,
/// };
/// assert!(validate_appointment(&a, Location::Row { row: 0 }).is_ok());
/// a.age = 121.0;
/// let e = validate_appointment(&a, Location::Row { row: 0 }).unwrap_err();
/// assert_eq!(e.to_string(), "row 0, column `age`: invalid value \"121\": must be between 0 and 120");
/// ```
pub fn validate_appointment(a: &Appointment, location: Location) -> Result<()> {
    let bad = |column: &str, value: String, reason: &str| {
        Err(Error::invalid_value(
            location.clone(),
            column,
            value,
            reason,
        ))
    };
    if a.patient_id.trim().is_empty() {
        return bad("patient_id", a.patient_id.clone(), "missing value");
    }
    if !crate::data::ingest::in_date_range(a.appointment_date) {
        return bad(
            "appointment_date",
            a.appointment_date.to_string(),
            crate::data::ingest::DATE_RANGE_REASON,
        );
    }
    if !a.age.is_finite() {
        return bad("age", a.age.to_string(), crate::data::ingest::FINITE_REASON);
    }
    if !(0.0..=MAX_AGE).contains(&a.age) {
        return bad("age", a.age.to_string(), "must be between 0 and 120");
    }
    let days = a.days_since_last_purchase;
    if !days.is_finite() {
        return bad(
            "days_since_last_purchase",
            days.to_string(),
            crate::data::ingest::FINITE_REASON,
        );
    }
    if !(0.0..=MAX_DAYS_SINCE_PURCHASE).contains(&days) {
        return bad(
            "days_since_last_purchase",
            days.to_string(),
            "must be between 0 and 43920",
        );
    }
    if let Some(v) = a.amount {
        if !v.is_finite() {
            return bad("amount", v.to_string(), crate::data::ingest::FINITE_REASON);
        }
        if !(0.0..=MAX_AMOUNT).contains(&v) {
            return bad("amount", v.to_string(), "must be between 0 and 1000000000");
        }
    }
    Ok(())
}
