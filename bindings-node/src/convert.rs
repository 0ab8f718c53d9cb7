//! All conversions between JavaScript values and core types.
//!
//! * Data in: a `string` is CSV text (read by the core's CSV reader: header aliases,
//!   `Location::Line` errors); an array of plain objects is read through
//!   [`Table::from_records`] (`Location::Row` errors, 0-based index in the array). Dates are
//!   `YYYY-MM-DD` (or `DD/MM/YYYY`) strings, flags booleans or `Y`/`N`.
//! * Options in: plain objects with the params' snake_case field names, read by
//!   [`optocom_core::options::from_value`], which refuses unknown keys.
//! * Out: serde values become plain objects and arrays (dates as `YYYY-MM-DD` strings,
//!   missing values as `null`).

use napi::bindgen_prelude::*;
use optocom_core::data::ingest::{read_csv, FromRow, IngestOptions, Ingested, Record, Table};
use optocom_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{to_js, IntoJsResult};

/// Strict or lenient ingest.
pub fn ingest_options(lenient: bool) -> IngestOptions {
    if lenient {
        IngestOptions::lenient()
    } else {
        IngestOptions::strict()
    }
}

/// Records of type `T` from CSV text or an array of objects.
pub fn records<T: FromRow>(
    env: &Env,
    data: Either<String, Unknown<'_>>,
    lenient: bool,
) -> Result<Ingested<T>> {
    let opts = ingest_options(lenient);
    match data {
        Either::A(csv) => read_csv::<T, _>(csv.as_bytes(), &opts).js(env),
        Either::B(value) => record_table(env, value)?.read::<T>(&opts).js(env),
    }
}

/// An array of objects as a core [`Table`].
pub fn record_table(env: &Env, value: Unknown<'_>) -> Result<Table> {
    if !value.is_array()? {
        return Err(to_js(
            env,
            &CoreError::invalid_param(
                "data",
                format!("{:?}", value.get_type()?),
                "expected CSV text or an array of records",
            ),
        ));
    }
    let rows: Vec<Record> = env.from_js_value(value)?;
    Table::from_records(&rows).js(env)
}

/// Params of type `T` from an optional options object.
pub fn params<T: DeserializeOwned + Default>(
    env: &Env,
    what: &str,
    value: Option<Unknown<'_>>,
) -> Result<T> {
    let json: serde_json::Value = match value {
        None => serde_json::Value::Null,
        Some(v) if matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
            serde_json::Value::Null
        }
        Some(v) => env.from_js_value(v)?,
    };
    optocom_core::options::from_value(what, json).js(env)
}

/// A serde value as a JavaScript value.
pub fn to_value<T: Serialize>(env: &Env, v: &T) -> Result<Unknown<'static>> {
    env.to_js_value(v)
}
