//! The fitted [`KMeans`] model: fitting (through [`lloyd`](super::lloyd)), the
//! nearest-centroid assignment rule, and persistence.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::hyperparams::KMeansParams;
use super::lloyd;
use crate::artifact::{packed, ModelInfo, Parts, Persist};
use crate::error::{check_training_x, Error, Location, Result};
use crate::features::FeatureSchema;
use crate::forest::ensemble::check_predict_x;
use crate::forest::parallel;

/// Below this many rows `predict` stays in the calling thread: a pool costs more than it saves
/// (building one takes about as long as 30,000 rows in one thread on the benchmark machine).
const PARALLEL_PREDICT_ROWS: usize = 32_768;

/// A fitted k-means model on a numeric matrix. See the [module docs](super) for the method,
/// the determinism guarantees and the differences from scikit-learn.
///
/// ```
/// use ndarray::array;
/// use optocom_core::cluster::{KMeans, KMeansParams};
/// use optocom_core::Persist;
///
/// let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.0, 10.1]];
/// let model = KMeans::fit(&KMeansParams::new().n_clusters(2), x.view(), None)?;
/// let labels = model.predict(x.view())?;
/// assert_eq!(labels[0], labels[1]);
/// assert_ne!(labels[0], labels[2]);
/// assert_eq!(labels.as_slice().unwrap(), model.labels());
///
/// let back = KMeans::from_json(&model.to_json()?)?;
/// assert_eq!(back.transform(x.view())?, model.transform(x.view())?); // same bits
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    params: KMeansParams,
    schema: FeatureSchema,
    /// `n_clusters x n_features`, standard layout, in k-means++ seeding order.
    centroids: Array2<f64>,
    /// Training labels from our own assignment.
    labels: Vec<usize>,
    /// Training inertia from our own assignment.
    inertia: f64,
    info: ModelInfo,
}

/// Squared Euclidean distance, summed in feature order.
#[inline]
pub(crate) fn squared_distance(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).fold(0.0, |s, (u, v)| {
        let d = u - v;
        s + d * d
    })
}

/// The nearest centroid of `x` and its squared distance (squared Euclidean, ties to the
/// lowest index). The one assignment rule of k-means and of the doctor segmentation.
///
/// When every squared distance overflows (a row of huge values; fitting refuses them, but
/// prediction must still answer), the nearest centroid minimises
/// `(|c|^2 - 2 x.c) / m` with `m = max |x_j|` instead: the squared distance less the
/// overflowing `|x|^2`, scaled, which stays finite for fitted centroids and still tells
/// centroids apart that differ by far less than `|x|`. The distance is then infinite.
#[inline]
pub(crate) fn nearest(centroids: ArrayView2<'_, f64>, x: ArrayView1<'_, f64>) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, row) in centroids.outer_iter().enumerate() {
        let d = squared_distance(row, x);
        if d < best.1 {
            best = (c, d);
        }
    }
    if best.1 == f64::INFINITY {
        let m = x.iter().fold(1.0, |m: f64, v| m.max(v.abs()));
        let mut scaled = (0, f64::INFINITY);
        for (c, row) in centroids.outer_iter().enumerate() {
            let d = row
                .iter()
                .zip(x.iter())
                .fold(0.0, |s, (u, v)| s + u * (u / m) - 2.0 * u * (v / m));
            if d < scaled.1 {
                scaled = (c, d);
            }
        }
        best.0 = scaled.0;
    }
    best
}

/// The largest `|a_j / 2 - b_j / 2|` (halves cannot overflow).
fn half_gap(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(u, v)| (u / 2.0 - v / 2.0).abs())
        .fold(0.0, f64::max)
}

/// `sum(((a - b) / 2 / s)^2)`: the squared distance over `4 s^2`, finite for an `s` of at
/// least [`half_gap`]`(a, b)`.
fn scaled_squared_distance(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>, s: f64) -> f64 {
    a.iter().zip(b.iter()).fold(0.0, |acc, (u, v)| {
        let d = (u / 2.0 - v / 2.0) / s;
        acc + d * d
    })
}

/// Euclidean distance, exact in range even where its square overflows.
fn distance(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    let d2 = squared_distance(a, b);
    if d2.is_finite() {
        return d2.sqrt();
    }
    let s = half_gap(a, b);
    2.0 * s * scaled_squared_distance(a, b, s).sqrt()
}

/// Nearest centroid of every row and the sum of the squared distances, in row order.
pub(crate) fn assign(centroids: ArrayView2<'_, f64>, x: ArrayView2<'_, f64>) -> (Vec<usize>, f64) {
    let mut inertia = 0.0;
    let labels = x
        .outer_iter()
        .map(|r| {
            let (c, d) = nearest(centroids, r);
            inertia += d;
            c
        })
        .collect();
    (labels, inertia)
}

