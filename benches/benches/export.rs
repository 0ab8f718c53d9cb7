//! Streaming CSV export throughput: rows/s at 100k and 1M rows into a sink.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use optocom_core::data::Doctor;
use optocom_core::export::{export_csv, ExportOptions};

fn doctor(i: u64) -> Doctor {
    Doctor {
        doctor_id: i,
        specialty: if matches!(i % 5, 0) {
            "=Cardiology"
        } else {
            "Oncology"
        }
        .to_string(),
        province: "Ontario".to_string(),
        tenure_years: (i % 40) as f64 + 0.5,
        baseline_rx: (i % 997) as f64 * 1.25,
    }
}

fn bench_export(c: &mut Criterion) {
    let mut g = c.benchmark_group("export_csv");
    g.sample_size(10);
    for n in [100_000u64, 1_000_000] {
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::new("doctors", n), &n, |b, &n| {
            b.iter(|| {
                export_csv(
                    (0..n).map(doctor),
                    std::io::sink(),
                    &ExportOptions::default(),
                    None,
                )
                .expect("export to a sink cannot fail")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_export);
criterion_main!(benches);
