//! The committed golden campaign models load and reproduce their recorded outputs exactly
//! (every binding runs the same checks on the same files). Regenerate with `make fixtures`.

use std::path::PathBuf;

use optocom_core::campaign::{encode_doctors, DoctorRecommender, DoctorSegmentation, UpliftForest};
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

#[test]
fn golden_uplift_forest_predicts_recorded_effects() {
    let model = UpliftForest::load(fixtures().join("golden_uplift_forest.json")).unwrap();
    let schema = model.schema().clone();
    let by_id: std::collections::HashMap<u64, Doctor> =
        doctors().into_iter().map(|d| (d.doctor_id, d)).collect();
    let rows = expected("golden_uplift_expected.csv");
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
            "effect of doctor {}",
            r[0]
        );
        assert_eq!(
            bits(&r[3]),
            pred.std_error[i].to_bits(),
            "std error of doctor {}",
            r[0]
        );
    }
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
