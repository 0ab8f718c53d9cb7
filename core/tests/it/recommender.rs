//! recommender integration tests.

use std::collections::HashSet;

use optocom_core::campaign::{
    DoctorProfile, DoctorRecommender, ProductProfile, Recommendation, RecommenderParams,
};
use optocom_core::data::{Doctor, DoctorFilter};
use optocom_core::export::{export_csv, ExportOptions};
use optocom_core::Persist;

fn doc(id: u64, s: &str, p: &str, tenure: f64, rx: f64) -> DoctorProfile {
    DoctorProfile::new(Doctor {
        doctor_id: id,
        specialty: s.into(),
        province: p.into(),
        tenure_years: tenure,
        baseline_rx: rx,
    })
}

/// Rx terciles over [10, 50, 50, 100, 100]: low < 50 <= medium < 100 <= high.
fn doctors() -> Vec<DoctorProfile> {
    vec![
        doc(1, "Cardiology", "Ontario", 10.0, 50.0),
        doc(2, "Cardiology", "Quebec", 30.0, 10.0),
        doc(3, "Oncology", "Ontario", 10.0, 100.0),
        doc(4, "cardiology ", "Ontario", 2.0, 100.0)
            .with_segment(1)
            .with_response_rate(0.5),
        doc(0, "Cardiology", "Ontario", 10.0, 50.0),
    ]
}

fn cardio() -> ProductProfile {
    ProductProfile::new("CardioMax")
        .specialty("Cardiology", 1.0)
        .province("Ontario", 0.5)
}

fn fit(products: Vec<ProductProfile>) -> DoctorRecommender {
    DoctorRecommender::fit(&RecommenderParams::default(), doctors(), products).unwrap()
}

fn ids(r: &[Recommendation]) -> Vec<u64> {
    r.iter().map(|r| r.doctor_id).collect()
}

#[test]
fn known_ranking_and_scores() {
    let rec = fit(vec![cardio()]);
    let r = rec.recommend("CardioMax", 10, None, None).unwrap();
    // Doctors 0 and 1 tie (same attributes): ascending id.
    assert_eq!(ids(&r), vec![0, 1, 4, 2, 3]);
    let pn = 1.25f64.sqrt();
    let expected = [
        1.5 / (2.0 * pn),
        1.5 / (2.0 * pn),
        1.5 / (5.25f64.sqrt() * pn),
        1.0 / (2.0 * pn),
        0.5 / (2.0 * pn),
    ];
    for (got, want) in r.iter().zip(expected) {
        assert!((got.score - want).abs() < 1e-12, "{got:?} vs {want}");
    }
    assert_eq!(r[0].score, r[1].score);
    assert_eq!(
        r[2].matched,
        vec!["specialty=cardiology", "province=Ontario"]
    );
    assert_eq!(r[3].matched, vec!["specialty=Cardiology"]);
    assert_eq!(r[4].matched, vec!["province=Ontario"]);
    // n truncates.
    assert_eq!(
        ids(&rec.recommend("CardioMax", 2, None, None).unwrap()),
        vec![0, 1]
    );
}

#[test]
fn bands_segments_and_response_are_matched() {
    let p = ProductProfile::new("P")
        .rx_band("high", 1.0)
        .tenure_band("<5", 1.0)
        .segment(1, 1.0)
        .response_weight(1.0);
    let rec = fit(vec![p]);
    let r = rec.recommend("P", 5, None, None).unwrap();
    assert_eq!(r[0].doctor_id, 4);
    assert_eq!(
        r[0].matched,
        vec![
            "tenure_band=<5",
            "rx_band=high",
            "segment=1",
            "past_response=0.5"
        ]
    );
    // dot = 1 + 1 + 1 + 0.5, |d| = sqrt(5.25), |p| = 2.
    assert!((r[0].score - 3.5 / (5.25f64.sqrt() * 2.0)).abs() < 1e-12);
    assert_eq!(r[1].doctor_id, 3);
    assert_eq!(r[1].matched, vec!["rx_band=high"]);
    // Doctors 0, 1, 2 match nothing: score 0, ascending id.
    assert_eq!(ids(&r[2..]), vec![0, 1, 2]);
    assert!(r[2..]
        .iter()
        .all(|x| x.score == 0.0 && x.matched.is_empty()));
}

#[test]
fn exclusion_and_filter() {
    let rec = fit(vec![cardio()]);
    let ex: HashSet<u64> = [0, 4].into();
    let r = rec.recommend("CardioMax", 10, Some(&ex), None).unwrap();
    assert_eq!(ids(&r), vec![1, 2, 3]);
    let f = DoctorFilter {
        provinces: vec!["ontario".into()],
        tenure_min: Some(5.0),
        ..Default::default()
    };
    let r = rec.recommend("CardioMax", 10, Some(&ex), Some(&f)).unwrap();
    assert_eq!(ids(&r), vec![1, 3]);
    let bad = DoctorFilter {
        min_rx: Some(5.0),
        max_rx: Some(1.0),
        ..Default::default()
    };
    assert_eq!(
        rec.recommend("CardioMax", 1, None, Some(&bad))
            .unwrap_err()
            .code(),
        "invalid_parameter"
    );
}

