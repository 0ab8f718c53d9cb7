//! segmentation integration tests.

use ndarray::Array2;
use optocom_core::campaign::{DoctorSegmentation, SegmentationParams};
use optocom_core::data::Doctor;
use optocom_core::Persist;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const GROUPS: [(&str, &str, f64, f64); 3] = [
    ("Cardiology", "Ontario", 30.0, 200.0),
    ("Oncology", "Quebec", 5.0, 20.0),
    ("Family Medicine", "Alberta", 15.0, 100.0),
];

/// `n` doctors in three well-separated groups; returns doctors and true group.
fn clustered(n: usize, seed: u64) -> (Vec<Doctor>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut docs = Vec::with_capacity(n);
    let mut truth = Vec::with_capacity(n);
    for i in 0..n {
        let g = rng.gen_range(0..3);
        let (s, p, t, rx) = GROUPS[g];
        docs.push(Doctor {
            doctor_id: 1000 + i as u64,
            specialty: s.into(),
            province: p.into(),
            tenure_years: t + rng.gen_range(-1.5..1.5),
            baseline_rx: rx + rng.gen_range(-8.0..8.0),
        });
        truth.push(g);
    }
    (docs, truth)
}

/// Adjusted Rand index of two labelings.
fn ari(a: &[usize], b: &[usize]) -> f64 {
    let ka = a.iter().max().unwrap() + 1;
    let kb = b.iter().max().unwrap() + 1;
    let mut table = vec![vec![0f64; kb]; ka];
    for (&x, &y) in a.iter().zip(b) {
        table[x][y] += 1.0;
    }
    let c2 = |v: f64| v * (v - 1.0) / 2.0;
    let sum_ij: f64 = table.iter().flatten().map(|&v| c2(v)).sum();
    let sum_a: f64 = table.iter().map(|r| c2(r.iter().sum())).sum();
    let sum_b: f64 = (0..kb).map(|j| c2(table.iter().map(|r| r[j]).sum())).sum();
    let total = c2(a.len() as f64);
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    (sum_ij - expected) / (max - expected)
}

#[test]
fn recovers_well_separated_clusters() {
    let (docs, truth) = clustered(600, 1);
    let seg = DoctorSegmentation::fit(&SegmentationParams::new().k(3), &docs).unwrap();
    let labels = seg.assign(&docs).unwrap();
    assert!(ari(&labels, &truth) > 0.99, "ARI {}", ari(&labels, &truth));
    // Training assignments agree with assign().
    for (d, &l) in docs.iter().zip(&labels) {
        assert_eq!(seg.segment_of(d.doctor_id), Some(l));
    }
    assert_eq!(seg.segment_of(1), None);
    // Profiles are in original units and name the dominant categories.
    let profiles = seg.profiles();
    assert_eq!(profiles.len(), 3);
    assert_eq!(profiles.iter().map(|p| p.size).sum::<usize>(), 600);
    assert!(profiles.windows(2).all(|w| w[0].size >= w[1].size));
    for p in &profiles {
        let g = GROUPS
            .iter()
            .find(|g| g.0 == p.dominant_specialty)
            .expect("dominant specialty is one of the groups");
        assert_eq!(p.dominant_province, g.1);
        assert!((p.mean_tenure_years - g.2).abs() < 0.5, "{p:?}");
        assert!((p.mean_baseline_rx - g.3).abs() < 2.0, "{p:?}");
        assert_eq!(p.specialty_shares.len(), 1);
        assert_eq!(p.specialty_shares[0].share, 1.0);
    }
}

#[test]
fn silhouette_picks_true_k() {
    let (docs, _) = clustered(900, 2);
    let seg = DoctorSegmentation::fit(&SegmentationParams::new().k_range(2, 6), &docs).unwrap();
    assert_eq!(seg.k(), 3);
    let scores = seg.silhouette_scores();
    assert_eq!(
        scores.iter().map(|s| s.k).collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6]
    );
    let best = scores
        .iter()
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .unwrap();
    assert_eq!(best.k, 3);
    assert!(best.score > 0.8, "{scores:?}");
    // Subsampled silhouette (300 of 900) chooses the same k.
    let seg2 = DoctorSegmentation::fit(
        &SegmentationParams::new()
            .k_range(2, 6)
            .silhouette_sample(300),
        &docs,
    )
    .unwrap();
    assert_eq!(seg2.k(), 3);
}

#[test]
fn deterministic_for_a_seed() {
    let (docs, _) = clustered(500, 3);
    let p = SegmentationParams::new().k(4).seed(11);
    let a = DoctorSegmentation::fit(&p, &docs).unwrap();
    let b = DoctorSegmentation::fit(&p, &docs).unwrap();
    assert_eq!(a.centroids(), b.centroids());
    assert_eq!(a.assign(&docs).unwrap(), b.assign(&docs).unwrap());
    assert_eq!(a.silhouette_scores(), b.silhouette_scores());
}

