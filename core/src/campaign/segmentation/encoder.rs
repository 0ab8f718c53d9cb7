//! Doctor feature encoding for segmentation: standardised numeric columns plus one-hot
//! specialty and province.

use std::collections::HashMap;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::campaign::Doctor;
use crate::data::filter::{distinct_levels, level_key};
use crate::error::{check_finite, Error, Result};
use crate::features::{FeatureKind, FeatureSchema, FeatureSpec, StandardScaler};

/// Schema name written in segmentation artifacts.
pub(crate) const SCHEMA_NAME: &str = "doctor-segmentation-v1";

/// The encoding learned at fit time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DoctorEncoder {
    /// Names of the extra numeric columns, after `tenure_years` and `baseline_rx`.
    pub extra_names: Vec<String>,
    /// Scaler over `[tenure_years, baseline_rx, extras...]`.
    pub scaler: StandardScaler,
    /// Specialty levels seen at fit time, sorted.
    pub specialties: Vec<String>,
    /// Province levels seen at fit time, sorted.
    pub provinces: Vec<String>,
}

/// Raw numeric matrix `[tenure_years, baseline_rx, extras...]`, validated.
fn numeric(
    doctors: &[Doctor],
    extra_names: &[String],
    extra: Option<ArrayView2<'_, f64>>,
) -> Result<Array2<f64>> {
    let n_extra = extra_names.len();
    let found = extra.as_ref().map_or(0, |e| e.ncols());
    if found != n_extra {
        return Err(Error::shape("extra numeric columns", n_extra, found));
    }
    if let Some(e) = extra.as_ref() {
        if e.nrows() != doctors.len() {
            return Err(Error::shape(
                "rows of the extra numeric columns",
                doctors.len(),
                e.nrows(),
            ));
        }
        check_finite(*e, Some(extra_names))?;
    }
    let mut x = Array2::zeros((doctors.len(), 2 + n_extra));
    for (row, d) in doctors.iter().enumerate() {
        d.validate(row, "")?;
        x[[row, 0]] = d.tenure_years;
        x[[row, 1]] = d.baseline_rx;
        if let Some(e) = extra.as_ref() {
            for j in 0..n_extra {
                x[[row, 2 + j]] = e[[row, j]];
            }
        }
    }
    Ok(x)
}

impl DoctorEncoder {
    /// Learns levels and scaling from the training doctors.
    pub fn fit(
        doctors: &[Doctor],
        extra_names: &[String],
        extra: Option<ArrayView2<'_, f64>>,
    ) -> Result<Self> {
        if doctors.is_empty() {
            return Err(Error::empty("no doctors to segment"));
        }
        let x = numeric(doctors, extra_names, extra)?;
        let scaler = StandardScaler::fit(x.view())?;
        let levels = |f: fn(&Doctor) -> &str| -> Vec<String> {
            distinct_levels(doctors.iter().map(|d| (d.doctor_id, f(d))))
        };
        Ok(DoctorEncoder {
            extra_names: extra_names.to_vec(),
            scaler,
            specialties: levels(|d| &d.specialty),
            provinces: levels(|d| &d.province),
        })
    }

    /// Number of numeric columns.
    pub fn n_numeric(&self) -> usize {
        2 + self.extra_names.len()
    }

    /// Number of encoded features.
    pub fn n_features(&self) -> usize {
        self.n_numeric() + self.specialties.len() + self.provinces.len()
    }

    /// The feature schema of the encoded matrix.
    pub fn schema(&self) -> FeatureSchema {
        let mut features: Vec<FeatureSpec> = ["tenure_years", "baseline_rx"]
            .iter()
            .map(|s| s.to_string())
            .chain(self.extra_names.iter().cloned())
            .map(|name| FeatureSpec {
                name,
                kind: FeatureKind::Numeric,
            })
            .collect();
        for (source, levels) in [
            ("specialty", &self.specialties),
            ("province", &self.provinces),
        ] {
            for l in levels {
                features.push(FeatureSpec {
                    name: format!("{source}={l}"),
                    kind: FeatureKind::OneHot {
                        source: source.to_string(),
                        level: l.clone(),
                    },
                });
            }
        }
        FeatureSchema {
            name: SCHEMA_NAME.to_string(),
            features,
        }
    }

    /// Encodes doctors: standardised numeric columns, then one-hot specialty and province.
    /// A category not seen at fit time encodes as all zeros.
    pub fn encode(
        &self,
        doctors: &[Doctor],
        extra: Option<ArrayView2<'_, f64>>,
    ) -> Result<Array2<f64>> {
        let raw = numeric(doctors, &self.extra_names, extra)?;
        let scaled = self.scaler.transform(raw.view())?;
        let p = self.n_numeric();
        let mut x = Array2::zeros((doctors.len(), self.n_features()));
        for ((i, j), v) in scaled.indexed_iter() {
            x[[i, j]] = *v;
        }
        let off_prov = p + self.specialties.len();
        // Levels by their folded key (the first of an old artifact's levels that differ
        // only by case takes the doctors).
        let columns = |levels: &[String], offset: usize| -> HashMap<String, usize> {
            let mut cols = HashMap::with_capacity(levels.len());
            for (j, l) in levels.iter().enumerate() {
                cols.entry(level_key(l)).or_insert(offset + j);
            }
            cols
        };
        let (spec_col, prov_col) = (
            columns(&self.specialties, p),
            columns(&self.provinces, off_prov),
        );
        for (row, d) in doctors.iter().enumerate() {
            if let Some(&j) = spec_col.get(&level_key(&d.specialty)) {
                x[[row, j]] = 1.0;
            }
            if let Some(&j) = prov_col.get(&level_key(&d.province)) {
                x[[row, j]] = 1.0;
            }
        }
        Ok(x)
    }

    /// Checks internal consistency after loading an artifact.
    pub fn validate(&self) -> Result<()> {
        if !self.scaler.is_valid(self.n_numeric()) {
            return Err(Error::artifact(
                "segmentation scaler: expected one finite mean and one finite positive scale \
                 per numeric column",
            ));
        }
        for levels in [&self.specialties, &self.provinces] {
            if levels.windows(2).any(|w| w[0] >= w[1]) {
                return Err(Error::artifact(
                    "segmentation category levels must be sorted and distinct",
                ));
            }
        }
        Ok(())
    }
}
