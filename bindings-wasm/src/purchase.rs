//! `PurchaseForecaster`: purchase probability, expected spend, value bands and sales
//! forecasts (core [`optocom_core::purchase`]).

use optocom_core::data::ingest::{IngestOptions, ReadOptions};
use optocom_core::data::Appointment;
use optocom_core::purchase::{
    Freq, PatientFeatures, PurchaseForecaster, PurchaseParams, DEFAULT_COMPARE_FREQ,
    DEFAULT_FORECAST_FREQ, DEFAULT_LEVEL,
};
use optocom_core::Persist;
use wasm_bindgen::prelude::*;

use crate::convert::{self, to_value};
use crate::error::{guarded, IntoJsResult, JsResult};

/// The data shapes of the results and of `OptocomError` (shared with the Node package).
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("../../bindings-node/types.d.ts");

/// A fitted purchase forecaster: a random forest for P(amount >= threshold) and a scaled
/// linear regression for the spend, with the uncertainty of the revenue forecast.
#[wasm_bindgen(js_name = "PurchaseForecaster")]
pub struct WasmPurchaseForecaster {
    inner: PurchaseForecaster,
}

/// Appointments to train on: input without data rows is an error.
fn rows_of(data: JsValue) -> JsResult<Vec<Appointment>> {
    let past = IngestOptions::strict().require_amount(true);
    Ok(convert::records::<Appointment>(data, &past)?.rows)
}

/// Past appointments to compare: as [`to_score`], and each needs its amount.
fn to_compare(data: JsValue) -> JsResult<Vec<Appointment>> {
    let past = IngestOptions::scoring().require_amount(true);
    Ok(convert::records::<Appointment>(data, &past)?.rows)
}

/// Appointments to score, forecast or compare: an empty array (or a header-only CSV) is zero
/// rows, which score to nothing (an empty diary is a normal answer).
fn to_score(data: JsValue) -> JsResult<Vec<Appointment>> {
    Ok(convert::records::<Appointment>(data, &IngestOptions::scoring())?.rows)
}

/// Stamps `info.trained_at` with the JavaScript clock (the core has no clock on
/// `wasm32-unknown-unknown`).
fn stamped(mut model: PurchaseForecaster) -> optocom_core::Result<PurchaseForecaster> {
    if model.info().trained_at.is_none() {
        model.set_trained_at(convert::now());
    }
    Ok(model)
}

/// `level` (default 0.9): a number.
fn level_of(level: Option<JsValue>) -> JsResult<f64> {
    Ok(convert::opt_number("level", level)?.unwrap_or(DEFAULT_LEVEL))
}

/// `freq`: `"day"`, `"week"` or `"month"`, `default` when left out.
fn freq_of(freq: Option<JsValue>, default: Freq) -> JsResult<Freq> {
    Freq::parse_or(convert::opt_string("freq", freq)?.as_deref(), default).js()
}

#[wasm_bindgen(js_class = "PurchaseForecaster")]
impl WasmPurchaseForecaster {
    /// Trains on past appointments (CSV text or an array of records, each with its
    /// `amount`). `params` is an options object with the snake_case fields of
    /// `PurchaseParams` (e.g. `{ threshold: 100, classifier: { n_trees: 200 } }`); omitted
    /// fields keep their defaults and unknown keys are refused. Synchronous: in a page, call
    /// it from a Web Worker.
    pub fn fit(
        #[wasm_bindgen(unchecked_param_type = "Data")] past: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] params: Option<
            JsValue,
        >,
    ) -> JsResult<WasmPurchaseForecaster> {
        guarded(|| {
            let p: PurchaseParams = convert::params("params", params)?;
            let rows = rows_of(past)?;
            let inner = PurchaseForecaster::fit(&p, &rows).and_then(stamped).js()?;
            Ok(WasmPurchaseForecaster { inner })
        })
    }

