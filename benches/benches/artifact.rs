//! Model artifact benches: save and load through [`Persist`] of a forest classifier (100
//! trees, default params) trained on 10k / 100k / 800k demo appointments, and of an uplift
//! forest (default params, 300 trees) on 5k / 50k doctors of the campaign generator.
//! `cargo bench -p optocom-benches --bench artifact`.
//!
//! `write_to` writes the JSON envelope into a reused in-memory buffer, `read_from` parses it
//! back from bytes (both are `to_json`/`from_json` plus one copy; `save`/`load` add the
//! file). Throughput is the artifact size, so criterion reports bytes per second. Models are
//! trained once per size before measuring (the 800k forest takes a few seconds).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::Array1;
use optocom_core::campaign::{Outcome, UpliftForest, UpliftParams};
use optocom_core::data::campaign_demo::{generate_campaign_data, uplift_table, CampaignDemoParams};
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::features::{encode_appointments, optometry_schema};
use optocom_core::forest::{ForestParams, RandomForestClassifier};
use optocom_core::Persist;

/// Qualifying purchase threshold of the forecaster's classifier (GBP).
const THRESHOLD: f64 = 100.0;

/// The forecaster's classifier on its own: P(amount >= GBP 100) from the 8 optometry features.
fn classifier(n: usize) -> RandomForestClassifier {
    let d = generate_appointments(&DemoParams::new().n_past(n).n_upcoming(0).seed(1))
        .expect("demo data");
    let x = encode_appointments(&d.past);
    let y: Array1<usize> = d
        .past
        .iter()
        .map(|a| usize::from(a.amount.unwrap_or(0.0) >= THRESHOLD))
        .collect();
    let params = ForestParams::default().n_trees(100);
    RandomForestClassifier::fit_with_schema(&params, x.view(), y.view(), optometry_schema())
        .expect("fit")
}

fn uplift(n: usize) -> UpliftForest {
    let demo = generate_campaign_data(&CampaignDemoParams::default().n_doctors(n).seed(2026))
        .expect("demo data");
    let table = uplift_table(&demo.data, 1).expect("uplift table");
    UpliftForest::fit_table(&UpliftParams::default(), &table, Outcome::Responded).expect("fit")
}

/// Benches `write_to` and `read_from` of one model in group `g`, labelled with `size`.
fn round_trip<M: Persist>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    size: usize,
    model: &M,
) {
    let bytes = model.to_json().expect("save").into_bytes();
    // The artifact reloads into the same model (same envelope, bit for bit).
    let back = M::read_from(bytes.as_slice()).expect("load");
    assert_eq!(back.to_json().expect("save").as_bytes(), bytes.as_slice());
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut buf = Vec::with_capacity(bytes.len());
    g.bench_with_input(BenchmarkId::new("write_to", size), &size, |b, _| {
        b.iter(|| {
            buf.clear();
            model.write_to(&mut buf).expect("save");
        })
    });
    g.bench_with_input(BenchmarkId::new("read_from", size), &bytes, |b, bytes| {
        b.iter(|| M::read_from(bytes.as_slice()).expect("load"))
    });
}

fn forest(c: &mut Criterion) {
    let mut g = c.benchmark_group("artifact_forest_classifier");
    g.sample_size(10);
    for n in [10_000usize, 100_000, 800_000] {
        round_trip(&mut g, n, &classifier(n));
    }
    g.finish();
}

fn uplift_forest(c: &mut Criterion) {
    let mut g = c.benchmark_group("artifact_uplift_forest");
    g.sample_size(10);
    for n in [5_000usize, 50_000] {
        round_trip(&mut g, n, &uplift(n));
    }
    g.finish();
}

criterion_group!(benches, forest, uplift_forest);
criterion_main!(benches);
