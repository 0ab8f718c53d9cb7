//! Seeded demo generator of UK optometry appointments, with the true model behind them.
//!
//! The generator replaces the old system's "realistic optometry data" CSV. Every number
//! below is a constant of this module; the same seed gives the same rows, bit for bit, on
//! every platform that rounds `exp`/`ln` the same way. Because the data come from a known
//! model, [`truth_for`] returns the true purchase probability and the true mean and variance
//! of the amount for any appointment, so models and prediction intervals can be checked
//! against the truth rather than against noisy outcomes.
//!
//! # Generative model
//!
//! **Calendar.** Past appointments fall in the `past_days` days before `start_date`,
//! upcoming ones in the `upcoming_days` days from `start_date`. Each day gets a weight
//! `weekday x month` and the dates of the `n` appointments are drawn from those weights
//! (then sorted):
//! - weekday: Monday to Friday 1.0, Saturday 0.6, Sunday 0 (closed); closed on 25 and 26
//!   December and 1 January;
//! - month: Jan 0.75, Feb 0.90, Mar 1.00, Apr 0.95, May 1.00, Jun 0.95, Jul 0.90, Aug 0.75,
//!   Sep 1.10, Oct 1.15, Nov 1.10, Dec 0.80 (January and August dips, autumn peak).
//!
//! **Patient profile** (`[.]` is 1 when true; each draw is independent given the earlier
//! ones):
//! - age (whole years) from the mix of a UK high-street practice: 14% children 3-15, 9%
//!   16-24, 24% 25-44, 28% 45-64, 25% 65-94 (density falling with age: `65 + 30 u^1.6`);
//! - employed: 0 under 16, 20% at 16-17, 60% at 18-24, 80% at 25-59, 45% at 60-66, 7% from
//!   67;
//! - benefits (NHS optical voucher eligibility): every child under 16; 85% of those 16-18
//!   not in work (full-time education); 40% of working-age adults not in work; 18% of those
//!   60+ not in work (pension credit); 5% of the employed (low income);
//! - driver: 0 under 17, 45% at 17-24, 78% at 25-69, 60% at 70-79, 35% from 80; times 0.6
//!   on benefits;
//! - VDU (screen) user: 55% of the employed, 4% of other adults, no children;
//! - varifocal (presbyopia): 0 under 40, then `0.85 logistic((age - 48) / 3.5)` (8% at 40,
//!   25% at 45, 54% at 50, 75% at 55, 84% from 65);
//! - high prescription: 12% under 16, 10% at 16-59, 15% from 60 (about 12% overall);
//! - days since last purchase: 20% of children and 8% of adults are new patients with no
//!   purchase on file, recorded as 0; of the others 12% come back early (breakage, a
//!   problem: uniform 30-300 days), 15% are lapsed (`900 + Exponential(mean 500)`, at most
//!   3650) and the rest come on recall: annual for children and those 70+
//!   (`Normal(365, 45)`), two-yearly for the others (`Normal(730, 90)`), at least 30 days.
//!
//! **Purchase (hurdle model).** A qualifying purchase (amount >= `threshold`, GBP 100 by
//! default) happens with probability `p(x) = logistic(eta(x))`,
//!
//! ```text
//! eta = -0.76 + 0.68 [varifocal] + 0.45 [high_rx] - 0.45 [benefits] + 0.20 [employed]
//!       + 0.12 [driver] + 0.20 [vdu] - 0.25 [age < 16] + g(days)
//!       + 0.25 [varifocal][vdu] + 0.28 [benefits][high_rx] + 0.16 [driver][age >= 60]
//! g(0) = 0.28 (new patient);  g(d) = -0.73 + 0.97 logistic((d - 540) / 70) for d > 0
//! ```
//!
//! so a purchase is unlikely soon after the last one (g = -0.73 at 1 year), likely once the
//! two-year recall is due (g = +0.21 at 730 days) and for new patients.
//!
//! With a purchase the amount is `threshold + G`, `G ~ Gamma(shape 2, mean mu(x))`
//! (right-skewed), with
//!
//! ```text
//! mu = 85 exp(0.62 [varifocal] + 0.30 [high_rx] - 0.45 [benefits] + 0.12 [employed]
//!             + 0.08 [vdu] + 0.005 max(age - 40, 0) - 0.15 [age < 16])
//! ```
//!
//! (GBP 85 over the threshold for a basic adult pair; about GBP 190 over it for an employed
//! 55-year-old needing varifocals). Without one, the amount is 0 with probability 0.7 (no
//! purchase) and otherwise uniform on `[0.05, 0.60) x threshold` (contact lens solution,
//! cases, repairs). Amounts are rounded to pennies; the truth ignores that rounding.
//!
//! **Truth.** For threshold `T`, small-spend mean `s1` and second moment `s2`:
//! `expected_spend_if_purchase = T + mu`,
//! `expected_amount = p (T + mu) + (1 - p) s1`,
//! `amount_variance = p ((T + mu)^2 + mu^2 / 2) + (1 - p) s2 - expected_amount^2`.
//!
//! **Measured** on [`DemoParams::coverage`] (20,000 past appointments over a year; seed 42,
//! checked by `generator_statistics` in `core/tests/it/data.rs`; seeds 1-4 in brackets):
//! qualifying-purchase rate 0.420 (0.417-0.422), AUC of the true probability against the
//! outcomes 0.706 (0.693-0.704), mean amount GBP 109.71 (107.88-110.49), mean amount of a
//! qualifying purchase GBP 247.52 (244.76-248.82), high prescription about 12%.
//!
//! ```
//! use optocom_core::data::{generate_appointments, truth_for, DemoParams};
//!
//! let params = DemoParams::default().n_past(2_000).n_upcoming(200).seed(7);
//! let data = generate_appointments(&params)?;
//! assert_eq!(data.past.len(), 2_000);
//! assert!(data.past.iter().all(|a| a.amount.is_some()));
//! assert!(data.upcoming.iter().all(|a| a.amount.is_none()));
//! // The truth of each row is the true model evaluated at its features.
//! assert_eq!(data.past_truth[0], truth_for(&data.past[0]));
//! // Same seed, same rows.
//! assert_eq!(generate_appointments(&params)?.past, data.past);
//! # Ok::<(), optocom_core::Error>(())
//! ```

