//! The main job: train on the built-in demo practice, print the training report, the 7-day
//! forecast with 90% intervals, the monthly actual-vs-predicted comparison and the top
//! upcoming high-value patients. Run with `make demo`.

use chrono::{Duration, NaiveDate};
use optocom_core::data::demo::{generate_appointments, DemoParams};
use optocom_core::purchase::{
    appointments_on, Freq, PurchaseForecaster, PurchaseParams, ValueBand,
};

fn main() -> Result<(), optocom_core::Error> {
    let start = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let demo = generate_appointments(&DemoParams::new().start_date(start).seed(2026))?;
    println!(
        "Demo practice: {} past appointments over the last year, {} upcoming from {start}\n",
        demo.past.len(),
        demo.upcoming.len()
    );

    let t = std::time::Instant::now();
    let model = PurchaseForecaster::fit(&PurchaseParams::new(), &demo.past)?;
    println!("{}", model.report());
    println!("(trained in {:.2} s)\n", t.elapsed().as_secs_f64());

    let level = 0.9;
    let week: Vec<_> = demo
        .upcoming
        .iter()
        .filter(|a| a.appointment_date < start + Duration::days(7))
        .cloned()
        .collect();
    println!(
        "7-day forecast ({:.0}% prediction intervals, GBP):",
        level * 100.0
    );
    println!(
        "  {:<12} {:>6} {:>10} {:>10} {:>10}",
        "date", "appts", "expected", "lower", "upper"
    );
    for p in model.forecast(&week, Freq::Day, level)? {
        println!(
            "  {:<12} {:>6} {:>10.0} {:>10.0} {:>10.0}",
            p.period_start.format("%a %d %b").to_string(),
            p.appointments,
            p.expected_revenue,
            p.lower,
            p.upper
        );
    }
    if let Some(t) = model.forecast_total(&week, level)? {
        println!(
            "  {:<12} {:>6} {:>10.0} {:>10.0} {:>10.0}\n",
            "7-day total", t.appointments, t.expected_revenue, t.lower, t.upper
        );
    }

    println!("Monthly actual vs predicted on past appointments (GBP):");
    println!(
        "  {:<9} {:>6} {:>9} {:>9} {:>8} {:>17}",
        "month", "appts", "actual", "predicted", "error", "90% interval"
    );
    for c in model.compare(&demo.past, Freq::Month, level)? {
        println!(
            "  {:<9} {:>6} {:>9.0} {:>9.0} {:>8.0} {:>8.0}-{:<8.0}{}",
            c.period_start.format("%b %Y").to_string(),
            c.appointments,
            c.actual,
            c.predicted,
            c.error,
            c.lower,
            c.upper,
            if c.within_interval { "" } else { " outside" }
        );
    }
    println!("  (in-sample: the model was trained on these appointments)\n");

    let scored = model.score(&demo.upcoming)?;
    let mut high: Vec<_> = scored
        .iter()
        .filter(|s| s.value_band == ValueBand::High)
        .collect();
    high.sort_by(|a, b| {
        b.expected_revenue
            .total_cmp(&a.expected_revenue)
            .then_with(|| a.patient_id.cmp(&b.patient_id))
    });
    let bands = |b: ValueBand| scored.iter().filter(|s| s.value_band == b).count();
    println!(
        "Upcoming patients by value band: {} high, {} medium, {} low",
        bands(ValueBand::High),
        bands(ValueBand::Medium),
        bands(ValueBand::Low)
    );
    println!("Top 10 upcoming high-value patients:");
    println!(
        "  {:<10} {:<11} {:>7} {:>9} {:>9}",
        "patient", "date", "P(buy)", "spend", "expected"
    );
    for s in high.iter().take(10) {
        println!(
            "  {:<10} {:<11} {:>7.2} {:>9.0} {:>9.0}",
            s.patient_id, s.appointment_date, s.probability, s.expected_spend, s.expected_revenue
        );
    }
    let first_day = appointments_on(&scored, start);
    println!(
        "\n{} appointments on {start}; best prospect: {}",
        first_day.len(),
        first_day.first().map_or("none".to_string(), |s| format!(
            "{} (GBP {:.0})",
            s.patient_id, s.expected_revenue
        ))
    );
    Ok(())
}
