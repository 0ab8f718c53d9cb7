//! Seeded sample campaign data with known causal effects, and the outcome definitions
//! (analysis windows, response rule, per-doctor uplift table) shared by the generator's
//! ground truth, the campaign analytics and the uplift models.
//!
//! # Outcome definitions
//!
//! Rx periods are calendar months (a record's `period` is mapped to its month). For a
//! campaign, the **pre window** is the [`OutcomeParams::pre_periods`] months before the month of
//! `start_date`; the **post window** runs from the month of `start_date` through the month of
//! `end_date` (or [`OutcomeParams::post_periods`] months when set). A doctor's *pre mean* and
//! *post mean* are the Rx counts of the campaign's product summed over the window and divided
//! by the window's number of months: **a month without a record counts as zero
//! prescriptions**. The *Rx change* is post mean minus pre mean, and a doctor *responded*
//! when (see [`ResponseRule`])
//!
//! ```text
//! post_mean - pre_mean >= max(min_increase, rel_increase * pre_mean)   (defaults 1.0 and 0.10)
//! ```
//!
//! i.e. at least one more prescription a month and at least 10% more than before.
//!
//! # The generating process of [`generate_campaign_data`]
//!
//! 1. **Doctors.** Specialty from Canadian-like shares (General Practice 34%, Cardiology 11%,
//!    Internal Medicine 10%, ... see [`SPECIALTIES`]). A latent practice *archetype*
//!    ([`Archetype`]) is drawn given whether the doctor is a generalist (General Practice,
//!    Internal Medicine) or a specialist: high-volume urban prescribers, academic specialists,
//!    community practices, rural generalists, low-engagement prescribers. The province follows
//!    population shares, tilted to the smaller provinces for rural generalists. Tenure (whole
//!    years, 1..=45) and the total monthly Rx volume `baseline_rx` (log-normal around an
//!    archetype median: 160, 70, 90, 75, 30) depend on the archetype. The archetype itself is
//!    not in the data; it shows only through volume, tenure and province, as in real data.
//! 2. **Products and campaigns.** Six products ([`PRODUCTS`]), each with a primary specialty;
//!    campaign `k` (ids from 1) promotes product `k mod 6`. Campaign `k` starts on the first
//!    day of month `pre_periods + 2 (k mod 6) + (k div 6)(pre_periods + campaign_periods)`
//!    counted from `first_period`, and lasts `campaign_periods` months, so the analysis
//!    windows of two campaigns of the same product never overlap.
//! 3. **Randomised targeting.** For every campaign each doctor is targeted independently with
//!    probability `target_share` (default 0.5), independently of everything else: a
//!    randomised controlled trial, so the effects are identifiable.
//! 4. **Rx counts.** Doctor `d` writes product `p` at the expected monthly rate
//!    `base = baseline_rx * share(specialty, p) * affinity(d, p)`, where `share` is 30% for
//!    the product's specialty, 6-8% for generalists on chronic-care products, about 0.4%
//!    elsewhere, and `affinity` is a hidden log-normal(0, 0.35) doctor preference. Each month
//!    the rate is multiplied by the product's seasonality (a cosine with a January peak, 15%
//!    amplitude for the respiratory product, 6% otherwise), its secular trend (0 to 1.5% a
//!    month), and a market-wide monthly shock (log-normal, sd 0.03) shared by all doctors.
//!    Counts are Poisson given these rates (so Rx is over-dispersed across doctors, negative-
//!    binomial like). Rx records are written for the pre and campaign months of every
//!    campaign; months with zero prescriptions have no record, as in IQVIA extracts.
//! 5. **Heterogeneous effect.** During the campaign months a targeted doctor's rate is
//!    multiplied by `1 + lift`, where the relative lift is a function of what the data show
//!    of the doctor:
//!    `lift = effect_scale * 0.9 * match * engagement(baseline_rx) * tenure_factor *
//!    volume_factor`, bounded below by -0.5. `match` is 1 for the product's specialty, 0.55
//!    for generalists on chronic-care products, 0.15 for generalists on specialist products
//!    and 0.05 otherwise; `engagement` is a bump in the log of the total volume,
//!    `1.3 exp(-ln(baseline_rx / 85)^2 / (2 * 0.55^2)) - 0.25`: about 1 for mid-volume
//!    practices, 0.4 for busy high-volume ones (160 Rx a month) and negative below about 30
//!    (low-engagement prescribers: detailing fatigue); `tenure_factor =
//!    clamp(1.4 - tenure / 35, 0.4, 1.4)` (early-career doctors react more); `volume_factor
//!    = 1.6 / (1 + baseline_rx * share / 40)` (saturation of heavy prescribers of the
//!    product). The archetypes drive the effect only through these observed volumes and
//!    tenures. Individual noise is in the outcomes (hidden affinity, Poisson counts), not in
//!    the lift.
//!
//! # Ground truth
//!
//! A model can only learn the conditional effect given what it observes, `tau(x) =
//! E[Y(1) - Y(0) | x]`, with `x` the doctor's observed profile in the [`uplift_table`]
//! (specialty, province, tenure, `baseline_rx` and the pre-window mean Rx of the product). A
//! per-doctor "individual effect" that also depended on hidden traits would not be
//! identifiable, and intervals for `tau(x)` could not be expected to cover it. So
//! [`DoctorTruth`] gives, for every doctor and campaign, exactly that conditional effect:
//! the lift is a function of `x`, and the hidden affinity is integrated over its posterior
//! given the observed pre-window count (log-normal prior times the Poisson likelihood of the
//! pre sum, by quadrature around the posterior mode). `true_effect_rx` is `lift *
//! E[expected untreated post mean | x]`; `p_response_control` and `p_response_treated` are
//! the exact probabilities of a response given `x` (the pre-window sum fixes the response
//! threshold; the post sum is Poisson given the affinity), and `true_effect_response_prob`
//! is their difference. No simulation is involved. `expected_pre_rx` and
//! `expected_post_rx_control` stay the latent per-doctor rates (with the actual affinity).
//! With the defaults (measured on 50,000 doctors, seed 1) the average effect of a campaign
//! is +2.1 to +2.6 Rx a month and +0.21 to +0.27 in response probability (about 11-19% of
//! doctors respond without the campaign), the effects are strongly heterogeneous (standard
//! deviation about 2.3 times the mean; 14% of doctors react negatively), and ranking doctors
//! by their true effect on the response probability gives a Qini coefficient (incremental
//! response rate times the targeted fraction, area above the random line) of about 0.090
//! for campaign 1 (Cardiovex) and 0.070 to 0.077 for campaigns 2 to 4. Generating 50,000
//! doctors and 4 campaigns takes about a second.
//!
//! ```
//! use optocom_core::data::campaign_demo::{generate_campaign_data, uplift_table, CampaignDemoParams};
//! let params = CampaignDemoParams::default().n_doctors(500).seed(7);
//! let demo = generate_campaign_data(&params)?;
//! assert_eq!(demo.data.doctors.len(), 500);
//! assert_eq!(demo.truth.len(), 500 * 4);
//! let table = uplift_table(&demo.data, 1)?;
//! assert_eq!(table.features.nrows(), 500);
//! assert_eq!(table.features.ncols(), table.schema.len());
//! # Ok::<(), optocom_core::Error>(())
//! ```

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::data::campaign::{
    range_reason, Campaign, CampaignData, Doctor, RxRecord, Targeting, MAX_ID, MAX_RX,
};
use crate::data::filter::DoctorFilter;
use crate::data::sampling::{powi, standard_normal, Poisson};
use crate::error::{Error, Location, Result};
use crate::features::{FeatureKind, FeatureSchema, FeatureSpec};

