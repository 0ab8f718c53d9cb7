//! Purchase forecasting benches: forecaster training, batch scoring and single-patient
//! latency. `cargo bench -p optocom-benches --bench purchase`. The linear spend model on its
//! own is in `linear.rs`.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::purchase::{PatientFeatures, PurchaseForecaster, PurchaseParams};

fn data(n: usize, seed: u64) -> optocom_core::data::demo::DemoData {
    generate_appointments(
        &DemoParams::new()
            .n_past(n)
            .n_upcoming(1_000)
            .start_date(NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"))
            .seed(seed),
    )
    .expect("demo data")
}

fn forecaster(c: &mut Criterion) {
    let d = data(10_000, 2);
    let mut g = c.benchmark_group("purchase_forecaster");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("fit", 10_000), |b| {
        b.iter(|| PurchaseForecaster::fit(&PurchaseParams::new(), &d.past).expect("fit"))
    });
    let model = PurchaseForecaster::fit(&PurchaseParams::new(), &d.past).expect("fit");
    g.bench_function(BenchmarkId::new("score", 1_000), |b| {
        b.iter(|| model.score(&d.upcoming).expect("score"))
    });
    g.finish();
    let patient = PatientFeatures::from(&d.upcoming[0]);
    c.bench_function("purchase_predict_patient", |b| {
        b.iter(|| {
            model
                .predict_patient(std::hint::black_box(&patient))
                .expect("predict")
        })
    });
}

criterion_group!(benches, forecaster);
criterion_main!(benches);
