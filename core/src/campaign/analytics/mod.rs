//! Campaign analytics: the campaign list, metrics with difference-in-differences lift, Rx
//! trends and top responders, with the doctor filters and pagination of the campaign API.
//!
//! Per-doctor outcomes follow [`crate::data::campaign_demo`]: pre and post windows in
//! calendar months, a month without an Rx record counts as zero, the Rx change is post mean
//! minus pre mean, and response follows the [`ResponseRule`](crate::data::ResponseRule).
//!
//! # Estimators of [`CampaignAnalytics::metrics`]
//!
//! * **Lift** (difference in differences): with `d_i` the Rx change of doctor `i`,
//!   `lift = mean(d | targeted) - mean(d | control)`. Its standard error is Welch's,
//!   `se = sqrt(s_t^2 / n_t + s_c^2 / n_c)` with the sample variances of the changes, and the
//!   confidence interval is `lift +- t(df) * se` with the Welch-Satterthwaite degrees of
//!   freedom `df = se^4 / ((s_t^2/n_t)^2/(n_t-1) + (s_c^2/n_c)^2/(n_c-1))`. Under randomised
//!   targeting this estimates the average effect of the campaign on the monthly Rx of the
//!   selected doctors.
//! * **Response-rate difference**: `p_t - p_c` with the unpooled Wald standard error
//!   `sqrt(p_t(1-p_t)/n_t + p_c(1-p_c)/n_c)` and a normal-quantile interval.
//!
//! Both need at least two doctors in each group; otherwise they are `None`. When the
//! standard error is 0 (all changes equal) the interval is the point estimate.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::campaign::recommender::{
    DoctorProfile, DoctorRecommender, RecommenderParams, TargetedOutcome,
};
use crate::campaign::segmentation::DoctorSegmentation;
use crate::campaign::uplift::{encode_doctors, Outcome, UpliftForest, UpliftParams};
use crate::data::campaign_demo::{
    generate_campaign_data, uplift_table_with, validate_campaign_data, window_counts,
    CampaignDemoParams, CampaignIndex, OutcomeParams, OutcomeWindow, UpliftTable,
    UPLIFT_NUMERIC_FEATURES,
};
use crate::data::{CampaignData, Doctor, DoctorFilter, Page, PageRequest};
use crate::error::{Error, Result};
use crate::export::{
    export_csv, Control, ExportOptions, ExportSummary, Progress as ExportProgress,
};

/// The confidence level of campaign metrics and per-doctor uplift intervals when a caller gives
/// none (every binding uses it).
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// The seed of [`CampaignAnalytics::sample`] when a caller gives none.
pub const SAMPLE_SEED: u64 = 42;

/// How many doctors a recommendation returns when a caller does not say.
pub const DEFAULT_RECOMMENDATIONS: usize = 10;

/// One row of the campaign list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    /// Campaign identifier.
    pub campaign_id: u64,
    /// Display name.
    pub name: String,
    /// Product promoted.
    pub product: String,
    /// First day of the campaign.
    pub start_date: NaiveDate,
    /// Last day of the campaign.
    pub end_date: NaiveDate,
    /// Targeted doctors passing the filter.
    pub targeted_doctors: usize,
    /// Control doctors passing the filter.
    pub control_doctors: usize,
}

/// Outcomes of one group (targeted or control) of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    /// Doctors in the group.
    pub doctors: usize,
    /// Doctors who responded.
    pub responders: usize,
    /// `responders / doctors` (`None` for an empty group).
    pub response_rate: Option<f64>,
    /// Mean of the doctors' pre-window mean monthly Rx.
    pub mean_rx_pre: Option<f64>,
    /// Mean of the doctors' post-window mean monthly Rx.
    pub mean_rx_post: Option<f64>,
    /// Mean Rx change (post minus pre).
    pub mean_rx_change: Option<f64>,
    /// Sample standard deviation of the Rx change (`None` below two doctors).
    pub sd_rx_change: Option<f64>,
}

/// A point estimate with its standard error and confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// Lower confidence bound.
    pub ci_low: f64,
    /// Upper confidence bound.
    pub ci_high: f64,
    /// Degrees of freedom of the t interval (`None` for a normal interval).
    pub df: Option<f64>,
}

/// Metrics of one campaign over the doctors passing a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignMetrics {
    /// Campaign.
    pub campaign_id: u64,
    /// Product promoted.
    pub product: String,
    /// The pre and post windows.
    pub window: OutcomeWindow,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Targeted doctors.
    pub targeted: GroupMetrics,
    /// Control doctors.
    pub control: GroupMetrics,
    /// Difference-in-differences lift of the monthly Rx, with Welch standard error.
    pub lift: Option<Estimate>,
    /// Lift as a percentage of the targeted group's pre mean (`None` when that is 0).
    pub lift_pct: Option<f64>,
    /// Targeted minus control response rate.
    pub response_rate_diff: Option<Estimate>,
}

/// Pre or post window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the campaign.
    Pre,
    /// From the campaign's start month.
    Post,
}

