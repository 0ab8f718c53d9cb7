//! Uplift (treatment effect ranking) metrics, defined as in causalml.
//!
//! All functions take the observed outcome `y` (0/1 or any real number), the treatment flag
//! `treatment` (1 = treated, 0 = control) and the model's predicted `uplift`, one value per
//! row. Rows are ranked by predicted uplift, highest first; **ties keep their input order**
//! (a stable sort; causalml's pandas sort breaks ties arbitrarily, so tied scores may give
//! slightly different numbers there).
//!
//! With the top `k` rows of that ranking, write `N_t(k)`, `N_c(k)` for the number of treated
//! and control rows and `Y_t(k)`, `Y_c(k)` for the sum of their outcomes. Then
//!
//! * **Qini curve** (causalml `get_qini`):
//!   `Q(k) = Y_t(k) - Y_c(k) N_t(k) / N_c(k)`: the incremental outcome among treated rows
//!   in the top `k`, with the control group scaled to the treated group's size.
//! * **Uplift (cumulative gain) curve** (causalml `get_cumgain`):
//!   `G(k) = k (Y_t(k) / N_t(k) - Y_c(k) / N_c(k))`: the difference in mean outcome, times
//!   the number of rows targeted.
//!
//! Both curves start at `Q(0) = G(0) = 0`. Where a point is undefined because the top `k` has
//! no control row (Qini) or misses one of the groups (gain), it is linearly interpolated
//! between its defined neighbours, exactly as causalml's `DataFrame.interpolate()` does. The
//! **random line** of a curve `C` is `C(n) k / n`.
//!
//! Scores, with `n + 1` points `k = 0..=n` and curves normalised by `|C(n)|` (causalml's
//! `normalize=True`, the default of its `qini_score` and `auuc_score`):
//!
//! * [`qini_coefficient`] `= (sum_k Q(k) - sum_k R(k)) / (|Q(n)| (n + 1))`: the area between
//!   the normalised Qini curve and its random line, averaged over the population. It equals
//!   causalml's `qini_score(df)` for the model column: 0 for a ranking no better than random,
//!   positive when high predicted uplift goes with high observed uplift.
//! * [`auuc`] `= sum_k G(k) / (|G(n)| (n + 1))`: the mean of the normalised cumulative gain
//!   curve, equal to causalml's `auuc_score(df)` for the model column (causalml's own
//!   "Random" column is an average of 100 random permutations, not computed here; for a random
//!   ranking the expected value is about 0.5).
//!
//! Both normalised scores are undefined when the overall uplift `C(n)` is zero:
//! [`Error::DegenerateTarget`] is returned then, as when either group is absent.

use serde::{Deserialize, Serialize};

use super::{check_finite_slice, check_lengths, labels_to_bools, BinaryLabel};
use crate::error::{Error, Result};

/// One point of a Qini or uplift curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Number of rows targeted (the top `n_targeted` by predicted uplift).
    pub n_targeted: usize,
    /// `n_targeted / n`.
    pub fraction: f64,
    /// The curve value at this point (unnormalised).
    pub value: f64,
    /// The random-targeting line at this point, `C(n) n_targeted / n`.
    pub random: f64,
}

/// Validated inputs, ranked by predicted uplift (descending, stable).
struct Ranked {
    w: Vec<bool>,
    order: Vec<usize>,
}

fn rank<W: BinaryLabel>(y: &[f64], treatment: &[W], uplift: &[f64]) -> Result<Ranked> {
    check_lengths("y", y.len(), "treatment", treatment.len())?;
    check_lengths("y", y.len(), "uplift", uplift.len())?;
    check_finite_slice("y", y)?;
    check_finite_slice("uplift", uplift)?;
    let w = labels_to_bools("treatment", treatment)?;
    let n_t = w.iter().filter(|&&t| t).count();
    if n_t == 0 || n_t == w.len() {
        return Err(Error::degenerate(format!(
            "uplift metrics need treated and control rows; found {n_t} treated and {} control",
            w.len() - n_t
        )));
    }
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| uplift[b].total_cmp(&uplift[a]));
    Ok(Ranked { w, order })
}

#[derive(Clone, Copy)]
enum Kind {
    Qini,
    Gain,
}

