//! All conversions between JavaScript values and core types.
//!
//! * Data in: a `string` is CSV text (read by the core's CSV reader: header aliases,
//!   `Location::Line` errors); an array of plain objects is turned into JSON text by V8
//!   (with a replacer that keeps non-finite numbers as text, and stops at a string that is
//!   not valid Unicode to name its row and column) and read through
//!   [`Table::from_records`] (`Location::Row` errors, 0-based index in the array). Dates are
//!   `YYYY-MM-DD` (or `DD/MM/YYYY`) strings (a JS `Date` is refused: its calendar day
//!   depends on the time zone), flags booleans or `Y`/`N`.
//! * Options in: plain objects with the params' snake_case field names, turned into JSON by
//!   V8 (the same kind of replacer: NaN as `"NaN"`, a `Date` as `"[Date]"`) and read by
//!   [`optocom_core::options::from_value`], which refuses unknown keys and names a wrongly
//!   typed value by its path (a function is `"[Function]"`, so a callback passed as the
//!   options is refused; a cycle is an `invalid_parameter`, not a `TypeError`).
//! * Arguments: every method takes its JavaScript arguments as untyped values and reads
//!   scalars, callbacks and class instances with [`number`], [`text`], [`whole`],
//!   [`opt_function`], [`instance`]...: a wrongly typed one is an `invalid_parameter`
//!   naming the argument (and, for an `...Async` method, a rejection, never a throw).
//! * Out: serde values become plain objects and arrays (dates as `YYYY-MM-DD` strings,
//!   missing values as `null`, every integer a `number`, never a `BigInt`).

use napi::bindgen_prelude::*;
use optocom_core::data::ingest::{
    read_campaign_tables, read_csv, FromRow, IngestOptions, Ingested, IngestedCampaign, Record,
    RecordValue, Table, LONE_SURROGATE_REASON,
};
use optocom_core::options::whole_number;
use optocom_core::Error as CoreError;
use serde::de::DeserializeOwned;
use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};
use serde::Serialize;

use crate::error::{guarded, to_js, IntoJsResult};

/// Records of type `T` from CSV text or an array of objects.
pub fn records<T: FromRow>(
    env: &Env,
    data: Either<String, Unknown<'_>>,
    opts: &IngestOptions,
) -> Result<Ingested<T>> {
    match data {
        Either::A(csv) => read_csv::<T, _>(csv.as_bytes(), opts).js(env),
        Either::B(value) => {
            let table = record_table(env, value)?;
            guarded(env, || table.read::<T>(opts))
        }
    }
}

/// Campaign data from `{ doctors, campaigns, targeting, rx }`, each an array of records.
pub fn campaign_tables(
    env: &Env,
    tables: Unknown<'_>,
    opts: &IngestOptions,
) -> Result<IngestedCampaign> {
    if tables.get_type()? != ValueType::Object || tables.is_array()? {
        let reason = "must be an object { doctors, campaigns, targeting, rx } of arrays of records";
        return Err(invalid_arg(env, "tables", tables, reason));
    }
    let obj = Object::from_unknown(tables)?;
    let get = |name: &str| -> Result<Unknown<'_>> {
        let value: Unknown<'_> = obj.get_named_property(name)?;
        if is_nullish(&value)? {
            let reason = "missing (the tables are doctors, campaigns, targeting and rx)";
            return Err(invalid_arg(env, &format!("tables.{name}"), value, reason));
        }
        Ok(value)
    };
    let d = record_table(env, get("doctors")?)?;
    let c = record_table(env, get("campaigns")?)?;
    let t = record_table(env, get("targeting")?)?;
    let r = record_table(env, get("rx")?)?;
    guarded(env, || read_campaign_tables(&d, &c, &t, &r, opts))
}

