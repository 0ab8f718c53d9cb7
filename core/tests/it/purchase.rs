//! Purchase forecasting end to end, against the demo generator's known truth.

use std::path::PathBuf;

use chrono::NaiveDate;
use optocom_core::data::demo::{generate_appointments, DemoData, DemoParams};
use optocom_core::data::Appointment;
use optocom_core::metrics::{r2_score, roc_auc};
use optocom_core::purchase::{
    Freq, PatientFeatures, PurchaseForecaster, PurchaseParams, SpendModel, ValueBand, ValueBands,
};
use optocom_core::{Error, Persist};

fn demo(n_past: usize, n_upcoming: usize, seed: u64) -> DemoData {
    generate_appointments(
        &DemoParams::new()
            .n_past(n_past)
            .n_upcoming(n_upcoming)
            .start_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
            .seed(seed),
    )
    .unwrap()
}

fn fit_default(rows: &[Appointment]) -> PurchaseForecaster {
    PurchaseForecaster::fit(&PurchaseParams::new(), rows).unwrap()
}

/// The issue's quality bar: with default parameters, trained on the default 10,000 demo
/// rows, the AUC on fresh data comes within 0.01 of the AUC of the true probabilities on
/// the same rows: on average over three independent practices (seeds 1-3), and within 0.015
/// on each one (single practices vary: `make quality` prints five).
#[test]
fn default_auc_within_001_of_truth() {
    let mut gaps = Vec::new();
    for seed in [1u64, 2, 3] {
        let train = demo(10_000, 0, seed);
        let model = fit_default(&train.past);
        let fresh = demo(20_000, 0, seed + 1000);
        let y: Vec<bool> = fresh
            .past
            .iter()
            .map(|a| a.amount.unwrap() >= 100.0)
            .collect();
        let truth: Vec<f64> = fresh
            .past_truth
            .iter()
            .map(|t| t.purchase_probability)
            .collect();
        let scored = model.score(&fresh.past).unwrap();
        let p: Vec<f64> = scored.iter().map(|s| s.probability).collect();
        let auc_true = roc_auc(&y, &truth).unwrap();
        let auc = roc_auc(&y, &p).unwrap();
        assert!(
            auc >= auc_true - 0.015,
            "seed {seed}: model AUC {auc:.4} vs true-probability AUC {auc_true:.4}"
        );
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        gaps.push(auc_true - auc);
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!(
        mean <= 0.01,
        "mean AUC gap to the truth {mean:.4} ({gaps:?})"
    );
}

/// The spend side: the hurdle model's expected revenue explains the actual amounts at least
/// as well as the original plain linear regression of amount on the 8 features (what
/// scikit-learn's LinearRegression + StandardScaler computes), on the same holdout.
#[test]
fn revenue_r2_not_below_plain_linear_regression() {
    let data = demo(10_000, 0, 21);
    let (train, hold) = data.past.split_at(8_000);
    let model = fit_default(train);
    let xt = optocom_core::features::encode_appointments(train);
    let at: Vec<f64> = train.iter().map(|a| a.amount.unwrap()).collect();
    let ols = SpendModel::fit(xt.view(), &at, f64::NEG_INFINITY).unwrap();
    let xh = optocom_core::features::encode_appointments(hold);
    let ah: Vec<f64> = hold.iter().map(|a| a.amount.unwrap()).collect();
    let ols_r2 = r2_score(&ah, &ols.predict(xh.view()).unwrap().to_vec()).unwrap();
    let ours: Vec<f64> = model
        .score(hold)
        .unwrap()
        .iter()
        .map(|s| s.expected_revenue)
        .collect();
    let our_r2 = r2_score(&ah, &ours).unwrap();
    assert!(
        our_r2 >= ols_r2,
        "hurdle R^2 {our_r2:.4} < plain OLS R^2 {ols_r2:.4}"
    );
    // And the spend model itself is the same least squares: on held-out qualifying
    // purchases its R^2 is positive and reported.
    assert!(model.report().spend_r2.unwrap() > 0.0, "{}", model.report());
}

/// 90% weekly revenue intervals cover the actual weekly revenue in at least 85% of weeks,
/// over three years of demo practice data the model never saw.
#[test]
fn weekly_interval_coverage() {
    let model = fit_default(&demo(10_000, 0, 31).past);
    let (mut covered, mut weeks) = (0usize, 0usize);
    for seed in [41u64, 42, 43] {
        let year = demo(10_000, 0, seed);
        for w in model.compare(&year.past, Freq::Week, 0.9).unwrap() {
            // Skip the partial weeks at the edges of the year.
            if w.appointments < 100 {
                continue;
            }
            weeks += 1;
            covered += usize::from(w.within_interval);
            assert!(w.lower <= w.predicted && w.predicted <= w.upper);
        }
    }
    assert!(weeks >= 140, "{weeks} full weeks");
    let rate = covered as f64 / weeks as f64;
    assert!(
        rate >= 0.85,
        "90% weekly intervals covered {rate:.3} of {weeks} weeks"
    );
    // Intervals that are honest but not vacuous: they should not cover everything at
    // the 50% level.
    let half: Vec<_> = model
        .compare(&demo(10_000, 0, 44).past, Freq::Week, 0.5)
        .unwrap();
    let half_rate = half.iter().filter(|w| w.within_interval).count() as f64 / half.len() as f64;
    assert!(half_rate < 0.85, "50% intervals covered {half_rate:.3}");
}

#[test]
fn same_seed_same_bits_and_round_trip() {
    let data = demo(3_000, 300, 5);
    let a = fit_default(&data.past);
    let b = fit_default(&data.past);
    let sa = a.score(&data.upcoming).unwrap();
    assert_eq!(sa, b.score(&data.upcoming).unwrap());
    let back = PurchaseForecaster::from_json(&a.to_json().unwrap()).unwrap();
    let sb = back.score(&data.upcoming).unwrap();
    for (x, y) in sa.iter().zip(&sb) {
        assert_eq!(x.probability.to_bits(), y.probability.to_bits());
        assert_eq!(x.expected_revenue.to_bits(), y.expected_revenue.to_bits());
    }
    assert_eq!(back.report(), a.report());
    let dir = std::env::temp_dir().join(format!("optocom-purchase-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.json");
    a.save(&path).unwrap();
    assert_eq!(
        PurchaseForecaster::load(&path)
            .unwrap()
            .score(&data.upcoming)
            .unwrap(),
        sa
    );
}

#[test]
fn forecasts_are_consistent() {
    let data = demo(3_000, 600, 6);
    let model = fit_default(&data.past);
    let scored = model.score(&data.upcoming).unwrap();
    let total: f64 = scored.iter().map(|s| s.expected_revenue).sum();
    for freq in [Freq::Day, Freq::Week, Freq::Month] {
        let f = model.forecast(&data.upcoming, freq, 0.9).unwrap();
        let sum: f64 = f.iter().map(|p| p.expected_revenue).sum();
        assert!((sum - total).abs() < 1e-6 * total, "{freq:?}");
        assert_eq!(
            f.iter().map(|p| p.appointments).sum::<usize>(),
            data.upcoming.len()
        );
        for p in &f {
            assert!(
                p.lower >= 0.0 && p.lower <= p.expected_revenue && p.expected_revenue <= p.upper
            );
        }
    }
    // Wider level, wider interval.
    let t90 = model.forecast_total(&data.upcoming, 0.9).unwrap().unwrap();
    let t99 = model.forecast_total(&data.upcoming, 0.99).unwrap().unwrap();
    assert!(t99.upper - t99.lower > t90.upper - t90.lower);
    assert!((t90.expected_revenue - total).abs() < 1e-6 * total);
    // Value bands follow the cut points.
    for s in &scored {
        let want = if s.expected_revenue >= 150.0 {
            ValueBand::High
        } else if s.expected_revenue >= 75.0 {
            ValueBand::Medium
        } else {
            ValueBand::Low
        };
        assert_eq!(s.value_band, want);
        assert!(s.expected_spend >= 100.0);
    }
}

#[test]
fn single_patient_matches_batch() {
    let data = demo(2_000, 50, 8);
    let model = fit_default(&data.past);
    let scored = model.score(&data.upcoming).unwrap();
    for (a, s) in data.upcoming.iter().zip(&scored) {
        let p = model.predict_patient(&PatientFeatures::from(a)).unwrap();
        assert_eq!(p.probability.to_bits(), s.probability.to_bits());
        assert_eq!(p.expected_revenue.to_bits(), s.expected_revenue.to_bits());
    }
    let mut bad = PatientFeatures::from(&data.upcoming[0]);
    bad.age = 130.0;
    let e = model.predict_patient(&bad).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(e.to_string().contains("age"), "{e}");
}

/// A host's single record reads like a row of a batch: flags as booleans, 0/1 or Y/N text,
/// numbers as numbers or their text; anything else is an invalid parameter naming the field.
#[test]
fn single_patient_record_reads_like_a_batch_row() {
    use optocom_core::options::record_from_json;

    let data = demo(2_000, 50, 8);
    let model = fit_default(&data.past);
    let a = &data.upcoming[0];
    let want = model.predict_patient(&PatientFeatures::from(a)).unwrap();
    let yn = |b: bool| if b { "\"Y\"" } else { "\"no\"" };
    let num = |b: bool| if b { "1" } else { "0.0" };
    for (flag, age) in [
        (
            &yn as &dyn Fn(bool) -> &'static str,
            format!("\"{}\"", a.age),
        ),
        (&num, format!("{}", a.age)),
    ] {
        let row = format!(
            r#"{{"patient_id": "P", "age": {age}, "days_since_last_purchase": "{}",
                "employed": {}, "benefits": {}, "driver": {}, "vdu_user": {},
                "varifocal": {}, "high_prescription": {}}}"#,
            a.days_since_last_purchase,
            flag(a.employed),
            flag(a.benefits),
            flag(a.driver),
            flag(a.vdu_user),
            flag(a.varifocal),
            flag(a.high_prescription),
        );
        let p: PatientFeatures = record_from_json("patient", &row).unwrap();
        assert_eq!(p, PatientFeatures::from(a), "{row}");
        assert_eq!(model.predict_patient(&p).unwrap(), want);
    }
    let good = serde_json::to_value(PatientFeatures::from(a)).unwrap();
    for (key, bad, shown) in [
        ("employed", serde_json::json!("maybe"), "\"maybe\""),
        ("employed", serde_json::json!(2), "2"),
        ("varifocal", serde_json::json!(0.5), "0.5"),
        ("age", serde_json::json!("old"), "\"old\""),
        ("age", serde_json::json!(true), "true"),
        ("driver", serde_json::json!([1]), "[1]"),
    ] {
        let mut v = good.clone();
        v[key] = bad;
        let e = record_from_json::<PatientFeatures>("patient", &v.to_string()).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter");
        assert!(
            e.to_string()
                .starts_with(&format!("invalid parameter `patient.{key}` = {shown}")),
            "{e}"
        );
    }
}