#[test]
fn save_load_round_trip() {
    let (docs, _) = clustered(400, 4);
    let seg = DoctorSegmentation::fit(&SegmentationParams::new().k(3), &docs).unwrap();
    let dir = std::env::temp_dir().join(format!("optocom-seg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seg.json");
    seg.save(&path).unwrap();
    let back = DoctorSegmentation::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(back.assign(&docs).unwrap(), seg.assign(&docs).unwrap());
    assert_eq!(back.centroids(), seg.centroids());
    assert_eq!(back.profiles(), seg.profiles());
    assert_eq!(back.silhouette_scores(), seg.silhouette_scores());
    assert_eq!(back.params(), seg.params());
    for d in &docs {
        assert_eq!(back.segment_of(d.doctor_id), seg.segment_of(d.doctor_id));
    }
    // Tampered artifact: centroid count no longer matches.
    let json = seg.to_json().unwrap().replace("\"k\":3", "\"k\":2");
    assert_eq!(
        DoctorSegmentation::from_json(&json).unwrap_err().code(),
        "invalid_artifact"
    );
}

/// Spellings that differ only by case or surrounding spaces are one level, as filters and
/// the recommender see them: the same segments, profiles and assignments as with one
/// spelling, the level spelled as the doctor with the smallest id spells it.
#[test]
fn levels_differing_by_case_are_one_level() {
    let (docs, _) = clustered(300, 5);
    let params = SegmentationParams::new().k(3);
    let base = DoctorSegmentation::fit(&params, &docs).unwrap();
    let mut shouted = docs.clone();
    for d in shouted.iter_mut().skip(1).step_by(2) {
        d.specialty = format!(" {} ", d.specialty.to_uppercase());
        d.province = d.province.to_lowercase();
    }
    let seg = DoctorSegmentation::fit(&params, &shouted).unwrap();
    assert_eq!(seg.assign(&shouted).unwrap(), base.assign(&docs).unwrap());
    assert_eq!(seg.assign(&docs).unwrap(), base.assign(&docs).unwrap());
    let names = |s: &DoctorSegmentation| -> Vec<(String, String, usize)> {
        s.profiles()
            .iter()
            .map(|p| {
                (
                    p.dominant_specialty.to_lowercase(),
                    p.dominant_province.to_lowercase(),
                    p.specialty_shares.len(),
                )
            })
            .collect()
    };
    assert_eq!(names(&seg), names(&base)); // one level each, not two
                                           // Each level is spelled as its smallest-id doctor spells it (trimmed).
    for p in seg.profiles() {
        let first = shouted
            .iter()
            .filter(|d| {
                d.specialty
                    .trim()
                    .eq_ignore_ascii_case(&p.dominant_specialty)
            })
            .min_by_key(|d| d.doctor_id)
            .unwrap();
        assert_eq!(first.specialty.trim(), p.dominant_specialty);
    }
}

#[test]
fn unseen_category_is_all_zero_not_an_error() {
    let (docs, _) = clustered(300, 5);
    let seg = DoctorSegmentation::fit(&SegmentationParams::new().k(3), &docs).unwrap();
    let mut new = docs[0].clone();
    new.doctor_id = 1;
    new.specialty = "Dermatology".into();
    new.province = "Yukon".into();
    let l = seg.assign(&[new.clone()]).unwrap();
    assert_eq!(l.len(), 1);
    // With both one-hot blocks zeroed, the numeric features still decide: the doctor has
    // the numbers of docs[0], so it lands in the same segment.
    assert_eq!(l[0], seg.assign(&docs[..1]).unwrap()[0]);
}

#[test]
fn extra_numeric_columns() {
    let (docs, truth) = clustered(300, 6);
    // An extra column that carries the group signal.
    let extra = Array2::from_shape_fn((300, 1), |(i, _)| truth[i] as f64 * 10.0);
    let seg = DoctorSegmentation::fit_with_extra(
        &SegmentationParams::new().k(3),
        &docs,
        &["calls"],
        extra.view(),
    )
    .unwrap();
    assert_eq!(seg.extra_names(), ["calls".to_string()]);
    assert!(seg.feature_schema().names().starts_with(&[
        "tenure_years".into(),
        "baseline_rx".into(),
        "calls".into()
    ]));
    let labels = seg.assign_with_extra(&docs, extra.view()).unwrap();
    assert!(ari(&labels, &truth) > 0.99);
    for p in seg.profiles() {
        assert_eq!(p.extra_means.len(), 1);
    }
    // Without the extra column: shape mismatch, not a panic.
    assert_eq!(seg.assign(&docs).unwrap_err().code(), "shape_mismatch");
}

#[test]
fn input_errors_are_typed() {
    let p = SegmentationParams::new().k(3);
    assert_eq!(
        DoctorSegmentation::fit(&p, &[]).unwrap_err().code(),
        "empty_input"
    );
    let (mut docs, _) = clustered(10, 7);
    let e = DoctorSegmentation::fit(&SegmentationParams::new().k(11), &docs).unwrap_err();
    assert_eq!(e.code(), "invalid_parameter");
    let e = DoctorSegmentation::fit(&SegmentationParams::new(), &docs[..2]).unwrap_err();
    assert_eq!(e.code(), "invalid_parameter");
    docs[4].tenure_years = f64::NAN;
    let e = DoctorSegmentation::fit(&p, &docs).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(
        e.to_string().starts_with("row 4, column `tenure_years`"),
        "{e}"
    );
    docs[4].tenure_years = 3.0;
    docs[5].doctor_id = docs[2].doctor_id;
    let e = DoctorSegmentation::fit(&p, &docs).unwrap_err();
    assert!(e.to_string().contains("duplicate doctor_id"), "{e}");
    for bad in [
        SegmentationParams::new().k(0),
        SegmentationParams::new().k_range(1, 4),
        SegmentationParams::new().k_range(5, 4),
        SegmentationParams::new().n_init(0),
        SegmentationParams::new().max_iter(0),
        SegmentationParams::new().tolerance(0.0),
        SegmentationParams::new().silhouette_sample(1),
    ] {
        assert_eq!(
            bad.check().unwrap_err().code(),
            "invalid_parameter",
            "{bad:?}"
        );
    }
}
