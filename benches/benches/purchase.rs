//! Purchase forecasting benches: the linear spend model, forecaster training, batch scoring
//! and single-patient latency. `cargo bench -p optocom-benches --bench purchase`.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::features::encode_appointments;
use optocom_core::purchase::{PatientFeatures, PurchaseForecaster, PurchaseParams, SpendModel};

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

fn linear(c: &mut Criterion) {
    let mut g = c.benchmark_group("linear_spend_fit");
    for n in [10_000usize, 100_000, 1_000_000] {
        let d = data(n, 1);
        let x = encode_appointments(&d.past);
        let y: Vec<f64> = d.past.iter().map(|a| a.amount.unwrap_or(0.0)).collect();
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            g.sample_size(10);
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| SpendModel::fit(x.view(), &y, f64::NEG_INFINITY).expect("fit"))
        });
    }
    g.finish();
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

criterion_group!(benches, linear, forecaster);
criterion_main!(benches);
