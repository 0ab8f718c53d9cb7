//! The spend model (standardised features + ordinary least squares, fitted by
//! [`crate::linear`]) and the revenue distribution of one appointment.

use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::StandardScaler;
use crate::linear::{fit_standardised, predict_standardised};

/// Expected spend of a qualifying purchase: linear regression on standardised features,
/// fitted on the appointments whose amount reached the threshold (the seed's "scaled linear
/// regression"). Predictions are floored at the threshold, since a qualifying purchase is at
/// least that much by definition.
///
/// The fit and the prediction are those of [`LinearRegression`](crate::linear::LinearRegression)
/// (same code; see [`crate::linear`] for constant and collinear columns); this type adds the
/// floor and is stored inside the forecaster's artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendModel {
    /// Feature standardiser.
    pub scaler: StandardScaler,
    /// Coefficients on standardised features.
    pub coef: Vec<f64>,
    /// Intercept (the mean spend, since features are centred).
    pub intercept: f64,
    /// Floor of predictions (the qualifying threshold).
    pub floor: f64,
}

impl SpendModel {
    /// Fits on feature rows `x` and amounts `y` (all at or above `floor`; `f64::NEG_INFINITY`
    /// for no floor). Needs at least `p + 2` rows for `p` features, so that the residual
    /// variance has a degree of freedom.
    pub fn fit(x: ArrayView2<'_, f64>, y: &[f64], floor: f64) -> Result<Self> {
        let min_rows = x.ncols() + 2;
        if y.len() < min_rows {
            return Err(Error::degenerate(format!(
                "the spend model needs at least {min_rows} qualifying purchases, found {}",
                y.len()
            )));
        }
        let (fit, _) = fit_standardised(x, y)?;
        Ok(SpendModel {
            scaler: fit.scaler,
            coef: fit.coef,
            intercept: fit.intercept,
            floor,
        })
    }

    /// Artifact check: `p` features, finite values, positive scales (a tampered model would
    /// otherwise predict NaN spends).
    pub(crate) fn validate(&self, p: usize) -> Result<()> {
        let ok = self.scaler.is_valid(p)
            && self.coef.len() == p
            && self.coef.iter().all(|v| v.is_finite())
            && self.intercept.is_finite()
            && !self.floor.is_nan()
            && self.floor < f64::INFINITY;
        if ok {
            Ok(())
        } else {
            Err(Error::artifact(
                "spend model: expected one finite mean, positive scale and finite coefficient \
                 per feature, and a finite intercept and floor",
            ))
        }
    }

    /// Residual variance `RSS / (n - p - 1)` of the model on rows `x`, `y` (its training
    /// rows give the unbiased least-squares estimate).
    pub fn residual_variance(&self, x: ArrayView2<'_, f64>, y: &[f64]) -> Result<f64> {
        let pred = self.predict(x)?;
        let dof = y.len().saturating_sub(self.coef.len() + 1).max(1) as f64;
        Ok(pred
            .iter()
            .zip(y)
            .map(|(p, t)| (t - p).powi(2))
            .sum::<f64>()
            / dof)
    }

    /// Predicted spend for one feature row (same column order as at fit time).
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        predict_standardised(&self.scaler, &self.coef, self.intercept, row).max(self.floor)
    }

    /// Predicted spend for every row.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(Error::shape(
                "spend model features",
                self.coef.len(),
                x.ncols(),
            ));
        }
        Ok(x.outer_iter()
            .map(|r| {
                predict_standardised(&self.scaler, &self.coef, self.intercept, r.iter())
                    .max(self.floor)
            })
            .collect())
    }
}

/// The distribution of one appointment's amount under the hurdle model, and the systematic
/// (model) uncertainty of a period total.
///
/// With `p` the purchase probability and `m` the expected qualifying spend, the amount is
/// `m + e` (residual variance `spend_residual_var`) with probability `p`, and a small amount
/// with mean `small_mean` and variance `small_var` otherwise:
///
/// ```text
/// E[amount]   = p m + (1 - p) small_mean
/// Var[amount] = p (spend_residual_var + m^2) + (1 - p)(small_var + small_mean^2) - E[amount]^2
/// ```
///
/// Outcomes of different appointments are independent given the model, so a period total
/// `T = sum amount_i` has outcome variance `sum Var_i`. Model error is correlated across
/// appointments; it enters as a relative level error `level_rel_var * (sum E_i)^2` (see
/// [`RevenueModel::period_variance`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RevenueModel {
    /// Mean amount of non-qualifying appointments (often 0).
    pub small_mean: f64,
    /// Variance of the amount of non-qualifying appointments.
    pub small_var: f64,
    /// Residual variance of the spend model on its training purchases (RSS / (n - p - 1)).
    pub spend_residual_var: f64,
    /// Squared relative error of the model's revenue level, estimated on the holdout.
    pub level_rel_var: f64,
}

