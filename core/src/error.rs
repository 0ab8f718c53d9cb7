//! The one error type of optocom.
//!
//! Variants are grouped by what a caller can act on, not by where the error happened. Every
//! variant has a stable [`Error::code`] string that the bindings expose unchanged (Python maps
//! each code to one exception class, Node and the browser set `error.code`).
//!
//! Errors about input data carry a [`Location`] (file line and record, in-memory row, or
//! workbook sheet and row), the column and the offending value, and say all three in
//! `Display`:
//!
//! ```
//! use optocom_core::{Error, Location};
//! let e = Error::InvalidValue {
//!     location: Location::Line { line: 7, record: 6 },
//!     column: "age".into(),
//!     value: "-3".into(),
//!     reason: "must be between 0 and 120".into(),
//! };
//! assert_eq!(e.code(), "invalid_value");
//! assert_eq!(e.to_string(), "line 7 (record 6), column `age`: invalid value \"-3\": must be between 0 and 120");
//! ```

use std::fmt;

/// Result alias used throughout optocom.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in the input a bad value was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A line of a text file (1-based, the header is line 1) and its data record number
    /// (1-based, the first data row is record 1).
    Line {
        /// 1-based physical line in the file.
        line: u64,
        /// 1-based data record (header excluded).
        record: u64,
    },
    /// A row of an in-memory table or array (0-based, as in numpy/pandas).
    Row {
        /// 0-based row index.
        row: usize,
    },
    /// A row of a workbook sheet (1-based, as Excel shows it).
    Sheet {
        /// Sheet name.
        sheet: String,
        /// 1-based row number as shown by Excel.
        row: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line, record } => write!(f, "line {line} (record {record})"),
            Location::Row { row } => write!(f, "row {row}"),
            Location::Sheet { sheet, row } => write!(f, "sheet `{sheet}` row {row}"),
        }
    }
}

