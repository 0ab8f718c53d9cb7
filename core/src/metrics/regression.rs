//! Regression metrics.

use super::{check_finite_slice, check_lengths};
use crate::error::{Error, Result};

fn check(y_true: &[f64], y_pred: &[f64]) -> Result<()> {
    check_lengths("y_true", y_true.len(), "y_pred", y_pred.len())?;
    check_finite_slice("y_true", y_true)?;
    check_finite_slice("y_pred", y_pred)
}

/// Coefficient of determination, `R^2 = 1 - SS_res / SS_tot` with
/// `SS_res = sum (y_i - yhat_i)^2` and `SS_tot = sum (y_i - mean(y))^2`.
///
/// 1 is perfect, 0 is as good as predicting the mean, negative is worse. When `y_true` is
/// constant `SS_tot` is zero and R^2 is undefined: this returns
/// [`Error::DegenerateTarget`] (scikit-learn instead returns 1.0 or 0.0 by convention).
///
/// ```
/// use optocom_core::metrics::r2_score;
/// assert_eq!(r2_score(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap(), 1.0);
/// assert_eq!(r2_score(&[1.0, 2.0, 3.0], &[2.0, 2.0, 2.0]).unwrap(), 0.0);
/// ```
pub fn r2_score(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    let mean = y_true.iter().sum::<f64>() / y_true.len() as f64;
    let ss_tot: f64 = y_true.iter().map(|y| (y - mean) * (y - mean)).sum();
    if ss_tot == 0.0 {
        return Err(Error::degenerate(
            "R^2 is undefined when y_true is constant",
        ));
    }
    let ss_res: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(y, p)| (y - p) * (y - p))
        .sum();
    Ok(1.0 - ss_res / ss_tot)
}

/// Mean absolute error, `mean |y_i - yhat_i|`.
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    Ok(y_true
        .iter()
        .zip(y_pred)
        .map(|(y, p)| (y - p).abs())
        .sum::<f64>()
        / y_true.len() as f64)
}

/// Root mean squared error, `sqrt(mean (y_i - yhat_i)^2)`.
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check(y_true, y_pred)?;
    let mse = y_true
        .iter()
        .zip(y_pred)
        .map(|(y, p)| (y - p) * (y - p))
        .sum::<f64>()
        / y_true.len() as f64;
    Ok(mse.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let y = [1.0, 2.0, 4.0];
        let p = [2.0, 2.0, 1.0];
        assert_eq!(mae(&y, &p).unwrap(), 4.0 / 3.0);
        assert!((rmse(&y, &p).unwrap() - (10.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // mean 7/3, ss_tot = 16/9 + 1/9 + 25/9 = 42/9, ss_res = 10.
        assert!((r2_score(&y, &p).unwrap() - (1.0 - 10.0 / (42.0 / 9.0))).abs() < 1e-12);
        assert_eq!(
            r2_score(&[2.0, 2.0], &[1.0, 2.0]).unwrap_err().code(),
            "degenerate_target"
        );
        assert_eq!(
            mae(&[1.0], &[f64::INFINITY]).unwrap_err().code(),
            "invalid_value"
        );
    }
}
