//! The campaign uplift story end to end on generated data: campaign metrics with the DiD
//! lift, an uplift forest on campaign 1, the average effect, the top 10 doctors by
//! estimated uplift with 95% intervals, the Qini coefficient against the oracle ranking by
//! true effects, and the coverage of the 95% intervals of the true per-doctor effects on
//! held-out doctors.
//!
//! `cargo run --release -p optocom-examples --example campaign_uplift [-- n_doctors [n_trees [min_samples_leaf [off]]]]`
//! (default 50,000 doctors; `off` turns the local-linear correction off).

use std::time::Instant;

use optocom_core::campaign::{
    CampaignAnalytics, LinearCorrection, Outcome, OutcomeKind, RankBy, UpliftForest, UpliftParams,
};
use optocom_core::data::campaign_demo::{generate_campaign_data, uplift_table, CampaignDemoParams};
use optocom_core::data::{DoctorFilter, PageRequest};
use optocom_core::metrics::qini_coefficient;
use optocom_core::stats::train_holdout_split;
use optocom_core::Error;

fn arg(i: usize) -> Option<usize> {
    std::env::args().nth(i).and_then(|s| s.parse().ok())
}

fn main() -> Result<(), Error> {
    let n_doctors = arg(1).unwrap_or(50_000);
    let mut params = UpliftParams::default().seed(7);
    if let Some(t) = arg(2) {
        params = params.n_trees(t);
    }
    if let Some(m) = arg(3) {
        params = params.min_samples_leaf(m);
    }
    if std::env::args().nth(4).as_deref() == Some("off") {
        params = params.linear_correction(LinearCorrection::Off);
    }
    let campaign = 1;
    let t0 = Instant::now();
    let demo = generate_campaign_data(
        &CampaignDemoParams::default()
            .n_doctors(n_doctors)
            .seed(2026),
    )?;
    println!(
        "Generated {} doctors, {} campaigns, {} Rx records in {:.1} s\n",
        demo.data.doctors.len(),
        demo.data.campaigns.len(),
        demo.data.rx.len(),
        t0.elapsed().as_secs_f64()
    );

    // Campaign metrics (difference in differences) over all doctors.
    let analytics = CampaignAnalytics::with_outcome(demo.data.clone(), demo.outcome)?;
    let m = analytics.metrics(campaign, &DoctorFilter::default(), 0.95)?;
    println!("Campaign {campaign} ({}):", m.product);
    if let Some(l) = m.lift {
        println!(
            "  DiD lift: {:+.2} Rx/month (95% CI {:+.2} .. {:+.2})",
            l.estimate, l.ci_low, l.ci_high
        );
    }
    if let Some(r) = m.response_rate_diff {
        println!(
            "  response-rate difference: {:+.3} (95% CI {:+.3} .. {:+.3})\n",
            r.estimate, r.ci_low, r.ci_high
        );
    }

    // Train on 70% of the doctors, evaluate on the other 30%.
    let table = uplift_table(&demo.data, campaign)?;
    let (train, hold) = train_holdout_split(table.len(), 0.3, 11);
    let sub = |rows: &[usize]| {
        let mut t = table.clone();
        t.features = table.features.select(ndarray::Axis(0), rows);
        t.doctor_ids = rows.iter().map(|&i| table.doctor_ids[i]).collect();
        t.treatment = rows.iter().map(|&i| table.treatment[i]).collect();
        t.rx_change = rows.iter().map(|&i| table.rx_change[i]).collect();
        t.responded = rows.iter().map(|&i| table.responded[i]).collect();
        t
    };
    let (train_t, hold_t) = (sub(&train), sub(&hold));
    let truth: std::collections::HashMap<u64, _> = demo
        .truth_for(campaign)
        .iter()
        .map(|t| (t.doctor_id, t))
        .collect();

    for outcome in [Outcome::Responded, Outcome::RxChange] {
        let t = Instant::now();
        let forest = UpliftForest::fit_table(&params, &train_t, outcome)?;
        let fit_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (effect, low, high) = forest.predict_interval(hold_t.features.view(), 0.95)?;
        let pred_s = t.elapsed().as_secs_f64();
        let kind = forest.outcome();
        println!(
            "Uplift forest on {:?} ({} trees, {} training doctors): fit {:.2} s, predict {} doctors with intervals {:.2} s",
            outcome,
            params.n_trees,
            train_t.len(),
            fit_s,
            hold_t.len(),
            pred_s
        );
        let ate = forest.average_effect(0.95)?;
        println!(
            "  average effect: {:+.4} (95% CI {:+.4} .. {:+.4})",
            ate.estimate, ate.ci_low, ate.ci_high
        );
        let true_effect: Vec<f64> = hold_t
            .doctor_ids
            .iter()
            .map(|id| {
                truth.get(id).map_or(f64::NAN, |t| match kind {
                    OutcomeKind::Binary => t.true_effect_response_prob,
                    OutcomeKind::Continuous => t.true_effect_rx,
                })
            })
            .collect();
        let n = true_effect.len() as f64;
        let covered = (0..true_effect.len())
            .filter(|&i| low[i] <= true_effect[i] && true_effect[i] <= high[i])
            .count() as f64;
        let width = (0..true_effect.len())
            .map(|i| high[i] - low[i])
            .sum::<f64>()
            / n;
        let bias = (0..true_effect.len())
            .map(|i| effect[i] - true_effect[i])
            .sum::<f64>()
            / n;
        let rmse = ((0..true_effect.len())
            .map(|i| (effect[i] - true_effect[i]).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        println!(
            "  held-out coverage of the true effects by 95% intervals: {:.1}% (mean width {:.4}, mean bias {:+.4}, RMSE {:.4})",
            100.0 * covered / n,
            width,
            bias,
            rmse
        );
        if kind == OutcomeKind::Binary {
            let y: Vec<f64> = hold_t.responded.iter().map(|&r| f64::from(r)).collect();
            let q = qini_coefficient(&y, &hold_t.treatment, effect.as_slice().unwrap_or(&[]))?;
            let oracle = qini_coefficient(&y, &hold_t.treatment, &true_effect)?;
            println!("  held-out Qini: {q:.4} (oracle ranking by true effect: {oracle:.4})");
            let imp = forest.feature_importances();
            let mut top: Vec<(usize, f64)> = imp.iter().copied().enumerate().collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            let names = forest.schema().names();
            let shown: Vec<String> = top
                .iter()
                .take(4)
                .map(|(j, v)| format!("{} {:.2}", names[*j], v))
                .collect();
            println!("  top features: {}", shown.join(", "));

            // Top 10 held-out doctors by estimated uplift, through the analytics ranking.
            let scores = forest.effects_by_doctor(&hold_t)?;
            let se: std::collections::HashMap<u64, (f64, f64)> = hold_t
                .doctor_ids
                .iter()
                .enumerate()
                .map(|(i, &id)| (id, (low[i], high[i])))
                .collect();
            let page = analytics.top_responders(
                campaign,
                &DoctorFilter::default(),
                &RankBy::Uplift(scores),
                &PageRequest {
                    page: 1,
                    per_page: 10,
                },
            )?;
            println!("  top 10 held-out doctors by estimated uplift on the response probability:");
            println!(
                "    {:>4} {:>8} {:<20} {:>8} {:>19} {:>8}",
                "rank", "doctor", "specialty", "uplift", "95% interval", "true"
            );
            for r in &page.data {
                let (lo, hi) = se
                    .get(&r.doctor_id)
                    .copied()
                    .unwrap_or((f64::NAN, f64::NAN));
                let tr = truth
                    .get(&r.doctor_id)
                    .map_or(f64::NAN, |t| t.true_effect_response_prob);
                println!(
                    "    {:>4} {:>8} {:<20} {:>+8.3} {:>+8.3} .. {:>+7.3} {:>+8.3}",
                    r.rank, r.doctor_id, r.specialty, r.score, lo, hi, tr
                );
            }
        }
        println!();
    }
    Ok(())
}
