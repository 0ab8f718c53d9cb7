//! All conversions between JavaScript values and core types.
//!
//! * Data in: a `string` is CSV text (read by the core's CSV reader: header aliases,
//!   `Location::Line` errors); an array of plain objects is turned into JSON text by V8
//!   (with a replacer that keeps non-finite numbers as text) and read through
//!   [`Table::from_records`] (`Location::Row` errors, 0-based index in the array). Dates are
//!   `YYYY-MM-DD` (or `DD/MM/YYYY`) strings (a JS `Date` is refused: its calendar day
//!   depends on the time zone), flags booleans or `Y`/`N`.
//! * Options in: plain objects with the params' snake_case field names, turned into JSON by
//!   V8 (the same kind of replacer: NaN as `"NaN"`, a `Date` as `"[Date]"`) and read by
//!   [`optocom_core::options::from_value`], which refuses unknown keys and names a wrongly
//!   typed value by its path.
//! * Out: serde values become plain objects and arrays (dates as `YYYY-MM-DD` strings,
//!   missing values as `null`).

use napi::bindgen_prelude::*;
use optocom_core::data::ingest::{read_csv, FromRow, IngestOptions, Ingested, Record, Table};
use optocom_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{to_js, IntoJsResult};

/// Records of type `T` from CSV text or an array of objects.
pub fn records<T: FromRow>(
    env: &Env,
    data: Either<String, Unknown<'_>>,
    opts: &IngestOptions,
) -> Result<Ingested<T>> {
    match data {
        Either::A(csv) => read_csv::<T, _>(csv.as_bytes(), opts).js(env),
        Either::B(value) => record_table(env, value)?.read::<T>(opts).js(env),
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
    // V8's JSON.stringify and serde_json are several times faster than walking the objects
    // through napi (measured: 100k appointments 0.9 s -> see benches/js). The replacer keeps
    // what JSON would lose: non-finite numbers become their text ("NaN", "Infinity"), which
    // the typed getters reject as invalid values, never read as missing; a Date (whose
    // calendar day depends on the time zone) becomes "[Date]", refused with the column's
    // date format; a BigInt a number within 2^53, its decimal text beyond.
    let stringify: Function<'_, Unknown<'_>, String> = env.run_script(STRINGIFY)?;
    let text = stringify.call(value)?;
    let rows: Vec<Record> = serde_json::from_str(&text).map_err(|e| {
        to_js(
            env,
            &CoreError::invalid_param("data", "an array", format!("not readable as records: {e}")),
        )
    })?;
    Table::from_records(&rows).js(env)
}

/// Params of type `T` from an optional options object.
pub fn params<T: DeserializeOwned + Default>(
    env: &Env,
    what: &str,
    value: Option<Unknown<'_>>,
) -> Result<T> {
    let json = match value {
        None => serde_json::Value::Null,
        Some(v) if is_nullish(&v)? => serde_json::Value::Null,
        Some(v) => plain_json(env, what, v)?,
    };
    optocom_core::options::from_value(what, json).js(env)
}

/// A value of type `T`, e.g. one patient's features or a list of ids.
pub fn value<T: DeserializeOwned>(env: &Env, what: &str, value: Unknown<'_>) -> Result<T> {
    let json = plain_json(env, what, value)?;
    optocom_core::options::value(what, json).js(env)
}

/// An options object or a value as JSON, through V8's `JSON.stringify` with a replacer that
/// keeps what JSON would lose, so that the core names the value it refuses: a non-finite
/// number becomes its text (`params.threshold` = `"NaN"`, not `null`), a `Date` `"[Date]"`
/// (not `{}`); a BigInt becomes a number when it is a safe integer, its decimal text
/// otherwise. `undefined` members are left out, as JSON does.
fn plain_json(env: &Env, what: &str, value: Unknown<'_>) -> Result<serde_json::Value> {
    let stringify: Function<'_, Unknown<'_>, Option<String>> = env.run_script(STRINGIFY)?;
    let text = stringify.call(value)?.unwrap_or_else(|| "null".into());
    serde_json::from_str(&text).map_err(|e| {
        to_js(
            env,
            &CoreError::invalid_param(what, &text, format!("not understood: {e}")),
        )
    })
}

/// `JSON.stringify` with the replacer of records, options and values alike (see
/// [`record_table`] and [`plain_json`]).
const STRINGIFY: &str = r#"(function (value) {
  return JSON.stringify(value, function (key, v) {
    const raw = this[key]
    if (typeof raw === 'number') return Number.isFinite(raw) ? raw : String(raw)
    if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString()
    if (raw instanceof Date) return '[Date]'
    return v
  })
})"#;

/// True for `undefined` and `null` (an optional argument left out).
pub fn is_nullish(value: &Unknown<'_>) -> Result<bool> {
    Ok(matches!(
        value.get_type()?,
        ValueType::Undefined | ValueType::Null
    ))
}

/// A serde value as a JavaScript value.
pub fn to_value<T: Serialize>(env: &Env, v: &T) -> Result<Unknown<'static>> {
    env.to_js_value(v)
}

/// A large result as a JavaScript value through JSON text (serde_json, then V8's
/// `JSON.parse`): about twice as fast as building the objects through napi for 100k scored
/// appointments. JSON has no NaN or infinities, so the caller says whether every number is
/// finite; if not, the value goes the exact way ([`to_value`]).
pub fn to_value_via_json<T: Serialize>(
    env: &Env,
    v: &T,
    all_finite: bool,
) -> Result<Unknown<'static>> {
    if !all_finite {
        return to_value(env, v);
    }
    let text = serde_json::to_string(v).map_err(|e| {
        to_js(
            env,
            &CoreError::artifact(format!("could not serialize a result: {e}")),
        )
    })?;
    let parse: Function<'_, String, Unknown<'static>> = env.run_script("JSON.parse")?;
    parse.call(text)
}