/// Largest `|value|` accepted at fit for `n x p` data: every squared distance is at most
/// `p * (2 * limit)^2` and every sum of them over rows at most `n` times that, half of
/// `f64::MAX` (a margin for rounding), so no distance, k-means++ potential, cluster sum or
/// inertia we add up can overflow.
fn magnitude_limit(n: usize, p: usize) -> f64 {
    (f64::MAX / (8.0 * n as f64 * p as f64)).sqrt()
}

/// Refuses values so large that squared distances could overflow, naming the first cell
/// of largest magnitude.
fn check_magnitude(x: ArrayView2<'_, f64>, schema: &FeatureSchema) -> Result<()> {
    let (n, p) = x.dim();
    let limit = magnitude_limit(n, p);
    let mut worst: Option<(usize, usize, f64)> = None;
    for (row, r) in x.outer_iter().enumerate() {
        for (col, &v) in r.iter().enumerate() {
            if v.abs() > limit && worst.is_none_or(|w| v.abs() > w.2.abs()) {
                worst = Some((row, col, v));
            }
        }
    }
    match worst {
        None => Ok(()),
        Some((row, col, v)) => Err(Error::invalid_value(
            Location::Row { row },
            schema.features[col].name.clone(),
            v.to_string(),
            format!(
                "too large for k-means on {n} x {p} values (|value| must be at most \
                 {limit:e}, or squared distances overflow): rescale x"
            ),
        )),
    }
}

/// A k-means failure that the input checks should have made impossible.
fn failed(k: usize, what: &str) -> Error {
    Error::degenerate(format!("k-means with n_clusters = {k} failed: {what}"))
}

impl KMeans {
    /// Fits k-means on `x` (`n x p`, finite), with `schema` naming the columns (`None`: a
    /// generic schema `x0..x{p-1}`).
    ///
    /// Errors: [`Error::InvalidParameter`] from [`KMeansParams::check`], or on `n_clusters`
    /// when `x` has fewer rows than `n_clusters`; [`Error::EmptyInput`] for no rows or no
    /// columns; [`Error::ShapeMismatch`] for a schema of the wrong length;
    /// [`Error::InvalidValue`] naming the row and column of the first non-finite value, or
    /// of the largest value when values are so large that squared distances could overflow
    /// (see the [module docs](super#errors)).
    pub fn fit(
        params: &KMeansParams,
        x: ArrayView2<'_, f64>,
        schema: Option<FeatureSchema>,
    ) -> Result<KMeans> {
        params.check()?;
        let schema = check_training_x(x, schema)?;
        let (n, p) = x.dim();
        check_magnitude(x, &schema)?;
        let k = params.n_clusters;
        if n < k {
            return Err(Error::invalid_param(
                "n_clusters",
                k,
                format!("cannot make {k} clusters from {n} rows"),
            ));
        }

        let centroids = parallel::with_pool(params.n_jobs, || lloyd::fit(params, x))?;
        if centroids.dim() != (k, p) {
            return Err(Error::shape("k-means centroids", k * p, centroids.len()));
        }
        if centroids.iter().any(|v| !v.is_finite()) {
            return Err(failed(k, "non-finite centroids"));
        }
        let (labels, inertia) = assign(centroids.view(), x);
        if !inertia.is_finite() {
            return Err(failed(k, "non-finite inertia"));
        }
        Ok(KMeans {
            params: params.clone(),
            schema,
            centroids,
            labels,
            inertia,
            info: ModelInfo::new(n, p),
        })
    }

