//! Typed optometry appointment records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    /// Days since the patient's last purchase, >= 0.
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
    /// Amount spent in GBP, for past appointments; `None` for upcoming ones.
    pub amount: Option<f64>,
}
