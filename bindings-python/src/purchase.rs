//! The purchase forecaster: the compiled half of `optocom.PurchaseForecaster`, plus the
//! appointment readers shared with the demo module.

use std::path::Path;

use numpy::IntoPyArray;
use optocom_core::data::ingest::{read_appointments_path, IngestOptions, Ingested, Workbook};
use optocom_core::data::Appointment;
use optocom_core::options::record_from_json;
use optocom_core::purchase::{
    Freq, PatientFeatures, PurchaseForecaster, PurchaseParams, DEFAULT_COMPARE_FREQ,
    DEFAULT_FORECAST_FREQ,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::conversion::{days, from_json, json, table};
use crate::error::{detached, guarded, IntoPyResult};
use crate::host::Host;

/// What a read is for: scoring reads input without data rows as zero rows (an empty diary
/// scores to nothing), training refuses it, and both training and comparison need each
/// appointment's amount.
#[derive(Clone, Copy)]
pub enum Purpose {
    Train,
    Score,
    Compare,
}

fn reader(lenient: bool) -> IngestOptions {
    if lenient {
        IngestOptions::lenient()
    } else {
        IngestOptions::strict()
    }
}

/// Appointments from a path (CSV, or the first sheet of an XLSX workbook) or from the typed
/// columns of a DataFrame.
pub fn appointments(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    lenient: bool,
    purpose: Purpose,
) -> PyResult<Ingested<Appointment>> {
    let opts = reader(lenient)
        .allow_empty(!matches!(purpose, Purpose::Train))
        .require_amount(!matches!(purpose, Purpose::Score));
    Ok(read(py, source, opts)?.0)
}

/// Appointments read with `opts`, and whether the input has an amount column: typed columns
/// under any of its names, whatever the values (the core resolves the names); a file, whether
/// some row has an amount.
fn read(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    opts: IngestOptions,
) -> PyResult<(Ingested<Appointment>, bool)> {
    if let Ok(path) = source.extract::<std::path::PathBuf>() {
        let got = detached(py, move || read_path(&path, &opts))?;
        let has_amount = got.rows.iter().any(|a| a.amount.is_some());
        return Ok((got, has_amount));
    }
    let t = table(py, source.cast::<PyList>()?)?;
    let has_amount = t.has_column::<Appointment>("amount");
    Ok((
        detached(py, move || t.read::<Appointment>(&opts))?,
        has_amount,
    ))
}

fn read_path(path: &Path, opts: &IngestOptions) -> optocom_core::Result<Ingested<Appointment>> {
    let is_xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        let mut wb = Workbook::open(path)?;
        let first = wb.sheet_names().into_iter().next().unwrap_or_default();
        wb.read::<Appointment>(&first, opts)
    } else {
        read_appointments_path(path, opts)
    }
}

/// Appointments as typed columns (`appointment_date` as days since 1970-01-01).
pub fn appointment_columns<'py>(
    py: Python<'py>,
    rows: &[Appointment],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(
        "patient_id",
        rows.iter()
            .map(|a| a.patient_id.as_str())
            .collect::<Vec<_>>(),
    )?;
    d.set_item(
        "appointment_date",
        rows.iter()
            .map(|a| days(a.appointment_date))
            .collect::<Vec<i64>>()
            .into_pyarray(py),
    )?;
    let f = |g: fn(&Appointment) -> f64| rows.iter().map(g).collect::<Vec<f64>>().into_pyarray(py);
    let b =
        |g: fn(&Appointment) -> bool| rows.iter().map(g).collect::<Vec<bool>>().into_pyarray(py);
    d.set_item("age", f(|a| a.age))?;
    d.set_item(
        "days_since_last_purchase",
        f(|a| a.days_since_last_purchase),
    )?;
    d.set_item("employed", b(|a| a.employed))?;
    d.set_item("benefits", b(|a| a.benefits))?;
    d.set_item("driver", b(|a| a.driver))?;
    d.set_item("vdu_user", b(|a| a.vdu_user))?;
    d.set_item("varifocal", b(|a| a.varifocal))?;
    d.set_item("high_prescription", b(|a| a.high_prescription))?;
    d.set_item("amount", f(|a| a.amount.unwrap_or(f64::NAN)))?;
    Ok(d)
}

/// A fitted purchase forecaster (hurdle model: forest P(amount >= threshold) and OLS spend).
#[pyclass(module = "optocom._optocom", frozen)]
pub struct PurchaseModel {
    pub(crate) inner: PurchaseForecaster,
    /// The Python wrapper's own params (`lenient`), kept in the artifact.
    pub(crate) host: Host,
}

impl PurchaseModel {
    /// A model from an artifact, with its `host` metadata.
    pub(crate) fn read(text: &str) -> optocom_core::Result<Self> {
        let (inner, host) = Host::read(text)?;
        Ok(PurchaseModel { inner, host })
    }
}

#[pymethods]
impl PurchaseModel {
    /// Trains on past appointments (a path or typed columns). Returns the model and the
    /// rejected rows (JSON; empty unless `lenient`).
    #[staticmethod]
    #[pyo3(signature = (past, params, lenient=false, host=None))]
    fn fit(
        py: Python<'_>,
        past: &Bound<'_, PyAny>,
        params: &str,
        lenient: bool,
        host: Option<&str>,
    ) -> PyResult<(Self, String)> {
        let params: PurchaseParams = from_json(py, "params", params)?;
        let host = Host::parse(py, host)?;
        let ingested = appointments(py, past, lenient, Purpose::Train)?;
        let rows = ingested.rows;
        let inner = detached(py, move || PurchaseForecaster::fit(&params, &rows))?;
        Ok((PurchaseModel { inner, host }, json(py, &ingested.rejected)?))
    }

