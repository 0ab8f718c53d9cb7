//! Split criteria: the pluggable part of the tree engine.
//!
//! A criterion sees each training sample only through its *sufficient statistics*: a
//! fixed-width vector of `f64` ([`SplitCriterion::width`]) that adds up over samples. The
//! tree builder keeps one such vector per histogram bin (a histogram is an
//! `[n_bins * width]` slice), per node and per candidate child, and asks the criterion to
//! score candidate splits, to veto inadmissible children and to turn the statistics of a
//! leaf into its output vector ([`SplitCriterion::n_outputs`] values).
//!
//! | criterion | statistics per sample | leaf value |
//! |---|---|---|
//! | [`ClassificationCriterion`] (Gini or entropy, `k` classes) | one-hot class indicator (`k`) | class probabilities (`k`) |
//! | [`MseCriterion`] (regression) | `[1, y, y^2]` (centred `y`) | mean of `y` (1) |
//!
//! # Plugging in an uplift (treatment-effect) criterion
//!
//! An uplift forest keeps, per sample with treatment flag `t` and outcome `y`, the four
//! statistics `[t, t*y, 1-t, (1-t)*y]`: treated count, treated outcome sum, control count,
//! control outcome sum. Then
//!
//! * `n_samples(s) = s[0] + s[2]`;
//! * `admissible(s)` requires `s[0] >= min_treated && s[2] >= min_control`, so every leaf can
//!   estimate both arms; `estimable(s)` decides which honest leaves keep the value of their
//!   own estimation rows (optocom's uplift forest accepts any non-empty leaf, as grf does:
//!   its leaves store moments that are pooled over trees, so one arm alone still counts);
//! * `split_score` is the heterogeneity gain, e.g. `n_l * n_r / n_p * (tau_l - tau_r)^2`
//!   with `tau = s[1]/s[0] - s[3]/s[2]` (larger is better; it is summed into feature
//!   importances, so keep it on a "weighted decrease" scale);
//! * `leaf_value(s)` writes `tau` (and, if useful, the arm means and counts: `n_outputs` is
//!   free).
//!
//! The uplift forest then calls [`build_tree`](crate::forest::build_tree) with
//! `estimate_samples: Some(..)` for honest trees (structure from one half of the sample, leaf
//! effects from the other) and reads per-tree leaf estimates with
//! [`Tree::leaf_of`](crate::forest::Tree::leaf_of) and
//! [`Tree::leaf_value`](crate::forest::Tree::leaf_value) for variance estimates. A complete
//! runnable example is in the [module docs](crate::forest#custom-criteria-and-honest-trees).

use super::hyperparams::Impurity;

/// A split criterion over per-sample sufficient statistics of fixed width.
///
/// Implementations must be cheap: [`accumulate`](Self::accumulate) runs once per sample per
/// candidate feature per tree level, [`split_score`](Self::split_score) once per bin per
/// candidate feature per node. Statistics must be additive (the builder derives a sibling's
/// histogram as parent minus child), so use counts and sums, not means.
pub trait SplitCriterion: Sync {
    /// Width `w` of the statistics vector of one sample (and of every node, child and bin).
    fn width(&self) -> usize;

    /// Length of the leaf value vector written by [`leaf_value`](Self::leaf_value).
    fn n_outputs(&self) -> usize;

    /// Adds training sample `sample` (a row index of the binned matrix) to `stats`
    /// (`stats.len() == width()`).
    fn accumulate(&self, sample: u32, stats: &mut [f64]);

    /// Number of samples (with bootstrap multiplicity) summarised by `stats`; used for
    /// `min_samples_leaf`.
    fn n_samples(&self, stats: &[f64]) -> f64;

    /// Score of splitting `parent` into `left` and `right` (`left + right == parent`); larger
    /// is better. For impurity criteria this is the *weighted impurity decrease*
    /// `n_p * I(p) - n_l * I(l) - n_r * I(r)`, which the forests also sum into feature
    /// importances and compare with `min_impurity_decrease * n_root`.
    fn split_score(&self, parent: &[f64], left: &[f64], right: &[f64]) -> f64;

    /// Whether a child with these statistics may exist (beyond `min_samples_leaf`, which the
    /// builder checks itself) when the tree chooses its splits.
    fn admissible(&self, _child: &[f64]) -> bool {
        true
    }

    /// Whether the non-empty *estimation* statistics of an honest leaf may give it its value;
    /// a leaf whose estimation statistics are empty or not estimable takes its value from
    /// its nearest estimable ancestor (the root at worst). Default: the same rule as
    /// [`admissible`](Self::admissible).
    fn estimable(&self, stats: &[f64]) -> bool {
        self.admissible(stats)
    }

