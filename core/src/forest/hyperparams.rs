//! Forest hyper-parameters: one checked builder shared by every forest.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest accepted `n_trees`.
pub const MAX_TREES: usize = 100_000;
/// Largest accepted `n_jobs`.
pub const MAX_JOBS: usize = 1024;

/// Checks an `n_jobs` (every model's): `None` or `1..=MAX_JOBS`.
pub(crate) fn check_n_jobs(n_jobs: Option<usize>) -> Result<()> {
    match n_jobs {
        Some(n) if n == 0 || n > MAX_JOBS => Err(Error::invalid_param(
            "n_jobs",
            n,
            format!("must be between 1 and {MAX_JOBS}, or None"),
        )),
        _ => Ok(()),
    }
}

/// Checks a count parameter (trees, initialisations): `min..=max`. Caps keep a typo such as
/// `10**9` a typed error instead of an allocation that aborts the process.
pub(crate) fn check_count(name: &str, n: usize, min: usize, max: usize) -> Result<()> {
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid_param(
            name,
            n,
            format!("must be between {min} and {max}"),
        ))
    }
}

/// How many features are candidates at each split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    /// `floor(sqrt(n_features))`, at least 1 (the classic random forest choice).
    Sqrt,
    /// Every feature at every split (bagged trees).
    All,
    /// `ceil(fraction * n_features)`, `0 < fraction <= 1`.
    Fraction(f64),
    /// A fixed count, capped at the number of features.
    Count(usize),
}

impl MaxFeatures {
    /// The number of candidate features for data with `n_features` columns (always in
    /// `1..=n_features` when `n_features >= 1`).
    pub fn resolve(self, n_features: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (n_features as f64).sqrt().floor() as usize,
            MaxFeatures::All => n_features,
            MaxFeatures::Fraction(f) => (f * n_features as f64).ceil() as usize,
            MaxFeatures::Count(c) => c,
        };
        k.clamp(1, n_features.max(1))
    }
}

/// How each tree's training rows are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// `n` draws with replacement (Breiman's bagging).
    Bootstrap,
    /// `round(fraction * n)` rows without replacement, `0 < fraction <= 1`.
    Subsample(f64),
}

/// The minimum number of training samples in a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinSamplesLeaf {
    /// Grows with the per-tree sample size `m`: `max(5, round(sqrt(m)))`. Leaves of about
    /// `sqrt(m)` samples average out label noise, which is what noisy probability targets
    /// (purchase, response) need; fully grown trees overfit them. See the
    /// [module docs](crate::forest#default-parameters).
    Auto,
    /// A fixed count (at least 1).
    Count(usize),
    /// `ceil(fraction * m)` of the per-tree sample size `m`, `0 < fraction < 1`, at least 1.
    Fraction(f64),
}

impl MinSamplesLeaf {
    /// The leaf size for a tree trained on `m` samples.
    pub fn resolve(self, m: usize) -> usize {
        let v = match self {
            MinSamplesLeaf::Auto => (m as f64).sqrt().round() as usize,
            MinSamplesLeaf::Count(c) => c,
            MinSamplesLeaf::Fraction(f) => (f * m as f64).ceil() as usize,
        };
        match self {
            MinSamplesLeaf::Auto => v.max(5),
            _ => v.max(1),
        }
    }
}

impl From<usize> for MinSamplesLeaf {
    fn from(c: usize) -> Self {
        MinSamplesLeaf::Count(c)
    }
}

/// The impurity a classification forest minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Impurity {
    /// Gini impurity `1 - sum p_k^2`.
    #[default]
    Gini,
    /// Shannon entropy `-sum p_k ln p_k`.
    Entropy,
}