#[test]
fn ties_are_deterministic_whatever_the_input_order() {
    let mut docs: Vec<DoctorProfile> = (0..50)
        .map(|i| doc(1000 - i * 7, "Cardiology", "Ontario", 10.0, 50.0))
        .collect();
    let a = DoctorRecommender::fit(&RecommenderParams::default(), docs.clone(), vec![cardio()])
        .unwrap()
        .recommend("CardioMax", 10, None, None)
        .unwrap();
    docs.reverse();
    let b = DoctorRecommender::fit(&RecommenderParams::default(), docs, vec![cardio()])
        .unwrap()
        .recommend("CardioMax", 10, None, None)
        .unwrap();
    assert_eq!(a, b);
    let got = ids(&a);
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(got, sorted);
    assert_eq!(got[0], 1000 - 49 * 7);
}

#[test]
fn derived_profile_from_responders() {
    let rec = fit(vec![]);
    let p = rec.derive_profile("Derived", &[1, 2, 0, 1]).unwrap();
    assert_eq!(p.specialties.len(), 1);
    assert!((p.specialties["Cardiology"] - 1.0).abs() < 1e-12);
    assert!((p.provinces["Ontario"] - 2.0 / 3.0).abs() < 1e-12);
    assert!((p.provinces["Quebec"] - 1.0 / 3.0).abs() < 1e-12);
    assert!((p.tenure_bands["5-15"] - 2.0 / 3.0).abs() < 1e-12);
    assert!((p.tenure_bands["25+"] - 1.0 / 3.0).abs() < 1e-12);
    assert!((p.rx_bands["medium"] - 2.0 / 3.0).abs() < 1e-12);
    assert!((p.rx_bands["low"] - 1.0 / 3.0).abs() < 1e-12);
    assert!(p.segments.is_empty());
    assert_eq!(p.response_weight, 1.0);
    let mut rec = rec;
    rec.add_product(p).unwrap();
    let r = rec.recommend("Derived", 5, None, None).unwrap();
    // Doctors 0 and 1 look most like the responders.
    assert_eq!(ids(&r[..2]), vec![0, 1]);

    assert_eq!(
        rec.derive_profile("X", &[77]).unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        rec.derive_profile("X", &[]).unwrap_err().code(),
        "empty_input"
    );
}

#[test]
fn errors_are_typed() {
    let rec = fit(vec![cardio()]);
    let e = rec.recommend("Nope", 3, None, None).unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("Nope"));
    assert_eq!(
        rec.recommend("CardioMax", 0, None, None)
            .unwrap_err()
            .code(),
        "invalid_parameter"
    );
    let params = RecommenderParams::default();
    let err = |products: Vec<ProductProfile>| {
        DoctorRecommender::fit(&params, doctors(), products)
            .unwrap_err()
            .code()
    };
    assert_eq!(err(vec![ProductProfile::new("Z")]), "invalid_parameter");
    assert_eq!(
        err(vec![ProductProfile::new("Z").specialty("A", -1.0)]),
        "invalid_parameter"
    );
    assert_eq!(
        err(vec![ProductProfile::new("Z").rx_band("huge", 1.0)]),
        "invalid_parameter"
    );
    assert_eq!(err(vec![cardio(), cardio()]), "invalid_parameter");
    assert_eq!(
        DoctorRecommender::fit(&params, vec![], vec![])
            .unwrap_err()
            .code(),
        "empty_input"
    );
    let mut docs = doctors();
    docs[2].past_response_rate = Some(1.5);
    let e = DoctorRecommender::fit(&params, docs, vec![]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("row 2, column `past_response_rate`"),
        "{e}"
    );
    assert_eq!(
        RecommenderParams::default()
            .tenure_edges(vec![5.0, 5.0])
            .check()
            .unwrap_err()
            .code(),
        "invalid_parameter"
    );
}

#[test]
fn round_trip_and_export() {
    let rec = fit(vec![
        cardio(),
        ProductProfile::new("P").rx_band("high", 1.0),
    ]);
    let back = DoctorRecommender::from_json(&rec.to_json().unwrap()).unwrap();
    assert_eq!(back.products(), vec!["CardioMax", "P"]);
    for p in ["CardioMax", "P"] {
        let a = rec.recommend(p, 5, None, None).unwrap();
        let b = back.recommend(p, 5, None, None).unwrap();
        assert_eq!(a, b);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.score.to_bits(), y.score.to_bits());
        }
    }
    let mut buf = Vec::new();
    export_csv(
        rec.recommend("CardioMax", 2, None, None).unwrap(),
        &mut buf,
        &ExportOptions::default(),
        None,
    )
    .unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(
        text.starts_with("doctor_id,score,matched\n0,0.67082039324993"),
        "{text}"
    );
    assert!(
        text.contains(",specialty=Cardiology; province=Ontario\n"),
        "{text}"
    );
}