    /// The class of every sample when [`accumulate`](Self::accumulate) is exactly
    /// `stats[y[sample]] += 1.0` (class counts, every label below [`width`](Self::width)); the
    /// builder then counts histograms in integers, with the same result. `None` (the default)
    /// for any other statistics.
    fn class_labels(&self) -> Option<&[u32]> {
        None
    }

    /// Whether a node cannot be improved by any split (stops growth early). Default: never.
    fn is_pure(&self, _stats: &[f64]) -> bool {
        false
    }

    /// Width of the statistics a leaf's value is computed from (default
    /// [`width`](Self::width)). A criterion whose leaves need more than its split statistics
    /// (e.g. moments for a local-linear estimate) returns a larger width; the builder then
    /// routes each tree's estimation samples (its split samples, for a tree that is not
    /// honest) down the finished tree with [`accumulate_leaf`](Self::accumulate_leaf), and
    /// [`n_samples`](Self::n_samples), [`estimable`](Self::estimable) and
    /// [`leaf_value`](Self::leaf_value) receive those wider statistics.
    fn leaf_width(&self) -> usize {
        self.width()
    }

    /// Adds sample `sample` to leaf statistics (`stats.len() == leaf_width()`). Default:
    /// [`accumulate`](Self::accumulate).
    fn accumulate_leaf(&self, sample: u32, stats: &mut [f64]) {
        self.accumulate(sample, stats);
    }

    /// Writes the leaf value of a node with statistics `stats` into `out`
    /// (`out.len() == n_outputs()`). Called only with statistics of at least one sample, of
    /// width [`leaf_width`](Self::leaf_width).
    fn leaf_value(&self, stats: &[f64], out: &mut [f64]);
}

/// Gini or entropy classification over classes `0..k`: statistics are class counts, the
/// leaf value is the class probability vector.
#[derive(Debug, Clone)]
pub struct ClassificationCriterion<'a> {
    y: &'a [u32],
    n_classes: usize,
    impurity: Impurity,
}

impl<'a> ClassificationCriterion<'a> {
    /// A criterion over labels `y` (one per row of the binned matrix, each `< n_classes`).
    ///
    /// Returns `None` when a label is out of range (the builder would index out of bounds).
    pub fn new(y: &'a [u32], n_classes: usize, impurity: Impurity) -> Option<Self> {
        if n_classes == 0 || y.iter().any(|&c| c as usize >= n_classes) {
            return None;
        }
        Some(ClassificationCriterion {
            y,
            n_classes,
            impurity,
        })
    }

    #[inline]
    fn weighted_impurity(&self, s: &[f64]) -> f64 {
        // n * I(node)
        let n: f64 = s.iter().sum();
        if n <= 0.0 {
            return 0.0;
        }
        match self.impurity {
            Impurity::Gini => n - s.iter().map(|c| c * c).sum::<f64>() / n,
            Impurity::Entropy => {
                n * libm::log(n)
                    - s.iter()
                        .filter(|&&c| c > 0.0)
                        .map(|&c| c * libm::log(c))
                        .sum::<f64>()
            }
        }
    }
}

impl SplitCriterion for ClassificationCriterion<'_> {
    fn width(&self) -> usize {
        self.n_classes
    }

    fn class_labels(&self) -> Option<&[u32]> {
        Some(self.y)
    }

    fn n_outputs(&self) -> usize {
        self.n_classes
    }

    #[inline]
    fn accumulate(&self, sample: u32, stats: &mut [f64]) {
        if let Some(&c) = self.y.get(sample as usize) {
            if let Some(s) = stats.get_mut(c as usize) {
                *s += 1.0;
            }
        }
    }

    #[inline]
    fn n_samples(&self, stats: &[f64]) -> f64 {
        stats.iter().sum()
    }

    #[inline]
    fn split_score(&self, parent: &[f64], left: &[f64], right: &[f64]) -> f64 {
        if self.impurity == Impurity::Gini {
            // n_p I_p - n_l I_l - n_r I_r with n I = n - sum c^2 / n
            let sq = |s: &[f64]| -> f64 {
                let n: f64 = s.iter().sum();
                if n > 0.0 {
                    s.iter().map(|c| c * c).sum::<f64>() / n
                } else {
                    0.0
                }
            };
            return sq(left) + sq(right) - sq(parent);
        }
        self.weighted_impurity(parent)
            - self.weighted_impurity(left)
            - self.weighted_impurity(right)
    }

    fn is_pure(&self, stats: &[f64]) -> bool {
        stats.iter().filter(|&&c| c > 0.0).count() <= 1
    }

    fn leaf_value(&self, stats: &[f64], out: &mut [f64]) {
        let n: f64 = stats.iter().sum();
        for (o, &c) in out.iter_mut().zip(stats) {
            *o = if n > 0.0 { c / n } else { 0.0 };
        }
    }
}

