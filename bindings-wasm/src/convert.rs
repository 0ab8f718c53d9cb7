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
    normalize_header, read_campaign_tables, read_csv, FromRow, IngestMode, IngestOptions, Ingested,
    IngestedCampaign, Record, RecordValue, Rejection, Table,
};
use optocom_core::data::{Campaign, Doctor, RxRecord, Targeting};
use optocom_core::options::whole_number;
use optocom_core::{Error as CoreError, Location};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{internal, to_js, IntoJsResult, JsResult};

/// Records of type `T` from CSV text or an array of objects.
pub fn records<T: FromRow>(data: JsValue, opts: &IngestOptions) -> JsResult<Ingested<T>> {
    if let Some(csv) = csv_bytes(&data) {
        return read_csv::<T, _>(csv.as_slice(), opts).js();
    }
    let (table, bad) = record_table::<T>(data)?;
    bad.read(&table, opts)
}

/// Campaign data from arrays of records (`{ doctors, campaigns, targeting, rx }`).
pub fn campaign_tables(tables: &JsValue, opts: &IngestOptions) -> JsResult<IngestedCampaign> {
    let get = |name: &str| Reflect::get(tables, &JsValue::from_str(name)).unwrap_or_default();
    let (d, bd) = record_table::<Doctor>(get("doctors"))?;
    let (c, bc) = record_table::<Campaign>(get("campaigns"))?;
    let (t, bt) = record_table::<Targeting>(get("targeting"))?;
    let (r, br) = record_table::<RxRecord>(get("rx"))?;
    let bad = [bd, bc, bt, br];
    if opts.mode == IngestMode::Strict && bad.iter().any(|b| !b.cells.is_empty()) {
        // A strict error names no table, and the same row and column may exist in several:
        // read the tables one by one, in the core's order, to see whose value it is.
        bad[0].read::<Doctor>(&d, opts)?;
        bad[1].read::<Campaign>(&c, opts)?;
        bad[2].read::<Targeting>(&t, opts)?;
        bad[3].read::<RxRecord>(&r, opts)?;
    }
    let mut got = read_campaign_tables(&d, &c, &t, &r, opts).js()?;
    for b in &bad {
        b.fix_rejections(&mut got.rejected);
    }
    Ok(got)
}

/// An array of objects as a core [`Table`] of `T`'s records, with the text cells that held
/// a lone surrogate (see [`BadText`]).
fn record_table<T: FromRow>(data: JsValue) -> JsResult<(Table, BadText)> {
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
    let bad = BadText::mark::<T>(&data, &mut rows);
    Ok((Table::from_records(&rows).js()?, bad))
}

/// Why a string holding a lone surrogate is refused.
const LONE_SURROGATE: &str =
    "not valid Unicode text: it holds a lone UTF-16 surrogate (shown as \\uXXXX)";

/// The text cells of one table's records whose JavaScript string held a lone surrogate.
///
/// Each such cell in a column `T` reads is handed to the core as missing when the column is
/// required (every text column is), so that the core refuses that row at that column, in its
/// own order and with its lenient-mode rules (a rejected doctor's targeting and Rx rows go
/// too); the error or rejection is then given the cell's true value and reason. A cell of an
/// optional column keeps the U+FFFD replacement, which no optional column's getter accepts
/// (they read numbers). Columns `T` does not read are ignored, as the core ignores them.
struct BadText {
    table: &'static str,
    cells: Vec<BadCell>,
}

struct BadCell {
    row: usize,
    column: &'static str,
    /// The string with each lone surrogate written as `\uXXXX`.
    value: String,
}

impl BadText {
    fn mark<T: FromRow>(data: &JsValue, rows: &mut [Record]) -> BadText {
        let mut bad = BadText {
            table: T::TABLE,
            cells: Vec::new(),
        };
        let array: &Array = data.unchecked_ref();
        for (row, record) in rows.iter_mut().enumerate() {
            let Record::Object(fields) = record else {
                continue;
            };
            for (key, value) in fields.iter_mut() {
                let RecordValue::Text(text) = value else {
                    continue;
                };
                // The replacement character is rare: only then is the original looked at.
                if !text.contains(REPLACEMENT) {
                    continue;
                }
                let key_norm = normalize_header(key);
                let Some(spec) = T::COLUMNS.iter().find(|s| s.matches(&key_norm)) else {
                    continue;
                };
                let original = Reflect::get(&array.get(row as u32), &JsValue::from_str(key))
                    .unwrap_or_default();
                let lone = lone_surrogates(text, &original);
                if lone.is_empty() {
                    continue;
                }
                bad.cells.push(BadCell {
                    row,
                    column: spec.name,
                    value: escaped(text, &lone, false),
                });
                if spec.required {
                    *value = RecordValue::Missing;
                }
            }
        }
        bad
    }

    /// The marked cell at this position, if any.
    fn at(&self, location: &Location, column: &str) -> Option<&BadCell> {
        let Location::Row { row } = location else {
            return None;
        };
        self.cells
            .iter()
            .find(|c| c.row == *row && c.column == column)
    }

    /// The core's error, naming the cell's true value and reason when it is a marked cell.
    fn fix_error(&self, e: CoreError) -> CoreError {
        if let CoreError::InvalidValue {
            location, column, ..
        } = &e
        {
            if let Some(cell) = self.at(location, column) {
                return CoreError::invalid_value(
                    location.clone(),
                    column.clone(),
                    cell.value.clone(),
                    LONE_SURROGATE,
                );
            }
        }
        e
    }

    fn fix_rejections(&self, rejected: &mut [Rejection]) {
        if self.cells.is_empty() {
            return;
        }
        for r in rejected.iter_mut().filter(|r| r.table == self.table) {
            if let Some(cell) = self.at(&r.location, &r.column) {
                r.value = cell.value.clone();
                r.reason = LONE_SURROGATE.to_string();
            }
        }
    }

    /// Reads `table` as `T`s with the marked cells' errors and rejections fixed.
    fn read<T: FromRow>(&self, table: &Table, opts: &IngestOptions) -> JsResult<Ingested<T>> {
        let mut got = table
            .read::<T>(opts)
            .map_err(|e| to_js(&self.fix_error(e)))?;
        if opts.mode == IngestMode::Strict {
            // Cannot happen (see above), but never let a changed value through.
            if let Some(cell) = self.cells.first() {
                return Err(to_js(&CoreError::invalid_value(
                    Location::Row { row: cell.row },
                    cell.column,
                    cell.value.clone(),
                    LONE_SURROGATE,
                )));
            }
        }
        self.fix_rejections(&mut got.rejected);
        Ok(got)
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
        Some(Err(json)) => Err(to_js(&CoreError::invalid_param(name, json, LONE_SURROGATE))),
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
                CoreError::invalid_param(format!("{what}{path}"), json, LONE_SURROGATE)
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
