//! Parameters of [`KMeans`](super::KMeans).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forest::hyperparams::{check_count, check_n_jobs};

/// Largest accepted `n_init` (k-means initialisations).
pub const MAX_INIT: usize = 10_000;

/// Parameters of k-means, as a checked builder.
///
/// Setters never fail; [`KMeansParams::check`] is the one validation point and
/// [`KMeans::fit`](super::KMeans::fit) calls it first.
///
/// ```
/// use optocom_core::cluster::KMeansParams;
/// let p = KMeansParams::new().n_clusters(3).seed(7);
/// assert!(p.check().is_ok());
/// assert_eq!(KMeansParams::new().n_clusters(0).check().unwrap_err().code(), "invalid_parameter");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KMeansParams {
    /// Number of clusters (>= 1, and at most the number of training rows). Default 8.
    pub n_clusters: usize,
    /// Number of k-means++ initialisations; the run with the lowest inertia wins (>= 1).
    /// Default 10.
    pub n_init: usize,
    /// Maximum number of iterations per run (>= 1). Default 300.
    pub max_iter: u64,
    /// Convergence tolerance (> 0, finite), **relative** as scikit-learn's `tol`: a run stops
    /// when the sum over clusters of the squared movement of the centroids in one iteration
    /// is at most `tolerance` times the mean over features of the variance of `x` (and
    /// earlier, when no row changes cluster). Default 1e-4.
    ///
    /// Until linfa-clustering was replaced by our own Lloyd iterations this was an absolute
    /// threshold on the Euclidean norm of the movement, in the units of `x`; the field, its
    /// default and its valid range are unchanged, only its meaning now matches scikit-learn.
    pub tolerance: f64,
    /// Random seed: the same data, parameters and seed give the same bits. Default 42.
    pub seed: u64,
    /// Threads: `None` uses a pool as large as the available cores, `Some(n)` a pool of `n`
    /// threads (never rayon's global pool). Results are bit-identical for any value.
    /// Default `None`.
    pub n_jobs: Option<usize>,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams {
            n_clusters: 8,
            n_init: 10,
            max_iter: 300,
            tolerance: 1e-4,
            seed: 42,
            n_jobs: None,
        }
    }
}

impl KMeansParams {
    /// Default parameters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the number of clusters.
    pub fn n_clusters(mut self, k: usize) -> Self {
        self.n_clusters = k;
        self
    }
    /// Sets the number of initialisations.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// Sets the maximum number of iterations per run.
    pub fn max_iter(mut self, n: u64) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the convergence tolerance.
    pub fn tolerance(mut self, t: f64) -> Self {
        self.tolerance = t;
        self
    }
    /// Sets the random seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Sets the number of threads (`None`: the available cores).
    pub fn n_jobs(mut self, n: Option<usize>) -> Self {
        self.n_jobs = n;
        self
    }

    /// Validates the parameters (data-independent checks; `fit` also checks `n_clusters`
    /// against the number of rows). Returns [`Error::InvalidParameter`] naming the field.
    pub fn check(&self) -> Result<()> {
        if self.n_clusters == 0 {
            return Err(Error::invalid_param("n_clusters", 0, "must be at least 1"));
        }
        check_count("n_init", self.n_init, 1, MAX_INIT)?;
        if self.max_iter == 0 {
            return Err(Error::invalid_param("max_iter", 0, "must be at least 1"));
        }
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return Err(Error::invalid_param(
                "tolerance",
                self.tolerance,
                "must be a positive finite number",
            ));
        }
        check_n_jobs(self.n_jobs)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented() {
        let p = KMeansParams::default();
        assert_eq!(
            (
                p.n_clusters,
                p.n_init,
                p.max_iter,
                p.tolerance,
                p.seed,
                p.n_jobs
            ),
            (8, 10, 300, 1e-4, 42, None)
        );
        assert!(p.check().is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (KMeansParams::new().n_clusters(0), "n_clusters"),
            (KMeansParams::new().n_init(0), "n_init"),
            (KMeansParams::new().max_iter(0), "max_iter"),
            (KMeansParams::new().tolerance(0.0), "tolerance"),
            (KMeansParams::new().tolerance(-1.0), "tolerance"),
            (KMeansParams::new().tolerance(f64::NAN), "tolerance"),
            (KMeansParams::new().tolerance(f64::INFINITY), "tolerance"),
            (KMeansParams::new().n_jobs(Some(0)), "n_jobs"),
        ];
        for (p, field) in cases {
            match p.check().unwrap_err() {
                Error::InvalidParameter { name, .. } => assert_eq!(name, field),
                e => panic!("unexpected error {e}"),
            }
        }
    }

    #[test]
    fn missing_fields_take_defaults() {
        let p: KMeansParams = serde_json::from_str(r#"{"n_clusters": 3}"#).unwrap();
        assert_eq!(p, KMeansParams::new().n_clusters(3));
    }
}
