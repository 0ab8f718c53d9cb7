//! Limits that keep every input a typed error rather than an abort, an overflow, a silent
//! NaN or a double count: id and value ranges, count caps, tampered artifacts, levels next
//! to 1, I/O errors that name their file.

use chrono::NaiveDate;
use ndarray::array;
use optocom_core::artifact::packed;
use optocom_core::campaign::{CampaignAnalytics, DoctorSegmentation, SegmentationParams};
use optocom_core::cluster::{KMeans, KMeansParams};
use optocom_core::data::campaign_demo::{
    generate_campaign_data, validate_campaign_data, CampaignDemoParams,
};
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::data::ingest::{read_appointments, read_doctors, IngestOptions, MAX_ID};
use optocom_core::data::{Appointment, CampaignData, DoctorFilter};
use optocom_core::forest::{ForestParams, RandomForestClassifier, RandomForestRegressor};
use optocom_core::purchase::{Freq, PurchaseForecaster, PurchaseParams};
use optocom_core::{Error, Persist};

fn campaign(n: usize) -> CampaignData {
    generate_campaign_data(&CampaignDemoParams::default().n_doctors(n).seed(4))
        .unwrap()
        .data
}

fn past(n: usize, seed: u64) -> Vec<Appointment> {
    generate_appointments(
        &DemoParams::new()
            .n_past(n)
            .n_upcoming(0)
            .start_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
            .seed(seed),
    )
    .unwrap()
    .past
}

fn invalid_value(e: &Error, starts: &str) {
    assert_eq!(e.code(), "invalid_value", "{e}");
    assert!(e.to_string().starts_with(starts), "{e}");
}

/// Ids up to 2^53 (where doubles stop counting exactly, so every runtime and JSON parser
/// keeps them) are read; one above is refused at its line, in CSV and in typed data.
#[test]
fn ids_are_whole_numbers_up_to_2_pow_53() {
    let csv = |id: u64| {
        format!("doctor_id,specialty,province,tenure_years,baseline_rx\n{id},GP,Ontario,3,40\n")
    };
    let ok = read_doctors(csv(MAX_ID).as_bytes(), &IngestOptions::strict()).unwrap();
    assert_eq!(ok.rows[0].doctor_id, 9_007_199_254_740_992);
    let e = read_doctors(csv(MAX_ID + 1).as_bytes(), &IngestOptions::strict()).unwrap_err();
    invalid_value(
        &e,
        "line 2 (record 1), column `doctor_id`: invalid value \"9007199254740993\"",
    );
    assert!(e.to_string().contains("2^53"), "{e}");

    let mut data = campaign(30);
    data.doctors[4].doctor_id = MAX_ID + 1;
    invalid_value(
        &validate_campaign_data(&data).unwrap_err(),
        "row 4, column `doctors.doctor_id`",
    );
    let mut data = campaign(30);
    data.campaigns[1].campaign_id = u64::MAX;
    invalid_value(
        &validate_campaign_data(&data).unwrap_err(),
        "row 1, column `campaigns.campaign_id`",
    );
}