use std::io::Write;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::data::sampling::standard_normal;
use crate::data::Appointment;
use crate::error::{Error, Result};

/// Default qualifying-purchase threshold in GBP.
pub const DEFAULT_THRESHOLD: f64 = 100.0;

/// Shape of the Gamma distribution of the amount above the threshold.
const SPEND_SHAPE: f64 = 2.0;
/// Probability that a non-qualifying visit spends nothing.
const P_ZERO_SMALL: f64 = 0.7;
/// Small spends are uniform on `[SMALL_LO, SMALL_HI) x threshold`.
const SMALL_LO: f64 = 0.05;
const SMALL_HI: f64 = 0.60;
/// Most appointments one call generates per group (memory guard).
const MAX_ROWS: usize = 10_000_000;

/// Parameters of [`generate_appointments`]: a checked builder.
///
/// ```
/// use optocom_core::data::DemoParams;
/// let p = DemoParams::default().n_past(500).past_days(90).threshold(120.0).seed(3);
/// assert!(p.check().is_ok());
/// assert!(DemoParams::default().threshold(-1.0).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DemoParams {
    /// Number of past appointments (with amounts). Default 10,000.
    pub n_past: usize,
    /// Number of upcoming appointments (without amounts). Default 1,000.
    pub n_upcoming: usize,
    /// First day of the upcoming period; the past period ends the day before. Default
    /// 2025-01-06 (a Monday).
    pub start_date: NaiveDate,
    /// Length of the past period in days. Default 365.
    pub past_days: u32,
    /// Length of the upcoming period in days. Default 28.
    pub upcoming_days: u32,
    /// Qualifying-purchase threshold in GBP. Default 100.
    pub threshold: f64,
    /// Random seed. Default 42.
    pub seed: u64,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            n_past: 10_000,
            n_upcoming: 1_000,
            start_date: NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default(),
            past_days: 365,
            upcoming_days: 28,
            threshold: DEFAULT_THRESHOLD,
            seed: 42,
        }
    }
}

impl DemoParams {
    /// The defaults (10,000 past appointments, as in the original system).
    pub fn new() -> Self {
        Self::default()
    }

    /// A year of 20,000 past appointments and 2,000 upcoming ones: enough for calibration and
    /// prediction-interval coverage tests.
    pub fn coverage() -> Self {
        DemoParams {
            n_past: 20_000,
            n_upcoming: 2_000,
            past_days: 365,
            ..Self::default()
        }
    }

    /// Sets the number of past appointments.
    pub fn n_past(mut self, n: usize) -> Self {
        self.n_past = n;
        self
    }

