//! Linear regression (`optocom_core::linear`) integration tests: known answers, the code
//! shared with the forecaster's spend model, persistence and every error.

use std::path::PathBuf;

use chrono::NaiveDate;
use ndarray::{array, Array1, Array2};
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::features::{encode_appointments, FeatureSchema};
use optocom_core::linear::LinearRegression;
use optocom_core::purchase::{PurchaseForecaster, PurchaseParams, SpendModel};
use optocom_core::{Error, Persist};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// `n x p` uniform features in different units and `y = 5 + sum_j (j + 1) (-1)^j x_j`, plus
/// uniform noise of half-width `noise`.
fn data(n: usize, p: usize, noise: f64, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |(_, j)| {
        rng.gen_range(-1.0..1.0) * 10f64.powi(j as i32 % 3) + j as f64
    });
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let f: f64 = r
                .iter()
                .enumerate()
                .map(|(j, v)| (j + 1) as f64 * if j % 2 == 0 { 1.0 } else { -1.0 } * v)
                .sum();
            5.0 + f + noise * rng.gen_range(-1.0..1.0)
        })
        .collect();
    (x, y)
}

fn bits(a: &[f64]) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn recovers_an_exact_linear_function() {
    let (x, y) = data(50, 4, 0.0, 1);
    let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
    let coef = m.coef();
    for (j, c) in coef.iter().enumerate() {
        let truth = (j + 1) as f64 * if j % 2 == 0 { 1.0 } else { -1.0 };
        assert!((c - truth).abs() < 1e-10, "coef {j}: {c} vs {truth}");
    }
    assert!((m.intercept() - 5.0).abs() < 1e-9, "{}", m.intercept());
    let pred = m.predict(x.view()).unwrap();
    for (p, t) in pred.iter().zip(&y) {
        assert!((p - t).abs() < 1e-9);
    }
    // The standardised coefficients are the original ones times the column scales, and the
    // standardised intercept is the mean of y.
    for j in 0..4 {
        let c = m.standardised_coef()[j] / m.scaler().scale[j];
        assert!((c - coef[j]).abs() <= 1e-12 * coef[j].abs());
    }
    let mean = y.sum() / y.len() as f64;
    assert!((m.standardised_intercept() - mean).abs() < 1e-9);
}

#[test]
fn residuals_are_orthogonal_to_every_column() {
    // The normal equations: the defining property of least squares, on noisy data.
    let (x, y) = data(300, 5, 3.0, 2);
    let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
    let r = &y - &m.predict(x.view()).unwrap();
    assert!(r.sum().abs() < 1e-8, "residuals sum to {}", r.sum());
    for j in 0..5 {
        let col = x.column(j);
        let dot: f64 = col.iter().zip(&r).map(|(a, b)| a * b).sum();
        let scale = col.iter().map(|v| v * v).sum::<f64>().sqrt() * y.dot(&y).sqrt();
        assert!(dot.abs() < 1e-12 * scale, "column {j}: {dot}");
    }
}

#[test]
fn predict_row_and_coefficients_agree_with_predict() {
    let (x, y) = data(100, 3, 1.0, 3);
    let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
    let pred = m.predict(x.view()).unwrap();
    let (coef, b) = (m.coef(), m.intercept());
    for (i, r) in x.rows().into_iter().enumerate() {
        let row = r.to_vec();
        assert_eq!(m.predict_row(&row).unwrap().to_bits(), pred[i].to_bits());
        let raw = b + coef.dot(&r);
        assert!((raw - pred[i]).abs() < 1e-9 * (1.0 + pred[i].abs()));
    }
    // Column-major input predicts the same bits.
    let f = x.t().as_standard_layout().into_owned().reversed_axes();
    assert!(!f.is_standard_layout());
    assert_eq!(
        bits(m.predict(f.view()).unwrap().as_slice().unwrap()),
        bits(pred.as_slice().unwrap())
    );
}

#[test]
fn spend_model_runs_the_same_least_squares() {
    let (x, y) = data(200, 4, 2.0, 4);
    let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
    let s = SpendModel::fit(x.view(), y.as_slice().unwrap(), f64::NEG_INFINITY).unwrap();
    assert_eq!(bits(&s.coef), bits(m.standardised_coef()));
    assert_eq!(s.intercept.to_bits(), m.standardised_intercept().to_bits());
    assert_eq!(&s.scaler, m.scaler());
    let a = m.predict(x.view()).unwrap();
    let b = s.predict(x.view()).unwrap();
    assert_eq!(bits(a.as_slice().unwrap()), bits(b.as_slice().unwrap()));
}