    /// The nearest centroid of each row of `x` (squared Euclidean distance, ties to the
    /// lowest index). Batches of 32,768 rows or more run on a pool of
    /// [`n_jobs`](KMeansParams::n_jobs) threads; the labels are the same for any pool.
    ///
    /// Errors: [`Error::ShapeMismatch`] when `x` does not have [`KMeans::n_features`]
    /// columns, [`Error::InvalidValue`] for a non-finite value. Finite values too large for
    /// their squared distances (refused at fit) still get their nearest centroid.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        check_predict_x(x, &self.schema)?;
        // Row-major rows (a copy only for other layouts); owned centroids always are.
        let x = x.as_standard_layout();
        let rows = x.as_slice().expect("standard layout");
        let flat = self
            .centroids
            .as_slice()
            .expect("owned centroids are standard layout");
        let centroids = self.centroids.view();
        let overflow = |i: usize| nearest(centroids, x.row(i)).0;
        let mut labels = vec![0usize; x.nrows()];
        if x.nrows() >= PARALLEL_PREDICT_ROWS {
            // Each row's label depends on that row alone: the same labels on any pool.
            parallel::with_pool(self.params.n_jobs, || {
                lloyd::assign_rows(rows, x.ncols(), flat, &mut labels, true, overflow)
            })?;
        } else {
            lloyd::assign_rows(rows, x.ncols(), flat, &mut labels, false, overflow);
        }
        Ok(Array1::from(labels))
    }

    /// Euclidean distance of each row of `x` to each centroid, `n x n_clusters` (scikit-learn's
    /// `transform`). Errors as [`KMeans::predict`].
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_x(x, &self.schema)?;
        let mut out = Array2::zeros((x.nrows(), self.centroids.nrows()));
        for (r, mut o) in x.outer_iter().zip(out.outer_iter_mut()) {
            for (c, v) in self.centroids.outer_iter().zip(o.iter_mut()) {
                *v = distance(c, r);
            }
        }
        Ok(out)
    }

    /// Minus the inertia of `x`: minus the sum over rows of the squared distance to the
    /// nearest centroid (scikit-learn's `score`; higher is better). On the training data it
    /// equals `-`[`KMeans::inertia`] bit for bit.
    ///
    /// Errors as [`KMeans::predict`], and [`Error::InvalidValue`] naming the first row whose
    /// squared distance overflows `f64` (the score would be `-inf`).
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        check_predict_x(x, &self.schema)?;
        let (_, inertia) = assign(self.centroids.view(), x);
        if inertia.is_finite() {
            return Ok(-inertia);
        }
        // The first row at which the running sum overflows.
        let mut sum = 0.0;
        let row = x
            .outer_iter()
            .position(|r| {
                sum += nearest(self.centroids.view(), r).1;
                sum.is_infinite()
            })
            .unwrap_or(0);
        let col = x
            .row(row)
            .iter()
            .enumerate()
            .fold(
                (0, 0.0),
                |w, (j, v)| if v.abs() > w.1 { (j, v.abs()) } else { w },
            )
            .0;
        Err(Error::invalid_value(
            Location::Row { row },
            self.schema.features[col].name.clone(),
            x[[row, col]].to_string(),
            "too large: the squared distance to the nearest centroid overflows f64, so the \
             score would be -inf: rescale x",
        ))
    }

    /// Centroids, `n_clusters x n_features` (row `c` is cluster `c`), in the order k-means++
    /// seeded them.
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// Sum of squared distances of the training rows to their nearest centroid (not divided
    /// by the number of rows).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The cluster of each training row, in row order (equal to `predict` on the training
    /// data). Saved with the model.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Number of clusters (centroid rows), including clusters left without training rows.
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.centroids.ncols()
    }

    /// The feature schema the model was fitted with.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The parameters the model was fitted with.
    pub fn params(&self) -> &KMeansParams {
        &self.params
    }

    /// Training facts.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }
}

/// Fitted state, as stored in the artifact.
#[derive(Serialize, Deserialize)]
struct State {
    /// Row-major centroids, `n_clusters x n_features`.
    #[serde(with = "packed")]
    centroids: Vec<f64>,
    /// Training inertia.
    inertia: f64,
    /// Bytes per training label: the narrowest of 1, 2 and 4 that holds `n_clusters - 1`.
    /// Absent from artifacts written before labels were narrowed, which hold 4.
    #[serde(default = "legacy_label_width")]
    label_width: u8,
    /// Training labels, one per training row, as little-endian `label_width`-byte integers.
    #[serde(with = "packed")]
    labels: Vec<u8>,
}

fn legacy_label_width() -> u8 {
    4
}

/// Bytes per label for `n_clusters` clusters.
fn label_width(n_clusters: usize) -> u8 {
    match n_clusters {
        0..=256 => 1,
        257..=65_536 => 2,
        _ => 4,
    }
}

impl Persist for KMeans {
    const KIND: &'static str = "kmeans";