    /// Sets the number of upcoming appointments.
    pub fn n_upcoming(mut self, n: usize) -> Self {
        self.n_upcoming = n;
        self
    }

    /// Sets the first upcoming day.
    pub fn start_date(mut self, d: NaiveDate) -> Self {
        self.start_date = d;
        self
    }

    /// Sets the length of the past period.
    pub fn past_days(mut self, days: u32) -> Self {
        self.past_days = days;
        self
    }

    /// Sets the length of the upcoming period.
    pub fn upcoming_days(mut self, days: u32) -> Self {
        self.upcoming_days = days;
        self
    }

    /// Sets the qualifying-purchase threshold.
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when a count exceeds 10,000,000, a period with
    /// appointments has no days or is longer than 3,660 days, the period leaves the
    /// calendar, or the threshold is not in `(0, 10000]`.
    pub fn check(&self) -> Result<()> {
        for (name, n) in [("n_past", self.n_past), ("n_upcoming", self.n_upcoming)] {
            if n > MAX_ROWS {
                return Err(Error::invalid_param(
                    name,
                    n,
                    format!("must be at most {MAX_ROWS}"),
                ));
            }
        }
        for (name, days, n) in [
            ("past_days", self.past_days, self.n_past),
            ("upcoming_days", self.upcoming_days, self.n_upcoming),
        ] {
            if n > 0 && days == 0 {
                return Err(Error::invalid_param(
                    name,
                    days,
                    "must be at least 1 when appointments are requested",
                ));
            }
            if days > 3_660 {
                return Err(Error::invalid_param(
                    name,
                    days,
                    "must be at most 3660 (ten years)",
                ));
            }
        }
        if self
            .start_date
            .checked_sub_days(Days::new(u64::from(self.past_days)))
            .and_then(|_| {
                self.start_date
                    .checked_add_days(Days::new(u64::from(self.upcoming_days)))
            })
            .is_none()
        {
            return Err(Error::invalid_param(
                "start_date",
                self.start_date,
                "the periods around it leave the supported calendar",
            ));
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0 && self.threshold <= 10_000.0) {
            return Err(Error::invalid_param(
                "threshold",
                self.threshold,
                "must be a finite amount in (0, 10000]",
            ));
        }
        Ok(())
    }
}

/// The true model at one appointment (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Probability of a qualifying purchase (amount >= threshold).
    pub purchase_probability: f64,
    /// Mean amount given a qualifying purchase.
    pub expected_spend_if_purchase: f64,
    /// Unconditional mean of the amount.
    pub expected_amount: f64,
    /// Unconditional variance of the amount.
    pub amount_variance: f64,
}

/// Generated appointments and their truth, row for row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoData {
    /// Past appointments, sorted by date, with amounts.
    pub past: Vec<Appointment>,
    /// Upcoming appointments, sorted by date, without amounts.
    pub upcoming: Vec<Appointment>,
    /// Truth of each past appointment.
    pub past_truth: Vec<Truth>,
    /// Truth of each upcoming appointment.
    pub upcoming_truth: Vec<Truth>,
    /// What each upcoming appointment will actually spend (drawn from the same model), for
    /// checking forecasts and prediction intervals.
    pub upcoming_actual: Vec<f64>,
}

/// The appointments of a [`DemoData`] without its truth: what the JS bindings'
/// `demoAppointments` returns (`{ past, upcoming }`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DemoAppointments<'a> {
    /// Past appointments, with amounts.
    pub past: &'a [Appointment],
    /// Upcoming appointments, without amounts.
    pub upcoming: &'a [Appointment],
}

impl DemoData {
    /// The appointments without the truth.
    pub fn appointments(&self) -> DemoAppointments<'_> {
        DemoAppointments {
            past: &self.past,
            upcoming: &self.upcoming,
        }
    }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