// ---------------------------------------------------------------------------------------------
// Outcome definitions
// ---------------------------------------------------------------------------------------------

/// When a doctor counts as a responder: the Rx increase from the pre to the post window is at
/// least `min_increase` prescriptions a month and at least `rel_increase` times the pre mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseRule {
    /// Smallest absolute increase of the monthly mean, in prescriptions (default 1.0).
    pub min_increase: f64,
    /// Smallest relative increase over the pre mean (default 0.10 = 10%).
    pub rel_increase: f64,
}

impl Default for ResponseRule {
    fn default() -> Self {
        ResponseRule {
            min_increase: 1.0,
            rel_increase: 0.10,
        }
    }
}

/// Relative rounding allowed by [`ResponseRule::responded`]: far above the error of a window
/// mean (about 1e-16 relative), far below any real difference in counts.
pub const RESPONSE_TOLERANCE: f64 = 1e-9;

impl ResponseRule {
    /// Validates the rule: both thresholds finite, `min_increase > 0` (so that a doctor with no
    /// prescriptions before and after never responds) and `rel_increase >= 0`.
    pub fn check(&self) -> Result<()> {
        if !self.min_increase.is_finite() || self.min_increase <= 0.0 {
            return Err(Error::invalid_param(
                "min_increase",
                self.min_increase,
                "must be finite and > 0",
            ));
        }
        if !self.rel_increase.is_finite() || self.rel_increase < 0.0 {
            return Err(Error::invalid_param(
                "rel_increase",
                self.rel_increase,
                "must be finite and >= 0",
            ));
        }
        Ok(())
    }

    /// True when going from `pre_mean` to `post_mean` monthly prescriptions is a response.
    ///
    /// A rise of exactly the threshold counts, as exact arithmetic has it: means are window
    /// sums over months, so +1/month (5 Rx before, 11 after, over 6 months) comes out as
    /// `11/6 - 5/6 = 0.9999999999999999`; the comparison allows a relative
    /// [`RESPONSE_TOLERANCE`] of the means' size for such rounding.
    ///
    /// ```
    /// use optocom_core::data::ResponseRule;
    /// let rule = ResponseRule::default(); // +max(1, 10%) a month
    /// assert!(rule.responded(5.0 / 6.0, 11.0 / 6.0));
    /// assert!(!rule.responded(5.0 / 6.0, 10.99 / 6.0));
    /// ```
    pub fn responded(&self, pre_mean: f64, post_mean: f64) -> bool {
        let threshold = self.min_increase.max(self.rel_increase * pre_mean);
        let scale = threshold.max(pre_mean.abs()).max(post_mean.abs());
        post_mean - pre_mean >= threshold - RESPONSE_TOLERANCE * scale
    }
}

/// Analysis windows and response rule: how per-doctor outcomes are computed from Rx records.
///
/// Builder with one validation point, [`OutcomeParams::check`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutcomeParams {
    /// Months before the campaign's start month in the pre window (default 6, 1..=120).
    pub pre_periods: u32,
    /// Months from the start month in the post window; `None` (default) means through the
    /// month of the campaign's `end_date`.
    pub post_periods: Option<u32>,
    /// The response rule.
    pub response: ResponseRule,
}

impl Default for OutcomeParams {
    fn default() -> Self {
        OutcomeParams {
            pre_periods: 6,
            post_periods: None,
            response: ResponseRule::default(),
        }
    }
}

/// Longest window accepted, in months.
const MAX_WINDOW: u32 = 120;

impl OutcomeParams {
    /// Sets the pre-window length in months.
    pub fn pre_periods(mut self, months: u32) -> Self {
        self.pre_periods = months;
        self
    }

    /// Sets the post-window length in months (`None`: the campaign's own months).
    pub fn post_periods(mut self, months: Option<u32>) -> Self {
        self.post_periods = months;
        self
    }

    /// Sets the response rule.
    pub fn response(mut self, rule: ResponseRule) -> Self {
        self.response = rule;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.pre_periods == 0 || self.pre_periods > MAX_WINDOW {
            return Err(Error::invalid_param(
                "pre_periods",
                self.pre_periods,
                format!("must be between 1 and {MAX_WINDOW}"),
            ));
        }
        if let Some(p) = self.post_periods {
            if p == 0 || p > MAX_WINDOW {
                return Err(Error::invalid_param(
                    "post_periods",
                    p,
                    format!("must be between 1 and {MAX_WINDOW}"),
                ));
            }
        }
        self.response.check()
    }

    /// The analysis windows of `campaign` (which must have `end_date >= start_date`).
    pub fn window(&self, campaign: &Campaign) -> Result<OutcomeWindow> {
        self.check()?;
        let start = month_index(campaign.start_date);
        let post = match self.post_periods {
            Some(p) => p,
            None => {
                let end = month_index(campaign.end_date);
                if end < start {
                    return Err(Error::invalid_param(
                        "end_date",
                        campaign.end_date,
                        format!(
                            "campaign {} ends before it starts ({})",
                            campaign.campaign_id, campaign.start_date
                        ),
                    ));
                }
                u32::try_from(end - start + 1).unwrap_or(u32::MAX)
            }
        };
        if post > MAX_WINDOW {
            return Err(Error::invalid_param(
                "post_periods",
                post,
                format!(
                    "campaign {} spans more than {MAX_WINDOW} months",
                    campaign.campaign_id
                ),
            ));
        }
        let first = start - self.pre_periods as i32;
        let out_of_range = || {
            Error::invalid_param(
                "start_date",
                campaign.start_date,
                "analysis window is outside the supported date range",
            )
        };
        let pre_start = month_first_day(first).ok_or_else(out_of_range)?;
        let post_start = month_first_day(start).ok_or_else(out_of_range)?;
        let pre_end = post_start.pred_opt().ok_or_else(out_of_range)?;
        let post_end = month_first_day(start + post as i32)
            .and_then(|d| d.pred_opt())
            .ok_or_else(out_of_range)?;
        Ok(OutcomeWindow {
            pre_start,
            pre_end,
            post_start,
            post_end,
            pre_periods: self.pre_periods,
            post_periods: post,
        })
    }
}

/// The pre and post windows of one campaign, as calendar dates (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeWindow {
    /// First day of the pre window.
    pub pre_start: NaiveDate,
    /// Last day of the pre window.
    pub pre_end: NaiveDate,
    /// First day of the post window (the first day of the campaign's start month).
    pub post_start: NaiveDate,
    /// Last day of the post window.
    pub post_end: NaiveDate,
    /// Months in the pre window.
    pub pre_periods: u32,
    /// Months in the post window.
    pub post_periods: u32,
}

impl OutcomeWindow {
    /// Months in both windows.
    pub fn months(&self) -> usize {
        (self.pre_periods + self.post_periods) as usize
    }

    /// 0-based month offset of `period` in the windows (pre months first), if inside.
    pub fn slot(&self, period: NaiveDate) -> Option<usize> {
        let off = month_index(period) - month_index(self.pre_start);
        (off >= 0 && (off as usize) < self.months()).then_some(off as usize)
    }

    /// First day of the month at `slot`.
    pub fn period(&self, slot: usize) -> Option<NaiveDate> {
        (slot < self.months())
            .then(|| month_first_day(month_index(self.pre_start) + slot as i32))
            .flatten()
    }

    /// Pre mean, post mean of a row of monthly counts laid out as [`OutcomeWindow::slot`]
    /// (missing trailing months count as zero, extra values are ignored).
    pub fn means(&self, row: &[f64]) -> (f64, f64) {
        let (pre, post, _) = self.outcome(row);
        (pre, post)
    }

