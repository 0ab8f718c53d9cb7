//! Arrays of records (JavaScript objects, JSON) as a [`Table`]: what the Node and browser
//! bindings hand to the core.
//!
//! A [`Record`] deserializes from any serde source (napi's and serde-wasm-bindgen's
//! deserializers, `serde_json`) and keeps each value as the host gave it: numbers stay `f64`
//! (so a JavaScript `NaN` or `Infinity` is seen and rejected by the typed getters, never
//! turned into a missing value), `null` and `undefined` are missing, and anything that is not
//! an object is remembered so that [`Table::from_records`] can name its row.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::table::{Column, Table};
use crate::error::Result;

/// One value of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordValue {
    /// `null`, `undefined` or an absent key.
    Missing,
    /// A number, exactly as the host held it (including NaN and infinities).
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(String),
    /// A value no column can hold: an array or an object ([`NESTED_REASON`], shown as
    /// `[array]` / `[object]`), or one the host holds but no Rust value can (a JavaScript
    /// string with a lone UTF-16 surrogate, [`LONE_SURROGATE_REASON`]). `shown` is how to
    /// show it, and every
    /// getter that reads the cell refuses it with `reason` at its row and column (lenient
    /// mode rejects the row); a column nobody reads is ignored, like any other.
    Unreadable {
        /// The value as shown in the error.
        shown: String,
        /// Why it cannot be read.
        reason: String,
    },
}

/// Why a string holding a lone UTF-16 surrogate is refused (the JS bindings' reason for
/// [`RecordValue::Unreadable`]).
pub const LONE_SURROGATE_REASON: &str =
    "not valid Unicode text: it holds a lone UTF-16 surrogate (shown as \\uXXXX)";

/// Why an element of a host's array that is not an object is refused (at column `(record)`).
pub const NOT_A_RECORD_REASON: &str = "each record must be an object of column names and values";

/// Why an array or an object inside a record is refused: a cell holds one value, and reading
/// it as the text `[array]` would lose data silently.
pub const NESTED_REASON: &str =
    "an array or an object is not a value of a column (each cell holds one number, string, boolean or null)";

fn nested(shown: &str) -> RecordValue {
    RecordValue::Unreadable {
        shown: shown.into(),
        reason: NESTED_REASON.into(),
    }
}

/// One record: an object's keys and values in the host's order, or what was found instead of
/// an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An object.
    Object(Vec<(String, RecordValue)>),
    /// Not an object (a number, string, array, `null`...): described for the error message.
    NotAnObject(String),
}

