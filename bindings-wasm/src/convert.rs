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
//! * Arguments in: every string or number argument crosses as a `JsValue` and is read by
//!   [`string`], [`number`], [`whole`] or [`count`], which refuse a value of another type
//!   with an `invalid_parameter` error naming the argument. (wasm-bindgen's own glue does
//!   not check types: a number where a `&str` is expected reads out of bounds and traps, a
//!   string where an `f64` is expected is coerced, `'0.9'` to `0.9`.)
//! * Text: a JavaScript string may hold a lone UTF-16 surrogate, which Rust text cannot; a
//!   plain conversion replaces it with U+FFFD, changing the data. Here such a string is
//!   refused instead: as an argument or option value, `invalid_parameter`; in a record,
//!   `invalid_value` naming the row and column (in a lenient read, that row is rejected with
//!   this reason); in CSV text, the core's "not valid UTF-8 text" for the field.
//! * Out: serde values become plain objects and arrays (not `Map`s; dates as `YYYY-MM-DD`
//!   strings, missing values as `null`), as `JSON.parse` would give them.

use js_sys::{Array, JsString, Reflect};
use optocom_core::artifact::Persist;
use optocom_core::data::ingest::{
    read_campaign_tables, read_csv, FromRow, IngestOptions, Ingested, IngestedCampaign, Record,
    RecordValue, Table, LONE_SURROGATE_REASON,
};
use optocom_core::options::whole_number;
use optocom_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{internal, to_js, IntoJsResult, JsResult};

/// Records of type `T` from CSV text or an array of objects.
pub fn records<T: FromRow>(data: JsValue, opts: &IngestOptions) -> JsResult<Ingested<T>> {
    if let Some(csv) = csv_bytes(&data) {
        return read_csv::<T, _>(csv.as_slice(), opts).js();
    }
    record_table(data)?.read::<T>(opts).js()
}

/// Campaign data from arrays of records (`{ doctors, campaigns, targeting, rx }`).
pub fn campaign_tables(tables: &JsValue, opts: &IngestOptions) -> JsResult<IngestedCampaign> {
    let get = |name: &str| Reflect::get(tables, &JsValue::from_str(name)).unwrap_or_default();
    let d = record_table(get("doctors"))?;
    let c = record_table(get("campaigns"))?;
    let t = record_table(get("targeting"))?;
    let r = record_table(get("rx"))?;
    read_campaign_tables(&d, &c, &t, &r, opts).js()
}

/// An array of objects as a core [`Table`]; a string holding a lone surrogate is an
/// unreadable cell (`RecordValue::Unreadable`), which the core refuses where it is read.
fn record_table(data: JsValue) -> JsResult<Table> {
    if !Array::is_array(&data) {
        return Err(to_js(&CoreError::invalid_param(
            "data",
            type_of(&data),
            "expected CSV text or an array of records",
        )));
    }
    let mut rows: Vec<Record> = serde_wasm_bindgen::from_value(data.clone()).map_err(|e| {
        to_js(&CoreError::invalid_param(
            "data",
            "array",
            format!("not understood: {e}"),
        ))
    })?;
    mark_lone_surrogates(&data, &mut rows);
    Table::from_records(&rows).js()
}

/// Marks each text value of `rows` whose JavaScript string (in `data`) held a lone surrogate
/// as unreadable, shown with each one written `\uXXXX` (serde-wasm-bindgen replaced them by
/// U+FFFD, so only strings holding that character are looked at again).
fn mark_lone_surrogates(data: &JsValue, rows: &mut [Record]) {
    let array: &Array = data.unchecked_ref();
    for (row, record) in rows.iter_mut().enumerate() {
        let Record::Object(fields) = record else {
            continue;
        };
        for (key, value) in fields.iter_mut() {
            let RecordValue::Text(text) = value else {
                continue;
            };
            if !text.contains(REPLACEMENT) {
                continue;
            }
            let original =
                Reflect::get(&array.get(row as u32), &JsValue::from_str(key)).unwrap_or_default();
            let lone = lone_surrogates(text, &original);
            if !lone.is_empty() {
                *value = RecordValue::Unreadable {
                    shown: escaped(text, &lone, false),
                    reason: LONE_SURROGATE_REASON.to_string(),
                };
            }
        }
    }
}

