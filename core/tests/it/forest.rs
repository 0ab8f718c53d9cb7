//! forest integration tests: quality on noisy purchase-like data, determinism, persistence,
//! input validation, agreement with linfa-trees.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use optocom_core::features::FeatureSchema;
use optocom_core::forest::{
    ForestParams, Impurity, MaxFeatures, RandomForestClassifier, RandomForestRegressor, Sampling,
};
use optocom_core::{Error, Persist};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Purchase-like data: age 5-95, days since last purchase 0-1500, six 0/1 flags
/// (varifocal, high prescription, benefits, employed, contact lenses, newsletter); the true
/// purchase probability is a logistic function of mostly additive effects. Returns
/// `(x, y, true probability)`.
fn purchase_data(n: usize, seed: u64) -> (Array2<f64>, Array1<usize>, Array1<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 8));
    let mut y = Array1::zeros(n);
    let mut p = Array1::zeros(n);
    for i in 0..n {
        let age = rng.gen_range(5.0..95.0f64).round();
        let days = (rng.gen::<f64>().powf(1.3) * 1500.0).round();
        let varifocal = rng.gen_bool(if age > 45.0 { 0.55 } else { 0.08 });
        let high_rx = rng.gen_bool(0.25);
        let benefits = rng.gen_bool(if !(18.0..=65.0).contains(&age) {
            0.6
        } else {
            0.25
        });
        let employed = rng.gen_bool(if (22.0..66.0).contains(&age) {
            0.7
        } else {
            0.1
        });
        let contacts = rng.gen_bool(0.2);
        let newsletter = rng.gen_bool(0.4);
        let b = |v: bool| f64::from(u8::from(v));
        let mut logit = -1.6;
        logit += if age > 45.0 { 0.55 } else { 0.0 };
        logit += if age > 65.0 { 0.2 } else { 0.0 };
        logit -= if age < 16.0 { 0.3 } else { 0.0 };
        logit += 0.45 * b(varifocal) + 0.4 * b(high_rx) - 0.45 * b(benefits) + 0.35 * b(employed);
        logit += 0.1 * b(contacts);
        // rising towards the two-year recall, flat after
        logit += 1.1 * (days / 730.0).min(1.0) - 0.25 * ((days - 730.0) / 770.0).max(0.0);
        let prob = 1.0 / (1.0 + (-1.2 * logit - 0.35).exp());
        let row = [
            age,
            days,
            b(varifocal),
            b(high_rx),
            b(benefits),
            b(employed),
            b(contacts),
            b(newsletter),
        ];
        for (j, v) in row.iter().enumerate() {
            x[[i, j]] = *v;
        }
        p[i] = prob;
        y[i] = usize::from(rng.gen_bool(prob));
    }
    (x, y, p)
}

/// Area under the ROC curve (Mann-Whitney, ties averaged).
fn auc(score: ArrayView1<'_, f64>, y: ArrayView1<'_, usize>) -> f64 {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] == 1 {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    let n_pos = y.iter().filter(|&&v| v == 1).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    (rank_sum_pos - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

#[test]
fn auc_helper_is_right() {
    let s = Array1::from(vec![0.1, 0.4, 0.35, 0.8]);
    let y = Array1::from(vec![0, 0, 1, 1]);
    assert!((auc(s.view(), y.view()) - 0.75).abs() < 1e-12);
    let tied = Array1::from(vec![0.5, 0.5]);
    assert!((auc(tied.view(), Array1::from(vec![0, 1]).view()) - 0.5).abs() < 1e-12);
}

/// `y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4` (Friedman #1) plus a pure-noise
/// column x5, with optional Gaussian-ish noise.
fn friedman(n: usize, noise: f64, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, 6), |_| rng.gen::<f64>());
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let e: f64 = (0..4).map(|_| rng.gen::<f64>() - 0.5).sum();
            10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
                + 20.0 * (r[2] - 0.5).powi(2)
                + 10.0 * r[3]
                + 5.0 * r[4]
                + noise * e
        })
        .collect();
    (x, y)
}

fn r2(pred: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
    let mean = y.mean().unwrap_or(0.0);
    let ss_res: f64 = pred.iter().zip(y).map(|(p, y)| (y - p) * (y - p)).sum();
    let ss_tot: f64 = y.iter().map(|y| (y - mean) * (y - mean)).sum();
    1.0 - ss_res / ss_tot
}

