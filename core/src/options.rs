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
/// [`Error::InvalidParameter`] naming `what` and the key when a key is unknown (at any
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
    let mut unknown = Vec::new();
    let parsed: std::result::Result<T, _> =
        serde_ignored::deserialize(&value, |path| unknown.push(path.to_string()));
    if let Some(key) = unknown.first() {
        return Err(Error::invalid_param(
            format!("{what}.{key}"),
            value_at(&value, key),
            "unknown option (options use the snake_case names of the params, e.g. `n_trees`)",
        ));
    }
    parsed.map_err(|e| Error::invalid_param(what, &value, format!("not understood: {e}")))
}

/// A value of type `T` from a JSON value, such as one patient's features: unlike
/// [`from_value`], keys `T` does not know are ignored (a patient may come with the rest of
/// its appointment record), and `null` is not a default.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `what` when the value does not have `T`'s shape.
pub fn value<T: DeserializeOwned>(what: &str, value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value.clone())
        .map_err(|e| Error::invalid_param(what, &value, format!("not understood: {e}")))
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
    fn wrong_types_are_invalid_parameters() {
        let err = from_value::<UpliftParams>("params", json!({"n_trees": "many"})).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
        assert!(err.to_string().contains("not understood"), "{err}");
    }
}
