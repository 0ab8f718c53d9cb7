//! Sales forecasts per day, week and month with prediction intervals, and actual vs
//! predicted comparisons.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::purchase::spend::RevenueModel;
use crate::purchase::ScoredAppointment;
use crate::stats::z_for_level;

/// The level of the forecasts' prediction intervals when a caller gives none (every binding
/// uses it).
pub const DEFAULT_LEVEL: f64 = 0.9;

/// The period of [`PurchaseForecaster::forecast`](crate::purchase::PurchaseForecaster::forecast)
/// when a caller gives none (every binding uses it): weeks, as the original system's
/// `/forecast/weekly`.
pub const DEFAULT_FORECAST_FREQ: Freq = Freq::Week;

/// The period of [`PurchaseForecaster::compare`](crate::purchase::PurchaseForecaster::compare)
/// when a caller gives none (every binding uses it): months, as the original system's
/// `/forecast/monthly` comparison of actual and predicted sales.
pub const DEFAULT_COMPARE_FREQ: Freq = Freq::Month;

/// Forecast period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freq {
    /// Calendar days.
    Day,
    /// Weeks starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

impl Freq {
    /// Parses `"D"`, `"W"`, `"M"` (pandas style) or `day`/`week`/`month`, any case.
    pub fn parse(s: &str) -> Result<Freq> {
        match s.trim().to_ascii_lowercase().as_str() {
            "d" | "day" | "daily" => Ok(Freq::Day),
            "w" | "week" | "weekly" => Ok(Freq::Week),
            // pandas' month aliases: "MS" (labelled by the start) and "ME" (by the end);
            // every row carries both period_start and period_end.
            "m" | "ms" | "me" | "month" | "monthly" => Ok(Freq::Month),
            _ => Err(Error::invalid_param(
                "freq",
                s,
                "expected \"D\", \"W\" or \"M\" (day, week, month)",
            )),
        }
    }

    /// [`Freq::parse`] of a host's optional argument, `default` when it is left out (the
    /// bindings pass [`DEFAULT_FORECAST_FREQ`] or [`DEFAULT_COMPARE_FREQ`]).
    ///
    /// ```
    /// use optocom_core::purchase::{Freq, DEFAULT_FORECAST_FREQ};
    /// assert_eq!(Freq::parse_or(None, DEFAULT_FORECAST_FREQ)?, Freq::Week);
    /// assert_eq!(Freq::parse_or(Some("D"), DEFAULT_FORECAST_FREQ)?, Freq::Day);
    /// assert!(Freq::parse_or(Some("fortnight"), DEFAULT_FORECAST_FREQ).is_err());
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn parse_or(s: Option<&str>, default: Freq) -> Result<Freq> {
        s.map_or(Ok(default), Freq::parse)
    }

    /// `"day"`, `"week"` or `"month"` (the serde name; [`Freq::parse`] reads it back).
    ///
    /// ```
    /// use optocom_core::purchase::{Freq, DEFAULT_FORECAST_FREQ};
    /// assert_eq!(DEFAULT_FORECAST_FREQ.name(), "week");
    /// assert_eq!(Freq::parse(Freq::Month.name())?, Freq::Month);
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Freq::Day => "day",
            Freq::Week => "week",
            Freq::Month => "month",
        }
    }

    /// First day of the period containing `d`.
    pub fn period_start(&self, d: NaiveDate) -> NaiveDate {
        match self {
            Freq::Day => d,
            Freq::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
            Freq::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// Last day of the period starting at `start`.
    pub fn period_end(&self, start: NaiveDate) -> NaiveDate {
        match self {
            Freq::Day => start,
            Freq::Week => start + Duration::days(6),
            Freq::Month => {
                let (y, m) = if start.month() == 12 {
                    (start.year() + 1, 1)
                } else {
                    (start.year(), start.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).map_or(start, |n| n - Duration::days(1))
            }
        }
    }

    /// First day of the next period.
    fn next(&self, start: NaiveDate) -> NaiveDate {
        self.period_end(start) + Duration::days(1)
    }
}

/// Expected revenue of one period with its prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPoint {
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period.
    pub period_end: NaiveDate,
    /// Appointments in the period.
    pub appointments: usize,
    /// Expected number of qualifying purchases.
    pub expected_purchases: f64,
    /// Expected revenue (GBP).
    pub expected_revenue: f64,
    /// Standard deviation of the period's revenue.
    pub std_dev: f64,
    /// Lower bound of the prediction interval (never below 0).
    pub lower: f64,
    /// Upper bound of the prediction interval.
    pub upper: f64,
}

/// Actual against predicted revenue of one past period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonPoint {
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period.
    pub period_end: NaiveDate,
    /// Appointments in the period.
    pub appointments: usize,
    /// Actual revenue.
    pub actual: f64,
    /// Predicted (expected) revenue.
    pub predicted: f64,
    /// `actual - predicted`.
    pub error: f64,
    /// Lower bound of the prediction interval.
    pub lower: f64,
    /// Upper bound of the prediction interval.
    pub upper: f64,
    /// Whether the actual revenue lies in the interval.
    pub within_interval: bool,
}

