//! [`UpliftParams`]: the checked builder of the uplift forest.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forest::hyperparams::{check_count, check_n_jobs, MAX_TREES};
use crate::forest::MaxFeatures;

/// Which features the local-linear correction of the effect uses
/// ([`UpliftParams::linear_correction`]; grf's `linear.correction.variables`).
///
/// In JSON: `"auto"`, `"off"` or a list of column indices, e.g. `[0, 2]`.
///
/// ```
/// use optocom_core::campaign::LinearCorrection;
/// let c: LinearCorrection = serde_json::from_str("[0, 2]").unwrap();
/// assert_eq!(c, LinearCorrection::Columns(vec![0, 2]));
/// assert_eq!(serde_json::to_string(&LinearCorrection::Auto).unwrap(), r#""auto""#);
/// assert!(serde_json::from_str::<LinearCorrection>(r#""linear""#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CorrectionRepr", into = "CorrectionRepr")]
pub enum LinearCorrection {
    /// The continuous columns: features of kind [`Numeric`](crate::features::FeatureKind::Numeric)
    /// that take more than two distinct values in the training data (one-hot and 0/1 columns
    /// are left out), when there are at most [`MAX_LINEAR_COLUMNS`] of them; none otherwise
    /// ([`UpliftForest::linear_columns`](super::UpliftForest::linear_columns) tells which
    /// were used).
    Auto,
    /// No correction: the forest's local-constant estimate.
    Off,
    /// These columns (indices into the features, at most [`MAX_LINEAR_COLUMNS`], no repeats).
    Columns(Vec<usize>),
}

/// Most columns the local-linear correction takes: each leaf stores `3 + 4q + q(q + 1)`
/// moments for `q` columns (27 for 3, 171 for 12).
pub const MAX_LINEAR_COLUMNS: usize = 8;

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum CorrectionRepr {
    Name(String),
    Columns(Vec<usize>),
}

impl TryFrom<CorrectionRepr> for LinearCorrection {
    type Error = String;
    fn try_from(r: CorrectionRepr) -> std::result::Result<Self, String> {
        match r {
            CorrectionRepr::Name(n) if n == "auto" => Ok(LinearCorrection::Auto),
            CorrectionRepr::Name(n) if n == "off" => Ok(LinearCorrection::Off),
            CorrectionRepr::Name(n) => Err(format!(
                "linear_correction must be \"auto\", \"off\" or a list of column indices, got {n:?}"
            )),
            CorrectionRepr::Columns(c) => Ok(LinearCorrection::Columns(c)),
        }
    }
}

impl From<LinearCorrection> for CorrectionRepr {
    fn from(c: LinearCorrection) -> Self {
        match c {
            LinearCorrection::Auto => CorrectionRepr::Name("auto".into()),
            LinearCorrection::Off => CorrectionRepr::Name("off".into()),
            LinearCorrection::Columns(c) => CorrectionRepr::Columns(c),
        }
    }
}

