//! Campaign integration tests: the sample generator and its ground truth, the uplift table
//! and the campaign analytics.

use std::collections::HashMap;

use chrono::NaiveDate;
use optocom_core::campaign::analytics::{CampaignAnalytics, Phase, RankBy};
use optocom_core::data::campaign_demo::{
    generate_campaign_data, uplift_table, uplift_table_with, validate_campaign_data, CampaignDemo,
    CampaignDemoParams, OutcomeParams, ResponseRule,
};
use optocom_core::data::{
    Campaign, CampaignData, Doctor, DoctorFilter, PageRequest, RxRecord, Targeting,
};
use optocom_core::features::FeatureKind;
use optocom_core::Error;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn doctor(id: u64, specialty: &str, province: &str, tenure: f64, baseline: f64) -> Doctor {
    Doctor {
        doctor_id: id,
        specialty: specialty.into(),
        province: province.into(),
        tenure_years: tenure,
        baseline_rx: baseline,
    }
}

fn rx(doctor_id: u64, product: &str, y: i32, m: u32, count: f64) -> RxRecord {
    RxRecord {
        doctor_id,
        product: product.into(),
        period: date(y, m, 1),
        count,
    }
}

fn target(doctor_id: u64, campaign_id: u64, t: bool) -> Targeting {
    Targeting {
        doctor_id,
        campaign_id,
        campaign_target: t,
    }
}

/// Six doctors, campaign 1 (product P, March-April 2024, 2 pre months) with doctors 1-3
/// targeted and 4-6 control; campaign 2 (product Q) with two doctors.
///
/// Pre/post monthly means and changes of campaign 1:
/// d1 10 -> 15 (+5, responds), d2 5 -> 8 (+3, responds), d3 20 -> 21 (+1, needs +2: no),
/// d4 10 -> 11 (+1, responds), d5 6 -> 6 (0, no), d6 0 -> 1 (+1, responds).
fn tiny() -> CampaignData {
    let mut rxs = Vec::new();
    for (d, counts) in [
        (1, [10.0, 10.0, 14.0, 16.0]),
        (2, [4.0, 6.0, 8.0, 8.0]),
        (3, [20.0, 20.0, 21.0, 21.0]),
        (4, [10.0, 10.0, 11.0, 11.0]),
        (5, [6.0, 6.0, 6.0, 6.0]),
        (6, [0.0, 0.0, 2.0, 0.0]),
    ] {
        for (m, c) in counts.into_iter().enumerate() {
            if c > 0.0 {
                rxs.push(rx(d, "P", 2024, m as u32 + 1, c));
            }
        }
    }
    // Outside the windows or another product: must be ignored by campaign 1.
    rxs.push(rx(1, "P", 2023, 12, 500.0));
    rxs.push(rx(1, "P", 2024, 5, 500.0));
    rxs.push(rx(5, "Q", 2024, 3, 40.0));
    CampaignData {
        doctors: vec![
            doctor(1, "Cardiology", "Ontario", 5.0, 100.0),
            doctor(2, "Oncology", "Quebec", 12.0, 40.0),
            doctor(3, "Cardiology", "Quebec", 30.0, 150.0),
            doctor(4, "Oncology", "Ontario", 8.0, 60.0),
            doctor(5, "Cardiology", "Alberta", 20.0, 30.0),
            doctor(6, "General Practice", "Ontario", 2.0, 10.0),
        ],
        campaigns: vec![
            Campaign {
                campaign_id: 1,
                name: "P launch".into(),
                product: "P".into(),
                start_date: date(2024, 3, 1),
                end_date: date(2024, 4, 30),
            },
            Campaign {
                campaign_id: 2,
                name: "Q reminder".into(),
                product: "Q".into(),
                start_date: date(2024, 3, 10),
                end_date: date(2024, 3, 20),
            },
        ],
        targeting: vec![
            target(1, 1, true),
            target(2, 1, true),
            target(3, 1, true),
            target(4, 1, false),
            target(5, 1, false),
            target(6, 1, false),
            target(1, 2, true),
            target(5, 2, false),
        ],
        rx: rxs,
    }
}

fn tiny_analytics() -> CampaignAnalytics {
    CampaignAnalytics::with_outcome(tiny(), OutcomeParams::default().pre_periods(2)).unwrap()
}

