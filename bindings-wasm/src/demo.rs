//! The seeded demo data generator and the params' defaults.

use optocom_core::data::{generate_appointments, DemoParams};
use optocom_core::purchase::PurchaseParams;
use optocom_core::Error as CoreError;
use wasm_bindgen::prelude::*;

use crate::convert::{params, string, to_value};
use crate::error::{guarded, to_js, IntoJsResult, JsResult};

/// Seeded demo appointments: `{ past, upcoming }`, arrays of records in the shape
/// `PurchaseForecaster.fit` and `score` read (past ones with `amount`, upcoming ones without).
/// `options` has the snake_case fields of `DemoParams` (`n_past`, `n_upcoming`,
/// `start_date`, `past_days`, `upcoming_days`, `threshold`, `seed`).
#[wasm_bindgen(
    js_name = "demoAppointments",
    unchecked_return_type = "{ past: Appointment[]; upcoming: Appointment[] }"
)]
pub fn demo_appointments(
    #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] options: Option<
        JsValue,
    >,
) -> JsResult<JsValue> {
    guarded(|| {
        let p: DemoParams = params("options", options)?;
        let data = generate_appointments(&p).js()?;
        to_value(&data.appointments())
    })
}

/// The default params of a kind (`"purchase_forecaster"` or `"demo_appointments"`), every
/// field spelled out: a template for the options objects.
#[wasm_bindgen(
    js_name = "defaultParams",
    unchecked_return_type = "Record<string, unknown>"
)]
pub fn default_params(
    #[wasm_bindgen(unchecked_param_type = "string")] kind: JsValue,
) -> JsResult<JsValue> {
    guarded(|| match string("kind", &kind)?.as_str() {
        "purchase_forecaster" => to_value(&PurchaseParams::default()),
        "demo_appointments" => to_value(&DemoParams::default()),
        other => Err(to_js(&CoreError::not_found("parameter kind", other))),
    })
}