/// Parameters of a random forest (classifier or regressor).
///
/// Build with [`ForestParams::default`] and the consuming setters; [`ForestParams::check`] is
/// the one validation point and every `fit` calls it first. Every field has a serde default,
/// so a partial JSON object (a JS options object, Python kwargs) deserialises onto the
/// defaults.
///
/// ```
/// use optocom_core::forest::{ForestParams, MaxFeatures, Sampling};
/// let p = ForestParams::default()
///     .n_trees(200)
///     .max_depth(Some(12))
///     .min_samples_leaf(20)
///     .max_features(MaxFeatures::Fraction(0.5))
///     .sampling(Sampling::Bootstrap)
///     .seed(7)
///     .n_jobs(Some(2))
///     .oob(true);
/// assert!(p.check().is_ok());
/// assert_eq!(ForestParams::default().n_trees(0).check().unwrap_err().code(), "invalid_parameter");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForestParams {
    /// Number of trees, `1..=MAX_TREES` (default 100).
    pub n_trees: usize,
    /// Maximum depth, `None` for unlimited (default `None`: leaf size limits growth).
    pub max_depth: Option<usize>,
    /// Minimum samples per leaf (default [`MinSamplesLeaf::Auto`]).
    pub min_samples_leaf: MinSamplesLeaf,
    /// Candidate features per split (default [`MaxFeatures::Sqrt`]).
    pub max_features: MaxFeatures,
    /// Row sampling per tree (default `Subsample(0.5)`).
    pub sampling: Sampling,
    /// Maximum number of histogram bins per feature, 2..=255 (default 255).
    pub max_bins: usize,
    /// A split is made only if it decreases the weighted impurity by at least this much
    /// (sklearn semantics: `N_t / N * (impurity - N_l/N_t * left - N_r/N_t * right)`;
    /// default 0).
    pub min_impurity_decrease: f64,
    /// Classification impurity (default Gini; ignored by regressors, which use MSE).
    pub impurity: Impurity,
    /// The one seed every random choice derives from (default 42).
    pub seed: u64,
    /// Threads: `None` uses the global rayon pool, `Some(n)` a pool of `n` threads for this
    /// call. Results are bit-identical for any value.
    pub n_jobs: Option<usize>,
    /// Compute out-of-bag predictions and score while fitting (default false).
    pub oob: bool,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: 100,
            max_depth: None,
            min_samples_leaf: MinSamplesLeaf::Auto,
            max_features: MaxFeatures::Sqrt,
            sampling: Sampling::Subsample(0.5),
            max_bins: 255,
            min_impurity_decrease: 0.0,
            impurity: Impurity::Gini,
            seed: 42,
            n_jobs: None,
            oob: false,
        }
    }
}

impl ForestParams {
    /// Same as [`ForestParams::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of trees.
    pub fn n_trees(mut self, n: usize) -> Self {
        self.n_trees = n;
        self
    }

