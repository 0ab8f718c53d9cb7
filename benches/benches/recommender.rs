//! Doctor recommender benches on the campaign demo generator at 5k and 50k doctors: building
//! the recommender (validation, Rx terciles and the doctors' level indices, with a product
//! profile derived from the response rates of the doctors the product's campaigns targeted)
//! and the top-100 query for that product.
//! `cargo bench -p optocom-benches --bench recommender`.
//!
//! The product is the first campaign's; its profile comes from
//! [`CampaignAnalytics::product_outcomes`] and [`DoctorRecommender::derive_profile`], as the
//! Python binding builds it.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use optocom_core::campaign::{
    CampaignAnalytics, DoctorProfile, DoctorRecommender, ProductProfile, RecommenderParams,
    TargetedOutcome,
};
use optocom_core::data::campaign_demo::{generate_campaign_data, CampaignDemoParams};

const SIZES: [usize; 2] = [5_000, 50_000];
const TOP: usize = 100;

/// Everything the recommender is built from at one size.
struct Setup {
    doctors: Vec<DoctorProfile>,
    product: ProductProfile,
    outcomes: Vec<TargetedOutcome>,
}

fn setup(n: usize) -> Setup {
    let demo = generate_campaign_data(&CampaignDemoParams::default().n_doctors(n).seed(2026))
        .expect("demo data");
    let name = demo.data.campaigns[0].product.clone();
    let doctors: Vec<DoctorProfile> = demo
        .data
        .doctors
        .iter()
        .cloned()
        .map(DoctorProfile::new)
        .collect();
    let analytics = CampaignAnalytics::new(demo.data).expect("valid demo data");
    let outcomes = analytics.product_outcomes(&name).expect("outcomes");
    let bare = DoctorRecommender::fit(&RecommenderParams::default(), doctors.clone(), Vec::new())
        .expect("fit");
    let product = bare.derive_profile(name, &outcomes).expect("profile");
    Setup {
        doctors,
        product,
        outcomes,
    }
}

fn bench(c: &mut Criterion) {
    let params = RecommenderParams::default();
    let setups: Vec<(usize, Setup)> = SIZES.iter().map(|&n| (n, setup(n))).collect();

    let mut g = c.benchmark_group("recommender_fit");
    for (n, s) in &setups {
        g.throughput(Throughput::Elements(*n as u64));
        // The doctors move into the model: clone them outside the timed part.
        g.bench_with_input(BenchmarkId::from_parameter(n), s, |b, s| {
            b.iter_batched(
                || (s.doctors.clone(), vec![s.product.clone()]),
                |(doctors, products)| {
                    DoctorRecommender::fit(&params, doctors, products).expect("fit")
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("recommender_derive_profile");
    for (n, s) in &setups {
        let rec = DoctorRecommender::fit(&params, s.doctors.clone(), Vec::new()).expect("fit");
        g.throughput(Throughput::Elements(*n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), s, |b, s| {
            b.iter(|| {
                rec.derive_profile(s.product.product.as_str(), black_box(&s.outcomes))
                    .expect("profile")
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("recommender_recommend_top100");
    for (n, s) in &setups {
        let rec = DoctorRecommender::fit(&params, s.doctors.clone(), vec![s.product.clone()])
            .expect("fit");
        g.throughput(Throughput::Elements(*n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), s, |b, s| {
            b.iter(|| {
                let top = rec
                    .recommend(black_box(&s.product.product), TOP, None, None)
                    .expect("recommend");
                assert_eq!(top.len(), TOP);
                top
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
