//! Small statistical helpers shared by the models: normal and Student t quantiles for
//! confidence and prediction intervals, seeded splits.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};

/// The standard normal quantile function (inverse CDF), by Acklam's rational approximation
/// refined with one Halley step (absolute error below 1e-12 on (0, 1)).
///
/// ```
/// let z = optocom_core::stats::normal_quantile(0.975);
/// assert!((z - 1.959963984540054).abs() < 1e-9);
/// ```
// The coefficients are Acklam's published values, kept digit for digit.
#[allow(clippy::excessive_precision)]
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383577518672690e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = (-2.0 * libm::log(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * libm::log(1.0 - p)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley refinement step using erfc.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function: the Chebyshev fit of Numerical Recipes (3rd ed.,
/// `Erf::erfccheb`), accurate to about 1e-16.
#[allow(clippy::excessive_precision)]
fn erfc(x: f64) -> f64 {
    const COF: [f64; 28] = [
        -1.3026537197817094,
        6.4196979235649026e-1,
        1.9476473204185836e-2,
        -9.561514786808631e-3,
        -9.46595344482036e-4,
        3.66839497852761e-4,
        4.2523324806907e-5,
        -2.0278578112534e-5,
        -1.624290004647e-6,
        1.303655835580e-6,
        1.5626441722e-8,
        -8.5238095915e-8,
        6.529054439e-9,
        5.059343495e-9,
        -9.91364156e-10,
        -2.27365122e-10,
        9.6467911e-11,
        2.394038e-12,
        -6.886027e-12,
        8.94487e-13,
        3.13092e-13,
        -1.12708e-13,
        3.81e-16,
        7.106e-15,
        -1.523e-15,
        -9.4e-17,
        1.21e-16,
        -2.8e-17,
    ];
    let erfccheb = |z: f64| -> f64 {
        let t = 2.0 / (2.0 + z);
        let ty = 4.0 * t - 2.0;
        let (mut d, mut dd) = (0.0f64, 0.0f64);
        for &c in COF[1..].iter().rev() {
            let tmp = d;
            d = ty * d - dd + c;
            dd = tmp;
        }
        t * libm::exp(-z * z + 0.5 * (COF[0] + ty * d) - dd)
    };
    if x >= 0.0 {
        erfccheb(x)
    } else {
        2.0 - erfccheb(-x)
    }
}

/// The two-sided normal critical value for a confidence `level` in (0, 1), e.g. 1.96 for 0.95.
/// Finite for every level below 1: it is computed from the tail probability `(1 - level) / 2`
/// (exact for levels from 0.5), not from `0.5 + level / 2`, which rounds to 1 for levels
/// within 1e-16 of 1.
///
/// Errors: `level` not strictly between 0 and 1 -> [`Error::InvalidParameter`].
///
/// ```
/// let z = optocom_core::stats::z_for_level(0.95).unwrap();
/// assert!((z - 1.959963984540054).abs() < 1e-9);
/// assert!(optocom_core::stats::z_for_level(1.0 - f64::EPSILON / 2.0).unwrap().is_finite());
/// ```
pub fn z_for_level(level: f64) -> Result<f64> {
    check_level(level)?;
    Ok(z_critical(level))
}

/// The two-sided Student t critical value with `df` > 0 degrees of freedom for a confidence
/// `level` in (0, 1), e.g. 2.228 for 0.95 and 10 degrees of freedom; finite for every level
/// below 1, like [`z_for_level`].
///
/// Errors: `level` not strictly between 0 and 1 -> [`Error::InvalidParameter`].
pub fn t_for_level(level: f64, df: f64) -> Result<f64> {
    check_level(level)?;
    Ok(t_critical(level, df))
}

fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_param(
            "level",
            level,
            "must be strictly between 0 and 1 (e.g. 0.9)",
        ))
    }
}

/// [`z_for_level`] for a level already checked.
pub(crate) fn z_critical(level: f64) -> f64 {
    -normal_quantile((1.0 - level) / 2.0)
}

/// [`t_for_level`] for a level already checked.
pub(crate) fn t_critical(level: f64, df: f64) -> f64 {
    t_upper((1.0 - level) / 2.0, df)
}

/// A seeded random split of `0..n` into (train, holdout) index lists, holdout of
/// `round(n * fraction)` rows, both sorted ascending.
pub fn train_holdout_split(n: usize, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    idx.shuffle(&mut rng);
    let n_hold = ((n as f64) * fraction).round() as usize;
    let mut hold = idx[..n_hold.min(n)].to_vec();
    let mut train = idx[n_hold.min(n)..].to_vec();
    hold.sort_unstable();
    train.sort_unstable();
    (train, hold)
}

