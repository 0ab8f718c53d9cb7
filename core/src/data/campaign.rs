//! Typed pharma campaign records: doctors, campaigns, targeting and Rx volumes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
