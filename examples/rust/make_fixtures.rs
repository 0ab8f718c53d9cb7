//! Regenerates the golden artifacts under `fixtures/` and their expected predictions.
//! Run with `make fixtures`; commit the result. Every test suite (Rust, Python, Node, WASM)
//! loads these files and checks that it predicts exactly the recorded values.
//!
//! With arguments, only the named groups are written (`purchase`, `campaign`, `kmeans`), so a
//! new model's fixtures can be added without touching the others' files:
//! `cargo run --release -p optocom-examples --example make_fixtures -- kmeans`.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use optocom_core::campaign::{
    encode_doctors, DoctorProfile, DoctorRecommender, DoctorSegmentation, Outcome, ProductProfile,
    RecommenderParams, SegmentationParams, UpliftForest, UpliftParams,
};
use optocom_core::cluster::{KMeans, KMeansParams};
use optocom_core::data::campaign_demo::{generate_campaign_data, uplift_table, CampaignDemoParams};
use optocom_core::data::demo::{generate_appointments, write_appointments_csv, DemoParams};
use optocom_core::export::{export_csv, ExportOptions};
use optocom_core::purchase::{PurchaseForecaster, PurchaseParams};
use optocom_core::Persist;

const GROUPS: [&str; 3] = ["purchase", "campaign", "kmeans"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    fs::create_dir_all(&dir)?;
    let mut only: Vec<String> = std::env::args().skip(1).collect();
    if let Some(bad) = only.iter().find(|g| !GROUPS.contains(&g.as_str())) {
        return Err(format!("unknown fixture group `{bad}`; expected some of {GROUPS:?}").into());
    }
    if only.is_empty() {
        only = GROUPS.iter().map(|g| g.to_string()).collect();
    }
    let wants = |g: &str| only.iter().any(|o| o == g);
    if wants("purchase") {
        purchase_fixtures(&dir)?;
    }
    if wants("campaign") {
        campaign_fixtures(&dir)?;
    }
    if wants("kmeans") {
        kmeans_fixtures(&dir)?;
    }
    println!(
        "wrote golden fixtures ({}) to {}",
        only.join(", "),
        dir.display()
    );
    Ok(())
}

/// Golden purchase forecaster with its inputs (`golden_past.csv`, `golden_upcoming.csv`) and
/// expected scores.
fn purchase_fixtures(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
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

/// The golden k-means input: 300 rows x 4 features, row `i` drawn around center `i % 5`
/// (centers uniform in `[0, 10)^4`, noise a sum of three uniforms, sd 1.5, so neighbouring
/// blobs overlap), from a splitmix64 stream, rounded to 4 decimals so the CSV stays readable
/// and parses to the same `f64` in every language.
fn kmeans_input() -> ndarray::Array2<f64> {
    let mut s: u64 = 0x5EED_0000_0000_0007;
    let mut unit = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / 2f64.powi(64)
    };
    let centers: Vec<Vec<f64>> = (0..5)
        .map(|_| (0..4).map(|_| 10.0 * unit()).collect())
        .collect();
    let mut x = ndarray::Array2::zeros((300, 4));
    for i in 0..300 {
        for j in 0..4 {
            let noise = 1.5 * 2.0 * (unit() + unit() + unit() - 1.5);
            x[[i, j]] = ((centers[i % 5][j] + noise) * 1e4).round() / 1e4;
        }
    }
    x
}

/// Golden k-means: the input (`golden_kmeans_input.csv`), the model fitted on it with
/// `n_clusters = 5` and otherwise default params (`golden_kmeans.json`), and each input row's
/// label and Euclidean distance to every centroid (`golden_kmeans_expected.csv`).
fn kmeans_fixtures(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let x = kmeans_input();
    let model = KMeans::fit(&KMeansParams::new().n_clusters(5), x.view(), None)?;
    let names = model.schema().names();
    let mut out = fs::File::create(dir.join("golden_kmeans_input.csv"))?;
    writeln!(out, "{}", names.join(","))?;
    for row in x.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    model.save(dir.join("golden_kmeans.json"))?;
    let labels = model.predict(x.view())?;
    let dist = model.transform(x.view())?;
    let mut out = fs::File::create(dir.join("golden_kmeans_expected.csv"))?;
    let d_names: Vec<String> = (0..model.n_clusters()).map(|c| format!("d{c}")).collect();
    writeln!(out, "row,label,{}", d_names.join(","))?;
    for (i, (l, d)) in labels.iter().zip(dist.rows()).enumerate() {
        let cells: Vec<String> = d.iter().map(|v| format!("{v:?}")).collect();
        writeln!(out, "{i},{l},{}", cells.join(","))?;
    }
    Ok(())
}
