//! The local-linear correction of the forest's effect (Friedberg, Tibshirani, Athey & Wager
//! 2020, "Local linear forests", *JCGS* 30, applied to grf's treatment-effect moments).
//!
//! For `q` correction columns `z` (standardised with the training mean and standard
//! deviation), every leaf stores the means over its estimation rows of
//!
//! ```text
//! y, w, w y, z (q), w z (q), z y (q), w z y (q), z z' (q(q+1)/2, upper triangle), w z z' (same)
//! ```
//!
//! (the first three are the local-constant estimator's moments, so both share one layout).
//! At a point with columns `z0` the forest averages each tree's leaf moments and solves the
//! ridge-penalised weighted least squares of `y` on `D = [1, w, z - z0, w (z - z0)]`:
//! `(M + lambda J) beta = b` with `M = E[D D']`, `b = E[D y]` (expectations under the
//! forest kernel, expanded from the stored moments; `w^2 = w`) and `J` the identity on the
//! slope terms. The effect is `beta[1]`, the treatment coefficient at `z0`. Without slopes
//! (`q = 0`, or `lambda -> inf`) this is the local-constant `tau = (WY - W Y) / (W - W^2)`.
//!
//! Variance: each tree's score `psi_t = b_t - M_t beta` is projected on the effect,
//! `phi_t = e_1' (M + lambda J)^{-1} psi_t` (the delta method; for `q = 0` exactly the
//! local-constant score), and the bootstrap of little bags of `phi` gives the variance as in
//! [`super::variance`], with `phi` centred on its forest mean (not exactly 0 under the ridge).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::hyperparams::{LinearCorrection, UpliftParams, MAX_LINEAR_COLUMNS};
use super::variance::debias;
use crate::error::{check_magnitude, Error, Result};
use crate::features::{FeatureKind, FeatureSchema};

/// Leaf moments for `q` correction columns.
pub(crate) fn leaf_moments(q: usize) -> usize {
    3 + 4 * q + q * (q + 1)
}

/// The resolved correction of a fitted forest (persisted with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LinearSpec {
    /// Correction columns (indices into the features).
    pub columns: Vec<usize>,
    /// Training mean of each column.
    pub mean: Vec<f64>,
    /// Training standard deviation of each column (positive).
    pub scale: Vec<f64>,
    /// Ridge penalty on the slopes.
    pub penalty: f64,
    /// Training minimum and maximum of each column: a point outside is evaluated at the
    /// nearest edge, so the local slopes are never extrapolated beyond the data (far out,
    /// the system would be near-singular). Empty in artifacts written before the bounds were
    /// kept; those evaluate every point as it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub min: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub max: Vec<f64>,
}

/// Whether column `c` takes more than two distinct values.
fn is_continuous(x: ArrayView2<'_, f64>, c: usize) -> bool {
    let col = x.column(c);
    let mut seen: [Option<f64>; 2] = [None, None];
    for &v in col.iter() {
        match seen {
            [None, _] => seen[0] = Some(v),
            [Some(a), None] if v != a => seen[1] = Some(v),
            [Some(a), Some(b)] if v != a && v != b => return true,
            _ => {}
        }
    }
    false
}