/// Parameters of an [`UpliftForest`](super::UpliftForest).
///
/// Build with [`UpliftParams::default`] and the consuming setters; [`UpliftParams::check`] is
/// the one validation point and [`UpliftForest::fit`](super::UpliftForest::fit) calls it
/// first. Every field has a serde default, so a partial JSON object deserialises onto the
/// defaults.
///
/// Sampling follows grf (Athey, Tibshirani & Wager 2019): trees are grown in *little bags*
/// of `ci_group_size` trees; each bag draws a half-sample of the rows (without replacement),
/// each tree of the bag draws `sample_fraction` of that half-sample (without replacement)
/// and, with `honesty`, splits its rows in two halves: one chooses the splits, the other
/// estimates the leaf effects.
///
/// ```
/// use optocom_core::campaign::UpliftParams;
/// let p = UpliftParams::default().n_trees(400).min_samples_leaf(10).seed(3).n_jobs(Some(2));
/// assert!(p.check().is_ok());
/// let bad = UpliftParams::default().n_trees(401); // not a multiple of ci_group_size 2
/// assert_eq!(bad.check().unwrap_err().code(), "invalid_parameter");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpliftParams {
    /// Number of trees, a multiple of `ci_group_size` with at least two groups (default 300).
    pub n_trees: usize,
    /// Minimum number of treated **and** of control split samples in every leaf (default 5,
    /// as grf's `min.node.size`; measured on the campaign generator in the
    /// [module docs](super)).
    pub min_samples_leaf: usize,
    /// Maximum depth, `None` for unlimited (default `None`).
    pub max_depth: Option<usize>,
    /// Candidate features per split (default [`MaxFeatures::All`], as grf's
    /// `min(sqrt(p) + 20, p)` is all features for campaign tables).
    pub max_features: MaxFeatures,
    /// Fraction of a little bag's half-sample drawn (without replacement) by each of its
    /// trees, in `(0, 1]` (default 1.0: every tree of a bag grows on the bag's whole
    /// half-sample, half of the rows, as grf's default `sample.fraction = 0.5` of the rows).
    pub sample_fraction: f64,
    /// Honest trees: split on one half of a tree's rows, estimate leaf effects on the other
    /// (default true). Without honesty both use all the tree's rows and the intervals are
    /// not valid (leaf estimates are biased by the split search).
    pub honesty: bool,
    /// Trees per little bag, at least 2 (default 2, as grf).
    pub ci_group_size: usize,
    /// Trees of the regression forest that centres the outcomes before the causal trees are
    /// grown (grf's `Y.hat`, "local centering"): each training outcome is replaced by its
    /// residual `y - m(x)` from the out-of-bag prediction of a regression forest of `y` on
    /// `x`, which removes the variation the features explain and so makes splits and leaf
    /// effects less noisy. `0` centres on the training mean only. Default 50 (grf grows
    /// `max(50, num.trees / 4)`).
    pub center_trees: usize,
    /// Local-linear correction of the effect (default [`LinearCorrection::Auto`]): at a
    /// point `x` the forest-weighted regression of the outcome on the treatment also fits
    /// slopes in these columns (centred at `x`, standardised) and their interactions with
    /// the treatment, so the effect is read off a local plane instead of a local mean, which
    /// removes the forest's smoothing bias along smooth directions (Friedberg, Tibshirani,
    /// Athey & Wager 2020, "Local linear forests", *JCGS* 30). Leaves then store the
    /// moments of those columns (see [`MAX_LINEAR_COLUMNS`]).
    pub linear_correction: LinearCorrection,
    /// Ridge penalty on the local slopes, added to the diagonal of the forest-weighted
    /// normal equations of standardised columns (default 0.1, as grf's `ll.lambda`); a
    /// larger value moves the estimate towards the uncorrected one, which it equals in the
    /// limit. Finite and `> 0`.
    pub linear_penalty: f64,
    /// The one seed every random choice derives from (default 42).
    pub seed: u64,
    /// Threads: `None` uses the global rayon pool, `Some(n)` a pool of `n` threads. Results
    /// are bit-identical for any value.
    pub n_jobs: Option<usize>,
}

impl Default for UpliftParams {
    fn default() -> Self {
        UpliftParams {
            n_trees: 300,
            min_samples_leaf: 5,
            max_depth: None,
            max_features: MaxFeatures::All,
            sample_fraction: 1.0,
            honesty: true,
            ci_group_size: 2,
            center_trees: 50,
            linear_correction: LinearCorrection::Auto,
            linear_penalty: 0.1,
            seed: 42,
            n_jobs: None,
        }
    }
}

impl UpliftParams {
    /// Same as [`UpliftParams::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of trees.
    pub fn n_trees(mut self, n: usize) -> Self {
        self.n_trees = n;
        self
    }

    /// Sets the minimum number of treated and of control samples per leaf.
    pub fn min_samples_leaf(mut self, m: usize) -> Self {
        self.min_samples_leaf = m;
        self
    }