/// An array of objects as a core [`Table`]; a string holding a lone surrogate is an
/// unreadable cell (`RecordValue::Unreadable`), which the core refuses where it is read.
fn record_table(env: &Env, value: Unknown<'_>) -> Result<Table> {
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
    let stringify: Function<'_, Unknown<'_>, String> = env.run_script(STRINGIFY_RECORDS)?;
    let text = stringify
        .call(value)
        .map_err(|e| not_convertible(env, "data", &value, &e))?;
    let unreadable = |e: serde_json::Error| {
        let reason = format!("not readable as records: {e}");
        to_js(env, &CoreError::invalid_param("data", "an array", reason))
    };
    let (mut rows, lone) = match serde_json::from_str::<Vec<Record>>(&text) {
        Ok(rows) => (rows, Vec::new()),
        Err(first) => {
            // JSON.stringify writes a lone surrogate as an escape no Rust string can hold (the
            // only JSON text of V8's serde_json refuses): again, with each one found.
            let stringify: Function<'_, Unknown<'_>, Object<'_>> =
                env.run_script(STRINGIFY_RECORDS_LONE)?;
            let out = stringify
                .call(value)
                .map_err(|e| not_convertible(env, "data", &value, &e))?;
            let lone: String = out.get_named_property("lone")?;
            let lone: Vec<(usize, String, String)> =
                serde_json::from_str(&lone).map_err(unreadable)?;
            if lone.is_empty() {
                return Err(unreadable(first));
            }
            let text: String = out.get_named_property("text")?;
            (serde_json::from_str(&text).map_err(unreadable)?, lone)
        }
    };
    for (row, key, shown) in lone {
        if let Some(Record::Object(fields)) = rows.get_mut(row) {
            for (_, v) in fields.iter_mut().filter(|(k, _)| *k == key) {
                *v = RecordValue::Unreadable {
                    shown: shown.clone(),
                    reason: LONE_SURROGATE_REASON.to_string(),
                };
            }
        }
    }
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
/// (not `{}`), a function `"[Function]"` (not left out: a callback passed where options
/// are expected is refused, never read as "defaults"); a BigInt becomes a number when it is
/// a safe integer, its decimal text otherwise. `undefined` members are left out, as JSON
/// does. A value JSON cannot hold (a cycle) is an `invalid_parameter` naming `what`.
fn plain_json(env: &Env, what: &str, value: Unknown<'_>) -> Result<serde_json::Value> {
    let text = json_text(env, value)
        .map_err(|e| not_convertible(env, what, &value, &e))?
        .unwrap_or_else(|| "null".into());
    serde_json::from_str(&text).map_err(|e| {
        to_js(
            env,
            &CoreError::invalid_param(what, &text, format!("not understood: {e}")),
        )
    })
}

/// The JSON text of an options object or a value (see [`plain_json`]); `None` for
/// `undefined`.
fn json_text(env: &Env, value: Unknown<'_>) -> Result<Option<String>> {
    let stringify: Function<'_, Unknown<'_>, Option<String>> = env.run_script(STRINGIFY)?;
    stringify.call(value)
}

/// The `invalid_parameter` error of a value `JSON.stringify` threw on (a cycle, a throwing
/// `toJSON`), with the first line of its message.
fn not_convertible(env: &Env, what: &str, value: &Unknown<'_>, e: &napi::Error) -> napi::Error {
    let kind = value
        .get_type()
        .map_or_else(|_| "?".into(), |t| format!("{t:?}"));
    let why = e.reason.lines().next().unwrap_or_default();
    to_js(
        env,
        &CoreError::invalid_param(what, kind, format!("not convertible to JSON: {why}")),
    )
}

/// `JSON.stringify` with the replacer of options and values (see [`plain_json`]).
const STRINGIFY: &str = r#"(function (value) {
  return JSON.stringify(value, function (key, v) {
    const raw = this[key]
    if (typeof raw === 'number') return Number.isFinite(raw) ? raw : String(raw)
    if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString()
    if (raw instanceof Date) return '[Date]'
    if (typeof raw === 'function') return '[Function]'
    if (typeof raw === 'symbol') return '[Symbol]'
    return v
  })
})"#;

/// `JSON.stringify` of an array of records, with the replacer of [`STRINGIFY`] except that
/// functions and symbols are left out, as JSON does (a missing value).
const STRINGIFY_RECORDS: &str = r#"(function (records) {
  return JSON.stringify(records, function (key, v) {
    const raw = this[key]
    if (typeof raw === 'number') return Number.isFinite(raw) ? raw : String(raw)
    if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString()
    if (raw instanceof Date) return '[Date]'
    return v
  })
})"#;

/// [`STRINGIFY_RECORDS`] for records holding a string that is not valid Unicode (a lone
/// UTF-16 surrogate): each such string becomes its U+FFFD replacement (a key too), and
/// `{ text, lone }` lists the record values that held one as JSON text of
/// `[row, key, value with each lone surrogate written \uXXXX]`.
const STRINGIFY_RECORDS_LONE: &str = r#"(function (records) {
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
  const wellFormed = (s) => (s.isWellFormed ? s.isWellFormed() : s.search(LONE) < 0)
  const lossy = (s) => (s.toWellFormed ? s.toWellFormed() : s.replace(LONE, '\uFFFD'))
  const escaped = (s) => s.replace(LONE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  const lone = []
  let top, record, row = 0
  const text = JSON.stringify(records, function (key, v) {
    if (top === undefined) return (top = v)
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).every(wellFormed)) {
      v = Object.fromEntries(Object.entries(v).map(([k, x]) => [lossy(k), x]))
    }
    if (this === top) {
      row = Number(key)
      record = v
    }
    const raw = this[key]
    if (typeof raw === 'string') {
      if (wellFormed(raw)) return v
      if (this === record) lone.push([row, key, escaped(raw)])
      return lossy(raw)
    }
    if (typeof raw === 'number') return Number.isFinite(raw) ? raw : String(raw)
    if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString()
    if (raw instanceof Date) return '[Date]'
    return v
  })
  return { text, lone: JSON.stringify(lone) }
})"#;