/// The forecaster's spend model, refitted as `make fixtures` fitted it, is the golden
/// artifact's model: the scaler and floor bit for bit, and the least-squares solution to
/// rounding (the fixture was fitted by linfa-linear's QR solve; the minimum-norm solve that
/// replaced it gives the same full-rank answer in different last bits).
#[test]
fn golden_forecaster_refit_reproduces_its_spend_model() {
    let saved =
        PurchaseForecaster::load(fixtures().join("golden_purchase_forecaster.json")).unwrap();
    let demo = generate_appointments(
        &DemoParams::new()
            .n_past(2_000)
            .n_upcoming(200)
            .start_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
            .seed(7),
    )
    .unwrap();
    let refit = PurchaseForecaster::fit(&PurchaseParams::new(), &demo.past).unwrap();
    let (a, b) = (saved.spend_model(), refit.spend_model());
    assert_eq!(bits(&a.scaler.mean), bits(&b.scaler.mean));
    assert_eq!(bits(&a.scaler.scale), bits(&b.scaler.scale));
    assert_eq!(a.floor.to_bits(), b.floor.to_bits());
    assert!((a.intercept - b.intercept).abs() <= 1e-12 * a.intercept.abs());
    for (ca, cb) in a.coef.iter().zip(&b.coef) {
        assert!((ca - cb).abs() <= 1e-12 * ca.abs().max(1.0), "{ca} vs {cb}");
    }
    let x = encode_appointments(&demo.upcoming);
    let (pa, pb) = (a.predict(x.view()).unwrap(), b.predict(x.view()).unwrap());
    for (u, v) in pa.iter().zip(&pb) {
        assert!((u - v).abs() <= 1e-10 * u.abs().max(1.0), "{u} vs {v}");
    }
}

/// On full-rank problems the minimum-norm solve is ordinary least squares: linfa-linear's
/// QR solve of the same standardised problem agrees to rounding.
#[test]
fn full_rank_fits_agree_with_linfa_linear() {
    use linfa::traits::Fit;
    for (n, p, noise, seed) in [(200, 4, 2.0, 11), (30, 6, 0.5, 12), (5_000, 8, 1.0, 13)] {
        let (x, y) = data(n, p, noise, seed);
        let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
        let z = m.scaler().transform(x.view()).unwrap();
        let reference = linfa_linear::LinearRegression::new()
            .fit(&linfa::Dataset::new(z, y.clone()))
            .unwrap();
        for (a, b) in m.standardised_coef().iter().zip(reference.params()) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "n={n}: {a} vs {b}"
            );
        }
        let i = reference.intercept();
        assert!((m.standardised_intercept() - i).abs() <= 1e-9 * i.abs().max(1.0));
    }
}

#[test]
fn constant_columns_get_zero_coefficients_and_never_nan() {
    let (mut x, y) = data(60, 3, 0.5, 5);
    x.column_mut(1).fill(0.1); // three 0.1s do not sum to 0.3
    let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
    assert_eq!(m.standardised_coef()[1], 0.0);
    assert_eq!(m.coef()[1], 0.0);
    assert_eq!((m.scaler().mean[1], m.scaler().scale[1]), (0.1, 1.0));
    // Same fit as without the column.
    let without = ndarray::concatenate(
        ndarray::Axis(1),
        &[
            x.column(0).insert_axis(ndarray::Axis(1)),
            x.column(2).insert_axis(ndarray::Axis(1)),
        ],
    )
    .unwrap();
    let m2 = LinearRegression::fit(without.view(), y.view(), None).unwrap();
    assert_eq!(m.standardised_coef()[0], m2.standardised_coef()[0]);
    assert_eq!(m.standardised_coef()[2], m2.standardised_coef()[1]);
    assert_eq!(m.standardised_intercept(), m2.standardised_intercept());
    // Any finite value of the constant column predicts the same.
    let row = [x[[0, 0]], 0.1, x[[0, 2]]];
    let base = m.predict_row(&row).unwrap();
    for v in [-1e308, -3.0, 0.0, 7.5, f64::MAX] {
        assert_eq!(m.predict_row(&[row[0], v, row[2]]).unwrap(), base);
    }
}