/// Mean Rx of targeted and control doctors in one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// First day of the month.
    pub period: NaiveDate,
    /// Window of the month.
    pub phase: Phase,
    /// Targeted doctors averaged over.
    pub targeted_doctors: usize,
    /// Control doctors averaged over.
    pub control_doctors: usize,
    /// Mean Rx of the targeted doctors (`None` when there are none).
    pub targeted_mean_rx: Option<f64>,
    /// Mean Rx of the control doctors (`None` when there are none).
    pub control_mean_rx: Option<f64>,
    /// Total Rx of the targeted doctors.
    pub targeted_total_rx: f64,
    /// Total Rx of the control doctors.
    pub control_total_rx: f64,
}

/// A table [`CampaignAnalytics::export_csv`] writes.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportTable {
    /// The doctors (`doctor_id, specialty, province, tenure_years, baseline_rx`).
    Doctors,
    /// A campaign's doctors ranked as by [`CampaignAnalytics::top_responders`] (the columns
    /// of [`Responder`]).
    Responders {
        /// The campaign.
        campaign_id: u64,
        /// The ranking.
        rank_by: RankBy,
    },
}

impl ExportTable {
    /// From a host's table name, `"doctors"` or `"responders"` (which needs `campaign_id`;
    /// `rank_by` applies to responders only).
    ///
    /// ```
    /// use optocom_core::campaign::{ExportTable, RankBy};
    /// assert_eq!(ExportTable::parse("doctors", None, RankBy::RxIncrease)?, ExportTable::Doctors);
    /// let no_campaign = ExportTable::parse("responders", None, RankBy::RxIncrease).unwrap_err();
    /// assert_eq!(no_campaign.code(), "invalid_parameter");
    /// assert!(ExportTable::parse("patients", None, RankBy::RxIncrease).is_err());
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn parse(what: &str, campaign_id: Option<u64>, rank_by: RankBy) -> Result<ExportTable> {
        match (what, campaign_id) {
            ("doctors", _) => Ok(ExportTable::Doctors),
            ("responders", Some(campaign_id)) => Ok(ExportTable::Responders {
                campaign_id,
                rank_by,
            }),
            ("responders", None) => Err(Error::invalid_param(
                "campaign_id",
                "None",
                "exporting responders needs a campaign",
            )),
            (other, _) => Err(Error::invalid_param(
                "what",
                other,
                "must be \"doctors\" or \"responders\"",
            )),
        }
    }
}

/// An export as a host passes it (the JS bindings' `exportCsv` options object): which
/// campaign (for responders, ranked by Rx increase), which doctors, and whether to guard
/// formula-like cells.
///
/// ```
/// use optocom_core::campaign::{ExportRequest, ExportTable, RankBy};
/// use optocom_core::options::from_value;
/// let r: ExportRequest = from_value("options", serde_json::json!({"campaign_id": 2, "filter": {"provinces": ["Ontario"]}}))?;
/// assert_eq!(r.filter.provinces, ["Ontario"]);
/// assert_eq!(r.table("responders")?, ExportTable::Responders { campaign_id: 2, rank_by: RankBy::RxIncrease });
/// assert!(r.options().formula_guard);
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportRequest {
    /// The campaign whose responders to export (required for `"responders"`).
    pub campaign_id: Option<u64>,
    /// Which doctors (default: all).
    pub filter: DoctorFilter,
    /// Guard cells a spreadsheet would run as formulas (default true).
    pub formula_guard: bool,
}

impl Default for ExportRequest {
    fn default() -> Self {
        ExportRequest {
            campaign_id: None,
            filter: DoctorFilter::default(),
            formula_guard: true,
        }
    }
}

impl ExportRequest {
    /// The table `what` (`"doctors"` or `"responders"`) names, see [`ExportTable::parse`].
    pub fn table(&self, what: &str) -> Result<ExportTable> {
        ExportTable::parse(what, self.campaign_id, RankBy::RxIncrease)
    }

    /// The writer options: the defaults with this request's formula guard.
    pub fn options(&self) -> ExportOptions {
        ExportOptions::default().formula_guard(self.formula_guard)
    }
}

/// How [`CampaignAnalytics::top_responders`] ranks doctors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// By observed Rx change, largest first.
    RxIncrease,
    /// By an externally estimated uplift per doctor id (e.g. an uplift forest's
    /// predictions), largest first. Doctors without a score are left out; scores of doctors
    /// not in the campaign are ignored.
    Uplift(BTreeMap<u64, f64>),
}

impl RankBy {
    /// Ranking by the given `(doctor_id, uplift)` pairs (a later pair for the same doctor
    /// replaces an earlier one).
    pub fn uplift(scores: impl IntoIterator<Item = (u64, f64)>) -> Self {
        RankBy::Uplift(scores.into_iter().collect())
    }

    fn check(&self) -> Result<()> {
        if let RankBy::Uplift(scores) = self {
            if let Some((id, v)) = scores.iter().find(|(_, v)| !v.is_finite()) {
                return Err(Error::invalid_param(
                    "rank_by",
                    format!("uplift of doctor {id} = {v}"),
                    "uplift scores must be finite",
                ));
            }
        }
        Ok(())
    }
}

/// One doctor's estimated campaign effect, from [`CampaignAnalytics::uplift`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorUplift {
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Whether the campaign targeted the doctor.
    pub targeted: bool,
    /// Estimated effect of the campaign on this doctor (treated minus control): on the
    /// response probability, or on the monthly Rx change.
    pub effect: f64,
    /// Standard error of `effect`.
    pub std_error: f64,
    /// Lower bound of the confidence interval.
    pub lower: f64,
    /// Upper bound of the confidence interval.
    pub upper: f64,
}