    /// Pre mean, post mean and their difference (the change in mean monthly Rx) of a row as
    /// in [`OutcomeWindow::means`]. The change is computed from the window sums,
    /// `(post_sum * pre_months - pre_sum * post_months) / (pre_months * post_months)`, so
    /// with whole counts it is the exact change correctly rounded: equal changes are equal
    /// numbers (and rank as ties), which `post_mean - pre_mean` does not guarantee.
    ///
    /// ```
    /// # use optocom_core::data::OutcomeWindow;
    /// # use chrono::NaiveDate;
    /// # let d = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
    /// let w = OutcomeWindow { pre_start: d(1), pre_end: d(6), post_start: d(7), post_end: d(12), pre_periods: 6, post_periods: 6 };
    /// let change = |pre: f64, post: f64| w.outcome(&[pre, 0.0, 0.0, 0.0, 0.0, 0.0, post]).2;
    /// assert_eq!(change(5.0, 11.0), 1.0); // 11/6 - 5/6 is 0.9999999999999999
    /// assert_eq!(change(5.0, 11.0), change(0.0, 6.0));
    /// ```
    pub fn outcome(&self, row: &[f64]) -> (f64, f64, f64) {
        let (np, nq) = (self.pre_periods as f64, self.post_periods as f64);
        let p = self.pre_periods as usize;
        let pre: f64 = row.iter().take(p).sum();
        let post: f64 = row.iter().skip(p).take(self.post_periods as usize).sum();
        (pre / np, post / nq, (post * np - pre * nq) / (np * nq))
    }
}

fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

fn month_first_day(idx: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1, 1)
}

/// Monthly Rx counts of `product` in the windows, for `n` doctors laid out by `slot_of`
/// (doctor id -> row), row-major `n x window.months()`.
pub(crate) fn window_counts(
    rx: &[RxRecord],
    product: &str,
    window: &OutcomeWindow,
    n: usize,
    slot_of: impl Fn(u64) -> Option<usize>,
) -> Vec<f64> {
    let m = window.months();
    let mut counts = vec![0.0; n * m];
    for r in rx {
        if r.product != product {
            continue;
        }
        if let (Some(row), Some(t)) = (slot_of(r.doctor_id), window.slot(r.period)) {
            counts[row * m + t] += r.count;
        }
    }
    counts
}

// ---------------------------------------------------------------------------------------------
// Validation and indexes
// ---------------------------------------------------------------------------------------------

/// Positions of doctors and campaigns and the targeting of each campaign, built by
/// [`validate_campaign_data`].
#[derive(Debug, Clone, Default)]
pub struct CampaignIndex {
    /// Doctor id -> position in `data.doctors`.
    pub doctor_pos: HashMap<u64, usize>,
    /// Campaign id -> position in `data.campaigns`.
    pub campaign_pos: HashMap<u64, usize>,
    /// For each campaign (by position): `(doctor position, targeted)` in targeting order.
    pub targeting: Vec<Vec<(usize, bool)>>,
}

/// Checks the references and values of campaign data and builds its indexes.
///
/// Errors: a duplicate doctor or campaign id, a negative or non-finite tenure, baseline or Rx
/// count, a campaign ending before it starts, or a doctor targeted twice by a campaign give
/// [`Error::InvalidValue`] at the 0-based row of the offending table (the column is prefixed
/// with the table: `doctors.`, `campaigns.`, `targeting.`, `rx.`), and so do targeting or Rx
/// rows naming a doctor or campaign that is not in its table (`doctor 9 is not in the
/// doctors table`, the reason lenient reads give). Rx records of products without a campaign
/// are allowed.
pub fn validate_campaign_data(data: &CampaignData) -> Result<CampaignIndex> {
    let mut doctor_pos = HashMap::with_capacity(data.doctors.len());
    for (row, d) in data.doctors.iter().enumerate() {
        if let Some(first) = doctor_pos.insert(d.doctor_id, row) {
            return Err(Error::invalid_value(
                Location::Row { row },
                "doctors.doctor_id",
                d.doctor_id.to_string(),
                format!("duplicate doctor id (first at row {first})"),
            ));
        }
        d.validate(row, "doctors.")?;
    }
    let mut campaign_pos = HashMap::with_capacity(data.campaigns.len());
    for (row, c) in data.campaigns.iter().enumerate() {
        if c.campaign_id > MAX_ID {
            return Err(Error::invalid_value(
                Location::Row { row },
                "campaigns.campaign_id",
                c.campaign_id.to_string(),
                crate::data::ingest::ID_REASON,
            ));
        }
        if let Some(first) = campaign_pos.insert(c.campaign_id, row) {
            return Err(Error::invalid_value(
                Location::Row { row },
                "campaigns.campaign_id",
                c.campaign_id.to_string(),
                format!("duplicate campaign id (first at row {first})"),
            ));
        }
        if c.end_date < c.start_date {
            return Err(Error::invalid_value(
                Location::Row { row },
                "campaigns.end_date",
                c.end_date.to_string(),
                format!("before start_date {}", c.start_date),
            ));
        }
    }
    let mut targeting = vec![Vec::new(); data.campaigns.len()];
    let mut seen: HashMap<(u64, u64), usize> = HashMap::with_capacity(data.targeting.len());
    let absent = |row: usize, column: &str, what: &str, table: &str, id: u64| {
        Error::invalid_value(
            Location::Row { row },
            column,
            id.to_string(),
            format!("{what} {id} is not in the {table} table"),
        )
    };
    for (row, t) in data.targeting.iter().enumerate() {
        let d = *doctor_pos
            .get(&t.doctor_id)
            .ok_or_else(|| absent(row, "targeting.doctor_id", "doctor", "doctors", t.doctor_id))?;
        let c = *campaign_pos.get(&t.campaign_id).ok_or_else(|| {
            absent(
                row,
                "targeting.campaign_id",
                "campaign",
                "campaigns",
                t.campaign_id,
            )
        })?;
        if let Some(first) = seen.insert((t.campaign_id, t.doctor_id), row) {
            return Err(Error::invalid_value(
                Location::Row { row },
                "targeting.doctor_id",
                t.doctor_id.to_string(),
                format!(
                    "doctor assigned twice to campaign {} (first at row {first})",
                    t.campaign_id
                ),
            ));
        }
        targeting[c].push((d, t.campaign_target));
    }
    // (doctor position, product number, period) -> first row: a repeated record would be
    // counted twice in every sum.
    let mut products: HashMap<&str, u32> = HashMap::new();
    let mut periods: HashMap<(u32, u32, NaiveDate), usize> = HashMap::with_capacity(data.rx.len());
    for (row, r) in data.rx.iter().enumerate() {
        let Some(&d) = doctor_pos.get(&r.doctor_id) else {
            return Err(absent(
                row,
                "rx.doctor_id",
                "doctor",
                "doctors",
                r.doctor_id,
            ));
        };
        let next = products.len() as u32;
        let p = *products.entry(r.product.as_str()).or_insert(next);
        if let Some(first) = periods.insert((d as u32, p, r.period), row) {
            return Err(Error::invalid_value(
                Location::Row { row },
                "rx.period",
                r.period.to_string(),
                format!(
                    "a second Rx record of doctor {} for {} in this period (first at row {first}); \
                     add the counts up into one record",
                    r.doctor_id, r.product
                ),
            ));
        }
        if !(0.0..=MAX_RX).contains(&r.count) {
            return Err(Error::invalid_value(
                Location::Row { row },
                "rx.count",
                r.count.to_string(),
                range_reason(r.count, MAX_RX),
            ));
        }
    }
    Ok(CampaignIndex {
        doctor_pos,
        campaign_pos,
        targeting,
    })
}

// ---------------------------------------------------------------------------------------------
// Uplift table
// ---------------------------------------------------------------------------------------------

