//! Least squares on standardised features (shared with the forecaster's spend model) and the
//! fitted [`LinearRegression`] with its artifact.

use linfa_linalg::qr::QRInto;
use linfa_linalg::LinalgError;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, ShapeBuilder};
use serde::{Deserialize, Serialize};

use crate::artifact::{packed, ModelInfo, Parts, Persist};
use crate::error::{check_finite_column, check_magnitude, check_training_x, Error, Result};
use crate::features::{FeatureSchema, StandardScaler};
use crate::forest::ensemble::{check_predict_x, check_row};

/// A least-squares fit on standardised features: `y ~ intercept + sum_j coef_j z_j` with
/// `z_j = (x_j - mean_j) / scale_j`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StandardisedFit {
    pub scaler: StandardScaler,
    pub coef: Vec<f64>,
    pub intercept: f64,
}

/// Rank and singular values of a least-squares design (scikit-learn's `rank_` and
/// `singular_`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Spectrum {
    /// Number of singular values above the cut-off of [`min_norm_least_squares`].
    pub rank: usize,
    /// The `min(n, p)` largest singular values, in decreasing order.
    pub singular: Vec<f64>,
}

/// Reason of the error for a solve that overflows.
const OVERFLOW: &str =
    "least squares gave non-finite coefficients (values too large to fit; rescale x or y)";

/// Ordinary least squares with an intercept on the standardised columns of `x`: the
/// minimum-norm solution (see [`min_norm_least_squares`]). The one fitting routine of
/// [`LinearRegression`] and of the forecaster's [`SpendModel`](crate::purchase::SpendModel).
///
/// The standardised columns have mean zero, so the intercept is the mean of `y` and the
/// coefficients solve the centred problem. Constant columns (which standardise to exact
/// zeros, see [`StandardScaler`]) are left out of the solve and get coefficient 0; when every
/// column is constant the intercept is the mean of `y`. Exactly collinear columns share
/// their coefficient as scikit-learn's minimum-norm `lstsq` does (two copies of a column get
/// half each) instead of failing or returning huge offsetting coefficients.
///
/// Errors: [`Error::EmptyInput`] for no rows, [`Error::ShapeMismatch`] when `y` does not have
/// one value per row, [`Error::InvalidValue`] for a non-finite value of `x` (column `x{j}`)
/// or `y` (column `y`), [`Error::DegenerateTarget`] when the solution is not finite (values
/// so large that the solve overflows).
pub(crate) fn fit_standardised(
    x: ArrayView2<'_, f64>,
    y: &[f64],
) -> Result<(StandardisedFit, Spectrum)> {
    if y.len() != x.nrows() {
        return Err(Error::shape("y length", x.nrows(), y.len()));
    }
    check_finite_column("y", y, "targets must be finite (no NaN or infinity)")?;
    check_magnitude("y", y.iter().copied())?;
    let scaler = StandardScaler::fit(x)?;
    let xs = scaler.transform(x)?;
    let p = xs.ncols();
    let varying: Vec<usize> = (0..p)
        .filter(|&j| xs.column(j).iter().any(|&v| v != 0.0))
        .collect();
    let intercept = y.iter().sum::<f64>() / y.len() as f64;
    let mut coef = vec![0.0; p];
    // Constant columns standardise to zeros: their singular values are 0.
    let mut singular = vec![0.0; p];
    let mut rank = 0;
    if !varying.is_empty() {
        let solve = if varying.len() == p {
            xs
        } else {
            xs.select(Axis(1), &varying)
        };
        let centred: Vec<f64> = y.iter().map(|v| v - intercept).collect();
        let fitted = min_norm_least_squares(solve, &centred)?;
        for (&j, c) in varying.iter().zip(fitted.coef) {
            coef[j] = c;
        }
        singular[..fitted.spectrum.singular.len()].copy_from_slice(&fitted.spectrum.singular);
        rank = fitted.spectrum.rank;
    }
    singular.truncate(p.min(y.len()));
    if !intercept.is_finite() || coef.iter().any(|c| !c.is_finite()) {
        return Err(Error::degenerate(OVERFLOW));
    }
    Ok((
        StandardisedFit {
            scaler,
            coef,
            intercept,
        },
        Spectrum { rank, singular },
    ))
}

