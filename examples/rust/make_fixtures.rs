//! Regenerates the golden artifacts under `fixtures/` and their expected predictions.
//! Run with `make fixtures`; commit the result. Every test suite (Rust, Python, Node, WASM)
//! loads these files and checks that it predicts exactly the recorded values.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use optocom_core::campaign::{
    encode_doctors, DoctorProfile, DoctorRecommender, DoctorSegmentation, Outcome, ProductProfile,
    RecommenderParams, SegmentationParams, UpliftForest, UpliftParams,
};
use optocom_core::data::campaign_demo::{generate_campaign_data, uplift_table, CampaignDemoParams};
use optocom_core::data::demo::{generate_appointments, write_appointments_csv, DemoParams};
use optocom_core::export::{export_csv, ExportOptions};
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
    campaign_fixtures(&dir)?;
    println!("wrote golden fixtures to {}", dir.display());
    Ok(())
}

/// Golden campaign models: segmentation, uplift forest and recommender, each with its
/// inputs (`golden_doctors.csv`) and expected outputs.
fn campaign_fixtures(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let demo = generate_campaign_data(&CampaignDemoParams::default().n_doctors(600).seed(7))?;
    let doctors = &demo.data.doctors;
    export_csv(
        doctors.iter(),
        fs::File::create(dir.join("golden_doctors.csv"))?,
        &ExportOptions::default().formula_guard(false),
        None,
    )?;

    let seg = DoctorSegmentation::fit(&SegmentationParams::default().k(4), doctors)?;
    seg.save(dir.join("golden_segmentation.json"))?;
    let mut out = fs::File::create(dir.join("golden_segmentation_expected.csv"))?;
    writeln!(out, "doctor_id,segment")?;
    for (d, s) in doctors.iter().zip(seg.assign(doctors)?) {
        writeln!(out, "{},{s}", d.doctor_id)?;
    }

    let table = uplift_table(&demo.data, 1)?;
    let forest = UpliftForest::fit_table(
        &UpliftParams::default().n_trees(40),
        &table,
        Outcome::Responded,
    )?;
    forest.save(dir.join("golden_uplift_forest.json"))?;
    let pre: Vec<f64> = table.features.column(2).to_vec();
    let by_id: std::collections::HashMap<u64, &optocom_core::data::Doctor> =
        doctors.iter().map(|d| (d.doctor_id, d)).collect();
    let table_doctors: Vec<optocom_core::data::Doctor> = table
        .doctor_ids
        .iter()
        .filter_map(|id| by_id.get(id).map(|d| (*d).clone()))
        .collect();
    let x = encode_doctors(&table.schema, &table_doctors, &pre)?;
    let pred = forest.predict(x.view())?;
    let mut out = fs::File::create(dir.join("golden_uplift_expected.csv"))?;
    writeln!(out, "doctor_id,pre_rx_mean,effect,std_error")?;
    for i in 0..table_doctors.len() {
        writeln!(
            out,
            "{},{:?},{:?},{:?}",
            table_doctors[i].doctor_id, pre[i], pred.effect[i], pred.std_error[i]
        )?;
    }

    let profiles: Vec<DoctorProfile> = doctors.iter().cloned().map(DoctorProfile::new).collect();
    let product = ProductProfile::new("Cardiozen")
        .specialty("Cardiology", 1.0)
        .specialty("Internal Medicine", 0.5)
        .rx_band("high", 0.7);
    let rec = DoctorRecommender::fit(&RecommenderParams::default(), profiles, vec![product])?;
    rec.save(dir.join("golden_recommender.json"))?;
    let mut out = fs::File::create(dir.join("golden_recommender_expected.csv"))?;
    writeln!(out, "rank,doctor_id,score")?;
    for (i, r) in rec
        .recommend("Cardiozen", 25, None, None)?
        .iter()
        .enumerate()
    {
        writeln!(out, "{},{},{:?}", i + 1, r.doctor_id, r.score)?;
    }
    Ok(())
}
