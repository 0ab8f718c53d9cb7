//! All conversions between JavaScript values and core types.
//!
//! * Data in: a `string` is CSV text (read by the core's CSV reader: header aliases,
//!   `Location::Line` errors); an array of plain objects is read through
//!   [`Table::from_records`] (`Location::Row` errors, 0-based index in the array). Dates are
//!   `YYYY-MM-DD` (or `DD/MM/YYYY`) strings, flags booleans or `Y`/`N`. Numbers cross as
//!   they are, so `NaN` and `Infinity` are rejected by the core, never read as missing.
//! * Options in: plain objects with the params' snake_case field names, turned into JSON as
//!   the Node addon does (NaN as `"NaN"`, a `Date` as `"[Date]"`) and read by
//!   [`optocom_core::options::from_value`], which refuses unknown keys and names a wrongly
//!   typed value by its path.
//! * Out: serde values become plain objects and arrays (not `Map`s; dates as `YYYY-MM-DD`
//!   strings, missing values as `null`), as `JSON.parse` would give them.

use js_sys::Array;
use optocom_core::data::ingest::{read_csv, FromRow, IngestOptions, Ingested, Record, Table};
use optocom_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

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

/// An options object or a value as JSON, as the Node addon reads them (its `JSON.stringify`
/// replacer): a non-finite number becomes its text (`params.threshold` = `"NaN"`, not
/// `null`), a `Date` `"[Date]"` (not `{}`), a BigInt a number when it is a safe integer and
/// its decimal text otherwise; `undefined` members and functions are left out, as JSON does.
fn json(what: &str, value: JsValue) -> JsResult<serde_json::Value> {
    plain(&value, 0).ok_or_else(|| {
        to_js(&CoreError::invalid_param(
            what,
            type_of(&value),
            "not understood: nested too deeply (or cyclic)",
        ))
    })
}

/// Deeper than any options object; a cycle ends here instead of overflowing the stack.
const MAX_DEPTH: usize = 64;

fn plain(v: &JsValue, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value;
    if depth > MAX_DEPTH {
        return None;
    }
    if v.is_null() || v.is_undefined() {
        return Some(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Some(Value::Bool(b));
    }
    if let Some(x) = v.as_f64() {
        return Some(match serde_json::Number::from_f64(x) {
            Some(n) if x.fract() != 0.0 || x.abs() >= 9_007_199_254_740_992.0 => Value::Number(n),
            // Whole numbers as integers, as JSON.stringify writes them (serde reads 3.0 as a
            // float, which an integer field refuses).
            Some(_) if x < 0.0 => Value::from(x as i64),
            Some(_) => Value::from(x as u64),
            None => Value::String(js_number_text(x)),
        });
    }
    if let Some(s) = v.as_string() {
        return Some(Value::String(s));
    }
    if v.is_bigint() {
        let text = js_sys::BigInt::from(v.clone())
            .to_string(10)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        return Some(match text.parse::<i64>() {
            Ok(i) if i.unsigned_abs() <= 9_007_199_254_740_991 => Value::from(i),
            _ => Value::String(text),
        });
    }
    if v.is_instance_of::<js_sys::Date>() {
        return Some(Value::String("[Date]".into()));
    }
    if Array::is_array(v) {
        let items = Array::from(v)
            .iter()
            .map(|x| {
                if x.is_function() || x.is_symbol() {
                    Some(Value::Null)
                } else {
                    plain(&x, depth + 1)
                }
            })
            .collect::<Option<Vec<_>>>()?;
        return Some(Value::Array(items));
    }
    if v.is_object() {
        let mut map = serde_json::Map::new();
        for pair in js_sys::Object::entries(&js_sys::Object::from(v.clone())).iter() {
            let pair = Array::from(&pair);
            let (key, x) = (pair.get(0), pair.get(1));
            if x.is_undefined() || x.is_function() || x.is_symbol() {
                continue;
            }
            map.insert(key.as_string().unwrap_or_default(), plain(&x, depth + 1)?);
        }
        return Some(Value::Object(map));
    }
    // A function or a symbol on its own.
    Some(Value::Null)
}

/// `String(x)` for a non-finite number.
fn js_number_text(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x > 0.0 {
        "Infinity".into()
    } else {
        "-Infinity".into()
    }
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