/// Mean squared error regression: statistics `[1, y - c, (y - c)^2]` with `c` the mean of
/// the targets (centring keeps sums well conditioned), leaf value the mean of `y`.
#[derive(Debug, Clone)]
pub struct MseCriterion<'a> {
    y: &'a [f64],
    center: f64,
}

impl<'a> MseCriterion<'a> {
    /// A criterion over targets `y` (one per row of the binned matrix, finite).
    pub fn new(y: &'a [f64]) -> Self {
        let center = if y.is_empty() {
            0.0
        } else {
            y.iter().sum::<f64>() / y.len() as f64
        };
        MseCriterion {
            y,
            center: if center.is_finite() { center } else { 0.0 },
        }
    }
}

impl SplitCriterion for MseCriterion<'_> {
    fn width(&self) -> usize {
        3
    }

    fn n_outputs(&self) -> usize {
        1
    }

    #[inline]
    fn accumulate(&self, sample: u32, stats: &mut [f64]) {
        if let (Some(&y), [n, s, q, ..]) = (self.y.get(sample as usize), stats) {
            let d = y - self.center;
            *n += 1.0;
            *s += d;
            *q += d * d;
        }
    }

    #[inline]
    fn n_samples(&self, stats: &[f64]) -> f64 {
        stats.first().copied().unwrap_or(0.0)
    }

    #[inline]
    fn split_score(&self, parent: &[f64], left: &[f64], right: &[f64]) -> f64 {
        // SSE reduction: s_l^2/n_l + s_r^2/n_r - s_p^2/n_p
        let t = |s: &[f64]| -> f64 {
            match s {
                [n, sum, ..] if *n > 0.0 => sum * sum / n,
                _ => 0.0,
            }
        };
        t(left) + t(right) - t(parent)
    }

    fn is_pure(&self, stats: &[f64]) -> bool {
        match stats {
            [n, s, q, ..] if *n > 0.0 => {
                let mean_sq = q / n;
                let var = mean_sq - (s / n) * (s / n);
                var <= 1e-12 * mean_sq.max(f64::MIN_POSITIVE)
            }
            _ => true,
        }
    }

    fn leaf_value(&self, stats: &[f64], out: &mut [f64]) {
        if let ([n, s, ..], [o, ..]) = (stats, out) {
            *o = if *n > 0.0 {
                s / n + self.center
            } else {
                self.center
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_and_entropy_scores() {
        let y = [0u32, 0, 1, 1];
        for imp in [Impurity::Gini, Impurity::Entropy] {
            let c = ClassificationCriterion::new(&y, 2, imp).unwrap();
            let mut p = vec![0.0; 2];
            for i in 0..4 {
                c.accumulate(i, &mut p);
            }
            assert_eq!(p, vec![2.0, 2.0]);
            // perfect split removes all impurity
            let perfect = c.split_score(&p, &[2.0, 0.0], &[0.0, 2.0]);
            let useless = c.split_score(&p, &[1.0, 1.0], &[1.0, 1.0]);
            assert!(useless.abs() < 1e-12);
            let expected = match imp {
                Impurity::Gini => 4.0 * 0.5,
                Impurity::Entropy => 4.0 * 2f64.ln(),
            };
            assert!((perfect - expected).abs() < 1e-12, "{perfect}");
            let mut out = [0.0; 2];
            c.leaf_value(&[1.0, 3.0], &mut out);
            assert_eq!(out, [0.25, 0.75]);
            assert!(c.is_pure(&[0.0, 3.0]) && !c.is_pure(&p));
        }
        assert!(ClassificationCriterion::new(&[0, 2], 2, Impurity::Gini).is_none());
    }

    #[test]
    fn mse_score_is_sse_reduction() {
        let y = [1.0, 2.0, 10.0, 11.0];
        let c = MseCriterion::new(&y);
        let mut p = vec![0.0; 3];
        let mut l = vec![0.0; 3];
        let mut r = vec![0.0; 3];
        for i in 0..4u32 {
            c.accumulate(i, &mut p);
            c.accumulate(i, if i < 2 { &mut l } else { &mut r });
        }
        let sse = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
        };
        let want = sse(&y) - sse(&y[..2]) - sse(&y[2..]);
        assert!((c.split_score(&p, &l, &r) - want).abs() < 1e-9);
        let mut out = [0.0];
        c.leaf_value(&r, &mut out);
        assert!((out[0] - 10.5).abs() < 1e-12);
        assert!(!c.is_pure(&p));
        let k = MseCriterion::new(&[3.0, 3.0, 5.0]);
        let mut s = vec![0.0; 3];
        k.accumulate(0, &mut s);
        k.accumulate(1, &mut s);
        assert!(k.is_pure(&s));
    }
}
