//! metrics integration tests.

use optocom_core::metrics::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// O(n^2) AUC: share of (positive, negative) pairs ordered correctly, ties counting 1/2.
fn brute_auc(y: &[bool], s: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..y.len() {
        for j in 0..y.len() {
            if y[i] && !y[j] {
                den += 1.0;
                if s[i] > s[j] {
                    num += 1.0;
                } else if s[i] == s[j] {
                    num += 0.5;
                }
            }
        }
    }
    num / den
}

#[test]
fn auc_perfect_reversed_random() {
    let y: Vec<bool> = (0..100).map(|i| i >= 50).collect();
    let s: Vec<f64> = (0..100).map(|i| i as f64).collect();
    assert_eq!(roc_auc(&y, &s).unwrap(), 1.0);
    let rev: Vec<f64> = s.iter().map(|v| -v).collect();
    assert_eq!(roc_auc(&y, &rev).unwrap(), 0.0);

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let y: Vec<bool> = (0..20_000).map(|_| rng.gen_bool(0.3)).collect();
    let s: Vec<f64> = (0..20_000).map(|_| rng.gen::<f64>()).collect();
    let a = roc_auc(&y, &s).unwrap();
    assert!((a - 0.5).abs() < 0.02, "random AUC {a}");
}

#[test]
fn auc_matches_brute_force_with_ties() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for trial in 0..20 {
        let n = 50 + trial * 10;
        let y: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.4)).collect();
        if y.iter().all(|&b| b) || y.iter().all(|&b| !b) {
            continue;
        }
        // Few distinct values, so plenty of ties.
        let s: Vec<f64> = (0..n).map(|_| rng.gen_range(0..7) as f64 / 7.0).collect();
        let fast = roc_auc(&y, &s).unwrap();
        let slow = brute_auc(&y, &s);
        assert!(
            (fast - slow).abs() < 1e-12,
            "trial {trial}: {fast} vs {slow}"
        );
        let y8: Vec<u8> = y.iter().map(|&b| u8::from(b)).collect();
        assert_eq!(roc_auc(&y8, &s).unwrap(), fast);
    }
}

#[test]
fn probability_metrics_hand_computed() {
    let y = [true, false, true, false];
    let p = [0.9, 0.2, 0.4, 0.6];
    // (0.01 + 0.04 + 0.36 + 0.36) / 4
    assert!((brier_score(&y, &p).unwrap() - 0.1925).abs() < 1e-12);
    let ll = -(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln() + 0.4f64.ln()) / 4.0;
    assert!((log_loss(&y, &p).unwrap() - ll).abs() < 1e-12);
    assert_eq!(accuracy(&y, &p).unwrap(), 0.5);
    // Clipping: a certain wrong prediction costs -ln(1e-15).
    let l = log_loss(&[true], &[0.0]).unwrap();
    assert!((l - 1e-15f64.ln().abs()).abs() < 1e-9);
}

#[test]
fn calibration_bins_cover_all_rows() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let p: Vec<f64> = (0..5000).map(|_| rng.gen::<f64>()).collect();
    let y: Vec<bool> = p.iter().map(|&q| rng.gen_bool(q)).collect();
    let t = calibration_table(&y, &p, 10).unwrap();
    assert_eq!(t.len(), 10);
    assert_eq!(t.iter().map(|b| b.count).sum::<usize>(), 5000);
    for b in &t {
        assert!(b.mean_predicted >= b.lower && b.mean_predicted < b.upper);
        // Calibrated by construction.
        assert!((b.observed_rate - b.mean_predicted).abs() < 0.08, "{b:?}");
    }
    // p = 1.0 lands in the last bin.
    let t = calibration_table(&[true], &[1.0], 4).unwrap();
    assert_eq!((t[0].lower, t[0].upper), (0.75, 1.0));
}

