//! Params from loosely typed hosts: a JSON document or a JavaScript options object.
//!
//! Every params struct derives serde with `#[serde(default)]`, so an options object may set
//! any subset of fields. Serde alone would silently ignore a key it does not know (a typo,
//! or `nTrees` for `n_trees`); [`from_value`] refuses it instead, naming the key's full
//! path, so that a caller never trains with defaults they meant to change. [`whole_number`]
//! reads the ids, seeds and counts such hosts send as floating-point numbers.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Reads params of type `T` from a JSON value (`null` means all defaults).
///
/// # Errors
/// [`Error::InvalidParameter`] when `value` is neither null nor an object, or naming the
/// full path (`what.filter.specialties[1]`) and the value when a key is unknown (at any
/// depth) or a value has the wrong type.
///
/// ```
/// use optocom_core::options::from_value;
/// use optocom_core::purchase::PurchaseParams;
/// use serde_json::json;
///
/// let p: PurchaseParams = from_value("params", json!({"threshold": 150.0, "classifier": {"n_trees": 50}}))?;
/// assert_eq!((p.threshold, p.classifier.n_trees), (150.0, 50));
///
/// let err = from_value::<PurchaseParams>("params", json!({"classifier": {"nTrees": 50}})).unwrap_err();
/// assert_eq!(err.code(), "invalid_parameter");
/// assert!(err.to_string().starts_with("invalid parameter `params.classifier.nTrees`"), "{err}");
/// # Ok::<(), optocom_core::Error>(())
/// ```
pub fn from_value<T: DeserializeOwned + Default>(
    what: &str,
    value: serde_json::Value,
) -> Result<T> {
    if value.is_null() {
        return Ok(T::default());
    }
    // Serde would read an array as the fields in declaration order.
    if !value.is_object() {
        return Err(Error::invalid_param(
            what,
            &value,
            "must be an object of named options (or null for the defaults)",
        ));
    }
    strict(what, &value)
}

/// Reads a value of type `T` from JSON text a host built (the Python package's calls): the
/// same checks as [`from_value`] (unknown keys refused, a wrongly typed value named by its
/// path), without its object-or-null rule, for any serde type.
///
/// ```
/// use optocom_core::data::DoctorFilter;
/// use optocom_core::options::from_json;
///
/// let f: DoctorFilter = from_json("filter", r#"{"min_rx": 10.0}"#)?;
/// assert_eq!(f.min_rx, Some(10.0));
/// let err = from_json::<DoctorFilter>("filter", r#"{"campaign_target": "yes"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("invalid parameter `filter.campaign_target` = \"yes\""), "{err}");
/// # Ok::<(), optocom_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for text that is not JSON, an unknown key or a wrongly typed
/// value.
pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid_param(what, text, format!("not JSON: {e}")))?;
    strict(what, &value)
}

/// Reads one record of a host's row from JSON text: unlike [`from_json`], keys `T` does not
/// have are the row's other columns and are ignored (a patient's appointment row carries
/// `patient_id` and `appointment_date` besides the eight features, as the JS bindings accept
/// it); a missing or wrongly typed field is still named by its path.
///
/// ```
/// use optocom_core::options::record_from_json;
/// use optocom_core::purchase::PatientFeatures;
///
/// let row = r#"{"patient_id": "P1", "age": 52, "days_since_last_purchase": 400, "employed": true,
///   "benefits": false, "driver": true, "vdu_user": true, "varifocal": true, "high_prescription": false}"#;
/// let p: PatientFeatures = record_from_json("patient", row)?;
/// assert_eq!(p.age, 52.0);
/// let err = record_from_json::<PatientFeatures>("patient", &row.replace("52", "\"old\"")).unwrap_err();
/// assert!(err.to_string().starts_with("invalid parameter `patient.age` = \"old\""), "{err}");
/// # Ok::<(), optocom_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for text that is not JSON or a missing or wrongly typed field.
pub fn record_from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid_param(what, text, format!("not JSON: {e}")))?;
    value(what, v)
}

/// Deserialises `value`, refusing unknown keys and naming the path of a wrongly typed value.
fn strict<T: DeserializeOwned>(what: &str, value: &serde_json::Value) -> Result<T> {
    let mut unknown = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let parsed: std::result::Result<T, serde_path_to_error::Error<serde_json::Error>> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(value, &mut note));
    if let Some(key) = unknown.first() {
        return Err(Error::invalid_param(
            format!("{what}.{key}"),
            value_at(value, key),
            "unknown option (options use the snake_case names of the params, e.g. `n_trees`)",
        ));
    }
    parsed.map_err(|e| path_error(what, value, e))
}

