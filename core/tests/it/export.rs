//! export integration tests.

use std::io::{self, Write};

use optocom_core::data::Doctor;
use optocom_core::export::*;

#[derive(Clone)]
struct R {
    id: u64,
    label: String,
    value: f64,
}

impl CsvRow for R {
    fn header() -> Vec<&'static str> {
        vec!["id", "label", "value"]
    }
    fn write_fields(&self, out: &mut RowSink) {
        out.uint(self.id);
        out.text(&self.label);
        out.float(self.value);
    }
}

fn r(id: u64, label: &str, value: f64) -> R {
    R {
        id,
        label: label.into(),
        value,
    }
}

fn export_to_string(rows: Vec<R>, opts: &ExportOptions) -> String {
    let mut buf = Vec::new();
    export_csv(rows, &mut buf, opts, None).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn injection_cells_are_neutralised() {
    let rows = vec![
        r(1, "=SUM(A1:A9)", 1.0),
        r(2, "+cmd", 1.0),
        r(3, "-2+3+cmd|' /C calc'!A0", 1.0),
        r(4, "@SUM(1)", 1.0),
        r(5, "\tx", 1.0),
        r(6, "\rx", 1.0),
        r(7, "plain", 1.0),
        r(8, "a=b", 1.0),
        r(9, "-3.5", 1.0),
    ];
    let mut buf = Vec::new();
    let s = export_csv(rows.clone(), &mut buf, &ExportOptions::default(), None).unwrap();
    assert_eq!(s.guarded_cells, 6);
    let out = String::from_utf8(buf).unwrap();
    let expected = "id,label,value\n\
        1,'=SUM(A1:A9),1\n\
        2,'+cmd,1\n\
        3,'-2+3+cmd|' /C calc'!A0,1\n\
        4,'@SUM(1),1\n\
        5,'\tx,1\n\
        6,\"'\rx\",1\n\
        7,plain,1\n\
        8,a=b,1\n\
        9,-3.5,1\n";
    assert_eq!(out, expected);

    // Guard off: cells verbatim.
    let out = export_to_string(rows, &ExportOptions::default().formula_guard(false));
    assert!(out.contains("\n1,=SUM(A1:A9),1\n"), "{out}");
    assert!(out.contains("\n3,-2+3+cmd|' /C calc'!A0,1\n"), "{out}");
}

#[test]
fn numbers_are_untouched_and_unquoted() {
    let out = export_to_string(
        vec![
            r(1, "x", -3.5),
            r(2, "x", -0.001),
            r(3, "x", f64::NAN),
            r(4, "x", f64::NEG_INFINITY),
            r(5, "x", 1e21),
        ],
        &ExportOptions::default(),
    );
    assert_eq!(
        out,
        "id,label,value\n1,x,-3.5\n2,x,-0.001\n3,x,\n4,x,-inf\n5,x,1000000000000000000000\n"
    );
}

#[test]
fn quoting_of_commas_quotes_newlines() {
    let out = export_to_string(
        vec![
            r(1, "a,b", 0.0),
            r(2, "say \"hi\"", 0.0),
            r(3, "two\nlines", 0.0),
        ],
        &ExportOptions::default(),
    );
    assert_eq!(
        out,
        "id,label,value\n1,\"a,b\",0\n2,\"say \"\"hi\"\"\",0\n3,\"two\nlines\",0\n"
    );
    // Read back with a CSV parser: same cells.
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let labels: Vec<String> = rd
        .records()
        .map(|rec| rec.unwrap()[1].to_string())
        .collect();
    assert_eq!(labels, vec!["a,b", "say \"hi\"", "two\nlines"]);

    let out = export_to_string(
        vec![r(1, "a;b", 0.5)],
        &ExportOptions::default()
            .delimiter(b';')
            .include_header(false),
    );
    assert_eq!(out, "1;\"a;b\";0.5\n");
}

#[test]
fn progress_count_and_cancellation() {
    let rows = (0..1000u64).map(|i| r(i, "x", i as f64));
    let mut calls = Vec::new();
    let mut cb = |p: Progress| {
        calls.push(p);
        Control::Continue
    };
    let mut buf = Vec::new();
    let s = export_csv(
        rows,
        &mut buf,
        &ExportOptions::default().progress_every(300),
        Some(&mut cb),
    )
    .unwrap();
    assert_eq!(s.rows, 1000);
    assert_eq!(s.bytes, buf.len() as u64);
    let seen: Vec<u64> = calls.iter().map(|p| p.rows_written).collect();
    assert_eq!(seen, vec![300, 600, 900]);

    // Cancel at the second call: exactly 200 data rows, all complete, are in the output.
    let mut n_calls = 0;
    let mut cancel = |_: Progress| {
        n_calls += 1;
        if n_calls == 2 {
            Control::Cancel
        } else {
            Control::Continue
        }
    };
    let mut buf = Vec::new();
    let e = export_csv(
        (0..1000u64).map(|i| r(i, "x", 0.25)),
        &mut buf,
        &ExportOptions::default().progress_every(100),
        Some(&mut cancel),
    )
    .unwrap_err();
    assert_eq!(e.code(), "cancelled");
    let text = String::from_utf8(buf).unwrap();
    assert!(
        text.ends_with("199,x,0.25\n"),
        "{}",
        &text[text.len() - 30..]
    );
    assert_eq!(text.lines().count(), 201);
}

struct FailAfter {
    left: usize,
}
impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left < buf.len() {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "disk full"));
        }
        self.left -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn failing_writer_is_io_error() {
    let rows = (0..100_000u64).map(|i| r(i, "some label", 1.5));
    let e = export_csv(
        rows,
        FailAfter { left: 50_000 },
        &ExportOptions::default(),
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), "io");
    assert!(e.to_string().contains("disk full"), "{e}");
    // Failing on the final flush of a small export too.
    let e = export_csv(
        vec![r(1, "x", 1.0)],
        FailAfter { left: 3 },
        &ExportOptions::default(),
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), "io");
}

