//! Small statistical helpers shared by the models: normal quantiles for confidence and
//! prediction intervals, seeded splits.

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
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley refinement step using erfc.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function: the Chebyshev fit of Numerical Recipes (3rd ed.,
/// `Erf::erfccheb`), accurate to about 1e-16.
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
        t * (-z * z + 0.5 * (COF[0] + ty * d) - dd).exp()
    };
    if x >= 0.0 {
        erfccheb(x)
    } else {
        2.0 - erfccheb(-x)
    }
}

/// The two-sided normal critical value for a confidence `level` in (0, 1), e.g. 1.96 for 0.95.
pub fn z_for_level(level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid_param(
            "level",
            level,
            "must be strictly between 0 and 1 (e.g. 0.9)",
        ));
    }
    Ok(normal_quantile(0.5 + level / 2.0))
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
    fn split_is_seeded_partition() {
        let (a, b) = train_holdout_split(100, 0.2, 7);
        assert_eq!((a.len(), b.len()), (80, 20));
        let mut all: Vec<_> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(train_holdout_split(100, 0.2, 7), (a, b.clone()));
        assert_ne!(train_holdout_split(100, 0.2, 8).1, b);
    }
}
