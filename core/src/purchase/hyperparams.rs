//! Parameters of the purchase forecaster.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forest::ForestParams;

/// What the high/medium/low value bands are cut on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandBasis {
    /// Expected revenue of the appointment in GBP.
    ExpectedRevenue,
    /// Probability of a qualifying purchase.
    Probability,
}

/// A patient's value band, for the colour-coded patient table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueBand {
    /// Below the medium cut point.
    Low,
    /// At or above the medium cut point, below the high one.
    Medium,
    /// At or above the high cut point.
    High,
}

impl ValueBand {
    /// `"high"`, `"medium"` or `"low"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ValueBand::High => "high",
            ValueBand::Medium => "medium",
            ValueBand::Low => "low",
        }
    }
}

impl std::fmt::Display for ValueBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cut points of the value bands.
///
/// Defaults: on expected revenue per visit, **high** from GBP 150, **medium** from GBP 75,
/// low below. On the demo practice (median expected revenue about GBP 100) this marks about
/// the top quarter of patients high and the bottom third low; set your own cut points for
/// your practice's price list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueBands {
    /// Quantity the cut points apply to.
    pub basis: BandBasis,
    /// Lower bound of the high band (inclusive).
    pub high: f64,
    /// Lower bound of the medium band (inclusive).
    pub medium: f64,
}

impl Default for ValueBands {
    fn default() -> Self {
        ValueBands {
            basis: BandBasis::ExpectedRevenue,
            high: 150.0,
            medium: 75.0,
        }
    }
}

impl ValueBands {
    /// Bands on the probability of purchase, e.g. `(0.6, 0.35)`.
    pub fn on_probability(high: f64, medium: f64) -> Self {
        ValueBands {
            basis: BandBasis::Probability,
            high,
            medium,
        }
    }

    /// Validates the cut points; an error names the one at fault.
    ///
    /// ```
    /// use optocom_core::purchase::{BandBasis, ValueBands};
    /// // The probability basis with the default (revenue) cut points: `high` is named.
    /// let bands = ValueBands { basis: BandBasis::Probability, ..ValueBands::default() };
    /// let e = bands.check().unwrap_err();
    /// assert!(e.to_string().starts_with("invalid parameter `value_bands.high` = 150"), "{e}");
    /// assert!(ValueBands::on_probability(0.6, -0.1).check().unwrap_err().to_string().contains("value_bands.medium"));
    /// assert!(ValueBands::on_probability(f64::NAN, 0.3).check().unwrap_err().to_string().contains("value_bands.high"));
    /// assert!(ValueBands::on_probability(0.6, 0.35).check().is_ok());
    /// ```
    pub fn check(&self) -> Result<()> {
        for (name, v) in [
            ("value_bands.high", self.high),
            ("value_bands.medium", self.medium),
        ] {
            if !v.is_finite() {
                return Err(Error::invalid_param(name, v, "cut points must be finite"));
            }
        }
        if self.medium > self.high {
            return Err(Error::invalid_param(
                "value_bands.medium",
                self.medium,
                format!("must not exceed value_bands.high ({})", self.high),
            ));
        }
        if self.basis == BandBasis::Probability {
            for (name, v) in [
                ("value_bands.high", self.high),
                ("value_bands.medium", self.medium),
            ] {
                if !(0.0..=1.0).contains(&v) {
                    return Err(Error::invalid_param(
                        name,
                        v,
                        "probability cut points must lie in [0, 1] (with basis \"probability\", \
                         set both: the default cut points are GBP of expected revenue)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The band of an appointment with this probability and expected revenue.
    pub fn band(&self, probability: f64, expected_revenue: f64) -> ValueBand {
        let v = match self.basis {
            BandBasis::ExpectedRevenue => expected_revenue,
            BandBasis::Probability => probability,
        };
        if v >= self.high {
            ValueBand::High
        } else if v >= self.medium {
            ValueBand::Medium
        } else {
            ValueBand::Low
        }
    }
}

/// Parameters of [`PurchaseForecaster`](super::PurchaseForecaster).
///
/// Build with [`PurchaseParams::new`] and the setters; [`PurchaseParams::check`] is the one
/// validation point and `fit` calls it first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PurchaseParams {
    /// A purchase "qualifies" when the amount is at least this many GBP (default 100).
    pub threshold: f64,
    /// Parameters of the purchase-probability forest (the forest's defaults).
    pub classifier: ForestParams,
    /// Value band cut points.
    pub value_bands: ValueBands,
    /// Fraction of past appointments held out for the training report and for calibrating
    /// the forecast intervals (default 0.2, as the original 80/20 split).
    pub holdout_fraction: f64,
    /// After evaluating on the holdout, refit both models on all rows (default true).
    pub refit_on_all: bool,
    /// Number of bins of the calibration table (default 10).
    pub calibration_bins: usize,
    /// Seed of the train/holdout split (the forest has its own seed in `classifier`).
    pub seed: u64,
}

impl Default for PurchaseParams {
    fn default() -> Self {
        PurchaseParams {
            threshold: 100.0,
            classifier: ForestParams::default(),
            value_bands: ValueBands::default(),
            holdout_fraction: 0.2,
            refit_on_all: true,
            calibration_bins: 10,
            seed: 42,
        }
    }
}

impl PurchaseParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the qualifying purchase threshold in GBP.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Sets the classifier's parameters.
    pub fn classifier(mut self, classifier: ForestParams) -> Self {
        self.classifier = classifier;
        self
    }

    /// Sets the value band cut points.
    pub fn value_bands(mut self, bands: ValueBands) -> Self {
        self.value_bands = bands;
        self
    }

    /// Sets the holdout fraction.
    pub fn holdout_fraction(mut self, fraction: f64) -> Self {
        self.holdout_fraction = fraction;
        self
    }

    /// Sets whether to refit on all rows after evaluation.
    pub fn refit_on_all(mut self, refit: bool) -> Self {
        self.refit_on_all = refit;
        self
    }

    /// Sets the number of calibration bins.
    pub fn calibration_bins(mut self, bins: usize) -> Self {
        self.calibration_bins = bins;
        self
    }

    /// Sets the split seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates every parameter.
    pub fn check(&self) -> Result<()> {
        if !(self.threshold.is_finite() && self.threshold > 0.0) {
            return Err(Error::invalid_param(
                "threshold",
                self.threshold,
                "must be a positive amount in GBP",
            ));
        }
        if !(self.holdout_fraction > 0.0 && self.holdout_fraction < 0.5) {
            return Err(Error::invalid_param(
                "holdout_fraction",
                self.holdout_fraction,
                "must be in (0, 0.5)",
            ));
        }
        if !(2..=100).contains(&self.calibration_bins) {
            return Err(Error::invalid_param(
                "calibration_bins",
                self.calibration_bins,
                "must be between 2 and 100",
            ));
        }
        self.value_bands.check()?;
        self.classifier.check()
    }
}
