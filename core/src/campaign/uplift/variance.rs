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

use super::criterion::LEAF_MOMENTS;
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

/// Forest effect and variance from per-tree leaf moments `[mean y, mean w, mean w y]`
/// (three values per tree, trees laid out group after group, at least two groups of at
/// least two trees).
///
/// The forest solves grf's local moment equations with the forest kernel: with `Y`, `W`
/// and `WY` the tree averages of the three moments, `tau = (WY - W Y) / (W - W^2)` (the
/// kernel-weighted regression slope of `y` on `w`; `w^2 = w`) and `mu = Y - W tau`. Each
/// tree's score `psi_t = (wy_t - w_t tau - w_t mu) - W (y_t - w_t tau - mu)` averages to
/// zero over trees; the bootstrap of little bags of `psi`, scaled by `1 / (W - W^2)^2`,
/// is the delta-method variance of `tau` (Athey, Tibshirani & Wager 2019, eq. (16) and
/// Section 4.1; grf's `InstrumentalPredictionStrategy` with the treatment as its own
/// instrument). Returns NaNs when the trees' treated shares average to 0 or 1.
pub(crate) fn pooled(moments: &[f64], group: usize) -> (f64, f64) {
    let nt = moments.len() / LEAF_MOMENTS;
    let g = nt / group.max(1);
    if g < 2 || group < 2 {
        return (f64::NAN, f64::NAN);
    }
    let (mut y, mut w, mut wy) = (0.0, 0.0, 0.0);
    for m in moments.chunks_exact(LEAF_MOMENTS) {
        y += m[0];
        w += m[1];
        wy += m[2];
    }
    let n = nt as f64;
    let (y, w, wy) = (y / n, w / n, wy / n);
    let d = w - w * w;
    if d.is_nan() || d <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let tau = (wy - w * y) / d;
    let mu = y - w * tau;
    let mut total = 0.0;
    let mut between = 0.0;
    for bag in moments.chunks_exact(group * LEAF_MOMENTS) {
        let mut sum = 0.0;
        for m in bag.chunks_exact(LEAF_MOMENTS) {
            let psi = (m[2] - m[1] * tau - m[1] * mu) - w * (m[0] - m[1] * tau - mu);
            total += psi * psi;
            sum += psi;
        }
        let mean = sum / group as f64;
        between += mean * mean;
    }
    let scale = 1.0 / (d * d);
    let between = between / g as f64 * scale;
    let total = total / (g * group) as f64 * scale;
    let noise = (total - between) / (group - 1) as f64;
    (tau, debias(between, noise, g as f64))
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
    let phi = libm::exp(-0.5 * r * r) / (2.0 * std::f64::consts::PI).sqrt();
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

    /// grf's form: the 2x2 score matrices of `(psi_1, psi_2)` and the quadratic form with
    /// `(1, -W)`, written out independently of `pooled`.
    fn grf_reference(m: &[[f64; 3]], group: usize) -> (f64, f64) {
        let n = m.len() as f64;
        let avg = |k: usize| m.iter().map(|v| v[k]).sum::<f64>() / n;
        let (y, w, wy) = (avg(0), avg(1), avg(2));
        let first_stage = w - w * w;
        let tau = (wy - y * w) / first_stage;
        let main = y - w * tau;
        let mut sq = [[0.0; 2]; 2];
        let mut grouped = [[0.0; 2]; 2];
        let groups = m.len() / group;
        for bag in m.chunks(group) {
            let mut gp = [0.0; 2];
            for v in bag {
                let p = [v[2] - v[1] * tau - v[1] * main, v[0] - v[1] * tau - main];
                for i in 0..2 {
                    for j in 0..2 {
                        sq[i][j] += p[i] * p[j];
                    }
                    gp[i] += p[i] / group as f64;
                }
            }
            for i in 0..2 {
                for j in 0..2 {
                    grouped[i][j] += gp[i] * gp[j];
                }
            }
        }
        let form = |a: [[f64; 2]; 2], d: f64| {
            (a[0][0] - 2.0 * a[0][1] * w + a[1][1] * w * w) / d / (first_stage * first_stage)
        };
        let between = form(grouped, groups as f64);
        let total = form(sq, (groups * group) as f64);
        let noise = (total - between) / (group - 1) as f64;
        (tau, debias(between, noise, groups as f64))
    }

    #[test]
    fn pooled_matches_grf_score_form() {
        let m = [
            [0.10, 0.40, 0.12],
            [0.05, 0.55, 0.20],
            [-0.02, 0.50, 0.08],
            [0.20, 0.35, 0.15],
            [0.00, 0.60, 0.25],
            [0.12, 0.45, 0.10],
        ];
        let flat: Vec<f64> = m.iter().flatten().copied().collect();
        let (tau, var) = pooled(&flat, 2);
        let (want_tau, want_var) = grf_reference(&m, 2);
        assert!((tau - want_tau).abs() < 1e-12, "{tau} vs {want_tau}");
        assert!((var - want_var).abs() < 1e-12, "{var} vs {want_var}");
        assert!(var > 0.0);
        // the first-stage numerator uses the averaged moments, not per-tree slopes
        let per_tree: f64 = m
            .iter()
            .map(|v| (v[2] - v[0] * v[1]) / (v[1] - v[1] * v[1]))
            .sum::<f64>()
            / 6.0;
        assert!((tau - per_tree).abs() > 1e-3);
        // too few groups, or no treatment variation: no estimate
        assert!(pooled(&flat[..6], 2).0.is_nan());
        assert!(pooled(
            &[0.1, 1.0, 0.1, 0.2, 1.0, 0.2, 0.1, 1.0, 0.1, 0.3, 1.0, 0.3],
            2
        )
        .0
        .is_nan());
    }

    #[test]
    fn pooled_leaf_moments_give_the_difference_in_means() {
        // One leaf: treated outcomes 1, 0, 1 and control outcomes 0, 0 -> 2/3 - 0.
        let (y, w): ([f64; 5], [f64; 5]) = ([1.0, 0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0, 0.0]);
        let n = 5.0;
        let leaf = [
            y.iter().sum::<f64>() / n,
            w.iter().sum::<f64>() / n,
            y.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() / n,
        ];
        let flat: Vec<f64> = std::iter::repeat_n(leaf, 8).flatten().collect();
        let (tau, var) = pooled(&flat, 2);
        assert!((tau - 2.0 / 3.0).abs() < 1e-12);
        // identical trees: no variance at all
        assert_eq!(var, 0.0);
    }

    #[test]
    fn debias_is_positive_and_close_to_difference_when_clear() {
        assert!((debias(10.0, 1.0, 1000.0) - 9.0).abs() < 1e-6);
        let v = debias(1.0, 5.0, 50.0);
        assert!(v > 0.0 && v < 1.0);
        assert!(debias(1e-9, 1.0, 4.0) > 0.0);
    }
}