/// Every error optocom returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of range or inconsistent with another parameter.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name, as spelled in the params builder.
        name: String,
        /// The rejected value, formatted.
        value: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A value in the input could not be parsed or is out of range.
    #[error("{location}, column `{column}`: invalid value {value:?}: {reason}")]
    InvalidValue {
        /// Where the value is.
        location: Location,
        /// Column name.
        column: String,
        /// The value as found (lossily decoded when it is not UTF-8).
        value: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A required column is absent.
    #[error("missing column `{column}` (found: {})", found.join(", "))]
    MissingColumn {
        /// Canonical name of the missing column.
        column: String,
        /// Column names that were present.
        found: Vec<String>,
    },

    /// Two input columns map to the same field (directly or through aliases).
    #[error("duplicate column `{column}`: headers {first:?} (position {first_index}) and {second:?} (position {second_index}) both map to it")]
    DuplicateColumn {
        /// Canonical column name.
        column: String,
        /// First header text.
        first: String,
        /// 0-based position of the first header.
        first_index: usize,
        /// Second header text.
        second: String,
        /// 0-based position of the second header.
        second_index: usize,
    },

    /// There is nothing to work on: an empty file, no data rows, or no rows left after
    /// filtering.
    #[error("empty input: {what}")]
    EmptyInput {
        /// What was empty.
        what: String,
    },

    /// The target cannot be learned from: one class only, one treatment group only, a group
    /// smaller than the minimum leaf size...
    #[error("degenerate target: {reason}")]
    DegenerateTarget {
        /// What is wrong.
        reason: String,
    },

    /// Array or table dimensions disagree.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being compared.
        what: String,
        /// Expected size.
        expected: usize,
        /// Size found.
        found: usize,
    },

    /// Data was encoded with a different feature schema than the model was trained on.
    #[error("feature schema mismatch: model expects [{}], data has [{}]", expected.join(", "), found.join(", "))]
    SchemaMismatch {
        /// The model's feature names, in order.
        expected: Vec<String>,
        /// The data's feature names, in order.
        found: Vec<String>,
    },

    /// A model artifact was written by an incompatible format version.
    #[error("unsupported {format} artifact version {found}: this build reads version {supported}")]
    UnsupportedVersion {
        /// Format name.
        format: String,
        /// Version in the artifact.
        found: String,
        /// Version this build reads.
        supported: String,
    },

    /// A model artifact is malformed or of the wrong kind.
    #[error("invalid artifact: {reason}")]
    InvalidArtifact {
        /// What is wrong.
        reason: String,
    },

    /// A referenced entity (campaign, doctor, product, sheet...) does not exist.
    #[error("{what} not found: {key}")]
    NotFound {
        /// Kind of entity.
        what: String,
        /// The key that was looked up.
        key: String,
    },

    /// A workbook could not be opened or read.
    #[error("workbook error: {reason}")]
    Workbook {
        /// What went wrong.
        reason: String,
    },

    /// The caller cancelled a long operation through its progress callback.
    #[error("operation cancelled")]
    Cancelled,

    /// An I/O error from a reader or writer.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// An I/O error opening, reading, writing or listing a file or folder, with its path.
    #[error("I/O error on {}: {source}", path.display())]
    IoPath {
        /// The file or folder.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A stable, machine-readable code for the error category. Bindings expose it unchanged.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::InvalidValue { .. } => "invalid_value",
            Error::MissingColumn { .. } => "missing_column",
            Error::DuplicateColumn { .. } => "duplicate_column",
            Error::EmptyInput { .. } => "empty_input",
            Error::DegenerateTarget { .. } => "degenerate_target",
            Error::ShapeMismatch { .. } => "shape_mismatch",
            Error::SchemaMismatch { .. } => "schema_mismatch",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::InvalidArtifact { .. } => "invalid_artifact",
            Error::NotFound { .. } => "not_found",
            Error::Workbook { .. } => "workbook",
            Error::Cancelled => "cancelled",
            Error::Io(_) | Error::IoPath { .. } => "io",
        }
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid_param(
        name: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::InvalidValue`].
    pub fn invalid_value(
        location: Location,
        column: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidValue {
            location,
            column: column.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::EmptyInput`].
    pub fn empty(what: impl Into<String>) -> Self {
        Error::EmptyInput { what: what.into() }
    }

    /// Shorthand for [`Error::DegenerateTarget`].
    pub fn degenerate(reason: impl Into<String>) -> Self {
        Error::DegenerateTarget {
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::ShapeMismatch`].
    pub fn shape(what: impl Into<String>, expected: usize, found: usize) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected,
            found,
        }
    }

    /// Shorthand for [`Error::InvalidArtifact`].
    pub fn artifact(reason: impl Into<String>) -> Self {
        Error::InvalidArtifact {
            reason: reason.into(),
        }
    }

    /// An I/O error on `path` ([`Error::IoPath`]).
    pub fn io_at(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::IoPath {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Names `path` on a bare I/O error ([`Error::Io`] becomes [`Error::IoPath`]), such as a
    /// write that fails after the file was opened (a full disk) or a read of a directory;
    /// other errors are returned unchanged.
    pub(crate) fn at_path(self, path: &std::path::Path) -> Self {
        match self {
            Error::Io(e) => Error::io_at(path, e),
            other => other,
        }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(what: impl Into<String>, key: impl fmt::Display) -> Self {
        Error::NotFound {
            what: what.into(),
            key: key.to_string(),
        }
    }

    /// The error's structured fields, named as every binding exposes them (Python exception
    /// attributes, properties of the JavaScript error), so that the bindings agree:
    ///
    /// | variant | fields |
    /// |---|---|
    /// | `InvalidValue` | `row` (0-based position of the record: the array or DataFrame row, or the CSV record - 1; absent for a workbook), `line` (CSV physical line or Excel row number, 1-based), `sheet`, `column`, `value`, `reason` |
    /// | `InvalidParameter` | `parameter`, `value`, `reason` |
    /// | `MissingColumn` | `column`, `found` |
    /// | `DuplicateColumn` | `column` |
    /// | `Io`, `IoPath` | `errno` (when the OS gave one), `filename` (`IoPath`) |
    ///
    /// ```
    /// use optocom_core::error::{Error, Field, Location};
    /// let e = Error::invalid_value(Location::Line { line: 7, record: 6 }, "age", "-3", "too small");
    /// assert_eq!(e.fields()[..2], [("row", Field::Int(5)), ("line", Field::Int(7))]);
    /// ```
    pub fn fields(&self) -> Vec<(&'static str, Field)> {
        let text = |s: &str| Field::Text(s.to_owned());
        let int = |i: u64| Field::Int(i64::try_from(i).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        match self {
            Error::InvalidValue {
                location,
                column,
                value,
                reason,
            } => {
                match location {
                    Location::Row { row } => out.push(("row", int(*row as u64))),
                    Location::Line { line, record } => {
                        out.push(("row", int(record.saturating_sub(1))));
                        out.push(("line", int(*line)));
                    }
                    // The core knows the Excel row number (1-based, header and blank rows
                    // included), not the record's position, so it goes to `line` like a CSV
                    // file's physical line; `row` stays absent rather than being guessed.
                    Location::Sheet { sheet, row } => {
                        out.push(("line", int(*row as u64)));
                        out.push(("sheet", text(sheet)));
                    }
                }
                out.push(("column", text(column)));
                out.push(("value", text(value)));
                out.push(("reason", text(reason)));
            }
            Error::InvalidParameter {
                name,
                value,
                reason,
            } => {
                out.push(("parameter", text(name)));
                out.push(("value", text(value)));
                out.push(("reason", text(reason)));
            }
            Error::MissingColumn { column, found } => {
                out.push(("column", text(column)));
                out.push(("found", Field::List(found.clone())));
            }
            Error::DuplicateColumn { column, .. } => out.push(("column", text(column))),
            Error::Io(io) => {
                if let Some(errno) = io.raw_os_error() {
                    out.push(("errno", Field::Int(i64::from(errno))));
                }
            }
            Error::IoPath { path, source } => {
                if let Some(errno) = source.raw_os_error() {
                    out.push(("errno", Field::Int(i64::from(errno))));
                }
                out.push(("filename", Field::Text(path.display().to_string())));
            }
            _ => {}
        }
        out
    }
}

/// The value of one of [`Error::fields`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// A whole number (row, line, errno).
    Int(i64),
    /// Text.
    Text(String),
    /// A list of names (the columns found).
    List(Vec<String>),
}

/// Checks that every value of a feature matrix is finite, naming the first offending cell.
///
/// Used by every `fit`/`predict` entry point that takes raw arrays.
pub fn check_finite(
    x: ndarray::ArrayView2<'_, f64>,
    feature_names: Option<&[String]>,
) -> Result<()> {
    for (row, r) in x.outer_iter().enumerate() {
        for (col, v) in r.iter().enumerate() {
            if !v.is_finite() {
                let column = feature_names
                    .and_then(|n| n.get(col).cloned())
                    .unwrap_or_else(|| format!("x{col}"));
                return Err(Error::invalid_value(
                    Location::Row { row },
                    column,
                    v.to_string(),
                    "features must be finite (no NaN or infinity)",
                ));
            }
        }
    }
    Ok(())
}

/// Checks a training matrix: at least one row and one column, `schema` (generic names
/// `x0, x1, ...` when `None`) naming every column, every value finite. Returns the schema.
pub(crate) fn check_training_x(
    x: ndarray::ArrayView2<'_, f64>,
    schema: Option<crate::features::FeatureSchema>,
) -> Result<crate::features::FeatureSchema> {
    let (n, p) = x.dim();
    if n == 0 {
        return Err(Error::empty("x has no rows"));
    }
    if p == 0 {
        return Err(Error::empty("x has no columns"));
    }
    let schema = schema.unwrap_or_else(|| crate::features::FeatureSchema::generic(p));
    if schema.len() != p {
        return Err(Error::shape("feature schema length", p, schema.len()));
    }
    check_finite(x, Some(&schema.names()))?;
    Ok(schema)
}

/// Checks that every value of the column `column` is finite, naming the first offending row
/// with `reason`.
pub(crate) fn check_finite_column(column: &str, v: &[f64], reason: &str) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(row) => Err(Error::invalid_value(
            Location::Row { row },
            column,
            v[row].to_string(),
            reason,
        )),
    }
}

