//! Typed pharma campaign records: doctors, campaigns, targeting and Rx volumes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use super::ingest::MAX_ID;
use crate::error::{Error, Location, Result};

/// Largest accepted `tenure_years` (a century in practice).
pub const MAX_TENURE_YEARS: f64 = 100.0;

/// Largest accepted prescription count (`baseline_rx`, an Rx record's `count`): a billion a
/// period, far above any prescriber, and far enough below overflow that the campaign
/// statistics' sums of squares stay finite.
pub const MAX_RX: f64 = 1e9;

/// A prescribing doctor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doctor {
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Medical specialty, e.g. `Cardiology`.
    pub specialty: String,
    /// Province (region) of practice.
    pub province: String,
    /// Years in practice, >= 0.
    pub tenure_years: f64,
    /// Baseline prescriptions per period, >= 0.
    pub baseline_rx: f64,
}

impl Doctor {
    /// Checks the doctor's values with the same rules as the CSV reader: `doctor_id` at most
    /// [`MAX_ID`], `tenure_years` in `0..=100` ([`MAX_TENURE_YEARS`]) and `baseline_rx` in
    /// `0..=1e9` ([`MAX_RX`]), both finite. The error names `row` and the column, prefixed with
    /// `prefix` (e.g. `"doctors."` when the doctor is one table of several).
    ///
    /// ```
    /// use optocom_core::data::Doctor;
    /// let mut d = Doctor {
    ///     doctor_id: 7, specialty: "Cardiology".into(), province: "Ontario".into(),
    ///     tenure_years: 12.0, baseline_rx: 40.0,
    /// };
    /// assert!(d.validate(0, "").is_ok());
    /// d.tenure_years = 150.0;
    /// let e = d.validate(3, "doctors.").unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "row 3, column `doctors.tenure_years`: invalid value \"150\": must be between 0 and 100",
    /// );
    /// ```
    pub fn validate(&self, row: usize, prefix: &str) -> Result<()> {
        let bad = |column: &str, value: String, reason: String| {
            Err(Error::invalid_value(
                Location::Row { row },
                format!("{prefix}{column}"),
                value,
                reason,
            ))
        };
        if self.doctor_id > MAX_ID {
            let reason = super::ingest::ID_REASON.to_string();
            return bad("doctor_id", self.doctor_id.to_string(), reason);
        }
        for (column, v, max) in [
            ("tenure_years", self.tenure_years, MAX_TENURE_YEARS),
            ("baseline_rx", self.baseline_rx, MAX_RX),
        ] {
            if !(0.0..=max).contains(&v) {
                return bad(column, v.to_string(), range_reason(v, max));
            }
        }
        Ok(())
    }
}

/// Why `v` is not in `0..=max`.
pub(crate) fn range_reason(v: f64, max: f64) -> String {
    if v.is_finite() {
        format!("must be between 0 and {max}")
    } else {
        super::ingest::FINITE_REASON.to_string()
    }
}

/// A promotional campaign for one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// Campaign identifier.
    pub campaign_id: u64,
    /// Display name.
    pub name: String,
    /// Product promoted.
    pub product: String,
    /// First day of the campaign.
    pub start_date: NaiveDate,
    /// Last day of the campaign (inclusive).
    pub end_date: NaiveDate,
}

/// Whether a doctor was targeted by a campaign (1) or held out as control (0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Targeting {
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Campaign identifier.
    pub campaign_id: u64,
    /// True when targeted, false for control.
    pub campaign_target: bool,
}

/// Prescriptions written by a doctor for a product in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RxRecord {
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Product.
    pub product: String,
    /// First day of the period (periods are calendar months in the generator).
    pub period: NaiveDate,
    /// Number of prescriptions, >= 0.
    pub count: f64,
}

/// Everything the campaign analytics work on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CampaignData {
    /// Doctors.
    pub doctors: Vec<Doctor>,
    /// Campaigns.
    pub campaigns: Vec<Campaign>,
    /// Targeting assignments.
    pub targeting: Vec<Targeting>,
    /// Rx volumes.
    pub rx: Vec<RxRecord>,
}
