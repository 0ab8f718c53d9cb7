//! The committed golden campaign and k-means models load and reproduce their recorded outputs
//! (every binding runs the same checks on the same files). Regenerate with `make fixtures`.

use std::path::PathBuf;

use optocom_core::campaign::{
    encode_doctors, DoctorRecommender, DoctorSegmentation, LinearCorrection, UpliftForest,
};
use optocom_core::cluster::KMeans;
use optocom_core::data::ingest::read_doctors;
use optocom_core::data::Doctor;
use optocom_core::Persist;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn doctors() -> Vec<Doctor> {
    let f = std::fs::File::open(fixtures().join("golden_doctors.csv")).unwrap();
    read_doctors(f, &Default::default()).unwrap().rows
}

fn expected(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(fixtures().join(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn bits(s: &str) -> u64 {
    s.parse::<f64>().unwrap().to_bits()
}

#[test]
fn golden_segmentation_assigns_recorded_segments() {
    let model = DoctorSegmentation::load(fixtures().join("golden_segmentation.json")).unwrap();
    let docs = doctors();
    let segments = model.assign(&docs).unwrap();
    let rows = expected("golden_segmentation_expected.csv");
    assert_eq!(rows.len(), docs.len());
    for ((row, d), s) in rows.iter().zip(&docs).zip(segments) {
        assert_eq!(row[0], d.doctor_id.to_string());
        assert_eq!(row[1], s.to_string());
    }
}

/// Loads an uplift forest fixture and checks its effects and standard errors on the golden
/// doctors against the recorded bits.
fn check_uplift_fixture(model_file: &str, expected_file: &str) {
    let model = UpliftForest::load(fixtures().join(model_file)).unwrap();
    let schema = model.schema().clone();
    let by_id: std::collections::HashMap<u64, Doctor> =
        doctors().into_iter().map(|d| (d.doctor_id, d)).collect();
    let rows = expected(expected_file);
    let docs: Vec<Doctor> = rows
        .iter()
        .map(|r| by_id[&r[0].parse::<u64>().unwrap()].clone())
        .collect();
    let pre: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    let x = encode_doctors(&schema, &docs, &pre).unwrap();
    let pred = model.predict(x.view()).unwrap();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            bits(&r[2]),
            pred.effect[i].to_bits(),
            "{model_file}: effect of doctor {}",
            r[0]
        );
        assert_eq!(
            bits(&r[3]),
            pred.std_error[i].to_bits(),
            "{model_file}: std error of doctor {}",
            r[0]
        );
    }
}

#[test]
fn golden_uplift_forest_predicts_recorded_effects() {
    check_uplift_fixture("golden_uplift_forest.json", "golden_uplift_expected.csv");
}

#[test]
fn uplift_forest_without_local_linear_correction_still_loads_and_predicts_the_same() {
    // Saved before the correction (pooled moments only, no `linear` state): it must keep
    // predicting exactly what it predicted then, with no correction columns.
    check_uplift_fixture(
        "golden_uplift_forest_v0_2.json",
        "golden_uplift_v0_2_expected.csv",
    );
    let old = UpliftForest::load(fixtures().join("golden_uplift_forest_v0_2.json")).unwrap();
    assert!(old.linear_columns().is_empty());
    // Its params say how it was fitted (the field did not exist: no correction), not the
    // current default, and they survive a round trip.
    assert_eq!(old.params().linear_correction, LinearCorrection::Off);
    let again = UpliftForest::from_json(&old.to_json().unwrap()).unwrap();
    assert_eq!(again.params(), old.params());
    let new = UpliftForest::load(fixtures().join("golden_uplift_forest.json")).unwrap();
    assert_eq!(new.linear_columns(), &[0, 1, 2]);
    assert_eq!(
        new.linear_column_names(),
        ["tenure_years", "baseline_rx", "pre_rx_mean"]
    );
}

#[test]
fn uplift_forest_with_difference_in_means_leaves_still_loads_and_predicts_the_same() {
    // Saved before the leaves held moments (one value per leaf, averaged over trees): it
    // must keep predicting exactly what it predicted then.
    check_uplift_fixture(
        "golden_uplift_forest_v0_1.json",
        "golden_uplift_v0_1_expected.csv",
    );
}

#[test]
fn golden_recommender_recommends_recorded_doctors() {
    let model = DoctorRecommender::load(fixtures().join("golden_recommender.json")).unwrap();
    let rows = expected("golden_recommender_expected.csv");
    let recs = model
        .recommend("Cardiozen", rows.len(), None, None)
        .unwrap();
    assert_eq!(recs.len(), rows.len());
    for (r, rec) in rows.iter().zip(&recs) {
        assert_eq!(r[1], rec.doctor_id.to_string());
        assert_eq!(bits(&r[2]), rec.score.to_bits());
    }
}

/// Refitting on the golden doctors with the artifact's params reproduces the artifact's
/// fitted state bit for bit (encoder, centroids, profiles, training assignments): the
/// guard for any change to how segmentation runs k-means.
#[test]
fn golden_segmentation_refit_reproduces_artifact() {
    let saved = DoctorSegmentation::load(fixtures().join("golden_segmentation.json")).unwrap();
    let refit = DoctorSegmentation::fit(saved.params(), &doctors()).unwrap();
    let a = saved.to_envelope().unwrap();
    let b = refit.to_envelope().unwrap();
    assert_eq!(a.params, b.params);
    assert_eq!(a.feature_schema, b.feature_schema);
    assert!(a.state == b.state, "refitted segmentation state differs");
}

/// The golden k-means input as a matrix, with its header.
fn kmeans_input() -> (Vec<String>, ndarray::Array2<f64>) {
    let text = std::fs::read_to_string(fixtures().join("golden_kmeans_input.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let values: Vec<f64> = lines
        .flat_map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()))
        .collect();
    let n = values.len() / header.len();
    let x = ndarray::Array2::from_shape_vec((n, header.len()), values).unwrap();
    (header, x)
}

#[test]
fn golden_kmeans_predicts_recorded_labels_and_distances() {
    let model = KMeans::load(fixtures().join("golden_kmeans.json")).unwrap();
    let (header, x) = kmeans_input();
    assert_eq!(model.schema().names(), header);
    let rows = expected("golden_kmeans_expected.csv");
    assert_eq!(rows.len(), x.nrows());
    let labels = model.predict(x.view()).unwrap();
    let dist = model.transform(x.view()).unwrap();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], i.to_string());
        assert_eq!(r[1], labels[i].to_string(), "label of row {i}");
        assert_eq!(
            r[1],
            model.labels()[i].to_string(),
            "training label of row {i}"
        );
        assert_eq!(r.len(), 2 + model.n_clusters());
        for c in 0..model.n_clusters() {
            assert_eq!(bits(&r[2 + c]), dist[[i, c]].to_bits(), "row {i}, d{c}");
        }
    }
    // The input is the training data: its score is minus the recorded inertia.
    assert_eq!(
        model.score(x.view()).unwrap().to_bits(),
        (-model.inertia()).to_bits()
    );
}

/// Fitting again on the golden input with the artifact's params reproduces the artifact's
/// centroids, labels and inertia bit for bit.
#[test]
fn golden_kmeans_refit_reproduces_artifact() {
    let saved = KMeans::load(fixtures().join("golden_kmeans.json")).unwrap();
    let (_, x) = kmeans_input();
    let refit = KMeans::fit(saved.params(), x.view(), Some(saved.schema().clone())).unwrap();
    let a = saved.to_envelope().unwrap();
    let b = refit.to_envelope().unwrap();
    assert_eq!(a.params, b.params);
    assert_eq!(a.feature_schema, b.feature_schema);
    assert!(a.state == b.state, "refitted k-means state differs");
}
