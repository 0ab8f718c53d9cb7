//! Measures the purchase models' quality against the demo generator's known truth; the
//! figures in the README come from this program (`make quality`).
//!
//! * AUC of the default forest on fresh data vs the AUC of the true probabilities on the same
//!   rows, and of scikit-learn-style fully grown trees (`min_samples_leaf = 1`, bootstrap)
//!   for contrast;
//! * R^2 of the hurdle model's expected revenue vs a plain linear regression of the amount
//!   (the original system's spend model), on the same holdout;
//! * coverage of 90% weekly revenue intervals over years of unseen demo practice data.

use chrono::NaiveDate;
use optocom_core::data::demo::{generate_appointments, DemoData, DemoParams};
use optocom_core::features::encode_appointments;
use optocom_core::forest::{ForestParams, Sampling};
use optocom_core::metrics::{r2_score, roc_auc};
use optocom_core::purchase::{Freq, PurchaseForecaster, PurchaseParams, SpendModel};

fn demo(n: usize, seed: u64) -> Result<DemoData, optocom_core::Error> {
    generate_appointments(
        &DemoParams::new()
            .n_past(n)
            .n_upcoming(0)
            .start_date(NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"))
            .seed(seed),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), optocom_core::Error> {
    println!("Purchase model quality vs the demo generator's truth (10,000 training rows)\n");
    println!(
        "{:<6} {:>10} {:>12} {:>14} {:>12} {:>10}",
        "seed", "true AUC", "default AUC", "fully grown", "hurdle R^2", "OLS R^2"
    );
    let (mut gaps, mut full_gaps) = (Vec::new(), Vec::new());
    for seed in 1..=5u64 {
        let train = demo(10_000, seed)?;
        let fresh = demo(20_000, seed + 1000)?;
        let y: Vec<bool> = fresh
            .past
            .iter()
            .map(|a| a.amount.unwrap_or(0.0) >= 100.0)
            .collect();
        let truth: Vec<f64> = fresh
            .past_truth
            .iter()
            .map(|t| t.purchase_probability)
            .collect();
        let auc_true = roc_auc(&y, &truth)?;
        let model = PurchaseForecaster::fit(&PurchaseParams::new(), &train.past)?;
        let p: Vec<f64> = model
            .score(&fresh.past)?
            .iter()
            .map(|s| s.probability)
            .collect();
        let auc = roc_auc(&y, &p)?;
        let grown = PurchaseParams::new().classifier(
            ForestParams::default()
                .min_samples_leaf(1usize)
                .sampling(Sampling::Bootstrap),
        );
        let full = PurchaseForecaster::fit(&grown, &train.past)?;
        let pf: Vec<f64> = full
            .score(&fresh.past)?
            .iter()
            .map(|s| s.probability)
            .collect();
        let auc_full = roc_auc(&y, &pf)?;

        // Spend: hurdle expected revenue vs plain OLS of amount, same 80/20 split.
        let (tr, ho) = train.past.split_at(8_000);
        let hurdle = PurchaseForecaster::fit(&PurchaseParams::new(), tr)?;
        let at: Vec<f64> = tr.iter().map(|a| a.amount.unwrap_or(0.0)).collect();
        let ols = SpendModel::fit(encode_appointments(tr).view(), &at, f64::NEG_INFINITY)?;
        let ah: Vec<f64> = ho.iter().map(|a| a.amount.unwrap_or(0.0)).collect();
        let ols_r2 = r2_score(&ah, &ols.predict(encode_appointments(ho).view())?.to_vec())?;
        let ours: Vec<f64> = hurdle
            .score(ho)?
            .iter()
            .map(|s| s.expected_revenue)
            .collect();
        let hurdle_r2 = r2_score(&ah, &ours)?;
        println!("{seed:<6} {auc_true:>10.4} {auc:>12.4} {auc_full:>14.4} {hurdle_r2:>12.4} {ols_r2:>10.4}");
        gaps.push(auc_true - auc);
        full_gaps.push(auc_true - auc_full);
    }
    println!(
        "median AUC gap to truth: default {:.4}, fully grown {:.4}\n",
        median(gaps),
        median(full_gaps)
    );

    let model = PurchaseForecaster::fit(&PurchaseParams::new(), &demo(10_000, 31)?.past)?;
    for level in [0.5, 0.8, 0.9, 0.95] {
        let (mut covered, mut weeks) = (0usize, 0usize);
        for seed in 100..110u64 {
            for w in model.compare(&demo(10_000, seed)?.past, Freq::Week, level)? {
                if w.appointments >= 100 {
                    weeks += 1;
                    covered += usize::from(w.within_interval);
                }
            }
        }
        println!(
            "{:.0}% weekly revenue intervals: covered {covered} of {weeks} unseen weeks ({:.1}%)",
            level * 100.0,
            100.0 * covered as f64 / weeks as f64
        );
    }
    Ok(())
}
