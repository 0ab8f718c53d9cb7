//! Parameters of [`DoctorSegmentation`](super::DoctorSegmentation).

use serde::{Deserialize, Serialize};

use crate::cluster::MAX_INIT;
use crate::error::{Error, Result};
use crate::forest::hyperparams::check_count;

/// Largest accepted end of `k_range` (the silhouette search fits k-means once per `k`).
pub const MAX_SEARCHED_K: usize = 100;

/// Parameters of the doctor segmentation, as a checked builder.
///
/// ```
/// use optocom_core::campaign::SegmentationParams;
/// let p = SegmentationParams::new().k(4).seed(7);
/// assert!(p.check().is_ok());
/// assert_eq!(SegmentationParams::new().k(0).check().unwrap_err().code(), "invalid_parameter");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentationParams {
    /// Number of segments; `None` chooses it by the best silhouette over `k_range`.
    /// Default `None`.
    pub k: Option<usize>,
    /// Inclusive range of `k` tried when `k` is `None`, both >= 2. Default `(2, 8)`.
    pub k_range: (usize, usize),
    /// Maximum k-means iterations per run (>= 1). Default 300.
    pub max_iter: u64,
    /// Number of k-means runs with different seeds; the lowest inertia wins (>= 1).
    /// Default 10.
    pub n_init: usize,
    /// Convergence tolerance on centroid movement (> 0). Default 1e-4.
    pub tolerance: f64,
    /// Random seed: the same seed and data give the same segments. Default 42.
    pub seed: u64,
    /// Silhouette scores are computed on a seeded random subsample of at most this many
    /// doctors (all of them when there are fewer), because an exact silhouette costs
    /// `O(n^2)`. Must be >= 2. Default 2000.
    pub silhouette_sample: usize,
}

impl Default for SegmentationParams {
    fn default() -> Self {
        SegmentationParams {
            k: None,
            k_range: (2, 8),
            max_iter: 300,
            n_init: 10,
            tolerance: 1e-4,
            seed: 42,
            silhouette_sample: 2000,
        }
    }
}

impl SegmentationParams {
    /// Default parameters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Fixes the number of segments.
    pub fn k(mut self, k: usize) -> Self {
        self.k = Some(k);
        self
    }
    /// Lets the silhouette choose `k` in `min..=max`.
    pub fn k_range(mut self, min: usize, max: usize) -> Self {
        self.k = None;
        self.k_range = (min, max);
        self
    }
    /// Sets the maximum number of iterations.
    pub fn max_iter(mut self, n: u64) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the number of k-means runs.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
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
    /// Sets the silhouette subsample size.
    pub fn silhouette_sample(mut self, n: usize) -> Self {
        self.silhouette_sample = n;
        self
    }

    /// Validates the parameters (data-independent checks; `fit` also checks `k` against
    /// the number of doctors).
    pub fn check(&self) -> Result<()> {
        if let Some(k) = self.k {
            if k == 0 {
                return Err(Error::invalid_param("k", k, "must be at least 1"));
            }
        } else {
            let (lo, hi) = self.k_range;
            if lo < 2 {
                return Err(Error::invalid_param(
                    "k_range",
                    format!("{lo}..={hi}"),
                    "the silhouette needs at least 2 segments: start at 2 or more",
                ));
            }
            if hi > MAX_SEARCHED_K {
                return Err(Error::invalid_param(
                    "k_range",
                    format!("{lo}..={hi}"),
                    format!("end must be at most {MAX_SEARCHED_K} (each k tried is a k-means fit; give `k` for more segments)"),
                ));
            }
            if lo > hi {
                return Err(Error::invalid_param(
                    "k_range",
                    format!("{lo}..={hi}"),
                    "start is above end",
                ));
            }
        }
        if self.max_iter == 0 {
            return Err(Error::invalid_param("max_iter", 0, "must be at least 1"));
        }
        check_count("n_init", self.n_init, 1, MAX_INIT)?;
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return Err(Error::invalid_param(
                "tolerance",
                self.tolerance,
                "must be a positive finite number",
            ));
        }
        if self.silhouette_sample < 2 {
            return Err(Error::invalid_param(
                "silhouette_sample",
                self.silhouette_sample,
                "must be at least 2",
            ));
        }
        Ok(())
    }
}