/// One ranked doctor of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Responder {
    /// 1-based rank in the full ranking.
    pub rank: usize,
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Specialty.
    pub specialty: String,
    /// Province.
    pub province: String,
    /// Years in practice.
    pub tenure_years: f64,
    /// Baseline Rx volume.
    pub baseline_rx: f64,
    /// Whether the doctor was targeted.
    pub targeted: bool,
    /// Pre-window mean monthly Rx.
    pub rx_pre: f64,
    /// Post-window mean monthly Rx.
    pub rx_post: f64,
    /// `rx_post - rx_pre`.
    pub rx_change: f64,
    /// Whether the doctor responded.
    pub responded: bool,
    /// The ranking score: the Rx change or the uplift.
    pub score: f64,
}

#[derive(Debug, Clone, Copy)]
struct Member {
    doctor: usize,
    targeted: bool,
    pre: f64,
    post: f64,
    /// `post - pre`, from the window sums ([`OutcomeWindow::outcome`]).
    change: f64,
    responded: bool,
}

#[derive(Debug, Clone)]
struct Panel {
    window: OutcomeWindow,
    members: Vec<Member>,
    /// `members x window.months()` monthly Rx, row-major.
    counts: Vec<f64>,
}

/// Campaign analytics over validated, indexed campaign data: what the campaign endpoints of
/// the analytics API did, as a library.
///
/// Every query takes a [`DoctorFilter`] (checked; its `campaign_target` selects targeted or
/// control doctors) and the listing queries a [`PageRequest`] (checked: page from 1,
/// `per_page` 1..=500). An unknown campaign is [`Error::NotFound`] with `what = "campaign"`.
/// When no doctor passes the filter, [`CampaignAnalytics::metrics`] returns
/// [`Error::EmptyInput`] (there is nothing to estimate) while the listing queries return an
/// empty page or trend.
///
/// ```
/// use optocom_core::campaign::analytics::{CampaignAnalytics, RankBy};
/// use optocom_core::data::{DoctorFilter, PageRequest};
///
/// // 2,000 generated doctors, 4 randomised campaigns.
/// let analytics = CampaignAnalytics::sample(7)?;
/// let all = DoctorFilter::default();
/// let list = analytics.campaigns(&all, &PageRequest::default())?;
/// assert_eq!(list.total, 4);
/// let first = &list.data[0];
/// assert_eq!(first.targeted_doctors + first.control_doctors, 2_000);
///
/// // Difference-in-differences lift among cardiologists, 95% interval.
/// let cardiology = DoctorFilter { specialties: vec!["Cardiology".into()], ..Default::default() };
/// let m = analytics.metrics(first.campaign_id, &cardiology, 0.95)?;
/// let lift = m.lift.expect("both groups have doctors");
/// assert!(lift.ci_low <= lift.estimate && lift.estimate <= lift.ci_high);
///
/// // Monthly means, and the ten largest Rx increases among targeted doctors.
/// let trend = analytics.rx_trend(first.campaign_id, &all)?;
/// assert_eq!(trend.len(), 12);
/// let targeted = DoctorFilter { campaign_target: Some(true), ..Default::default() };
/// let top = analytics.top_responders(first.campaign_id, &targeted, &RankBy::RxIncrease, &PageRequest::default())?;
/// assert!(top.data.windows(2).all(|w| w[0].rx_change >= w[1].rx_change));
///
/// // Errors are typed.
/// assert_eq!(analytics.metrics(99, &all, 0.95).unwrap_err().code(), "not_found");
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CampaignAnalytics {
    data: CampaignData,
    outcome: OutcomeParams,
    index: CampaignIndex,
    panels: Vec<Panel>,
}

impl CampaignAnalytics {
    /// Validates `data` (see [`validate_campaign_data`]) and indexes it with the default
    /// [`OutcomeParams`] (6 pre months, the campaign's own months as post window).
    pub fn new(data: CampaignData) -> Result<Self> {
        Self::with_outcome(data, OutcomeParams::default())
    }

    /// As [`CampaignAnalytics::new`] with explicit windows and response rule.
    pub fn with_outcome(data: CampaignData, outcome: OutcomeParams) -> Result<Self> {
        outcome.check()?;
        let index = validate_campaign_data(&data)?;
        let mut panels = Vec::with_capacity(data.campaigns.len());
        let mut row_of = vec![usize::MAX; data.doctors.len()];
        for (c, campaign) in data.campaigns.iter().enumerate() {
            let window = outcome.window(campaign)?;
            let targeting = &index.targeting[c];
            for (i, &(d, _)) in targeting.iter().enumerate() {
                row_of[d] = i;
            }
            let counts = window_counts(
                &data.rx,
                &campaign.product,
                &window,
                targeting.len(),
                |id| {
                    index
                        .doctor_pos
                        .get(&id)
                        .map(|&d| row_of[d])
                        .filter(|&r| r != usize::MAX)
                },
            );
            for &(d, _) in targeting {
                row_of[d] = usize::MAX;
            }
            let m = window.months();
            let members = targeting
                .iter()
                .enumerate()
                .map(|(i, &(doctor, targeted))| {
                    let (pre, post, change) = window.outcome(&counts[i * m..(i + 1) * m]);
                    Member {
                        doctor,
                        targeted,
                        pre,
                        post,
                        change,
                        responded: outcome.response.responded(pre, post),
                    }
                })
                .collect();
            panels.push(Panel {
                window,
                members,
                counts,
            });
        }
        Ok(CampaignAnalytics {
            data,
            outcome,
            index,
            panels,
        })
    }