/// Schema name of [`uplift_table`].
pub const UPLIFT_SCHEMA: &str = "campaign-uplift-v1";

/// The numeric features of [`uplift_table`], before the one-hot columns.
pub const UPLIFT_NUMERIC_FEATURES: [&str; 3] = ["tenure_years", "baseline_rx", "pre_rx_mean"];

/// One campaign as a flat per-doctor modelling table for uplift models.
///
/// Rows are the doctors with a targeting row for the campaign, in targeting order. Columns
/// of `features`: `tenure_years`, `baseline_rx`, `pre_rx_mean` (pre-window mean monthly Rx of
/// the campaign's product), then one-hot `specialty=<level>` and `province=<level>` columns,
/// levels sorted, over the levels present among all doctors of the data (compared as filters
/// compare them: trimmed, case-insensitively; a level is spelled as the doctor with the
/// smallest id spells it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpliftTable {
    /// Campaign.
    pub campaign_id: u64,
    /// Product of the campaign.
    pub product: String,
    /// Analysis windows used for the outcomes.
    pub window: OutcomeWindow,
    /// Doctor of each row.
    pub doctor_ids: Vec<u64>,
    /// `n_doctors x n_features` feature matrix.
    pub features: Array2<f64>,
    /// Feature names in column order (same as `schema.names()`).
    pub feature_names: Vec<String>,
    /// Feature schema (name [`UPLIFT_SCHEMA`]).
    pub schema: FeatureSchema,
    /// 1 when targeted, 0 for control.
    pub treatment: Vec<u8>,
    /// Post mean minus pre mean monthly Rx.
    pub rx_change: Vec<f64>,
    /// 1 when the doctor responded under the [`ResponseRule`].
    pub responded: Vec<u8>,
}

impl UpliftTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.doctor_ids.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.doctor_ids.is_empty()
    }
}

/// The uplift table of one campaign with the default [`OutcomeParams`].
///
/// Errors: unknown campaign -> [`Error::NotFound`]; invalid data (see
/// [`validate_campaign_data`]); no targeting row for the campaign -> [`Error::EmptyInput`].
pub fn uplift_table(data: &CampaignData, campaign_id: u64) -> Result<UpliftTable> {
    uplift_table_with(data, campaign_id, &OutcomeParams::default())
}

/// The uplift table of one campaign with the given windows and response rule.
pub fn uplift_table_with(
    data: &CampaignData,
    campaign_id: u64,
    outcome: &OutcomeParams,
) -> Result<UpliftTable> {
    outcome.check()?;
    let index = validate_campaign_data(data)?;
    let &c = index
        .campaign_pos
        .get(&campaign_id)
        .ok_or_else(|| Error::not_found("campaign", campaign_id))?;
    let campaign = &data.campaigns[c];
    let members = &index.targeting[c];
    if members.is_empty() {
        return Err(Error::empty(format!(
            "campaign {campaign_id} has no targeted or control doctors"
        )));
    }
    let window = outcome.window(campaign)?;
    let mut row_of = vec![usize::MAX; data.doctors.len()];
    for (i, &(d, _)) in members.iter().enumerate() {
        row_of[d] = i;
    }
    let counts = window_counts(&data.rx, &campaign.product, &window, members.len(), |id| {
        index
            .doctor_pos
            .get(&id)
            .map(|&d| row_of[d])
            .filter(|&r| r != usize::MAX)
    });

    // Levels as filters compare them: trimmed, case-insensitive (see `distinct_levels`).
    let levels = |f: fn(&Doctor) -> &str| {
        crate::data::filter::distinct_levels(data.doctors.iter().map(|d| (d.doctor_id, f(d))))
    };
    let (specialties, provinces) = (levels(|d| &d.specialty), levels(|d| &d.province));
    let mut specs: Vec<FeatureSpec> = UPLIFT_NUMERIC_FEATURES
        .iter()
        .map(|n| FeatureSpec {
            name: n.to_string(),
            kind: FeatureKind::Numeric,
        })
        .collect();
    for (source, levels) in [("specialty", &specialties), ("province", &provinces)] {
        for level in levels.iter() {
            specs.push(FeatureSpec {
                name: format!("{source}={level}"),
                kind: FeatureKind::OneHot {
                    source: source.into(),
                    level: level.to_string(),
                },
            });
        }
    }
    let schema = FeatureSchema {
        name: UPLIFT_SCHEMA.into(),
        features: specs,
    };
    let key = crate::data::filter::level_key;
    let spec_col: HashMap<String, usize> = specialties
        .iter()
        .enumerate()
        .map(|(i, s)| (key(s), 3 + i))
        .collect();
    let prov_col: HashMap<String, usize> = provinces
        .iter()
        .enumerate()
        .map(|(i, s)| (key(s), 3 + specialties.len() + i))
        .collect();

    let n = members.len();
    let m = window.months();
    let mut x = Array2::zeros((n, schema.len()));
    let mut doctor_ids = Vec::with_capacity(n);
    let mut treatment = Vec::with_capacity(n);
    let mut rx_change = Vec::with_capacity(n);
    let mut responded = Vec::with_capacity(n);
    for (i, &(d, targeted)) in members.iter().enumerate() {
        let doc = &data.doctors[d];
        let (pre, post, change) = window.outcome(&counts[i * m..(i + 1) * m]);
        x[[i, 0]] = doc.tenure_years;
        x[[i, 1]] = doc.baseline_rx;
        x[[i, 2]] = pre;
        if let Some(&j) = spec_col.get(&key(&doc.specialty)) {
            x[[i, j]] = 1.0;
        }
        if let Some(&j) = prov_col.get(&key(&doc.province)) {
            x[[i, j]] = 1.0;
        }
        doctor_ids.push(doc.doctor_id);
        treatment.push(u8::from(targeted));
        rx_change.push(change);
        responded.push(u8::from(outcome.response.responded(pre, post)));
    }
    Ok(UpliftTable {
        campaign_id,
        product: campaign.product.clone(),
        window,
        doctor_ids,
        features: x,
        feature_names: schema.names(),
        schema,
        treatment,
        rx_change,
        responded,
    })
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

/// Specialties and their shares among doctors.
pub const SPECIALTIES: [(&str, f64); 10] = [
    ("General Practice", 0.34),
    ("Internal Medicine", 0.10),
    ("Cardiology", 0.11),
    ("Endocrinology", 0.08),
    ("Oncology", 0.07),
    ("Neurology", 0.08),
    ("Pulmonology", 0.07),
    ("Psychiatry", 0.08),
    ("Dermatology", 0.04),
    ("Pediatrics", 0.03),
];

/// Provinces and their population shares.
pub const PROVINCES: [(&str, f64); 10] = [
    ("Ontario", 0.385),
    ("Quebec", 0.22),
    ("British Columbia", 0.135),
    ("Alberta", 0.117),
    ("Manitoba", 0.036),
    ("Saskatchewan", 0.030),
    ("Nova Scotia", 0.027),
    ("New Brunswick", 0.021),
    ("Newfoundland and Labrador", 0.014),
    ("Prince Edward Island", 0.0045),
];

/// Province weights of rural generalists (same order as [`PROVINCES`]).
const RURAL_PROVINCE_WEIGHTS: [f64; 10] =
    [0.18, 0.15, 0.10, 0.12, 0.10, 0.12, 0.08, 0.07, 0.05, 0.03];

/// A promoted product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductSpec {
    /// Brand name.
    pub name: &'static str,
    /// The specialty the product is for.
    pub specialty: &'static str,
    /// Chronic-care product that generalists also prescribe.
    pub chronic: bool,
    /// Amplitude of the yearly seasonality (January peak).
    pub seasonality: f64,
    /// Secular growth per month.
    pub trend: f64,
}