    /// Scores appointments: a dict of columns, and the rejected rows as JSON. The columns
    /// end with `actual_amount` when the input has an amount column (see [`read`]).
    #[pyo3(signature = (upcoming, lenient=false))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        upcoming: &Bound<'py, PyAny>,
        lenient: bool,
    ) -> PyResult<(Bound<'py, PyDict>, String)> {
        let opts = reader(lenient).allow_empty(true);
        let (ingested, has_amount) = read(py, upcoming, opts)?;
        let rows = ingested.rows;
        let scored = detached(py, || self.inner.score(&rows))?;
        let d = PyDict::new(py);
        d.set_item(
            "patient_id",
            scored
                .iter()
                .map(|s| s.patient_id.as_str())
                .collect::<Vec<_>>(),
        )?;
        d.set_item(
            "appointment_date",
            scored
                .iter()
                .map(|s| days(s.appointment_date))
                .collect::<Vec<i64>>()
                .into_pyarray(py),
        )?;
        let col = |g: &dyn Fn(&optocom_core::purchase::ScoredAppointment) -> f64| {
            scored.iter().map(g).collect::<Vec<f64>>().into_pyarray(py)
        };
        d.set_item("probability", col(&|s| s.probability))?;
        d.set_item("expected_spend", col(&|s| s.expected_spend))?;
        d.set_item("expected_revenue", col(&|s| s.expected_revenue))?;
        d.set_item("revenue_sd", col(&|s| s.revenue_sd))?;
        d.set_item(
            "value_band",
            scored
                .iter()
                .map(|s| s.value_band.as_str())
                .collect::<Vec<_>>(),
        )?;
        if has_amount {
            d.set_item(
                "actual_amount",
                col(&|s| s.actual_amount.unwrap_or(f64::NAN)),
            )?;
        }
        Ok((d, json(py, &ingested.rejected)?))
    }

    /// One patient's prediction; `patient` is the JSON of the eight features.
    fn predict_patient(&self, py: Python<'_>, patient: &str) -> PyResult<String> {
        // The row's other columns (patient_id, appointment_date, ...) are ignored, as in JS.
        let p: PatientFeatures = record_from_json("patient", patient).py_err(py)?;
        let out = guarded(py, || self.inner.predict_patient(&p))?;
        json(py, &out)
    }

    /// Revenue forecast per period (JSON list of forecast points).
    fn forecast(
        &self,
        py: Python<'_>,
        upcoming: &Bound<'_, PyAny>,
        freq: Option<&str>,
        level: f64,
    ) -> PyResult<String> {
        let freq = Freq::parse_or(freq, DEFAULT_FORECAST_FREQ).py_err(py)?;
        let rows = appointments(py, upcoming, false, Purpose::Score)?.rows;
        let out = detached(py, || self.inner.forecast(&rows, freq, level))?;
        json(py, &out)
    }

    /// Forecast of the whole set (JSON forecast point, or null when empty).
    fn forecast_total(
        &self,
        py: Python<'_>,
        upcoming: &Bound<'_, PyAny>,
        level: f64,
    ) -> PyResult<String> {
        let rows = appointments(py, upcoming, false, Purpose::Score)?.rows;
        let out = detached(py, || self.inner.forecast_total(&rows, level))?;
        json(py, &out)
    }

    /// Actual against predicted revenue per period of past appointments (JSON).
    fn compare(
        &self,
        py: Python<'_>,
        past: &Bound<'_, PyAny>,
        freq: Option<&str>,
        level: f64,
    ) -> PyResult<String> {
        let freq = Freq::parse_or(freq, DEFAULT_COMPARE_FREQ).py_err(py)?;
        let rows = appointments(py, past, false, Purpose::Compare)?.rows;
        let out = detached(py, || self.inner.compare(&rows, freq, level))?;
        json(py, &out)
    }

    /// The training report (JSON).
    #[getter]
    fn report(&self, py: Python<'_>) -> PyResult<String> {
        json(py, self.inner.report())
    }

    /// The training report as text.
    fn report_text(&self) -> String {
        self.inner.report().to_string()
    }

    /// Training facts (JSON: trained_at, n_rows, n_features).
    #[getter]
    fn info(&self, py: Python<'_>) -> PyResult<String> {
        json(py, self.inner.info())
    }

    /// The core parameters as JSON.
    #[getter]
    fn params(&self, py: Python<'_>) -> PyResult<String> {
        json(py, self.inner.params())
    }

    /// Feature names of the encoded appointment.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.inner.schema().names()
    }

    /// The model artifact (JSON envelope).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.host.artifact(&self.inner).py_err(py)
    }

    /// Reads a model artifact.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        PurchaseModel::read(text).py_err(py)
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.host.save(&self.inner, &path))
    }

    /// The wrapper's metadata kept in the artifact, as a JSON object.
    #[getter]
    fn host(&self, py: Python<'_>) -> PyResult<String> {
        self.host.to_text(py)
    }
}

/// Reads appointments (path or columns) and returns them as typed columns plus the
/// rejected rows (JSON): the core's ingest with its aliases and checks, for `optocom.read_appointments`.
/// `allow_empty` reads input without data rows as zero rows; `require_amount` makes a row
/// without an amount a bad row (past appointments, for comparison).
#[pyfunction]
#[pyo3(signature = (source, lenient=false, allow_empty=false, require_amount=false))]
pub fn read_appointments<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    lenient: bool,
    allow_empty: bool,
    require_amount: bool,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let opts = reader(lenient)
        .allow_empty(allow_empty)
        .require_amount(require_amount);
    let (got, _) = read(py, source, opts)?;
    Ok((
        appointment_columns(py, &got.rows)?,
        json(py, &got.rejected)?,
    ))
}