/// A minimum-norm least-squares solution with the spectrum of its design.
pub(crate) struct LeastSquares {
    pub coef: Vec<f64>,
    pub spectrum: Spectrum,
}

/// The minimum-norm least-squares solution `b` of `a b ~ r`: among the `b` minimising
/// `|a b - r|`, the one of smallest `|b|` (LAPACK's `gelsd`, which scikit-learn's
/// `LinearRegression` calls through `scipy.linalg.lstsq`).
///
/// Pure Rust, so it builds for WebAssembly: a Householder QR of `[a | r]` (linfa-linalg)
/// reduces the `n x p` problem to the `p x p` triangle `R` and `c = (Q^T r)[..p]`; the SVD
/// `R = U S V^T` ([`jacobi_svd`], bit-identical in every runtime) then gives
/// `b = V S^+ U^T c`, where singular values at or below
/// `max(n, p) * eps * s_max` (numpy's `lstsq` and `matrix_rank` cut-off) count as zero: the
/// directions in which the columns are linearly dependent get no weight. With fewer rows
/// than columns the SVD is taken of `a` itself. Full-rank problems get the ordinary
/// least-squares answer (what linfa-linear's QR solve returns, to rounding). The rank is the
/// number of singular values above the cut-off (`numpy.linalg.matrix_rank`'s answer; the
/// singular values of `R` are those of `a`).
pub(crate) fn min_norm_least_squares(a: Array2<f64>, r: &[f64]) -> Result<LeastSquares> {
    let (n, p) = a.dim();
    let failed = |e: LinalgError| Error::degenerate(format!("least squares failed: {e}"));
    let (core, rhs) = if n > p {
        // Column-major: the Householder sweeps run down columns.
        let mut aug = Array2::zeros((n, p + 1).f());
        for (mut to, from) in aug.columns_mut().into_iter().zip(a.columns()) {
            to.assign(&from);
        }
        drop(a);
        aug.column_mut(p).assign(&ArrayView1::from(r));
        let tri = aug.qr_into().map_err(failed)?.into_r();
        (
            Array2::from_shape_fn((p, p), |(i, j)| tri[[i, j]]),
            Array1::from_shape_fn(p, |i| tri[[i, p]]),
        )
    } else {
        (a, Array1::from(r.to_vec()))
    };
    if core.iter().chain(rhs.iter()).any(|v| !v.is_finite()) {
        return Err(Error::degenerate(OVERFLOW));
    }
    let (w, sv, v) = jacobi_svd(core);
    let s_max = sv.iter().fold(0.0_f64, |m, &v| m.max(v));
    let cut = n.max(p) as f64 * f64::EPSILON * s_max;
    let mut b = vec![0.0; p];
    let mut rank = 0;
    for (k, &s_k) in sv.iter().enumerate() {
        if s_k > cut {
            rank += 1;
            // u_k = w_k / s_k, so u_k . rhs / s_k = w_k . rhs / s_k^2.
            let weight = w.column(k).dot(&rhs) / (s_k * s_k);
            for (bj, &vj) in b.iter_mut().zip(v.column(k)) {
                *bj += weight * vj;
            }
        }
    }
    let mut singular = sv;
    singular.sort_by(|a, b| b.total_cmp(a));
    singular.truncate(n.min(p));
    Ok(LeastSquares {
        coef: b,
        spectrum: Spectrum { rank, singular },
    })
}