    /// Sets the maximum depth (`None`: unlimited).
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.max_depth = d;
        self
    }

    /// Sets the minimum leaf size: a count (`5`) or a [`MinSamplesLeaf`].
    pub fn min_samples_leaf(mut self, m: impl Into<MinSamplesLeaf>) -> Self {
        self.min_samples_leaf = m.into();
        self
    }

    /// Sets the candidate features per split.
    pub fn max_features(mut self, m: MaxFeatures) -> Self {
        self.max_features = m;
        self
    }

    /// Sets the row sampling.
    pub fn sampling(mut self, s: Sampling) -> Self {
        self.sampling = s;
        self
    }

    /// Sets the maximum number of bins per feature.
    pub fn max_bins(mut self, b: usize) -> Self {
        self.max_bins = b;
        self
    }

    /// Sets the minimum impurity decrease of a split.
    pub fn min_impurity_decrease(mut self, v: f64) -> Self {
        self.min_impurity_decrease = v;
        self
    }

    /// Sets the classification impurity.
    pub fn impurity(mut self, i: Impurity) -> Self {
        self.impurity = i;
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

    /// Enables out-of-bag predictions and score.
    pub fn oob(mut self, on: bool) -> Self {
        self.oob = on;
        self
    }

    /// Validates every parameter, returning [`Error::InvalidParameter`] for the first bad one.
    pub fn check(&self) -> Result<()> {
        check_count("n_trees", self.n_trees, 1, MAX_TREES)?;
        if self.max_depth == Some(0) {
            return Err(Error::invalid_param(
                "max_depth",
                0,
                "must be at least 1 or None",
            ));
        }
        match self.min_samples_leaf {
            MinSamplesLeaf::Auto => {}
            MinSamplesLeaf::Count(0) => {
                return Err(Error::invalid_param(
                    "min_samples_leaf",
                    0,
                    "must be at least 1",
                ))
            }
            MinSamplesLeaf::Count(_) => {}
            MinSamplesLeaf::Fraction(f) => {
                if !(f > 0.0 && f < 1.0) {
                    return Err(Error::invalid_param(
                        "min_samples_leaf",
                        f,
                        "a fraction must be in (0, 1)",
                    ));
                }
            }
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
        if let Sampling::Subsample(f) = self.sampling {
            if !(f > 0.0 && f <= 1.0) {
                return Err(Error::invalid_param(
                    "sampling",
                    f,
                    "the subsample fraction must be in (0, 1]",
                ));
            }
            if self.oob && f >= 1.0 {
                return Err(Error::invalid_param(
                    "oob",
                    true,
                    "out-of-bag estimates need sampling with rows left out (bootstrap or a subsample fraction below 1)",
                ));
            }
        }
        if !(2..=255).contains(&self.max_bins) {
            return Err(Error::invalid_param(
                "max_bins",
                self.max_bins,
                "must be between 2 and 255",
            ));
        }
        if !(self.min_impurity_decrease.is_finite() && self.min_impurity_decrease >= 0.0) {
            return Err(Error::invalid_param(
                "min_impurity_decrease",
                self.min_impurity_decrease,
                "must be finite and non-negative",
            ));
        }
        check_n_jobs(self.n_jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_serde_partial() {
        assert!(ForestParams::default().check().is_ok());
        let p: ForestParams = serde_json::from_str(r#"{"n_trees": 7}"#).unwrap();
        assert_eq!(p, ForestParams::default().n_trees(7));
        let p = ForestParams::default()
            .sampling(Sampling::Bootstrap)
            .min_samples_leaf(MinSamplesLeaf::Fraction(0.01));
        let back: ForestParams = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn one_error_per_bad_parameter() {
        let bad = [
            ("n_trees", ForestParams::default().n_trees(0)),
            ("max_depth", ForestParams::default().max_depth(Some(0))),
            (
                "min_samples_leaf",
                ForestParams::default().min_samples_leaf(0),
            ),
            (
                "min_samples_leaf",
                ForestParams::default().min_samples_leaf(MinSamplesLeaf::Fraction(1.5)),
            ),
            (
                "max_features",
                ForestParams::default().max_features(MaxFeatures::Count(0)),
            ),
            (
                "max_features",
                ForestParams::default().max_features(MaxFeatures::Fraction(f64::NAN)),
            ),
            (
                "sampling",
                ForestParams::default().sampling(Sampling::Subsample(0.0)),
            ),
            (
                "oob",
                ForestParams::default()
                    .sampling(Sampling::Subsample(1.0))
                    .oob(true),
            ),
            ("max_bins", ForestParams::default().max_bins(1)),
            ("max_bins", ForestParams::default().max_bins(256)),
            (
                "min_impurity_decrease",
                ForestParams::default().min_impurity_decrease(-1.0),
            ),
            ("n_jobs", ForestParams::default().n_jobs(Some(0))),
            ("n_jobs", ForestParams::default().n_jobs(Some(1 << 20))),
            ("n_trees", ForestParams::default().n_trees(MAX_TREES + 1)),
        ];
        for (name, p) in bad {
            match p.check() {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: expected InvalidParameter, got {other:?}"),
            }
        }
    }

    #[test]
    fn resolution() {
        assert_eq!(MaxFeatures::Sqrt.resolve(8), 2);
        assert_eq!(MaxFeatures::Sqrt.resolve(1), 1);
        assert_eq!(MaxFeatures::Fraction(0.3).resolve(8), 3);
        assert_eq!(MaxFeatures::Count(20).resolve(8), 8);
        assert_eq!(MinSamplesLeaf::Auto.resolve(4000), 63);
        assert_eq!(MinSamplesLeaf::Auto.resolve(400_000), 632);
        assert_eq!(MinSamplesLeaf::Auto.resolve(10), 5);
        assert_eq!(MinSamplesLeaf::Count(0).resolve(10), 1);
        assert_eq!(MinSamplesLeaf::Fraction(0.01).resolve(1000), 10);
    }
}
