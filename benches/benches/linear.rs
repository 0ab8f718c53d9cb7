//! Linear spend model benches: [`SpendModel`] fit (standardisation + minimum-norm least
//! squares) and batch prediction at 10k / 100k / 1M appointments x 8 optometry features
//! from the demo generator. `cargo bench -p optocom-benches --bench linear`.
//!
//! Both groups use every appointment's amount (0 when none) with no floor, to time the
//! regression itself at these sizes; the forecaster fits the same model on its qualifying
//! purchases only (see `purchase.rs` for the whole forecaster).

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::Array2;
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::features::encode_appointments;
use optocom_core::purchase::SpendModel;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// `n` past demo appointments encoded as the 8 optometry features, with their amounts (the
/// same generator settings as the group had in `purchase.rs`, so its history carries over).
fn data(n: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let d = generate_appointments(
        &DemoParams::new()
            .n_past(n)
            .n_upcoming(1_000)
            .start_date(NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"))
            .seed(seed),
    )
    .expect("demo data");
    let x = encode_appointments(&d.past);
    let y = d.past.iter().map(|a| a.amount.unwrap_or(0.0)).collect();
    (x, y)
}

fn fit(c: &mut Criterion) {
    let mut g = c.benchmark_group("linear_spend_fit");
    for n in SIZES {
        let (x, y) = data(n, 1);
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

fn predict(c: &mut Criterion) {
    let mut g = c.benchmark_group("linear_spend_predict");
    for n in SIZES {
        let (x, y) = data(n, 2);
        let model = SpendModel::fit(x.view(), &y, f64::NEG_INFINITY).expect("fit");
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            g.sample_size(10);
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| model.predict(black_box(x.view())).expect("predict"))
        });
    }
    g.finish();
}

criterion_group!(benches, fit, predict);
criterion_main!(benches);
