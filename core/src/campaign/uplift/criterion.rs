//! The treatment-effect split criterion: grf's gradient-based approximation of the
//! causal-tree criterion, on additive per-sample statistics.
//!
//! Per sample with treatment `w` (0/1) and outcome `y` (centred on the training mean for
//! conditioning) the statistics are `[1, w, y, w * y]`. For a parent `P` with treated share
//! `a`, mean outcome `b`, difference-in-means effect `tau_P` and `v = a (1 - a)`, grf's
//! pseudo-outcome (Athey, Tibshirani & Wager 2019, Section 2.3, eq. (9) with the
//! treatment-effect score of Section 6.2) is
//!
//! ```text
//! rho_i = (w_i - a) * (y_i - b - (w_i - a) * tau_P) / v
//! ```
//!
//! and a split maximises `Delta = S_L^2 / n_L + S_R^2 / n_R` with `S_C = sum_{i in C} rho_i`.
//! Because the parent's constants are fixed, `S_C` is a linear function of the child's
//! statistics, so the engine's histogram subtraction applies:
//! `S_C = (sum wy - b sum w - a sum y + n a b - tau_P (sum w (1 - 2a) + n a^2)) / v`.
//! `Delta` approximates the causal-tree criterion `n_L n_R / n_P (tau_L - tau_R)^2` of Athey
//! & Imbens (2016) without dividing by small per-arm counts, which makes it less noisy in
//! small nodes. Every child must hold at least `min_per_arm` treated and control *split*
//! samples. An honest leaf keeps its own estimation rows however few and whatever their
//! arms (grf only prunes empty leaves): its moments are pooled over trees before the
//! effect is solved, so a leaf with one arm still informs the forest's estimate.

use super::local_linear::{add_moments, leaf_moments};
use crate::forest::SplitCriterion;

/// Values of a moment leaf: mean (centred) outcome, treated share, mean of `w * y`.
pub(crate) const LEAF_MOMENTS: usize = 3;

/// Standardised local-linear correction columns of every row (`n x q`, row-major).
pub(crate) struct LinearColumns<'a> {
    pub z: &'a [f64],
    pub q: usize,
}

/// grf gradient criterion over `[n, sum w, sum y, sum w y]`; the leaf value is the leaf's
/// moments `[mean y, mean w, mean w y]`, pooled over trees at prediction. (Forests saved
/// with one value per leaf, its difference in means, are only read, never grown, so the
/// criterion has no mode for them.)
pub(crate) struct EffectCriterion<'a> {
    /// Outcomes, centred.
    pub y: &'a [f64],
    /// Treatment flags (0/1).
    pub w: &'a [u8],
    /// Minimum treated and control count of a child.
    pub min_per_arm: f64,
    /// With a local-linear correction, the columns whose moments the leaves also store
    /// (leaf statistics `[n, sum w, sum y, sum w y]` followed by the sums of
    /// [`add_moments`]).
    pub linear: Option<LinearColumns<'a>>,
}

impl EffectCriterion<'_> {
    #[inline]
    fn arms(s: &[f64]) -> (f64, f64) {
        (s[1], s[0] - s[1])
    }

    /// Difference in means of a node (0 when an arm is empty).
    #[inline]
    fn tau(s: &[f64]) -> f64 {
        let (nt, nc) = Self::arms(s);
        if nt <= 0.0 || nc <= 0.0 {
            return 0.0;
        }
        s[3] / nt - (s[2] - s[3]) / nc
    }
}

