//! The doctor filters of the campaign API: specialties, provinces, tenure and Rx ranges and
//! campaign target.

use serde::{Deserialize, Serialize};

use crate::data::campaign::Doctor;
use crate::error::{Error, Result};

/// Filters on doctors. Empty lists and `None` bounds match everything; bounds are inclusive;
/// specialty and province match case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DoctorFilter {
    /// Keep these specialties (any of).
    pub specialties: Vec<String>,
    /// Keep these provinces (any of).
    pub provinces: Vec<String>,
    /// Minimum tenure in years.
    pub tenure_min: Option<f64>,
    /// Maximum tenure in years.
    pub tenure_max: Option<f64>,
    /// Minimum baseline Rx volume.
    pub min_rx: Option<f64>,
    /// Maximum baseline Rx volume.
    pub max_rx: Option<f64>,
    /// Keep only targeted (`Some(true)`) or control (`Some(false)`) doctors of the campaign
    /// in question; ignored where there is no campaign.
    pub campaign_target: Option<bool>,
}

/// Whether two spellings name the same specialty or province: compared after trimming, with
/// Unicode case folding (`QUÉBEC` is `Québec`), as the recommender matches levels.
pub(crate) fn same_level(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The key two spellings of one specialty or province share ([`same_level`]'s comparison):
/// trimmed and Unicode lower-cased.
pub(crate) fn level_key(s: &str) -> String {
    let t = s.trim();
    if t.is_ascii() {
        t.to_ascii_lowercase()
    } else {
        t.to_lowercase()
    }
}

/// The distinct levels of a doctor attribute as one-hot encoders take them: spellings that
/// [`same_level`] equates are one level, spelled (trimmed) as the doctor with the smallest
/// id spells it, as the recommender spells derived levels; sorted by that spelling.
pub(crate) fn distinct_levels<'a>(doctors: impl Iterator<Item = (u64, &'a str)>) -> Vec<String> {
    let mut first: std::collections::HashMap<String, (u64, &'a str)> =
        std::collections::HashMap::new();
    for (id, raw) in doctors {
        first
            .entry(level_key(raw))
            .and_modify(|e| {
                if id < e.0 {
                    *e = (id, raw);
                }
            })
            .or_insert((id, raw));
    }
    let mut levels: Vec<String> = first
        .into_values()
        .map(|(_, s)| s.trim().to_string())
        .collect();
    levels.sort_unstable();
    levels
}

impl DoctorFilter {
    /// Validates the filter: bounds must be finite and min <= max; a listed specialty or
    /// province must not be empty (it would match nobody: an empty list is "no filter").
    pub fn check(&self) -> Result<()> {
        for (name, list) in [
            ("specialties", &self.specialties),
            ("provinces", &self.provinces),
        ] {
            if let Some(i) = list.iter().position(|v| v.trim().is_empty()) {
                return Err(Error::invalid_param(
                    format!("{name}[{i}]"),
                    format!("{:?}", list[i]),
                    "is empty: name a level, or leave the list empty for no filter",
                ));
            }
        }
        for (name, v) in [
            ("tenure_min", self.tenure_min),
            ("tenure_max", self.tenure_max),
            ("min_rx", self.min_rx),
            ("max_rx", self.max_rx),
        ] {
            if let Some(v) = v {
                if !v.is_finite() {
                    return Err(Error::invalid_param(name, v, "must be finite"));
                }
            }
        }
        if let (Some(a), Some(b)) = (self.tenure_min, self.tenure_max) {
            if a > b {
                return Err(Error::invalid_param(
                    "tenure_min",
                    a,
                    format!("is above tenure_max {b}"),
                ));
            }
        }
        if let (Some(a), Some(b)) = (self.min_rx, self.max_rx) {
            if a > b {
                return Err(Error::invalid_param(
                    "min_rx",
                    a,
                    format!("is above max_rx {b}"),
                ));
            }
        }
        Ok(())
    }

    /// True when the doctor passes every filter except `campaign_target` (which needs the
    /// campaign's targeting; see [`DoctorFilter::matches_target`]).
    pub fn matches(&self, d: &Doctor) -> bool {
        let in_list =
            |list: &[String], v: &str| list.is_empty() || list.iter().any(|s| same_level(s, v));
        in_list(&self.specialties, &d.specialty)
            && in_list(&self.provinces, &d.province)
            && self.tenure_min.is_none_or(|m| d.tenure_years >= m)
            && self.tenure_max.is_none_or(|m| d.tenure_years <= m)
            && self.min_rx.is_none_or(|m| d.baseline_rx >= m)
            && self.max_rx.is_none_or(|m| d.baseline_rx <= m)
    }

    /// True when `targeted` passes the `campaign_target` filter.
    pub fn matches_target(&self, targeted: bool) -> bool {
        self.campaign_target.is_none_or(|t| t == targeted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Doctor {
        Doctor {
            doctor_id: 1,
            specialty: "Cardiology".into(),
            province: "Ontario".into(),
            tenure_years: 10.0,
            baseline_rx: 50.0,
        }
    }

    #[test]
    fn filters_match() {
        let mut f = DoctorFilter::default();
        assert!(f.matches(&doc()));
        f.specialties = vec!["oncology".into(), "cardiology".into()];
        assert!(f.matches(&doc()));
        f.tenure_min = Some(11.0);
        assert!(!f.matches(&doc()));
        f.tenure_min = Some(10.0);
        f.max_rx = Some(49.9);
        assert!(!f.matches(&doc()));
        f.campaign_target = Some(true);
        assert!(f.matches_target(true) && !f.matches_target(false));
    }

    #[test]
    fn bad_bounds_are_typed() {
        let f = DoctorFilter {
            tenure_min: Some(5.0),
            tenure_max: Some(1.0),
            ..Default::default()
        };
        assert_eq!(f.check().unwrap_err().code(), "invalid_parameter");
        let f = DoctorFilter {
            min_rx: Some(f64::NAN),
            ..Default::default()
        };
        assert_eq!(f.check().unwrap_err().code(), "invalid_parameter");
        let f = DoctorFilter {
            provinces: vec!["Ontario".into(), "  ".into()],
            ..Default::default()
        };
        assert_eq!(
            f.check().unwrap_err().to_string(),
            "invalid parameter `provinces[1]` = \"  \": is empty: name a level, or leave the list empty for no filter"
        );
    }

    #[test]
    fn levels_match_with_unicode_case_folding() {
        let d = Doctor {
            province: "Québec".into(),
            ..doc()
        };
        for spelling in ["QUÉBEC", " québec ", "Québec"] {
            let f = DoctorFilter {
                provinces: vec![spelling.into()],
                ..Default::default()
            };
            assert!(f.matches(&d), "{spelling}");
        }
        let f = DoctorFilter {
            provinces: vec!["Quebec".into()],
            ..Default::default()
        };
        assert!(!f.matches(&d), "an accent is a different letter");
    }
}
