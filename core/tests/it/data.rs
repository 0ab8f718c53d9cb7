//! data integration tests: CSV/XLSX ingest (one test per bad input), campaign data in lenient
//! mode (rows referring to a rejected doctor or campaign), the demo generator's determinism
//! and statistics, and CSV round trips.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, Weekday};
use optocom_core::campaign::{CampaignAnalytics, RankBy};
use optocom_core::data::demo::{truth_for_threshold, Truth};
use optocom_core::data::ingest::{
    read_csv, Column, ColumnSpec, FromRow, Row, Table, CAMPAIGN_SHEETS, DATE_RANGE_REASON,
};
use optocom_core::data::{
    generate_appointments, generate_campaign_data, read_appointments, read_appointments_path,
    read_campaign_dir, read_campaign_tables, read_campaigns, read_doctors, read_rx, read_targeting,
    truth_for, validate_appointment, write_appointments_csv, Appointment, CampaignData,
    CampaignDemoParams, DemoParams, DoctorFilter, IngestOptions, IngestedCampaign, Rejection,
};
use optocom_core::features::OPTOMETRY_FEATURES;
use optocom_core::{Error, Location, Result};

const HEADER: &str = "patient_id,appointment_date,age,days_since_last_purchase,employed,benefits,driver,vdu_user,varifocal,high_prescription,amount";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn csv_with(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn strict(input: &[u8]) -> Result<Vec<Appointment>> {
    read_appointments(input, &IngestOptions::default()).map(|i| i.rows)
}

/// Asserts an `invalid_value` error at `line`/`record` of a file, naming the column and
/// value in its message.
fn assert_invalid(e: &Error, line: u64, record: u64, column: &str, value: &str) {
    assert_eq!(e.code(), "invalid_value", "{e}");
    match e {
        Error::InvalidValue {
            location,
            column: c,
            value: v,
            ..
        } => {
            assert_eq!(location, &Location::Line { line, record }, "{e}");
            assert_eq!(c, column, "{e}");
            assert_eq!(v, value, "{e}");
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("line {line} (record {record})")),
        "{msg}"
    );
    assert!(msg.contains(&format!("column `{column}`")), "{msg}");
    assert!(msg.contains(&format!("{value:?}")), "{msg}");
}

const GOOD: &str = "P1,2024-03-05,52,731,Y,N,Y,Y,Y,N,245.50";

// ---------------------------------------------------------------- bad inputs, one each

#[test]
fn empty_file_is_empty_input() {
    let e = strict(b"").unwrap_err();
    assert_eq!(e.code(), "empty_input");
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn header_only_is_empty_input() {
    let e = strict(format!("{HEADER}\n").as_bytes()).unwrap_err();
    assert_eq!(e.code(), "empty_input");
    assert!(e.to_string().contains("no data rows"), "{e}");
}

#[test]
fn missing_column_is_named() {
    let csv = csv_with(&[GOOD]).replace(",age,", ",years,");
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_eq!(e.code(), "missing_column");
    let msg = e.to_string();
    assert!(
        msg.contains("missing column `age`") && msg.contains("years"),
        "{msg}"
    );
}

#[test]
fn duplicate_column_directly_and_through_alias() {
    let direct = format!("{HEADER},AGE\n{GOOD},52\n");
    let e = strict(direct.as_bytes()).unwrap_err();
    assert_eq!(e.code(), "duplicate_column");
    assert!(
        e.to_string().contains("`age`") && e.to_string().contains("\"AGE\" (position 11)"),
        "{e}"
    );
    let alias = format!("{HEADER},Actual Sales\n{GOOD},1\n");
    let e = strict(alias.as_bytes()).unwrap_err();
    assert_eq!(e.code(), "duplicate_column");
    let msg = e.to_string();
    assert!(
        msg.contains("`amount`") && msg.contains("\"amount\" (position 10)"),
        "{msg}"
    );
    assert!(msg.contains("\"Actual Sales\" (position 11)"), "{msg}");
}

#[test]
fn unknown_flag_value() {
    let csv = csv_with(&[GOOD, "P2,2024-03-05,40,700,maybe,N,Y,Y,N,N,10"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 3, 2, "employed", "maybe");
    assert!(e.to_string().contains("Y/N flag"), "{e}");
}

#[test]
fn age_minus_one() {
    let csv = csv_with(&["P2,2024-03-05,-1,700,Y,N,Y,Y,N,N,10"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "age", "-1");
    assert!(e.to_string().contains("between 0 and 120"), "{e}");
}

#[test]
fn age_121() {
    let csv = csv_with(&[GOOD, GOOD, "P3,2024-03-05,121,700,Y,N,Y,Y,N,N,10"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 4, 3, "age", "121");
    // 120 itself is accepted.
    let ok = csv_with(&["P3,2024-03-05,120,700,Y,N,Y,Y,N,N,10"]);
    assert_eq!(strict(ok.as_bytes()).unwrap()[0].age, 120.0);
}

#[test]
fn nan_is_rejected() {
    let csv = csv_with(&["P2,2024-03-05,40,NaN,Y,N,Y,Y,N,N,10"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "days_since_last_purchase", "NaN");
    assert!(e.to_string().contains("finite"), "{e}");
}

#[test]
fn inf_is_rejected() {
    let csv = csv_with(&["P2,2024-03-05,40,700,Y,N,Y,Y,N,N,inf"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "amount", "inf");
    assert!(e.to_string().contains("finite"), "{e}");
    let csv = csv_with(&["P2,2024-03-05,-infinity,700,Y,N,Y,Y,N,N,1"]);
    assert_invalid(
        &strict(csv.as_bytes()).unwrap_err(),
        2,
        1,
        "age",
        "-infinity",
    );
}

#[test]
fn negative_amount_is_rejected() {
    let csv = csv_with(&["P2,2024-03-05,40,700,Y,N,Y,Y,N,N,-0.01"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "amount", "-0.01");
    assert!(e.to_string().contains("between 0 and 1000000000"), "{e}");
}

#[test]
fn unparseable_date() {
    for bad in ["2024-13-01", "yesterday", "2023-02-29", "03/05/24"] {
        let csv = csv_with(&[&format!("P2,{bad},40,700,Y,N,Y,Y,N,N,10")]);
        let e = strict(csv.as_bytes()).unwrap_err();
        assert_invalid(&e, 2, 1, "appointment_date", bad);
        assert!(e.to_string().contains("DD/MM/YYYY"), "{e}");
    }
}

/// Dates outside 1900-01-01..=2199-12-31 are bad values, however they come (CSV text, a
/// typed day, a record built in Rust): a `0001-01-01` "no date" sentinel would otherwise make
/// a forecast fill two thousand years of empty periods.
#[test]
fn dates_outside_the_supported_range_are_refused() {
    for (bad, shown) in [
        ("0001-01-01", "0001-01-01"),
        ("31/12/1899", "1899-12-31"),
        ("2200-01-01", "2200-01-01"),
    ] {
        let csv = csv_with(&[&format!("P2,{bad},40,700,Y,N,Y,Y,N,N,10")]);
        let e = strict(csv.as_bytes()).unwrap_err();
        assert_invalid(&e, 2, 1, "appointment_date", shown);
        assert!(e.to_string().ends_with(DATE_RANGE_REASON), "{e}");
    }
    for good in ["1900-01-01", "2199-12-31"] {
        let csv = csv_with(&[&format!("P2,{good},40,700,Y,N,Y,Y,N,N,10")]);
        assert_eq!(strict(csv.as_bytes()).unwrap().len(), 1, "{good}");
    }
    let mut t = Table::new();
    let csv = csv_with(&["P2,2024-03-05,40,700,Y,N,Y,Y,N,N,10"]);
    let mut a = strict(csv.as_bytes()).unwrap().remove(0);
    a.appointment_date = NaiveDate::MIN;
    let e = validate_appointment(&a, Location::Row { row: 4 }).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("row 4, column `appointment_date`"),
        "{e}"
    );
    t.push("patient_id", Column::Text(vec![Some("P1".into())]))
        .unwrap();
    t.push("appointment_date", Column::Date(vec![Some(NaiveDate::MIN)]))
        .unwrap();
    // The two numeric features, then the six flags.
    let (numbers, flags) = OPTOMETRY_FEATURES.split_at(2);
    for &name in numbers {
        t.push(name, Column::Float(vec![40.0])).unwrap();
    }
    for &name in flags {
        t.push(name, Column::Bool(vec![true])).unwrap();
    }
    let e = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
    assert!(e.to_string().ends_with(DATE_RANGE_REASON), "{e}");
}

/// Past appointments for training and comparison need their amount: with
/// `require_amount`, a row without one is a bad row at its own line, in either mode.
#[test]
fn required_amounts_are_named_at_their_line() {
    let csv = csv_with(&[
        "P1,2024-03-05,40,700,Y,N,Y,Y,N,N,10",
        "P2,2024-03-05,40,700,Y,N,Y,Y,N,N,",
        "P3,2024-03-05,40,700,Y,N,Y,Y,N,N,5",
    ]);
    let e = read_appointments(
        csv.as_bytes(),
        &IngestOptions::strict().require_amount(true),
    )
    .unwrap_err();
    assert_invalid(&e, 3, 2, "amount", "");
    let got = read_appointments(
        csv.as_bytes(),
        &IngestOptions::lenient().require_amount(true),
    )
    .unwrap();
    assert_eq!(got.rows.len(), 2);
    assert_eq!(
        got.rejected[0].location,
        Location::Line { line: 3, record: 2 }
    );
    // Without it, the row is an upcoming appointment.
    assert_eq!(strict(csv.as_bytes()).unwrap()[1].amount, None);
}

#[test]
fn non_utf8_bytes_are_an_invalid_value() {
    let mut bytes = format!("{HEADER}\n{GOOD}\n").into_bytes();
    bytes.extend_from_slice(b"P\xff\xfe2,2024-03-05,40,700,Y,N,Y,Y,N,N,10\n");
    let e = strict(&bytes).unwrap_err();
    assert_invalid(&e, 3, 2, "patient_id", "P\u{fffd}\u{fffd}2");
    assert!(e.to_string().contains("UTF-8"), "{e}");
    // In a flag column the lossy value is reported as a bad flag.
    let mut bytes = format!("{HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"P2,2024-03-05,40,700,\xc3,N,Y,Y,N,N,10\n");
    let e = strict(&bytes).unwrap_err();
    assert_invalid(&e, 2, 1, "employed", "\u{fffd}");
}

#[test]
fn zero_rows_after_lenient_filtering() {
    let csv = csv_with(&[
        "P1,2024-03-05,140,700,Y,N,Y,Y,N,N,10",
        "P2,2024-03-05,40,700,Y,N,Y,Y,N,N,abc",
    ]);
    let e = read_appointments(csv.as_bytes(), &IngestOptions::lenient()).unwrap_err();
    assert_eq!(e.code(), "empty_input");
    let msg = e.to_string();
    assert!(msg.contains("all 2 data rows were rejected"), "{msg}");
    assert!(
        msg.contains("line 2 (record 1), column `age`: invalid value \"140\""),
        "{msg}"
    );
}

#[test]
fn whitespace_only_required_cell_is_missing_and_shown_as_found() {
    // Blank after trimming is missing, as everywhere; the error shows the spaces.
    let csv = csv_with(&["   ,2024-03-05,40,700,Y,N,Y,Y,N,N,10"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "patient_id", "   ");
    assert!(
        e.to_string().ends_with("missing value (only whitespace)"),
        "{e}"
    );
    // An empty cell keeps the plain reason and an empty value.
    let csv = csv_with(&[",2024-03-05,40,700,Y,N,Y,Y,N,N,10"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "patient_id", "");
    assert!(e.to_string().ends_with(": missing value"), "{e}");
}

#[test]
fn all_rows_rejected_lists_every_kind() {
    // Three rows bad in two ways: the message names the first in full and counts each kind.
    let csv = csv_with(&[
        "P1,2024-03-05,140,700,Y,N,Y,Y,N,N,10",
        "P2,2024-03-05,40,700,Y,N,Y,Y,N,N,abc",
        "P3,2024-03-05,150,700,Y,N,Y,Y,N,N,10",
    ]);
    let e = read_appointments(csv.as_bytes(), &IngestOptions::lenient()).unwrap_err();
    assert_eq!(e.code(), "empty_input");
    let msg = e.to_string();
    assert!(msg.contains("all 3 data rows were rejected"), "{msg}");
    assert!(
        msg.contains("first: line 2 (record 1), column `age`: invalid value \"140\""),
        "{msg}"
    );
    let by_kind = msg.split("; by kind: ").nth(1).expect(&msg);
    assert!(
        by_kind.starts_with("2 rows at column `age` (")
            && by_kind.contains("; first at line 2 (record 1)), 1 row at column `amount` (")
            && by_kind.ends_with("; first at line 3 (record 2)))"),
        "{msg}"
    );
    // One kind only: no breakdown.
    let csv = csv_with(&[
        "P1,2024-03-05,140,700,Y,N,Y,Y,N,N,10",
        "P3,2024-03-05,150,700,Y,N,Y,Y,N,N,10",
    ]);
    let msg = read_appointments(csv.as_bytes(), &IngestOptions::lenient())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("all 2 data rows") && !msg.contains("by kind"),
        "{msg}"
    );
}

#[test]
fn bad_campaign_target() {
    let csv = "doctor_id,campaign_id,campaign_target\n1,1,1\n2,1,2\n";
    let e = read_targeting(csv.as_bytes(), &IngestOptions::default()).unwrap_err();
    assert_invalid(&e, 3, 2, "campaign_target", "2");
    let csv = "doctor_id,campaign_id,target\n1,1,treated\n";
    let e = read_targeting(csv.as_bytes(), &IngestOptions::default()).unwrap_err();
    assert_invalid(&e, 2, 1, "campaign_target", "treated");
    let ok = "Doctor ID,Campaign,Is Target\n1,1,1\n2,1,no\n3,1,TRUE\n";
    let t = read_targeting(ok.as_bytes(), &IngestOptions::default()).unwrap();
    let flags: Vec<bool> = t.rows.iter().map(|t| t.campaign_target).collect();
    assert_eq!(flags, [true, false, true]);
}

#[test]
fn campaign_end_before_start() {
    let csv = "campaign_id,name,product,start_date,end_date\n1,A,X,2024-05-01,2024-04-30\n";
    let e = read_campaigns(csv.as_bytes(), &IngestOptions::default()).unwrap_err();
    assert_invalid(&e, 2, 1, "end_date", "2024-04-30");
}

#[test]
fn short_row_and_extra_field() {
    let csv = csv_with(&["P1,2024-03-05,52,731,Y,N,Y,Y"]);
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 2, 1, "varifocal", "");
    assert!(
        e.to_string()
            .contains("the row has 8 fields, the header has 11"),
        "{e}"
    );
    // Empty trailing fields are harmless; a non-empty one is an error.
    let csv = csv_with(&[&format!("{GOOD},,")]);
    assert_eq!(strict(csv.as_bytes()).unwrap().len(), 1);
    let csv = csv_with(&[&format!("{GOOD},oops")]);
    assert_invalid(
        &strict(csv.as_bytes()).unwrap_err(),
        2,
        1,
        "(field 12)",
        "oops",
    );
}

#[test]
fn lines_count_physical_lines_and_blank_lines() {
    // A quoted id spanning two lines, then a blank line: the bad row is on line 5, record 2.
    let csv = format!(
        "{HEADER}\n\"P1\nx\",2024-03-05,52,731,Y,N,Y,Y,Y,N,1\n\nP2,2024-03-05,52,731,Y,N,Y,Y,Y,N,x\n"
    );
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 5, 2, "amount", "x");
    // The same file with Windows (CRLF) and classic Mac (CR) line endings.
    for ending in ["\r\n", "\r"] {
        let e = strict(csv.replace('\n', ending).as_bytes()).unwrap_err();
        assert_invalid(&e, 5, 2, "amount", "x");
    }
}

// ---------------------------------------------------------------- workbooks

#[cfg(feature = "xlsx")]
mod workbook {
    use super::*;
    use optocom_core::data::{read_campaign_workbook, read_campaign_workbook_bytes, Workbook};

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("optocom-data-it-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// A campaign workbook with the given sheets (names as given), dates as date cells.
    fn campaign_workbook(sheet_names: [&str; 4], bad_tenure: bool) -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook as XWorkbook};
        let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
        let date = |y, m, d| ExcelDateTime::from_ymd(y, m, d).unwrap();
        let mut wb = XWorkbook::new();
        {
            let ws = wb.add_worksheet().set_name(sheet_names[0]).unwrap();
            for (c, h) in ["Doctor ID", "Speciality", "Region", "Tenure", "Baseline Rx"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_number(1, 0, 1).unwrap();
            ws.write_string(1, 1, "Cardiology").unwrap();
            ws.write_string(1, 2, "Ontario").unwrap();
            ws.write_number(1, 3, 12.0).unwrap();
            ws.write_number(1, 4, 48.5).unwrap();
            ws.write_string(2, 0, "2").unwrap();
            ws.write_string(2, 1, "Oncology").unwrap();
            ws.write_string(2, 2, "Quebec").unwrap();
            if bad_tenure {
                ws.write_string(2, 3, "n/a").unwrap();
            } else {
                ws.write_number(2, 3, 4).unwrap();
            }
            ws.write_number(2, 4, 22).unwrap();
        }
        {
            let ws = wb.add_worksheet().set_name(sheet_names[1]).unwrap();
            for (c, h) in ["campaign_id", "name", "product", "start_date", "end_date"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_number(1, 0, 1).unwrap();
            ws.write_string(1, 1, "Spring").unwrap();
            ws.write_string(1, 2, "Product A").unwrap();
            ws.write_datetime_with_format(1, 3, date(2024, 3, 1), &date_fmt)
                .unwrap();
            ws.write_string(1, 4, "31/05/2024").unwrap();
        }
        {
            let ws = wb.add_worksheet().set_name(sheet_names[2]).unwrap();
            for (c, h) in ["doctor_id", "campaign_id", "campaign_target"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_number(1, 0, 1).unwrap();
            ws.write_number(1, 1, 1).unwrap();
            ws.write_number(1, 2, 1).unwrap();
            ws.write_number(2, 0, 2).unwrap();
            ws.write_number(2, 1, 1).unwrap();
            ws.write_boolean(2, 2, false).unwrap();
        }
        {
            let ws = wb.add_worksheet().set_name(sheet_names[3]).unwrap();
            for (c, h) in ["doctor_id", "product", "month", "rx"].iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_number(1, 0, 1).unwrap();
            ws.write_string(1, 1, "Product A").unwrap();
            ws.write_datetime_with_format(1, 2, date(2024, 3, 1), &date_fmt)
                .unwrap();
            ws.write_number(1, 3, 52).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn campaign_workbook_reads_all_sheets() {
        let bytes = campaign_workbook(["Doctors", "CAMPAIGNS", "targeting", "Rx"], false);
        let path = temp_path("campaign_ok.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let got = read_campaign_workbook(&path, &IngestOptions::default()).unwrap();
        assert!(got.rejected.is_empty());
        let d = &got.data;
        assert_eq!(d.doctors.len(), 2);
        assert_eq!(
            (d.doctors[1].doctor_id, d.doctors[1].tenure_years),
            (2, 4.0)
        );
        assert_eq!(d.doctors[0].specialty, "Cardiology");
        let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(d.campaigns[0].start_date, day(2024, 3, 1));
        assert_eq!(d.campaigns[0].end_date, day(2024, 5, 31));
        let flags: Vec<bool> = d.targeting.iter().map(|t| t.campaign_target).collect();
        assert_eq!(flags, [true, false]);
        assert_eq!(d.rx[0].period, day(2024, 3, 1));
        assert_eq!(d.rx[0].count, 52.0);
        // The same bytes in memory give the same data.
        let mem = read_campaign_workbook_bytes(bytes, &IngestOptions::default()).unwrap();
        assert_eq!(mem.data, got.data);
    }

    #[test]
    fn workbook_missing_sheet() {
        let bytes = campaign_workbook(
            ["doctors", "campaigns", "targeting", "prescriptions"],
            false,
        );
        let e = read_campaign_workbook_bytes(bytes, &IngestOptions::default()).unwrap_err();
        assert_eq!(e.code(), "not_found");
        let msg = e.to_string();
        assert!(
            msg.starts_with("sheet not found: `rx`") && msg.contains("prescriptions"),
            "{msg}"
        );
    }

    #[test]
    fn malformed_workbook() {
        let path = temp_path("not_a_workbook.xlsx");
        std::fs::write(&path, b"this is not a zip archive").unwrap();
        let e = read_campaign_workbook(&path, &IngestOptions::default()).unwrap_err();
        assert_eq!(e.code(), "workbook", "{e}");
        let e = Workbook::from_bytes(Vec::new()).unwrap_err();
        assert_eq!(e.code(), "workbook", "{e}");
    }

    #[test]
    fn workbook_bad_cell_names_sheet_and_row() {
        let bytes = campaign_workbook(["doctors", "campaigns", "targeting", "rx"], true);
        let e = read_campaign_workbook_bytes(bytes.clone(), &IngestOptions::default()).unwrap_err();
        assert_eq!(e.code(), "invalid_value");
        assert_eq!(
            e.to_string(),
            "sheet `doctors` row 3, column `doctors.tenure_years`: invalid value \"n/a\": not a number"
        );
        // Lenient: the row is reported with its sheet position and the others are kept,
        // except the targeting row of the rejected doctor, reported after it.
        let got = read_campaign_workbook_bytes(bytes, &IngestOptions::lenient()).unwrap();
        assert_eq!(got.data.doctors.len(), 1);
        assert_eq!(got.data.targeting.len(), 1);
        let sheet = |sheet: &str, row| Location::Sheet {
            sheet: sheet.into(),
            row,
        };
        assert_eq!(
            report(&got.rejected),
            [
                (
                    "doctors",
                    sheet("doctors", 3),
                    "tenure_years",
                    "n/a",
                    "not a number"
                ),
                (
                    "targeting",
                    sheet("targeting", 3),
                    "doctor_id",
                    "2",
                    "doctor 2 was rejected"
                ),
            ]
        );
        assert!(CampaignAnalytics::new(got.data).is_ok());
    }
}

// ---------------------------------------------------------------- good inputs

#[test]
fn aliases_case_and_uk_dates() {
    let csv = "\
Notes, PATIENT ID ,Appt-Date,Age,Days Since Last,EMPLOYED,on benefits,Drives,Screen User,Varifocals,HIGH_RX,Actual Sales
anything,P1,05/03/2024,52,731,yes,no,TRUE,false,1,0,245.5
,P2,2024-03-05,8,365,N,Y,n,N,n,y,
";
    let rows = strict(csv.as_bytes()).unwrap();
    let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
    assert_eq!(rows.len(), 2);
    let a = &rows[0];
    assert_eq!(
        (a.patient_id.as_str(), a.appointment_date, a.age),
        ("P1", d, 52.0)
    );
    assert_eq!(
        (
            a.employed,
            a.benefits,
            a.driver,
            a.vdu_user,
            a.varifocal,
            a.high_prescription
        ),
        (true, false, true, false, true, false)
    );
    assert_eq!(a.amount, Some(245.5));
    assert_eq!(rows[1].appointment_date, d);
    assert!(rows[1].benefits && rows[1].high_prescription && !rows[1].driver);
    assert_eq!(rows[1].amount, None);
}

#[test]
fn amount_column_is_optional() {
    let csv = "id,date,age,days_since_purchase,employed,benefits,driver,vdu,varifocal,high_prescription\nP1,2024-03-05,30,10,Y,N,Y,Y,N,N\n";
    let rows = strict(csv.as_bytes()).unwrap();
    assert_eq!(rows[0].amount, None);
}

#[test]
fn lenient_report_accounts_for_every_row() {
    let csv = csv_with(&[
        GOOD,
        "P2,2024-03-05,-1,700,Y,N,Y,Y,N,N,10",
        "P3,2024-03-05,40,700,Y,N,Y,Y,N,N,12",
        "P4,2024-02-30,40,700,Y,N,Y,Y,N,N,12",
        "P5,2024-03-05,40,700,Y,N,Y,Y,N",
        "P6,2024-03-05,40,700,Y,N,Y,Y,N,N,",
    ]);
    let got = read_appointments(csv.as_bytes(), &IngestOptions::lenient()).unwrap();
    assert_eq!(got.rows.len() + got.rejected.len(), 6);
    assert_eq!(got.total(), 6);
    let ids: Vec<&str> = got.rows.iter().map(|a| a.patient_id.as_str()).collect();
    assert_eq!(ids, ["P1", "P3", "P6"]);
    let report: Vec<(Location, &str, &str)> = got
        .rejected
        .iter()
        .map(|r| (r.location.clone(), r.column.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        report,
        [
            (Location::Line { line: 3, record: 2 }, "age", "-1"),
            (
                Location::Line { line: 5, record: 4 },
                "appointment_date",
                "2024-02-30"
            ),
            (
                Location::Line { line: 6, record: 5 },
                "high_prescription",
                ""
            ),
        ]
    );
    assert!(got.rejected.iter().all(|r| !r.reason.is_empty()));
    // Strict mode stops at the first of them.
    let e = strict(csv.as_bytes()).unwrap_err();
    assert_invalid(&e, 3, 2, "age", "-1");
}

#[test]
fn campaign_csv_fixtures_and_aliases() {
    let got = read_campaign_dir(fixtures().join("campaign"), &IngestOptions::default()).unwrap();
    assert!(got.rejected.is_empty());
    let d = got.data;
    assert_eq!(
        (
            d.doctors.len(),
            d.campaigns.len(),
            d.targeting.len(),
            d.rx.len()
        ),
        (5, 2, 6, 6)
    );
    assert_eq!(
        d.campaigns[1].start_date,
        NaiveDate::from_ymd_opt(2024, 9, 1).unwrap()
    );
    assert_eq!(d.targeting.iter().filter(|t| t.campaign_target).count(), 3);
    let e = read_campaign_dir(fixtures(), &IngestOptions::default()).unwrap_err();
    assert_eq!(e.code(), "not_found");

    let doctors = "ID,Specialisation,State,Years in Practice,Avg Rx\n7,Oncology,Ontario,3,12.5\n";
    let got = read_doctors(doctors.as_bytes(), &IngestOptions::default()).unwrap();
    assert_eq!(got.rows[0].baseline_rx, 12.5);
    let rx = "doctor,brand,Month,TRx\n7,Product A,01/02/2024,3\n";
    let got = read_rx(rx.as_bytes(), &IngestOptions::default()).unwrap();
    assert_eq!(got.rows[0].count, 3.0);
    let bad = "doctor_id,product,period,count\n7,A,2024-02-01,-3\n";
    let e = read_rx(bad.as_bytes(), &IngestOptions::default()).unwrap_err();
    assert_invalid(&e, 2, 1, "count", "-3");
}

// ---------------------------------------------------------------- campaign data, lenient references

/// Each rejection as (table, location, column, value, reason).
fn report(rejected: &[Rejection]) -> Vec<(&str, Location, &str, &str, &str)> {
    rejected
        .iter()
        .map(|r| {
            (
                r.table.as_str(),
                r.location.clone(),
                r.column.as_str(),
                r.value.as_str(),
                r.reason.as_str(),
            )
        })
        .collect()
}

/// The campaign fixture files, each passed through `edit(stem, text)`.
fn campaign_files(edit: impl Fn(&str, String) -> String) -> Vec<(&'static str, String)> {
    CAMPAIGN_SHEETS
        .iter()
        .map(|stem| {
            let path = fixtures().join("campaign").join(format!("{stem}.csv"));
            (*stem, edit(stem, std::fs::read_to_string(path).unwrap()))
        })
        .collect()
}

/// The files written to a fresh folder.
fn campaign_dir(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("optocom-data-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (stem, text) in files {
        std::fs::write(dir.join(format!("{stem}.csv")), text).unwrap();
    }
    dir
}

/// The files as in-memory tables of text columns (the fixtures have no quoted fields).
fn campaign_tables(files: &[(&str, String)]) -> Vec<Table> {
    files
        .iter()
        .map(|(_, text)| {
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let header: Vec<&str> = lines.next().unwrap().split(',').collect();
            let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
            let mut t = Table::new();
            for (k, name) in header.iter().enumerate() {
                let cells = rows.iter().map(|r| Some(r[k].to_string())).collect();
                t.push(*name, Column::Text(cells)).unwrap();
            }
            t
        })
        .collect()
}

fn read_tables(tables: &[Table], options: &IngestOptions) -> Result<IngestedCampaign> {
    read_campaign_tables(&tables[0], &tables[1], &tables[2], &tables[3], options)
}

/// `text` with `from` replaced by `to` (which must be there).
fn replace(text: String, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replacen(from, to, 1)
}

/// `text` without the data rows whose first field (the doctor) is `doctor`.
fn without_doctor(text: String, doctor: &str) -> String {
    text.lines()
        .filter(|l| l.split(',').next() != Some(doctor))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Every campaign's metrics, trend and responders, as JSON.
fn analytics_json(data: &CampaignData) -> Vec<String> {
    let a = CampaignAnalytics::new(data.clone()).unwrap();
    let all = DoctorFilter::default();
    data.campaigns
        .iter()
        .flat_map(|c| {
            let id = c.campaign_id;
            [
                serde_json::to_string(&a.metrics(id, &all, 0.95).unwrap()).unwrap(),
                serde_json::to_string(&a.rx_trend(id, &all).unwrap()).unwrap(),
                serde_json::to_string(&a.responders(id, &all, &RankBy::RxIncrease).unwrap())
                    .unwrap(),
            ]
        })
        .collect()
}

const BAD_DOCTOR_3: (&str, &str) = (
    "3,General Practice,Ontario,25,95.25",
    "3,General Practice,Ontario,-3,95.25",
);

#[test]
fn lenient_campaign_read_drops_the_rows_of_a_rejected_doctor() {
    let files = campaign_files(|stem, text| match stem {
        "doctors" => replace(text, BAD_DOCTOR_3.0, BAD_DOCTOR_3.1),
        _ => text,
    });
    let dir = campaign_dir("bad_doctor", &files);
    // Strict: the first bad value is the error, at its line, column and value.
    let e = read_campaign_dir(&dir, &IngestOptions::strict()).unwrap_err();
    assert_invalid(&e, 4, 3, "doctors.tenure_years", "-3");

    let got = read_campaign_dir(&dir, &IngestOptions::lenient()).unwrap();
    let d = &got.data;
    assert!(d.doctors.iter().all(|x| x.doctor_id != 3));
    assert!(d.targeting.iter().all(|x| x.doctor_id != 3));
    assert!(d.rx.iter().all(|x| x.doctor_id != 3));
    assert_eq!((d.doctors.len(), d.targeting.len(), d.rx.len()), (4, 5, 5));
    let line = |line, record| Location::Line { line, record };
    assert_eq!(
        report(&got.rejected),
        [
            (
                "doctors",
                line(4, 3),
                "tenure_years",
                "-3",
                "must be between 0 and 100"
            ),
            (
                "targeting",
                line(4, 3),
                "doctor_id",
                "3",
                "doctor 3 was rejected"
            ),
            ("rx", line(5, 4), "doctor_id", "3", "doctor 3 was rejected"),
        ]
    );
    // Each rejection reads as the error a strict read of its row would give.
    assert_eq!(
        got.rejected[1].to_string(),
        "line 4 (record 3), column `doctor_id`: invalid value \"3\": doctor 3 was rejected"
    );

    // The same data, and so the same analytics, as with doctor 3 deleted by hand.
    let by_hand = campaign_files(|stem, text| match stem {
        "campaigns" => text,
        _ => without_doctor(text, "3"),
    });
    let want = read_campaign_dir(campaign_dir("by_hand", &by_hand), &IngestOptions::strict())
        .unwrap()
        .data;
    assert_eq!(got.data, want);
    assert_eq!(analytics_json(&got.data), analytics_json(&want));

    // In-memory tables: the same rows go, positions are 0-based rows of each table.
    let tables = campaign_tables(&files);
    let e = read_tables(&tables, &IngestOptions::strict()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "row 2, column `doctors.tenure_years`: invalid value \"-3\": must be between 0 and 100"
    );
    let mem = read_tables(&tables, &IngestOptions::lenient()).unwrap();
    assert_eq!(mem.data, want);
    let rows: Vec<(&str, Location)> = mem
        .rejected
        .iter()
        .map(|r| (r.table.as_str(), r.location.clone()))
        .collect();
    let row = |row| Location::Row { row };
    assert_eq!(
        rows,
        [("doctors", row(2)), ("targeting", row(2)), ("rx", row(3))]
    );
}

#[test]
fn lenient_campaign_read_drops_the_targeting_of_a_rejected_campaign() {
    let files = campaign_files(|stem, text| match stem {
        "campaigns" => replace(text, "01/09/2024,30/11/2024", "01/09/2024,30/08/2024"),
        _ => text,
    });
    let dir = campaign_dir("bad_campaign", &files);
    let e = read_campaign_dir(&dir, &IngestOptions::strict()).unwrap_err();
    assert_invalid(&e, 3, 2, "campaigns.end_date", "2024-08-30");

    let got = read_campaign_dir(&dir, &IngestOptions::lenient()).unwrap();
    let line = |line, record| Location::Line { line, record };
    let gone = "campaign 2 was rejected";
    assert_eq!(
        report(&got.rejected),
        [
            (
                "campaigns",
                line(3, 2),
                "end_date",
                "2024-08-30",
                "is before start_date 2024-09-01"
            ),
            ("targeting", line(6, 5), "campaign_id", "2", gone),
            ("targeting", line(7, 6), "campaign_id", "2", gone),
        ]
    );
    // Rx rows depend on doctors only: all are kept.
    assert_eq!((got.data.targeting.len(), got.data.rx.len()), (4, 6));
    let by_hand = campaign_files(|stem, text| match stem {
        "campaigns" => replace(
            text,
            "2,Autumn Oncology,Product B,01/09/2024,30/11/2024\n",
            "",
        ),
        "targeting" => replace(replace(text, "2,2,Y\n", ""), "5,2,N\n", ""),
        _ => text,
    });
    let want = read_campaign_dir(
        campaign_dir("by_hand_c", &by_hand),
        &IngestOptions::strict(),
    )
    .unwrap()
    .data;
    assert_eq!(got.data, want);
    assert_eq!(analytics_json(&got.data), analytics_json(&want));
}

#[test]
fn lenient_campaign_read_drops_rows_of_unknown_doctors_and_campaigns() {
    // Doctor 3's id cannot be read, so its rows refer to a doctor absent from the table;
    // a targeting row names campaign 9, which does not exist.
    let files = campaign_files(|stem, text| match stem {
        "doctors" => replace(text, BAD_DOCTOR_3.0, "x3,General Practice,Ontario,25,95.25"),
        "targeting" => format!("{text}1,9,1\n"),
        _ => text,
    });
    let dir = campaign_dir("unknown_refs", &files);
    let got = read_campaign_dir(&dir, &IngestOptions::lenient()).unwrap();
    let line = |line, record| Location::Line { line, record };
    assert_eq!(
        report(&got.rejected),
        [
            (
                "doctors",
                line(4, 3),
                "doctor_id",
                "x3",
                "expected a whole number from 0 to 9007199254740992 (2^53)"
            ),
            (
                "targeting",
                line(4, 3),
                "doctor_id",
                "3",
                "doctor 3 is not in the doctors table"
            ),
            (
                "targeting",
                line(8, 7),
                "campaign_id",
                "9",
                "campaign 9 is not in the campaigns table"
            ),
            (
                "rx",
                line(5, 4),
                "doctor_id",
                "3",
                "doctor 3 is not in the doctors table"
            ),
        ]
    );
    assert!(CampaignAnalytics::new(got.data).is_ok());

    // Strict mode leaves references to validation, which names the row the same way.
    let orphan = campaign_files(|stem, text| match stem {
        "targeting" => format!("{text}1,9,1\n"),
        _ => text,
    });
    let strict =
        read_campaign_dir(campaign_dir("orphan", &orphan), &IngestOptions::strict()).unwrap();
    let e = CampaignAnalytics::new(strict.data).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        (
            "invalid_value",
            "row 6, column `targeting.campaign_id`: invalid value \"9\": campaign 9 is not in the campaigns table"
        )
    );
}

#[test]
fn lenient_campaign_read_keeps_the_first_of_repeated_rows() {
    // Doctor 2 listed twice, campaign 1 twice, doctor 1 targeted twice by campaign 1, and a
    // second Rx record of doctor 1 for product A in March: each repeat is rejected at its
    // line with where the first is, and the first is kept, as if the repeats were deleted.
    let files = campaign_files(|stem, text| match stem {
        "doctors" => format!("{text}2,Oncology,Quebec,9,99\n"),
        "campaigns" => format!("{text}1,Again,Product A,2024-03-01,2024-04-30\n"),
        "targeting" => format!("{text}1,1,0\n"),
        "rx" => format!("{text}1,Product A,2024-03-01,7\n"),
        _ => text,
    });
    let line = |line, record| Location::Line { line, record };
    for source in ["dir", "tables"] {
        let got = match source {
            "dir" => read_campaign_dir(campaign_dir("repeats", &files), &IngestOptions::lenient()),
            _ => read_tables(&campaign_tables(&files), &IngestOptions::lenient()),
        }
        .unwrap();
        let (first, at) = match source {
            "dir" => (
                [line(3, 2), line(2, 1), line(2, 1), line(3, 2)],
                [line(7, 6), line(4, 3), line(8, 7), line(8, 7)],
            ),
            _ => (
                [
                    Location::Row { row: 1 },
                    Location::Row { row: 0 },
                    Location::Row { row: 0 },
                    Location::Row { row: 1 },
                ],
                [
                    Location::Row { row: 5 },
                    Location::Row { row: 2 },
                    Location::Row { row: 6 },
                    Location::Row { row: 6 },
                ],
            ),
        };
        let reasons = [
            format!("duplicate doctor id (first at {})", first[0]),
            format!("duplicate campaign id (first at {})", first[1]),
            format!(
                "doctor assigned twice to campaign 1 (first at {})",
                first[2]
            ),
            format!(
                "a second Rx record of doctor 1 for Product A in this period (first at {}); \
                 add the counts up into one record",
                first[3]
            ),
        ];
        let want = [
            (
                "doctors",
                at[0].clone(),
                "doctor_id",
                "2",
                reasons[0].as_str(),
            ),
            (
                "campaigns",
                at[1].clone(),
                "campaign_id",
                "1",
                reasons[1].as_str(),
            ),
            (
                "targeting",
                at[2].clone(),
                "doctor_id",
                "1",
                reasons[2].as_str(),
            ),
            (
                "rx",
                at[3].clone(),
                "period",
                "2024-03-01",
                reasons[3].as_str(),
            ),
        ];
        assert_eq!(report(&got.rejected), want, "{source}");
        let clean = read_campaign_dir(
            campaign_dir("repeats_clean", &campaign_files(|_, text| text)),
            &IngestOptions::strict(),
        )
        .unwrap();
        assert_eq!(got.data, clean.data, "{source}");
        assert!(CampaignAnalytics::new(got.data).is_ok());
    }
    // Strict mode reads the repeats and validation refuses the first of them.
    let strict = read_campaign_dir(
        campaign_dir("repeats_strict", &files),
        &IngestOptions::strict(),
    )
    .unwrap();
    let e = CampaignAnalytics::new(strict.data).unwrap_err();
    assert_eq!(
        e.to_string(),
        "row 5, column `doctors.doctor_id`: invalid value \"2\": duplicate doctor id (first at row 1)"
    );
}

#[test]
fn lenient_campaign_read_with_every_targeting_row_dropped_is_empty_input() {
    let files = campaign_files(|stem, text| match stem {
        "doctors" => replace(text, BAD_DOCTOR_3.0, BAD_DOCTOR_3.1),
        "targeting" => "doctor_id,campaign_id,campaign_target\n3,1,1\n".to_string(),
        _ => text,
    });
    let e = read_campaign_dir(
        campaign_dir("all_dropped", &files),
        &IngestOptions::lenient(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "empty_input");
    let msg = e.to_string();
    assert!(
        msg.contains("all 1 data rows were rejected, no targeting rows left")
            && msg.contains("doctor 3 was rejected"),
        "{msg}"
    );
}

#[test]
fn rejections_name_their_table_and_read_without_it() {
    let bad = "doctor_id,product,period,count\n7,A,2024-02-01,-3\n7,A,2024-03-01,2\n";
    let got = read_rx(bad.as_bytes(), &IngestOptions::lenient()).unwrap();
    assert_eq!(got.rejected[0].table, "rx");
    let json = serde_json::to_value(&got.rejected[0]).unwrap();
    assert_eq!(json["table"], "rx");
    // A report written before rejections had a table still reads, with an empty one.
    let old = r#"{"location":{"kind":"row","row":3},"column":"count","value":"-5","reason":"must be >= 0"}"#;
    let r: Rejection = serde_json::from_str(old).unwrap();
    assert_eq!(
        (r.table.as_str(), r.location),
        ("", Location::Row { row: 3 })
    );
    let csv = csv_with(&["P2,2024-03-05,-1,700,Y,N,Y,Y,N,N,10", GOOD]);
    let got = read_appointments(csv.as_bytes(), &IngestOptions::lenient()).unwrap();
    assert_eq!(got.rejected[0].table, "appointments");
}

#[test]
fn generic_machinery_reads_a_new_record_type() {
    struct Visit {
        clinic: String,
        when: NaiveDate,
        urgent: bool,
    }
    impl FromRow for Visit {
        const WHAT: &'static str = "visits";
        const COLUMNS: &'static [ColumnSpec] = &[
            ColumnSpec::required("clinic", &["site"]),
            ColumnSpec::required("when", &["visit_date"]),
            ColumnSpec::optional("urgent", &[]),
        ];
        fn from_row(row: &Row<'_>) -> Result<Self> {
            Ok(Visit {
                clinic: row.text(0)?,
                when: row.date(1)?,
                urgent: if row.is_blank(2) { false } else { row.flag(2)? },
            })
        }
    }
    let got = read_csv::<Visit, _>(
        "Site,Visit Date\nLeeds,1/2/2024\n".as_bytes(),
        &IngestOptions::default(),
    )
    .unwrap();
    assert_eq!(got.rows[0].clinic, "Leeds");
    assert_eq!(
        got.rows[0].when,
        NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()
    );
    assert!(!got.rows[0].urgent);
}

#[test]
fn validate_hand_built_records() {
    let base = generate_appointments(&DemoParams::default().n_past(1).n_upcoming(0))
        .unwrap()
        .past
        .remove(0);
    assert!(validate_appointment(&base, Location::Row { row: 0 }).is_ok());
    type Breaker = fn(&mut Appointment);
    let cases: [(Breaker, &str); 5] = [
        (|a| a.age = -1.0, "age"),
        (|a| a.age = f64::NAN, "age"),
        (
            |a| a.days_since_last_purchase = f64::INFINITY,
            "days_since_last_purchase",
        ),
        (|a| a.amount = Some(-5.0), "amount"),
        (|a| a.patient_id = " ".into(), "patient_id"),
    ];
    for (breaker, column) in cases {
        let mut a = base.clone();
        breaker(&mut a);
        let e = validate_appointment(&a, Location::Row { row: 4 }).unwrap_err();
        assert_eq!(e.code(), "invalid_value");
        assert!(
            e.to_string()
                .starts_with(&format!("row 4, column `{column}`")),
            "{e}"
        );
    }
}

// ---------------------------------------------------------------- generator

/// AUC of `scores` against `labels` (Mann-Whitney, ties count half).
fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j < idx.len() && scores[idx[j]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j + 1) as f64 / 2.0;
        rank_sum += avg_rank * idx[i..j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j;
    }
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    let neg = labels.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

#[test]
fn auc_helper_is_right() {
    assert_eq!(auc(&[0.1, 0.2, 0.3, 0.4], &[false, false, true, true]), 1.0);
    assert_eq!(auc(&[0.4, 0.3, 0.2, 0.1], &[false, false, true, true]), 0.0);
    assert_eq!(auc(&[0.5, 0.5], &[false, true]), 0.5);
    assert_eq!(
        auc(&[0.1, 0.3, 0.2, 0.4], &[false, false, true, true]),
        0.75
    );
}

#[test]
fn generator_is_deterministic() {
    let p = DemoParams::default().n_past(3_000).n_upcoming(300).seed(11);
    let a = generate_appointments(&p).unwrap();
    let b = generate_appointments(&p).unwrap();
    let bits = |d: &optocom_core::data::DemoData| -> Vec<u64> {
        d.past
            .iter()
            .chain(&d.upcoming)
            .flat_map(|r| {
                [
                    r.age.to_bits(),
                    r.days_since_last_purchase.to_bits(),
                    r.amount.unwrap_or(-1.0).to_bits(),
                ]
            })
            .chain(d.upcoming_actual.iter().map(|v| v.to_bits()))
            .collect()
    };
    assert_eq!(a, b);
    assert_eq!(bits(&a), bits(&b));
    let c = generate_appointments(&p.clone().seed(12)).unwrap();
    assert_ne!(bits(&a), bits(&c));
    assert_ne!(a.past, c.past);
}

#[test]
fn generator_statistics() {
    let data = generate_appointments(&DemoParams::coverage()).unwrap();
    let past = &data.past;
    assert_eq!(past.len(), 20_000);
    let amounts: Vec<f64> = past.iter().map(|a| a.amount.unwrap()).collect();
    let bought: Vec<bool> = amounts.iter().map(|&v| v >= 100.0).collect();
    let n = past.len() as f64;
    let rate = bought.iter().filter(|&&b| b).count() as f64 / n;
    assert!((0.35..=0.45).contains(&rate), "purchase rate {rate}");
    let mean_p = data
        .past_truth
        .iter()
        .map(|t| t.purchase_probability)
        .sum::<f64>()
        / n;
    assert!(
        (rate - mean_p).abs() < 0.015,
        "rate {rate} vs mean p {mean_p}"
    );

    let probs: Vec<f64> = data
        .past_truth
        .iter()
        .map(|t| t.purchase_probability)
        .collect();
    let true_auc = auc(&probs, &bought);
    assert!((0.67..=0.73).contains(&true_auc), "true AUC {true_auc}");

    // Mean amount agrees with the truth's mean within 4 standard errors.
    let mean_amount = amounts.iter().sum::<f64>() / n;
    let mean_truth = data
        .past_truth
        .iter()
        .map(|t| t.expected_amount)
        .sum::<f64>()
        / n;
    let se = (data
        .past_truth
        .iter()
        .map(|t| t.amount_variance)
        .sum::<f64>())
    .sqrt()
        / n;
    assert!(
        (mean_amount - mean_truth).abs() < 4.0 * se,
        "{mean_amount} vs {mean_truth} (se {se})"
    );
    let spend: Vec<f64> = amounts.iter().copied().filter(|&v| v >= 100.0).collect();
    let mean_spend = spend.iter().sum::<f64>() / spend.len() as f64;
    assert!(
        (150.0..300.0).contains(&mean_spend),
        "mean spend {mean_spend}"
    );
    assert!(amounts
        .iter()
        .all(|&v| v >= 0.0 && (v * 100.0).round() / 100.0 == v));
    eprintln!(
        "demo stats: purchase rate {rate:.3}, true AUC {true_auc:.3}, mean amount {mean_amount:.2}, mean qualifying spend {mean_spend:.2}"
    );

    // Varifocal need rises with age.
    let vf_rate = |lo: f64, hi: f64| {
        let g: Vec<&Appointment> = past.iter().filter(|a| a.age >= lo && a.age < hi).collect();
        g.iter().filter(|a| a.varifocal).count() as f64 / g.len() as f64
    };
    let bands = [
        vf_rate(0.0, 40.0),
        vf_rate(40.0, 50.0),
        vf_rate(50.0, 60.0),
        vf_rate(60.0, 121.0),
    ];
    assert!(
        bands[0] < 0.01 && bands.windows(2).all(|w| w[0] < w[1]),
        "{bands:?}"
    );
    assert!(bands[3] > 0.7, "{bands:?}");

    // Benefits lower spend, among buyers and overall.
    let mean_where = |f: &dyn Fn(&Appointment) -> bool, buyers: bool| {
        let v: Vec<f64> = past
            .iter()
            .filter(|a| f(a))
            .map(|a| a.amount.unwrap())
            .filter(|&v| !buyers || v >= 100.0)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let adult_ben = |a: &Appointment| a.benefits && a.age >= 16.0;
    let adult_no = |a: &Appointment| !a.benefits && a.age >= 16.0;
    assert!(mean_where(&adult_ben, true) + 20.0 < mean_where(&adult_no, true));
    assert!(mean_where(&adult_ben, false) < mean_where(&adult_no, false));

    // High prescription about 12%; every child on benefits; two-year recall cluster.
    let hr = past.iter().filter(|a| a.high_prescription).count() as f64 / n;
    assert!((0.09..0.15).contains(&hr), "high rx {hr}");
    assert!(past.iter().filter(|a| a.age < 16.0).all(|a| a.benefits));
    let mut recall: Vec<f64> = past
        .iter()
        .filter(|a| (25.0..60.0).contains(&a.age) && a.days_since_last_purchase > 0.0)
        .map(|a| a.days_since_last_purchase)
        .collect();
    recall.sort_by(f64::total_cmp);
    let median = recall[recall.len() / 2];
    assert!((650.0..800.0).contains(&median), "median days {median}");

    // Calendar: closed Sundays, quieter Saturdays, August below October.
    let count = |f: &dyn Fn(NaiveDate) -> bool| {
        past.iter().filter(|a| f(a.appointment_date)).count() as f64
    };
    assert_eq!(count(&|d| d.weekday() == Weekday::Sun), 0.0);
    assert!(
        count(&|d| d.weekday() == Weekday::Sat) < 0.8 * count(&|d| d.weekday() == Weekday::Wed)
    );
    assert!(count(&|d| d.month() == 8) < 0.8 * count(&|d| d.month() == 10));
    let first = NaiveDate::from_ymd_opt(2024, 1, 7).unwrap();
    assert!(past
        .iter()
        .all(|a| a.appointment_date >= first
            && a.appointment_date < DemoParams::default().start_date));
    assert!(past
        .windows(2)
        .all(|w| w[0].appointment_date <= w[1].appointment_date));

    // Upcoming: no amounts, dates from start_date, truths match the features.
    assert!(data
        .upcoming
        .iter()
        .all(|a| a.amount.is_none() && a.appointment_date >= DemoParams::default().start_date));
    for (a, t) in data.upcoming.iter().zip(&data.upcoming_truth) {
        assert_eq!(&truth_for(a), t);
    }
}

#[test]
fn threshold_parameter_moves_the_hurdle() {
    let p = DemoParams::default().n_past(4_000).threshold(150.0).seed(5);
    let data = generate_appointments(&p).unwrap();
    for (a, t) in data.past.iter().zip(&data.past_truth) {
        let v = a.amount.unwrap();
        assert!(!(0.6 * 150.0 + 0.01..150.0).contains(&v), "{v}");
        assert_eq!(*t, truth_for_threshold(a, 150.0));
        let Truth {
            expected_spend_if_purchase,
            ..
        } = *t;
        assert!(expected_spend_if_purchase > 150.0);
    }
}

// ---------------------------------------------------------------- CSV round trip, fixtures

#[test]
fn csv_write_read_round_trip() {
    let data = generate_appointments(&DemoParams::default().n_past(2_000).n_upcoming(200)).unwrap();
    for rows in [&data.past, &data.upcoming] {
        let mut buf = Vec::new();
        write_appointments_csv(rows, &mut buf).unwrap();
        let back = read_appointments(buf.as_slice(), &IngestOptions::default()).unwrap();
        assert!(back.rejected.is_empty());
        assert_eq!(&back.rows, rows);
    }
    // Hand-built values that are not whole pennies and ids needing quotes survive too.
    let mut odd = data.past[0].clone();
    odd.patient_id = "Smith, \"J\"".into();
    odd.amount = Some(123.456_789);
    odd.age = 33.5;
    let mut buf = Vec::new();
    write_appointments_csv(std::slice::from_ref(&odd), &mut buf).unwrap();
    let back = read_appointments(buf.as_slice(), &IngestOptions::default()).unwrap();
    assert_eq!(back.rows, vec![odd]);
}

/// The fixture files are the generator's output for `fixture_params()`; run with
/// `OPTOCOM_BLESS=1` to rewrite them after a deliberate change to the generator.
fn fixture_params() -> DemoParams {
    DemoParams::default().n_past(300).n_upcoming(60).seed(42)
}

#[test]
fn appointment_fixtures_match_the_generator() {
    let data = generate_appointments(&fixture_params()).unwrap();
    for (name, rows) in [
        ("appointments_past.csv", &data.past),
        ("appointments_upcoming.csv", &data.upcoming),
    ] {
        let path = fixtures().join(name);
        let mut expected = Vec::new();
        write_appointments_csv(rows, &mut expected).unwrap();
        if std::env::var_os("OPTOCOM_BLESS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let on_disk = std::fs::read(&path).unwrap();
        assert!(
            on_disk == expected,
            "{name} is stale: rerun with OPTOCOM_BLESS=1"
        );
        let back = read_appointments_path(&path, &IngestOptions::default()).unwrap();
        assert_eq!(&back.rows, rows);
    }
}

#[test]
fn days_since_last_purchase_is_bounded_by_a_lifetime() {
    // 120 years of 366 days is accepted; a day more is an invalid value, in the reader and in
    // validate_appointment alike (a linear spend model would extrapolate absurdly).
    let ok = strict(csv_with(&["P1,2024-03-05,52,43920,Y,N,Y,Y,Y,N,"]).as_bytes()).unwrap();
    assert_eq!(ok[0].days_since_last_purchase, 43920.0);
    let e =
        strict(csv_with(&[GOOD, "P2,2024-03-05,52,43921,Y,N,Y,Y,Y,N,"]).as_bytes()).unwrap_err();
    assert_invalid(&e, 3, 2, "days_since_last_purchase", "43921");
    assert!(
        e.to_string().ends_with("must be between 0 and 43920"),
        "{e}"
    );
    let mut a = ok[0].clone();
    a.days_since_last_purchase = 1e12;
    let e = validate_appointment(&a, Location::Row { row: 4 }).unwrap_err();
    assert_eq!(
        e.to_string(),
        "row 4, column `days_since_last_purchase`: invalid value \"1000000000000\": must be between 0 and 43920"
    );
}

/// FNV-1a of a byte string (a digest that is the same on every platform).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn generators_give_the_same_bits_on_every_platform() {
    // Data and truth, every bit (JSON prints the shortest round-trip form of each f64). The
    // generators compute exp/ln/tan/cos/pow with the pure-Rust libm crate, never the
    // platform's maths library, so these digests hold on Linux, macOS, Windows and in
    // WebAssembly alike; they change only with a deliberate change to a generator.
    let appointments =
        generate_appointments(&DemoParams::default().n_past(2000).n_upcoming(200).seed(3)).unwrap();
    let campaigns =
        generate_campaign_data(&CampaignDemoParams::default().n_doctors(300).seed(3)).unwrap();
    let digests = [
        fnv1a(serde_json::to_string(&appointments).unwrap().as_bytes()),
        fnv1a(serde_json::to_string(&campaigns).unwrap().as_bytes()),
    ];
    assert_eq!(
        digests,
        [0x22bf_ff87_e0c4_ac99, 0xcca0_6a59_a372_21f8],
        "{digests:x?}"
    );
}

/// A cell a host could not hand over (a JS string with a lone surrogate) is refused where
/// it is read, with its own value and reason, like any bad value: strict names it, lenient
/// rejects its row, and a column nobody reads is ignored.
#[test]
fn unreadable_record_cells_are_refused_where_read() {
    use optocom_core::data::ingest::{Record, RecordValue as V, Table, LONE_SURROGATE_REASON};
    use optocom_core::data::Doctor;
    let bad = || V::Unreadable {
        shown: "Card\\ud800".into(),
        reason: LONE_SURROGATE_REASON.into(),
    };
    let doctor = |id: f64, specialty: V, note: V| {
        Record::new([
            ("doctor_id", V::Number(id)),
            ("specialty", specialty),
            ("province", V::Text("Ontario".into())),
            ("tenure_years", V::Number(12.0)),
            ("baseline_rx", V::Number(40.0)),
            ("note", note),
        ])
    };
    let ok = |id| doctor(id, V::Text("Cardiology".into()), V::Missing);
    let t = Table::from_records(&[ok(1.0), doctor(2.0, bad(), V::Missing), ok(3.0)]).unwrap();
    let e = t.read::<Doctor>(&IngestOptions::strict()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "row 1, column `specialty`: invalid value {:?}: {LONE_SURROGATE_REASON}",
            "Card\\ud800"
        )
    );
    let got = t.read::<Doctor>(&IngestOptions::lenient()).unwrap();
    assert_eq!(
        got.rows.iter().map(|d| d.doctor_id).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(
        (
            got.rejected[0].value.as_str(),
            got.rejected[0].reason.as_str()
        ),
        ("Card\\ud800", LONE_SURROGATE_REASON)
    );
    // In a column no reader asks for, it is ignored.
    let t = Table::from_records(&[ok(1.0), doctor(2.0, V::Text("GP".into()), bad())]).unwrap();
    assert_eq!(
        t.read::<Doctor>(&IngestOptions::strict())
            .unwrap()
            .rows
            .len(),
        2
    );
}
