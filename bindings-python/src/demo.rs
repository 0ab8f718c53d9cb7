//! The seeded demo generators, and model loading by kind.

use numpy::IntoPyArray;
use optocom_core::artifact::{read_envelope, status_of};
use optocom_core::campaign::{
    CampaignAnalytics, DoctorRecommender, DoctorSegmentation, UpliftForest, UpliftParams,
};
use optocom_core::campaign::{RecommenderParams, SegmentationParams};
use optocom_core::data::{
    generate_appointments, generate_campaign_data, CampaignDemoParams, DemoParams, Truth,
};
use optocom_core::forest::{ForestParams, RandomForestClassifier, RandomForestRegressor};
use optocom_core::purchase::{PurchaseForecaster, PurchaseParams};
use optocom_core::{Error, Persist};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::campaign::{CampaignModel, SegmentationModel};
use crate::conversion::{from_json, json};
use crate::error::{detached, guarded, IntoPyResult};
use crate::forest::{ForestClassifier, ForestRegressor};
use crate::purchase::{appointment_columns, PurchaseModel};
use crate::uplift::UpliftModel;

fn truth_columns<'py>(py: Python<'py>, d: &Bound<'py, PyDict>, truth: &[Truth]) -> PyResult<()> {
    let f = |g: fn(&Truth) -> f64| truth.iter().map(g).collect::<Vec<f64>>().into_pyarray(py);
    d.set_item("true_probability", f(|t| t.purchase_probability))?;
    d.set_item("true_expected_spend", f(|t| t.expected_spend_if_purchase))?;
    d.set_item("true_expected_amount", f(|t| t.expected_amount))?;
    d.set_item("true_amount_variance", f(|t| t.amount_variance))?;
    Ok(())
}

/// Seeded optometry appointments: `(past, upcoming)` as typed columns; with `truth`, the
/// generator's per-row truth columns (and the upcoming visits' actual amounts).
#[pyfunction]
#[pyo3(signature = (params, truth=false))]
pub fn demo_appointments<'py>(
    py: Python<'py>,
    params: &str,
    truth: bool,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    let p: DemoParams = from_json(py, "params", params)?;
    let data = detached(py, move || generate_appointments(&p))?;
    let past = appointment_columns(py, &data.past)?;
    let upcoming = appointment_columns(py, &data.upcoming)?;
    if truth {
        truth_columns(py, &past, &data.past_truth)?;
        truth_columns(py, &upcoming, &data.upcoming_truth)?;
        upcoming.set_item(
            "actual_amount",
            data.upcoming_actual.clone().into_pyarray(py),
        )?;
    }
    Ok((past, upcoming))
}

/// Seeded pharma campaign data: the analytics object and the truth (JSON list).
#[pyfunction]
pub fn demo_campaigns(py: Python<'_>, params: &str) -> PyResult<(CampaignModel, String)> {
    let p: CampaignDemoParams = from_json(py, "params", params)?;
    let (inner, truth) = detached(py, move || {
        let demo = generate_campaign_data(&p)?;
        let truth = serde_json::to_string(&demo.truth)
            .map_err(|e| Error::artifact(format!("could not serialize the truth: {e}")))?;
        Ok((
            CampaignAnalytics::with_outcome(demo.data, demo.outcome)?,
            truth,
        ))
    })?;
    Ok((CampaignModel::new(inner), truth))
}

/// The core's default parameters of a model kind (JSON): the single source of defaults.
#[pyfunction]
pub fn default_params(py: Python<'_>, kind: &str) -> PyResult<String> {
    match kind {
        "random_forest" => json(py, &ForestParams::default()),
        "kmeans" => json(py, &optocom_core::cluster::KMeansParams::default()),
        "uplift_forest" => json(py, &UpliftParams::default()),
        "purchase_forecaster" => json(py, &PurchaseParams::default()),
        "doctor_segmentation" => json(py, &SegmentationParams::default()),
        "doctor_recommender" => json(py, &RecommenderParams::default()),
        "demo_appointments" => json(py, &DemoParams::default()),
        "demo_campaigns" => json(py, &CampaignDemoParams::default()),
        other => Err(crate::error::to_py(
            py,
            Error::not_found("parameter kind", other),
        )),
    }
}

/// A compiled model from an artifact (JSON text), whatever its kind.
#[pyfunction]
pub fn model_from_json(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let env = read_envelope(text).py_err(py)?;
    Ok(match env.kind.as_str() {
        k if k == RandomForestClassifier::KIND => Py::new(
            py,
            ForestClassifier {
                inner: guarded(py, || RandomForestClassifier::from_json(text))?,
            },
        )?
        .into_any(),
        k if k == RandomForestRegressor::KIND => Py::new(
            py,
            ForestRegressor {
                inner: guarded(py, || RandomForestRegressor::from_json(text))?,
            },
        )?
        .into_any(),
        k if k == optocom_core::cluster::KMeans::KIND => Py::new(
            py,
            crate::cluster::KMeansModel {
                inner: guarded(py, || optocom_core::cluster::KMeans::from_json(text))?,
            },
        )?
        .into_any(),
        k if k == optocom_core::linear::LinearRegression::KIND => Py::new(
            py,
            crate::linear::LinearModel {
                inner: guarded(py, || {
                    optocom_core::linear::LinearRegression::from_json(text)
                })?,
            },
        )?
        .into_any(),
        k if k == UpliftForest::KIND => {
            Py::new(py, guarded(py, || UpliftModel::read(text))?)?.into_any()
        }
        k if k == PurchaseForecaster::KIND => {
            Py::new(py, guarded(py, || PurchaseModel::read(text))?)?.into_any()
        }
        k if k == DoctorSegmentation::KIND => Py::new(
            py,
            SegmentationModel {
                inner: guarded(py, || DoctorSegmentation::from_json(text))?,
            },
        )?
        .into_any(),
        k if k == DoctorRecommender::KIND => Py::new(
            py,
            crate::campaign::RecommenderModel {
                inner: guarded(py, || DoctorRecommender::from_json(text))?,
            },
        )?
        .into_any(),
        other => {
            return Err(crate::error::to_py(
                py,
                Error::artifact(format!("unknown model kind `{other}`")),
            ))
        }
    })
}

/// Kind, versions, training facts and params of a saved model, without loading it (JSON).
#[pyfunction]
pub fn model_status(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    let s = detached(py, move || status_of(&path))?;
    json(py, &s)
}