/// True for `undefined` and `null` (an optional argument left out).
pub fn is_nullish(value: &Unknown<'_>) -> Result<bool> {
    Ok(matches!(
        value.get_type()?,
        ValueType::Undefined | ValueType::Null
    ))
}

// Scalar arguments. Every method takes its JavaScript arguments as untyped values and reads
// them here, so that a wrongly typed one is an `OptocomError` (`invalid_parameter` naming the
// argument and showing its value), which an `...Async` method turns into a rejection: napi's
// own conversions would throw a plain `Error` before the method ran.

/// An optional argument: `None` when left out, `undefined` or `null`.
fn given<'a>(value: Option<Unknown<'a>>) -> Result<Option<Unknown<'a>>> {
    match value {
        Some(v) if !is_nullish(&v)? => Ok(Some(v)),
        _ => Ok(None),
    }
}

/// The `invalid_parameter` error of argument `name`, showing its value as the other errors
/// do (JSON text: `"0.9"` for a string; `undefined`, `1n`, `function`, `symbol`) and its
/// type (`must be a number (got a string)`), as the WASM module does.
pub fn invalid_arg(env: &Env, name: &str, value: Unknown<'_>, reason: &str) -> napi::Error {
    let shown = (|| {
        let show: Function<'_, Unknown<'_>, Vec<String>> = env.run_script(format!(
            "(function (v) {{ const stringify = {STRINGIFY}; {SHOW} }})"
        ))?;
        show.call(value)
    })();
    let (shown, got) = match shown.as_deref() {
        Ok([shown, got]) => (shown.clone(), got.clone()),
        _ => ("?".to_string(), "?".to_string()),
    };
    to_js(
        env,
        &CoreError::invalid_param(name, shown, format!("{reason} (got {got})")),
    )
}

/// The body of [`invalid_arg`]'s function of `v`: `[shown, a type]`.
const SHOW: &str = r#"
  let shown
  if (v === undefined) shown = 'undefined'
  else if (typeof v === 'bigint') shown = v + 'n'
  else if (typeof v === 'function' || typeof v === 'symbol') shown = typeof v
  else {
    try { shown = stringify(v) ?? typeof v } catch { shown = typeof v }
  }
  const t = typeof v
  const got = v === null ? 'null' : Array.isArray(v) ? 'an array'
    : t === 'object' || t === 'undefined' ? 'an ' + t : 'a ' + t
  return [shown, got]
"#;

/// A number argument.
pub fn number(env: &Env, name: &str, value: Unknown<'_>) -> Result<f64> {
    match value.get_type()? {
        ValueType::Number => f64::from_unknown(value),
        _ => Err(invalid_arg(env, name, value, "must be a number")),
    }
}

/// An optional number argument.
pub fn opt_number(env: &Env, name: &str, value: Option<Unknown<'_>>) -> Result<Option<f64>> {
    given(value)?.map(|v| number(env, name, v)).transpose()
}

/// A whole number argument (an id, a seed, a count): see
/// [`optocom_core::options::whole_number`].
pub fn whole(env: &Env, name: &str, value: Unknown<'_>) -> Result<u64> {
    whole_number(name, number(env, name, value)?).js(env)
}

/// An optional whole number argument.
pub fn opt_whole(env: &Env, name: &str, value: Option<Unknown<'_>>) -> Result<Option<u64>> {
    given(value)?.map(|v| whole(env, name, v)).transpose()
}

/// A string argument. One holding a lone surrogate (which napi would replace with U+FFFD,
/// changing a path or a name) is refused, as the WASM module refuses it.
pub fn text(env: &Env, name: &str, value: Unknown<'_>) -> Result<String> {
    if value.get_type()? != ValueType::String {
        return Err(invalid_arg(env, name, value, "must be a string"));
    }
    let s = String::from_unknown(value)?;
    if s.contains('\u{FFFD}') {
        let well_formed: Function<'_, Unknown<'_>, bool> = env.run_script(WELL_FORMED)?;
        if !well_formed.call(value)? {
            let shown = json_text(env, value)?.unwrap_or_default();
            return Err(to_js(
                env,
                &CoreError::invalid_param(name, shown, LONE_SURROGATE_REASON),
            ));
        }
    }
    Ok(s)
}