/// The six products of the generator.
pub const PRODUCTS: [ProductSpec; 6] = [
    ProductSpec {
        name: "Cardiovex",
        specialty: "Cardiology",
        chronic: true,
        seasonality: 0.06,
        trend: 0.0,
    },
    ProductSpec {
        name: "Glucentra",
        specialty: "Endocrinology",
        chronic: true,
        seasonality: 0.06,
        trend: 0.005,
    },
    ProductSpec {
        name: "Psychora",
        specialty: "Psychiatry",
        chronic: true,
        seasonality: 0.06,
        trend: 0.003,
    },
    ProductSpec {
        name: "Respiral",
        specialty: "Pulmonology",
        chronic: true,
        seasonality: 0.15,
        trend: 0.0,
    },
    ProductSpec {
        name: "Neurovance",
        specialty: "Neurology",
        chronic: false,
        seasonality: 0.06,
        trend: 0.005,
    },
    ProductSpec {
        name: "Oncolyze",
        specialty: "Oncology",
        chronic: false,
        seasonality: 0.06,
        trend: 0.015,
    },
];

const CAMPAIGN_KINDS: [&str; 4] = [
    "Detailing Wave",
    "Speaker Program",
    "Digital Outreach",
    "Sampling Drive",
];

/// Base relative lift of a fully matched, average doctor.
const LIFT_SCALE: f64 = 0.9;

/// The latent practice archetype of a generated doctor (not part of the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Archetype {
    /// Busy urban practice, high volume, somewhat saturated.
    HighVolumeUrban,
    /// Academic specialist, evidence driven, moderately responsive.
    AcademicSpecialist,
    /// Community practice, average volume, responsive.
    CommunityPractice,
    /// Rural generalist, few rep visits, most responsive.
    RuralGeneralist,
    /// Low-engagement prescriber, low volume, slight detailing fatigue.
    LowEngagement,
}

impl Archetype {
    const ALL: [Archetype; 5] = [
        Archetype::HighVolumeUrban,
        Archetype::AcademicSpecialist,
        Archetype::CommunityPractice,
        Archetype::RuralGeneralist,
        Archetype::LowEngagement,
    ];
    const GENERALIST_WEIGHTS: [f64; 5] = [0.25, 0.03, 0.32, 0.22, 0.18];
    const SPECIALIST_WEIGHTS: [f64; 5] = [0.20, 0.30, 0.28, 0.04, 0.18];

    fn median_rx(self) -> f64 {
        match self {
            Archetype::HighVolumeUrban => 160.0,
            Archetype::AcademicSpecialist => 70.0,
            Archetype::CommunityPractice => 90.0,
            Archetype::RuralGeneralist => 75.0,
            Archetype::LowEngagement => 30.0,
        }
    }

    fn tenure(self) -> (f64, f64) {
        match self {
            Archetype::HighVolumeUrban => (16.0, 8.0),
            Archetype::AcademicSpecialist => (18.0, 9.0),
            Archetype::CommunityPractice => (14.0, 9.0),
            Archetype::RuralGeneralist => (17.0, 10.0),
            Archetype::LowEngagement => (25.0, 9.0),
        }
    }
}

fn is_generalist(specialty: &str) -> bool {
    specialty == "General Practice" || specialty == "Internal Medicine"
}

/// Share of a doctor's total Rx written for `product`.
fn product_share(specialty: &str, product: &ProductSpec) -> f64 {
    if specialty == product.specialty {
        0.30
    } else if specialty == "Internal Medicine" && product.chronic {
        0.08
    } else if specialty == "General Practice" && product.chronic {
        0.06
    } else if specialty == "Pediatrics" && product.name == "Respiral" {
        0.05
    } else if is_generalist(specialty) {
        0.01
    } else {
        0.004
    }
}

/// How much a doctor's specialty makes the campaign for `product` relevant.
fn specialty_match(specialty: &str, product: &ProductSpec) -> f64 {
    if specialty == product.specialty {
        1.0
    } else if is_generalist(specialty) && product.chronic {
        0.55
    } else if is_generalist(specialty) {
        0.15
    } else {
        0.05
    }
}

/// Parameters of [`generate_campaign_data`]. Builder with one validation point,
/// [`CampaignDemoParams::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignDemoParams {
    /// Number of doctors (default 2,000; 1..=5,000,000).
    pub n_doctors: usize,
    /// Number of campaigns (default 4; 1..=60).
    pub n_campaigns: usize,
    /// Months of Rx before each campaign (default 6; 1..=36).
    pub pre_periods: u32,
    /// Months each campaign lasts (default 6; 1..=24).
    pub campaign_periods: u32,
    /// Probability that a doctor is targeted by a campaign (default 0.5; strictly between 0
    /// and 1).
    pub target_share: f64,
    /// Multiplies every true lift (default 1.0; 0 gives campaigns without any effect;
    /// 0..=5).
    pub effect_scale: f64,
    /// The first month of data (any day of it; default 2023-01-01).
    pub first_period: NaiveDate,
    /// Response rule of the ground truth.
    pub response: ResponseRule,
    /// Random seed (default 42).
    pub seed: u64,
}

impl Default for CampaignDemoParams {
    fn default() -> Self {
        CampaignDemoParams {
            n_doctors: 2_000,
            n_campaigns: 4,
            pre_periods: 6,
            campaign_periods: 6,
            target_share: 0.5,
            effect_scale: 1.0,
            first_period: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default(),
            response: ResponseRule::default(),
            seed: 42,
        }
    }
}

impl CampaignDemoParams {
    /// Sets the number of doctors.
    pub fn n_doctors(mut self, n: usize) -> Self {
        self.n_doctors = n;
        self
    }

    /// Sets the number of campaigns.
    pub fn n_campaigns(mut self, n: usize) -> Self {
        self.n_campaigns = n;
        self
    }

    /// Sets the months of Rx before each campaign.
    pub fn pre_periods(mut self, months: u32) -> Self {
        self.pre_periods = months;
        self
    }

    /// Sets the months each campaign lasts.
    pub fn campaign_periods(mut self, months: u32) -> Self {
        self.campaign_periods = months;
        self
    }

    /// Sets the probability of being targeted.
    pub fn target_share(mut self, p: f64) -> Self {
        self.target_share = p;
        self
    }

    /// Sets the effect multiplier.
    pub fn effect_scale(mut self, s: f64) -> Self {
        self.effect_scale = s;
        self
    }

    /// Sets the first month of data.
    pub fn first_period(mut self, d: NaiveDate) -> Self {
        self.first_period = d;
        self
    }

    /// Sets the response rule of the ground truth.
    pub fn response(mut self, rule: ResponseRule) -> Self {
        self.response = rule;
        self
    }

    /// Sets the random seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.n_doctors == 0 || self.n_doctors > 5_000_000 {
            return Err(Error::invalid_param(
                "n_doctors",
                self.n_doctors,
                "must be between 1 and 5000000",
            ));
        }
        if self.n_campaigns == 0 || self.n_campaigns > 60 {
            return Err(Error::invalid_param(
                "n_campaigns",
                self.n_campaigns,
                "must be between 1 and 60",
            ));
        }
        if self.pre_periods == 0 || self.pre_periods > 36 {
            return Err(Error::invalid_param(
                "pre_periods",
                self.pre_periods,
                "must be between 1 and 36",
            ));
        }
        if self.campaign_periods == 0 || self.campaign_periods > 24 {
            return Err(Error::invalid_param(
                "campaign_periods",
                self.campaign_periods,
                "must be between 1 and 24",
            ));
        }
        if !(self.target_share > 0.0 && self.target_share < 1.0) {
            return Err(Error::invalid_param(
                "target_share",
                self.target_share,
                "must be strictly between 0 and 1",
            ));
        }
        if !(0.0..=5.0).contains(&self.effect_scale) {
            return Err(Error::invalid_param(
                "effect_scale",
                self.effect_scale,
                "must be between 0 and 5",
            ));
        }
        let y = self.first_period.year();
        if !(1900..=2200).contains(&y) {
            return Err(Error::invalid_param(
                "first_period",
                self.first_period,
                "year must be between 1900 and 2200",
            ));
        }
        self.response.check()
    }

    /// The outcome definitions under which the ground truth holds: `pre_periods`, the
    /// campaign months as post window, and `response`.
    pub fn outcome(&self) -> OutcomeParams {
        OutcomeParams {
            pre_periods: self.pre_periods,
            post_periods: None,
            response: self.response,
        }
    }
}

