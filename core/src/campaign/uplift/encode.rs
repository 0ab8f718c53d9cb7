//! Encoding new doctors for scoring under a trained uplift table's schema.

use ndarray::Array2;

use crate::data::campaign::Doctor;
use crate::data::filter::same_level;
use crate::error::{Error, Location, Result};
use crate::features::{FeatureKind, FeatureSchema};

/// Encodes doctors to score under `schema` (the schema of an
/// [`UpliftTable`](crate::data::campaign_demo::UpliftTable), e.g. a trained forest's
/// [`schema()`](super::UpliftForest::schema)); `pre_rx_mean[i]` is doctor `i`'s pre-window
/// mean monthly Rx of the campaign's product.
///
/// Numeric columns `tenure_years`, `baseline_rx` and `pre_rx_mean` are copied; one-hot
/// columns `specialty=<level>` and `province=<level>` are 1 for the doctor's level, compared
/// as filters compare levels (trimmed, case-insensitively; whether
/// the schema marks them one-hot or, as a forest fitted on a host's frame of the table does,
/// numeric columns named so). **A
/// specialty or province not seen in training gets an all-zero one-hot block** (the doctor
/// is treated like the trees' "none of the known levels" side of every one-hot split), never
/// an error.
///
/// Errors: `pre_rx_mean` of another length -> [`Error::ShapeMismatch`]; a non-finite
/// numeric value -> [`Error::InvalidValue`] naming the row and column; a schema column this
/// encoder cannot produce -> [`Error::SchemaMismatch`].
///
/// ```
/// use optocom_core::campaign::encode_doctors;
/// use optocom_core::data::campaign::Doctor;
/// use optocom_core::features::{FeatureKind, FeatureSchema, FeatureSpec};
/// let mut schema = FeatureSchema::numeric("campaign-uplift-v1", &["tenure_years", "baseline_rx", "pre_rx_mean"]);
/// schema.features.push(FeatureSpec {
///     name: "specialty=Cardiology".into(),
///     kind: FeatureKind::OneHot { source: "specialty".into(), level: "Cardiology".into() },
/// });
/// let doc = Doctor { doctor_id: 9, specialty: "Podiatry".into(), province: "Yukon".into(),
///                    tenure_years: 4.0, baseline_rx: 50.0 };
/// let x = encode_doctors(&schema, &[doc], &[3.5])?;
/// assert_eq!(x.row(0).to_vec(), vec![4.0, 50.0, 3.5, 0.0]); // unseen specialty: all zero
/// # Ok::<(), optocom_core::Error>(())
/// ```
pub fn encode_doctors(
    schema: &FeatureSchema,
    doctors: &[Doctor],
    pre_rx_mean: &[f64],
) -> Result<Array2<f64>> {
    if pre_rx_mean.len() != doctors.len() {
        return Err(Error::shape(
            "pre_rx_mean length",
            doctors.len(),
            pre_rx_mean.len(),
        ));
    }
    enum Col<'a> {
        Tenure,
        Baseline,
        PreRx,
        Specialty(&'a str),
        Province(&'a str),
    }
    let mut cols = Vec::with_capacity(schema.len());
    for f in &schema.features {
        let col = match (&f.kind, f.name.as_str()) {
            (FeatureKind::Numeric, "tenure_years") => Col::Tenure,
            (FeatureKind::Numeric, "baseline_rx") => Col::Baseline,
            (FeatureKind::Numeric, "pre_rx_mean") => Col::PreRx,
            (FeatureKind::OneHot { source, level }, _) if source == "specialty" => {
                Col::Specialty(level)
            }
            (FeatureKind::OneHot { source, level }, _) if source == "province" => {
                Col::Province(level)
            }
            // The same columns by name, as a host's frame of an uplift table has them (a
            // forest fitted in Python on `uplift_table()`'s columns sees plain numbers).
            (FeatureKind::Numeric, name) if name.starts_with("specialty=") => {
                Col::Specialty(&name["specialty=".len()..])
            }
            (FeatureKind::Numeric, name) if name.starts_with("province=") => {
                Col::Province(&name["province=".len()..])
            }
            _ => {
                return Err(Error::SchemaMismatch {
                    expected: schema.names(),
                    found: vec![
                        "tenure_years".into(),
                        "baseline_rx".into(),
                        "pre_rx_mean".into(),
                        "specialty=<level>".into(),
                        "province=<level>".into(),
                    ],
                })
            }
        };
        cols.push(col);
    }
    let mut x = Array2::zeros((doctors.len(), schema.len()));
    for (row, (d, &pre)) in doctors.iter().zip(pre_rx_mean).enumerate() {
        for (name, v) in [
            ("tenure_years", d.tenure_years),
            ("baseline_rx", d.baseline_rx),
            ("pre_rx_mean", pre),
        ] {
            if !v.is_finite() {
                return Err(Error::invalid_value(
                    Location::Row { row },
                    name,
                    v.to_string(),
                    "must be finite",
                ));
            }
        }
        for (j, c) in cols.iter().enumerate() {
            x[[row, j]] = match c {
                Col::Tenure => d.tenure_years,
                Col::Baseline => d.baseline_rx,
                Col::PreRx => pre,
                Col::Specialty(l) => f64::from(u8::from(same_level(&d.specialty, l))),
                Col::Province(l) => f64::from(u8::from(same_level(&d.province, l))),
            };
        }
    }
    Ok(x)
}
