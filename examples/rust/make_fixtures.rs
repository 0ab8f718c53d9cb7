//! Regenerates the golden artifacts under `fixtures/` and their expected predictions.
//! Run with `make fixtures`; commit the result. Every test suite (Rust, Python, Node, WASM)
//! loads these files and checks that it predicts exactly the recorded values.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use optocom_core::data::demo::{generate_appointments, write_appointments_csv, DemoParams};
use optocom_core::purchase::{PurchaseForecaster, PurchaseParams};
use optocom_core::Persist;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    fs::create_dir_all(&dir)?;
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).ok_or("bad date")?;
    let demo = generate_appointments(
        &DemoParams::new()
            .n_past(2_000)
            .n_upcoming(200)
            .start_date(start)
            .seed(7),
    )?;
    write_appointments_csv(&demo.past, fs::File::create(dir.join("golden_past.csv"))?)?;
    write_appointments_csv(
        &demo.upcoming,
        fs::File::create(dir.join("golden_upcoming.csv"))?,
    )?;

    let model = PurchaseForecaster::fit(&PurchaseParams::new(), &demo.past)?;
    model.save(dir.join("golden_purchase_forecaster.json"))?;
    let mut out = fs::File::create(dir.join("golden_purchase_expected.csv"))?;
    writeln!(
        out,
        "patient_id,probability,expected_spend,expected_revenue,value_band"
    )?;
    for s in model.score(&demo.upcoming)? {
        // `{:?}` prints the shortest representation that parses back to the same f64.
        writeln!(
            out,
            "{},{:?},{:?},{:?},{}",
            s.patient_id, s.probability, s.expected_spend, s.expected_revenue, s.value_band
        )?;
    }
    println!("wrote golden fixtures to {}", dir.display());
    Ok(())
}