    /// Analytics over generated sample data (the default [`CampaignDemoParams`] with this
    /// seed: 2,000 doctors, 4 campaigns), for when no data is given.
    pub fn sample(seed: u64) -> Result<Self> {
        let demo = generate_campaign_data(&CampaignDemoParams::default().seed(seed))?;
        Self::with_outcome(demo.data, demo.outcome)
    }

    /// The data analysed.
    pub fn data(&self) -> &CampaignData {
        &self.data
    }

    /// The windows and response rule in use.
    pub fn outcome(&self) -> &OutcomeParams {
        &self.outcome
    }

    /// The analysis windows of a campaign.
    pub fn window(&self, campaign_id: u64) -> Result<&OutcomeWindow> {
        Ok(&self.panels[self.campaign_pos(campaign_id)?].window)
    }

    fn campaign_pos(&self, campaign_id: u64) -> Result<usize> {
        self.index
            .campaign_pos
            .get(&campaign_id)
            .copied()
            .ok_or_else(|| Error::not_found("campaign", campaign_id))
    }

    /// Members of campaign `c` (by position) passing the filter, with their panel row.
    fn selected<'a>(
        &'a self,
        c: usize,
        filter: &'a DoctorFilter,
    ) -> impl Iterator<Item = (usize, &'a Member)> + 'a {
        self.panels[c]
            .members
            .iter()
            .enumerate()
            .filter(move |(_, m)| {
                filter.matches_target(m.targeted) && filter.matches(&self.data.doctors[m.doctor])
            })
    }

    /// Campaigns in id order with their targeted and control counts among the doctors
    /// passing `filter`. With the default (empty) filter every campaign is listed; otherwise
    /// only campaigns with at least one doctor passing the filter.
    pub fn campaigns(
        &self,
        filter: &DoctorFilter,
        page: &PageRequest,
    ) -> Result<Page<CampaignSummary>> {
        page.check()?;
        filter.check()?;
        let everything = *filter == DoctorFilter::default();
        let mut rows: Vec<CampaignSummary> = Vec::new();
        for (c, campaign) in self.data.campaigns.iter().enumerate() {
            let (mut t, mut k) = (0, 0);
            for (_, m) in self.selected(c, filter) {
                if m.targeted {
                    t += 1;
                } else {
                    k += 1;
                }
            }
            if everything || t + k > 0 {
                rows.push(CampaignSummary {
                    campaign_id: campaign.campaign_id,
                    name: campaign.name.clone(),
                    product: campaign.product.clone(),
                    start_date: campaign.start_date,
                    end_date: campaign.end_date,
                    targeted_doctors: t,
                    control_doctors: k,
                });
            }
        }
        rows.sort_by_key(|r| r.campaign_id);
        page.apply(rows)
    }

    /// Metrics of a campaign over the doctors passing `filter`, with intervals at
    /// `confidence` (strictly between 0 and 1, e.g. 0.95). See the module documentation for
    /// the estimators.
    ///
    /// Errors: `confidence` out of range or a bad filter -> [`Error::InvalidParameter`];
    /// unknown campaign -> [`Error::NotFound`]; no doctor passes the filter ->
    /// [`Error::EmptyInput`].
    pub fn metrics(
        &self,
        campaign_id: u64,
        filter: &DoctorFilter,
        confidence: f64,
    ) -> Result<CampaignMetrics> {
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(Error::invalid_param(
                "confidence",
                confidence,
                "must be strictly between 0 and 1",
            ));
        }
        filter.check()?;
        let c = self.campaign_pos(campaign_id)?;
        let mut t = GroupAcc::default();
        let mut k = GroupAcc::default();
        for (_, m) in self.selected(c, filter) {
            (if m.targeted { &mut t } else { &mut k }).push(m);
        }
        if t.n + k.n == 0 {
            let why = if self.panels[c].members.is_empty() {
                "has no targeting rows (no targeted or control doctors)"
            } else {
                "has no doctor that passes the filter"
            };
            return Err(Error::empty(format!("campaign {campaign_id} {why}")));
        }
        let (gt, gk) = (t.finish(), k.finish());
        let (lift, response_rate_diff) = if t.n >= 2 && k.n >= 2 {
            (
                Some(welch(&t, &k, confidence)),
                Some(rate_diff(&t, &k, confidence)),
            )
        } else {
            (None, None)
        };
        let lift_pct = match (lift, gt.mean_rx_pre) {
            (Some(l), Some(pre)) if pre > 0.0 => Some(100.0 * l.estimate / pre),
            _ => None,
        };
        let campaign = &self.data.campaigns[c];
        Ok(CampaignMetrics {
            campaign_id,
            product: campaign.product.clone(),
            window: self.panels[c].window.clone(),
            confidence,
            targeted: gt,
            control: gk,
            lift,
            lift_pct,
            response_rate_diff,
        })
    }

    /// Mean Rx per month of the pre and post windows, targeted versus control, over the
    /// doctors passing `filter` (empty when none does).
    pub fn rx_trend(&self, campaign_id: u64, filter: &DoctorFilter) -> Result<Vec<TrendPoint>> {
        filter.check()?;
        let c = self.campaign_pos(campaign_id)?;
        let panel = &self.panels[c];
        let months = panel.window.months();
        let mut sums = vec![[0.0f64; 2]; months];
        let mut n = [0usize; 2];
        for (row, m) in self.selected(c, filter) {
            let g = usize::from(m.targeted);
            n[g] += 1;
            for (s, v) in sums
                .iter_mut()
                .zip(&panel.counts[row * months..(row + 1) * months])
            {
                s[g] += v;
            }
        }
        if n[0] + n[1] == 0 {
            return Ok(Vec::new());
        }
        let mean = |s: f64, n: usize| (n > 0).then(|| s / n as f64);
        let pre = panel.window.pre_periods as usize;
        sums.iter()
            .enumerate()
            .map(|(slot, s)| {
                let period = panel.window.period(slot).ok_or_else(|| {
                    Error::invalid_param("campaign_id", campaign_id, "window out of date range")
                })?;
                Ok(TrendPoint {
                    period,
                    phase: if slot < pre { Phase::Pre } else { Phase::Post },
                    targeted_doctors: n[1],
                    control_doctors: n[0],
                    targeted_mean_rx: mean(s[1], n[1]),
                    control_mean_rx: mean(s[0], n[0]),
                    targeted_total_rx: s[1],
                    control_total_rx: s[0],
                })
            })
            .collect()
    }

    /// Doctors of a campaign passing `filter`, ranked by `rank_by` (largest first, ties by
    /// ascending doctor id), one page of them. Use `campaign_target: Some(true)` in the
    /// filter to rank targeted doctors only.
    ///
    /// Errors: bad page or filter, or a non-finite uplift score ->
    /// [`Error::InvalidParameter`]; unknown campaign -> [`Error::NotFound`].
    pub fn top_responders(
        &self,
        campaign_id: u64,
        filter: &DoctorFilter,
        rank_by: &RankBy,
        page: &PageRequest,
    ) -> Result<Page<Responder>> {
        page.check()?;
        let scored = self.ranked(campaign_id, filter, rank_by)?;
        let start = (page.page - 1).saturating_mul(page.per_page);
        let rows: Vec<Responder> = scored
            .iter()
            .enumerate()
            .skip(start)
            .take(page.per_page)
            .map(|(i, &(score, _, m))| self.responder(i + 1, score, m))
            .collect();
        Ok(Page {
            page: page.page,
            per_page: page.per_page,
            total: scored.len(),
            data: rows,
        })
    }

    /// The campaign's uplift modelling table (every doctor with a targeting row, targeted or
    /// not: features, treatment and both outcomes) under this analysis's windows and
    /// response rule, the same ones [`metrics`](Self::metrics) uses.
    ///
    /// # Errors
    /// Unknown campaign -> [`Error::NotFound`]; a campaign without targeting rows ->
    /// [`Error::EmptyInput`].
    pub fn uplift_table(&self, campaign_id: u64) -> Result<UpliftTable> {
        uplift_table_with(&self.data, campaign_id, &self.outcome)
    }

    /// Per-doctor effects of a campaign with confidence intervals at `level` (e.g. 0.95): an
    /// [`UpliftForest`] fitted with `params` on the campaign's
    /// [`uplift_table`](Self::uplift_table) for `outcome`, evaluated on the same doctors.
    /// Returns the forest (to save, or to score later data with
    /// [`score_uplift`](Self::score_uplift)) and one row per doctor in the table's order.
    ///
    /// # Errors
    /// Unknown campaign -> [`Error::NotFound`]; `level` outside `(0, 1)` or bad params ->
    /// [`Error::InvalidParameter`]; as [`UpliftForest::fit_table`] otherwise.
    pub fn uplift(
        &self,
        campaign_id: u64,
        params: &UpliftParams,
        outcome: Outcome,
        level: f64,
    ) -> Result<(UpliftForest, Vec<DoctorUplift>)> {
        let z = crate::stats::z_for_level(level)?;
        let table = self.uplift_table(campaign_id)?;
        let forest = UpliftForest::fit_table(params, &table, outcome)?;
        let rows = uplift_rows(&forest, &table, table.features.view(), z)?;
        Ok((forest, rows))
    }

    /// The forest [`uplift`](Self::uplift) fits, without scoring the doctors: to save and
    /// later score with [`score_uplift`](Self::score_uplift).
    ///
    /// # Errors
    /// As [`uplift`](Self::uplift).
    pub fn fit_uplift(
        &self,
        campaign_id: u64,
        params: &UpliftParams,
        outcome: Outcome,
    ) -> Result<UpliftForest> {
        UpliftForest::fit_table(params, &self.uplift_table(campaign_id)?, outcome)
    }

    /// Per-doctor effects of a campaign, with confidence intervals at `level`, from a forest
    /// fitted before: on another snapshot of the data, by another process, or loaded from
    /// its artifact (the pretrained-model workflow: fit and save once, then score without
    /// refitting). Rows as [`uplift`](Self::uplift)'s, in the uplift table's order.
    ///
    /// The doctors are encoded under the forest's schema, so the data may have gained or lost
    /// specialties and provinces since the forest was fitted: a level the forest never saw
    /// gets an all-zero one-hot block (see [`encode_doctors`]). With the data it was fitted
    /// on, the rows equal [`uplift`](Self::uplift)'s bit for bit.
    ///
    /// ```
    /// use optocom_core::campaign::{CampaignAnalytics, Outcome, UpliftForest, UpliftParams};
    /// use optocom_core::Persist;
    ///
    /// let a = CampaignAnalytics::sample(42)?;
    /// let (forest, rows) = a.uplift(1, &UpliftParams::default().n_trees(20), Outcome::Responded, 0.95)?;
    /// let pretrained = UpliftForest::from_json(&forest.to_json()?)?;
    /// assert_eq!(a.score_uplift(&pretrained, 1, 0.95)?, rows);
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Unknown campaign -> [`Error::NotFound`]; `level` outside `(0, 1)` ->
    /// [`Error::InvalidParameter`]; a forest not fitted on a campaign uplift table (other
    /// feature columns) -> [`Error::SchemaMismatch`].
    pub fn score_uplift(
        &self,
        forest: &UpliftForest,
        campaign_id: u64,
        level: f64,
    ) -> Result<Vec<DoctorUplift>> {
        let z = crate::stats::z_for_level(level)?;
        let table = self.uplift_table(campaign_id)?;
        if forest.schema().check_compatible(&table.schema).is_ok() {
            return uplift_rows(forest, &table, table.features.view(), z);
        }
        // The table's columns start with UPLIFT_NUMERIC_FEATURES: pre_rx_mean is the third.
        debug_assert_eq!(UPLIFT_NUMERIC_FEATURES[2], "pre_rx_mean");
        let pre = table.features.column(2).to_vec();
        let doctors: Vec<Doctor> = table
            .doctor_ids
            .iter()
            .filter_map(|id| self.index.doctor_pos.get(id))
            .map(|&d| self.data.doctors[d].clone())
            .collect();
        let x = encode_doctors(forest.schema(), &doctors, &pre)?;
        uplift_rows(forest, &table, x.view(), z)
    }

    /// Streams `table` as CSV to `writer` (see [`crate::export`]: bounded memory, cells a
    /// spreadsheet would run as formulas guarded unless `options` turn the guard off):
    /// the doctors passing `filter` in data order, or a campaign's ranked responders passing
    /// it (every row of [`CampaignAnalytics::top_responders`], unpaginated). `progress` is
    /// called every `options.progress_every` rows and may cancel.
    ///
    /// ```
    /// use optocom_core::campaign::{CampaignAnalytics, ExportTable, RankBy};
    /// use optocom_core::data::DoctorFilter;
    /// use optocom_core::export::ExportOptions;
    ///
    /// let a = CampaignAnalytics::sample(42)?;
    /// let table = ExportTable::parse("responders", Some(1), RankBy::RxIncrease)?;
    /// let mut csv = Vec::new();
    /// let summary = a.export_csv(&table, &DoctorFilter::default(), &mut csv, &ExportOptions::default(), None)?;
    /// let text = String::from_utf8(csv).unwrap();
    /// assert!(text.starts_with("rank,doctor_id,"));
    /// assert_eq!(summary.rows as usize + 1, text.lines().count());
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A bad filter or options -> [`Error::InvalidParameter`]; as
    /// [`CampaignAnalytics::responders`] for responders; [`Error::Io`] when writing fails;
    /// [`Error::Cancelled`] when `progress` cancels.
    pub fn export_csv<W: std::io::Write>(
        &self,
        table: &ExportTable,
        filter: &DoctorFilter,
        writer: W,
        options: &ExportOptions,
        progress: Option<&mut dyn FnMut(ExportProgress) -> Control>,
    ) -> Result<ExportSummary> {
        match table {
            ExportTable::Doctors => {
                filter.check()?;
                let rows = self.data.doctors.iter().filter(|d| filter.matches(d));
                export_csv(rows, writer, options, progress)
            }
            ExportTable::Responders {
                campaign_id,
                rank_by,
            } => {
                let rows = self.responders(*campaign_id, filter, rank_by)?;
                export_csv(rows, writer, options, progress)
            }
        }
    }

    /// [`CampaignAnalytics::export_csv`] to a new file at `path` (replacing one that exists),
    /// created only once the request is known to be good: an unknown campaign, a bad filter or
    /// bad options leave no empty file behind.
    ///
    /// # Errors
    /// As [`CampaignAnalytics::export_csv`]; [`Error::IoPath`] naming `path` when the file
    /// cannot be created.
    pub fn export_csv_file(
        &self,
        table: &ExportTable,
        filter: &DoctorFilter,
        path: impl AsRef<std::path::Path>,
        options: &ExportOptions,
    ) -> Result<ExportSummary> {
        options.check()?;
        filter.check()?;
        let path = path.as_ref();
        let create = || std::fs::File::create(path).map_err(|e| Error::io_at(path, e));
        match table {
            ExportTable::Doctors => {
                let rows = self.data.doctors.iter().filter(|d| filter.matches(d));
                export_csv(rows, create()?, options, None)
            }
            ExportTable::Responders {
                campaign_id,
                rank_by,
            } => {
                let rows = self.responders(*campaign_id, filter, rank_by)?;
                export_csv(rows, create()?, options, None)
            }
        }
        .map_err(|e| e.at_path(path))
    }

    /// Every ranked doctor of [`CampaignAnalytics::top_responders`], unpaginated (for
    /// exports and for deriving a product's responder profile).
    ///
    /// # Errors
    /// As [`CampaignAnalytics::top_responders`].
    pub fn responders(
        &self,
        campaign_id: u64,
        filter: &DoctorFilter,
        rank_by: &RankBy,
    ) -> Result<Vec<Responder>> {
        let scored = self.ranked(campaign_id, filter, rank_by)?;
        Ok(scored
            .iter()
            .enumerate()
            .map(|(i, &(score, _, m))| self.responder(i + 1, score, m))
            .collect())
    }

    /// Ids of the targeted doctors who responded to any campaign for `product`, in campaign
    /// order then rank (see [`CampaignAnalytics::product_outcomes`] for the targeted doctors
    /// with their response flags, which a recommender's profile is derived from).
    ///
    /// # Errors
    /// [`Error::NotFound`] when no campaign promotes `product`.
    pub fn product_responders(&self, product: &str) -> Result<Vec<u64>> {
        let targeted = DoctorFilter {
            campaign_target: Some(true),
            ..DoctorFilter::default()
        };
        let mut ids = Vec::new();
        let mut any = false;
        for c in self.data.campaigns.iter().filter(|c| c.product == product) {
            any = true;
            let ranked = self.ranked(c.campaign_id, &targeted, &RankBy::RxIncrease)?;
            ids.extend(
                ranked
                    .iter()
                    .filter(|(_, _, m)| m.responded)
                    .map(|&(_, id, _)| id),
            );
        }
        if !any {
            return Err(Error::not_found("product (no campaign for it)", product));
        }
        Ok(ids)
    }

    /// A recommender over every doctor of the data, each with its segment in `segmentation`
    /// when one is given, and no product yet: products are added by
    /// [`CampaignAnalytics::add_product_to`]. Build it once and keep it: building costs a
    /// pass over the doctors, recommending from it does not.
    ///
    /// # Errors
    /// As [`DoctorRecommender::fit`].
    pub fn recommender(
        &self,
        params: &RecommenderParams,
        segmentation: Option<&DoctorSegmentation>,
    ) -> Result<DoctorRecommender> {
        let doctors = self
            .data
            .doctors
            .iter()
            .map(|d| {
                let p = DoctorProfile::new(d.clone());
                match segmentation.and_then(|s| s.segment_of(d.doctor_id)) {
                    Some(seg) => p.with_segment(seg),
                    None => p,
                }
            })
            .collect();
        DoctorRecommender::fit(params, doctors, Vec::new())
    }

    /// A recommender over every doctor of the data (with their segments when `segmentation`
    /// is given) that knows `products`, or every product a campaign promoted when `products`
    /// is empty: the pretrained recommender, to save and later serve recommendations from
    /// without the campaign data. It recommends exactly what building one per call does.
    ///
    /// ```
    /// use optocom_core::campaign::{CampaignAnalytics, DoctorRecommender, RecommenderParams};
    /// use optocom_core::Persist;
    ///
    /// let a = CampaignAnalytics::sample(42)?;
    /// let rec = a.product_recommender(&RecommenderParams::default(), None, &[])?;
    /// assert_eq!(rec.products().len(), a.products().len());
    /// let served = DoctorRecommender::from_json(&rec.to_json()?)?;
    /// let product = &a.products()[0];
    /// assert_eq!(served.recommend(product, 5, None, None)?, rec.recommend(product, 5, None, None)?);
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] for a product no campaign promotes; as
    /// [`CampaignAnalytics::recommender`] otherwise.
    pub fn product_recommender(
        &self,
        params: &RecommenderParams,
        segmentation: Option<&DoctorSegmentation>,
        products: &[String],
    ) -> Result<DoctorRecommender> {
        let mut rec = self.recommender(params, segmentation)?;
        let every;
        let products = if products.is_empty() {
            every = self.products();
            &every[..]
        } else {
            products
        };
        for product in products {
            self.add_product_to(&mut rec, product)?;
        }
        Ok(rec)
    }

    /// The products the campaigns promote, each once, in the order of their first campaign.
    pub fn products(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.data
            .campaigns
            .iter()
            .filter(|c| seen.insert(c.product.as_str()))
            .map(|c| c.product.clone())
            .collect()
    }

    /// Adds `product`'s profile to `rec` unless it has one: derived from the response rates
    /// of the doctors the product's campaigns targeted ([`CampaignAnalytics::product_outcomes`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] when no campaign promotes `product`; as
    /// [`DoctorRecommender::derive_profile`] otherwise.
    pub fn add_product_to(&self, rec: &mut DoctorRecommender, product: &str) -> Result<()> {
        if rec.products().contains(&product) {
            return Ok(());
        }
        let outcomes = self.product_outcomes(product)?;
        let profile = rec.derive_profile(product, &outcomes)?;
        rec.add_product(profile)
    }

    /// Every doctor targeted by a campaign for `product`, with whether they responded:
    /// campaigns in data order, doctors by ascending id within a campaign, and a doctor
    /// targeted by two campaigns for the product listed once per campaign. The responders
    /// *and* the targeted non-responders are the evidence
    /// [`DoctorRecommender::derive_profile`](crate::campaign::DoctorRecommender::derive_profile)
    /// derives the product's response rates from.
    ///
    /// # Errors
    /// [`Error::NotFound`] when no campaign promotes `product`.
    pub fn product_outcomes(&self, product: &str) -> Result<Vec<TargetedOutcome>> {
        let mut out = Vec::new();
        let mut any = false;
        for (c, _) in self
            .data
            .campaigns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.product == product)
        {
            any = true;
            let start = out.len();
            out.extend(
                self.panels[c]
                    .members
                    .iter()
                    .filter(|m| m.targeted)
                    .map(|m| TargetedOutcome {
                        doctor_id: self.data.doctors[m.doctor].doctor_id,
                        responded: m.responded,
                    }),
            );
            out[start..].sort_unstable_by_key(|o| o.doctor_id);
        }
        if !any {
            return Err(Error::not_found("product (no campaign for it)", product));
        }
        Ok(out)
    }

    /// The campaign's selected doctors with their scores, best first (ties by doctor id).
    fn ranked<'a>(
        &'a self,
        campaign_id: u64,
        filter: &'a DoctorFilter,
        rank_by: &RankBy,
    ) -> Result<Vec<(f64, u64, &'a Member)>> {
        filter.check()?;
        rank_by.check()?;
        let c = self.campaign_pos(campaign_id)?;
        let mut scored: Vec<(f64, u64, &Member)> = self
            .selected(c, filter)
            .filter_map(|(_, m)| {
                let id = self.data.doctors[m.doctor].doctor_id;
                let score = match rank_by {
                    RankBy::RxIncrease => Some(m.change),
                    RankBy::Uplift(scores) => scores.get(&id).copied(),
                };
                score.map(|s| (s, id, m))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored)
    }

    fn responder(&self, rank: usize, score: f64, m: &Member) -> Responder {
        let d = &self.data.doctors[m.doctor];
        Responder {
            rank,
            doctor_id: d.doctor_id,
            specialty: d.specialty.clone(),
            province: d.province.clone(),
            tenure_years: d.tenure_years,
            baseline_rx: d.baseline_rx,
            targeted: m.targeted,
            rx_pre: m.pre,
            rx_post: m.post,
            rx_change: m.change,
            responded: m.responded,
            score,
        }
    }
}

