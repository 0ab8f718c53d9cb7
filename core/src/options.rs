//! Params from loosely typed hosts: a JSON document or a JavaScript options object.
//!
//! Every params struct derives serde with `#[serde(default)]`, so an options object may set
//! any subset of fields. Serde alone would silently ignore a key it does not know (a typo,
//! or `nTrees` for `n_trees`); [`from_value`] refuses it instead, naming the key's full
//! path, so that a caller never trains with defaults they meant to change.

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
