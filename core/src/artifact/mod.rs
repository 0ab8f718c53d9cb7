//! The model artifact format: one versioned JSON envelope for every model.
//!
//! ```text
//! {
//!   "format": "optocom-model",
//!   "format_version": "1.0",
//!   "kind": "purchase_forecaster",
//!   "library_version": "0.1.0",
//!   "info": { "trained_at": "2026-11-21T06:00:00Z", "n_rows": 8000, "n_features": 8 },
//!   "params": { ... },            // the model's params struct, serde
//!   "feature_schema": { ... },    // or null for models without one
//!   "state": { ... }              // fitted state; large numeric arrays are packed
//! }
//! ```
//!
//! * **Versioning**: `format_version` is `MAJOR.MINOR`. A reader accepts any minor version of
//!   its own major version and refuses another major version with
//!   [`Error::UnsupportedVersion`], naming both versions.
//! * **Exact floats**: every `f64` survives a save/load round trip bit for bit. Scalars are
//!   written by serde_json (shortest round-trip representation, parsed with
//!   `float_roundtrip`); large arrays are packed as base64 little-endian bytes by [`packed`].
//! * **One format everywhere**: Python pickling, `to_json`/`from_json` and `save`/`load` in
//!   every binding go through [`Persist`], so a model saved in one runtime loads in all.
//!
//! ```
//! use optocom_core::artifact::{Persist, ModelInfo, Parts};
//! # use optocom_core::Result;
//! #[derive(Debug, PartialEq)]
//! struct Mean { value: f64 }
//! impl Persist for Mean {
//!     const KIND: &'static str = "mean";
//!     fn to_parts(&self) -> Result<Parts> {
//!         Ok(Parts::new(ModelInfo::new(1, 0), &(), None, &self.value)?)
//!     }
//!     fn from_parts(parts: Parts) -> Result<Self> {
//!         Ok(Mean { value: parts.state()? })
//!     }
//! }
//! let m = Mean { value: 0.1 + 0.2 };
//! let json = m.to_json().unwrap();
//! assert_eq!(Mean::from_json(&json).unwrap(), m);
//! ```

pub mod packed;

use std::io::{Read, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::features::FeatureSchema;

/// Format name written in every artifact.
pub const FORMAT_NAME: &str = "optocom-model";
/// Major version this build writes and reads.
pub const FORMAT_MAJOR: u32 = 1;
/// Minor version this build writes.
pub const FORMAT_MINOR: u32 = 0;

/// Facts about a trained model, shown by model status listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// When the model was trained, RFC 3339 UTC, if known.
    pub trained_at: Option<String>,
    /// Number of training rows.
    pub n_rows: usize,
    /// Number of input features.
    pub n_features: usize,
}

impl ModelInfo {
    /// Info stamped with the current time (no stamp on `wasm32-unknown-unknown`, which has
    /// no clock: the browser binding stamps it from JavaScript).
    pub fn new(n_rows: usize, n_features: usize) -> Self {
        ModelInfo {
            trained_at: now_rfc3339(),
            n_rows,
            n_features,
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn now_rfc3339() -> Option<String> {
    let t: chrono::DateTime<chrono::Utc> = std::time::SystemTime::now().into();
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn now_rfc3339() -> Option<String> {
    None
}

/// The envelope as stored on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// `MAJOR.MINOR`.
    pub format_version: String,
    /// Model kind, e.g. `random_forest_classifier`.
    pub kind: String,
    /// optocom version that wrote the artifact.
    pub library_version: String,
    /// Training facts.
    pub info: ModelInfo,
    /// Params, as the model's params struct serialises.
    pub params: Value,
    /// Feature schema, for models that encode features.
    pub feature_schema: Option<FeatureSchema>,
    /// Fitted state.
    pub state: Value,
    /// What a binding keeps with the model that the core does not read (Python's
    /// `UpliftForest` keeps its `control_name` here): written by
    /// [`Persist::to_json_with_host`], returned by [`Persist::from_json_with_host`], absent
    /// when empty (so an artifact without it is unchanged, and readers that do not know the
    /// key ignore it). A runtime that loads a model with [`Persist::from_json`] and saves it
    /// again drops it.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub host: serde_json::Map<String, Value>,
}

/// The model-specific parts of an envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    /// Training facts.
    pub info: ModelInfo,
    /// Serialised params.
    pub params: Value,
    /// Feature schema, if any.
    pub feature_schema: Option<FeatureSchema>,
    /// Serialised state.
    pub state: Value,
}

impl Parts {
    /// Builds parts from serialisable params and state.
    pub fn new<P: Serialize + ?Sized, S: Serialize + ?Sized>(
        info: ModelInfo,
        params: &P,
        feature_schema: Option<FeatureSchema>,
        state: &S,
    ) -> Result<Self> {
        Ok(Parts {
            info,
            params: to_value(params, "params")?,
            feature_schema,
            state: to_value(state, "state")?,
        })
    }

    /// Deserialises the params.
    pub fn params<P: DeserializeOwned>(&self) -> Result<P> {
        from_value(&self.params, "params")
    }

    /// Deserialises the state.
    pub fn state<S: DeserializeOwned>(&self) -> Result<S> {
        from_value(&self.state, "state")
    }

    /// The feature schema, or an [`Error::InvalidArtifact`] when the artifact has none.
    pub fn require_schema(&self) -> Result<FeatureSchema> {
        self.feature_schema
            .clone()
            .ok_or_else(|| Error::artifact("feature_schema is missing"))
    }
}

fn to_value<T: Serialize + ?Sized>(v: &T, what: &str) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::artifact(format!("cannot serialise {what}: {e}")))
}

