//! Forest benches: fit and predict at 10k / 100k / 1M rows x 8 purchase-like features with
//! default params, predict on 8 continuous features whose rows never repeat (no distinct-row
//! gathering, see `forest::coded`), single-row latency, batch predict of 1 to 64 rows
//! (in the calling thread up to 40 rows, on a pool from 41), and linfa-trees `DecisionTree` fit at
//! 10k as a reference.
//!
//! `cargo bench --bench forest` runs everything (the 1M cases take minutes);
//! `cargo bench --bench forest -- 10000` filters by size. For a quick direct measurement
//! without criterion: `OPTOCOM_FOREST_TIMING=800000 cargo bench --bench forest` fits 100
//! trees on that many rows, predicts 200k rows, times single rows and prints the model size.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput};
use ndarray::{Array1, Array2};
use optocom_core::forest::{ForestParams, RandomForestClassifier};
use optocom_core::Persist;

/// SplitMix64 stream: deterministic data without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn flag(&mut self, p: f64) -> f64 {
        f64::from(u8::from(self.next_f64() < p))
    }
}

/// Purchase-like rows: age, days since last purchase, six flags; logistic target.
fn purchase_data(n: usize, seed: u64) -> (Array2<f64>, Array1<usize>) {
    let mut rng = Rng(seed);
    let mut x = Array2::zeros((n, 8));
    let mut y = Array1::zeros(n);
    for i in 0..n {
        let age = (5.0 + rng.next_f64() * 90.0).round();
        let days = (rng.next_f64() * 1500.0).round();
        let row = [
            age,
            days,
            rng.flag(if age > 45.0 { 0.55 } else { 0.08 }),
            rng.flag(0.25),
            rng.flag(0.3),
            rng.flag(0.55),
            rng.flag(0.2),
            rng.flag(0.4),
        ];
        let logit = -1.9 + 0.66 * f64::from(u8::from(age > 45.0)) + 0.54 * row[2] + 0.48 * row[3]
            - 0.54 * row[4]
            + 0.42 * row[5]
            + 1.3 * (days / 730.0).min(1.0);
        let p = 1.0 / (1.0 + (-logit).exp());
        for (j, v) in row.iter().enumerate() {
            x[[i, j]] = *v;
        }
        y[i] = usize::from(rng.next_f64() < p);
    }
    (x, y)
}

/// Eight continuous uniform features, target driven by three of them: coded rows never
/// repeat, so prediction walks every row.
fn continuous_data(n: usize, seed: u64) -> (Array2<f64>, Array1<usize>) {
    let mut rng = Rng(seed);
    let x = Array2::from_shape_simple_fn((n, 8), || rng.next_f64());
    let y = x
        .rows()
        .into_iter()
        .map(|r| usize::from(r[0] + r[1] * r[2] + 0.5 * rng.next_f64() > 1.0))
        .collect();
    (x, y)
}

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn bench_fit(c: &mut Criterion) {
    let mut g = c.benchmark_group("forest_fit");
    for n in SIZES {
        let (x, y) = purchase_data(n, 1);
        g.sample_size(10);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view())
                    .expect("fit")
            })
        });
    }
    g.finish();
}

fn bench_predict(c: &mut Criterion) {
    let mut g = c.benchmark_group("forest_predict");
    for n in SIZES {
        let (x, y) = purchase_data(n, 2);
        let model =
            RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).expect("fit");
        g.sample_size(10);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| model.predict_proba(black_box(x.view())).expect("predict"))
        });
    }
    g.finish();
}

fn bench_predict_continuous(c: &mut Criterion) {
    let mut g = c.benchmark_group("forest_predict_continuous");
    let (x, y) = continuous_data(100_000, 7);
    let model =
        RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).expect("fit");
    let (xt, _) = continuous_data(100_000, 8);
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000));
    g.bench_with_input(BenchmarkId::from_parameter(100_000), &100_000, |b, _| {
        b.iter(|| model.predict_proba(black_box(xt.view())).expect("predict"))
    });
    g.finish();
}

fn bench_row(c: &mut Criterion) {
    let (x, y) = purchase_data(100_000, 3);
    let model =
        RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).expect("fit");
    let rows: Vec<Vec<f64>> = (0..256).map(|i| x.row(i).to_vec()).collect();
    let mut i = 0;
    c.bench_function("forest_predict_row/100000", |b| {
        b.iter(|| {
            i = (i + 1) % rows.len();
            model.predict_proba_row(black_box(&rows[i])).expect("row")
        })
    });
}

