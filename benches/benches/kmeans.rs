//! Doctor segmentation fit time at 5k and 50k doctors, fixed k = 5.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use optocom_core::campaign::{DoctorSegmentation, SegmentationParams};
use optocom_core::data::Doctor;

const SPECIALTIES: [&str; 6] = [
    "Cardiology",
    "Oncology",
    "Family Medicine",
    "Endocrinology",
    "Neurology",
    "Pediatrics",
];
const PROVINCES: [&str; 5] = [
    "Ontario",
    "Quebec",
    "Alberta",
    "British Columbia",
    "Manitoba",
];

/// Deterministic pseudo-random doctors (splitmix64), no extra dependencies.
fn doctors(n: usize) -> Vec<Doctor> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|i| {
            let g = (next() % 6) as usize;
            let u = (next() % 10_000) as f64 / 10_000.0;
            Doctor {
                doctor_id: i as u64,
                specialty: SPECIALTIES[g].to_string(),
                province: PROVINCES[(next() % 5) as usize].to_string(),
                tenure_years: 2.0 + 5.0 * g as f64 + 4.0 * u,
                baseline_rx: 20.0 + 30.0 * g as f64 + 25.0 * (1.0 - u),
            }
        })
        .collect()
}

fn bench_kmeans(c: &mut Criterion) {
    let mut g = c.benchmark_group("segmentation_fit_k5");
    g.sample_size(10);
    let params = SegmentationParams::new().k(5).seed(1);
    for n in [5_000usize, 50_000] {
        let docs = doctors(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &docs, |b, docs| {
            b.iter(|| DoctorSegmentation::fit(&params, docs).expect("valid synthetic doctors"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_kmeans);
criterion_main!(benches);
