//! All conversions between JavaScript values and core types.
//!
//! * Data in: a `string` is CSV text (read by the core's CSV reader: header aliases,
//!   `Location::Line` errors); an array of plain objects is read through
//!   [`Table::from_records`] (`Location::Row` errors, 0-based index in the array). Dates are
//!   `YYYY-MM-DD` (or `DD/MM/YYYY`) strings, flags booleans or `Y`/`N`. Numbers cross as
//!   they are, so `NaN` and `Infinity` are rejected by the core, never read as missing.
//! * Options in: plain objects with the params' snake_case field names, read by
//!   [`optocom_core::options::from_value`], which refuses unknown keys.
//! * Out: serde values become plain objects and arrays (not `Map`s; dates as `YYYY-MM-DD`
//!   strings, missing values as `null`), as `JSON.parse` would give them.

use js_sys::Array;
use optocom_core::data::ingest::{read_csv, FromRow, IngestOptions, Ingested, Record, Table};
use optocom_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{internal, to_js, IntoJsResult, JsResult};

/// Records of type `T` from CSV text or an array of objects.
pub fn records<T: FromRow>(data: JsValue, opts: &IngestOptions) -> JsResult<Ingested<T>> {
    if let Some(csv) = data.as_string() {
        return read_csv::<T, _>(csv.as_bytes(), opts).js();
    }
    record_table(data)?.read::<T>(opts).js()
}

/// An array of objects as a core [`Table`].
pub fn record_table(data: JsValue) -> JsResult<Table> {
    if !Array::is_array(&data) {
        return Err(to_js(&CoreError::invalid_param(
            "data",
            type_of(&data),
            "expected CSV text or an array of records",
        )));
    }
    let rows: Vec<Record> = serde_wasm_bindgen::from_value(data).map_err(|e| {
        to_js(&CoreError::invalid_param(
            "data",
            "array",
            format!("not understood: {e}"),
        ))
    })?;
    Table::from_records(&rows).js()
}

/// Params of type `T` from an optional options object (`undefined` and `null` mean all
/// defaults).
pub fn params<T: DeserializeOwned + Default>(what: &str, value: Option<JsValue>) -> JsResult<T> {
    let json = match value {
        Some(v) => json(what, v)?,
        None => serde_json::Value::Null,
    };
    optocom_core::options::from_value(what, json).js()
}

/// A plain object read as a serde type, e.g. one patient's features.
pub fn value<T: DeserializeOwned>(what: &str, value: JsValue) -> JsResult<T> {
    optocom_core::options::value(what, json(what, value)?).js()
}

fn json(what: &str, value: JsValue) -> JsResult<serde_json::Value> {
    if value.is_undefined() || value.is_null() {
        return Ok(serde_json::Value::Null);
    }
    let kind = type_of(&value);
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        to_js(&CoreError::invalid_param(
            what,
            kind,
            format!("not understood: {e}"),
        ))
    })
}

/// A serde value as a plain JavaScript value.
pub fn to_value<T: Serialize + ?Sized>(v: &T) -> JsResult<JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| internal(&format!("cannot convert the result: {e}")))
}

/// `typeof value`, for error messages.
fn type_of(value: &JsValue) -> String {
    value.js_typeof().as_string().unwrap_or_default()
}