    fn to_parts(&self) -> Result<Parts> {
        let width = label_width(self.params.n_clusters);
        let mut labels = Vec::with_capacity(self.labels.len() * usize::from(width));
        for &l in &self.labels {
            let l = u32::try_from(l)
                .map_err(|_| Error::artifact("cluster labels do not fit in 32 bits"))?;
            labels.extend_from_slice(&l.to_le_bytes()[..usize::from(width)]);
        }
        Parts::new(
            self.info.clone(),
            &self.params,
            Some(self.schema.clone()),
            &State {
                centroids: self.centroids.iter().copied().collect(),
                inertia: self.inertia,
                label_width: width,
                labels,
            },
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let params: KMeansParams = parts.params()?;
        params.check()?;
        let schema = parts.require_schema()?;
        let state: State = parts.state()?;
        let (k, p) = (params.n_clusters, schema.len());
        if p == 0 || parts.info.n_features != p {
            return Err(Error::artifact(format!(
                "k-means schema has {p} features, info says {}",
                parts.info.n_features
            )));
        }
        if k.checked_mul(p) != Some(state.centroids.len()) {
            return Err(Error::artifact(format!(
                "k-means centroids hold {} values, expected {k} x {p}",
                state.centroids.len()
            )));
        }
        if state.centroids.iter().any(|v| !v.is_finite()) {
            return Err(Error::artifact("k-means centroids are not all finite"));
        }
        if !(state.inertia.is_finite() && state.inertia >= 0.0) {
            return Err(Error::artifact(format!(
                "k-means inertia {} is not a finite non-negative number",
                state.inertia
            )));
        }
        let width = usize::from(state.label_width);
        if !matches!(width, 1 | 2 | 4) {
            return Err(Error::artifact(format!(
                "k-means label_width {width} is not 1, 2 or 4"
            )));
        }
        let labels: Vec<usize> = state
            .labels
            .chunks(width)
            .map(|b| {
                let mut le = [0u8; 4];
                le[..b.len()].copy_from_slice(b);
                u32::from_le_bytes(le) as usize
            })
            .collect();
        if parts.info.n_rows.checked_mul(width) != Some(state.labels.len())
            || labels.iter().any(|&l| l >= k)
        {
            return Err(Error::artifact(
                "k-means training labels are inconsistent with n_rows or n_clusters",
            ));
        }
        let centroids = Array2::from_shape_vec((k, p), state.centroids)
            .map_err(|e| Error::artifact(format!("bad centroid shape: {e}")))?;
        Ok(KMeans {
            params,
            schema,
            centroids,
            labels,
            inertia: state.inertia,
            info: parts.info,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn nearest_ties_go_to_the_lowest_index() {
        let c = array![[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]];
        assert_eq!(nearest(c.view(), array![0.0, 0.0].view()), (0, 1.0));
        assert_eq!(nearest(c.view(), array![-1.0, 1.0].view()), (1, 1.0));
    }

    #[test]
    fn assign_sums_squared_distances_in_row_order() {
        let c = array![[0.0], [10.0]];
        let x = array![[1.0], [9.0], [12.0]];
        let (labels, inertia) = assign(c.view(), x.view());
        assert_eq!(labels, vec![0, 1, 1]);
        assert_eq!(inertia, 1.0 + 1.0 + 4.0);
    }

    #[test]
    fn transform_is_euclidean_and_score_is_minus_inertia() {
        let x = array![[0.0, 0.0], [0.0, 2.0], [30.0, 40.0], [30.0, 42.0]];
        let m = KMeans::fit(&KMeansParams::new().n_clusters(2), x.view(), None).unwrap();
        let t = m.transform(x.view()).unwrap();
        let l = m.predict(x.view()).unwrap();
        // Cluster means are exactly (0, 1) and (30, 41).
        for i in 0..4 {
            assert_eq!(t[[i, l[i]]], 1.0, "{t}");
        }
        assert_eq!(t[[0, l[2]]], (900.0f64 + 41.0 * 41.0).sqrt());
        assert_eq!(
            m.score(x.view()).unwrap().to_bits(),
            (-m.inertia()).to_bits()
        );
        assert_eq!(m.inertia(), 4.0);
    }

    #[test]
    fn values_at_the_magnitude_limit_fit_and_just_above_are_refused() {
        let l = magnitude_limit(4, 2);
        let x = array![[l, -l], [-l, l], [l, l], [-l, -l]];
        for k in 1..=4 {
            let m = KMeans::fit(&KMeansParams::new().n_clusters(k), x.view(), None).unwrap();
            assert!(m.inertia().is_finite());
            assert!(m.score(x.view()).unwrap().is_finite());
        }
        let mut y = x.clone();
        y[[2, 1]] = l * (1.0 + 1e-15);
        let e = KMeans::fit(&KMeansParams::new().n_clusters(2), y.view(), None).unwrap_err();
        assert!(e.to_string().starts_with("row 2, column `x1`"), "{e}");
    }

    #[test]
    fn zero_rows_predict_nothing() {
        let x = array![[0.0], [1.0]];
        let m = KMeans::fit(&KMeansParams::new().n_clusters(1), x.view(), None).unwrap();
        let none = Array2::<f64>::zeros((0, 1));
        assert_eq!(m.predict(none.view()).unwrap().len(), 0);
        assert_eq!(m.transform(none.view()).unwrap().dim(), (0, 1));
        assert_eq!(m.score(none.view()).unwrap(), 0.0);
    }
}