/// A practice whose records make two flags each other's complement (every patient is
/// either employed or on benefits) still trains: the spend model gets the minimum-norm
/// split (equal and opposite standardised coefficients), not an error or huge offsetting
/// coefficients, and scores stay finite.
#[test]
fn complementary_flags_train_a_finite_spend_model() {
    let mut data = demo(3_000, 300, 21);
    for r in data.past.iter_mut().chain(data.upcoming.iter_mut()) {
        r.benefits = !r.employed;
    }
    let m = fit_default(&data.past);
    let s = m.spend_model();
    let (employed, benefits) = (s.coef[2], s.coef[3]);
    assert!(employed.abs() > 0.0 && employed.abs() < 1e3, "{:?}", s.coef);
    assert!(
        (employed + benefits).abs() <= 1e-9 * employed.abs(),
        "{:?}",
        s.coef
    );
    let scores = m.score(&data.upcoming).unwrap();
    assert!(scores.iter().all(|p| p.expected_spend.is_finite()));
}

#[test]
fn bad_training_input_is_typed() {
    let data = demo(500, 10, 9);
    // Empty.
    assert_eq!(
        PurchaseForecaster::fit(&PurchaseParams::new(), &[])
            .unwrap_err()
            .code(),
        "empty_input"
    );
    // Missing amount names the row.
    let mut rows = data.past.clone();
    rows[17].amount = None;
    let e = PurchaseForecaster::fit(&PurchaseParams::new(), &rows).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(
        e.to_string().contains("row 17") && e.to_string().contains("amount"),
        "{e}"
    );
    // One class only.
    let mut rows = data.past.clone();
    for r in &mut rows {
        r.amount = Some(20.0);
    }
    assert_eq!(
        PurchaseForecaster::fit(&PurchaseParams::new(), &rows)
            .unwrap_err()
            .code(),
        "degenerate_target"
    );
    // NaN age.
    let mut rows = data.past.clone();
    rows[3].age = f64::NAN;
    assert_eq!(
        PurchaseForecaster::fit(&PurchaseParams::new(), &rows)
            .unwrap_err()
            .code(),
        "invalid_value"
    );
    // Bad params.
    for p in [
        PurchaseParams::new().threshold(-1.0),
        PurchaseParams::new().holdout_fraction(0.9),
        PurchaseParams::new().value_bands(ValueBands::on_probability(0.3, 0.6)),
    ] {
        assert_eq!(
            PurchaseForecaster::fit(&p, &data.past).unwrap_err().code(),
            "invalid_parameter"
        );
    }
    let model = fit_default(&data.past);
    assert_eq!(
        model
            .forecast(&data.upcoming, Freq::Week, 1.5)
            .unwrap_err()
            .code(),
        "invalid_parameter"
    );
    // Comparing needs amounts.
    assert_eq!(
        model
            .compare(&data.upcoming, Freq::Month, 0.9)
            .unwrap_err()
            .code(),
        "invalid_value"
    );
}