/// Largest `|value|` accepted where a model squares and sums values: the targets of the
/// regressors, linear regression and the uplift forest, and the features of linear
/// regression and of the uplift forest's local-linear correction. Sums of squares of values
/// up to 1e100 stay far from `f64` overflow (1.8e308) for any number of rows; beyond it a fit
/// would silently turn variances and standard errors into infinity or NaN.
pub const MAX_MAGNITUDE: f64 = 1e100;

/// Refuses the first value of `v` (a column named `column`, in row order) above
/// [`MAX_MAGNITUDE`] in magnitude, naming its row. Values should already be checked finite.
pub(crate) fn check_magnitude(column: &str, v: impl IntoIterator<Item = f64>) -> Result<()> {
    match v
        .into_iter()
        .enumerate()
        .find(|(_, x)| x.abs() > MAX_MAGNITUDE)
    {
        None => Ok(()),
        Some((row, x)) => Err(Error::invalid_value(
            Location::Row { row },
            column,
            format!("{x:e}"),
            "too large: |value| must be at most 1e100 (its square would overflow the model's \
             sums of squares): rescale the column",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_distinct() {
        let errs = [
            Error::invalid_param("n_trees", 0, "must be at least 1"),
            Error::invalid_value(Location::Row { row: 3 }, "age", "NaN", "not finite"),
            Error::MissingColumn {
                column: "age".into(),
                found: vec!["x".into()],
            },
            Error::empty("no rows"),
            Error::degenerate("one class"),
            Error::shape("features", 8, 7),
            Error::artifact("bad"),
            Error::not_found("campaign", 9),
            Error::Cancelled,
        ];
        let codes: std::collections::BTreeSet<_> = errs.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), errs.len());
    }

    #[test]
    fn io_errors_on_files_name_the_path_and_keep_the_os_error() {
        let e = crate::artifact::status_of("/no/such/dir/model.json").unwrap_err();
        assert_eq!(e.code(), "io");
        assert!(e.to_string().contains("/no/such/dir/model.json"), "{e}");
        match e {
            Error::IoPath { path, source } => {
                assert_eq!(path, std::path::Path::new("/no/such/dir/model.json"));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
                assert!(source.raw_os_error().is_some());
            }
            other => panic!("expected IoPath, got {other:?}"),
        }
    }

    #[test]
    fn check_finite_names_cell() {
        let x = ndarray::array![[1.0, 2.0], [3.0, f64::NAN]];
        let names = vec!["a".to_string(), "b".to_string()];
        let e = check_finite(x.view(), Some(&names)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 1, column `b`: invalid value \"NaN\": features must be finite (no NaN or infinity)"
        );
        assert!(check_finite(ndarray::array![[1.0]].view(), None).is_ok());
    }
}