fn accuracy(pred: ArrayView1<'_, usize>, y: ArrayView1<'_, usize>) -> f64 {
    pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn bits(a: &Array2<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn default_params_reach_true_auc_on_noisy_purchase_data() {
    let (x, y, _) = purchase_data(8000, 1);
    let (xt, yt, pt) = purchase_data(20000, 2);
    let true_auc = auc(pt.view(), yt.view());
    assert!(
        (0.68..0.74).contains(&true_auc),
        "generator drifted: {true_auc}"
    );

    let model = RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).unwrap();
    let model_auc = auc(model.predict_proba(xt.view()).unwrap().column(1), yt.view());
    assert!(
        model_auc >= true_auc - 0.01,
        "default AUC {model_auc:.4} vs true {true_auc:.4}"
    );

    // Fully grown bootstrap trees (scikit-learn's defaults) overfit the noise.
    let full = ForestParams::default()
        .min_samples_leaf(1)
        .sampling(Sampling::Bootstrap);
    let full = RandomForestClassifier::fit(&full, x.view(), y.view()).unwrap();
    let full_auc = auc(full.predict_proba(xt.view()).unwrap().column(1), yt.view());
    assert!(
        full_auc < model_auc - 0.03,
        "full {full_auc:.4} vs default {model_auc:.4}"
    );
    println!("true AUC {true_auc:.4}, default {model_auc:.4}, fully grown {full_auc:.4}");
}

#[test]
fn regression_r2_on_known_function() {
    let (x, y) = friedman(4000, 0.0, 3);
    let (xt, yt) = friedman(2000, 0.0, 4);
    let p = ForestParams::default()
        .min_samples_leaf(2)
        .max_features(MaxFeatures::Fraction(0.5));
    let m = RandomForestRegressor::fit(&p, x.view(), y.view()).unwrap();
    let score = r2(m.predict(xt.view()).unwrap().view(), yt.view());
    assert!(score > 0.85, "R^2 {score}");
    // defaults (noise-oriented leaf size) still learn it well
    let d = RandomForestRegressor::fit(&ForestParams::default(), x.view(), y.view()).unwrap();
    let score_d = r2(d.predict(xt.view()).unwrap().view(), yt.view());
    assert!(score_d > 0.75, "default R^2 {score_d}");
    // predict_row agrees with predict bit for bit
    let batch = m.predict(xt.view()).unwrap();
    for i in [0, 17, 1999] {
        let row = xt.row(i).to_vec();
        assert_eq!(m.predict_row(&row).unwrap().to_bits(), batch[i].to_bits());
    }
}

/// Small batches are walked row by row in the calling thread (no pool), large ones on the
/// pool's coded path: every row gets the same bits either way, for contiguous and strided
/// inputs, one output or several, and any `n_jobs`.
#[test]
fn small_and_large_batches_predict_the_same_bits() {
    let (x, y) = friedman(3000, 0.5, 8);
    let reg = RandomForestRegressor::fit(&ForestParams::default().n_trees(50), x.view(), y.view())
        .unwrap();
    let (xc, labels, _) = purchase_data(3000, 9);
    let clf =
        RandomForestClassifier::fit(&ForestParams::default(), xc.view(), labels.view()).unwrap();
    let all_r = reg.predict(x.view()).unwrap();
    let all_c = clf.predict_proba(xc.view()).unwrap();
    for n in [1, 2, 7, 40, 79, 80, 81, 200] {
        let r = reg.predict(x.slice(ndarray::s![..n, ..])).unwrap();
        assert_eq!(
            r.mapv(f64::to_bits),
            all_r.slice(ndarray::s![..n]).mapv(f64::to_bits)
        );
        let c = clf.predict_proba(xc.slice(ndarray::s![..n, ..])).unwrap();
        assert_eq!(
            c.mapv(f64::to_bits),
            all_c.slice(ndarray::s![..n, ..]).mapv(f64::to_bits)
        );
        // A strided view (every other row, reversed columns' copy of the layout).
        let strided = x.slice(ndarray::s![..2 * n;2, ..]);
        let every_other = reg.predict(strided).unwrap();
        for (i, v) in every_other.iter().enumerate() {
            assert_eq!(v.to_bits(), all_r[2 * i].to_bits(), "n {n} row {i}");
        }
        let fortran = x.slice(ndarray::s![..n, ..]).t().to_owned().reversed_axes();
        assert_eq!(
            reg.predict(fortran.view()).unwrap().mapv(f64::to_bits),
            all_r.slice(ndarray::s![..n]).mapv(f64::to_bits)
        );
    }
}

#[test]
fn probabilities_are_valid_for_three_classes() {
    let (x, _, _) = purchase_data(3000, 5);
    // class from age band: 0 young, 1 middle, 2 old (with label noise on flags)
    let y: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|r| {
            if r[0] < 30.0 {
                0
            } else if r[0] < 60.0 {
                1
            } else {
                2
            }
        })
        .collect();
    for imp in [Impurity::Gini, Impurity::Entropy] {
        let p = ForestParams::default().n_trees(40).impurity(imp);
        let m = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
        assert_eq!(m.n_classes(), 3);
        assert_eq!(m.n_features(), 8);
        let proba = m.predict_proba(x.view()).unwrap();
        assert_eq!(proba.dim(), (3000, 3));
        for row in proba.rows() {
            assert!(row.iter().all(|&v| (0.0..=1.0).contains(&v)));
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        let acc = accuracy(m.predict(x.view()).unwrap().view(), y.view());
        assert!(acc > 0.97, "{imp:?} accuracy {acc}");
        let row = x.row(10).to_vec();
        let one = m.predict_proba_row(&row).unwrap();
        let bits_row: Vec<u64> = one.iter().map(|v| v.to_bits()).collect();
        let bits_batch: Vec<u64> = proba.row(10).iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits_row, bits_batch);
        assert_eq!(m.predict_row(&row).unwrap(), y[10]);
    }
}

