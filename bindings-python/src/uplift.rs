//! The uplift forest: the compiled half of `optocom.UpliftForest`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use optocom_core::campaign::{OutcomeKind, UpliftForest, UpliftParams};
use pyo3::prelude::*;

use crate::conversion::{from_json, json};
use crate::error::{detached, IntoPyResult};
use crate::forest::schema;
use crate::host::Host;

/// A fitted honest causal forest with per-row standard errors.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct UpliftModel {
    pub(crate) inner: UpliftForest,
    /// The Python wrapper's own params (`control_name`, `outcome`), kept in the artifact.
    pub(crate) host: Host,
}

impl UpliftModel {
    pub(crate) fn new(inner: UpliftForest) -> Self {
        UpliftModel {
            inner,
            host: Host::default(),
        }
    }

    /// A model from an artifact, with its `host` metadata.
    pub(crate) fn read(text: &str) -> optocom_core::Result<Self> {
        let (inner, host) = Host::read(text)?;
        Ok(UpliftModel { inner, host })
    }
}

type Pair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

type Triple<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

#[pymethods]
impl UpliftModel {
    /// Fits on features `x`, treatment indicators (0/1) and outcomes `y`; `outcome` is
    /// `"binary"` or `"continuous"`.
    #[staticmethod]
    #[pyo3(signature = (x, treatment, y, outcome, params, feature_names=None, progress=None, host=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        treatment: PyReadonlyArray1<'_, u8>,
        y: PyReadonlyArray1<'_, f64>,
        outcome: &str,
        params: &str,
        feature_names: Option<Vec<String>>,
        progress: Option<Py<PyAny>>,
        host: Option<&str>,
    ) -> PyResult<Self> {
        let observer = crate::progress::observer(progress);
        let params: UpliftParams = from_json(py, "params", params)?;
        let host = Host::parse(py, host)?;
        let kind: OutcomeKind = from_json(py, "outcome", &format!("{outcome:?}"))?;
        let x = x.as_array();
        let treatment = treatment.as_array();
        let y = y.as_array();
        let schema = schema("features", x.ncols(), feature_names);
        let inner = detached(py, move || {
            let t = treatment.to_vec();
            let y = y.to_vec();
            crate::progress::run(observer, || {
                UpliftForest::fit(&params, x, &t, &y, kind, Some(schema))
            })
        })?;
        Ok(UpliftModel { inner, host })
    }

    /// `(effect, std_error)` per row.
    fn predict<'py>(&self, py: Python<'py>, x: PyReadonlyArray2<'py, f64>) -> PyResult<Pair<'py>> {
        let x = x.as_array();
        let p = detached(py, || self.inner.predict(x))?;
        Ok((p.effect.into_pyarray(py), p.std_error.into_pyarray(py)))
    }

    /// `(effect, lower, upper)` per row at confidence `level`.
    fn predict_interval<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        level: f64,
    ) -> PyResult<Triple<'py>> {
        let x = x.as_array();
        let (e, lo, hi) = detached(py, || self.inner.predict_interval(x, level))?;
        Ok((e.into_pyarray(py), lo.into_pyarray(py), hi.into_pyarray(py)))
    }

    /// Average effect (difference in arm means) with its interval, as JSON.
    fn average_effect(&self, py: Python<'_>, level: f64) -> PyResult<String> {
        let e = self.inner.average_effect(level).py_err(py)?;
        json(py, &e)
    }

    /// Normalised split-gain importances.
    fn feature_importances<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.feature_importances().into_pyarray(py)
    }

    /// `"binary"` or `"continuous"`.
    #[getter]
    fn outcome(&self, py: Python<'_>) -> PyResult<String> {
        Ok(json(py, &self.inner.outcome())?
            .trim_matches('"')
            .to_string())
    }

    /// Number of features.
    #[getter]
    fn n_features(&self) -> usize {
        self.inner.schema().len()
    }

    /// Feature names in column order.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.inner.schema().names()
    }

    /// Column indices of the local-linear correction (empty: none).
    #[getter]
    fn linear_columns(&self) -> Vec<usize> {
        self.inner.linear_columns().to_vec()
    }

    /// The core parameters as JSON.
    #[getter]
    fn params(&self, py: Python<'_>) -> PyResult<String> {
        json(py, self.inner.params())
    }

    /// The wrapper's metadata kept in the artifact, as a JSON object.
    #[getter]
    fn host(&self, py: Python<'_>) -> PyResult<String> {
        self.host.to_text(py)
    }

    /// The model artifact (JSON envelope).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.host.artifact(&self.inner).py_err(py)
    }

    /// Reads a model artifact.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        UpliftModel::read(text).py_err(py)
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.host.save(&self.inner, &path))
    }
}
