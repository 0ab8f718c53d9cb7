//! Binary classification metrics.

use serde::{Deserialize, Serialize};

use super::{check_finite_slice, check_lengths, check_probabilities, labels_to_bools, BinaryLabel};
use crate::error::{Error, Result};

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` by [`log_loss`]
/// (scikit-learn's historical default).
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// The checks every probability metric makes, in order: equal lengths, 0/1 labels,
/// probabilities in `[0, 1]`. Returns the labels as bools.
fn labels_and_probabilities<L: BinaryLabel>(y_true: &[L], proba: &[f64]) -> Result<Vec<bool>> {
    check_lengths("y_true", y_true.len(), "proba", proba.len())?;
    let y = labels_to_bools("y_true", y_true)?;
    check_probabilities("proba", proba)?;
    Ok(y)
}

/// Area under the ROC curve.
///
/// Computed as the Mann-Whitney U statistic in `O(n log n)`: scores are ranked, tied scores
/// get the average of their ranks (so a tie between a positive and a negative counts one
/// half), and
///
/// ```text
/// AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)
/// ```
///
/// where `R_pos` is the sum of the ranks of the positives. This equals the probability that a
/// random positive scores above a random negative, ties counting one half, and matches
/// scikit-learn's `roc_auc_score`.
///
/// Errors: length mismatch, empty input, non-finite score, a label other than 0/1, and
/// [`Error::DegenerateTarget`] when only one class is present.
///
/// ```
/// use optocom_core::metrics::roc_auc;
/// assert_eq!(roc_auc(&[0u8, 0, 1, 1], &[0.1, 0.2, 0.3, 0.4]).unwrap(), 1.0);
/// assert_eq!(roc_auc(&[0u8, 0, 1, 1], &[0.4, 0.3, 0.2, 0.1]).unwrap(), 0.0);
/// assert_eq!(roc_auc(&[0u8, 1], &[0.5, 0.5]).unwrap(), 0.5);
/// assert_eq!(roc_auc(&[1u8, 1], &[0.5, 0.6]).unwrap_err().code(), "degenerate_target");
/// ```
pub fn roc_auc<L: BinaryLabel>(y_true: &[L], scores: &[f64]) -> Result<f64> {
    check_lengths("y_true", y_true.len(), "scores", scores.len())?;
    let y = labels_to_bools("y_true", y_true)?;
    check_finite_slice("scores", scores)?;
    let n_pos = y.iter().filter(|&&b| b).count();
    let n_neg = y.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(Error::degenerate(format!(
            "ROC AUC needs both classes; y_true has {n_pos} positives and {n_neg} negatives"
        )));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0_f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j (1-based) share their average.
        let avg_rank = (i + 1 + j) as f64 / 2.0;
        let pos_in_group = order[i..j].iter().filter(|&&k| y[k]).count();
        rank_sum_pos += avg_rank * pos_in_group as f64;
        i = j;
    }
    let (np, nn) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum_pos - np * (np + 1.0) / 2.0) / (np * nn))
}

/// Brier score: the mean squared difference between the predicted probability and the 0/1
/// outcome, `mean((p_i - y_i)^2)`. Lower is better; 0 is perfect.
///
/// Errors: length mismatch, empty input, a label other than 0/1, a probability that is not in
/// `[0, 1]` (NaN included).
pub fn brier_score<L: BinaryLabel>(y_true: &[L], proba: &[f64]) -> Result<f64> {
    let y = labels_and_probabilities(y_true, proba)?;
    let s: f64 = y
        .iter()
        .zip(proba)
        .map(|(&t, &p)| {
            let d = p - if t { 1.0 } else { 0.0 };
            d * d
        })
        .sum();
    Ok(s / y.len() as f64)
}

/// Log loss (binary cross-entropy), `-mean(y ln p + (1 - y) ln(1 - p))`, with `p` clipped
/// to `[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]` so a confident wrong prediction costs about 34.5
/// instead of infinity.
///
/// Errors: as [`brier_score`].
///
/// ```
/// use optocom_core::metrics::log_loss;
/// let l = log_loss(&[true, false], &[0.5, 0.5]).unwrap();
/// assert!((l - std::f64::consts::LN_2).abs() < 1e-12);
/// assert!(log_loss(&[true], &[0.0]).unwrap().is_finite());
/// ```
pub fn log_loss<L: BinaryLabel>(y_true: &[L], proba: &[f64]) -> Result<f64> {
    let y = labels_and_probabilities(y_true, proba)?;
    let s: f64 = y
        .iter()
        .zip(proba)
        .map(|(&t, &p)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if t {
                -libm::log(p)
            } else {
                -libm::log(1.0 - p)
            }
        })
        .sum();
    Ok(s / y.len() as f64)
}