/// Running sums of one group (Welford for the change variance).
#[derive(Debug, Default, Clone, Copy)]
struct GroupAcc {
    n: usize,
    responders: usize,
    pre: f64,
    post: f64,
    mean: f64,
    m2: f64,
}

impl GroupAcc {
    fn push(&mut self, m: &Member) {
        self.n += 1;
        self.responders += usize::from(m.responded);
        self.pre += m.pre;
        self.post += m.post;
        let d = m.change;
        let delta = d - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (d - self.mean);
    }

    fn var(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }

    fn rate(&self) -> f64 {
        self.responders as f64 / self.n as f64
    }

    fn finish(&self) -> GroupMetrics {
        let n = self.n as f64;
        let some = |v: f64| (self.n > 0).then_some(v);
        GroupMetrics {
            doctors: self.n,
            responders: self.responders,
            response_rate: some(self.rate()),
            mean_rx_pre: some(self.pre / n),
            mean_rx_post: some(self.post / n),
            mean_rx_change: some(self.mean),
            sd_rx_change: (self.n >= 2).then(|| self.var().sqrt()),
        }
    }
}

/// Welch difference of mean changes (groups of at least two).
fn welch(t: &GroupAcc, k: &GroupAcc, confidence: f64) -> Estimate {
    let (vt, vk) = (t.var() / t.n as f64, k.var() / k.n as f64);
    let se = (vt + vk).sqrt();
    let estimate = t.mean - k.mean;
    let df = if se > 0.0 {
        (vt + vk).powi(2) / (vt * vt / (t.n - 1) as f64 + vk * vk / (k.n - 1) as f64)
    } else {
        (t.n + k.n - 2) as f64
    };
    let q = crate::stats::t_critical(confidence, df);
    Estimate {
        estimate,
        std_error: se,
        ci_low: estimate - q * se,
        ci_high: estimate + q * se,
        df: Some(df),
    }
}

