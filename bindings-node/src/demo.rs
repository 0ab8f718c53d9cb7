//! The seeded demo data generator and the params' defaults.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use optocom_core::data::{generate_appointments, DemoParams};
use optocom_core::purchase::PurchaseParams;
use optocom_core::Error as CoreError;

use crate::convert::{params, text, to_value};
use crate::error::{guarded, to_js};

/// Seeded demo appointments: `{ past, upcoming }`, arrays of records in the shape
/// `PurchaseForecaster.fit` and `score` read (past ones with `amount`, upcoming ones without).
/// `options` has the snake_case fields of `DemoParams` (`n_past`, `n_upcoming`,
/// `start_date`, `past_days`, `upcoming_days`, `threshold`, `seed`).
#[napi(
    catch_unwind,
    ts_args_type = "options?: Record<string, unknown>",
    ts_return_type = "{ past: Appointment[]; upcoming: Appointment[] }"
)]
pub fn demo_appointments(env: Env, options: Option<Unknown<'_>>) -> Result<Unknown<'static>> {
    let p: DemoParams = params(&env, "options", options)?;
    let data = guarded(&env, || generate_appointments(&p))?;
    to_value(&env, &data.appointments())
}

/// The default params of a kind (`"purchase_forecaster"` or `"demo_appointments"`), every
/// field spelled out: a template for the options objects.
#[napi(
    catch_unwind,
    ts_args_type = "kind: string",
    ts_return_type = "Record<string, unknown>"
)]
pub fn default_params(env: Env, kind: Unknown<'_>) -> Result<Unknown<'static>> {
    match text(&env, "kind", kind)?.as_str() {
        "purchase_forecaster" => to_value(&env, &PurchaseParams::default()),
        "demo_appointments" => to_value(&env, &DemoParams::default()),
        other => Err(to_js(&env, &CoreError::not_found("parameter kind", other))),
    }
}