/// Values far beyond anything real (and far below overflow) are refused by name: tenure
/// over 100 years, a billion prescriptions, a billion pounds.
#[test]
fn values_beyond_their_domain_are_refused_before_they_overflow() {
    let mut data = campaign(30);
    data.doctors[2].tenure_years = 101.0;
    invalid_value(
        &validate_campaign_data(&data).unwrap_err(),
        "row 2, column `doctors.tenure_years`: invalid value \"101\": must be between 0 and 100",
    );
    let mut data = campaign(30);
    data.rx[9].count = 1e308;
    let e = CampaignAnalytics::new(data).unwrap_err();
    invalid_value(&e, "row 9, column `rx.count`");
    let mut data = campaign(30);
    data.doctors[0].baseline_rx = f64::NAN;
    let e = validate_campaign_data(&data).unwrap_err();
    assert!(e.to_string().contains("must be finite"), "{e}");
    // The segmentation and the recommender read doctors with the same rule.
    let data = campaign(30);
    let mut doctors = data.doctors.clone();
    doctors[3].tenure_years = 1e308;
    let e = DoctorSegmentation::fit(&SegmentationParams::new().k(2), &doctors).unwrap_err();
    invalid_value(&e, "row 3, column `tenure_years`");

    let header = "patient_id,appointment_date,age,days_since_last_purchase,employed,benefits,driver,vdu_user,varifocal,high_prescription,amount";
    let row = |amount: &str| format!("{header}\nP1,2024-03-05,52,731,Y,N,Y,Y,Y,N,{amount}\n");
    assert!(read_appointments(row("1000000000").as_bytes(), &IngestOptions::strict()).is_ok());
    let e = read_appointments(row("1e155").as_bytes(), &IngestOptions::strict()).unwrap_err();
    assert!(e.to_string().contains("column `amount`"), "{e}");
    let mut rows = past(500, 1);
    rows[17].amount = Some(1e155);
    let e = PurchaseForecaster::fit(&PurchaseParams::new(), &rows).unwrap_err();
    invalid_value(&e, "row 17, column `amount`");
}

/// A repeated (doctor, product, month) Rx record would be counted twice in every sum.
#[test]
fn a_repeated_rx_record_is_refused_naming_both_rows() {
    let mut data = campaign(30);
    let dup = data.rx[5].clone();
    data.rx.push(dup);
    let last = data.rx.len() - 1;
    let e = CampaignAnalytics::new(data).unwrap_err();
    invalid_value(&e, &format!("row {last}, column `rx.period`"));
    assert!(e.to_string().contains("(first at row 5)"), "{e}");
}

#[test]
fn counts_that_would_exhaust_memory_are_refused_by_name() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]];
    for (p, name) in [
        (
            KMeansParams::new().n_clusters(2).n_init(1_000_000_000),
            "n_init",
        ),
        (
            KMeansParams::new().n_clusters(2).n_jobs(Some(1 << 20)),
            "n_jobs",
        ),
    ] {
        let e = KMeans::fit(&p, x.view(), None).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter");
        assert!(e.to_string().contains(&format!("`{name}`")), "{e}");
    }
    let doctors = campaign(30).doctors;
    for (p, name) in [
        (
            SegmentationParams::new().k_range(2, 1_000_000_000),
            "k_range",
        ),
        (SegmentationParams::new().n_init(1_000_000_000), "n_init"),
    ] {
        let e = DoctorSegmentation::fit(&p, &doctors).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter");
        assert!(e.to_string().contains(&format!("`{name}`")), "{e}");
    }
    // The largest accepted k_range still fits (it stops at the number of doctors).
    assert!(DoctorSegmentation::fit(
        &SegmentationParams::new().k_range(2, 100).n_init(1),
        &doctors
    )
    .is_ok());
}

#[test]
fn regressor_targets_too_large_to_square_are_refused() {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    let e = RandomForestRegressor::fit(
        &ForestParams::default(),
        x.view(),
        array![1.0, 2e101, 3.0, 4.0].view(),
    )
    .unwrap_err();
    invalid_value(&e, "row 1, column `y`: invalid value \"2e101\"");
}