/// Difference of response rates with the unpooled Wald interval.
fn rate_diff(t: &GroupAcc, k: &GroupAcc, confidence: f64) -> Estimate {
    let (pt, pk) = (t.rate(), k.rate());
    let se = (pt * (1.0 - pt) / t.n as f64 + pk * (1.0 - pk) / k.n as f64).sqrt();
    let q = crate::stats::z_critical(confidence);
    let estimate = pt - pk;
    Estimate {
        estimate,
        std_error: se,
        ci_low: estimate - q * se,
        ci_high: estimate + q * se,
        df: None,
    }
}

/// One [`DoctorUplift`] per row of `table`, from `forest`'s predictions on `x` (the table's
/// doctors encoded under the forest's schema) and the normal quantile `z`.
fn uplift_rows(
    forest: &UpliftForest,
    table: &UpliftTable,
    x: ndarray::ArrayView2<'_, f64>,
    z: f64,
) -> Result<Vec<DoctorUplift>> {
    let p = forest.predict(x)?;
    Ok(table
        .doctor_ids
        .iter()
        .zip(&table.treatment)
        .zip(p.effect.iter().zip(p.std_error.iter()))
        .map(|((&doctor_id, &t), (&effect, &se))| {
            let (lower, upper) = forest.bounds(effect, se, z);
            DoctorUplift {
                doctor_id,
                targeted: t == 1,
                effect,
                std_error: se,
                lower,
                upper,
            }
        })
        .collect())
}