/// Deserialises from a borrowed value (no copy of the state's large packed arrays).
fn from_value<T: DeserializeOwned>(v: &Value, what: &str) -> Result<T> {
    T::deserialize(v).map_err(|e| Error::artifact(format!("malformed {what}: {e}")))
}

/// Save/load for every model, through one envelope.
pub trait Persist: Sized {
    /// The `kind` written in the envelope.
    const KIND: &'static str;

    /// Splits the model into envelope parts.
    fn to_parts(&self) -> Result<Parts>;

    /// Rebuilds the model from envelope parts (the kind is already checked).
    fn from_parts(parts: Parts) -> Result<Self>;

    /// The full envelope.
    fn to_envelope(&self) -> Result<Envelope> {
        let p = self.to_parts()?;
        Ok(Envelope {
            format: FORMAT_NAME.to_string(),
            format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
            kind: Self::KIND.to_string(),
            library_version: env!("CARGO_PKG_VERSION").to_string(),
            info: p.info,
            params: p.params,
            feature_schema: p.feature_schema,
            state: p.state,
            host: serde_json::Map::new(),
        })
    }

    /// Rebuilds the model from an envelope, checking its kind.
    fn from_envelope(env: Envelope) -> Result<Self> {
        if env.kind != Self::KIND {
            return Err(Error::artifact(format!(
                "artifact holds a `{}`, expected a `{}`",
                env.kind,
                Self::KIND
            )));
        }
        Self::from_parts(Parts {
            info: env.info,
            params: env.params,
            feature_schema: env.feature_schema,
            state: env.state,
        })
    }

    /// Serialises to a JSON string.
    fn to_json(&self) -> Result<String> {
        serde_json::to_string(&self.to_envelope()?)
            .map_err(|e| Error::artifact(format!("cannot serialise: {e}")))
    }

    /// Parses a JSON string written by [`Persist::to_json`] (any runtime, same major version).
    fn from_json(json: &str) -> Result<Self> {
        Self::from_envelope(read_envelope(json)?)
    }

    /// [`Persist::to_json`] with a binding's own metadata in the envelope's `host` object.
    ///
    /// ```
    /// use optocom_core::artifact::Persist;
    /// use optocom_core::linear::LinearRegression;
    /// # use ndarray::array;
    /// let m = LinearRegression::fit(array![[0.0], [1.0], [2.0]].view(), array![1.0, 3.0, 5.0].view(), None)?;
    /// let mut host = serde_json::Map::new();
    /// host.insert("label".into(), serde_json::json!("control"));
    /// let text = m.to_json_with_host(&host)?;
    /// let (back, got) = LinearRegression::from_json_with_host(&text)?;
    /// assert_eq!((back.to_json()?, got), (m.to_json()?, host));
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    fn to_json_with_host(&self, host: &serde_json::Map<String, Value>) -> Result<String> {
        let mut env = self.to_envelope()?;
        env.host = host.clone();
        serde_json::to_string(&env).map_err(|e| Error::artifact(format!("cannot serialise: {e}")))
    }