#[test]
fn oob_score_tracks_held_out_score() {
    let (x, y, _) = purchase_data(6000, 6);
    let (xt, yt, _) = purchase_data(10000, 7);
    for sampling in [Sampling::Bootstrap, Sampling::Subsample(0.5)] {
        let p = ForestParams::default().oob(true).sampling(sampling);
        let m = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
        let oob = m.oob_score().expect("oob requested");
        let held = accuracy(m.predict(xt.view()).unwrap().view(), yt.view());
        assert!(
            (oob - held).abs() < 0.03,
            "{sampling:?}: oob {oob} held-out {held}"
        );
        let oob_p = m.oob_proba().unwrap();
        assert_eq!(oob_p.dim(), (6000, 2));
        let oob_auc = auc(oob_p.column(1), y.view());
        let held_auc = auc(m.predict_proba(xt.view()).unwrap().column(1), yt.view());
        assert!(
            (oob_auc - held_auc).abs() < 0.03,
            "oob AUC {oob_auc} held {held_auc}"
        );
    }
    let plain = RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).unwrap();
    assert!(plain.oob_score().is_none() && plain.oob_proba().is_none());

    let (x, y) = friedman(3000, 1.0, 8);
    let (xt, yt) = friedman(3000, 1.0, 9);
    let p = ForestParams::default().oob(true).min_samples_leaf(3);
    let m = RandomForestRegressor::fit(&p, x.view(), y.view()).unwrap();
    let oob = m.oob_score().unwrap();
    let held = r2(m.predict(xt.view()).unwrap().view(), yt.view());
    assert!((oob - held).abs() < 0.05, "oob R^2 {oob} held-out {held}");
    assert_eq!(m.oob_prediction().unwrap().len(), 3000);
}

