//! All conversions between Python objects and core types.
//!
//! * Tables in: the Python layer (`optocom._frames`) turns any supported input (pandas,
//!   polars, pyarrow, dicts, lists of dicts) into a list of `(name, kind, data)` columns, kind
//!   `"f"` (float64 array, NaN = missing), `"i"` (int64 array), `"b"` (bool array), `"d"`
//!   (int64 days since 1970-01-01, `i64::MIN` = missing) or `"t"` (list of `str | None`),
//!   read here into a core [`Table`] without going through text.
//! * Matrices in: float64 NumPy arrays are borrowed, never copied, whatever their strides.
//! * Out: NumPy arrays for numeric results; JSON text (parsed by Python's `json`, which keeps
//!   the core's field order) for structured results; typed columns for large record lists.

use chrono::{Duration, NaiveDate};
use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use optocom_core::data::ingest::{Column, Table};
use optocom_core::Error;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use serde::Serialize;

use crate::error::to_py;

/// The Unix epoch, the origin of `"d"` columns.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

/// Days since the epoch of a date.
pub fn days(d: NaiveDate) -> i64 {
    (d - epoch()).num_days()
}

fn date_of(days: i64) -> Option<NaiveDate> {
    if days == i64::MIN {
        return None;
    }
    Duration::try_days(days).and_then(|d| epoch().checked_add_signed(d))
}

/// Reads `[(name, kind, data), ...]` into a core [`Table`].
pub fn table(py: Python<'_>, columns: &Bound<'_, PyList>) -> PyResult<Table> {
    let mut t = Table::new();
    for item in columns.iter() {
        let tuple = item.cast::<PyTuple>()?;
        let name: String = tuple.get_item(0)?.extract()?;
        let kind: String = tuple.get_item(1)?.extract()?;
        let data = tuple.get_item(2)?;
        let column = match kind.as_str() {
            "f" => Column::Float(
                data.extract::<PyReadonlyArray1<'_, f64>>()?
                    .as_array()
                    .to_vec(),
            ),
            "i" => Column::Int(
                data.extract::<PyReadonlyArray1<'_, i64>>()?
                    .as_array()
                    .to_vec(),
            ),
            "b" => Column::Bool(
                data.extract::<PyReadonlyArray1<'_, bool>>()?
                    .as_array()
                    .to_vec(),
            ),
            "d" => {
                let a = data.extract::<PyReadonlyArray1<'_, i64>>()?;
                let mut out = Vec::with_capacity(a.len());
                for (row, &v) in a.as_array().iter().enumerate() {
                    match date_of(v) {
                        Some(d) => out.push(Some(d)),
                        None if v == i64::MIN => out.push(None),
                        None => {
                            return Err(to_py(
                                py,
                                Error::invalid_value(
                                    optocom_core::Location::Row { row },
                                    name.clone(),
                                    format!("{v} days since 1970-01-01"),
                                    "date out of range",
                                ),
                            ))
                        }
                    }
                }
                Column::Date(out)
            }
            "t" => Column::Text(data.extract::<Vec<Option<String>>>()?),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "column `{name}`: unknown column kind {other:?} (internal)"
                )))
            }
        };
        t.push(name, column).map_err(|e| to_py(py, e))?;
    }
    Ok(t)
}

/// JSON text of a serializable value (for `json.loads` on the Python side).
pub fn json<T: Serialize + ?Sized>(py: Python<'_>, v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| {
        to_py(
            py,
            Error::artifact(format!("could not serialize a result: {e}")),
        )
    })
}

/// Parses JSON text sent by the Python layer (params, filters): unknown keys refused, a
/// wrongly typed value named by its path ([`optocom_core::options::from_json`]).
pub fn from_json<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    text: &str,
) -> PyResult<T> {
    optocom_core::options::from_json(what, text).map_err(|e| to_py(py, e))
}