impl SplitCriterion for EffectCriterion<'_> {
    fn width(&self) -> usize {
        4
    }

    fn n_outputs(&self) -> usize {
        leaf_moments(self.linear.as_ref().map_or(0, |l| l.q))
    }

    fn leaf_width(&self) -> usize {
        1 + self.n_outputs()
    }

    #[inline]
    fn accumulate_leaf(&self, sample: u32, s: &mut [f64]) {
        self.accumulate(sample, s);
        if let Some(l) = &self.linear {
            let i = sample as usize;
            if let (Some(&y), Some(&w), Some(z)) = (
                self.y.get(i),
                self.w.get(i),
                l.z.get(i * l.q..(i + 1) * l.q),
            ) {
                add_moments(z, f64::from(w), y, &mut s[4..]);
            }
        }
    }

    #[inline]
    fn accumulate(&self, sample: u32, s: &mut [f64]) {
        let i = sample as usize;
        if let (Some(&y), Some(&w), [n, sw, sy, swy, ..]) = (self.y.get(i), self.w.get(i), s) {
            *n += 1.0;
            *sy += y;
            if w == 1 {
                *sw += 1.0;
                *swy += y;
            }
        }
    }

    #[inline]
    fn n_samples(&self, s: &[f64]) -> f64 {
        s[0]
    }

    #[inline]
    fn admissible(&self, s: &[f64]) -> bool {
        let (nt, nc) = Self::arms(s);
        nt >= self.min_per_arm && nc >= self.min_per_arm
    }

    /// Any non-empty estimation leaf: the builder already sends empty ones to their parent.
    fn estimable(&self, _stats: &[f64]) -> bool {
        true
    }

    #[inline]
    fn split_score(&self, p: &[f64], l: &[f64], r: &[f64]) -> f64 {
        let n = p[0];
        if n <= 0.0 {
            return 0.0;
        }
        let a = p[1] / n;
        let v = a * (1.0 - a);
        if v <= 0.0 {
            return 0.0;
        }
        let b = p[2] / n;
        let tau = Self::tau(p);
        let sum_rho = |s: &[f64]| {
            (s[3] - b * s[1] - a * s[2] + s[0] * a * b
                - tau * (s[1] * (1.0 - 2.0 * a) + s[0] * a * a))
                / v
        };
        let (sl, sr) = (sum_rho(l), sum_rho(r));
        let mut score = 0.0;
        if l[0] > 0.0 {
            score += sl * sl / l[0];
        }
        if r[0] > 0.0 {
            score += sr * sr / r[0];
        }
        score
    }

    /// `[mean y, mean w, mean w y]`, then (with a correction) the means of the correction
    /// moments.
    fn leaf_value(&self, s: &[f64], out: &mut [f64]) {
        let n = s[0].max(1.0);
        out[0] = s[2] / n;
        out[1] = s[1] / n;
        out[2] = s[3] / n;
        for (o, v) in out[3..].iter_mut().zip(&s[4..]) {
            *o = v / n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::{build_tree, tree_rng, BinnedMatrix, TreeParams};
    use ndarray::Array2;

    fn stats(c: &EffectCriterion<'_>, rows: &[u32]) -> Vec<f64> {
        let mut s = vec![0.0; 4];
        for &r in rows {
            c.accumulate(r, &mut s);
        }
        s
    }

    #[test]
    fn pseudo_outcome_sums_match_direct_computation() {
        let y = [1.0, 0.0, 3.0, 2.0, 0.5, 4.0, 1.5, 0.0];
        let w = [1u8, 0, 1, 0, 1, 1, 0, 0];
        let c = EffectCriterion {
            y: &y,
            w: &w,
            min_per_arm: 1.0,
            linear: None,
        };
        let all: Vec<u32> = (0..8).collect();
        let (left, right): (Vec<u32>, Vec<u32>) = all.iter().partition(|&&i| i < 4);
        let (p, l, r) = (stats(&c, &all), stats(&c, &left), stats(&c, &right));
        // direct rho
        let a = 4.0 / 8.0;
        let b = y.iter().sum::<f64>() / 8.0;
        let tau = (1.0 + 3.0 + 0.5 + 4.0) / 4.0 - (0.0 + 2.0 + 1.5 + 0.0) / 4.0;
        let rho: Vec<f64> = (0..8)
            .map(|i| {
                let d = w[i] as f64 - a;
                d * (y[i] - b - d * tau) / (a * (1.0 - a))
            })
            .collect();
        assert!(rho.iter().sum::<f64>().abs() < 1e-12);
        let sl: f64 = rho[..4].iter().sum();
        let sr: f64 = rho[4..].iter().sum();
        let want = sl * sl / 4.0 + sr * sr / 4.0;
        assert!((c.split_score(&p, &l, &r) - want).abs() < 1e-12);
        assert!((EffectCriterion::tau(&p) - tau).abs() < 1e-12);
        assert!(c.admissible(&l));
        let strict = EffectCriterion {
            y: &y,
            w: &w,
            min_per_arm: 3.0,
            linear: None,
        };
        assert!(!strict.admissible(&l));
    }

    #[test]
    fn honest_leaf_with_one_arm_keeps_its_own_moments() {
        // One feature, values 0..20 twice: rows 0..20 choose the split, rows 20..40
        // estimate. Split rows: the effect is 1 below x = 10 and 0 above, so the stump
        // splits at 10. Estimation rows below 10 are all control.
        let x = Array2::from_shape_fn((40, 1), |(i, _)| (i % 20) as f64);
        let w: Vec<u8> = (0..40)
            .map(|i| {
                if i >= 20 && i % 20 < 10 {
                    0
                } else {
                    (i % 2) as u8
                }
            })
            .collect();
        let y: Vec<f64> = (0..40)
            .map(|i| {
                let low = i % 20 < 10;
                f64::from(w[i]) * if low { 1.0 } else { 0.0 } + 0.1 * (i % 3) as f64
            })
            .collect();
        let c = EffectCriterion {
            y: &y,
            w: &w,
            min_per_arm: 2.0,
            linear: None,
        };
        let binned = BinnedMatrix::fit(x.view(), 255, 0);
        let params = TreeParams {
            max_depth: Some(1),
            min_samples_leaf: 4,
            max_features: 1,
            min_impurity_decrease: 0.0,
        };
        let split: Vec<u32> = (0..20).collect();
        let estimate: Vec<u32> = (20..40).collect();
        let mut rng = tree_rng(0, 0);
        let tree = build_tree(&binned, &c, &split, Some(&estimate), &params, &mut rng).unwrap();
        assert_eq!(tree.n_leaves(), 2);
        let leaf = tree.leaf_of(&[3.0]);
        let rows: Vec<usize> = (20..40)
            .filter(|&i| tree.leaf_of(&[x[[i, 0]]]) == leaf)
            .collect();
        assert!(
            rows.len() >= 5 && rows.iter().all(|&i| w[i] == 0),
            "{rows:?}"
        );
        let low = tree.leaf_value(leaf);
        let mean_y = rows.iter().map(|&i| y[i]).sum::<f64>() / rows.len() as f64;
        // its own estimation rows (treated share 0), not the root's (share 5 / 20)
        assert_eq!(low[1], 0.0);
        assert!((low[0] - mean_y).abs() < 1e-12, "{low:?} vs {mean_y}");
        assert_eq!(low[2], 0.0);
    }
}