#[test]
fn tampered_artifacts_are_refused() {
    let data = demo(1_000, 0, 10);
    let json = fit_default(&data.past).to_json().unwrap();
    let renamed = json.replacen("\"days_since_last_purchase\"", "\"days\"", 1);
    let e = PurchaseForecaster::from_json(&renamed).unwrap_err();
    assert_eq!(e.code(), "schema_mismatch", "{e}");
    let v2 = json.replacen(
        "\"format_version\":\"1.0\"",
        "\"format_version\":\"2.0\"",
        1,
    );
    let e = PurchaseForecaster::from_json(&v2).unwrap_err();
    assert!(matches!(e, Error::UnsupportedVersion { .. }), "{e}");
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The committed golden artifact loads and predicts exactly the committed values (the same
/// check runs in every binding).
#[test]
fn golden_artifact_predicts_recorded_values() {
    let model =
        PurchaseForecaster::load(fixtures().join("golden_purchase_forecaster.json")).unwrap();
    let upcoming = optocom_core::data::ingest::read_appointments_path(
        fixtures().join("golden_upcoming.csv"),
        &Default::default(),
    )
    .unwrap()
    .rows;
    let scored = model.score(&upcoming).unwrap();
    let expected =
        std::fs::read_to_string(fixtures().join("golden_purchase_expected.csv")).unwrap();
    let lines: Vec<&str> = expected.lines().skip(1).collect();
    assert_eq!(lines.len(), scored.len());
    for (line, s) in lines.iter().zip(&scored) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], s.patient_id);
        assert_eq!(
            f[1].parse::<f64>().unwrap().to_bits(),
            s.probability.to_bits()
        );
        assert_eq!(
            f[2].parse::<f64>().unwrap().to_bits(),
            s.expected_spend.to_bits()
        );
        assert_eq!(
            f[3].parse::<f64>().unwrap().to_bits(),
            s.expected_revenue.to_bits()
        );
        assert_eq!(f[4], s.value_band.as_str());
    }
}