    /// [`Persist::from_json`], also returning the envelope's `host` object (empty when the
    /// artifact has none).
    fn from_json_with_host(json: &str) -> Result<(Self, serde_json::Map<String, Value>)> {
        let mut env = read_envelope(json)?;
        let host = std::mem::take(&mut env.host);
        Ok((Self::from_envelope(env)?, host))
    }

    /// Writes the artifact to a writer.
    fn write_to<W: Write>(&self, mut w: W) -> Result<()> {
        w.write_all(self.to_json()?.as_bytes())?;
        w.flush()?;
        Ok(())
    }

    /// Reads an artifact from a reader.
    fn read_from<R: Read>(mut r: R) -> Result<Self> {
        let mut s = String::new();
        r.read_to_string(&mut s).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Error::artifact("artifact is not UTF-8 JSON"),
            _ => Error::Io(e),
        })?;
        Self::from_json(&s)
    }

    /// Kind, training facts and params of this model.
    fn status(&self) -> Result<ModelStatus> {
        Ok(self.to_envelope()?.status())
    }

    /// Saves to a file.
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let f = std::fs::File::create(path).map_err(|e| Error::io_at(path, e))?;
        self.write_to(std::io::BufWriter::new(f))
            .map_err(|e| e.at_path(path))
    }

    /// [`Persist::save`] with a binding's own metadata (see [`Persist::to_json_with_host`]).
    fn save_with_host(
        &self,
        path: impl AsRef<Path>,
        host: &serde_json::Map<String, Value>,
    ) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_json_with_host(host)?;
        let f = std::fs::File::create(path).map_err(|e| Error::io_at(path, e))?;
        let mut w = std::io::BufWriter::new(f);
        w.write_all(text.as_bytes())
            .and_then(|()| w.flush())
            .map_err(|e| Error::io_at(path, e))
    }

    /// Loads from a file.
    fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| Error::io_at(path, e))?;
        Self::read_from(std::io::BufReader::new(f)).map_err(|e| e.at_path(path))
    }
}

/// What a model is, without loading its state: for listings of the models a deployment has
/// ("which models exist, trained when, on how many rows, with which params").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelStatus {
    /// File the model was read from, when it came from a file.
    pub path: Option<std::path::PathBuf>,
    /// Model kind.
    pub kind: String,
    /// Artifact format version.
    pub format_version: String,
    /// optocom version that wrote it.
    pub library_version: String,
    /// Training facts.
    pub info: ModelInfo,
    /// Parameters.
    pub params: Value,
}

impl Envelope {
    /// The status of this envelope's model.
    pub fn status(&self) -> ModelStatus {
        ModelStatus {
            path: None,
            kind: self.kind.clone(),
            format_version: self.format_version.clone(),
            library_version: self.library_version.clone(),
            info: self.info.clone(),
            params: self.params.clone(),
        }
    }
}

/// Reads the status of the model saved at `path` (its kind, training facts and params).
pub fn status_of(path: impl AsRef<Path>) -> Result<ModelStatus> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io_at(path, e))?;
    let mut status = read_envelope(&text)?.status();
    status.path = Some(path.to_path_buf());
    Ok(status)
}