fn all() -> DoctorFilter {
    DoctorFilter::default()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn demo(n: usize, seed: u64) -> CampaignDemo {
    generate_campaign_data(&CampaignDemoParams::default().n_doctors(n).seed(seed)).unwrap()
}

fn analytics_of(demo: &CampaignDemo) -> CampaignAnalytics {
    CampaignAnalytics::with_outcome(demo.data.clone(), demo.outcome).unwrap()
}

/// Qini coefficient: doctors sorted by decreasing score (ties by row), the Qini curve at the
/// top fraction `phi` is `(responders_t / n_t - responders_c / n_c) * phi` (incremental
/// response as a fraction of the population if the top `phi` were targeted), and the
/// coefficient is its mean over all cut points minus the random line's area `Q(1) / 2`.
fn qini(scores: &[f64], treatment: &[u8], y: &[u8]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let n = idx.len() as f64;
    let (mut nt, mut nc, mut yt, mut yc) = (0.0, 0.0, 0.0, 0.0);
    let (mut area, mut last) = (0.0, 0.0);
    for (k, &i) in idx.iter().enumerate() {
        if treatment[i] == 1 {
            nt += 1.0;
            yt += y[i] as f64;
        } else {
            nc += 1.0;
            yc += y[i] as f64;
        }
        let q = if nt > 0.0 && nc > 0.0 {
            (yt / nt - yc / nc) * (k + 1) as f64 / n
        } else {
            0.0
        };
        area += q;
        last = q;
    }
    area / n - last / 2.0
}

// ---------------------------------------------------------------------------------------------
// Known answers on hand-built data
// ---------------------------------------------------------------------------------------------

#[test]
fn campaign_metrics_known_answer() {
    let a = tiny_analytics();
    let m = a.metrics(1, &all(), 0.95).unwrap();
    assert_eq!(m.product, "P");
    assert_eq!(m.window.pre_start, date(2024, 1, 1));
    assert_eq!(m.window.post_end, date(2024, 4, 30));
    assert_eq!((m.targeted.doctors, m.control.doctors), (3, 3));
    assert_eq!((m.targeted.responders, m.control.responders), (2, 2));
    assert!(close(m.targeted.mean_rx_pre.unwrap(), 35.0 / 3.0, 1e-12));
    assert!(close(m.targeted.mean_rx_post.unwrap(), 44.0 / 3.0, 1e-12));
    assert!(close(m.control.mean_rx_pre.unwrap(), 16.0 / 3.0, 1e-12));
    assert!(close(m.control.mean_rx_post.unwrap(), 6.0, 1e-12));
    assert!(close(m.targeted.sd_rx_change.unwrap(), 2.0, 1e-12));
    // Changes 5, 3, 1 vs 1, 0, 1: DiD 3 - 2/3, Welch se sqrt(4/3 + 1/9), df 338/145.
    let lift = m.lift.unwrap();
    assert!(close(lift.estimate, 7.0 / 3.0, 1e-12));
    assert!(close(lift.std_error, 13f64.sqrt() / 3.0, 1e-12));
    assert!(close(lift.df.unwrap(), 338.0 / 145.0, 1e-9));
    let half = lift.ci_high - lift.estimate;
    assert!(close(lift.estimate - lift.ci_low, half, 1e-9));
    // df between 2 and 3: t quantile between t(3) = 3.182 and t(2) = 4.303.
    assert!(half / lift.std_error > 3.1824 && half / lift.std_error < 4.3027);
    assert!(close(m.lift_pct.unwrap(), 20.0, 1e-9));
    // Response rates 2/3 vs 2/3, Wald se sqrt(2 * (2/9) / 3), normal interval.
    let r = m.response_rate_diff.unwrap();
    assert!(close(r.estimate, 0.0, 1e-12));
    assert!(close(r.std_error, (4.0f64 / 27.0).sqrt(), 1e-12));
    assert!(close(r.ci_high, 1.959_964 * r.std_error, 1e-6));
    assert!(r.df.is_none());
    // A wider level gives a wider interval.
    let m99 = a.metrics(1, &all(), 0.99).unwrap().lift.unwrap();
    assert!(m99.ci_high > lift.ci_high && m99.ci_low < lift.ci_low);
    // Results serialise.
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"lift\"") && json.contains("\"pre_start\":\"2024-01-01\""));
}

#[test]
fn campaign_metrics_with_filters() {
    let a = tiny_analytics();
    let onc = DoctorFilter {
        specialties: vec!["oncology".into()],
        ..all()
    };
    let m = a.metrics(1, &onc, 0.95).unwrap();
    assert_eq!((m.targeted.doctors, m.control.doctors), (1, 1));
    assert!(m.lift.is_none() && m.response_rate_diff.is_none() && m.lift_pct.is_none());
    assert!(close(m.targeted.mean_rx_change.unwrap(), 3.0, 1e-12));
    assert!(m.targeted.sd_rx_change.is_none());
    // Targeted only: the control group is empty, its means are None.
    let t = DoctorFilter {
        campaign_target: Some(true),
        ..all()
    };
    let m = a.metrics(1, &t, 0.95).unwrap();
    assert_eq!((m.targeted.doctors, m.control.doctors), (3, 0));
    assert!(m.control.mean_rx_pre.is_none() && m.lift.is_none());
    // Tenure and Rx bounds are inclusive.
    let f = DoctorFilter {
        tenure_min: Some(5.0),
        max_rx: Some(100.0),
        ..all()
    };
    let m = a.metrics(1, &f, 0.95).unwrap();
    // Doctors 1 (5y, 100), 2 (12y, 40), 4 (8y, 60), 5 (20y, 30).
    assert_eq!((m.targeted.doctors, m.control.doctors), (2, 2));
    assert!(close(m.lift.unwrap().estimate, 4.0 - 0.5, 1e-12));
}