/// Natural log of the gamma function (Lanczos, g = 7, 9 terms; relative error below 1e-13
/// for x > 0).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return libm::log(pi / libm::sin(pi * x)) - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * libm::log(2.0 * std::f64::consts::PI) + (x + 0.5) * libm::log(t) - t + libm::log(a)
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Regularized incomplete beta function I_x(a, b).
fn reg_inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front =
        ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * libm::log(x) + b * libm::log(1.0 - x);
    let front = libm::exp(ln_front);
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// CDF of Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * reg_inc_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// Quantile of Student's t with `df` > 0 degrees of freedom, for `p` in (0, 1): bisection on
/// the tail probability to 1e-12 (relative).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p < 0.5 {
        -t_upper(p, df)
    } else {
        t_upper(1.0 - p, df)
    }
}

/// The `t >= 0` whose upper-tail probability under Student's t with `df` degrees of freedom
/// is `tail` (in (0, 0.5]), by bisection on the tail itself, so that tails far below the
/// rounding of `1 - tail` (levels near 1) keep their precision.
fn t_upper(tail: f64, df: f64) -> f64 {
    if df > 1e7 {
        return -normal_quantile(tail);
    }
    let upper = |t: f64| 0.5 * reg_inc_beta(df / 2.0, 0.5, df / (df + t * t));
    let mut hi = (-normal_quantile(tail)).max(1.0);
    while upper(hi) > tail && hi < 1e150 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..400 {
        let mid = 0.5 * (lo + hi);
        if upper(mid) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_known_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.95, 1.6448536269514722),
            (0.975, 1.959963984540054),
            (0.995, 2.5758293035489004),
            (0.001, -3.090232306167813),
            (1e-10, -6.361340902404056),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-9, "p={p}");
        }
        for x in [-3.0, -1.0, 0.0, 0.5, 2.0] {
            assert!((normal_quantile(normal_cdf(x)) - x).abs() < 1e-9);
        }
    }

    #[test]
    fn level_checked() {
        assert!((z_for_level(0.95).unwrap() - 1.959963984540054).abs() < 1e-9);
        for bad in [0.0, 1.0, -0.1, f64::NAN] {
            assert_eq!(z_for_level(bad).unwrap_err().code(), "invalid_parameter");
        }
    }

    #[test]
    fn critical_values_stay_finite_and_exact_up_to_the_largest_level_below_1() {
        let top = 1.0 - f64::EPSILON / 2.0; // 0.9999999999999999, the largest double below 1
        let z = z_for_level(top).unwrap();
        // The tail (1 - top) / 2 = 2^-54: z = 8.2924 (scipy.stats.norm.ppf).
        assert!((z - 8.292_361_075_813_597).abs() < 1e-6, "{z}");
        assert!(z > z_for_level(1.0 - 1e-15).unwrap());
        // Cauchy (df = 1) in closed form: t = tan(pi (0.5 - tail)) = 1 / tan(pi * tail).
        let tail = f64::EPSILON / 4.0;
        let t = t_for_level(top, 1.0).unwrap();
        let closed = 1.0 / (std::f64::consts::PI * tail).tan();
        assert!(((t - closed) / closed).abs() < 1e-9, "{t} vs {closed}");
        for df in [2.5, 10.0, 1e3, 1e8] {
            let t = t_for_level(top, df).unwrap();
            assert!(t.is_finite() && t >= z * (1.0 - 1e-9), "df={df}: {t}");
        }
        assert!((t_for_level(0.95, 10.0).unwrap() - 2.228_138_851_986).abs() < 1e-7);
        for bad in [0.0, 1.0, 1.5, f64::NAN] {
            assert_eq!(
                t_for_level(bad, 5.0).unwrap_err().code(),
                "invalid_parameter"
            );
        }
    }

    #[test]
    fn split_is_seeded_partition() {
        let (a, b) = train_holdout_split(100, 0.2, 7);
        assert_eq!((a.len(), b.len()), (80, 20));
        let mut all: Vec<_> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(train_holdout_split(100, 0.2, 7), (a, b.clone()));
        assert_ne!(train_holdout_split(100, 0.2, 8).1, b);
    }

    #[test]
    fn t_known_quantiles() {
        // Tables: t_{0.975, 10} = 2.228139, t_{0.975, 1} = 12.7062, t_{0.95, 3} = 2.353363.
        assert!((t_quantile(0.975, 10.0) - 2.228_138_851_986).abs() < 1e-7);
        assert!((t_quantile(0.975, 1.0) - 12.706_204_736_17).abs() < 1e-6);
        assert!((t_quantile(0.95, 3.0) - 2.353_363_434_8).abs() < 1e-7);
        // df = 2 has a closed form: t = (2p - 1) / sqrt(2 p (1 - p)).
        let p: f64 = 0.975;
        let closed = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
        assert!((t_quantile(p, 2.0) - closed).abs() < 1e-9);
        assert!((t_cdf(t_quantile(0.9, 7.3), 7.3) - 0.9).abs() < 1e-10);
        assert!((t_quantile(0.025, 10.0) + 2.228_138_851_986).abs() < 1e-7);
        assert!((t_quantile(0.975, 1e9) - 1.959_964).abs() < 1e-6);
        assert!((t_cdf(0.0, 5.0) - 0.5).abs() < 1e-15);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
    }
}