/// Exactly collinear columns get scikit-learn's minimum-norm answer: a duplicated column
/// shares the coefficient equally with its copy, a pair of complementary indicators
/// (`b` and `1 - b`, collinear with the intercept) gets equal and opposite standardised
/// coefficients, and predictions stay least-squares ones. Before, the QR solve returned
/// offsetting coefficients of order 1e13 (or failed).
#[test]
fn collinear_columns_get_the_minimum_norm_solution() {
    let (x, y) = data(40, 2, 0.0, 6);
    let col = |a: &Array2<f64>, j: usize| a.column(j).to_owned().insert_axis(ndarray::Axis(1));
    let dup = ndarray::concatenate(ndarray::Axis(1), &[x.view(), col(&x, 0).view()]).unwrap();
    let m = LinearRegression::fit(dup.view(), y.view(), None).unwrap();
    let z = m.standardised_coef();
    assert!((z[0] - z[2]).abs() < 1e-9, "{z:?}");
    let c = m.coef();
    assert!(
        (c[0] - 0.5).abs() < 1e-9 && (c[2] - 0.5).abs() < 1e-9,
        "{c}"
    );
    assert!((c[1] + 2.0).abs() < 1e-9, "{c}");
    for (p, t) in m.predict(dup.view()).unwrap().iter().zip(&y) {
        assert!((p - t).abs() < 1e-9, "{p} vs {t}");
    }

    // Complementary 0/1 flags, as `employed` and `benefits` can be in a small practice.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let b: Array1<f64> = (0..60)
        .map(|_| f64::from(rng.gen_bool(0.4) as u8))
        .collect();
    let (x, _) = data(60, 1, 0.0, 10);
    let flags = ndarray::stack![ndarray::Axis(1), x.column(0), b, b.mapv(|v| 1.0 - v)];
    let y: Array1<f64> = (0..60)
        .map(|i| 3.0 * x[[i, 0]] + 5.0 * b[i] + 1.0)
        .collect();
    let m = LinearRegression::fit(flags.view(), y.view(), None).unwrap();
    let z = m.standardised_coef();
    assert!((z[1] + z[2]).abs() < 1e-9, "{z:?}");
    assert!(z.iter().all(|v| v.abs() < 100.0), "{z:?}");
    let c = m.coef();
    assert!(
        (c[0] - 3.0).abs() < 1e-9 && (c[1] - c[2] - 5.0).abs() < 1e-9,
        "{c}"
    );
    for (p, t) in m.predict(flags.view()).unwrap().iter().zip(&y) {
        assert!((p - t).abs() < 1e-9, "{p} vs {t}");
    }
}

#[test]
fn fewer_rows_than_columns_interpolates() {
    let (x, y) = data(3, 6, 1.0, 7);
    let m = LinearRegression::fit(x.view(), y.view(), None).unwrap();
    for (p, t) in m.predict(x.view()).unwrap().iter().zip(&y) {
        assert!((p - t).abs() < 1e-9);
    }
}

#[test]
fn persistence_round_trips_bit_for_bit() {
    let (x, y) = data(80, 3, 1.0, 8);
    let schema = FeatureSchema::numeric("visits", &["age", "days", "spend"]);
    let m = LinearRegression::fit(x.view(), y.view(), Some(schema.clone())).unwrap();
    let json = m.to_json().unwrap();
    assert!(json.contains("\"kind\":\"linear_regression\""));
    assert!(json.contains("\"params\":{}"));
    let back = LinearRegression::from_json(&json).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.to_json().unwrap(), json);
    let path = std::env::temp_dir().join(format!("optocom-linear-{}.json", std::process::id()));
    m.save(&path).unwrap();
    let loaded = LinearRegression::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(loaded.schema(), &schema);
    assert_eq!(loaded.info().n_rows, 80);
    let (a, b) = (
        m.predict(x.view()).unwrap(),
        loaded.predict(x.view()).unwrap(),
    );
    assert_eq!(bits(a.as_slice().unwrap()), bits(b.as_slice().unwrap()));
    assert_eq!(
        bits(m.coef().as_slice().unwrap()),
        bits(loaded.coef().as_slice().unwrap())
    );
    assert_eq!(m.intercept().to_bits(), loaded.intercept().to_bits());
    assert_eq!(m.status().unwrap().kind, "linear_regression");
}