#[test]
fn importances_sum_to_one_and_rank_noise_last() {
    let (x, y) = friedman(3000, 0.5, 10);
    let m = RandomForestRegressor::fit(&ForestParams::default(), x.view(), y.view()).unwrap();
    let imp = m.feature_importances();
    assert!((imp.sum() - 1.0).abs() < 1e-12);
    assert!(imp.iter().all(|&v| v >= 0.0));
    let noise = imp[5];
    assert!(imp.iter().take(5).all(|&v| v > noise), "{imp}");

    // classifier: a continuous noise column appended to the purchase data
    let (x, y, _) = purchase_data(5000, 11);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let noise_col = Array2::from_shape_fn((5000, 1), |_| rng.gen::<f64>() * 1000.0);
    let xn = ndarray::concatenate(Axis(1), &[x.view(), noise_col.view()]).unwrap();
    let m = RandomForestClassifier::fit(&ForestParams::default(), xn.view(), y.view()).unwrap();
    let imp = m.feature_importances();
    assert!((imp.sum() - 1.0).abs() < 1e-12);
    // the strongest signals (days since purchase, age) outrank the noise column
    assert!(imp[1] > imp[8] && imp[0] > imp[8], "{imp}");
}

#[test]
fn single_deep_tree_matches_linfa_decision_tree() {
    use linfa::prelude::*;
    use linfa_trees::DecisionTree;
    // nested-rule problem: label = (x0 > 0.5 && x1 > 0.3) || x2 > 0.8
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    let x = Array2::from_shape_fn((2000, 4), |_| (rng.gen::<f64>() * 100.0).round() / 100.0);
    let y: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|r| usize::from((r[0] > 0.5 && r[1] > 0.3) || r[2] > 0.8))
        .collect();
    let ours = ForestParams::default()
        .n_trees(1)
        .max_features(MaxFeatures::All)
        .sampling(Sampling::Subsample(1.0))
        .min_samples_leaf(1);
    let ours = RandomForestClassifier::fit(&ours, x.view(), y.view()).unwrap();
    let ours_acc = accuracy(ours.predict(x.view()).unwrap().view(), y.view());

    let ds = Dataset::new(x.clone(), y.clone());
    let reference = DecisionTree::params().fit(&ds).unwrap();
    let ref_pred: Array1<usize> = reference.predict(&x);
    let ref_acc = accuracy(ref_pred.view(), y.view());
    assert!(
        ref_acc > 0.99 && ours_acc >= ref_acc - 0.005,
        "ours {ours_acc} linfa {ref_acc}"
    );

    // and on held-out rows the two generalise alike
    let xt = Array2::from_shape_fn((2000, 4), |_| (rng.gen::<f64>() * 100.0).round() / 100.0);
    let yt: Array1<usize> = xt
        .rows()
        .into_iter()
        .map(|r| usize::from((r[0] > 0.5 && r[1] > 0.3) || r[2] > 0.8))
        .collect();
    let a = accuracy(ours.predict(xt.view()).unwrap().view(), yt.view());
    let rp: Array1<usize> = reference.predict(&xt);
    let b = accuracy(rp.view(), yt.view());
    assert!(
        (a - b).abs() < 0.02 && a > 0.97,
        "held-out ours {a} linfa {b}"
    );
    assert_eq!(ours.trees().len(), 1);
}

#[test]
fn linfa_fit_trait_on_classification_dataset() {
    use linfa::prelude::*;
    let (x, y, _) = purchase_data(2000, 14);
    let ds = Dataset::new(x.clone(), y.clone());
    let p = ForestParams::default().n_trees(20);
    let via_linfa: RandomForestClassifier = p.fit(&ds).unwrap();
    let direct = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
    assert_eq!(
        bits(&via_linfa.predict_proba(x.view()).unwrap()),
        bits(&direct.predict_proba(x.view()).unwrap())
    );
    let labels: Array1<usize> = Predict::predict(&via_linfa, &x);
    assert_eq!(labels, direct.predict(x.view()).unwrap());
}