impl RevenueModel {
    /// Artifact check: every moment finite, variances non-negative.
    pub(crate) fn validate(&self) -> Result<()> {
        let vars = [self.small_var, self.spend_residual_var, self.level_rel_var];
        if self.small_mean.is_finite() && vars.iter().all(|v| v.is_finite() && *v >= 0.0) {
            Ok(())
        } else {
            Err(Error::artifact(
                "revenue model: moments must be finite and variances non-negative",
            ))
        }
    }

    /// Mean and variance of one appointment's amount.
    pub fn moments(&self, probability: f64, expected_spend: f64) -> (f64, f64) {
        let p = probability;
        let m = expected_spend;
        let mean = p * m + (1.0 - p) * self.small_mean;
        let second = p * (self.spend_residual_var + m * m)
            + (1.0 - p) * (self.small_var + self.small_mean * self.small_mean);
        (mean, (second - mean * mean).max(0.0))
    }

    /// Variance of a period total: the independent outcome variances plus the level error of
    /// the model, `level_rel_var * expected_total^2`.
    pub fn period_variance(&self, expected_total: f64, outcome_variance: f64) -> f64 {
        outcome_variance + self.level_rel_var * expected_total * expected_total
    }

    /// Estimates the relative level error of the model from a holdout set: its total
    /// expected revenue `P` and total outcome variance `V`, with `n_holdout` held-out and
    /// `n_train` training rows.
    ///
    /// The model's revenue level is learned from `n_train` rows whose outcomes are as noisy
    /// as the holdout's, so its relative sampling error has variance about
    /// `V / P^2 * n_holdout / n_train`. Models fitted in-distribution (forest averages, least
    /// squares with an intercept) carry no systematic level bias beyond that; a practice
    /// whose level shifts after training is a change the holdout cannot show, so forecasts
    /// assume upcoming appointments come from the practice the model was trained on.
    /// (An earlier version added the holdout's excess squared miss `(A - P)^2 - V`; with
    /// right-skewed spend a single holdout total is too noisy for that, and intervals came
    /// out about twice too wide.)
    pub fn estimate_level_rel_var(
        expected_total: f64,
        outcome_variance: f64,
        n_holdout: usize,
        n_train: usize,
    ) -> f64 {
        if expected_total <= 0.0 || n_train == 0 {
            return 0.0;
        }
        outcome_variance / (expected_total * expected_total) * (n_holdout as f64 / n_train as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn recovers_linear_function() {
        let x = array![
            [1.0, 0.0],
            [2.0, 1.0],
            [3.0, 0.0],
            [4.0, 1.0],
            [5.0, 0.0],
            [6.0, 1.0]
        ];
        let y: Vec<f64> = x
            .outer_iter()
            .map(|r| 100.0 + 10.0 * r[0] + 5.0 * r[1])
            .collect();
        let m = SpendModel::fit(x.view(), &y, 100.0).unwrap();
        for (r, t) in x.outer_iter().zip(&y) {
            assert!((m.predict_row(r.as_slice().unwrap()) - t).abs() < 1e-8);
        }
        assert_eq!(
            m.predict_row(&[-100.0, 0.0]),
            100.0,
            "floored at the threshold"
        );
    }

    #[test]
    fn too_few_rows_is_degenerate() {
        let x = array![[1.0, 0.0]];
        assert_eq!(
            SpendModel::fit(x.view(), &[120.0], 100.0)
                .unwrap_err()
                .code(),
            "degenerate_target"
        );
    }

    #[test]
    fn moments_match_direct_computation() {
        let r = RevenueModel {
            small_mean: 10.0,
            small_var: 25.0,
            spend_residual_var: 400.0,
            level_rel_var: 0.0,
        };
        let (m, v) = r.moments(0.3, 200.0);
        assert!((m - (0.3 * 200.0 + 0.7 * 10.0)).abs() < 1e-12);
        let second = 0.3 * (400.0 + 40000.0) + 0.7 * (25.0 + 100.0);
        assert!((v - (second - m * m)).abs() < 1e-9);
        assert_eq!(r.moments(1.0, 150.0), (150.0, 400.0));
        assert_eq!(r.period_variance(100.0, 50.0), 50.0);
    }

    #[test]
    fn level_error_estimate() {
        let v = RevenueModel::estimate_level_rel_var(1000.0, 400.0, 200, 800);
        assert!((v - 400.0 / 1e6 * 0.25).abs() < 1e-15);
        // More training rows, smaller level error.
        assert!(RevenueModel::estimate_level_rel_var(1000.0, 400.0, 200, 8000) < v);
        assert_eq!(RevenueModel::estimate_level_rel_var(0.0, 1.0, 1, 1), 0.0);
    }
}