#[derive(Default)]
struct Acc {
    n: usize,
    purchases: f64,
    mean: f64,
    var: f64,
    actual: f64,
}

impl Acc {
    fn add(&mut self, s: &ScoredAppointment) {
        self.n += 1;
        self.purchases += s.probability;
        self.mean += s.expected_revenue;
        self.var += s.revenue_sd * s.revenue_sd;
        self.actual += s.actual_amount.unwrap_or(0.0);
    }

    /// The forecast point of these totals over `[start, end]`, interval `+- z sd`, floored at 0.
    fn point(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        revenue: &RevenueModel,
        z: f64,
    ) -> ForecastPoint {
        let sd = revenue.period_variance(self.mean, self.var).sqrt();
        ForecastPoint {
            period_start: start,
            period_end: end,
            appointments: self.n,
            expected_purchases: self.purchases,
            expected_revenue: self.mean,
            std_dev: sd,
            lower: (self.mean - z * sd).max(0.0),
            upper: self.mean + z * sd,
        }
    }
}

fn accumulate(scored: &[ScoredAppointment], freq: Freq) -> BTreeMap<NaiveDate, Acc> {
    let mut map: BTreeMap<NaiveDate, Acc> = BTreeMap::new();
    for s in scored {
        let a = map
            .entry(freq.period_start(s.appointment_date))
            .or_default();
        a.n += 1;
        a.purchases += s.probability;
        a.mean += s.expected_revenue;
        a.var += s.revenue_sd * s.revenue_sd;
        a.actual += s.actual_amount.unwrap_or(0.0);
    }
    map
}

/// Aggregates scored appointments into one forecast point per period, from the first to the
/// last period that has an appointment; periods in between without appointments are listed
/// with zero revenue, so a chart has no gaps. The interval is the normal approximation
/// `expected +- z * sd` at `level`, floored at 0.
pub fn forecast(
    scored: &[ScoredAppointment],
    revenue: &RevenueModel,
    freq: Freq,
    level: f64,
) -> Result<Vec<ForecastPoint>> {
    let z = z_for_level(level)?;
    let map = accumulate(scored, freq);
    let (Some(first), Some(last)) = (map.keys().next().copied(), map.keys().last().copied()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let empty = Acc::default();
        let a = map.get(&start).unwrap_or(&empty);
        out.push(a.point(start, freq.period_end(start), revenue, z));
        start = freq.next(start);
    }
    Ok(out)
}

/// One forecast point over every given appointment (e.g. "the next 7 days"), from the
/// earliest to the latest appointment date. `None` when there are no appointments.
pub fn total(
    scored: &[ScoredAppointment],
    revenue: &RevenueModel,
    level: f64,
) -> Result<Option<ForecastPoint>> {
    let z = z_for_level(level)?;
    let (Some(first), Some(last)) = (
        scored.iter().map(|s| s.appointment_date).min(),
        scored.iter().map(|s| s.appointment_date).max(),
    ) else {
        return Ok(None);
    };
    let mut a = Acc::default();
    for s in scored {
        a.add(s);
    }
    Ok(Some(a.point(first, last, revenue, z)))
}

/// Actual against predicted revenue per period for scored past appointments (which carry
/// their actual amount). Only periods with appointments are listed.
pub fn compare(
    scored: &[ScoredAppointment],
    revenue: &RevenueModel,
    freq: Freq,
    level: f64,
) -> Result<Vec<ComparisonPoint>> {
    let z = z_for_level(level)?;
    if let Some((i, _)) = scored
        .iter()
        .enumerate()
        .find(|(_, s)| s.actual_amount.is_none())
    {
        return Err(Error::invalid_value(
            crate::Location::Row { row: i },
            "amount",
            "",
            "comparing actual with predicted needs past appointments with their amount",
        ));
    }
    Ok(accumulate(scored, freq)
        .into_iter()
        .map(|(start, a)| {
            let p = a.point(start, freq.period_end(start), revenue, z);
            ComparisonPoint {
                period_start: start,
                period_end: p.period_end,
                appointments: a.n,
                actual: a.actual,
                predicted: a.mean,
                error: a.actual - a.mean,
                lower: p.lower,
                upper: p.upper,
                within_interval: a.actual >= p.lower && a.actual <= p.upper,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods() {
        // 2026-11-21 is a Saturday.
        assert_eq!(Freq::Week.period_start(d(2026, 11, 21)), d(2026, 11, 16));
        assert_eq!(Freq::Week.period_end(d(2026, 11, 16)), d(2026, 11, 22));
        assert_eq!(Freq::Month.period_start(d(2026, 2, 17)), d(2026, 2, 1));
        assert_eq!(Freq::Month.period_end(d(2024, 2, 1)), d(2024, 2, 29));
        assert_eq!(Freq::Month.period_end(d(2026, 12, 1)), d(2026, 12, 31));
        assert_eq!(Freq::parse("W").unwrap(), Freq::Week);
        assert_eq!(Freq::parse("monthly").unwrap(), Freq::Month);
        assert_eq!(Freq::parse("Q").unwrap_err().code(), "invalid_parameter");
    }
}