/// One-sided Jacobi SVD (Hestenes; Demmel & Veselic 1992, "Jacobi's method is more accurate
/// than QR", SIAM J. Matrix Anal. Appl. 13(4)) of an `m x k` matrix `a`: plane rotations `V`
/// on the right make the columns of `W = a V` mutually orthogonal, so that
/// `a = W V^T = U S V^T` with `s_j = |w_j|` and `u_j = w_j / s_j`. Returns `(W, s, V)`.
///
/// Written here rather than taken from linfa-linalg because it uses only `+ - * /` and
/// `sqrt`, which IEEE 754 rounds exactly the same way everywhere, in a fixed order: the fit is
/// bit-identical natively and in WebAssembly. linfa-linalg's SVD calls `hypot`, which the
/// platform's libm computes (glibc natively, a Rust port of musl's in WebAssembly), and the
/// two differ in the last bit. For the small `p x p` triangles of our least squares (p is the
/// number of features) a sweep costs `O(p^3)` and a few sweeps converge to full precision.
fn jacobi_svd(a: Array2<f64>) -> (Array2<f64>, Vec<f64>, Array2<f64>) {
    let (m, k) = a.dim();
    // Column-major, so that every rotation runs down two contiguous columns.
    let mut w = Array2::zeros((m, k).f());
    w.assign(&a);
    let mut v = Array2::zeros((k, k).f());
    v.diag_mut().fill(1.0);
    let dot = |x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>| -> f64 {
        x.iter().zip(y).fold(0.0, |acc, (a, b)| acc + a * b)
    };
    const MAX_SWEEPS: usize = 60;
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for i in 0..k {
            for j in i + 1..k {
                let alpha = dot(w.column(i), w.column(i));
                let beta = dot(w.column(j), w.column(j));
                let gamma = dot(w.column(i), w.column(j));
                // Orthogonal to working precision (or a zero column): nothing to rotate.
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * alpha.sqrt() * beta.sqrt() {
                    continue;
                }
                rotated = true;
                // The rotation that zeroes gamma (Rutishauser's formulas; the smaller of the
                // two angles, |t| <= 1).
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = if zeta.abs() > 1e150 {
                    0.5 / zeta
                } else {
                    let sign = if zeta >= 0.0 { 1.0 } else { -1.0 };
                    sign / (zeta.abs() + (1.0 + zeta * zeta).sqrt())
                };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for mat in [&mut w, &mut v] {
                    for r in 0..mat.nrows() {
                        let (xi, yj) = (mat[[r, i]], mat[[r, j]]);
                        mat[[r, i]] = c * xi - s * yj;
                        mat[[r, j]] = s * xi + c * yj;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let sv = (0..k)
        .map(|j| dot(w.column(j), w.column(j)).sqrt())
        .collect();
    (w, sv, v)
}

/// `intercept + sum_j coef_j (x_j - mean_j) / scale_j`, summed in column order (terms with a
/// zero coefficient are skipped, so a constant column never turns a prediction into NaN).
#[inline]
pub(crate) fn predict_standardised<'a>(
    scaler: &StandardScaler,
    coef: &[f64],
    intercept: f64,
    row: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    let mut s = intercept;
    for (j, &v) in row.into_iter().enumerate().take(coef.len()) {
        if coef[j] != 0.0 {
            s += coef[j] * (v - scaler.mean[j]) / scaler.scale[j];
        }
    }
    s
}

/// Ordinary least-squares regression with an intercept on standardised features: what
/// scikit-learn's `make_pipeline(StandardScaler(), LinearRegression())` computes. See the
/// [module docs](super) for the method, constant and collinear columns, and the artifact.
///
/// ```
/// use ndarray::{array, Array1};
/// use optocom_core::linear::LinearRegression;
/// use optocom_core::Persist;
///
/// let x = array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [5.0, 3.0]];
/// let y: Array1<f64> = x.rows().into_iter().map(|r| 3.0 + 2.0 * r[0] - r[1]).collect();
/// let model = LinearRegression::fit(x.view(), y.view(), None)?;
/// // Coefficients and intercept in the units of x.
/// assert!((model.coef()[0] - 2.0).abs() < 1e-12 && (model.coef()[1] + 1.0).abs() < 1e-12);
/// assert!((model.intercept() - 3.0).abs() < 1e-12);
/// assert!((model.predict_row(&[10.0, 2.0])? - 21.0).abs() < 1e-12);
///
/// let back = LinearRegression::from_json(&model.to_json()?)?;
/// assert_eq!(back.predict(x.view())?, model.predict(x.view())?); // same bits
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression {
    schema: FeatureSchema,
    fit: StandardisedFit,
    /// `None` for a model saved before the spectrum was stored.
    spectrum: Option<Spectrum>,
    info: ModelInfo,
}

impl LinearRegression {
    /// Fits on `x` (`n x p`, finite) and targets `y` (`n`, finite), with `schema` naming the
    /// columns (`None`: a generic schema `x0..x{p-1}`).
    ///
    /// Errors: [`Error::EmptyInput`] for no rows or no columns; [`Error::ShapeMismatch`] for
    /// a `y` or schema of the wrong length; [`Error::InvalidValue`] naming the row and column
    /// (from the schema, or `y`) of the first non-finite value; [`Error::DegenerateTarget`]
    /// when the values are so large that the solution overflows. Exactly collinear columns
    /// are not an error: they get the minimum-norm coefficients (see the module docs).
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        schema: Option<FeatureSchema>,
    ) -> Result<Self> {
        let schema = check_training_x(x, schema)?;
        for (j, f) in schema.features.iter().enumerate() {
            check_magnitude(&f.name, x.column(j).iter().copied())?;
        }
        let y = y.to_vec();
        let (fit, spectrum) = fit_standardised(x, &y)?;
        Ok(LinearRegression {
            schema,
            fit,
            spectrum: Some(spectrum),
            info: ModelInfo::new(x.nrows(), x.ncols()),
        })
    }

    /// Rank of the standardised design: the number of its singular values above
    /// `max(n, p) * eps * s_max` (scikit-learn's `rank_` for `StandardScaler` +
    /// `LinearRegression`). Below the number of features when columns are collinear or
    /// constant, in which case the coefficients are the minimum-norm solution. `None` for a
    /// model loaded from a file written before this was stored.
    pub fn rank(&self) -> Option<usize> {
        self.spectrum.as_ref().map(|s| s.rank)
    }

    /// The `min(n, p)` singular values of the standardised design, largest first
    /// (scikit-learn's `singular_`); `None` as for [`LinearRegression::rank`].
    pub fn singular_values(&self) -> Option<&[f64]> {
        self.spectrum.as_ref().map(|s| s.singular.as_slice())
    }

    /// Predictions, one per row.
    ///
    /// Errors: [`Error::ShapeMismatch`] when `x` does not have [`LinearRegression::n_features`]
    /// columns, [`Error::InvalidValue`] naming the row and column of a non-finite value.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_x(x, &self.schema)?;
        let f = &self.fit;
        Ok(x.outer_iter()
            .map(|r| predict_standardised(&f.scaler, &f.coef, f.intercept, r.iter()))
            .collect())
    }

    /// Prediction for one row (no allocation). Errors as [`LinearRegression::predict`], with
    /// row 0.
    pub fn predict_row(&self, row: &[f64]) -> Result<f64> {
        check_row(row, &self.schema)?;
        let f = &self.fit;
        Ok(predict_standardised(&f.scaler, &f.coef, f.intercept, row))
    }

    /// Coefficients in the units of `x`: `coef_j / scale_j` (0 for a constant column).
    pub fn coef(&self) -> Array1<f64> {
        let f = &self.fit;
        f.coef
            .iter()
            .zip(&f.scaler.scale)
            .map(|(c, s)| c / s)
            .collect()
    }

    /// Intercept in the units of `x`: `intercept - sum_j coef_j mean_j / scale_j` (the
    /// prediction at `x = 0`).
    pub fn intercept(&self) -> f64 {
        let f = &self.fit;
        f.coef
            .iter()
            .zip(f.scaler.mean.iter().zip(&f.scaler.scale))
            .fold(f.intercept, |b, (c, (m, s))| b - c * m / s)
    }

    /// Coefficients on the standardised features (scikit-learn's `pipeline[-1].coef_`).
    pub fn standardised_coef(&self) -> &[f64] {
        &self.fit.coef
    }

    /// Intercept on the standardised features (the mean of `y` up to rounding, since the
    /// features are centred; scikit-learn's `pipeline[-1].intercept_`).
    pub fn standardised_intercept(&self) -> f64 {
        self.fit.intercept
    }

    /// The fitted standardiser (column means and scales).
    pub fn scaler(&self) -> &StandardScaler {
        &self.fit.scaler
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.schema.len()
    }

    /// The feature schema the model was fitted with.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// Training facts.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }
}

/// Fitted state, as stored in the artifact.
#[derive(Serialize, Deserialize)]
struct State {
    /// Column means of the training data.
    #[serde(with = "packed")]
    mean: Vec<f64>,
    /// Column scales (population standard deviation, 1 for constant columns).
    #[serde(with = "packed")]
    scale: Vec<f64>,
    /// Coefficients on the standardised features.
    #[serde(with = "packed")]
    coef: Vec<f64>,
    /// Intercept on the standardised features.
    intercept: f64,
    /// Rank and singular values of the standardised design (absent from files written
    /// before they were stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spectrum: Option<Spectrum>,
}

impl Persist for LinearRegression {
    const KIND: &'static str = "linear_regression";

    fn to_parts(&self) -> Result<Parts> {
        let f = &self.fit;
        Parts::new(
            self.info.clone(),
            &serde_json::Map::new(),
            Some(self.schema.clone()),
            &State {
                mean: f.scaler.mean.clone(),
                scale: f.scaler.scale.clone(),
                coef: f.coef.clone(),
                intercept: f.intercept,
                spectrum: self.spectrum.clone(),
            },
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let schema = parts.require_schema()?;
        let state: State = parts.state()?;
        let p = schema.len();
        if p == 0 || parts.info.n_features != p {
            return Err(Error::artifact(format!(
                "linear regression schema has {p} features, info says {}",
                parts.info.n_features
            )));
        }
        for (what, v) in [
            ("mean", &state.mean),
            ("scale", &state.scale),
            ("coef", &state.coef),
        ] {
            if v.len() != p {
                return Err(Error::artifact(format!(
                    "linear regression {what} holds {} values, expected {p}",
                    v.len()
                )));
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err(Error::artifact(format!(
                    "linear regression {what} is not all finite"
                )));
            }
        }
        if state.scale.iter().any(|&s| s <= 0.0) {
            return Err(Error::artifact("linear regression scales must be positive"));
        }
        if let Some(sp) = &state.spectrum {
            let ok = sp.singular.len() <= p
                && sp.rank <= sp.singular.len()
                && sp.singular.iter().all(|s| s.is_finite() && *s >= 0.0)
                && sp.singular.windows(2).all(|w| w[0] >= w[1]);
            if !ok {
                return Err(Error::artifact(
                    "linear regression spectrum: expected at most one singular value per feature, \
                     finite, non-negative and decreasing, and a rank no larger than their count",
                ));
            }
        }
        if !state.intercept.is_finite() {
            return Err(Error::artifact(format!(
                "linear regression intercept {} is not finite",
                state.intercept
            )));
        }
        Ok(LinearRegression {
            schema,
            fit: StandardisedFit {
                scaler: StandardScaler {
                    mean: state.mean,
                    scale: state.scale,
                },
                coef: state.coef,
                intercept: state.intercept,
            },
            spectrum: state.spectrum,
            info: parts.info,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn jacobi_svd_factors_the_matrix() {
        // A full-rank triangle, a rank-deficient square (third column = first + second) and
        // a wide matrix (fewer rows than columns).
        let cases = [
            array![[4.0, 1.0, -2.0], [0.0, 3.0, 0.5], [0.0, 0.0, 1e-3]],
            array![[1.0, 2.0, 3.0], [4.0, 5.0, 9.0], [-1.0, 0.5, -0.5]],
            array![[1.0, 0.0, 2.0, -1.0], [3.0, 1.0, 0.0, 2.0]],
        ];
        for a in cases {
            let (w, sv, v) = jacobi_svd(a.clone());
            let k = a.ncols();
            // a = W V^T, V orthogonal, the columns of W orthogonal with norms sv.
            let back = w.dot(&v.t());
            for (x, y) in back.iter().zip(a.iter()) {
                assert!((x - y).abs() < 1e-12, "{back} vs {a}");
            }
            let vtv = v.t().dot(&v);
            let wtw = w.t().dot(&w);
            for i in 0..k {
                for j in 0..k {
                    let eye = if i == j { 1.0 } else { 0.0 };
                    assert!((vtv[[i, j]] - eye).abs() < 1e-12);
                    let want = if i == j { sv[i] * sv[i] } else { 0.0 };
                    assert!((wtw[[i, j]] - want).abs() < 1e-12 * (1.0 + sv[0] * sv[0]));
                }
            }
        }
        // The rank shows in the singular values: one of the dependent square's is ~0.
        let (_, sv, _) = jacobi_svd(array![[1.0, 2.0, 3.0], [4.0, 5.0, 9.0], [-1.0, 0.5, -0.5]]);
        let s_max = sv.iter().fold(0.0_f64, |m, &s| m.max(s));
        assert_eq!(
            sv.iter()
                .filter(|&&s| s <= 3.0 * f64::EPSILON * s_max)
                .count(),
            1,
            "{sv:?}"
        );
    }

    #[test]
    fn rank_and_singular_values_are_those_of_the_standardised_design() {
        // z = (-sqrt(3/2), 0, sqrt(3/2)) for 1, 2, 3, so |z| = sqrt(3).
        let y = array![1.0, 2.5, 2.0];
        let close = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
        };
        // Two copies of a column: one direction of norm sqrt(2) |z|, rank 1.
        let dup = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        let m = LinearRegression::fit(dup.view(), y.view(), None).unwrap();
        assert_eq!(m.rank(), Some(1));
        let sv = m.singular_values().unwrap();
        assert!(close(sv, &[6f64.sqrt(), 0.0]), "{sv:?}");
        // A constant column standardises to zeros: singular value 0, rank 1.
        let constant = array![[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]];
        let m = LinearRegression::fit(constant.view(), y.view(), None).unwrap();
        assert_eq!(m.rank(), Some(1));
        assert_eq!(m.singular_values().unwrap(), &[3f64.sqrt(), 0.0]);
        // Full rank; fewer rows than columns keeps min(n, p) values.
        let full = array![[1.0, 0.0], [2.0, 5.0], [3.0, 1.0]];
        let m = LinearRegression::fit(full.view(), y.view(), None).unwrap();
        assert_eq!(m.rank(), Some(2));
        let wide = array![[1.0, 0.0, 4.0], [2.0, 5.0, 1.0]];
        let m = LinearRegression::fit(wide.view(), array![1.0, 2.0].view(), None).unwrap();
        assert_eq!(m.singular_values().unwrap().len(), 2);
        assert_eq!(m.rank(), Some(1)); // two centred rows span one direction
    }

    #[test]
    fn the_spectrum_survives_a_round_trip_and_older_files_load_without_it() {
        fn strip(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(map) => {
                    map.remove("spectrum");
                    map.values_mut().for_each(strip);
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.5]];
        let m = LinearRegression::fit(x.view(), array![1.0, 2.0, 4.0].view(), None).unwrap();
        let text = m.to_json().unwrap();
        let back = LinearRegression::from_json(&text).unwrap();
        assert_eq!(back, m);
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        strip(&mut old);
        let old = LinearRegression::from_json(&old.to_string()).unwrap();
        assert_eq!((old.rank(), old.singular_values()), (None, None));
        assert_eq!(old.predict(x.view()).unwrap(), m.predict(x.view()).unwrap());
        // A corrupt spectrum is refused.
        let bad = text.replace("\"rank\":2", "\"rank\":9");
        assert_ne!(bad, text);
        assert_eq!(
            LinearRegression::from_json(&bad).unwrap_err().code(),
            "invalid_artifact"
        );
    }

    #[test]
    fn a_constant_column_gets_coefficient_zero() {
        let x = array![[1.0, 0.1], [2.0, 0.1], [3.0, 0.1], [5.0, 0.1]];
        let y = array![1.0, 3.0, 5.0, 9.0];
        let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
        assert_eq!(m.standardised_coef()[1], 0.0);
        assert_eq!(m.coef()[1], 0.0);
        assert!((m.coef()[0] - 2.0).abs() < 1e-12);
        assert!((m.intercept() + 1.0).abs() < 1e-12);
        // A far-away value of the constant column changes nothing.
        assert_eq!(
            m.predict_row(&[4.0, 1e308]).unwrap(),
            m.predict_row(&[4.0, 0.1]).unwrap()
        );
    }

    #[test]
    fn all_columns_constant_predicts_the_mean() {
        let x = Array2::from_elem((3, 2), 7.0);
        let y = array![1.0, 2.0, 6.0];
        let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
        assert_eq!(m.standardised_coef(), &[0.0, 0.0]);
        assert_eq!(m.intercept(), 3.0);
        assert_eq!(m.predict_row(&[-5.0, 100.0]).unwrap(), 3.0);
    }

    #[test]
    fn one_row_fits_its_target() {
        let m = LinearRegression::fit(array![[2.0, 3.0]].view(), array![5.0].view(), None).unwrap();
        assert_eq!(m.predict_row(&[0.0, 0.0]).unwrap(), 5.0);
    }

    #[test]
    fn shared_prediction_skips_zero_coefficients() {
        let s = StandardScaler {
            mean: vec![0.0, 0.0],
            scale: vec![1.0, 1e-300],
        };
        assert_eq!(
            predict_standardised(&s, &[2.0, 0.0], 1.0, &[3.0, 1e300]),
            7.0
        );
    }
}