    /// Scores appointments: one object per appointment with `probability`,
    /// `expected_spend`, `expected_revenue`, `revenue_sd`, `value_band` (`"high"`,
    /// `"medium"`, `"low"`) and `actual_amount` (`null` when unknown).
    #[wasm_bindgen(unchecked_return_type = "ScoredAppointment[]")]
    pub fn score(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Data")] appointments: JsValue,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let rows = to_score(appointments)?;
            to_value(&self.inner.score(&rows).js()?)
        })
    }

    /// One patient's probability, expected spend and value band, from an object with the
    /// eight features (`age`, `days_since_last_purchase`, `employed`, `benefits`, `driver`,
    /// `vdu_user`, `varifocal`, `high_prescription`), read as a batch row is: flags as
    /// booleans, 0/1 or Y/N text, numbers as numbers or their text.
    #[wasm_bindgen(
        js_name = "predictPatient",
        unchecked_return_type = "PatientPrediction"
    )]
    pub fn predict_patient(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PatientInput")] patient: JsValue,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let p: PatientFeatures = convert::value("patient", patient)?;
            to_value(&self.inner.predict_patient(&p).js()?)
        })
    }

    /// Expected revenue per period (`freq`: `"day"`, `"week"` (default) or `"month"`) with
    /// prediction intervals at `level` (default 0.9).
    #[wasm_bindgen(unchecked_return_type = "ForecastPoint[]")]
    pub fn forecast(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Data")] appointments: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] freq: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] level: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let freq = freq_of(freq, DEFAULT_FORECAST_FREQ)?;
            let level = level_of(level)?;
            let rows = to_score(appointments)?;
            to_value(&self.inner.forecast(&rows, freq, level).js()?)
        })
    }

    /// Expected revenue of all the given appointments together, with its interval at
    /// `level` (default 0.9); `null` for no appointments.
    #[wasm_bindgen(
        js_name = "forecastTotal",
        unchecked_return_type = "ForecastPoint | null"
    )]
    pub fn forecast_total(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Data")] appointments: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] level: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let level = level_of(level)?;
            let rows = to_score(appointments)?;
            to_value(&self.inner.forecast_total(&rows, level).js()?)
        })
    }

    /// Actual against predicted revenue per period (`freq` default `"month"`) on past
    /// appointments (with amounts).
    #[wasm_bindgen(unchecked_return_type = "ComparisonPoint[]")]
    pub fn compare(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Data")] past: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] freq: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] level: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let freq = freq_of(freq, DEFAULT_COMPARE_FREQ)?;
            let level = level_of(level)?;
            let rows = to_compare(past)?;
            to_value(&self.inner.compare(&rows, freq, level).js()?)
        })
    }

    /// The training report: holdout AUC, Brier score, R^2 of the spend model, calibration.
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown>")]
    pub fn report(&self) -> JsResult<JsValue> {
        guarded(|| to_value(self.inner.report()))
    }

    /// The training report as text.
    #[wasm_bindgen(js_name = "reportText")]
    pub fn report_text(&self) -> JsResult<String> {
        guarded(|| Ok(self.inner.report().to_string()))
    }

    /// Training facts: `trained_at` (ISO 8601 UTC, from the JavaScript clock), `n_rows`,
    /// `n_features`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "{ trained_at: string | null; n_rows: number; n_features: number }"
    )]
    pub fn info(&self) -> JsResult<JsValue> {
        guarded(|| to_value(self.inner.info()))
    }

    /// The params the model was trained with (every field, defaults included).
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown>")]
    pub fn params(&self) -> JsResult<JsValue> {
        guarded(|| to_value(self.inner.params()))
    }

    /// Names of the encoded features.
    #[wasm_bindgen(getter, js_name = "featureNames")]
    pub fn feature_names(&self) -> JsResult<Vec<String>> {
        guarded(|| Ok(self.inner.schema().names()))
    }

    /// The model artifact (the JSON text every runtime reads).
    #[wasm_bindgen(js_name = "toJson")]
    pub fn to_json(&self) -> JsResult<String> {
        guarded(|| self.inner.to_json().js())
    }

    /// Reads a model artifact written by any runtime.
    #[wasm_bindgen(js_name = "fromJson")]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> JsResult<WasmPurchaseForecaster> {
        guarded(|| {
            let inner = PurchaseForecaster::from_json(&convert::string("text", &text)?).js()?;
            Ok(WasmPurchaseForecaster { inner })
        })
    }
}

/// Reads appointments (CSV text or an array of records) with the core's aliases and checks.
/// Returns `{ rows, rejected }`; with `lenient: true` bad rows go to `rejected` (each with
/// its position, column, value and reason) instead of throwing.
#[wasm_bindgen(
    js_name = "readAppointments",
    unchecked_return_type = "{ rows: Appointment[]; rejected: Rejection[] }"
)]
pub fn read_appointments(
    #[wasm_bindgen(unchecked_param_type = "Data")] data: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "{ lenient?: boolean }")] options: Option<
        JsValue,
    >,
) -> JsResult<JsValue> {
    guarded(|| {
        let o: ReadOptions = convert::params("options", options)?;
        let got = convert::records::<Appointment>(data, &IngestOptions::from(o))?;
        to_value(&got)
    })
}