/// Batch `predict_proba` of a few rows: up to 40 rows of 100 trees run in the calling thread,
/// from 41 rows on a thread pool (`Ensemble::predicts_inline`); the step between 40 and 41
/// is the cost of starting and joining the pool.
fn bench_predict_small(c: &mut Criterion) {
    let (x, y) = purchase_data(100_000, 3);
    let model =
        RandomForestClassifier::fit(&ForestParams::default(), x.view(), y.view()).expect("fit");
    let mut g = c.benchmark_group("forest_predict_small");
    for n in [1usize, 8, 40, 41, 64] {
        let rows = x.slice(ndarray::s![..n, ..]);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| model.predict_proba(black_box(rows)).expect("predict"))
        });
    }
    g.finish();
}

fn bench_linfa_reference(c: &mut Criterion) {
    use linfa::prelude::*;
    use linfa_trees::DecisionTree;
    let (x, y) = purchase_data(10_000, 4);
    let ds = Dataset::new(x, y);
    let mut g = c.benchmark_group("linfa_decision_tree_fit");
    g.sample_size(10);
    g.bench_with_input(BenchmarkId::from_parameter(10_000), &10_000, |b, _| {
        b.iter(|| DecisionTree::params().fit(&ds).expect("linfa fit"))
    });
    g.finish();
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat` (Linux;
/// 0 elsewhere). On a machine shared with other jobs, CPU time / cores is a steadier
/// estimate of the idle-machine wall time than the wall time itself.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let ticks = after.get(11)?.parse::<f64>().ok()? + after.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// Direct wall-clock timing of the target scenario (see the module docs).
fn timing(n: usize) {
    let (x, y) = purchase_data(n, 5);
    let (xt, _) = purchase_data(200_000, 6);
    let params = ForestParams::default();
    let (xc, yc) = continuous_data(n, 7);
    let continuous = RandomForestClassifier::fit(&params, xc.view(), yc.view()).expect("fit");
    let (xc, _) = continuous_data(200_000, 8);
    let t = Instant::now();
    let binned = optocom_core::forest::BinnedMatrix::fit(x.view(), 255, 0);
    println!("binning {n} rows: {:.3}s", t.elapsed().as_secs_f64());
    black_box(binned);
    let (t, c) = (Instant::now(), cpu_seconds());
    black_box(
        RandomForestClassifier::fit(&params.clone().n_jobs(Some(1)), x.view(), y.view())
            .expect("fit"),
    );
    println!(
        "fit with n_jobs=1: {:.3}s (cpu {:.2}s)",
        t.elapsed().as_secs_f64(),
        cpu_seconds() - c
    );
    for run in 0..2 {
        let (t, c) = (Instant::now(), cpu_seconds());
        let model = RandomForestClassifier::fit(&params, x.view(), y.view()).expect("fit");
        let (fit, fit_cpu) = (t.elapsed(), cpu_seconds() - c);
        let (t, c) = (Instant::now(), cpu_seconds());
        let p = model.predict_proba(xt.view()).expect("predict");
        let (pred, pred_cpu) = (t.elapsed(), cpu_seconds() - c);
        black_box(p);
        let rows: Vec<Vec<f64>> = (0..1000).map(|i| xt.row(i).to_vec()).collect();
        let reps = 20;
        let t = Instant::now();
        for _ in 0..reps {
            for r in &rows {
                black_box(model.predict_proba_row(black_box(r)).expect("row"));
            }
        }
        let row_us = t.elapsed().as_secs_f64() * 1e6 / (reps * rows.len()) as f64;
        let size = model.to_json().expect("json").len();
        let nodes: usize = model.trees().iter().map(|t| t.n_nodes()).sum();
        let depth = model.trees().iter().map(|t| t.depth()).max().unwrap_or(0);
        let t = Instant::now();
        black_box(continuous.predict_proba(xc.view()).expect("predict"));
        let pred_cont = t.elapsed();
        println!(
            "run {run}: n={n} fit {:.3}s (cpu {fit_cpu:.2}s) | predict 200k {:.3}s (cpu {pred_cpu:.2}s), continuous rows {:.3}s | one row {row_us:.2}us | model {:.2} MB ({nodes} nodes, max depth {depth})",
            fit.as_secs_f64(),
            pred.as_secs_f64(),
            pred_cont.as_secs_f64(),
            size as f64 / 1e6
        );
    }
}

fn main() {
    if let Some(n) = std::env::var("OPTOCOM_FOREST_TIMING")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        timing(n);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench_fit(&mut c);
    bench_predict(&mut c);
    bench_predict_continuous(&mut c);
    bench_row(&mut c);
    bench_predict_small(&mut c);
    bench_linfa_reference(&mut c);
    c.final_summary();
}