struct Bad;
impl CsvRow for Bad {
    fn header() -> Vec<&'static str> {
        vec!["a", "b"]
    }
    fn write_fields(&self, out: &mut RowSink) {
        out.int(1);
    }
}

#[test]
fn wrong_cell_count_is_shape_mismatch() {
    let e = export_csv(vec![Bad], io::sink(), &ExportOptions::default(), None).unwrap_err();
    assert_eq!(e.code(), "shape_mismatch");
}

#[test]
fn doctors_export() {
    let d = Doctor {
        doctor_id: 7,
        specialty: "Cardiology".into(),
        province: "=Ontario".into(),
        tenure_years: 12.5,
        baseline_rx: 40.0,
    };
    let mut buf = Vec::new();
    export_csv([d], &mut buf, &ExportOptions::default(), None).unwrap();
    assert_eq!(
        String::from_utf8(buf).unwrap(),
        "doctor_id,specialty,province,tenure_years,baseline_rx\n7,Cardiology,'=Ontario,12.5,40\n"
    );
}

/// A million lazily generated rows stream into a sink: nothing is collected, so memory is
/// bounded by construction (the iterator owns one row at a time).
#[test]
fn one_million_rows_stream() {
    let rows =
        (0..1_000_000u64).map(|i| r(i, if i % 7 == 0 { "=x" } else { "ok" }, i as f64 * 0.5));
    let mut calls = 0;
    let mut cb = |_: Progress| {
        calls += 1;
        Control::Continue
    };
    let s = export_csv(rows, io::sink(), &ExportOptions::default(), Some(&mut cb)).unwrap();
    assert_eq!(s.rows, 1_000_000);
    assert_eq!(s.guarded_cells, 142_858);
    assert_eq!(calls, 100);
    assert!(s.bytes > 10_000_000);
}

/// Every domain's results export: scored appointments, responders and segment profiles
/// stream out and read back with their headers and row counts.
#[test]
fn domain_results_export_and_read_back() {
    use optocom_core::campaign::{
        CampaignAnalytics, DoctorSegmentation, RankBy, SegmentationParams,
    };
    use optocom_core::data::demo::{generate_appointments, DemoParams};
    use optocom_core::data::{DoctorFilter, PageRequest};
    use optocom_core::export::{export_csv, ExportOptions};
    use optocom_core::purchase::{PurchaseForecaster, PurchaseParams};

    fn read_back(buf: &[u8]) -> (Vec<String>, usize) {
        let mut r = csv::Reader::from_reader(buf);
        let header = r.headers().unwrap().iter().map(String::from).collect();
        (
            header,
            r.records().collect::<Result<Vec<_>, _>>().unwrap().len(),
        )
    }

    let demo =
        generate_appointments(&DemoParams::new().n_past(1_500).n_upcoming(120).seed(3)).unwrap();
    let model = PurchaseForecaster::fit(&PurchaseParams::new(), &demo.past).unwrap();
    let scored = model.score(&demo.upcoming).unwrap();
    let mut buf = Vec::new();
    let s = export_csv(scored.iter(), &mut buf, &ExportOptions::default(), None).unwrap();
    assert_eq!(s.rows, scored.len() as u64);
    let (header, n) = read_back(&buf);
    assert_eq!(header[0], "patient_id");
    assert_eq!(header[6], "value_band");
    assert_eq!(n, scored.len());

    let analytics = CampaignAnalytics::sample(5).unwrap();
    let page = analytics
        .top_responders(
            1,
            &DoctorFilter::default(),
            &RankBy::RxIncrease,
            &PageRequest::new(1, 50).unwrap(),
        )
        .unwrap();
    let mut buf = Vec::new();
    export_csv(page.data.iter(), &mut buf, &ExportOptions::default(), None).unwrap();
    let (header, n) = read_back(&buf);
    assert_eq!((header[1].as_str(), n), ("doctor_id", page.data.len()));

    let seg = DoctorSegmentation::fit(
        &SegmentationParams::default().k(3),
        &analytics.data().doctors,
    )
    .unwrap();
    let mut buf = Vec::new();
    export_csv(seg.profiles(), &mut buf, &ExportOptions::default(), None).unwrap();
    assert_eq!(read_back(&buf).1, 3);
}