impl LinearSpec {
    /// The correction `params` ask for on training features `x` (checked finite, columns
    /// matching `schema`); `None` for no correction.
    ///
    /// Errors: a listed column outside the features -> [`Error::InvalidParameter`].
    pub fn resolve(
        params: &UpliftParams,
        x: ArrayView2<'_, f64>,
        schema: &FeatureSchema,
    ) -> Result<Option<LinearSpec>> {
        let columns: Vec<usize> = match &params.linear_correction {
            LinearCorrection::Off => Vec::new(),
            LinearCorrection::Columns(c) => {
                if let Some(&bad) = c.iter().find(|&&c| c >= x.ncols()) {
                    return Err(Error::invalid_param(
                        "linear_correction",
                        bad,
                        format!("column index out of range ({} features)", x.ncols()),
                    ));
                }
                c.clone()
            }
            LinearCorrection::Auto => {
                let c: Vec<usize> = (0..x.ncols())
                    .filter(|&c| {
                        schema
                            .features
                            .get(c)
                            .is_some_and(|s| s.kind == FeatureKind::Numeric)
                            && is_continuous(x, c)
                    })
                    .collect();
                if c.len() > MAX_LINEAR_COLUMNS {
                    Vec::new()
                } else {
                    c
                }
            }
        };
        if columns.is_empty() {
            return Ok(None);
        }
        let n = x.nrows().max(1) as f64;
        let q = columns.len();
        let (mut mean, mut scale) = (Vec::with_capacity(q), Vec::with_capacity(q));
        let (mut min, mut max) = (Vec::with_capacity(q), Vec::with_capacity(q));
        for &c in &columns {
            let col = x.column(c);
            let name = schema
                .features
                .get(c)
                .map_or(format!("x{c}"), |f| f.name.clone());
            check_magnitude(&name, col.iter().copied())?;
            let m = col.iter().sum::<f64>() / n;
            let v = col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
            mean.push(m);
            scale.push(if v > 0.0 { v.sqrt() } else { 1.0 });
            min.push(col.iter().copied().fold(f64::INFINITY, f64::min));
            max.push(col.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        }
        Ok(Some(LinearSpec {
            columns,
            mean,
            scale,
            penalty: params.linear_penalty,
            min,
            max,
        }))
    }

    pub fn q(&self) -> usize {
        self.columns.len()
    }

    /// Standardised correction columns of every row of `x`, row-major (`n x q`), each
    /// value first clamped to the column's training range (when the forest kept it).
    pub fn standardise(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        let mut z = Vec::with_capacity(x.nrows() * self.q());
        let bounded = !self.min.is_empty();
        for row in x.rows() {
            for (j, &c) in self.columns.iter().enumerate() {
                let v = if bounded {
                    row[c].clamp(self.min[j], self.max[j])
                } else {
                    row[c]
                };
                z.push((v - self.mean[j]) / self.scale[j]);
            }
        }
        z
    }

    /// Artifact check: columns inside `n_features`, matching lengths, positive scales.
    pub fn validate(&self, n_features: usize) -> Result<()> {
        let q = self.q();
        let ok = q > 0
            && q <= MAX_LINEAR_COLUMNS
            && self.mean.len() == q
            && self.scale.len() == q
            && self.columns.iter().all(|&c| c < n_features)
            && self.mean.iter().all(|m| m.is_finite())
            && self.scale.iter().all(|s| s.is_finite() && *s > 0.0)
            && self.penalty.is_finite()
            && self.penalty > 0.0
            && (self.min.is_empty() && self.max.is_empty()
                || self.min.len() == q
                    && self.max.len() == q
                    && self
                        .min
                        .iter()
                        .zip(&self.max)
                        .all(|(a, b)| a.is_finite() && b.is_finite() && a <= b));
        if ok {
            Ok(())
        } else {
            Err(Error::artifact(
                "uplift forest: invalid local-linear correction (columns, mean, scale, penalty, range)",
            ))
        }
    }

    /// Effect and BLB variance at standardised columns `z0` from per-tree leaf moments
    /// (`leaf_moments(q)` values per tree, trees laid out bag after bag, at least two bags of
    /// at least two trees). NaNs when the local system is singular.
    ///
    /// The local system is affine in the moments, so the forest's system is the system of
    /// the trees' mean moments, and each tree's projected score `phi_t` is a linear function
    /// of its moments' deviation from that mean: `phi_t = L . (m_t - m_bar)`, with `L` the
    /// gradient of the score in the moments ([`score_gradient`]; one pass per row instead
    /// of a system per tree).
    pub fn estimate(&self, moments: &[f64], group: usize, z0: &[f64]) -> (f64, f64) {
        let q = self.q();
        let k = leaf_moments(q);
        let p = 2 + 2 * q;
        let nt = moments.len() / k;
        let g = nt / group.max(1);
        if g < 2 || group < 2 {
            return (f64::NAN, f64::NAN);
        }
        let mut mean = vec![0.0; k];
        for m in moments.chunks_exact(k) {
            mean.iter_mut().zip(m).for_each(|(s, v)| *s += v);
        }
        mean.iter_mut().for_each(|v| *v /= nt as f64);
        let mut a = vec![0.0; p * p];
        let mut b = vec![0.0; p];
        design(&mean, z0, q, &mut a, &mut b);
        for j in 2..p {
            a[j * p + j] += self.penalty;
        }
        let mut e1 = vec![0.0; p];
        e1[1] = 1.0;
        let (Some(beta), Some(u)) = (solve(&a, &b, p), solve(&a, &e1, p)) else {
            return (f64::NAN, f64::NAN);
        };
        let lin = score_gradient(&u, &beta, z0, q);
        let centre: f64 = lin.iter().zip(&mean).map(|(l, c)| l * c).sum();
        let (mut total, mut between) = (0.0, 0.0);
        for bag in moments.chunks_exact(group * k) {
            let mut sum = 0.0;
            for m in bag.chunks_exact(k) {
                let phi = lin.iter().zip(m).map(|(l, v)| l * v).sum::<f64>() - centre;
                total += phi * phi;
                sum += phi;
            }
            let m = sum / group as f64;
            between += m * m;
        }
        let between = between / g as f64;
        let total = total / (g * group) as f64;
        let noise = (total - between) / (group - 1) as f64;
        (beta[1], debias(between, noise, g as f64))
    }
}

/// The gradient `L` in the leaf moments `m` of the projected score
/// `phi(m) = u' (b(m) - M(m) beta)` at `z0`: the adjoint of [`design`], entry by entry (the
/// score is affine in `m`, so `phi(m) - phi(m') = L . (m - m')`).
fn score_gradient(u: &[f64], beta: &[f64], z0: &[f64], q: usize) -> Vec<f64> {
    let tri = q * (q + 1) / 2;
    let (ez, ewz, ezy, ewzy, zz) = (3, 3 + q, 3 + 2 * q, 3 + 3 * q, 3 + 4 * q);
    let wzz = zz + tri;
    let mut l = vec![0.0; leaf_moments(q)];
    // weight of the upper-triangle entry (i, j) of the symmetric M in u' M beta
    let h = |i: usize, j: usize| {
        if i == j {
            u[i] * beta[i]
        } else {
            u[i] * beta[j] + u[j] * beta[i]
        }
    };
    // + u' b(m): b = [ey, ewy, ezy - z0 ey, ewzy - z0 ewy]
    l[0] += u[0];
    l[2] += u[1];
    for j in 0..q {
        l[ezy + j] += u[2 + j];
        l[0] -= u[2 + j] * z0[j];
        l[ewzy + j] += u[2 + q + j];
        l[2] -= u[2 + q + j] * z0[j];
    }
    // - u' M(m) beta
    l[1] -= h(0, 1) + h(1, 1);
    let mut t = 0;
    for j in 0..q {
        l[ez + j] -= h(0, 2 + j);
        let c = h(0, 2 + q + j) + h(1, 2 + j) + h(1, 2 + q + j);
        l[ewz + j] -= c;
        l[1] += c * z0[j];
        for k in j..q {
            let c = h(2 + j, 2 + k);
            l[zz + t] -= c;
            l[ez + j] += c * z0[k];
            l[ez + k] += c * z0[j];
            let mut c = h(2 + j, 2 + q + k) + h(2 + q + j, 2 + q + k);
            if j != k {
                c += h(2 + k, 2 + q + j);
            }
            l[wzz + t] -= c;
            l[ewz + j] += c * z0[k];
            l[ewz + k] += c * z0[j];
            l[1] -= c * z0[j] * z0[k];
            t += 1;
        }
    }
    l
}

/// Adds one row's correction moments (everything after the first three) to `acc`:
/// `z, w z, z y, w z y, z z', w z z'` for standardised columns `z`.
#[inline]
pub(crate) fn add_moments(z: &[f64], w: f64, y: f64, acc: &mut [f64]) {
    let q = z.len();
    let (lin, quad) = acc.split_at_mut(4 * q);
    for (j, &zj) in z.iter().enumerate() {
        lin[j] += zj;
        lin[q + j] += w * zj;
        lin[2 * q + j] += zj * y;
        lin[3 * q + j] += w * zj * y;
    }
    let tri = q * (q + 1) / 2;
    let (zz, wzz) = quad.split_at_mut(tri);
    let mut t = 0;
    for j in 0..q {
        for k in j..q {
            let v = z[j] * z[k];
            zz[t] += v;
            wzz[t] += w * v;
            t += 1;
        }
    }
}

/// The local system of one tree's leaf moments `m` at `z0`: `mm = E[D D']` (`p x p`,
/// row-major) and `bb = E[D y]` for `D = [1, w, d, w d]`, `d = z - z0`.
fn design(m: &[f64], z0: &[f64], q: usize, mm: &mut [f64], bb: &mut [f64]) {
    let p = 2 + 2 * q;
    let (ey, ew, ewy) = (m[0], m[1], m[2]);
    let ez = &m[3..3 + q];
    let ewz = &m[3 + q..3 + 2 * q];
    let ezy = &m[3 + 2 * q..3 + 3 * q];
    let ewzy = &m[3 + 3 * q..3 + 4 * q];
    let zz = &m[3 + 4 * q..];
    let tri = q * (q + 1) / 2;
    let (zz, wzz) = zz.split_at(tri);
    // index of (j, k), j <= k, in the row-major upper triangle
    let ti = |j: usize, k: usize| j * q - j * (j + 1) / 2 + k;
    let mut set = |i: usize, j: usize, v: f64| {
        mm[i * p + j] = v;
        mm[j * p + i] = v;
    };
    set(0, 0, 1.0);
    set(0, 1, ew);
    set(1, 1, ew);
    for j in 0..q {
        let ed = ez[j] - z0[j];
        let ewd = ewz[j] - ew * z0[j];
        set(0, 2 + j, ed);
        set(0, 2 + q + j, ewd);
        set(1, 2 + j, ewd);
        set(1, 2 + q + j, ewd);
        for k in j..q {
            let t = ti(j, k);
            let edd = zz[t] - ez[j] * z0[k] - z0[j] * ez[k] + z0[j] * z0[k];
            let ewdd = wzz[t] - ewz[j] * z0[k] - z0[j] * ewz[k] + ew * z0[j] * z0[k];
            set(2 + j, 2 + k, edd);
            set(2 + j, 2 + q + k, ewdd);
            set(2 + k, 2 + q + j, ewdd);
            set(2 + q + j, 2 + q + k, ewdd);
        }
    }
    bb[0] = ey;
    bb[1] = ewy;
    for j in 0..q {
        bb[2 + j] = ezy[j] - z0[j] * ey;
        bb[2 + q + j] = ewzy[j] - z0[j] * ewy;
    }
}

/// Solves `a x = b` (`p x p`, row-major) by Gaussian elimination with partial pivoting;
/// `None` when `a` is numerically singular.
fn solve(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    for c in 0..p {
        let piv = (c..p).max_by(|&i, &j| m[i * p + c].abs().total_cmp(&m[j * p + c].abs()))?;
        // singular: the column has nothing left relative to its own scale (a's diagonal)
        let pivot = m[piv * p + c].abs();
        if pivot.is_nan() || pivot <= 1e-10 * a[c * p + c].abs().max(f64::MIN_POSITIVE) {
            return None;
        }
        if piv != c {
            for j in 0..p {
                m.swap(c * p + j, piv * p + j);
            }
            x.swap(c, piv);
        }
        for i in c + 1..p {
            let f = m[i * p + c] / m[c * p + c];
            if f != 0.0 {
                for j in c..p {
                    m[i * p + j] -= f * m[c * p + j];
                }
                x[i] -= f * x[c];
            }
        }
    }
    for c in (0..p).rev() {
        let s = x[c] - (c + 1..p).map(|j| m[c * p + j] * x[j]).sum::<f64>();
        x[c] = s / m[c * p + c];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::super::variance::pooled;
    use super::*;

    /// One row's full leaf moments (`[y, w, wy, ...]`).
    fn row_moments(z: &[f64], w: f64, y: f64) -> Vec<f64> {
        let mut m = vec![0.0; leaf_moments(z.len())];
        m[0] = y;
        m[1] = w;
        m[2] = w * y;
        add_moments(z, w, y, &mut m[3..]);
        m
    }

    fn spec(q: usize, penalty: f64) -> LinearSpec {
        LinearSpec {
            columns: (0..q).collect(),
            mean: vec![0.0; q],
            scale: vec![1.0; q],
            penalty,
            min: Vec::new(),
            max: Vec::new(),
        }
    }

    #[test]
    fn recovers_a_linear_effect_exactly_and_matches_local_constant_in_the_ridge_limit() {
        // y = 1 + 0.5 z + w (2 + 3 z) with no noise: every tree's leaf holds 4 rows.
        let (mut moments, mut pooled_m) = (Vec::new(), Vec::new());
        for t in 0..8 {
            let mut leaf = vec![0.0; leaf_moments(1)];
            for (i, w) in [0.0, 1.0, 0.0, 1.0].into_iter().enumerate() {
                let z = [0.1 * (t as f64) + 0.3 * i as f64];
                let y = 1.0 + 0.5 * z[0] + w * (2.0 + 3.0 * z[0]);
                for (a, v) in leaf.iter_mut().zip(row_moments(&z, w, y)) {
                    *a += v / 4.0;
                }
            }
            pooled_m.extend_from_slice(&leaf[..3]);
            moments.extend(leaf);
        }
        let z0 = [0.7];
        let (tau, var) = spec(1, 1e-9).estimate(&moments, 2, &z0);
        assert!((tau - (2.0 + 3.0 * 0.7)).abs() < 1e-6, "{tau}");
        assert!(var >= 0.0);
        // a huge penalty removes the slopes: the local-constant (pooled) estimate
        let (tau_inf, var_inf) = spec(1, 1e12).estimate(&moments, 2, &z0);
        let (tau_c, var_c) = pooled(&pooled_m, 2);
        assert!((tau_inf - tau_c).abs() < 1e-9, "{tau_inf} vs {tau_c}");
        assert!((var_inf - var_c).abs() < 1e-9 * var_c.abs().max(1.0));
    }

    #[test]
    fn score_gradient_is_the_adjoint_of_the_design() {
        // phi(m) = u' (b(m) - M(m) beta) evaluated directly vs L . m + phi(0)
        let q = 3;
        let (k, p) = (leaf_moments(q), 2 + 2 * q);
        let wave = |i: usize, s: f64| (i as f64 * 0.7 + s).sin() * 1.3;
        let u: Vec<f64> = (0..p).map(|i| wave(i, 0.1)).collect();
        let beta: Vec<f64> = (0..p).map(|i| wave(i, 2.0)).collect();
        let z0 = [0.3, -1.2, 0.8];
        let phi = |m: &[f64]| {
            let (mut mm, mut bb) = (vec![0.0; p * p], vec![0.0; p]);
            design(m, &z0, q, &mut mm, &mut bb);
            (0..p)
                .map(|i| {
                    let fit: f64 = (0..p).map(|j| mm[i * p + j] * beta[j]).sum();
                    u[i] * (bb[i] - fit)
                })
                .sum::<f64>()
        };
        let l = score_gradient(&u, &beta, &z0, q);
        let zero = vec![0.0; k];
        for s in [0.5, 1.5, 4.0] {
            let m: Vec<f64> = (0..k).map(|i| wave(i, s)).collect();
            let via_l: f64 = phi(&zero) + l.iter().zip(&m).map(|(a, b)| a * b).sum::<f64>();
            assert!((phi(&m) - via_l).abs() < 1e-10, "{} vs {via_l}", phi(&m));
        }
    }

    #[test]
    fn singular_systems_give_nan_not_garbage() {
        // every row treated: the effect is not identified
        let mut moments = Vec::new();
        for _ in 0..4 {
            moments.extend(row_moments(&[0.5, -0.2], 1.0, 3.0));
        }
        let (tau, var) = spec(2, 0.1).estimate(&moments, 2, &[0.0, 0.0]);
        assert!(tau.is_nan() && var.is_nan());
    }

    #[test]
    fn moments_layout_matches_the_upper_triangle() {
        let m = row_moments(&[2.0, 3.0, 5.0], 1.0, 7.0);
        assert_eq!(m.len(), 3 + 12 + 12);
        // z z': (0,0) (0,1) (0,2) (1,1) (1,2) (2,2)
        assert_eq!(&m[15..21], &[4.0, 6.0, 10.0, 9.0, 15.0, 25.0]);
        assert_eq!(&m[21..27], &[4.0, 6.0, 10.0, 9.0, 15.0, 25.0]);
        assert_eq!(&m[3..6], &[2.0, 3.0, 5.0]);
        assert_eq!(&m[9..12], &[14.0, 21.0, 35.0]);
    }
}