/// The models saved as `*.json` in `dir`, sorted by file name. Files that are not optocom
/// artifacts (other JSON, another format version) are returned in `skipped` with the reason,
/// never silently ignored.
pub fn list_models(dir: impl AsRef<Path>) -> Result<ModelListing> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir.as_ref())
        .map_err(|e| Error::io_at(dir.as_ref(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    paths.sort();
    let mut listing = ModelListing::default();
    for p in paths {
        match status_of(&p) {
            Ok(s) => listing.models.push(s),
            Err(e) => listing.skipped.push((p, e.to_string())),
        }
    }
    Ok(listing)
}

/// Result of [`list_models`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelListing {
    /// Readable artifacts.
    pub models: Vec<ModelStatus>,
    /// Files that are not readable artifacts, with the reason.
    pub skipped: Vec<(std::path::PathBuf, String)>,
}

/// Parses and version-checks an envelope without knowing its kind (used to dispatch
/// `optocom.load(path)` in the bindings).
pub fn read_envelope(json: &str) -> Result<Envelope> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| Error::artifact(format!("not valid JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| Error::artifact("top level is not a JSON object"))?;
    match obj.get("format").and_then(Value::as_str) {
        Some(FORMAT_NAME) => {}
        Some(other) => {
            return Err(Error::artifact(format!(
                "format is `{other}`, expected `{FORMAT_NAME}`"
            )))
        }
        None => return Err(Error::artifact("missing `format` field")),
    }
    let version = obj
        .get("format_version")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::artifact("missing `format_version` field"))?;
    let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
    if major != Some(FORMAT_MAJOR) {
        return Err(Error::UnsupportedVersion {
            format: FORMAT_NAME.to_string(),
            found: version.to_string(),
            supported: format!("{FORMAT_MAJOR}.x"),
        });
    }
    serde_json::from_value(v).map_err(|e| Error::artifact(format!("malformed envelope: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Toy {
        a: Vec<f64>,
    }
    impl Persist for Toy {
        const KIND: &'static str = "toy";
        fn to_parts(&self) -> Result<Parts> {
            Parts::new(
                ModelInfo::new(3, 1),
                &serde_json::json!({"k": 1}),
                None,
                self,
            )
        }
        fn from_parts(parts: Parts) -> Result<Self> {
            parts.state()
        }
    }

    #[test]
    fn exact_float_round_trip() {
        let t = Toy {
            a: vec![0.1 + 0.2, 1e-300, f64::MAX, -0.0, 5e-324, 1.0 / 3.0],
        };
        let back = Toy::from_json(&t.to_json().unwrap()).unwrap();
        for (x, y) in t.a.iter().zip(&back.a) {
            assert_eq!(x.to_bits(), y.to_bits());
        }
    }

    #[test]
    fn unknown_major_version_names_both() {
        let t = Toy { a: vec![1.0] };
        let json = t.to_json().unwrap().replace("\"1.0\"", "\"2.3\"");
        let e = Toy::from_json(&json).unwrap_err();
        assert_eq!(e.code(), "unsupported_version");
        let msg = e.to_string();
        assert!(msg.contains("2.3") && msg.contains("1.x"), "{msg}");
    }

    #[test]
    fn status_and_listing() {
        let dir = std::env::temp_dir().join(format!("optocom-status-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let t = Toy { a: vec![1.0] };
        t.save(dir.join("b_toy.json")).unwrap();
        std::fs::write(dir.join("a_other.json"), "{\"x\": 1}").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a model").unwrap();
        let l = list_models(&dir).unwrap();
        assert_eq!(l.models.len(), 1);
        assert_eq!(l.models[0].kind, "toy");
        assert_eq!(l.models[0].info.n_rows, 3);
        assert_eq!(l.models[0].params["k"], 1);
        assert_eq!(l.skipped.len(), 1);
        assert!(l.skipped[0].1.contains("format"), "{:?}", l.skipped);
        assert_eq!(t.status().unwrap().kind, "toy");
        assert_eq!(list_models(dir.join("missing")).unwrap_err().code(), "io");
    }

    #[test]
    fn newer_minor_version_is_read() {
        let t = Toy { a: vec![1.0] };
        let json = t.to_json().unwrap().replace("\"1.0\"", "\"1.7\"");
        assert_eq!(Toy::from_json(&json).unwrap(), t);
    }

    #[test]
    fn wrong_kind_and_garbage_are_typed() {
        let t = Toy { a: vec![1.0] };
        let json = t.to_json().unwrap().replace("\"toy\"", "\"other\"");
        assert_eq!(
            Toy::from_json(&json).unwrap_err().code(),
            "invalid_artifact"
        );
        assert_eq!(Toy::from_json("{").unwrap_err().code(), "invalid_artifact");
        assert_eq!(Toy::from_json("[]").unwrap_err().code(), "invalid_artifact");
        assert_eq!(
            Toy::from_json(r#"{"format":"x"}"#).unwrap_err().code(),
            "invalid_artifact"
        );
    }
}