/// CSV text as bytes; `None` when `data` is not a string. A lone surrogate becomes the byte
/// 0xFF, which is never UTF-8, so the core refuses the field it is in as it refuses any
/// non-UTF-8 text ("not valid UTF-8 text (shown lossily)", with its line and column),
/// showing it as one U+FFFD.
fn csv_bytes(data: &JsValue) -> Option<Vec<u8>> {
    let text = data.as_string()?;
    let lone = lone_surrogates(&text, data);
    if lone.is_empty() {
        return Some(text.into_bytes());
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut from = 0;
    for (at, _) in lone {
        bytes.extend_from_slice(&text.as_bytes()[from..at]);
        bytes.push(0xFF);
        from = at + REPLACEMENT.len_utf8();
    }
    bytes.extend_from_slice(&text.as_bytes()[from..]);
    Some(bytes)
}

const REPLACEMENT: char = '\u{FFFD}';

/// The lone surrogates of the JavaScript string `original`, as (byte offset in `text`, code
/// unit), where `text` is `original` as `as_string` converted it. The conversion (the
/// encoding standard's UTF-8 encoder) replaces each lone surrogate by one U+FFFD, one UTF-16
/// code unit for one, so a U+FFFD of `text` at UTF-16 offset `i` is a lone surrogate exactly
/// when `original`'s code unit `i` is one. Empty (and cheap) when `text` has no U+FFFD.
fn lone_surrogates(text: &str, original: &JsValue) -> Vec<(usize, u16)> {
    let mut out = Vec::new();
    if !text.contains(REPLACEMENT) {
        return out;
    }
    let Some(js) = original.dyn_ref::<JsString>() else {
        return out;
    };
    let mut unit = 0u32;
    for (at, c) in text.char_indices() {
        if c == REPLACEMENT {
            let code = js.char_code_at(unit) as u16;
            if (0xD800..=0xDFFF).contains(&code) {
                out.push((at, code));
            }
        }
        unit += c.len_utf16() as u32;
    }
    out
}

/// `text` with its lone surrogates (from [`lone_surrogates`]) written as `\uXXXX`, as
/// `JSON.stringify` writes them; `json` also quotes and escapes the rest as JSON text.
fn escaped(text: &str, lone: &[(usize, u16)], json: bool) -> String {
    let piece = |s: &str| -> String {
        if json {
            let quoted = serde_json::Value::from(s).to_string();
            quoted[1..quoted.len() - 1].to_string()
        } else {
            s.to_string()
        }
    };
    let mut out = String::with_capacity(text.len() + 2);
    if json {
        out.push('"');
    }
    let mut from = 0;
    for &(at, code) in lone {
        out.push_str(&piece(&text[from..at]));
        out.push_str(&format!("\\u{code:04x}"));
        from = at + REPLACEMENT.len_utf8();
    }
    out.push_str(&piece(&text[from..]));
    if json {
        out.push('"');
    }
    out
}

/// A JavaScript string as Rust text: `None` for another type, `Some(Err(json))` (the string
/// as JSON text, lone surrogates escaped) when it holds a lone surrogate.
fn text(value: &JsValue) -> Option<Result<String, String>> {
    let text = value.as_string()?;
    let lone = lone_surrogates(&text, value);
    Some(if lone.is_empty() {
        Ok(text)
    } else {
        Err(escaped(&text, &lone, true))
    })
}

/// A string argument (`name` as the TypeScript signature spells it).
///
/// # Errors
/// `invalid_parameter` naming `name` for anything but a string, or a string holding a lone
/// surrogate.
pub fn string(name: &str, value: &JsValue) -> JsResult<String> {
    match text(value) {
        Some(Ok(s)) => Ok(s),
        Some(Err(json)) => Err(to_js(&CoreError::invalid_param(
            name,
            json,
            LONE_SURROGATE_REASON,
        ))),
        None => Err(wrong_type(name, value, "must be a string")),
    }
}

/// An optional string argument: `undefined` and `null` are `None`, as for the options
/// objects.
pub fn opt_string(name: &str, value: Option<JsValue>) -> JsResult<Option<String>> {
    given(value).map(|v| string(name, &v)).transpose()
}

/// A number argument: a JavaScript `number` (not a numeric string, a BigInt or a boolean,
/// which the Node addon refuses too). Its range is the core's to check.
pub fn number(name: &str, value: &JsValue) -> JsResult<f64> {
    value
        .as_f64()
        .ok_or_else(|| wrong_type(name, value, "must be a number"))
}

/// An optional number argument (`undefined` and `null` are `None`).
pub fn opt_number(name: &str, value: Option<JsValue>) -> JsResult<Option<f64>> {
    given(value).map(|v| number(name, &v)).transpose()
}

/// An id or seed: a number that is a whole number from 0 to 2^53
/// ([`optocom_core::options::whole_number`]).
pub fn whole(name: &str, value: &JsValue) -> JsResult<u64> {
    whole_number(name, number(name, value)?).js()
}

/// A count (`n` doctors): a whole number that also fits WebAssembly's 32-bit `usize`, never
/// truncated to one.
pub fn count(name: &str, value: &JsValue) -> JsResult<usize> {
    let n = whole(name, value)?;
    usize::try_from(n).map_err(|_| to_js(&CoreError::invalid_param(name, n, USIZE_REASON)))
}

/// Why a count beyond `usize` is refused (WebAssembly's `usize` is 32 bits).
const USIZE_REASON: &str =
    "must be a whole number from 0 to 4294967295 (2^32 - 1, the largest count of this 32-bit WebAssembly build)";

/// `Some` for a given value, `None` for `undefined` or `null`.
fn given(value: Option<JsValue>) -> Option<JsValue> {
    value.filter(|v| !v.is_undefined() && !v.is_null())
}

/// The error for an argument of the wrong type, showing the value as the other errors do
/// (JSON text: `"0.9"` for a string).
fn wrong_type(name: &str, value: &JsValue, reason: &str) -> JsValue {
    let shown = if value.is_undefined() {
        "undefined".to_string()
    } else if value.is_bigint() {
        format!("{}n", bigint_text(value))
    } else if value.is_function() || value.is_symbol() {
        type_of(value)
    } else {
        match plain(value, 0) {
            Ok(json) => json.to_string(),
            Err(_) => type_of(value),
        }
    };
    to_js(&CoreError::invalid_param(
        name,
        shown,
        format!("{reason} (got {})", a_type(value)),
    ))
}

/// `a string`, `an object`, `an array`, `null`, ... for error messages.
fn a_type(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if Array::is_array(value) {
        return "an array".into();
    }
    match type_of(value).as_str() {
        t @ ("object" | "undefined") => format!("an {t}"),
        t => format!("a {t}"),
    }
}

/// The model's artifact (the JSON text [`Persist::to_json`] writes), with
/// `info.trained_at` set to `trained_at` when the core left it empty: the core has no clock
/// on `wasm32-unknown-unknown`, so models fitted here carry their time from JavaScript's.
pub fn artifact<M: Persist>(model: &M, trained_at: Option<&str>) -> JsResult<String> {
    let mut envelope = model.to_envelope().js()?;
    if envelope.info.trained_at.is_none() {
        envelope.info.trained_at = trained_at.map(str::to_string);
    }
    serde_json::to_string(&envelope)
        .map_err(|e| to_js(&CoreError::artifact(format!("cannot serialise: {e}"))))
}

/// The time now from JavaScript's clock, as the artifacts write it (RFC 3339 UTC, whole
/// seconds: `2025-01-06T09:30:00Z`).
pub fn now() -> String {
    // `toISOString()` is `YYYY-MM-DDTHH:MM:SS.sssZ`.
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    match iso.get(..19) {
        Some(secs) if iso.len() == 24 => format!("{secs}Z"),
        _ => iso,
    }
}

/// Params of type `T` from an optional options object (`undefined` and `null` mean all
/// defaults).
pub fn params<T: DeserializeOwned + Default>(what: &str, value: Option<JsValue>) -> JsResult<T> {
    let json = match value {
        Some(v) => json(what, v)?,
        None => serde_json::Value::Null,
    };
    optocom_core::options::from_value(what, json)
        .map_err(usize_error)
        .js()
}

/// A plain object read as a serde type, e.g. one patient's features.
pub fn value<T: DeserializeOwned>(what: &str, value: JsValue) -> JsResult<T> {
    optocom_core::options::value(what, json(what, value)?)
        .map_err(usize_error)
        .js()
}

/// A whole number too large for a `usize` option (`page.page` = 4294967296) fails serde's
/// deserialization on this 32-bit target with "expected usize"; it is said as the other
/// range errors are. (On a 64-bit host such a number is read.)
fn usize_error(e: CoreError) -> CoreError {
    match e {
        CoreError::InvalidParameter {
            name,
            value,
            reason,
        } if reason.ends_with("expected usize")
            && value.parse::<u64>().is_ok_and(|v| v > u32::MAX.into()) =>
        {
            CoreError::invalid_param(name, value, USIZE_REASON)
        }
        e => e,
    }
}

/// An options object or a value as JSON, as the Node addon reads them (its `JSON.stringify`
/// replacer): a non-finite number becomes its text (`params.threshold` = `"NaN"`, not
/// `null`), a `Date` `"[Date]"` (not `{}`), a BigInt a number when it is a safe integer and
/// its decimal text otherwise; `undefined` members and functions are left out, as JSON does.
/// A string holding a lone surrogate is refused, naming its path (`filter.specialties[0]`).
fn json(what: &str, value: JsValue) -> JsResult<serde_json::Value> {
    plain(&value, 0).map_err(|e| {
        to_js(&match e {
            Unplain::TooDeep => CoreError::invalid_param(
                what,
                type_of(&value),
                "not understood: nested too deeply (or cyclic)",
            ),
            Unplain::LoneSurrogate { path, json } => {
                CoreError::invalid_param(format!("{what}{path}"), json, LONE_SURROGATE_REASON)
            }
        })
    })
}

/// Deeper than any options object; a cycle ends here instead of overflowing the stack.
const MAX_DEPTH: usize = 64;

/// Why [`plain`] could not convert a value.
enum Unplain {
    TooDeep,
    /// A string holding a lone surrogate, at `path` (`.filter.specialties[0]`; empty for the
    /// value itself), shown as JSON text.
    LoneSurrogate {
        path: String,
        json: String,
    },
}

impl Unplain {
    /// The error of a value found under `segment` (`.key` or `[i]`).
    fn under(self, segment: impl FnOnce() -> String) -> Unplain {
        match self {
            Unplain::LoneSurrogate { path, json } => Unplain::LoneSurrogate {
                path: segment() + &path,
                json,
            },
            e => e,
        }
    }
}

fn plain(v: &JsValue, depth: usize) -> Result<serde_json::Value, Unplain> {
    use serde_json::Value;
    if depth > MAX_DEPTH {
        return Err(Unplain::TooDeep);
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(x) = v.as_f64() {
        return Ok(match serde_json::Number::from_f64(x) {
            Some(n) if x.fract() != 0.0 || x.abs() >= 9_007_199_254_740_992.0 => Value::Number(n),
            // Whole numbers as integers, as JSON.stringify writes them (serde reads 3.0 as a
            // float, which an integer field refuses).
            Some(_) if x < 0.0 => Value::from(x as i64),
            Some(_) => Value::from(x as u64),
            None => Value::String(js_number_text(x)),
        });
    }
    if let Some(t) = text(v) {
        return t.map(Value::String).map_err(|json| Unplain::LoneSurrogate {
            path: String::new(),
            json,
        });
    }
    if v.is_bigint() {
        let text = bigint_text(v);
        return Ok(match text.parse::<i64>() {
            Ok(i) if i.unsigned_abs() <= 9_007_199_254_740_991 => Value::from(i),
            _ => Value::String(text),
        });
    }
    if v.is_instance_of::<js_sys::Date>() {
        return Ok(Value::String("[Date]".into()));
    }
    if Array::is_array(v) {
        let items = Array::from(v)
            .iter()
            .enumerate()
            .map(|(i, x)| {
                if x.is_function() || x.is_symbol() {
                    Ok(Value::Null)
                } else {
                    plain(&x, depth + 1).map_err(|e| e.under(|| format!("[{i}]")))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::Array(items));
    }
    if v.is_object() {
        let mut map = serde_json::Map::new();
        for pair in js_sys::Object::entries(&js_sys::Object::from(v.clone())).iter() {
            let pair = Array::from(&pair);
            let (key, x) = (pair.get(0), pair.get(1));
            if x.is_undefined() || x.is_function() || x.is_symbol() {
                continue;
            }
            // A key with a lone surrogate is no option name or column the core knows: it
            // stays as converted, and an options object refuses it as an unknown key.
            let key = key.as_string().unwrap_or_default();
            let value = plain(&x, depth + 1).map_err(|e| e.under(|| format!(".{key}")))?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    // A function or a symbol on its own.
    Ok(Value::Null)
}

/// The decimal text of a BigInt.
fn bigint_text(v: &JsValue) -> String {
    js_sys::BigInt::from(v.clone())
        .to_string(10)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
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
