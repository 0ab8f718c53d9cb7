//! k-means fit time: the general [`KMeans`] on 8 numeric features (10k and 100k rows,
//! `n_clusters = 8`, default params), and the doctor segmentation built on it (5k and 50k
//! doctors, fixed k = 5).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ndarray::Array2;
use optocom_core::campaign::{DoctorSegmentation, SegmentationParams};
use optocom_core::cluster::{KMeans, KMeansParams};
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

/// A splitmix64 stream: deterministic, no extra dependencies.
fn splitmix(mut s: u64) -> impl FnMut() -> u64 {
    move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Deterministic pseudo-random doctors.
fn doctors(n: usize) -> Vec<Doctor> {
    let mut next = splitmix(0x9E37_79B9_7F4A_7C15);
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

/// `n x 8` rows around 8 centers in `[0, 10)^8` with uniform noise of half-width 2.
fn blobs(n: usize) -> Array2<f64> {
    let mut next = splitmix(7);
    let mut unit = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
    let centers: Vec<f64> = (0..64).map(|_| 10.0 * unit()).collect();
    Array2::from_shape_fn((n, 8), |(i, j)| {
        centers[(i % 8) * 8 + j] + 4.0 * unit() - 2.0
    })
}

fn bench_kmeans(c: &mut Criterion) {
    let mut g = c.benchmark_group("kmeans_fit_k8");
    g.sample_size(10);
    let params = KMeansParams::new().n_clusters(8);
    for n in [10_000usize, 100_000] {
        let x = blobs(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &x, |b, x| {
            b.iter(|| KMeans::fit(&params, x.view(), None).expect("valid synthetic rows"))
        });
    }
    g.finish();
}

/// Prediction of a fitted k = 8 model: below 32,768 rows in the calling thread, above on a
/// pool (`n_jobs` 1 and all cores).
fn bench_kmeans_predict(c: &mut Criterion) {
    let mut g = c.benchmark_group("kmeans_predict_k8");
    let train = blobs(100_000);
    for (label, n_jobs) in [("1", Some(1)), ("all", None)] {
        let params = KMeansParams::new().n_clusters(8).n_init(1).n_jobs(n_jobs);
        let model = KMeans::fit(&params, train.view(), None).expect("valid synthetic rows");
        for n in [16_384usize, 200_000] {
            let x = blobs(n);
            g.bench_with_input(BenchmarkId::new(label, n), &x, |b, x| {
                b.iter(|| model.predict(x.view()).expect("valid synthetic rows"))
            });
        }
    }
    g.finish();
}

fn bench_segmentation(c: &mut Criterion) {
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

criterion_group!(
    benches,
    bench_kmeans,
    bench_kmeans_predict,
    bench_segmentation
);
criterion_main!(benches);