impl Record {
    /// A record from `(key, value)` pairs.
    pub fn new<K: Into<String>>(fields: impl IntoIterator<Item = (K, RecordValue)>) -> Self {
        Record::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl Table {
    /// Reads an array of records into columns, so that [`Table::read`] applies the column
    /// aliases, checks and modes of every other input, with rows reported as
    /// [`Location::Row`] (0-based index in the array).
    ///
    /// Columns are the union of the records' keys in order of first appearance; a key absent
    /// from a record is a missing value there. A column whose values are all numbers becomes
    /// a number column (whole numbers without gaps stay integers), one of booleans without
    /// gaps a flag column, and anything else a text column, whose numbers and booleans are
    /// written as text and parsed like a CSV field.
    ///
    /// An element that is not an object (a number, `null`, an array...) is a row that every
    /// read refuses at column `(record)`: strict mode fails there, lenient mode rejects it
    /// like any other bad row.
    ///
    /// # Errors
    /// None for records today; the `Result` carries [`Table::push`]'s column checks.
    ///
    /// ```
    /// use optocom_core::data::ingest::{IngestOptions, Record, RecordValue as V, Table};
    /// use optocom_core::data::Doctor;
    ///
    /// let doctor = |id: f64, rx: V| Record::new([
    ///     ("doctor_id", V::Number(id)),
    ///     ("specialty", V::Text("Cardiology".into())),
    ///     ("province", V::Text("Ontario".into())),
    ///     ("tenure_years", V::Number(12.0)),
    ///     ("baseline_rx", rx),
    /// ]);
    /// let t = Table::from_records(&[doctor(1.0, V::Number(40.0)), doctor(2.0, V::Number(f64::INFINITY))])?;
    /// let err = t.read::<Doctor>(&IngestOptions::strict()).unwrap_err();
    /// assert_eq!(err.to_string(), "row 1, column `baseline_rx`: invalid value \"inf\": must be finite (NaN and infinity are not allowed)");
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn from_records(records: &[Record]) -> Result<Table> {
        let mut names: Vec<&str> = Vec::new();
        for record in records {
            if let Record::Object(fields) = record {
                for (k, _) in fields {
                    if !names.contains(&k.as_str()) {
                        names.push(k);
                    }
                }
            }
        }
        let mut table = Table::new();
        for (row, record) in records.iter().enumerate() {
            if let Record::NotAnObject(what) = record {
                table.mark_not_a_record(row, what);
            }
        }
        for name in names {
            let values: Vec<&RecordValue> = records
                .iter()
                .map(|r| match r {
                    Record::Object(fields) => fields
                        .iter()
                        .find(|(k, _)| k == name)
                        .map_or(&RecordValue::Missing, |(_, v)| v),
                    Record::NotAnObject(_) => &RecordValue::Missing,
                })
                .collect();
            let col = table.n_columns();
            for (row, v) in values.iter().enumerate() {
                if let RecordValue::Unreadable { shown, reason } = v {
                    table.mark_unreadable(col, row, shown, reason);
                }
            }
            table.push(name, column(&values))?;
        }
        Ok(table)
    }
}

fn column(values: &[&RecordValue]) -> Column {
    let numeric = values
        .iter()
        .all(|v| matches!(v, RecordValue::Number(_) | RecordValue::Missing))
        && values.iter().any(|v| matches!(v, RecordValue::Number(_)));
    if numeric {
        let whole = values.iter().all(|v| match v {
            RecordValue::Number(x) => x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15,
            _ => false,
        });
        return if whole {
            Column::Int(
                values
                    .iter()
                    .map(|v| match v {
                        RecordValue::Number(x) => *x as i64,
                        _ => unreachable!("checked above"),
                    })
                    .collect(),
            )
        } else {
            // NaN is the Float column's missing marker, so a NaN the host sent must not be
            // read as "missing": such a column goes as text, where NaN is an invalid value.
            let has_nan = values
                .iter()
                .any(|v| matches!(v, RecordValue::Number(x) if x.is_nan()));
            if has_nan {
                text_column(values)
            } else {
                Column::Float(
                    values
                        .iter()
                        .map(|v| match v {
                            RecordValue::Number(x) => *x,
                            _ => f64::NAN,
                        })
                        .collect(),
                )
            }
        };
    }
    if values.iter().all(|v| matches!(v, RecordValue::Bool(_))) && !values.is_empty() {
        return Column::Bool(
            values
                .iter()
                .map(|v| matches!(v, RecordValue::Bool(true)))
                .collect(),
        );
    }
    text_column(values)
}

fn text_column(values: &[&RecordValue]) -> Column {
    Column::Text(
        values
            .iter()
            .map(|v| match v {
                RecordValue::Missing => None,
                RecordValue::Number(x) => Some(number_text(*x)),
                RecordValue::Bool(b) => Some(b.to_string()),
                RecordValue::Text(s) => Some(s.clone()),
                RecordValue::Unreadable { .. } => None,
            })
            .collect(),
    )
}

/// JavaScript's spelling of a number (`NaN`, `Infinity`, `3`, `2.5`).
fn number_text(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        x.to_string()
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = RecordValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RecordValue, E> {
        Ok(RecordValue::Missing)
    }
    fn visit_none<E: de::Error>(self) -> Result<RecordValue, E> {
        Ok(RecordValue::Missing)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RecordValue, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RecordValue, E> {
        Ok(RecordValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RecordValue, E> {
        Ok(RecordValue::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RecordValue, E> {
        Ok(RecordValue::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RecordValue, E> {
        Ok(RecordValue::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RecordValue, E> {
        Ok(RecordValue::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RecordValue, E> {
        Ok(RecordValue::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RecordValue, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(nested("[array]"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RecordValue, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(nested("[object]"))
    }
}

impl<'de> Deserialize<'de> for RecordValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record (an object of column names and values)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut fields = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, RecordValue>()? {
            fields.push((k, v));
        }
        Ok(Record::Object(fields))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Record, D::Error> {
        d.deserialize_any(RecordVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Record::NotAnObject("[array]".into()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Record, E> {
        Ok(Record::NotAnObject("null".into()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Record, E> {
        Ok(Record::NotAnObject("null".into()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Record, E> {
        Ok(Record::NotAnObject(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Record, E> {
        Ok(Record::NotAnObject(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Record, E> {
        Ok(Record::NotAnObject(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Record, E> {
        Ok(Record::NotAnObject(number_text(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Record, E> {
        Ok(Record::NotAnObject(format!("{v:?}")))
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RecordVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ingest::IngestOptions;
    use crate::data::Appointment;

    fn records(json: &str) -> Vec<Record> {
        serde_json::from_str(json).unwrap()
    }

    const ONE: &str = r#"{"patient_id": "P1", "appointment_date": "2024-03-05", "age": 52,
        "days_since_last_purchase": 400.5, "employed": true, "benefits": "N", "driver": 1,
        "vdu_user": false, "varifocal": "yes", "high_prescription": false, "amount": null}"#;

    #[test]
    fn json_records_read_like_a_csv() {
        let t = Table::from_records(&records(&format!("[{ONE}, {ONE}]"))).unwrap();
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.names()[0], "patient_id");
        let got = t.read::<Appointment>(&IngestOptions::strict()).unwrap();
        let a = &got.rows[1];
        assert_eq!(a.patient_id, "P1");
        assert_eq!(a.appointment_date.to_string(), "2024-03-05");
        assert_eq!((a.age, a.days_since_last_purchase), (52.0, 400.5));
        assert!(a.employed && !a.benefits && a.driver && !a.vdu_user && a.varifocal);
        assert_eq!(a.amount, None);
    }

    #[test]
    fn absent_keys_are_missing_and_name_their_row() {
        let second = ONE.replace(r#""age": 52,"#, "");
        let t = Table::from_records(&records(&format!("[{ONE}, {second}]"))).unwrap();
        let err = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 1, column `age`: invalid value \"\": missing value"
        );
    }

    #[test]
    fn nan_and_infinity_are_rejected_not_missing() {
        for (x, shown) in [(f64::NAN, "NaN"), (f64::INFINITY, "Infinity")] {
            let mut recs = records(&format!("[{ONE}, {ONE}]"));
            if let Record::Object(fields) = &mut recs[1] {
                fields.iter_mut().find(|(k, _)| k == "amount").unwrap().1 = RecordValue::Number(x);
            }
            let t = Table::from_records(&recs).unwrap();
            let err = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
            assert_eq!(err.code(), "invalid_value");
            let msg = err.to_string();
            assert!(msg.starts_with("row 1, column `amount`"), "{msg}");
            assert!(msg.contains(shown) || msg.contains("inf"), "{msg}");
        }
    }

    #[test]
    fn nested_values_and_non_objects_are_named() {
        let nested = ONE.replace(r#""age": 52"#, r#""age": [52]"#);
        let t = Table::from_records(&records(&format!("[{ONE}, {nested}]"))).unwrap();
        let err = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("row 1, column `age`: invalid value \"[array]\": {NESTED_REASON}")
        );
        let lenient = t.read::<Appointment>(&IngestOptions::lenient()).unwrap();
        assert_eq!((lenient.rows.len(), lenient.rejected.len()), (1, 1));

        // In a text column too: an id given as an object is not read as the text "[object]".
        let nested = ONE.replace(r#""patient_id": "P1""#, r#""patient_id": {"id": "P1"}"#);
        assert_ne!(nested, ONE);
        let t = Table::from_records(&records(&format!("[{ONE}, {nested}]"))).unwrap();
        let err = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
        assert_eq!(err.code(), "invalid_value");
        assert_eq!(
            err.to_string(),
            format!("row 1, column `patient_id`: invalid value \"[object]\": {NESTED_REASON}")
        );
        // A nested value in a column nobody reads is ignored, like any other extra column.
        let extra = ONE.replace(r#""age": 52"#, r#""age": 52, "tags": ["a", "b"]"#);
        let t = Table::from_records(&records(&format!("[{extra}]"))).unwrap();
        assert_eq!(
            t.read::<Appointment>(&IngestOptions::strict())
                .unwrap()
                .rows
                .len(),
            1
        );

        let t = Table::from_records(&records(&format!("[{ONE}, 7, null, {ONE}]"))).unwrap();
        let err = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 1, column `(record)`: invalid value \"7\": each record must be an object of column names and values"
        );
        // Lenient mode rejects them like any other bad row and keeps the rest.
        let got = t.read::<Appointment>(&IngestOptions::lenient()).unwrap();
        assert_eq!(got.rows.len(), 2);
        let rejected: Vec<_> = got
            .rejected
            .iter()
            .map(|r| (r.location.clone(), r.column.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            rejected,
            [
                (crate::Location::Row { row: 1 }, "(record)", "7"),
                (crate::Location::Row { row: 2 }, "(record)", "null"),
            ]
        );
        // With no record at all, the first element is the error.
        let t = Table::from_records(&records("[null, 7]")).unwrap();
        let err = t
            .read::<Appointment>(&IngestOptions::lenient())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 0, column `(record)`: invalid value \"null\": each record must be an object of column names and values"
        );
    }

    #[test]
    fn column_kinds() {
        let n = |x: f64| RecordValue::Number(x);
        let kinds = |vs: Vec<RecordValue>| {
            let refs: Vec<&RecordValue> = vs.iter().collect();
            column(&refs)
        };
        assert_eq!(kinds(vec![n(1.0), n(2.0)]), Column::Int(vec![1, 2]));
        match kinds(vec![n(1.5), RecordValue::Missing]) {
            Column::Float(v) => assert!(v[0] == 1.5 && v[1].is_nan()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            kinds(vec![RecordValue::Bool(true), RecordValue::Bool(false)]),
            Column::Bool(vec![true, false])
        );
        assert_eq!(
            kinds(vec![RecordValue::Bool(true), RecordValue::Missing]),
            Column::Text(vec![Some("true".into()), None])
        );
        assert_eq!(
            kinds(vec![n(3.0), RecordValue::Text("x".into())]),
            Column::Text(vec![Some("3".into()), Some("x".into())])
        );
        assert_eq!(
            kinds(vec![RecordValue::Missing, RecordValue::Missing]),
            Column::Text(vec![None, None])
        );
    }
}
