//! Uplift forest benches: fitting with intervals (little-bag grouping, honest trees) at 5k
//! and 50k doctors of the campaign generator, and prediction with standard errors.
//! `cargo bench -p optocom-benches --bench uplift`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use optocom_core::campaign::{Outcome, UpliftForest, UpliftParams};
use optocom_core::data::campaign_demo::{
    generate_campaign_data, uplift_table, CampaignDemoParams, UpliftTable,
};

fn table(n: usize) -> UpliftTable {
    let demo = generate_campaign_data(&CampaignDemoParams::default().n_doctors(n).seed(2026))
        .expect("demo data");
    uplift_table(&demo.data, 1).expect("uplift table")
}

fn fit(c: &mut Criterion) {
    let mut g = c.benchmark_group("uplift_forest_fit");
    g.sample_size(10);
    for n in [5_000usize, 50_000] {
        let t = table(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                UpliftForest::fit_table(&UpliftParams::default(), &t, Outcome::Responded)
                    .expect("fit")
            })
        });
    }
    g.finish();
}

fn predict(c: &mut Criterion) {
    let mut g = c.benchmark_group("uplift_forest_predict_with_std_error");
    g.sample_size(10);
    for n in [5_000usize, 50_000] {
        let t = table(n);
        let f =
            UpliftForest::fit_table(&UpliftParams::default(), &t, Outcome::Responded).expect("fit");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| f.predict(t.features.view()).expect("predict"))
        });
    }
    g.finish();
}

criterion_group!(benches, fit, predict);
criterion_main!(benches);