#[test]
fn campaign_list_counts_filters_and_pages() {
    let a = tiny_analytics();
    let p = a.campaigns(&all(), &PageRequest::default()).unwrap();
    assert_eq!(p.total, 2);
    assert_eq!(p.data[0].campaign_id, 1);
    assert_eq!(
        (p.data[0].targeted_doctors, p.data[0].control_doctors),
        (3, 3)
    );
    assert_eq!(
        (p.data[1].targeted_doctors, p.data[1].control_doctors),
        (1, 1)
    );
    assert_eq!(p.data[1].start_date, date(2024, 3, 10));
    // Doctor 6 (General Practice) is only in campaign 1.
    let gp = DoctorFilter {
        specialties: vec!["General Practice".into()],
        ..all()
    };
    let p = a.campaigns(&gp, &PageRequest::default()).unwrap();
    assert_eq!(p.total, 1);
    assert_eq!(
        (p.data[0].targeted_doctors, p.data[0].control_doctors),
        (0, 1)
    );
    let p = a
        .campaigns(&all(), &PageRequest::new(2, 1).unwrap())
        .unwrap();
    assert_eq!((p.total, p.pages(), p.data[0].campaign_id), (2, 2, 2));
    let p = a
        .campaigns(&all(), &PageRequest::new(3, 1).unwrap())
        .unwrap();
    assert!(p.data.is_empty());
}

#[test]
fn campaign_rx_trend_known_answer() {
    let a = tiny_analytics();
    let t = a.rx_trend(1, &all()).unwrap();
    assert_eq!(t.len(), 4);
    assert_eq!(t[0].period, date(2024, 1, 1));
    assert_eq!(t[3].period, date(2024, 4, 1));
    assert_eq!(
        t.iter().map(|p| p.phase).collect::<Vec<_>>(),
        vec![Phase::Pre, Phase::Pre, Phase::Post, Phase::Post]
    );
    assert_eq!((t[0].targeted_doctors, t[0].control_doctors), (3, 3));
    assert_eq!(
        (t[0].targeted_total_rx, t[0].control_total_rx),
        (34.0, 16.0)
    );
    assert!(close(t[3].targeted_mean_rx.unwrap(), 45.0 / 3.0, 1e-12));
    assert!(close(t[2].control_mean_rx.unwrap(), 19.0 / 3.0, 1e-12));
    // Campaign 2 runs within March: pre window January-February, post window March.
    let t2 = a.rx_trend(2, &all()).unwrap();
    assert_eq!(t2.len(), 3);
    assert_eq!(t2[2].control_total_rx, 40.0);
    let control = DoctorFilter {
        campaign_target: Some(false),
        ..all()
    };
    let t = a.rx_trend(1, &control).unwrap();
    assert_eq!(t[0].targeted_doctors, 0);
    assert!(t[0].targeted_mean_rx.is_none());
}

#[test]
fn campaign_top_responders_rank_and_ties() {
    let a = tiny_analytics();
    let p = a
        .top_responders(1, &all(), &RankBy::RxIncrease, &PageRequest::default())
        .unwrap();
    let ids: Vec<u64> = p.data.iter().map(|r| r.doctor_id).collect();
    // Changes 5, 3, then ties at +1 broken by id (3, 4, 6), then 0.
    assert_eq!(ids, vec![1, 2, 3, 4, 6, 5]);
    assert_eq!(p.data[0].rank, 1);
    assert!(p.data[0].responded && !p.data[2].responded);
    assert_eq!((p.data[0].rx_pre, p.data[0].rx_post), (10.0, 15.0));
    let p2 = a
        .top_responders(
            1,
            &all(),
            &RankBy::RxIncrease,
            &PageRequest::new(2, 2).unwrap(),
        )
        .unwrap();
    assert_eq!(p2.total, 6);
    assert_eq!(
        p2.data
            .iter()
            .map(|r| (r.rank, r.doctor_id))
            .collect::<Vec<_>>(),
        vec![(3, 3), (4, 4)]
    );
    let scores = RankBy::uplift([(1, 0.1), (2, 0.5), (4, 0.5), (6, -1.0), (99, 3.0)]);
    let p = a
        .top_responders(1, &all(), &scores, &PageRequest::default())
        .unwrap();
    let ranked: Vec<(u64, f64)> = p.data.iter().map(|r| (r.doctor_id, r.score)).collect();
    assert_eq!(ranked, vec![(2, 0.5), (4, 0.5), (1, 0.1), (6, -1.0)]);
    assert_eq!(p.total, 4);
    let targeted = DoctorFilter {
        campaign_target: Some(true),
        ..all()
    };
    let p = a
        .top_responders(1, &targeted, &scores, &PageRequest::default())
        .unwrap();
    assert_eq!(
        p.data.iter().map(|r| r.doctor_id).collect::<Vec<_>>(),
        vec![2, 1]
    );
}

/// A rise of exactly the threshold is a response whatever the rounding of the window means
/// (5 -> 11 Rx over six months is +1/month, though 11/6 - 5/6 is 0.9999999999999999; a mean
/// of 30 -> 33 is exactly +10%, though 0.1 * 30 is 3.0000000000000004), and equal changes
/// are equal numbers, so they rank as ties by doctor id.
#[test]
fn campaign_response_at_exactly_the_threshold() {
    let data = CampaignData {
        doctors: (1..=5)
            .map(|id| doctor(id, "Cardiology", "Ontario", 10.0, 50.0))
            .collect(),
        campaigns: vec![Campaign {
            campaign_id: 1,
            name: "C".into(),
            product: "P".into(),
            start_date: date(2024, 7, 1),
            end_date: date(2024, 12, 31),
        }],
        targeting: (1..=5).map(|id| target(id, 1, id % 2 == 1)).collect(),
        rx: vec![
            rx(1, "P", 2024, 1, 5.0),
            rx(1, "P", 2024, 7, 11.0),
            rx(2, "P", 2024, 7, 6.0),
            rx(3, "P", 2024, 1, 5.0),
            rx(3, "P", 2024, 7, 10.99),
            rx(4, "P", 2024, 1, 180.0),
            rx(4, "P", 2024, 7, 198.0),
            rx(5, "P", 2024, 1, 180.0),
            rx(5, "P", 2024, 7, 197.9),
        ],
    };
    let a = CampaignAnalytics::new(data).unwrap();
    let p = a
        .top_responders(1, &all(), &RankBy::RxIncrease, &PageRequest::default())
        .unwrap();
    let got: Vec<(u64, f64, bool)> = p
        .data
        .iter()
        .map(|r| (r.doctor_id, r.rx_change, r.responded))
        .collect();
    assert_eq!(got[0], (4, 3.0, true));
    assert_eq!(got[1].0, 5);
    assert!(!got[1].2, "197.9 is short of +10%");
    assert_eq!(&got[2..4], &[(1, 1.0, true), (2, 1.0, true)]);
    assert_eq!(got[4].0, 3);
    assert!(!got[4].2, "10.99 is short of +1");
    let m = a.metrics(1, &all(), 0.95).unwrap();
    assert_eq!((m.targeted.responders, m.control.responders), (1, 2)); // 1 of 1, 3, 5; 2 and 4
}