/// The true causal effect of one campaign on one doctor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorTruth {
    /// Doctor.
    pub doctor_id: u64,
    /// Campaign.
    pub campaign_id: u64,
    /// Whether the doctor was (randomly) targeted.
    pub targeted: bool,
    /// The latent archetype.
    pub archetype: Archetype,
    /// Relative lift of the monthly Rx rate during the campaign (a function of the
    /// doctor's observed specialty, tenure and volume).
    pub lift: f64,
    /// Latent expected pre-window mean monthly Rx of the product (with the hidden affinity).
    pub expected_pre_rx: f64,
    /// Latent expected post-window mean monthly Rx without the campaign (with the hidden
    /// affinity).
    pub expected_post_rx_control: f64,
    /// True conditional effect on the post-window mean monthly Rx (hence on the Rx change)
    /// given the doctor's observed profile: the uplift models' estimand.
    pub true_effect_rx: f64,
    /// Probability of responding without the campaign, given the observed profile.
    pub p_response_control: f64,
    /// Probability of responding with the campaign, given the observed profile.
    pub p_response_treated: f64,
    /// `p_response_treated - p_response_control`.
    pub true_effect_response_prob: f64,
}

/// Average true effects of a campaign over a set of doctors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageEffect {
    /// Campaign.
    pub campaign_id: u64,
    /// Doctors averaged over.
    pub n_doctors: usize,
    /// Mean of `true_effect_rx`.
    pub effect_rx: f64,
    /// Mean of `true_effect_response_prob`.
    pub effect_response_prob: f64,
}

/// Generated campaign data with its ground truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDemo {
    /// The data, as ingest would produce it.
    pub data: CampaignData,
    /// One row per doctor and campaign, campaign-major in doctor order.
    pub truth: Vec<DoctorTruth>,
    /// The outcome definitions the truth refers to.
    pub outcome: OutcomeParams,
}

impl CampaignDemo {
    /// Truth rows of one campaign (empty for an unknown campaign).
    pub fn truth_for(&self, campaign_id: u64) -> &[DoctorTruth] {
        let n = self.data.doctors.len();
        let k = self
            .data
            .campaigns
            .iter()
            .position(|c| c.campaign_id == campaign_id);
        match k {
            Some(k) if self.truth.len() >= (k + 1) * n => &self.truth[k * n..(k + 1) * n],
            _ => &[],
        }
    }

    /// Average true effects of a campaign over the doctors passing `filter` (its
    /// `campaign_target` selects the targeted or control doctors).
    ///
    /// Errors: unknown campaign -> [`Error::NotFound`]; no doctor left -> [`Error::EmptyInput`].
    pub fn average_effect(&self, campaign_id: u64, filter: &DoctorFilter) -> Result<AverageEffect> {
        filter.check()?;
        let rows = self.truth_for(campaign_id);
        if rows.is_empty() {
            return Err(Error::not_found("campaign", campaign_id));
        }
        let (mut n, mut rx, mut p) = (0usize, 0.0, 0.0);
        for (t, d) in rows.iter().zip(&self.data.doctors) {
            if filter.matches(d) && filter.matches_target(t.targeted) {
                n += 1;
                rx += t.true_effect_rx;
                p += t.true_effect_response_prob;
            }
        }
        if n == 0 {
            return Err(Error::empty("no doctor passes the filter"));
        }
        Ok(AverageEffect {
            campaign_id,
            n_doctors: n,
            effect_rx: rx / n as f64,
            effect_response_prob: p / n as f64,
        })
    }
}

