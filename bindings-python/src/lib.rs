//! `optocom._optocom`: the compiled half of the `optocom` Python package.
//!
//! Thin: every class wraps one core type, every conversion is in [`conversion`], every error
//! mapping in [`error`]. The scikit-learn and pandas-facing API is written in Python on top
//! (`python/optocom/`). Long calls release the GIL; panics never reach Python.

// #[pymethods] mirror Python call signatures, which legitimately take many arguments.
#![allow(clippy::too_many_arguments)]

mod campaign;
mod cluster;
mod conversion;
mod demo;
mod error;
mod forest;
mod host;
mod linear;
mod progress;
mod purchase;
mod uplift;

use pyo3::prelude::*;

/// The compiled module.
#[pymodule]
fn _optocom(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The core's defaults, which the Python signatures use (as the Node and WASM bindings do).
    use optocom_core::campaign as c;
    use optocom_core::purchase as p;
    m.add("DEFAULT_LEVEL", p::DEFAULT_LEVEL)?;
    m.add("DEFAULT_FORECAST_FREQ", p::DEFAULT_FORECAST_FREQ.name())?;
    m.add("DEFAULT_COMPARE_FREQ", p::DEFAULT_COMPARE_FREQ.name())?;
    m.add("DEFAULT_CONFIDENCE", c::DEFAULT_CONFIDENCE)?;
    m.add("DEFAULT_RECOMMENDATIONS", c::DEFAULT_RECOMMENDATIONS)?;
    m.add("SAMPLE_SEED", c::SAMPLE_SEED)?;
    m.add_class::<forest::ForestClassifier>()?;
    m.add_class::<forest::ForestRegressor>()?;
    m.add_class::<cluster::KMeansModel>()?;
    m.add_class::<linear::LinearModel>()?;
    m.add_class::<uplift::UpliftModel>()?;
    m.add_class::<purchase::PurchaseModel>()?;
    m.add_class::<campaign::CampaignModel>()?;
    m.add_class::<campaign::SegmentationModel>()?;
    m.add_class::<campaign::RecommenderModel>()?;
    m.add_function(wrap_pyfunction!(purchase::read_appointments, m)?)?;
    m.add_function(wrap_pyfunction!(demo::demo_appointments, m)?)?;
    m.add_function(wrap_pyfunction!(demo::demo_campaigns, m)?)?;
    m.add_function(wrap_pyfunction!(demo::default_params, m)?)?;
    m.add_function(wrap_pyfunction!(demo::model_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(demo::model_status, m)?)?;
    Ok(())
}