fn ind(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Linear predictor of the purchase probability.
fn purchase_eta(a: &Appointment) -> f64 {
    let (vf, hr, ben) = (ind(a.varifocal), ind(a.high_prescription), ind(a.benefits));
    let (emp, drv, vdu) = (ind(a.employed), ind(a.driver), ind(a.vdu_user));
    let child = ind(a.age < 16.0);
    let senior = ind(a.age >= 60.0);
    let d = a.days_since_last_purchase;
    let g = if d <= 0.0 {
        0.28
    } else {
        -0.73 + 0.97 * logistic((d - 540.0) / 70.0)
    };
    let terms = [
        -0.76,
        0.68 * vf,
        0.45 * hr,
        -0.45 * ben,
        0.20 * emp,
        0.12 * drv,
        0.20 * vdu,
        -0.25 * child,
        g,
        0.25 * vf * vdu,
        0.28 * ben * hr,
        0.16 * drv * senior,
    ];
    terms.iter().sum()
}

/// Mean of the amount above the threshold, given a qualifying purchase.
fn spend_mu(a: &Appointment) -> f64 {
    let log_ratio = [
        0.62 * ind(a.varifocal),
        0.30 * ind(a.high_prescription),
        -0.45 * ind(a.benefits),
        0.12 * ind(a.employed),
        0.08 * ind(a.vdu_user),
        0.005 * (a.age - 40.0).max(0.0),
        -0.15 * ind(a.age < 16.0),
    ];
    85.0 * libm::exp(log_ratio.iter().sum::<f64>())
}

/// The true model at `a` for a qualifying threshold of GBP 100 (see the module docs).
/// Only the features (age, days since last purchase, the six flags) matter.
pub fn truth_for(a: &Appointment) -> Truth {
    truth_for_threshold(a, DEFAULT_THRESHOLD)
}

/// The true model at `a` for data generated with `threshold`.
pub fn truth_for_threshold(a: &Appointment, threshold: f64) -> Truth {
    let p = logistic(purchase_eta(a));
    let mu = spend_mu(a);
    let big = threshold + mu;
    let (lo, hi) = (SMALL_LO * threshold, SMALL_HI * threshold);
    let s1 = (1.0 - P_ZERO_SMALL) * (lo + hi) / 2.0;
    let s2 = (1.0 - P_ZERO_SMALL) * (lo * lo + lo * hi + hi * hi) / 3.0;
    let mean = p * big + (1.0 - p) * s1;
    let second = p * (big * big + mu * mu / SPEND_SHAPE) + (1.0 - p) * s2;
    Truth {
        purchase_probability: p,
        expected_spend_if_purchase: big,
        expected_amount: mean,
        amount_variance: (second - mean * mean).max(0.0),
    }
}

/// Weight of a calendar day in appointment volume.
fn day_weight(d: NaiveDate) -> f64 {
    let (m, day) = (d.month(), d.day());
    if (m == 12 && (day == 25 || day == 26)) || (m == 1 && day == 1) {
        return 0.0;
    }
    let w = match d.weekday() {
        Weekday::Sun => return 0.0,
        Weekday::Sat => 0.6,
        _ => 1.0,
    };
    const MONTH: [f64; 12] = [
        0.75, 0.90, 1.00, 0.95, 1.00, 0.95, 0.90, 0.75, 1.10, 1.15, 1.10, 0.80,
    ];
    w * MONTH[(m - 1) as usize]
}

/// `n` sorted dates from the `days` days starting at `first`, drawn by [`day_weight`].
fn draw_dates(
    rng: &mut Xoshiro256PlusPlus,
    first: NaiveDate,
    days: u32,
    n: usize,
    param: &str,
) -> Result<Vec<NaiveDate>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let calendar: Vec<NaiveDate> = first.iter_days().take(days as usize).collect();
    let dist = WeightedIndex::new(calendar.iter().map(|d| day_weight(*d))).map_err(|_| {
        Error::invalid_param(
            param,
            days,
            format!(
                "the period from {first} has no opening day (closed Sundays and bank holidays)"
            ),
        )
    })?;
    let mut idx: Vec<usize> = (0..n).map(|_| dist.sample(rng)).collect();
    idx.sort_unstable();
    Ok(idx.into_iter().map(|i| calendar[i]).collect())
}

fn draw_age(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u: f64 = rng.gen();
    let age = if u < 0.14 {
        rng.gen_range(3..=15)
    } else if u < 0.23 {
        rng.gen_range(16..=24)
    } else if u < 0.47 {
        rng.gen_range(25..=44)
    } else if u < 0.75 {
        rng.gen_range(45..=64)
    } else {
        65 + (30.0 * libm::pow(rng.gen::<f64>(), 1.6)) as i32
    };
    f64::from(age)
}

