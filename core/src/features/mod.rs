//! Feature encoding: from typed records to a numeric matrix, with the schema that every
//! model stores.
//!
//! A [`FeatureSchema`] names the features a model was trained on, in order, with their kind.
//! It is saved inside every model artifact; data encoded under a different schema is refused
//! with [`Error::SchemaMismatch`].

pub mod optometry;
pub mod scaler;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use optometry::{encode_appointments, optometry_schema, OPTOMETRY_FEATURES};
pub use scaler::StandardScaler;

/// The kind of one feature column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeatureKind {
    /// A real number.
    Numeric,
    /// A 0/1 flag.
    Binary,
    /// A one-hot indicator of `level` within the categorical column `source`.
    OneHot {
        /// The original categorical column.
        source: String,
        /// The level this column indicates.
        level: String,
    },
}

/// One feature column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Column name.
    pub name: String,
    /// Column kind.
    pub kind: FeatureKind,
}

/// The ordered list of features a model expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSchema {
    /// Schema identifier, e.g. `optometry-v1`, or `generic` for raw arrays.
    pub name: String,
    /// Features in column order.
    pub features: Vec<FeatureSpec>,
}

impl FeatureSchema {
    /// A schema of numeric features with the given names.
    pub fn numeric(name: impl Into<String>, names: &[&str]) -> Self {
        FeatureSchema {
            name: name.into(),
            features: names
                .iter()
                .map(|n| FeatureSpec {
                    name: n.to_string(),
                    kind: FeatureKind::Numeric,
                })
                .collect(),
        }
    }

    /// A generic schema `x0, x1, ...` for raw arrays without column names.
    pub fn generic(n_features: usize) -> Self {
        FeatureSchema {
            name: "generic".into(),
            features: (0..n_features)
                .map(|i| FeatureSpec {
                    name: format!("x{i}"),
                    kind: FeatureKind::Numeric,
                })
                .collect(),
        }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when there are no features.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Feature names in order.
    pub fn names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name.clone()).collect()
    }

    /// Checks that data encoded under `found` can be scored by a model trained under `self`.
    pub fn check_compatible(&self, found: &FeatureSchema) -> Result<()> {
        if self.features != found.features {
            return Err(Error::SchemaMismatch {
                expected: self.names(),
                found: found.names(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_is_typed() {
        let a = FeatureSchema::numeric("s", &["age", "days"]);
        let b = FeatureSchema::numeric("s", &["days", "age"]);
        let e = a.check_compatible(&b).unwrap_err();
        assert_eq!(e.code(), "schema_mismatch");
        assert!(a.check_compatible(&a.clone()).is_ok());
        assert_eq!(FeatureSchema::generic(2).names(), vec!["x0", "x1"]);
    }
}