/// FNV-1a over prediction bits: a fingerprint that any change of thread count or of the
/// `parallel` feature must leave unchanged.
fn fingerprint(a: &Array2<f64>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in a.iter() {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (x, y, _) = purchase_data(3000, 15);
    let mut reference: Option<(Vec<u64>, Vec<optocom_core::forest::Tree>)> = None;
    for n_jobs in [Some(1), Some(2), Some(3), None] {
        for sampling in [Sampling::Bootstrap, Sampling::Subsample(0.5)] {
            let p = ForestParams::default()
                .n_trees(30)
                .n_jobs(n_jobs)
                .sampling(sampling)
                .oob(true);
            let m = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
            let b = bits(&m.predict_proba(x.view()).unwrap());
            let oob: Vec<u64> = m.oob_proba().unwrap().iter().map(|v| v.to_bits()).collect();
            if sampling == Sampling::Bootstrap {
                let key = ([b, oob].concat(), m.trees().to_vec());
                match &reference {
                    None => reference = Some(key),
                    Some(r) => assert!(r == &key, "n_jobs {n_jobs:?} differs"),
                }
            }
        }
    }
    let (x, y) = friedman(2000, 1.0, 16);
    let fit = |jobs| {
        let p = ForestParams::default().n_trees(20).n_jobs(jobs);
        RandomForestRegressor::fit(&p, x.view(), y.view())
            .unwrap()
            .predict(x.view())
            .unwrap()
    };
    let (a, b) = (fit(Some(1)), fit(Some(2)));
    assert!(a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()));
}

/// Golden fingerprint of a fixed fit, identical with and without the `parallel` feature
/// (`cargo test` and `cargo test --no-default-features` both check it). Update it only for an
/// intentional change of the algorithm.
#[test]
fn parallel_and_sequential_builds_agree() {
    // arithmetic-only data (no libm calls), so the fingerprint is platform independent
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    let x = Array2::from_shape_fn((2000, 5), |(_, j)| {
        if j < 2 {
            rng.gen_range(0..1000) as f64
        } else {
            f64::from(u8::from(rng.gen_bool(0.4)))
        }
    });
    let y: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|r| usize::from(rng.gen_bool(0.2 + 0.0004 * r[0] + 0.1 * r[2])))
        .collect();
    let p = ForestParams::default().n_trees(25).n_jobs(Some(2));
    let m = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
    let fp = fingerprint(&m.predict_proba(x.view()).unwrap());
    assert_eq!(fp, GOLDEN_FINGERPRINT, "fingerprint {fp:#x}");
}

const GOLDEN_FINGERPRINT: u64 = 0x3a2a_6846_75ce_3e09;