/// A patient profile drawn from the model; `amount` left `None`.
fn draw_patient(rng: &mut Xoshiro256PlusPlus, patient_id: String, date: NaiveDate) -> Appointment {
    let age = draw_age(rng);
    let mut bern = |p: f64| rng.gen::<f64>() < p;
    let p_emp = match age as u32 {
        0..=15 => 0.0,
        16..=17 => 0.20,
        18..=24 => 0.60,
        25..=59 => 0.80,
        60..=66 => 0.45,
        _ => 0.07,
    };
    let employed = bern(p_emp);
    let p_ben = match (age as u32, employed) {
        (0..=15, _) => 1.0,
        (_, true) => 0.05,
        (16..=18, false) => 0.85,
        (19..=59, false) => 0.40,
        (_, false) => 0.18,
    };
    let benefits = bern(p_ben);
    let p_drv = match age as u32 {
        0..=16 => 0.0,
        17..=24 => 0.45,
        25..=69 => 0.78,
        70..=79 => 0.60,
        _ => 0.35,
    } * if benefits { 0.6 } else { 1.0 };
    let driver = bern(p_drv);
    let p_vdu = if age < 16.0 {
        0.0
    } else if employed {
        0.55
    } else {
        0.04
    };
    let vdu_user = bern(p_vdu);
    let p_vf = if age < 40.0 {
        0.0
    } else {
        0.85 * logistic((age - 48.0) / 3.5)
    };
    let varifocal = bern(p_vf);
    let p_hr = if age < 16.0 {
        0.12
    } else if age >= 60.0 {
        0.15
    } else {
        0.10
    };
    let high_prescription = bern(p_hr);
    let p_new = if age < 16.0 { 0.20 } else { 0.08 };
    let days = if rng.gen::<f64>() < p_new {
        0.0
    } else {
        let r: f64 = rng.gen();
        if r < 0.12 {
            f64::from(rng.gen_range(30..=300))
        } else if r < 0.27 {
            let e = -500.0 * libm::log(1.0 - rng.gen::<f64>());
            (900.0 + e).floor().min(3650.0)
        } else {
            let z = standard_normal(rng);
            let annual = !(16.0..70.0).contains(&age);
            let d = if annual {
                365.0 + 45.0 * z
            } else {
                730.0 + 90.0 * z
            };
            d.round().max(30.0)
        }
    };
    Appointment {
        patient_id,
        appointment_date: date,
        age,
        days_since_last_purchase: days,
        employed,
        benefits,
        driver,
        vdu_user,
        varifocal,
        high_prescription,
        amount: None,
    }
}