/// Names the wrongly typed value itself (`options.filter.specialties` = "Cardiology"), not the
/// whole options object; the whole object when the path leads to no value (a missing field).
fn path_error(
    what: &str,
    value: &serde_json::Value,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> Error {
    let path = e.path();
    let at = match path.iter().next() {
        None => None,
        Some(_) => value_at_path(value, path),
    };
    let reason = format!("not understood: {}", e.inner());
    match at {
        Some(v) => {
            let path = path.to_string();
            let sep = if path.starts_with('[') { "" } else { "." };
            Error::invalid_param(format!("{what}{sep}{path}"), v, reason)
        }
        None => Error::invalid_param(what, value, reason),
    }
}

/// The value at a serde path (object keys and array indices), if the path leads to one.
fn value_at_path<'a>(
    root: &'a serde_json::Value,
    path: &serde_path_to_error::Path,
) -> Option<&'a serde_json::Value> {
    use serde_path_to_error::Segment;
    path.iter().try_fold(root, |v, segment| match segment {
        Segment::Map { key } => v.get(key.as_str()),
        Segment::Seq { index } => v.get(*index),
        // An externally tagged variant (`{"count": -1}`): the value under its tag.
        Segment::Enum { variant } => v.get(variant.as_str()),
        Segment::Unknown => None,
    })
}

/// A value of type `T` from a JSON value, such as one patient's features: unlike
/// [`from_value`], keys `T` does not know are ignored (a patient may come with the rest of
/// its appointment record), and `null` is not a default.
///
/// # Errors
/// [`Error::InvalidParameter`] when the value does not have `T`'s shape, naming the path of
/// a wrongly typed field (`patient.age` = `"52"`).
pub fn value<T: DeserializeOwned>(what: &str, value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(&value).map_err(|e| path_error(what, &value, e))
}

/// A host's number (a JavaScript `number` is an `f64`) that must be a whole number `>= 0`, such
/// as an id, a seed or a count: fractions, negatives, NaN and values beyond 2^53 (where `f64`
/// stops counting exactly) are refused rather than truncated or wrapped.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `name` and the value.
///
/// ```
/// use optocom_core::options::whole_number;
/// assert_eq!(whole_number("seed", 7.0)?, 7);
/// for bad in [-1.0, 2.5, f64::NAN, 1e17] {
///     assert_eq!(whole_number("seed", bad).unwrap_err().code(), "invalid_parameter");
/// }
/// # Ok::<(), optocom_core::Error>(())
/// ```
pub fn whole_number(name: &str, value: f64) -> Result<u64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && (0.0..=EXACT).contains(&value) {
        Ok(value as u64)
    } else {
        Err(Error::invalid_param(
            name,
            value,
            "must be a whole number from 0 to 2^53",
        ))
    }
}

/// The JSON text found at a dotted serde_ignored path (for the error message).
fn value_at(root: &serde_json::Value, path: &str) -> String {
    let mut v = root;
    for part in path.split('.') {
        match v.get(part) {
            Some(next) => v = next,
            None => return "?".into(),
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::UpliftParams;
    use crate::data::DemoParams;
    use serde_json::json;

    #[test]
    fn null_and_empty_give_defaults() {
        let a: DemoParams = from_value("options", serde_json::Value::Null).unwrap();
        let b: DemoParams = from_value("options", json!({})).unwrap();
        assert_eq!(a, DemoParams::default());
        assert_eq!(b, DemoParams::default());
    }

    #[test]
    fn unknown_keys_are_named_with_their_value() {
        let err = from_value::<DemoParams>("options", json!({"nPast": 10})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `options.nPast` = 10: unknown option (options use the snake_case names of the params, e.g. `n_trees`)"
        );
    }

    #[test]
    fn wrong_types_are_invalid_parameters_named_by_their_path() {
        let err = from_value::<UpliftParams>("params", json!({"n_trees": "many"})).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
        assert_eq!(
            err.to_string(),
            "invalid parameter `params.n_trees` = \"many\": not understood: invalid type: string \"many\", expected usize"
        );
        // Inside an enum variant: the variant's value, under the variant's name.
        let err = from_value::<UpliftParams>("params", json!({"max_features": {"count": -1}}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `params.max_features.count` = -1: not understood: invalid value: integer `-1`, expected usize"
        );
        // Nested, and inside an array.
        let filter = json!({"filter": {"specialties": "Cardiology"}});
        let err = from_value::<crate::campaign::ExportRequest>("options", filter).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid parameter `options.filter.specialties` = \"Cardiology\""),
            "{err}"
        );
        let filter = json!({"filter": {"specialties": ["Cardiology", 7]}});
        let err = from_value::<crate::campaign::ExportRequest>("options", filter).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid parameter `options.filter.specialties[1]` = 7"),
            "{err}"
        );
        // A list's element is named by its index.
        let err = value::<Vec<u64>>("exclude", json!([3, -4])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid parameter `exclude[1]` = -4"),
            "{err}"
        );
        // Not an object at all (serde alone reads an array as the fields in order).
        for bad in [json!([1, 2]), json!(3), json!("n_past")] {
            let err = from_value::<DemoParams>("options", bad.clone()).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("invalid parameter `options` = {bad}: must be an object of named options (or null for the defaults)")
            );
        }
    }
}