/// Whether a string holds no lone surrogate.
const WELL_FORMED: &str = r#"(function (s) {
  return s.isWellFormed ? s.isWellFormed() : !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)
})"#;

/// An optional string argument.
pub fn opt_text(env: &Env, name: &str, value: Option<Unknown<'_>>) -> Result<Option<String>> {
    given(value)?.map(|v| text(env, name, v)).transpose()
}

/// An optional function argument (a callback), as the value itself.
pub fn opt_function<'a>(
    env: &Env,
    name: &str,
    value: Option<Unknown<'a>>,
) -> Result<Option<Unknown<'a>>> {
    match given(value)? {
        Some(v) if v.get_type()? != ValueType::Function => {
            Err(invalid_arg(env, name, v, "must be a function"))
        }
        v => Ok(v),
    }
}

/// An instance of the class `T`; `class` names it for the message (`"an UpliftForest"`).
pub fn instance<'a, T: 'a>(
    env: &Env,
    name: &str,
    class: &str,
    value: Unknown<'a>,
) -> Result<ClassInstance<'a, T>> {
    ClassInstance::<T>::from_unknown(value)
        .map_err(|_| invalid_arg(env, name, value, &format!("must be {class}")))
}

/// A serde value as a JavaScript value. Every integer becomes a `number` (see [`Numbers`]).
pub fn to_value<T: Serialize>(env: &Env, v: &T) -> Result<Unknown<'static>> {
    env.to_js_value(&Numbers(v))
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

/// `T` serialized with every integer as a plain `f64`: napi's serializer turns a `u64` above
/// 2^32 - 1 (and any 128-bit integer) into a `BigInt`, which would give one array of ids
/// mixed types and make `JSON.stringify` throw. Ids stay below 2^53 (the core refuses larger
/// ones), so every integer is exact as a double.
struct Numbers<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Numbers<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(NumberSerializer(s))
    }
}

/// The serializer of [`Numbers`]: forwards everything to `S`, integers as `f64`, and wraps
/// every nested value so that the rule holds at any depth.
struct NumberSerializer<S>(S);

/// A compound serializer (sequence, map, struct...) of [`NumberSerializer`].
struct Nested<C>(C);

macro_rules! as_f64 {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> std::result::Result<S::Ok, S::Error> {
            self.0.serialize_f64(v as f64)
        }
    )*};
}

macro_rules! forward {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> std::result::Result<S::Ok, S::Error> {
            self.0.$method(v)
        }
    )*};
}

impl<S: Serializer> Serializer for NumberSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Nested<S::SerializeSeq>;
    type SerializeTuple = Nested<S::SerializeTuple>;
    type SerializeTupleStruct = Nested<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Nested<S::SerializeTupleVariant>;
    type SerializeMap = Nested<S::SerializeMap>;
    type SerializeStruct = Nested<S::SerializeStruct>;
    type SerializeStructVariant = Nested<S::SerializeStructVariant>;

    as_f64!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128);
    forward!(serialize_bool: bool, serialize_f32: f32, serialize_f64: f64,
        serialize_char: char, serialize_str: &str, serialize_bytes: &[u8],
        serialize_unit_struct: &'static str);

    fn serialize_none(self) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_some(&Numbers(v))
    }
    fn serialize_unit(self) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Numbers(v))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Numbers(v))
    }
    fn serialize_seq(
        self,
        len: Option<usize>,
    ) -> std::result::Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Nested)
    }
    fn serialize_tuple(self, len: usize) -> std::result::Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Nested)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> std::result::Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Nested)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> std::result::Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Nested)
    }
    fn serialize_map(
        self,
        len: Option<usize>,
    ) -> std::result::Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Nested)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> std::result::Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Nested)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> std::result::Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Nested)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<C: SerializeSeq> SerializeSeq for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_element(&Numbers(v))
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTuple> SerializeTuple for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(
        &mut self,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_element(&Numbers(v))
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTupleStruct> SerializeTupleStruct for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_field(&Numbers(v))
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTupleVariant> SerializeTupleVariant for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_field(&Numbers(v))
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeMap> SerializeMap for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> std::result::Result<(), C::Error> {
        self.0.serialize_key(&Numbers(k))
    }
    fn serialize_value<T: Serialize + ?Sized>(
        &mut self,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_value(&Numbers(v))
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeStruct> SerializeStruct for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_field(key, &Numbers(v))
    }
    fn skip_field(&mut self, key: &'static str) -> std::result::Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeStructVariant> SerializeStructVariant for Nested<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> std::result::Result<(), C::Error> {
        self.0.serialize_field(key, &Numbers(v))
    }
    fn skip_field(&mut self, key: &'static str) -> std::result::Result<(), C::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> std::result::Result<C::Ok, C::Error> {
        self.0.end()
    }
}