fn pick(rng: &mut Xoshiro256PlusPlus, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// Generates doctors, campaigns, randomised targeting and monthly Rx with the ground truth;
/// see the module documentation for the process.
pub fn generate_campaign_data(params: &CampaignDemoParams) -> Result<CampaignDemo> {
    params.check()?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(params.seed);
    let n = params.n_doctors;
    let n_products = PRODUCTS.len();

    // Doctors.
    let mut doctors = Vec::with_capacity(n);
    let mut archetypes = Vec::with_capacity(n);
    let mut affinity = Vec::with_capacity(n * n_products);
    let spec_w: Vec<f64> = SPECIALTIES.iter().map(|s| s.1).collect();
    let prov_w: Vec<f64> = PROVINCES.iter().map(|p| p.1).collect();
    for i in 0..n {
        let specialty = SPECIALTIES[pick(&mut rng, &spec_w)].0;
        let arch_w = if is_generalist(specialty) {
            &Archetype::GENERALIST_WEIGHTS
        } else {
            &Archetype::SPECIALIST_WEIGHTS
        };
        let arch = Archetype::ALL[pick(&mut rng, arch_w)];
        let province = if arch == Archetype::RuralGeneralist {
            PROVINCES[pick(&mut rng, &RURAL_PROVINCE_WEIGHTS)].0
        } else {
            PROVINCES[pick(&mut rng, &prov_w)].0
        };
        let (tm, ts) = arch.tenure();
        let tenure = (tm + ts * standard_normal(&mut rng))
            .round()
            .clamp(1.0, 45.0);
        let baseline =
            (arch.median_rx() * libm::exp(0.35 * standard_normal(&mut rng)) * 10.0).round() / 10.0;
        for _ in 0..n_products {
            affinity.push(libm::exp(AFFINITY_SD * standard_normal(&mut rng)));
        }
        doctors.push(Doctor {
            doctor_id: i as u64 + 1,
            specialty: specialty.to_string(),
            province: province.to_string(),
            tenure_years: tenure,
            baseline_rx: baseline,
        });
        archetypes.push(arch);
    }

    // Campaigns and their schedule (month offsets from first_period).
    let first = month_index(params.first_period);
    let pre = params.pre_periods as i32;
    let dur = params.campaign_periods as i32;
    let bad_date = || {
        Error::invalid_param(
            "first_period",
            params.first_period,
            "campaign schedule leaves the supported date range",
        )
    };
    let mut campaigns = Vec::with_capacity(params.n_campaigns);
    let mut starts = Vec::with_capacity(params.n_campaigns);
    for k in 0..params.n_campaigns {
        let p = k % n_products;
        let round = (k / n_products) as i32;
        let s = pre + 2 * p as i32 + round * (pre + dur);
        let start_date = month_first_day(first + s).ok_or_else(bad_date)?;
        let end_date = month_first_day(first + s + dur)
            .and_then(|d| d.pred_opt())
            .ok_or_else(bad_date)?;
        campaigns.push(Campaign {
            campaign_id: k as u64 + 1,
            name: format!(
                "{} {} {}",
                PRODUCTS[p].name,
                CAMPAIGN_KINDS[k % CAMPAIGN_KINDS.len()],
                start_date.year()
            ),
            product: PRODUCTS[p].name.to_string(),
            start_date,
            end_date,
        });
        starts.push(s);
    }
    let horizon = starts.iter().max().copied().unwrap_or(0) + dur;

    // Market-wide monthly multiplier per product: seasonality x trend x shock.
    let mut market = vec![0.0; n_products * horizon as usize];
    for (p, prod) in PRODUCTS.iter().enumerate() {
        for t in 0..horizon {
            let moy = (first + t).rem_euclid(12) as f64;
            let season =
                1.0 + prod.seasonality * libm::cos(2.0 * std::f64::consts::PI * moy / 12.0);
            let trend = powi(1.0 + prod.trend, t);
            let shock = libm::exp(0.03 * standard_normal(&mut rng));
            market[p * horizon as usize + t as usize] = season * trend * shock;
        }
    }

    // Targeting, Rx and truth, campaign by campaign.
    let m = (pre + dur) as usize;
    let mut targeting = Vec::with_capacity(n * params.n_campaigns);
    let mut rx = Vec::with_capacity(n * params.n_campaigns * m / 2);
    let mut truth = Vec::with_capacity(n * params.n_campaigns);
    let mut mu = vec![0.0; m];
    let mut nodes = Vec::with_capacity(AFFINITY_NODES);
    for (k, campaign) in campaigns.iter().enumerate() {
        let p = k % n_products;
        let prod = &PRODUCTS[p];
        let s = starts[k];
        let periods: Vec<NaiveDate> = (0..m as i32)
            .map(|t| month_first_day(first + s - pre + t).ok_or_else(bad_date))
            .collect::<Result<_>>()?;
        let product = campaign.product.clone();
        for (i, doc) in doctors.iter().enumerate() {
            let targeted = rng.gen::<f64>() < params.target_share;
            targeting.push(Targeting {
                doctor_id: doc.doctor_id,
                campaign_id: campaign.campaign_id,
                campaign_target: targeted,
            });
            let arch = archetypes[i];
            // Expected monthly rate without the hidden affinity, and the observable lift.
            let rate0 = doc.baseline_rx * product_share(&doc.specialty, prod);
            let lift = observable_lift(params.effect_scale, doc, prod);
            let a = affinity[i * n_products + p];
            for (t, slot) in mu.iter_mut().enumerate() {
                *slot = rate0 * a * market[p * horizon as usize + (s - pre) as usize + t];
            }
            let lambda_pre: f64 = mu[..pre as usize].iter().sum();
            let lambda_post: f64 = mu[pre as usize..].iter().sum();
            let mut pre_sum = 0.0;
            for (t, &rate) in mu.iter().enumerate() {
                let rate = if targeted && t >= pre as usize {
                    rate * (1.0 + lift)
                } else {
                    rate
                };
                if rate <= 0.0 {
                    continue;
                }
                let count = Poisson::new(rate)
                    .map(|d| d.sample(&mut rng))
                    .unwrap_or(0.0);
                if t < pre as usize {
                    pre_sum += count;
                }
                if count > 0.0 {
                    rx.push(RxRecord {
                        doctor_id: doc.doctor_id,
                        product: product.clone(),
                        period: periods[t],
                        count,
                    });
                }
            }
            // The truth given what the data show of the doctor: the affinity is averaged
            // over its posterior given the pre-window count.
            let (c_pre, c_post) = (lambda_pre / a, lambda_post / a);
            affinity_posterior(pre_sum, c_pre, &mut nodes);
            let k_resp = response_threshold(
                &params.response,
                pre_sum,
                params.pre_periods,
                params.campaign_periods,
            );
            let (mut mean_a, mut p_c, mut p_t) = (0.0, 0.0, 0.0);
            for &(aff, w) in &nodes {
                mean_a += w * aff;
                p_c += w * poisson_sf(k_resp, aff * c_post);
                p_t += w * poisson_sf(k_resp, aff * c_post * (1.0 + lift));
            }
            let (p_c, p_t) = (p_c.clamp(0.0, 1.0), p_t.clamp(0.0, 1.0));
            truth.push(DoctorTruth {
                doctor_id: doc.doctor_id,
                campaign_id: campaign.campaign_id,
                targeted,
                archetype: arch,
                lift,
                expected_pre_rx: lambda_pre / pre as f64,
                expected_post_rx_control: lambda_post / dur as f64,
                true_effect_rx: lift * mean_a * c_post / dur as f64,
                p_response_control: p_c,
                p_response_treated: p_t,
                true_effect_response_prob: p_t - p_c,
            });
        }
    }
    Ok(CampaignDemo {
        data: CampaignData {
            doctors,
            campaigns,
            targeting,
            rx,
        },
        truth,
        outcome: params.outcome(),
    })
}

/// Standard deviation of the log of the hidden doctor-product affinity.
const AFFINITY_SD: f64 = 0.35;

/// Quadrature nodes of the affinity posterior (a grid of +-7 posterior standard deviations).
const AFFINITY_NODES: usize = 29;

/// Engagement with promotion as a function of the doctor's total monthly Rx volume: a
/// log-normal-shaped bump peaking at 1.05 around 85 Rx a month, falling to about 0.4 for
/// very high (160) and very low (45) volumes and below zero (detailing fatigue, down to
/// -0.25) under about 30 Rx a month.
fn engagement(baseline_rx: f64) -> f64 {
    let z = libm::log(baseline_rx.max(1.0) / 85.0) / 0.55;
    1.3 * libm::exp(-0.5 * z * z) - 0.25
}

/// The relative lift of the monthly Rx rate of a targeted doctor: a function of the doctor's
/// observed specialty, tenure and volume only (see the module documentation).
fn observable_lift(effect_scale: f64, doc: &Doctor, prod: &ProductSpec) -> f64 {
    let tenure_factor = (1.4 - doc.tenure_years / 35.0).clamp(0.4, 1.4);
    let rate0 = doc.baseline_rx * product_share(&doc.specialty, prod);
    let volume_factor = 1.6 / (1.0 + rate0 / 40.0);
    (effect_scale
        * LIFT_SCALE
        * specialty_match(&doc.specialty, prod)
        * engagement(doc.baseline_rx)
        * tenure_factor
        * volume_factor)
        .max(-0.5)
}

/// Posterior of the affinity `e^a`, `a ~ N(0, AFFINITY_SD^2)`, given a pre-window count
/// `s ~ Poisson(c e^a)`: `(e^a, weight)` pairs on a grid around the posterior mode (the log
/// posterior is strictly concave), weights summing to one. The trapezoid rule on a smooth,
/// near-Gaussian integrand is accurate far below the Monte-Carlo noise of any estimate.
fn affinity_posterior(s: f64, c: f64, out: &mut Vec<(f64, f64)>) {
    out.clear();
    let v = AFFINITY_SD * AFFINITY_SD;
    let c = c.max(0.0);
    let log_post = |a: f64| s * a - c * libm::exp(a) - a * a / (2.0 * v);
    let mut mode = 0.0f64;
    for _ in 0..100 {
        let g = s - c * libm::exp(mode) - mode / v;
        let h = c * libm::exp(mode) + 1.0 / v;
        let step = (g / h).clamp(-1.0, 1.0);
        mode += step;
        if step.abs() < 1e-12 {
            break;
        }
    }
    let sd = 1.0 / (c * libm::exp(mode) + 1.0 / v).sqrt();
    let top = log_post(mode);
    let half = (AFFINITY_NODES / 2) as f64;
    let mut total = 0.0;
    for j in 0..AFFINITY_NODES {
        let a = mode + sd * 7.0 * (j as f64 - half) / half;
        let w = libm::exp(log_post(a) - top);
        total += w;
        out.push((libm::exp(a), w));
    }
    for node in out.iter_mut() {
        node.1 /= total;
    }
}

/// Smallest post-window sum that is a response after a pre-window sum `pre_sum`, with the
/// rule evaluated with the same arithmetic as on data (sums divided by window lengths).
fn response_threshold(rule: &ResponseRule, pre_sum: f64, l_pre: u32, l_post: u32) -> u64 {
    let (lp, lq) = (l_pre as f64, l_post as f64);
    let pre_mean = pre_sum / lp;
    let need = pre_mean + rule.min_increase.max(rule.rel_increase * pre_mean);
    let mut k = (need * lq).ceil().max(0.0) as u64;
    while k > 0 && rule.responded(pre_mean, (k - 1) as f64 / lq) {
        k -= 1;
    }
    while !rule.responded(pre_mean, k as f64 / lq) {
        k += 1;
    }
    k
}

/// `P(X >= k)` for `X ~ Poisson(lambda)`, summing the pmf away from the mode (relative error
/// about 1e-13).
fn poisson_sf(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    let log_pmf = |j: f64| j * libm::log(lambda) - lambda - crate::stats::ln_gamma(j + 1.0);
    let kf = k as f64;
    if kf > lambda {
        // Upper tail from k: terms shrink by lambda / (j + 1) < 1.
        let mut term = libm::exp(log_pmf(kf));
        let (mut sum, mut j) = (0.0, kf);
        while term > 1e-17 * sum || sum == 0.0 {
            sum += term;
            if term == 0.0 {
                break;
            }
            j += 1.0;
            term *= lambda / j;
        }
        sum.min(1.0)
    } else {
        // One minus the lower tail up to k - 1: terms shrink by j / lambda <= 1.
        let mut j = kf - 1.0;
        let mut term = libm::exp(log_pmf(j));
        let mut sum = 0.0;
        loop {
            sum += term;
            if j <= 0.0 || term < 1e-17 * sum {
                break;
            }
            term *= j / lambda;
            j -= 1.0;
        }
        (1.0 - sum).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_sf_matches_closed_form() {
        let l: f64 = 3.0;
        let cdf1 = libm::exp(-l) * (1.0 + l);
        assert!((poisson_sf(2, l) - (1.0 - cdf1)).abs() < 1e-13);
        assert_eq!(poisson_sf(0, 5.0), 1.0);
        assert_eq!(poisson_sf(1, 0.0), 0.0);
        // Both branches agree with a direct sum, small and large rates.
        for (k, l) in [
            (1u64, 0.3),
            (7, 3.0),
            (40, 30.0),
            (880, 900.0),
            (960, 900.0),
        ] {
            let mut pmf = f64::exp(-l);
            let mut below = 0.0;
            for j in 0..k {
                if j > 0 {
                    pmf *= l / j as f64;
                }
                below += pmf;
            }
            if l < 100.0 {
                assert!((poisson_sf(k, l) - (1.0 - below)).abs() < 1e-12, "{k} {l}");
            }
        }
        // Median of Poisson(900) is about 900: half the mass on each side.
        assert!((poisson_sf(900, 900.0) - 0.5).abs() < 0.02);
        assert!(poisson_sf(1100, 900.0) < 1e-9);
    }

    #[test]
    fn conditional_truth_matches_simulation() {
        // Doctors with the same observed profile: rate c e^a with a hidden, s the pre sum.
        let rule = ResponseRule::default();
        let (c_pre, c_post, lift) = (30.0, 33.0, 0.4);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let (mut n, mut post_c, mut post_t, mut resp_c, mut resp_t) = (0, 0.0, 0.0, 0.0, 0.0);
        let target = 27.0;
        while n < 40_000 {
            let a = libm::exp(AFFINITY_SD * standard_normal(&mut rng));
            let s: f64 = Poisson::new(c_pre * a).unwrap().sample(&mut rng);
            if s != target {
                continue;
            }
            n += 1;
            let yc: f64 = Poisson::new(c_post * a).unwrap().sample(&mut rng);
            let yt: f64 = Poisson::new(c_post * a * (1.0 + lift))
                .unwrap()
                .sample(&mut rng);
            post_c += yc;
            post_t += yt;
            resp_c += f64::from(u8::from(rule.responded(s / 6.0, yc / 6.0)));
            resp_t += f64::from(u8::from(rule.responded(s / 6.0, yt / 6.0)));
        }
        let n = n as f64;
        let mut nodes = Vec::new();
        affinity_posterior(target, c_pre, &mut nodes);
        assert_eq!(nodes.len(), AFFINITY_NODES);
        assert!((nodes.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-12);
        let k = response_threshold(&rule, target, 6, 6);
        let (mut mean_a, mut pc, mut pt) = (0.0, 0.0, 0.0);
        for &(a, w) in &nodes {
            mean_a += w * a;
            pc += w * poisson_sf(k, a * c_post);
            pt += w * poisson_sf(k, a * c_post * (1.0 + lift));
        }
        let eff_rx = lift * mean_a * c_post / 6.0;
        let sim_rx = (post_t - post_c) / n / 6.0;
        assert!(
            (eff_rx - sim_rx).abs() < 0.06,
            "exact {eff_rx} sim {sim_rx}"
        );
        assert!(
            (pc - resp_c / n).abs() < 0.01,
            "exact {pc} sim {}",
            resp_c / n
        );
        assert!(
            (pt - resp_t / n).abs() < 0.01,
            "exact {pt} sim {}",
            resp_t / n
        );
        // Shrinkage: a low pre count pulls the affinity below the prior mean, a high one up.
        affinity_posterior(10.0, c_pre, &mut nodes);
        let low: f64 = nodes.iter().map(|(a, w)| a * w).sum();
        affinity_posterior(50.0, c_pre, &mut nodes);
        let high: f64 = nodes.iter().map(|(a, w)| a * w).sum();
        assert!(low < 1.0 && high > 1.0, "{low} {high}");
    }

    #[test]
    fn windows_are_calendar_months() {
        let c = Campaign {
            campaign_id: 1,
            name: "c".into(),
            product: "P".into(),
            start_date: NaiveDate::from_ymd_opt(2023, 3, 15).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2023, 5, 2).unwrap(),
        };
        let w = OutcomeParams::default().pre_periods(2).window(&c).unwrap();
        assert_eq!(w.pre_start, NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
        assert_eq!(w.pre_end, NaiveDate::from_ymd_opt(2023, 2, 28).unwrap());
        assert_eq!(w.post_start, NaiveDate::from_ymd_opt(2023, 3, 1).unwrap());
        assert_eq!(w.post_end, NaiveDate::from_ymd_opt(2023, 5, 31).unwrap());
        assert_eq!((w.pre_periods, w.post_periods, w.months()), (2, 3, 5));
        assert_eq!(
            w.slot(NaiveDate::from_ymd_opt(2023, 3, 31).unwrap()),
            Some(2)
        );
        assert_eq!(w.slot(NaiveDate::from_ymd_opt(2022, 12, 31).unwrap()), None);
        assert_eq!(w.slot(NaiveDate::from_ymd_opt(2023, 6, 1).unwrap()), None);
        assert_eq!(w.means(&[1.0, 3.0, 3.0, 3.0, 6.0]), (2.0, 4.0));
        let w = OutcomeParams::default()
            .post_periods(Some(1))
            .window(&c)
            .unwrap();
        assert_eq!(w.post_end, NaiveDate::from_ymd_opt(2023, 3, 31).unwrap());
    }

    #[test]
    fn response_rule() {
        let r = ResponseRule::default();
        assert!(r.responded(5.0, 6.0));
        assert!(!r.responded(5.0, 5.9));
        assert!(!r.responded(20.0, 21.5)); // needs +2
        assert!(r.responded(20.0, 22.0));
        assert!(!r.responded(0.0, 0.0));
        assert!(ResponseRule {
            min_increase: 0.0,
            rel_increase: 0.1
        }
        .check()
        .is_err());
    }
}