#[test]
fn errors_name_the_row() {
    let e = brier_score(&[true, false, true], &[0.1, f64::NAN, 0.2]).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(e.to_string().starts_with("row 1, column `proba`"), "{e}");
    assert_eq!(
        rmse(&[1.0], &[1.0, 2.0]).unwrap_err().code(),
        "shape_mismatch"
    );
    assert_eq!(mae(&[], &[]).unwrap_err().code(), "empty_input");
    assert_eq!(
        roc_auc(&[false, false], &[0.1, 0.2]).unwrap_err().code(),
        "degenerate_target"
    );
    let e = qini_coefficient(&[1.0, 0.0], &[1u8, 3], &[0.1, 0.2]).unwrap_err();
    assert!(e.to_string().contains("column `treatment`"), "{e}");
}

/// Synthetic trial: baseline response 0.2, true uplift tau in [0, 0.4].
fn trial(n: usize, seed: u64) -> (Vec<f64>, Vec<u8>, Vec<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut y = Vec::with_capacity(n);
    let mut w = Vec::with_capacity(n);
    let mut tau = Vec::with_capacity(n);
    for _ in 0..n {
        let t: f64 = rng.gen::<f64>() * 0.4;
        let treated = rng.gen_bool(0.5);
        let p = 0.2 + if treated { t } else { 0.0 };
        y.push(f64::from(u8::from(rng.gen_bool(p))));
        w.push(u8::from(treated));
        tau.push(t);
    }
    (y, w, tau)
}

#[test]
fn qini_oracle_beats_random() {
    let (y, w, tau) = trial(20_000, 5);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
    let noise: Vec<f64> = (0..y.len()).map(|_| rng.gen::<f64>()).collect();
    let neg: Vec<f64> = tau.iter().map(|t| -t).collect();

    let q_oracle = qini_coefficient(&y, &w, &tau).unwrap();
    let q_random = qini_coefficient(&y, &w, &noise).unwrap();
    let q_worst = qini_coefficient(&y, &w, &neg).unwrap();
    assert!(q_oracle > 0.1, "oracle {q_oracle}");
    assert!(q_random.abs() < 0.05, "random {q_random}");
    assert!(q_worst < -0.1, "reversed {q_worst}");

    let a_oracle = auuc(&y, &w, &tau).unwrap();
    let a_random = auuc(&y, &w, &noise).unwrap();
    assert!(a_oracle > a_random + 0.1, "{a_oracle} vs {a_random}");
    assert!((a_random - 0.5).abs() < 0.1, "random auuc {a_random}");

    // Top 20% by true uplift (mean tau ~0.36) vs everyone (mean tau 0.2).
    let top = uplift_at_k(&y, &w, &tau, 0.2).unwrap();
    let all = uplift_at_k(&y, &w, &tau, 1.0).unwrap();
    assert!(top > all + 0.08, "top {top} all {all}");
    assert!((all - 0.2).abs() < 0.03, "overall uplift {all}");
}

#[test]
fn curves_have_n_plus_one_points_and_end_on_random_line() {
    let (y, w, tau) = trial(500, 8);
    for c in [
        qini_curve(&y, &w, &tau).unwrap(),
        uplift_curve(&y, &w, &tau).unwrap(),
    ] {
        assert_eq!(c.len(), 501);
        assert_eq!(c[0].value, 0.0);
        let last = c[500];
        assert_eq!(last.value, last.random);
        assert_eq!(last.fraction, 1.0);
    }
    // Qini and gain curves agree at k = n when groups are the same size up to scaling:
    // Q(n) = N_t (mean_t - mean_c) and G(n) = n (mean_t - mean_c).
    let q = qini_curve(&y, &w, &tau).unwrap()[500].value;
    let g = uplift_curve(&y, &w, &tau).unwrap()[500].value;
    let nt = w.iter().filter(|&&t| t == 1).count() as f64;
    assert!((q / nt - g / 500.0).abs() < 1e-12);
}