    /// Sets the maximum depth (`None`: unlimited).
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.max_depth = d;
        self
    }

    /// Sets the candidate features per split.
    pub fn max_features(mut self, m: MaxFeatures) -> Self {
        self.max_features = m;
        self
    }

    /// Sets the fraction of the half-sample each tree draws.
    pub fn sample_fraction(mut self, f: f64) -> Self {
        self.sample_fraction = f;
        self
    }

    /// Enables or disables honest estimation.
    pub fn honesty(mut self, on: bool) -> Self {
        self.honesty = on;
        self
    }

    /// Sets the number of trees per little bag.
    pub fn ci_group_size(mut self, k: usize) -> Self {
        self.ci_group_size = k;
        self
    }

    /// Sets the number of trees of the centring regression forest (`0`: centre on the mean).
    pub fn center_trees(mut self, n: usize) -> Self {
        self.center_trees = n;
        self
    }

    /// Sets the columns of the local-linear correction.
    pub fn linear_correction(mut self, c: LinearCorrection) -> Self {
        self.linear_correction = c;
        self
    }

    /// Sets the ridge penalty of the local-linear correction.
    pub fn linear_penalty(mut self, l: f64) -> Self {
        self.linear_penalty = l;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Sets the thread count (`None`: global pool).
    pub fn n_jobs(mut self, n: Option<usize>) -> Self {
        self.n_jobs = n;
        self
    }

    /// Number of little bags (`n_trees / ci_group_size`).
    pub fn n_groups(&self) -> usize {
        self.n_trees / self.ci_group_size.max(1)
    }

    /// Validates every parameter, returning [`Error::InvalidParameter`] for the first bad one.
    pub fn check(&self) -> Result<()> {
        if self.ci_group_size < 2 {
            return Err(Error::invalid_param(
                "ci_group_size",
                self.ci_group_size,
                "must be at least 2 (the variance estimate needs trees that share a half-sample)",
            ));
        }
        check_count("n_trees", self.n_trees, 1, MAX_TREES)?;
        check_count("center_trees", self.center_trees, 0, MAX_TREES)?;
        if self.n_trees < 2 * self.ci_group_size || self.n_trees % self.ci_group_size != 0 {
            return Err(Error::invalid_param(
                "n_trees",
                self.n_trees,
                format!(
                    "must be a multiple of ci_group_size ({}) with at least two groups",
                    self.ci_group_size
                ),
            ));
        }
        if self.min_samples_leaf == 0 {
            return Err(Error::invalid_param(
                "min_samples_leaf",
                0,
                "must be at least 1",
            ));
        }
        if self.max_depth == Some(0) {
            return Err(Error::invalid_param(
                "max_depth",
                0,
                "must be at least 1 or None",
            ));
        }
        match self.max_features {
            MaxFeatures::Count(0) => {
                return Err(Error::invalid_param(
                    "max_features",
                    0,
                    "must be at least 1",
                ))
            }
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => {
                return Err(Error::invalid_param(
                    "max_features",
                    f,
                    "a fraction must be in (0, 1]",
                ))
            }
            _ => {}
        }
        if !(self.sample_fraction > 0.0 && self.sample_fraction <= 1.0) {
            return Err(Error::invalid_param(
                "sample_fraction",
                self.sample_fraction,
                "must be in (0, 1]",
            ));
        }
        if self.center_trees == 1 {
            return Err(Error::invalid_param(
                "center_trees",
                1,
                "must be 0 (centre on the mean) or at least 2 (out-of-bag predictions need several trees)",
            ));
        }
        check_n_jobs(self.n_jobs)?;
        if !(self.linear_penalty.is_finite() && self.linear_penalty > 0.0) {
            return Err(Error::invalid_param(
                "linear_penalty",
                self.linear_penalty,
                "must be finite and > 0",
            ));
        }
        if let LinearCorrection::Columns(c) = &self.linear_correction {
            if c.len() > MAX_LINEAR_COLUMNS {
                return Err(Error::invalid_param(
                    "linear_correction",
                    format!("{c:?}"),
                    format!("at most {MAX_LINEAR_COLUMNS} columns"),
                ));
            }
            if let Some(d) = c.iter().enumerate().find(|(i, v)| c[..*i].contains(v)) {
                return Err(Error::invalid_param(
                    "linear_correction",
                    format!("{c:?}"),
                    format!("column {} is listed twice", d.1),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_parameter_is_named() {
        let cases = [
            (UpliftParams::default().ci_group_size(1), "ci_group_size"),
            (UpliftParams::default().n_trees(2), "n_trees"),
            (UpliftParams::default().n_trees(301), "n_trees"),
            (
                UpliftParams::default().min_samples_leaf(0),
                "min_samples_leaf",
            ),
            (UpliftParams::default().max_depth(Some(0)), "max_depth"),
            (
                UpliftParams::default().max_features(MaxFeatures::Fraction(1.5)),
                "max_features",
            ),
            (
                UpliftParams::default().sample_fraction(0.0),
                "sample_fraction",
            ),
            (
                UpliftParams::default().sample_fraction(f64::NAN),
                "sample_fraction",
            ),
            (UpliftParams::default().n_jobs(Some(0)), "n_jobs"),
            (UpliftParams::default().center_trees(1), "center_trees"),
            (
                UpliftParams::default().linear_penalty(0.0),
                "linear_penalty",
            ),
            (
                UpliftParams::default().linear_penalty(f64::INFINITY),
                "linear_penalty",
            ),
            (
                UpliftParams::default().linear_correction(LinearCorrection::Columns(vec![1, 1])),
                "linear_correction",
            ),
            (
                UpliftParams::default()
                    .linear_correction(LinearCorrection::Columns((0..9).collect())),
                "linear_correction",
            ),
        ];
        for (p, name) in cases {
            match p.check() {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(UpliftParams::default().check().is_ok());
        let json = serde_json::to_string(&UpliftParams::default().n_trees(40)).unwrap();
        let back: UpliftParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back.n_trees, 40);
        let partial: UpliftParams = serde_json::from_str(r#"{"seed": 5}"#).unwrap();
        assert_eq!(partial, UpliftParams::default().seed(5));
        let cols: UpliftParams =
            serde_json::from_str(r#"{"linear_correction": [2, 0], "linear_penalty": 1.5}"#)
                .unwrap();
        assert_eq!(
            cols.linear_correction,
            LinearCorrection::Columns(vec![2, 0])
        );
        assert_eq!(cols.linear_penalty, 1.5);
        let off: UpliftParams = serde_json::from_str(r#"{"linear_correction": "off"}"#).unwrap();
        assert_eq!(off.linear_correction, LinearCorrection::Off);
        let bad = serde_json::from_str::<UpliftParams>(r#"{"linear_correction": "on"}"#);
        assert!(bad.unwrap_err().to_string().contains("\"auto\", \"off\""));
    }
}
