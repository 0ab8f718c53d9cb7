//! The one place where core errors become Python exceptions.
//!
//! Every [`optocom_core::Error`] category maps to one class of `optocom.exceptions` (defined
//! in Python so that each can also subclass the built-in exception callers expect:
//! `ValueError`, `LookupError`, `OSError` ...). The exception carries `code` (the core's
//! stable code) and, for invalid values, `row`/`line`/`sheet`, `column`, `value` and `reason`
//! (`row` is the 0-based record position; `line` the CSV line or Excel row number).
//! A Rust panic is caught before it reaches Python and raised as `optocom.InternalError`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use optocom_core::error::Field;
use optocom_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// Name of the `optocom.exceptions` class for a core error.
fn class_name(e: &Error) -> &'static str {
    match e {
        Error::InvalidParameter { .. } => "InvalidParameterError",
        Error::InvalidValue { .. } => "InvalidValueError",
        Error::MissingColumn { .. } => "MissingColumnError",
        Error::DuplicateColumn { .. } => "DuplicateColumnError",
        Error::EmptyInput { .. } => "EmptyInputError",
        Error::DegenerateTarget { .. } => "DegenerateTargetError",
        Error::ShapeMismatch { .. } => "ShapeMismatchError",
        Error::SchemaMismatch { .. } => "SchemaMismatchError",
        Error::UnsupportedVersion { .. } => "UnsupportedVersionError",
        Error::InvalidArtifact { .. } => "InvalidArtifactError",
        Error::NotFound { .. } => "NotFoundError",
        Error::Workbook { .. } => "WorkbookError",
        Error::Cancelled => "CancelledError",
        Error::Io(_) | Error::IoPath { .. } => "OptocomIOError",
        _ => "OptocomError",
    }
}

/// Builds the Python exception for a core error.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(fallback) => fallback,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = py.import("optocom.exceptions")?;
    let class = module.getattr(class_name(e))?;
    let attrs = PyDict::new(py);
    attrs.set_item("code", e.code())?;
    for (name, value) in e.fields() {
        match value {
            Field::Int(i) => attrs.set_item(name, i)?,
            Field::Text(t) => attrs.set_item(name, t)?,
            Field::List(l) => attrs.set_item(name, l)?,
            _ => {}
        }
    }
    let args = PyTuple::new(py, [e.to_string()])?;
    let exc = class.call(args, None)?;
    for (k, v) in attrs.iter() {
        exc.setattr(k.extract::<String>()?.as_str(), v)?;
    }
    Ok(PyErr::from_value(exc))
}

/// An `optocom.InternalError` for a caught panic.
fn internal(py: Python<'_>, message: String) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let class = py.import("optocom.exceptions")?.getattr("InternalError")?;
        Ok(PyErr::from_value(class.call1((message.clone(),))?))
    };
    make().unwrap_or_else(|e| e)
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error in optocom (please report it): {what}")
}

/// Runs `f` without the GIL (other Python threads run meanwhile), catching panics, and maps
/// the core error. `f` must not touch Python objects.
pub fn detached<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> optocom_core::Result<T> + Send,
    T: Send,
{
    let out = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(p) => Err(internal(py, panic_message(p))),
    }
}

/// Runs `f` with the GIL held, catching panics, and maps the core error. For short calls
/// that read Python objects.
pub fn guarded<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> optocom_core::Result<T>,
{
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(p) => Err(internal(py, panic_message(p))),
    }
}

/// Extension for `Result<T, optocom_core::Error>`.
pub trait IntoPyResult<T> {
    /// Maps the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for optocom_core::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