#[test]
fn campaign_analytics_exports_filtered_doctors_and_ranked_responders() {
    use optocom_core::campaign::{CampaignAnalytics, ExportTable, RankBy};
    use optocom_core::data::DoctorFilter;
    use optocom_core::Error;

    let a = CampaignAnalytics::sample(42).unwrap();
    let ontario = DoctorFilter {
        provinces: vec!["Ontario".into()],
        ..DoctorFilter::default()
    };
    let export = |table: &ExportTable, filter: &DoctorFilter| {
        let mut buf = Vec::new();
        let s = a
            .export_csv(table, filter, &mut buf, &ExportOptions::default(), None)
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(s.rows as usize, text.lines().count() - 1);
        assert_eq!(s.bytes as usize, text.len());
        text
    };
    // Doctors: exactly those passing the filter, in data order.
    let text = export(&ExportTable::Doctors, &ontario);
    let want: Vec<String> = a
        .data()
        .doctors
        .iter()
        .filter(|d| ontario.matches(d))
        .map(|d| d.doctor_id.to_string())
        .collect();
    let got: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(!want.is_empty() && want.len() < a.data().doctors.len());
    assert_eq!(got, want);
    // Responders: every row of `responders`, in rank order.
    let table = ExportTable::parse("responders", Some(1), RankBy::RxIncrease).unwrap();
    let text = export(&table, &ontario);
    let ranked = a.responders(1, &ontario, &RankBy::RxIncrease).unwrap();
    assert_eq!(text.lines().count() - 1, ranked.len());
    let id = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "doctor_id")
        .unwrap();
    for (line, r) in text.lines().skip(1).zip(&ranked) {
        assert_eq!(line.split(',').nth(id).unwrap(), r.doctor_id.to_string());
    }
    // Cancelling stops the export; an unknown campaign or a bad filter is refused.
    let mut stop = |_: Progress| Control::Cancel;
    let opts = ExportOptions::default().progress_every(10);
    let err = a
        .export_csv(
            &ExportTable::Doctors,
            &DoctorFilter::default(),
            io::sink(),
            &opts,
            Some(&mut stop),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    let unknown = ExportTable::parse("responders", Some(99), RankBy::RxIncrease).unwrap();
    let err = a
        .export_csv(
            &unknown,
            &ontario,
            io::sink(),
            &ExportOptions::default(),
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let bad = DoctorFilter {
        tenure_min: Some(f64::NAN),
        ..DoctorFilter::default()
    };
    let err = a
        .export_csv(
            &ExportTable::Doctors,
            &bad,
            io::sink(),
            &ExportOptions::default(),
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_parameter");
}

#[test]
fn a_refused_export_leaves_no_file_behind() {
    use optocom_core::campaign::{CampaignAnalytics, ExportTable, RankBy};
    use optocom_core::data::DoctorFilter;

    let a = CampaignAnalytics::sample(42).unwrap();
    let dir = std::env::temp_dir().join(format!("optocom-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("responders.csv");
    let unknown = ExportTable::parse("responders", Some(99), RankBy::RxIncrease).unwrap();
    let options = ExportOptions::default();
    let err = a
        .export_csv_file(&unknown, &DoctorFilter::default(), &path, &options)
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let bad = DoctorFilter {
        min_rx: Some(f64::INFINITY),
        ..DoctorFilter::default()
    };
    let err = a
        .export_csv_file(&ExportTable::Doctors, &bad, &path, &options)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_parameter");
    assert!(!path.exists());
    // A good request writes the file; the same bytes as export_csv.
    let table = ExportTable::parse("responders", Some(1), RankBy::RxIncrease).unwrap();
    let all = DoctorFilter::default();
    let summary = a.export_csv_file(&table, &all, &path, &options).unwrap();
    let mut buf = Vec::new();
    a.export_csv(&table, &all, &mut buf, &options, None)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), buf);
    assert_eq!(summary.bytes as usize, buf.len());
    let err = a
        .export_csv_file(&table, &all, dir.join("no/such/dir.csv"), &options)
        .unwrap_err();
    assert_eq!(err.code(), "io");
    std::fs::remove_dir_all(&dir).unwrap();
}