/// The uplift table's one-hot levels are compared as filters compare them: a specialty
/// spelled in capitals with spaces is the same column, and the table is the one the single
/// spelling gives.
#[test]
fn uplift_table_levels_ignore_case_and_spaces() {
    let base = uplift_table(&tiny(), 1).unwrap();
    let mut d = tiny();
    d.doctors[2].specialty = " CARDIOLOGY ".into(); // doctor 3; doctor 1 spells it first
    d.doctors[3].province = "ontario".into();
    let t = uplift_table(&d, 1).unwrap();
    assert_eq!(t.feature_names, base.feature_names);
    assert_eq!(t.features, base.features);
}

#[test]
fn campaign_filter_leaving_nobody() {
    let a = tiny_analytics();
    let none = DoctorFilter {
        provinces: vec!["Yukon".into()],
        ..all()
    };
    let e = a.metrics(1, &none, 0.95).unwrap_err();
    assert_eq!(e.code(), "empty_input");
    assert!(
        e.to_string()
            .contains("campaign 1 has no doctor that passes the filter"),
        "{e}"
    );
    // A campaign nobody was assigned to says so, whatever the filter.
    let mut d = tiny();
    d.targeting.retain(|t| t.campaign_id != 2);
    let b = CampaignAnalytics::with_outcome(d, OutcomeParams::default().pre_periods(2)).unwrap();
    let e = b.metrics(2, &all(), 0.95).unwrap_err();
    assert!(
        e.to_string().contains("campaign 2 has no targeting rows"),
        "{e}"
    );
    let p = a.campaigns(&none, &PageRequest::default()).unwrap();
    assert_eq!((p.total, p.data.len()), (0, 0));
    let p = a
        .top_responders(1, &none, &RankBy::RxIncrease, &PageRequest::default())
        .unwrap();
    assert_eq!((p.total, p.data.len()), (0, 0));
    assert!(a.rx_trend(1, &none).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Errors, one per case
// ---------------------------------------------------------------------------------------------

fn assert_code<T: std::fmt::Debug>(r: Result<T, Error>, code: &str) -> Error {
    let e = r.unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    e
}

#[test]
fn campaign_query_errors() {
    let a = tiny_analytics();
    let page = PageRequest::default();
    for e in [
        a.metrics(9, &all(), 0.95).unwrap_err(),
        a.rx_trend(9, &all()).unwrap_err(),
        a.top_responders(9, &all(), &RankBy::RxIncrease, &page)
            .unwrap_err(),
        a.window(9).unwrap_err(),
    ] {
        match e {
            Error::NotFound { what, key } => {
                assert_eq!((what.as_str(), key.as_str()), ("campaign", "9"))
            }
            other => panic!("expected not_found, got {other}"),
        }
    }
    let page0 = PageRequest {
        page: 0,
        per_page: 10,
    };
    let big = PageRequest {
        page: 1,
        per_page: 501,
    };
    assert_code(a.campaigns(&all(), &page0), "invalid_parameter");
    assert_code(a.campaigns(&all(), &big), "invalid_parameter");
    assert_code(
        a.top_responders(1, &all(), &RankBy::RxIncrease, &page0),
        "invalid_parameter",
    );
    assert_code(
        a.top_responders(1, &all(), &RankBy::RxIncrease, &big),
        "invalid_parameter",
    );
    let bad = DoctorFilter {
        tenure_min: Some(10.0),
        tenure_max: Some(1.0),
        ..all()
    };
    assert_code(a.campaigns(&bad, &page), "invalid_parameter");
    assert_code(a.metrics(1, &bad, 0.95), "invalid_parameter");
    assert_code(a.rx_trend(1, &bad), "invalid_parameter");
    assert_code(
        a.top_responders(1, &bad, &RankBy::RxIncrease, &page),
        "invalid_parameter",
    );
    for level in [0.0, 1.0, -0.5, f64::NAN] {
        assert_code(a.metrics(1, &all(), level), "invalid_parameter");
    }
    let e = assert_code(
        a.top_responders(1, &all(), &RankBy::uplift([(2, f64::NAN)]), &page),
        "invalid_parameter",
    );
    assert!(e.to_string().contains("doctor 2"));
}

#[test]
fn campaign_data_validation_errors() {
    // A reference to a doctor or campaign that is not there names its row, table and column,
    // with the reason a lenient read gives.
    let absent = |data: CampaignData, want: &str| {
        let e = assert_code(CampaignAnalytics::new(data), "invalid_value");
        assert_eq!(e.to_string(), want);
    };
    let mut d = tiny();
    d.targeting.push(target(77, 1, true));
    absent(
        d,
        "row 8, column `targeting.doctor_id`: invalid value \"77\": doctor 77 is not in the doctors table",
    );
    let mut d = tiny();
    d.targeting.push(target(1, 5, true));
    absent(
        d,
        "row 8, column `targeting.campaign_id`: invalid value \"5\": campaign 5 is not in the campaigns table",
    );
    let mut d = tiny();
    d.rx.push(rx(78, "P", 2024, 1, 1.0));
    let row = d.rx.len() - 1;
    absent(
        d,
        &format!("row {row}, column `rx.doctor_id`: invalid value \"78\": doctor 78 is not in the doctors table"),
    );

    let mut d = tiny();
    d.doctors.push(doctor(3, "Oncology", "Ontario", 1.0, 1.0));
    let e = assert_code(CampaignAnalytics::new(d), "invalid_value");
    assert!(e.to_string().contains("row 6") && e.to_string().contains("duplicate doctor"));
    let mut d = tiny();
    d.targeting.push(target(2, 1, false));
    let e = assert_code(CampaignAnalytics::new(d), "invalid_value");
    assert!(e.to_string().contains("targeting.doctor_id"));
    let mut d = tiny();
    d.rx[3].count = -1.0;
    let e = assert_code(CampaignAnalytics::new(d), "invalid_value");
    assert!(e.to_string().contains("row 3, column `rx.count`"));
    let mut d = tiny();
    d.doctors[0].tenure_years = f64::INFINITY;
    assert_code(CampaignAnalytics::new(d), "invalid_value");
    let mut d = tiny();
    d.campaigns[1].end_date = date(2024, 1, 1);
    let e = assert_code(CampaignAnalytics::new(d), "invalid_value");
    assert!(e.to_string().contains("campaigns.end_date"));
    let mut d = tiny();
    d.campaigns.push(d.campaigns[0].clone());
    assert_code(CampaignAnalytics::new(d), "invalid_value");
    assert_code(
        CampaignAnalytics::with_outcome(tiny(), OutcomeParams::default().pre_periods(0)),
        "invalid_parameter",
    );
    assert_code(
        CampaignAnalytics::with_outcome(tiny(), OutcomeParams::default().post_periods(Some(0))),
        "invalid_parameter",
    );
    // Empty data is valid and lists nothing.
    let a = CampaignAnalytics::new(CampaignData::default()).unwrap();
    assert_eq!(
        a.campaigns(&all(), &PageRequest::default()).unwrap().total,
        0
    );
    assert!(validate_campaign_data(&tiny()).is_ok());
}

#[test]
fn campaign_generator_param_errors() {
    let p = CampaignDemoParams::default();
    for bad in [
        p.clone().n_doctors(0),
        p.clone().n_campaigns(0),
        p.clone().n_campaigns(61),
        p.clone().pre_periods(0),
        p.clone().campaign_periods(0),
        p.clone().target_share(1.0),
        p.clone().target_share(f64::NAN),
        p.clone().effect_scale(-1.0),
        p.clone().first_period(date(1000, 1, 1)),
        p.clone().response(ResponseRule {
            min_increase: 0.0,
            rel_increase: 0.1,
        }),
    ] {
        assert_code(bad.check(), "invalid_parameter");
        assert_code(generate_campaign_data(&bad), "invalid_parameter");
    }
    assert!(p.check().is_ok());
}

// ---------------------------------------------------------------------------------------------
// Uplift table
// ---------------------------------------------------------------------------------------------

#[test]
fn campaign_uplift_table_known_answer_and_errors() {
    let t = uplift_table_with(&tiny(), 1, &OutcomeParams::default().pre_periods(2)).unwrap();
    assert_eq!(t.doctor_ids, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(t.treatment, vec![1, 1, 1, 0, 0, 0]);
    assert_eq!(t.rx_change, vec![5.0, 3.0, 1.0, 1.0, 0.0, 1.0]);
    assert_eq!(t.responded, vec![1, 1, 0, 1, 0, 1]);
    // 3 numeric + 3 specialties + 3 provinces, levels sorted.
    assert_eq!(
        t.feature_names,
        vec![
            "tenure_years",
            "baseline_rx",
            "pre_rx_mean",
            "specialty=Cardiology",
            "specialty=General Practice",
            "specialty=Oncology",
            "province=Alberta",
            "province=Ontario",
            "province=Quebec",
        ]
    );
    assert_eq!(t.schema.names(), t.feature_names);
    assert!(matches!(
        &t.schema.features[5].kind,
        FeatureKind::OneHot { source, level } if source == "specialty" && level == "Oncology"
    ));
    assert_eq!(
        t.features.row(1).to_vec(),
        vec![12.0, 40.0, 5.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]
    );
    assert_eq!(t.features.row(5)[2], 0.0);
    // Campaign 2 has two doctors.
    let t2 = uplift_table(&tiny(), 2).unwrap();
    assert_eq!((t2.len(), t2.product.as_str()), (2, "Q"));

    assert_code(uplift_table(&tiny(), 3), "not_found");
    let mut d = tiny();
    d.targeting.retain(|t| t.campaign_id != 2);
    assert_code(uplift_table(&d, 2), "empty_input");
    let mut d = tiny();
    d.targeting.push(target(50, 2, true));
    assert_code(uplift_table(&d, 2), "invalid_value");
}

#[test]
fn campaign_uplift_table_matches_analytics_on_generated_data() {
    let demo = demo(1_500, 3);
    let a = analytics_of(&demo);
    let t = uplift_table(&demo.data, 2).unwrap();
    assert_eq!(t.len(), 1_500);
    assert_eq!(t.features.ncols(), t.schema.len());
    // Each one-hot block has exactly one 1 per row.
    let n_spec = t
        .feature_names
        .iter()
        .filter(|n| n.starts_with("specialty="))
        .count();
    for row in t.features.rows() {
        let s: f64 = row.iter().skip(3).take(n_spec).sum();
        let p: f64 = row.iter().skip(3 + n_spec).sum();
        assert_eq!((s, p), (1.0, 1.0));
    }
    let page = PageRequest::new(1, 500).unwrap();
    let mut seen = 0;
    for k in 1..=3 {
        let p = a
            .top_responders(
                2,
                &all(),
                &RankBy::RxIncrease,
                &PageRequest { page: k, ..page },
            )
            .unwrap();
        for r in p.data {
            let i = t.doctor_ids.iter().position(|&d| d == r.doctor_id).unwrap();
            assert_eq!(t.features[[i, 2]], r.rx_pre);
            assert_eq!(t.rx_change[i], r.rx_change);
            assert_eq!(t.responded[i] == 1, r.responded);
            assert_eq!(t.treatment[i] == 1, r.targeted);
            seen += 1;
        }
    }
    assert_eq!(seen, 1_500);
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

#[test]
fn campaign_generator_is_deterministic() {
    let a = demo(400, 11);
    let b = demo(400, 11);
    assert_eq!(a, b);
    let c = demo(400, 12);
    assert_ne!(a.data.rx, c.data.rx);
    assert_eq!(a.data.campaigns, c.data.campaigns);
    assert_eq!(a.data.targeting.len(), 400 * 4);
    assert_eq!(a.truth.len(), 400 * 4);
    // Sample analytics use the same generator.
    let s = CampaignAnalytics::sample(5).unwrap();
    let d = generate_campaign_data(&CampaignDemoParams::default().seed(5)).unwrap();
    assert_eq!(s.data(), &d.data);
}

#[test]
fn campaign_generator_is_realistic() {
    let demo = demo(5_000, 21);
    let d = &demo.data;
    let products: Vec<&str> = d.campaigns.iter().map(|c| c.product.as_str()).collect();
    assert_eq!(products.len(), 4);
    let mut unique = products.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4);
    for c in &d.campaigns {
        assert!(c.end_date > c.start_date);
        assert!(d
            .rx
            .iter()
            .any(|r| r.product == c.product && r.period < c.start_date));
    }
    let specialties: std::collections::BTreeSet<&str> =
        d.doctors.iter().map(|x| x.specialty.as_str()).collect();
    let provinces: std::collections::BTreeSet<&str> =
        d.doctors.iter().map(|x| x.province.as_str()).collect();
    assert!(specialties.len() >= 8 && specialties.contains("Cardiology"));
    assert!(provinces.len() >= 9 && provinces.contains("Ontario"));
    assert!(d
        .doctors
        .iter()
        .all(|x| x.tenure_years >= 1.0 && x.tenure_years <= 45.0));
    assert!(d.doctors.iter().all(|x| x.baseline_rx > 0.0));
    assert!(d
        .rx
        .iter()
        .all(|r| r.count >= 1.0 && r.count.fract() == 0.0));
    // Cardiologists write far more Cardiovex than dermatologists.
    let mean_by = |spec: &str| {
        let ids: std::collections::HashSet<u64> = d
            .doctors
            .iter()
            .filter(|x| x.specialty == spec)
            .map(|x| x.doctor_id)
            .collect();
        let total: f64 =
            d.rx.iter()
                .filter(|r| r.product == "Cardiovex" && ids.contains(&r.doctor_id))
                .map(|r| r.count)
                .sum();
        total / ids.len() as f64
    };
    assert!(mean_by("Cardiology") > 10.0 * mean_by("Dermatology"));
}

#[test]
fn campaign_randomisation_is_balanced() {
    let demo = demo(20_000, 8);
    for c in 1..=4 {
        let t = uplift_table(&demo.data, c).unwrap();
        let nt = t.treatment.iter().filter(|&&x| x == 1).count() as f64;
        let share = nt / t.len() as f64;
        assert!(
            (share - 0.5).abs() < 0.015,
            "campaign {c}: targeted share {share}"
        );
        // Standardised mean differences of every feature below 0.05.
        for (j, name) in t.feature_names.iter().enumerate() {
            let col = t.features.column(j);
            let (mut s, mut ss) = ([0.0; 2], [0.0; 2]);
            let mut n = [0.0; 2];
            for (v, &g) in col.iter().zip(&t.treatment) {
                let g = g as usize;
                n[g] += 1.0;
                s[g] += v;
                ss[g] += v * v;
            }
            let mean = [s[0] / n[0], s[1] / n[1]];
            let var = [
                ss[0] / n[0] - mean[0].powi(2),
                ss[1] / n[1] - mean[1].powi(2),
            ];
            let pooled = ((var[0] + var[1]) / 2.0).sqrt();
            if pooled > 0.0 {
                let smd = (mean[1] - mean[0]) / pooled;
                assert!(smd.abs() < 0.05, "campaign {c} {name}: smd {smd}");
            }
        }
    }
}

#[test]
fn campaign_truth_is_heterogeneous_and_consistent() {
    let demo = demo(20_000, 4);
    let n = demo.data.doctors.len();
    for c in 1..=4u64 {
        let tr = demo.truth_for(c);
        assert_eq!(tr.len(), n);
        let eff: Vec<f64> = tr.iter().map(|t| t.true_effect_rx).collect();
        let mean = eff.iter().sum::<f64>() / n as f64;
        let sd = (eff.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!(mean > 1.0 && mean < 5.0, "campaign {c}: mean effect {mean}");
        assert!(sd > mean, "campaign {c}: sd {sd} vs mean {mean}");
        assert!(
            eff.iter().any(|&e| e < 0.0),
            "some doctors react negatively"
        );
        for t in tr {
            assert!((0.0..=1.0).contains(&t.p_response_control));
            assert!((0.0..=1.0).contains(&t.p_response_treated));
            assert!(close(
                t.true_effect_response_prob,
                t.p_response_treated - t.p_response_control,
                1e-12
            ));
            assert_eq!(t.true_effect_rx > 0.0, t.lift > 0.0);
        }
        // The exact response probabilities match the observed response rates.
        let table = uplift_table_with(&demo.data, c, &demo.outcome).unwrap();
        for g in [0u8, 1u8] {
            let (mut obs, mut exp, mut k) = (0.0, 0.0, 0.0);
            for (i, t) in tr.iter().enumerate() {
                if table.treatment[i] == g {
                    obs += table.responded[i] as f64;
                    exp += if g == 1 {
                        t.p_response_treated
                    } else {
                        t.p_response_control
                    };
                    k += 1.0;
                }
            }
            let (obs, exp) = (obs / k, exp / k);
            assert!(
                (obs - exp).abs() < 0.015,
                "campaign {c} group {g}: {obs} vs {exp}"
            );
        }
        assert!(tr
            .iter()
            .zip(&table.treatment)
            .all(|(t, &g)| t.targeted == (g == 1)));
    }
    // The product's specialty responds more than generalists, who respond more than others.
    let by = |spec: &str| {
        let f = DoctorFilter {
            specialties: vec![spec.into()],
            ..all()
        };
        demo.average_effect(1, &f).unwrap().effect_response_prob
    };
    assert!(by("Cardiology") > by("General Practice"));
    assert!(by("General Practice") > 3.0 * by("Dermatology"));
    assert_code(demo.average_effect(9, &all()), "not_found");
    let nobody = DoctorFilter {
        provinces: vec!["Yukon".into()],
        ..all()
    };
    assert_code(demo.average_effect(1, &nobody), "empty_input");
}

#[test]
fn campaign_effect_scale_zero_means_no_effect() {
    let p = CampaignDemoParams::default()
        .n_doctors(300)
        .effect_scale(0.0);
    let demo = generate_campaign_data(&p).unwrap();
    assert!(demo
        .truth
        .iter()
        .all(|t| t.true_effect_rx == 0.0 && t.true_effect_response_prob == 0.0));
}

// ---------------------------------------------------------------------------------------------
// Estimates against the truth
// ---------------------------------------------------------------------------------------------

#[test]
fn campaign_did_recovers_true_effect_at_20k() {
    let demo = demo(20_000, 2024);
    let a = analytics_of(&demo);
    for c in [1, 2] {
        let m = a.metrics(c, &all(), 0.95).unwrap();
        let truth = demo.average_effect(c, &all()).unwrap();
        let lift = m.lift.unwrap();
        assert!(
            lift.ci_low <= truth.effect_rx && truth.effect_rx <= lift.ci_high,
            "campaign {c}: true {} outside [{}, {}]",
            truth.effect_rx,
            lift.ci_low,
            lift.ci_high
        );
        assert!(lift.ci_low > 0.0, "campaign {c}: effect detected");
        let r = m.response_rate_diff.unwrap();
        assert!(
            r.ci_low <= truth.effect_response_prob && truth.effect_response_prob <= r.ci_high,
            "campaign {c}: true response effect {} outside [{}, {}]",
            truth.effect_response_prob,
            r.ci_low,
            r.ci_high
        );
    }
    // Within a subgroup too.
    let f = DoctorFilter {
        specialties: vec!["Cardiology".into()],
        ..all()
    };
    let m = a.metrics(1, &f, 0.95).unwrap().lift.unwrap();
    let truth = demo.average_effect(1, &f).unwrap().effect_rx;
    assert!(m.ci_low <= truth && truth <= m.ci_high, "{truth} vs {m:?}");
}

#[test]
fn campaign_ci_shrinks_with_n_and_contains_estimate() {
    let se = |n: usize| {
        let d = demo(n, 77);
        let m = analytics_of(&d).metrics(1, &all(), 0.95).unwrap();
        let l = m.lift.unwrap();
        assert!(l.ci_low < l.estimate && l.estimate < l.ci_high);
        let r = m.response_rate_diff.unwrap();
        assert!(r.ci_low < r.estimate && r.estimate < r.ci_high);
        (l.ci_high - l.ci_low, r.ci_high - r.ci_low)
    };
    let (small_l, small_r) = se(1_000);
    let (big_l, big_r) = se(8_000);
    // Width scales as 1 / sqrt(n): a factor of about 2.8 for 8x the doctors.
    assert!(
        small_l / big_l > 2.0 && small_l / big_l < 4.0,
        "{small_l} {big_l}"
    );
    assert!(
        small_r / big_r > 2.0 && small_r / big_r < 4.0,
        "{small_r} {big_r}"
    );
}

#[test]
fn campaign_ci_coverage_over_seeds() {
    let (mut covered, mut total) = (0, 0);
    let (mut covered_r, mut sum_width) = (0, 0.0);
    for seed in 0..20 {
        let d = demo(1_200, 1_000 + seed);
        let a = analytics_of(&d);
        for c in 1..=4 {
            let m = a.metrics(c, &all(), 0.95).unwrap();
            let truth = d.average_effect(c, &all()).unwrap();
            let l = m.lift.unwrap();
            covered += usize::from(l.ci_low <= truth.effect_rx && truth.effect_rx <= l.ci_high);
            let r = m.response_rate_diff.unwrap();
            covered_r += usize::from(
                r.ci_low <= truth.effect_response_prob && truth.effect_response_prob <= r.ci_high,
            );
            sum_width += l.ci_high - l.ci_low;
            total += 1;
        }
    }
    let cov = covered as f64 / total as f64;
    let cov_r = covered_r as f64 / total as f64;
    assert!(cov >= 0.85, "lift coverage {cov}");
    assert!(cov_r >= 0.85, "response coverage {cov_r}");
    // Not trivially wide: the mean width is well below the average effect's scale (> 1).
    assert!(
        sum_width / (total as f64) < 3.0,
        "{}",
        sum_width / total as f64
    );
}

#[test]
fn campaign_oracle_qini_at_50k() {
    let t0 = std::time::Instant::now();
    let demo = demo(50_000, 1);
    let elapsed = t0.elapsed();
    assert!(elapsed.as_secs_f64() < 20.0, "generation took {elapsed:?}");
    assert_eq!(demo.data.doctors.len(), 50_000);
    let mut qinis = HashMap::new();
    for c in 1..=4u64 {
        let t = uplift_table_with(&demo.data, c, &demo.outcome).unwrap();
        let tau: Vec<f64> = demo
            .truth_for(c)
            .iter()
            .map(|x| x.true_effect_response_prob)
            .collect();
        let oracle = qini(&tau, &t.treatment, &t.responded);
        // A score unrelated to the effect (the doctor id) ranks no better than chance.
        let ids: Vec<f64> = t.doctor_ids.iter().map(|&i| i as f64).collect();
        let random = qini(&ids, &t.treatment, &t.responded);
        assert!(
            random.abs() < 0.015,
            "campaign {c}: id-ranked qini {random}"
        );
        // Observable features alone (the pre-period volume) already rank better than chance.
        let pre: Vec<f64> = t.features.column(2).to_vec();
        assert!(qini(&pre, &t.treatment, &t.responded) > 0.01);
        qinis.insert(c, oracle);
    }
    assert!(
        qinis[&1] > 0.085 && qinis[&1] < 0.11,
        "campaign 1 oracle qini {}",
        qinis[&1]
    );
    for (c, q) in &qinis {
        assert!(*q > 0.06 && *q < 0.11, "campaign {c} oracle qini {q}");
    }
    let a = analytics_of(&demo);
    assert_eq!(
        a.campaigns(&all(), &PageRequest::default()).unwrap().data[0].targeted_doctors
            + a.campaigns(&all(), &PageRequest::default()).unwrap().data[0].control_doctors,
        50_000
    );
}

#[test]
fn unpaginated_responders_are_the_pages_joined_and_product_responders_responded() {
    let a = CampaignAnalytics::sample(5).unwrap();
    let all = a
        .responders(1, &DoctorFilter::default(), &RankBy::RxIncrease)
        .unwrap();
    let mut paged = Vec::new();
    let mut page = 1;
    loop {
        let p = a
            .top_responders(
                1,
                &DoctorFilter::default(),
                &RankBy::RxIncrease,
                &PageRequest::new(page, 7).unwrap(),
            )
            .unwrap();
        assert_eq!(p.total, all.len());
        let pages = p.pages();
        paged.extend(p.data);
        if page >= pages {
            break;
        }
        page += 1;
    }
    assert_eq!(paged, all);
    assert!(all
        .windows(2)
        .all(|w| w[0].score >= w[1].score && w[0].rank + 1 == w[1].rank));

    let product = a.data().campaigns[0].product.clone();
    let ids = a.product_responders(&product).unwrap();
    assert!(!ids.is_empty());
    let responded: std::collections::HashSet<u64> = a
        .data()
        .campaigns
        .iter()
        .filter(|c| c.product == product)
        .flat_map(|c| {
            a.responders(c.campaign_id, &DoctorFilter::default(), &RankBy::RxIncrease)
                .unwrap()
        })
        .filter(|r| r.responded && r.targeted)
        .map(|r| r.doctor_id)
        .collect();
    assert_eq!(
        ids.iter()
            .copied()
            .collect::<std::collections::HashSet<_>>(),
        responded
    );
    let e = a.product_responders("NoSuchProduct").unwrap_err();
    assert_eq!(e.code(), "not_found");
}