/// Raw curve values for k = 0..=n, undefined points interpolated as pandas does.
fn curve(y: &[f64], r: &Ranked, kind: Kind) -> Vec<f64> {
    let n = y.len();
    let mut raw: Vec<Option<f64>> = Vec::with_capacity(n + 1);
    raw.push(Some(0.0));
    let (mut nt, mut nc, mut yt, mut yc) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (i, &row) in r.order.iter().enumerate() {
        if r.w[row] {
            nt += 1.0;
            yt += y[row];
        } else {
            nc += 1.0;
            yc += y[row];
        }
        let k = (i + 1) as f64;
        raw.push(match kind {
            Kind::Qini if nc > 0.0 => Some(yt - yc * nt / nc),
            Kind::Gain if nt > 0.0 && nc > 0.0 => Some(k * (yt / nt - yc / nc)),
            _ => None,
        });
    }
    interpolate(&raw)
}

/// Linear interpolation of missing points between defined neighbours; trailing missing
/// points take the last defined value (pandas `interpolate()` defaults). `raw[0]` is defined.
fn interpolate(raw: &[Option<f64>]) -> Vec<f64> {
    let mut out = vec![0.0; raw.len()];
    let mut last = 0usize;
    out[0] = raw[0].unwrap_or(0.0);
    for i in 1..raw.len() {
        if let Some(v) = raw[i] {
            let (a, va) = (last, out[last]);
            for (j, o) in out.iter_mut().enumerate().take(i).skip(a + 1) {
                *o = va + (v - va) * (j - a) as f64 / (i - a) as f64;
            }
            out[i] = v;
            last = i;
        }
    }
    let tail = out[last];
    for o in out.iter_mut().skip(last + 1) {
        *o = tail;
    }
    out
}

fn points(values: Vec<f64>) -> Vec<CurvePoint> {
    let n = values.len() - 1;
    let end = values[n];
    values
        .into_iter()
        .enumerate()
        .map(|(k, value)| CurvePoint {
            n_targeted: k,
            fraction: k as f64 / n as f64,
            value,
            random: end * k as f64 / n as f64,
        })
        .collect()
}

/// The Qini curve `Q(k)`, `k = 0..=n` (see the [module docs](self) for the definition), with
/// its random line. Unnormalised: `Q(n)` is the incremental outcome of treating everybody.
///
/// ```
/// use optocom_core::metrics::qini_curve;
/// let c = qini_curve(&[1.0, 0.0, 0.0, 0.0], &[1u8, 0, 0, 1], &[0.9, 0.8, 0.7, 0.6]).unwrap();
/// let q: Vec<f64> = c.iter().map(|p| p.value).collect();
/// assert_eq!(q, vec![0.0, 0.5, 1.0, 1.0, 1.0]);
/// ```
pub fn qini_curve<W: BinaryLabel>(
    y: &[f64],
    treatment: &[W],
    uplift: &[f64],
) -> Result<Vec<CurvePoint>> {
    let r = rank(y, treatment, uplift)?;
    Ok(points(curve(y, &r, Kind::Qini)))
}

/// The cumulative gain (uplift) curve `G(k)`, `k = 0..=n` (see the [module docs](self)),
/// with its random line. Unnormalised.
pub fn uplift_curve<W: BinaryLabel>(
    y: &[f64],
    treatment: &[W],
    uplift: &[f64],
) -> Result<Vec<CurvePoint>> {
    let r = rank(y, treatment, uplift)?;
    Ok(points(curve(y, &r, Kind::Gain)))
}

fn normalised_mean(values: &[f64], what: &str) -> Result<f64> {
    let end = values[values.len() - 1];
    if end == 0.0 {
        return Err(Error::degenerate(format!(
            "the {what} curve ends at 0 (no overall uplift), so its normalised area is undefined"
        )));
    }
    Ok(values.iter().sum::<f64>() / end.abs() / values.len() as f64)
}

