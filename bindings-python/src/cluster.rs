//! k-means: the compiled half of `optocom.KMeans`.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use optocom_core::cluster::{KMeans, KMeansParams};
use optocom_core::Persist;
use pyo3::prelude::*;

use crate::conversion::{from_json, json};
use crate::error::{detached, IntoPyResult};
use crate::forest::schema;

/// A fitted k-means model.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct KMeansModel {
    pub(crate) inner: KMeans,
}

#[pymethods]
impl KMeansModel {
    /// Fits on `x` (float64, borrowed).
    #[staticmethod]
    #[pyo3(signature = (x, params, feature_names=None))]
    fn fit(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        params: &str,
        feature_names: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let params: KMeansParams = from_json(py, "params", params)?;
        let x = x.as_array();
        let schema = schema("features", x.ncols(), feature_names);
        let inner = detached(py, move || KMeans::fit(&params, x, Some(schema)))?;
        Ok(KMeansModel { inner })
    }

    /// Nearest centroid of each row.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let x = x.as_array();
        let labels = detached(py, || self.inner.predict(x))?;
        Ok(labels.mapv(|l| l as i64).into_pyarray(py))
    }

    /// Euclidean distance of each row to each centroid.
    fn transform<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = x.as_array();
        Ok(detached(py, || self.inner.transform(x))?.into_pyarray(py))
    }

    /// Minus the inertia of `x` (scikit-learn's `score`).
    fn score(&self, py: Python<'_>, x: PyReadonlyArray2<'_, f64>) -> PyResult<f64> {
        let x = x.as_array();
        detached(py, || self.inner.score(x))
    }

    /// Centroids, `n_clusters x n_features`.
    fn centroids<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.centroids().to_owned().into_pyarray(py)
    }

    /// Training labels (empty for a loaded model when the artifact does not keep them).
    fn labels<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        self.inner
            .labels()
            .iter()
            .map(|&l| l as i64)
            .collect::<Vec<i64>>()
            .into_pyarray(py)
    }

    /// Training inertia (sum of squared distances to the nearest centroid).
    #[getter]
    fn inertia(&self) -> f64 {
        self.inner.inertia()
    }

    /// Number of clusters.
    #[getter]
    fn n_clusters(&self) -> usize {
        self.inner.n_clusters()
    }

    /// Number of features.
    #[getter]
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    /// Feature names in column order.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.inner.schema().names()
    }

    /// The core parameters as JSON.
    #[getter]
    fn params(&self, py: Python<'_>) -> PyResult<String> {
        json(py, self.inner.params())
    }

    /// The model artifact (JSON envelope).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py_err(py)
    }

    /// Reads a model artifact.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = KMeans::from_json(text).py_err(py)?;
        Ok(KMeansModel { inner })
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.inner.save(&path))
    }
}