/// Accuracy at the 0.5 threshold: a row is predicted positive when `p >= 0.5`; returns the
/// share of rows whose prediction equals the label.
///
/// Errors: as [`brier_score`].
pub fn accuracy<L: BinaryLabel>(y_true: &[L], proba: &[f64]) -> Result<f64> {
    let y = labels_and_probabilities(y_true, proba)?;
    let correct = y
        .iter()
        .zip(proba)
        .filter(|(&t, &p)| (p >= 0.5) == t)
        .count();
    Ok(correct as f64 / y.len() as f64)
}

/// One bin of a reliability (calibration) table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin (inclusive).
    pub lower: f64,
    /// Upper edge of the bin (exclusive, except 1.0 for the last bin).
    pub upper: f64,
    /// Number of rows whose probability falls in the bin.
    pub count: usize,
    /// Mean predicted probability of those rows.
    pub mean_predicted: f64,
    /// Share of positives among those rows.
    pub observed_rate: f64,
}

/// Reliability table: `[0, 1]` is cut into `n_bins` equal-width bins
/// (`[i/n, (i+1)/n)`, the last one closed at 1), and each bin reports its row count, mean
/// predicted probability and observed positive rate. A well-calibrated model has
/// `mean_predicted ~ observed_rate` in every bin.
///
/// Empty bins are left out (as scikit-learn's `calibration_curve` does), so the table has at
/// most `n_bins` rows, in increasing order of probability.
///
/// Errors: `n_bins == 0` -> [`Error::InvalidParameter`], plus those of [`brier_score`].
///
/// ```
/// use optocom_core::metrics::calibration_table;
/// let t = calibration_table(&[false, true, true, true], &[0.1, 0.2, 0.9, 1.0], 2).unwrap();
/// assert_eq!(t.len(), 2);
/// assert_eq!((t[0].count, t[0].observed_rate), (2, 0.5));
/// assert_eq!((t[1].count, t[1].mean_predicted, t[1].observed_rate), (2, 0.95, 1.0));
/// ```
pub fn calibration_table<L: BinaryLabel>(
    y_true: &[L],
    proba: &[f64],
    n_bins: usize,
) -> Result<Vec<CalibrationBin>> {
    if n_bins == 0 {
        return Err(Error::invalid_param("n_bins", n_bins, "must be at least 1"));
    }
    let y = labels_and_probabilities(y_true, proba)?;
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0f64; n_bins];
    let mut sum_y = vec![0usize; n_bins];
    for (&t, &p) in y.iter().zip(proba) {
        let b = ((p * n_bins as f64) as usize).min(n_bins - 1);
        count[b] += 1;
        sum_p[b] += p;
        sum_y[b] += usize::from(t);
    }
    Ok((0..n_bins)
        .filter(|&b| count[b] > 0)
        .map(|b| CalibrationBin {
            lower: b as f64 / n_bins as f64,
            upper: (b + 1) as f64 / n_bins as f64,
            count: count[b],
            mean_predicted: sum_p[b] / count[b] as f64,
            observed_rate: sum_y[b] as f64 / count[b] as f64,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_ties_count_half() {
        // One positive tied with one negative, one positive above all.
        let y = [false, true, false, true];
        let s = [0.2, 0.2, 0.1, 0.9];
        // Pairs (pos, neg): (0.2 vs 0.2)=0.5, (0.2 vs 0.1)=1, (0.9 vs 0.2)=1, (0.9 vs 0.1)=1.
        assert_eq!(roc_auc(&y, &s).unwrap(), 3.5 / 4.0);
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(roc_auc(&[true], &[]).unwrap_err().code(), "shape_mismatch");
        assert_eq!(roc_auc::<bool>(&[], &[]).unwrap_err().code(), "empty_input");
        let e = roc_auc(&[true, false], &[0.1, f64::NAN]).unwrap_err();
        assert_eq!(e.code(), "invalid_value");
        assert!(e.to_string().contains("row 1"), "{e}");
        assert_eq!(
            roc_auc(&[2u8, 0], &[0.1, 0.2]).unwrap_err().code(),
            "invalid_value"
        );
        assert_eq!(
            brier_score(&[true], &[1.5]).unwrap_err().code(),
            "invalid_value"
        );
        assert_eq!(
            calibration_table(&[true], &[0.5], 0).unwrap_err().code(),
            "invalid_parameter"
        );
    }

    #[test]
    fn accuracy_threshold_is_inclusive() {
        assert_eq!(
            accuracy(&[true, false, false], &[0.5, 0.49, 0.5]).unwrap(),
            2.0 / 3.0
        );
    }
}
