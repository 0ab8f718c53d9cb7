//! What a Python wrapper keeps with its model that the core does not read (`control_name`,
//! `lenient`): the artifact envelope's `host` object (see optocom_core's `Persist::to_json_with_host`).

use optocom_core::Persist;
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::conversion::{from_json, json};

/// The `host` object of one model.
#[derive(Debug, Clone, Default)]
pub struct Host(Map<String, Value>);

impl Host {
    /// From the JSON object text a wrapper passes at fit time (`None`: nothing kept).
    pub fn parse(py: Python<'_>, text: Option<&str>) -> PyResult<Self> {
        match text {
            Some(text) => Ok(Host(from_json(py, "host", text)?)),
            None => Ok(Host::default()),
        }
    }

    /// As JSON object text, for the wrapper's `_from_model`.
    pub fn to_text(&self, py: Python<'_>) -> PyResult<String> {
        json(py, &self.0)
    }

    /// A model and its host object from an artifact.
    pub fn read<M: Persist>(text: &str) -> optocom_core::Result<(M, Host)> {
        let (model, host) = M::from_json_with_host(text)?;
        Ok((model, Host(host)))
    }

    /// The artifact of `model` with this host object.
    pub fn artifact<M: Persist>(&self, model: &M) -> optocom_core::Result<String> {
        model.to_json_with_host(&self.0)
    }

    /// Saves `model` with this host object.
    pub fn save<M: Persist>(&self, model: &M, path: &std::path::Path) -> optocom_core::Result<()> {
        model.save_with_host(path, &self.0)
    }
}