#[test]
fn scored_rows_are_finite_even_at_the_edges_of_the_inputs() {
    let d = demo(2000, 50, 4);
    let model = fit_default(&d.past);
    // The extremes the readers accept: age 0 and 120, days 0 and 43,920, every flag set.
    let mut rows = d.upcoming.clone();
    for (i, a) in rows.iter_mut().enumerate().take(4) {
        a.age = if i % 2 == 0 { 0.0 } else { 120.0 };
        a.days_since_last_purchase = if i < 2 { 0.0 } else { 43_920.0 };
        a.employed = true;
        a.benefits = true;
        a.varifocal = true;
    }
    let scored = model.score(&rows).unwrap();
    assert!(scored.iter().all(|s| s.is_finite()));
    let mut broken = scored[0].clone();
    broken.actual_amount = Some(f64::NAN);
    assert!(!broken.is_finite());
}

#[test]
fn no_upcoming_appointments_score_and_forecast_to_nothing() {
    // An empty diary is a normal answer when scoring: no rows, no periods, no total. The
    // readers give zero rows when asked to (IngestOptions::allow_empty), training refuses it.
    use optocom_core::data::{read_appointments, IngestOptions};
    use optocom_core::purchase::Freq;
    let d = demo(1500, 10, 5);
    let model = fit_default(&d.past);
    assert!(model.score(&[]).unwrap().is_empty());
    for freq in [Freq::Day, Freq::Week, Freq::Month] {
        assert!(model.forecast(&[], freq, 0.9).unwrap().is_empty());
        assert!(model.compare(&[], freq, 0.9).unwrap().is_empty());
    }
    assert_eq!(model.forecast_total(&[], 0.9).unwrap(), None);
    let header = "patient_id,appointment_date,age,days_since_last_purchase,employed,benefits,driver,vdu_user,varifocal,high_prescription\n";
    let scoring = IngestOptions::strict().allow_empty(true);
    for text in [header, ""] {
        let none = read_appointments(text.as_bytes(), &scoring).unwrap();
        assert!(none.rows.is_empty() && none.rejected.is_empty());
        let err = read_appointments(text.as_bytes(), &IngestOptions::strict()).unwrap_err();
        assert_eq!(err.code(), "empty_input");
    }
    let err = PurchaseForecaster::fit(&PurchaseParams::default(), &[]).unwrap_err();
    assert_eq!(err.code(), "empty_input");
}
