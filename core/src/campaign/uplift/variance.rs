//! Forest variance by the bootstrap of little bags (BLB).
//!
//! Trees are grown in groups ("little bags") of `l >= 2` trees; the trees of a group share
//! one half-sample of the training rows. For a point `x` with tree estimates `tau_{g,b}`
//! (group `g`, tree `b`), group means `m_g` and forest estimate `tau = mean_g m_g`:
//!
//! ```text
//! V_between = mean_g (m_g - tau)^2                              (half-sample variance)
//! V_noise   = mean_g [ sum_b (tau_{g,b} - m_g)^2 / (l - 1) ] / l   (Monte-Carlo noise of m_g)
//! V         = V_between - V_noise
//! ```
//!
//! By the half-sampling identity, the variance of half-sample estimates around the full
//! estimate approximates the sampling variance of the full forest; subtracting `V_noise`
//! removes the extra spread of group means caused by each group having only `l` trees
//! (Sexton & Laake 2009, "Standard errors for bagged and random forest estimators",
//! *Computational Statistics & Data Analysis* 53; Athey, Tibshirani & Wager 2019,
//! "Generalized random forests", *Annals of Statistics* 47, Section 4.1). As in grf, the
//! difference is made non-negative by its posterior mean under a flat prior on
//! `[0, inf)` (grf's `ObjectiveBayesDebiaser`): with `mu = V_between - V_noise` and
//! `s = max(V_between, V_noise) * sqrt(2 / G)` for `G` groups,
//! `V = mu + s * phi(mu / s) / Phi(mu / s)`.

use crate::stats::normal_cdf;

/// Forest mean and BLB variance of tree estimates laid out group after group
/// (`values.len()` a multiple of `group`, at least two groups). Sums run in index order.
pub(crate) fn blb(values: &[f64], group: usize) -> (f64, f64) {
    let g = values.len() / group.max(1);
    if g < 2 || group < 2 {
        return (f64::NAN, f64::NAN);
    }
    let mut mean = 0.0;
    for chunk in values.chunks_exact(group) {
        mean += chunk.iter().sum::<f64>() / group as f64;
    }
    mean /= g as f64;
    let mut between = 0.0;
    let mut within = 0.0;
    for chunk in values.chunks_exact(group) {
        let m = chunk.iter().sum::<f64>() / group as f64;
        between += (m - mean) * (m - mean);
        within += chunk.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (group - 1) as f64;
    }
    between /= g as f64;
    let noise = within / g as f64 / group as f64;
    (mean, debias(between, noise, g as f64))
}

/// grf's objective-Bayes debiasing of `between - noise` (posterior mean of a normal
/// truncated to `[0, inf)`).
pub(crate) fn debias(between: f64, noise: f64, groups: f64) -> f64 {
    let mu = between - noise;
    let s = between.max(noise) * (2.0 / groups).sqrt();
    if s.is_nan() || s <= 0.0 {
        return mu.max(0.0);
    }
    let r = mu / s;
    if r < -30.0 {
        // Mills-ratio asymptote: mu + s * phi(r) / Phi(r) -> s / |r|.
        return s / -r;
    }
    let phi = (-0.5 * r * r).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = normal_cdf(r);
    (mu + s * phi / cdf).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blb_matches_hand_computation() {
        // groups (1, 3) and (5, 7): means 2 and 6, forest mean 4.
        let (m, v) = blb(&[1.0, 3.0, 5.0, 7.0], 2);
        assert_eq!(m, 4.0);
        // between = 4, noise = mean(2, 2) / 2 = 1, s = 4 * 1 = 4, mu = 3
        let r: f64 = 3.0 / 4.0;
        let phi = (-0.5 * r * r).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let want = 3.0 + 4.0 * phi / normal_cdf(r);
        assert!((v - want).abs() < 1e-12);
        // identical trees: no variance at all
        assert_eq!(blb(&[2.0; 8], 2), (2.0, 0.0));
        assert!(blb(&[1.0, 2.0], 2).0.is_nan());
    }

    #[test]
    fn debias_is_positive_and_close_to_difference_when_clear() {
        assert!((debias(10.0, 1.0, 1000.0) - 9.0).abs() < 1e-6);
        let v = debias(1.0, 5.0, 50.0);
        assert!(v > 0.0 && v < 1.0);
        assert!(debias(1e-9, 1.0, 4.0) > 0.0);
    }
}
