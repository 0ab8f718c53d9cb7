//! Ingest throughput: appointment CSV parsed into typed, validated records, strict and
//! lenient, on data generated in memory by the demo generator.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use optocom_core::data::{
    generate_appointments, read_appointments, write_appointments_csv, DemoParams, IngestOptions,
};

fn appointment_csv(n: usize) -> Vec<u8> {
    let data = generate_appointments(&DemoParams::default().n_past(n).n_upcoming(0).seed(1))
        .expect("valid demo params");
    let mut buf = Vec::new();
    write_appointments_csv(&data.past, &mut buf).expect("writing to memory");
    buf
}

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest_appointments_csv");
    for n in [10_000usize, 100_000] {
        let csv = appointment_csv(n);
        group.throughput(Throughput::Bytes(csv.len() as u64));
        for (mode, options) in [
            ("strict", IngestOptions::strict()),
            ("lenient", IngestOptions::lenient()),
        ] {
            group.bench_with_input(BenchmarkId::new(mode, n), &csv, |b, csv| {
                b.iter(|| {
                    let got = read_appointments(csv.as_slice(), &options).expect("valid CSV");
                    assert_eq!(got.rows.len(), n);
                    got
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = ingest
}
criterion_main!(benches);