/// Leaf values, scales and moments of a tampered artifact are checked like its structure:
/// refused as `invalid_artifact`, never loaded to give NaN or a "probability" of 5.
#[test]
fn tampered_numbers_in_artifacts_are_refused() {
    let model = PurchaseForecaster::fit(
        &PurchaseParams::new().classifier(ForestParams::default().n_trees(5)),
        &past(600, 2),
    )
    .unwrap();
    let json = model.to_json().unwrap();
    let env: serde_json::Value = serde_json::from_str(&json).unwrap();
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut e = env.clone();
        edit(&mut e);
        let err = PurchaseForecaster::from_json(&e.to_string()).unwrap_err();
        assert_eq!(err.code(), "invalid_artifact", "{err}");
        err.to_string()
    };
    let leaves = |e: &mut serde_json::Value, v: f64| {
        let t = &mut e["state"]["classifier"]["state"]["forest"]["trees"][0]["leaf_values"];
        let mut vals: Vec<f64> = packed::decode(t.as_str().unwrap()).unwrap();
        vals[0] = v;
        *t = serde_json::json!(packed::encode(&vals));
    };
    assert!(refused(&|e| leaves(e, f64::NAN)).contains("finite"));
    assert!(refused(&|e| leaves(e, 5.0)).contains("[0, 1]"));
    assert!(
        refused(&|e| e["state"]["spend"]["scaler"]["scale"][0] = serde_json::json!(0.0))
            .contains("spend model")
    );
    assert!(
        refused(&|e| e["state"]["revenue"]["small_var"] = serde_json::json!(-1.0))
            .contains("revenue model")
    );
    // Untouched, it loads.
    assert!(PurchaseForecaster::from_json(&json).is_ok());
    let clf = RandomForestClassifier::fit(
        &ForestParams::default().n_trees(3),
        array![[0.0], [1.0], [2.0], [3.0]].view(),
        array![0usize, 0, 1, 1].view(),
    )
    .unwrap();
    assert!(RandomForestClassifier::from_json(&clf.to_json().unwrap()).is_ok());
}

/// A small holdout that happens to be constant does not fail the fit: its R^2 is `None`.
/// Too small a holdout names both remedies.
#[test]
fn holdouts_that_cannot_be_evaluated_fully_are_reported_not_fatal() {
    let mut rows = past(400, 3);
    for r in &mut rows {
        r.amount = Some(if r.age > 50.0 { 150.0 } else { 0.0 });
    }
    // Every buyer spent the same: the spend R^2 on the holdout is undefined.
    let m = PurchaseForecaster::fit(&PurchaseParams::new(), &rows).unwrap();
    assert_eq!(m.report().spend_r2, None);
    assert!(m.report().spend_mae.is_some());
    assert!(m.report().to_string().contains("R^2 n/a"), "{}", m.report());
    let e = PurchaseForecaster::fit(
        &PurchaseParams::new().holdout_fraction(0.001),
        &past(600, 3),
    )
    .unwrap_err();
    assert_eq!(e.code(), "empty_input");
    assert!(
        e.to_string().contains("holds out 1") && e.to_string().contains("raise holdout_fraction"),
        "{e}"
    );
}

/// The largest level below 1 gives finite bounds in forecasts and campaign metrics.
#[test]
fn levels_next_to_one_give_finite_bounds() {
    let top = 1.0 - f64::EPSILON / 2.0;
    let rows = past(800, 4);
    let m = PurchaseForecaster::fit(
        &PurchaseParams::new().classifier(ForestParams::default().n_trees(10)),
        &rows,
    )
    .unwrap();
    for p in m.forecast(&rows, Freq::Week, top).unwrap() {
        assert!(p.lower.is_finite() && p.upper.is_finite() && p.upper > p.expected_revenue);
    }
    let ca = CampaignAnalytics::new(campaign(300)).unwrap();
    let metrics = ca.metrics(1, &DoctorFilter::default(), top).unwrap();
    for est in [metrics.lift, metrics.response_rate_diff]
        .into_iter()
        .flatten()
    {
        assert!(est.ci_low.is_finite() && est.ci_high.is_finite(), "{est:?}");
        assert!(est.ci_low < est.estimate && est.estimate < est.ci_high);
    }
}

/// Errors after the file was opened (a full disk, a directory) still name the file.
#[test]
fn io_errors_name_their_file() {
    let model = KMeans::fit(
        &KMeansParams::new().n_clusters(2),
        array![[0.0], [1.0], [5.0]].view(),
        None,
    )
    .unwrap();
    if std::path::Path::new("/dev/full").exists() {
        let e = model.save("/dev/full").unwrap_err();
        assert_eq!(e.code(), "io");
        assert!(e.to_string().contains("/dev/full"), "{e}");
    }
    let dir = std::env::temp_dir();
    let e = KMeans::load(&dir).unwrap_err();
    assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
}