/// Normalised Qini coefficient, equal to causalml's `qini_score` (normalize=True):
/// `(sum_k Q(k) - sum_k R(k)) / (|Q(n)| (n + 1))` over `k = 0..=n`. About 0 for random
/// targeting; higher is better.
///
/// ```
/// use optocom_core::metrics::qini_coefficient;
/// // Q = [0, 0.5, 1, 1, 1], random line [0, .25, .5, .75, 1]: (3.5 - 2.5) / 5.
/// let q = qini_coefficient(&[1.0, 0.0, 0.0, 0.0], &[1u8, 0, 0, 1], &[0.9, 0.8, 0.7, 0.6]);
/// assert!((q.unwrap() - 0.2).abs() < 1e-12);
/// ```
pub fn qini_coefficient<W: BinaryLabel>(y: &[f64], treatment: &[W], uplift: &[f64]) -> Result<f64> {
    let r = rank(y, treatment, uplift)?;
    let q = curve(y, &r, Kind::Qini);
    let end = q[q.len() - 1];
    // Mean of the normalised random line k/n * sign(Q(n)) over k = 0..=n is sign/2.
    Ok(normalised_mean(&q, "Qini")? - end.signum() * 0.5)
}

/// Area under the normalised cumulative gain curve, equal to causalml's `auuc_score`
/// (normalize=True) for the model column: `sum_k G(k) / (|G(n)| (n + 1))`.
///
/// ```
/// use optocom_core::metrics::auuc;
/// // G = [0, 1 (interpolated), 2, 3, 2]; normalised by 2 and averaged over 5 points.
/// let a = auuc(&[1.0, 0.0, 0.0, 0.0], &[1u8, 0, 0, 1], &[0.9, 0.8, 0.7, 0.6]);
/// assert!((a.unwrap() - 0.8).abs() < 1e-12);
/// ```
pub fn auuc<W: BinaryLabel>(y: &[f64], treatment: &[W], uplift: &[f64]) -> Result<f64> {
    let r = rank(y, treatment, uplift)?;
    normalised_mean(&curve(y, &r, Kind::Gain), "uplift")
}

/// Observed uplift in the top `fraction` of the ranking: among the top `ceil(fraction n)`
/// rows by predicted uplift, mean outcome of the treated minus mean outcome of the control
/// (scikit-uplift's `uplift_at_k` with `strategy="overall"`).
///
/// Errors: `fraction` not in `(0, 1]` -> [`Error::InvalidParameter`]; the top rows hold no
/// treated or no control row -> [`Error::DegenerateTarget`]; plus the input checks.
///
/// ```
/// use optocom_core::metrics::uplift_at_k;
/// let u = uplift_at_k(&[1.0, 0.0, 0.0, 0.0], &[1u8, 0, 0, 1], &[0.9, 0.8, 0.7, 0.6], 0.5);
/// assert_eq!(u.unwrap(), 1.0);
/// ```
pub fn uplift_at_k<W: BinaryLabel>(
    y: &[f64],
    treatment: &[W],
    uplift: &[f64],
    fraction: f64,
) -> Result<f64> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(Error::invalid_param(
            "fraction",
            fraction,
            "must be in (0, 1]",
        ));
    }
    let r = rank(y, treatment, uplift)?;
    let k = ((fraction * y.len() as f64).ceil() as usize).clamp(1, y.len());
    let (mut nt, mut nc, mut yt, mut yc) = (0usize, 0usize, 0.0f64, 0.0f64);
    for &row in &r.order[..k] {
        if r.w[row] {
            nt += 1;
            yt += y[row];
        } else {
            nc += 1;
            yc += y[row];
        }
    }
    if nt == 0 || nc == 0 {
        return Err(Error::degenerate(format!(
            "the top {k} rows hold {nt} treated and {nc} control rows; both are needed"
        )));
    }
    Ok(yt / nt as f64 - yc / nc as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_matches_pandas() {
        let v = interpolate(&[Some(0.0), None, None, Some(3.0), None]);
        assert_eq!(v, vec![0.0, 1.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn one_group_only_is_degenerate() {
        let e = qini_coefficient(&[1.0, 0.0], &[1u8, 1], &[0.1, 0.2]).unwrap_err();
        assert_eq!(e.code(), "degenerate_target");
        let e = auuc(&[0.0, 0.0], &[1u8, 0], &[0.1, 0.2]).unwrap_err();
        assert_eq!(e.code(), "degenerate_target");
        let e = uplift_at_k(&[0.0, 1.0], &[1u8, 0], &[0.1, 0.2], 0.0).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter");
        let e = uplift_at_k(&[0.0, 1.0], &[1u8, 0], &[0.1, 0.2], 0.5).unwrap_err();
        assert_eq!(e.code(), "degenerate_target");
    }
}
