//! The eight optometry features of the purchase models.

use ndarray::Array2;

use crate::data::Appointment;
use crate::features::{FeatureKind, FeatureSchema, FeatureSpec};

/// Feature names in column order: age, days since last purchase, then the six Y/N flags.
pub const OPTOMETRY_FEATURES: [&str; 8] = [
    "age",
    "days_since_last_purchase",
    "employed",
    "benefits",
    "driver",
    "vdu_user",
    "varifocal",
    "high_prescription",
];

/// Schema name of the optometry encoding.
pub const OPTOMETRY_SCHEMA: &str = "optometry-v1";

/// The schema of [`encode_appointments`].
pub fn optometry_schema() -> FeatureSchema {
    FeatureSchema {
        name: OPTOMETRY_SCHEMA.into(),
        features: OPTOMETRY_FEATURES
            .iter()
            .enumerate()
            .map(|(i, n)| FeatureSpec {
                name: n.to_string(),
                kind: if i < 2 {
                    FeatureKind::Numeric
                } else {
                    FeatureKind::Binary
                },
            })
            .collect(),
    }
}

/// Encodes one appointment as its 8 feature values (flags as 0/1).
pub fn encode_one(a: &Appointment) -> [f64; 8] {
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    [
        a.age,
        a.days_since_last_purchase,
        b(a.employed),
        b(a.benefits),
        b(a.driver),
        b(a.vdu_user),
        b(a.varifocal),
        b(a.high_prescription),
    ]
}

/// Encodes appointments as an `n x 8` matrix in [`OPTOMETRY_FEATURES`] order.
///
/// Records built by the ingest functions are already validated; values are copied as they
/// are, so callers constructing records by hand should validate them
/// (see [`crate::data::validate_appointment`]).
pub fn encode_appointments(rows: &[Appointment]) -> Array2<f64> {
    let mut x = Array2::zeros((rows.len(), 8));
    for (i, a) in rows.iter().enumerate() {
        for (j, v) in encode_one(a).into_iter().enumerate() {
            x[[i, j]] = v;
        }
    }
    x
}