#[test]
fn persist_round_trip_is_bit_exact() {
    let (x, y, _) = purchase_data(3000, 18);
    let names = [
        "age",
        "days_since_last_purchase",
        "varifocal",
        "high_rx",
        "benefits",
        "employed",
        "contacts",
        "newsletter",
    ];
    let schema = FeatureSchema::numeric("purchase-test", &names);
    let p = ForestParams::default().oob(true).seed(99);
    let m =
        RandomForestClassifier::fit_with_schema(&p, x.view(), y.view(), schema.clone()).unwrap();
    let json = m.to_json().unwrap();
    assert!(json.contains("\"kind\":\"random_forest_classifier\""));
    let back = RandomForestClassifier::from_json(&json).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.schema(), &schema);
    assert_eq!(back.params(), &p);
    assert_eq!(
        bits(&back.predict_proba(x.view()).unwrap()),
        bits(&m.predict_proba(x.view()).unwrap())
    );
    assert_eq!(back.oob_score(), m.oob_score());
    assert_eq!(back.feature_importances(), m.feature_importances());

    let dir = std::env::temp_dir().join(format!("optocom_forest_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rf.json");
    m.save(&path).unwrap();
    assert_eq!(RandomForestClassifier::load(&path).unwrap(), m);
    std::fs::remove_dir_all(&dir).ok();

    // wrong kind, corrupted trees
    assert_eq!(
        RandomForestRegressor::from_json(&json).unwrap_err().code(),
        "invalid_artifact"
    );
    let mut env: serde_json::Value = serde_json::from_str(&json).unwrap();
    env["state"]["forest"]["trees"][0]["child"] = serde_json::json!("AAAAAA==");
    let e = RandomForestClassifier::from_json(&env.to_string()).unwrap_err();
    assert_eq!(e.code(), "invalid_artifact", "{e}");
    let mut env: serde_json::Value = serde_json::from_str(&json).unwrap();
    env["state"]["n_classes"] = serde_json::json!(5);
    assert_eq!(
        RandomForestClassifier::from_json(&env.to_string())
            .unwrap_err()
            .code(),
        "invalid_artifact"
    );

    let (xr, yr) = friedman(1000, 1.0, 19);
    let r = RandomForestRegressor::fit(&ForestParams::default().oob(true), xr.view(), yr.view())
        .unwrap();
    let rb = RandomForestRegressor::from_json(&r.to_json().unwrap()).unwrap();
    assert_eq!(rb, r);
    let (a, b) = (
        r.predict(xr.view()).unwrap(),
        rb.predict(xr.view()).unwrap(),
    );
    assert!(a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn bad_input_gives_typed_errors() {
    let (x, y, _) = purchase_data(200, 20);
    let p = ForestParams::default().n_trees(5);
    let code = |r: Result<RandomForestClassifier, Error>| r.unwrap_err().code();

    assert_eq!(
        code(RandomForestClassifier::fit(
            &p,
            Array2::zeros((0, 8)).view(),
            Array1::zeros(0).view()
        )),
        "empty_input"
    );
    assert_eq!(
        code(RandomForestClassifier::fit(
            &p,
            Array2::zeros((5, 0)).view(),
            Array1::zeros(5).view()
        )),
        "empty_input"
    );
    assert_eq!(
        code(RandomForestClassifier::fit(
            &p,
            x.view(),
            y.slice(ndarray::s![..100])
        )),
        "shape_mismatch"
    );
    let mut xn = x.clone();
    xn[[7, 3]] = f64::NAN;
    let e = RandomForestClassifier::fit(&p, xn.view(), y.view()).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(
        e.to_string().contains("row 7") && e.to_string().contains("x3"),
        "{e}"
    );
    assert_eq!(
        code(RandomForestClassifier::fit(
            &p,
            x.view(),
            Array1::zeros(200).view()
        )),
        "degenerate_target"
    );
    let mut big = y.clone();
    big[3] = usize::MAX;
    assert_eq!(
        code(RandomForestClassifier::fit(&p, x.view(), big.view())),
        "invalid_value"
    );
    assert_eq!(
        code(RandomForestClassifier::fit(
            &p.clone().n_trees(0),
            x.view(),
            y.view()
        )),
        "invalid_parameter"
    );
    assert_eq!(
        code(RandomForestClassifier::fit_with_schema(
            &p,
            x.view(),
            y.view(),
            FeatureSchema::generic(3)
        )),
        "shape_mismatch"
    );

    let m = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
    assert_eq!(
        m.predict_proba(Array2::zeros((3, 7)).view())
            .unwrap_err()
            .code(),
        "shape_mismatch"
    );
    let mut xi = x.clone();
    xi[[0, 0]] = f64::INFINITY;
    assert_eq!(m.predict(xi.view()).unwrap_err().code(), "invalid_value");
    assert_eq!(
        m.predict_proba_row(&[1.0; 3]).unwrap_err().code(),
        "shape_mismatch"
    );
    let mut row = [0.0; 8];
    row[2] = f64::NAN;
    assert_eq!(
        m.predict_proba_row(&row).unwrap_err().code(),
        "invalid_value"
    );
    assert_eq!(
        m.predict_proba(Array2::zeros((0, 8)).view()).unwrap().dim(),
        (0, 2)
    );
    let mut out = [0.0; 3];
    assert_eq!(
        m.predict_proba_row_into(&[0.0; 8], &mut out)
            .unwrap_err()
            .code(),
        "shape_mismatch"
    );

    let yr: Array1<f64> = y.mapv(|v| v as f64);
    let mut yn = yr.clone();
    yn[4] = f64::NEG_INFINITY;
    let e = RandomForestRegressor::fit(&p, x.view(), yn.view()).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert_eq!(
        RandomForestRegressor::fit(&p, x.view(), yr.slice(ndarray::s![1..]))
            .unwrap_err()
            .code(),
        "shape_mismatch"
    );
    let r = RandomForestRegressor::fit(&p, x.view(), yr.view()).unwrap();
    assert_eq!(
        r.predict_row(&[0.0; 9]).unwrap_err().code(),
        "shape_mismatch"
    );
    // a constant regression target is fine: one leaf per tree
    let c = RandomForestRegressor::fit(&p, x.view(), Array1::from_elem(200, 3.5).view()).unwrap();
    assert_eq!(c.predict_row(&[0.0; 8]).unwrap(), 3.5);
    assert!(c.feature_importances().iter().all(|&v| v == 0.0));
}

#[test]
fn tiny_and_edge_inputs_do_not_panic() {
    // one row per class, constant features, a single feature
    let x = ndarray::array![[1.0], [1.0]];
    let y = ndarray::array![0usize, 1];
    let m = RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).unwrap();
    let p = m.predict_proba_row(&[1.0]).unwrap();
    assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
    let x = ndarray::array![[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]];
    let y = ndarray::array![0usize, 2, 2];
    let p = ForestParams::default()
        .min_samples_leaf(1)
        .max_depth(Some(1))
        .sampling(Sampling::Bootstrap)
        .oob(true);
    let m = RandomForestClassifier::fit(&p, x.view(), y.view()).unwrap();
    assert_eq!(m.n_classes(), 3);
    assert!(m.trees().iter().all(|t| t.depth() <= 1));
    let proba = m.predict_proba(x.view()).unwrap();
    assert!(proba.column(1).iter().all(|&v| v == 0.0));
}

#[test]
fn class_labels_travel_with_the_artifact() {
    use optocom_core::forest::ClassLabels;
    let x = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    let y = ndarray::Array1::from_shape_fn(200, |i| usize::from(x[[i, 0]] > 5.0));
    let params = ForestParams::new().n_trees(5).seed(1);
    let m = RandomForestClassifier::fit(&params, x.view(), y.view()).unwrap();
    assert!(m.class_labels().is_none());
    let bad = m
        .clone()
        .with_class_labels(ClassLabels::Int(vec![1]))
        .unwrap_err();
    assert_eq!(bad.code(), "shape_mismatch");
    let dup = m
        .clone()
        .with_class_labels(ClassLabels::Int(vec![2, 2]))
        .unwrap_err();
    assert_eq!(dup.code(), "invalid_parameter");
    let labels = ClassLabels::Text(vec!["no_buy".into(), "buy".into()]);
    let named = m.with_class_labels(labels.clone()).unwrap();
    let json = named.to_json().unwrap();
    assert!(json.contains(r#""labels":["no_buy","buy"]"#));
    let back = RandomForestClassifier::from_json(&json).unwrap();
    assert_eq!(back.class_labels(), Some(&labels));
    assert_eq!(
        back.predict_proba(x.view()).unwrap(),
        named.predict_proba(x.view()).unwrap()
    );
    let ints =
        RandomForestClassifier::from_json(&json.replace(r#"["no_buy","buy"]"#, "[1,2]")).unwrap();
    assert_eq!(ints.class_labels(), Some(&ClassLabels::Int(vec![1, 2])));
    let e = RandomForestClassifier::from_json(&json.replace(r#"["no_buy","buy"]"#, "[true,true]"))
        .unwrap_err();
    assert_eq!(e.code(), "invalid_artifact");
}

#[test]
fn progress_observer_sees_every_tree_and_changes_nothing() {
    use optocom_core::progress;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * 13 + j * 5) % 17) as f64);
    let y = Array1::from_shape_fn(300, |i| usize::from(x[[i, 0]] + x[[i, 1]] > 16.0));
    for n_jobs in [Some(1), Some(2), None] {
        let params = ForestParams::new().n_trees(30).seed(3).n_jobs(n_jobs);
        let plain = RandomForestClassifier::fit(&params, x.view(), y.view()).unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let max_done = Arc::new(AtomicUsize::new(0));
        let (c, m) = (calls.clone(), max_done.clone());
        let observer: progress::Observer = Arc::new(move |done, total| {
            assert_eq!(total, 30);
            c.fetch_add(1, Ordering::Relaxed);
            m.fetch_max(done, Ordering::Relaxed);
        });
        let observed = progress::observe(observer, || {
            RandomForestClassifier::fit(&params, x.view(), y.view())
        })
        .unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 30, "n_jobs {n_jobs:?}");
        assert_eq!(max_done.load(Ordering::Relaxed), 30);
        assert_eq!(
            observed.predict_proba(x.view()).unwrap(),
            plain.predict_proba(x.view()).unwrap()
        );
    }
    // Outside `observe` nothing is reported (the observer does not leak).
    let params = ForestParams::new().n_trees(5);
    RandomForestClassifier::fit(&params, x.view(), y.view()).unwrap();
}