fn round_pennies(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Draws the amount spent at `a` from the hurdle model.
fn draw_amount(rng: &mut Xoshiro256PlusPlus, truth: &Truth, threshold: f64) -> f64 {
    if rng.gen::<f64>() < truth.purchase_probability {
        let mu = truth.expected_spend_if_purchase - threshold;
        // Gamma(shape 2, scale mu / 2) as a sum of two exponentials.
        let e1 = -libm::log(1.0 - rng.gen::<f64>());
        let e2 = -libm::log(1.0 - rng.gen::<f64>());
        round_pennies(threshold + mu / SPEND_SHAPE * (e1 + e2)).max(threshold)
    } else if rng.gen::<f64>() < P_ZERO_SMALL {
        0.0
    } else {
        let u: f64 = rng.gen();
        round_pennies(threshold * (SMALL_LO + (SMALL_HI - SMALL_LO) * u))
    }
}

/// Generates past and upcoming appointments from the model of the module docs.
///
/// Past rows have `amount = Some(..)`; upcoming rows have `amount = None` and their would-be
/// amounts in [`DemoData::upcoming_actual`]. Patient ids are `P000001`, `P000002`, ... (past
/// first, then upcoming).
///
/// # Errors
/// [`Error::InvalidParameter`] from [`DemoParams::check`], or when a period has no opening
/// day.
pub fn generate_appointments(params: &DemoParams) -> Result<DemoData> {
    params.check()?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(params.seed);
    let t = params.threshold;
    let past_start = params
        .start_date
        .checked_sub_days(Days::new(u64::from(params.past_days)))
        .ok_or_else(|| Error::invalid_param("past_days", params.past_days, "too long"))?;
    let past_dates = draw_dates(
        &mut rng,
        past_start,
        params.past_days,
        params.n_past,
        "past_days",
    )?;
    let up_dates = draw_dates(
        &mut rng,
        params.start_date,
        params.upcoming_days,
        params.n_upcoming,
        "upcoming_days",
    )?;
    let mut data = DemoData {
        past: Vec::with_capacity(params.n_past),
        upcoming: Vec::with_capacity(params.n_upcoming),
        past_truth: Vec::with_capacity(params.n_past),
        upcoming_truth: Vec::with_capacity(params.n_upcoming),
        upcoming_actual: Vec::with_capacity(params.n_upcoming),
    };
    for (i, date) in past_dates.into_iter().enumerate() {
        let mut a = draw_patient(&mut rng, format!("P{:06}", i + 1), date);
        let truth = truth_for_threshold(&a, t);
        a.amount = Some(draw_amount(&mut rng, &truth, t));
        data.past.push(a);
        data.past_truth.push(truth);
    }
    for (i, date) in up_dates.into_iter().enumerate() {
        let a = draw_patient(&mut rng, format!("P{:06}", params.n_past + i + 1), date);
        let truth = truth_for_threshold(&a, t);
        data.upcoming_actual.push(draw_amount(&mut rng, &truth, t));
        data.upcoming.push(a);
        data.upcoming_truth.push(truth);
    }
    Ok(data)
}

fn write_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        other => Error::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

/// Writes appointments as CSV with the canonical header (see
/// [`crate::data::ingest::APPOINTMENT_COLUMNS`]): ISO dates, `Y`/`N` flags, numbers in their
/// shortest exact form (amounts in whole pennies with two decimals) and an empty `amount`
/// for `None`. [`crate::data::read_appointments`] reads the file back to the same records.
///
/// # Errors
/// [`Error::Io`] when the writer fails.
pub fn write_appointments_csv<W: Write>(rows: &[Appointment], w: W) -> Result<()> {
    let mut out = csv::WriterBuilder::new().from_writer(w);
    let header: Vec<&str> = crate::data::ingest::APPOINTMENT_COLUMNS
        .iter()
        .map(|c| c.name)
        .collect();
    out.write_record(&header).map_err(write_error)?;
    let yn = |b: bool| if b { "Y" } else { "N" };
    for a in rows {
        let amount = match a.amount {
            Some(v) if round_pennies(v) == v => format!("{v:.2}"),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        out.write_record([
            a.patient_id.as_str(),
            &a.appointment_date.format("%Y-%m-%d").to_string(),
            &a.age.to_string(),
            &a.days_since_last_purchase.to_string(),
            yn(a.employed),
            yn(a.benefits),
            yn(a.driver),
            yn(a.vdu_user),
            yn(a.varifocal),
            yn(a.high_prescription),
            &amount,
        ])
        .map_err(write_error)?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_moments_match_simulation() {
        // Monte Carlo check of the closed-form mean and variance at one profile.
        let a = Appointment {
            patient_id: "x".into(),
            appointment_date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            age: 55.0,
            days_since_last_purchase: 730.0,
            employed: true,
            benefits: false,
            driver: true,
            vdu_user: true,
            varifocal: true,
            high_prescription: false,
            amount: None,
        };
        let t = truth_for(&a);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| draw_amount(&mut rng, &t, 100.0)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let rate = xs.iter().filter(|&&x| x >= 100.0).count() as f64 / n as f64;
        assert!(
            (rate - t.purchase_probability).abs() < 0.005,
            "{rate} {t:?}"
        );
        assert!(
            (mean / t.expected_amount - 1.0).abs() < 0.01,
            "{mean} {t:?}"
        );
        assert!((var / t.amount_variance - 1.0).abs() < 0.03, "{var} {t:?}");
    }

    #[test]
    fn calendar_weights() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(day_weight(d(2024, 3, 3)), 0.0); // Sunday
        assert_eq!(day_weight(d(2024, 12, 25)), 0.0);
        assert!(day_weight(d(2024, 3, 2)) < day_weight(d(2024, 3, 4))); // Sat < Mon
        assert!(day_weight(d(2024, 8, 5)) < day_weight(d(2024, 10, 7)));
    }

    #[test]
    fn bad_params_are_typed() {
        for p in [
            DemoParams::default().threshold(f64::NAN),
            DemoParams::default().threshold(0.0),
            DemoParams::default().past_days(0),
            DemoParams::default().upcoming_days(5000),
            DemoParams::default().n_past(MAX_ROWS + 1),
        ] {
            assert_eq!(p.check().unwrap_err().code(), "invalid_parameter", "{p:?}");
        }
        // One Sunday only: no opening day.
        let sunday = NaiveDate::from_ymd_opt(2024, 3, 3).unwrap();
        let p = DemoParams::default()
            .start_date(sunday)
            .upcoming_days(1)
            .n_past(10);
        let e = generate_appointments(&p).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter");
        assert!(e.to_string().contains("upcoming_days"), "{e}");
    }
}
