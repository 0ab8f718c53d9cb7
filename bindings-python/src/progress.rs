//! Progress of long fits reported to a Python callable `(done, total) -> None` (the Python
//! layer passes a tqdm bar's updater when tqdm is installed). The callable is invoked from
//! worker threads with the GIL re-acquired; an exception in it is reported as unraisable and
//! never stops or changes the fit.

use std::sync::Arc;

use optocom_core::progress::{observe, Observer};
use pyo3::prelude::*;

/// The core observer for an optional Python callable.
pub fn observer(callback: Option<Py<PyAny>>) -> Option<Observer> {
    let cb = callback?;
    Some(Arc::new(move |done: usize, total: usize| {
        Python::attach(|py| {
            if let Err(e) = cb.call1(py, (done, total)) {
                e.write_unraisable(py, None);
            }
        });
    }))
}

/// Runs `f` with the observer, if any.
pub fn run<T>(observer: Option<Observer>, f: impl FnOnce() -> T) -> T {
    match observer {
        Some(o) => observe(o, f),
        None => f(),
    }
}