#[test]
fn malformed_artifacts_are_refused() {
    let (x, y) = data(20, 2, 1.0, 9);
    let json = LinearRegression::fit(x.view(), y.view(), None)
        .unwrap()
        .to_json()
        .unwrap();
    let mut env: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Wrong kind.
    let other = json.replace("\"linear_regression\"", "\"kmeans\"");
    assert_eq!(
        LinearRegression::from_json(&other).unwrap_err().code(),
        "invalid_artifact"
    );
    // A coefficient array of the wrong length (3 values for 2 features).
    env["state"]["coef"] =
        serde_json::Value::String(optocom_core::artifact::packed::encode(&[1.0f64, 2.0, 3.0]));
    let e = LinearRegression::from_json(&env.to_string()).unwrap_err();
    assert_eq!(e.code(), "invalid_artifact");
    assert!(
        e.to_string().contains("coef holds 3 values, expected 2"),
        "{e}"
    );
    // A zero scale.
    env["state"]["coef"] =
        serde_json::Value::String(optocom_core::artifact::packed::encode(&[1.0f64, 2.0]));
    env["state"]["scale"] =
        serde_json::Value::String(optocom_core::artifact::packed::encode(&[1.0f64, 0.0]));
    let e = LinearRegression::from_json(&env.to_string()).unwrap_err();
    assert!(e.to_string().contains("scales must be positive"), "{e}");
    // No schema.
    env["feature_schema"] = serde_json::Value::Null;
    assert_eq!(
        LinearRegression::from_json(&env.to_string())
            .unwrap_err()
            .code(),
        "invalid_artifact"
    );
}

fn code_and_text(e: Error) -> (&'static str, String) {
    (e.code(), e.to_string())
}

#[test]
fn every_input_error_is_typed_and_named() {
    let schema = FeatureSchema::numeric("s", &["a", "b"]);
    let x = array![[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0]];
    let y = array![1.0, 2.0, 3.0, 5.0];
    let fit = |x: ndarray::ArrayView2<'_, f64>, y: ndarray::ArrayView1<'_, f64>| {
        LinearRegression::fit(x, y, Some(schema.clone())).map(|_| ())
    };

    let mut bad = x.clone();
    bad[[2, 1]] = f64::NAN;
    let (code, text) = code_and_text(fit(bad.view(), y.view()).unwrap_err());
    assert_eq!(code, "invalid_value");
    assert!(
        text.starts_with("row 2, column `b`: invalid value \"NaN\""),
        "{text}"
    );

    let mut bad_y = y.clone();
    bad_y[3] = f64::INFINITY;
    let (code, text) = code_and_text(fit(x.view(), bad_y.view()).unwrap_err());
    assert_eq!(code, "invalid_value");
    assert!(
        text.starts_with("row 3, column `y`: invalid value \"inf\""),
        "{text}"
    );

    let (code, text) = code_and_text(fit(x.view(), y.slice(ndarray::s![..3])).unwrap_err());
    assert_eq!(code, "shape_mismatch");
    assert!(text.contains("y length: expected 4, found 3"), "{text}");

    let e = LinearRegression::fit(x.view(), y.view(), Some(FeatureSchema::generic(3)));
    assert_eq!(e.unwrap_err().code(), "shape_mismatch");

    let none = Array2::<f64>::zeros((0, 2));
    let (code, text) = code_and_text(fit(none.view(), Array1::zeros(0).view()).unwrap_err());
    assert_eq!(
        (code, text.as_str()),
        ("empty_input", "empty input: x has no rows")
    );
    let narrow = Array2::<f64>::zeros((4, 0));
    let e = LinearRegression::fit(narrow.view(), y.view(), None).unwrap_err();
    assert_eq!(e.code(), "empty_input");

    // Values so large that sums of squares overflow: a typed error naming the cell, not
    // NaN coefficients.
    let mut huge = x.clone();
    huge[[2, 1]] = -3e101;
    let e = LinearRegression::fit(huge.view(), y.view(), None).unwrap_err();
    assert_eq!(e.code(), "invalid_value", "{e}");
    assert!(
        e.to_string()
            .starts_with("row 2, column `x1`: invalid value \"-3e101\""),
        "{e}"
    );
    let e = LinearRegression::fit(x.view(), y.mapv(|v| v * 1e200).view(), None).unwrap_err();
    assert!(e.to_string().contains("column `y`"), "{e}");

    let m = LinearRegression::fit(x.view(), y.view(), Some(schema.clone())).unwrap();
    let (code, text) = code_and_text(m.predict(array![[1.0, 2.0, 3.0]].view()).unwrap_err());
    assert_eq!(code, "shape_mismatch");
    assert!(text.contains("expected 2, found 3"), "{text}");
    let (code, text) = code_and_text(m.predict(bad.view()).unwrap_err());
    assert_eq!(code, "invalid_value");
    assert!(text.starts_with("row 2, column `b`"), "{text}");
    assert_eq!(m.predict_row(&[1.0]).unwrap_err().code(), "shape_mismatch");
    let (code, text) = code_and_text(m.predict_row(&[f64::NEG_INFINITY, 1.0]).unwrap_err());
    assert_eq!(code, "invalid_value");
    assert!(text.starts_with("row 0, column `a`"), "{text}");
    assert_eq!(m.predict(Array2::zeros((0, 2)).view()).unwrap().len(), 0);
}
