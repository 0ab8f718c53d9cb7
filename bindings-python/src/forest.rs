//! Random forests: the compiled halves of `optocom.RandomForestClassifier` and
//! `optocom.RandomForestRegressor` (the scikit-learn API lives in Python).

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use optocom_core::features::FeatureSchema;
use optocom_core::forest::{
    ClassLabels, ForestParams, RandomForestClassifier, RandomForestRegressor,
};
use optocom_core::Persist;
use pyo3::prelude::*;

use crate::conversion::{from_json, json};
use crate::error::{detached, IntoPyResult};

/// A schema from column names (numeric features), or the generic `x0..` one.
pub fn schema(name: &str, n: usize, names: Option<Vec<String>>) -> FeatureSchema {
    match names {
        Some(names) => {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            FeatureSchema::numeric(name, &refs)
        }
        None => FeatureSchema::generic(n),
    }
}

/// A fitted random-forest classifier.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct ForestClassifier {
    pub(crate) inner: RandomForestClassifier,
}

#[pymethods]
impl ForestClassifier {
    /// Fits on `x` (float64, any layout, borrowed) and class indices `y` (0..k-1).
    #[staticmethod]
    #[pyo3(signature = (x, y, params, feature_names=None, labels=None, progress=None))]
    fn fit(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, i64>,
        params: &str,
        feature_names: Option<Vec<String>>,
        labels: Option<&str>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let observer = crate::progress::observer(progress);
        let params: ForestParams = from_json(py, "params", params)?;
        let labels: Option<ClassLabels> = match labels {
            Some(l) => Some(from_json(py, "classes", l)?),
            None => None,
        };
        let x = x.as_array();
        let y = y.as_array();
        let schema = schema("features", x.ncols(), feature_names);
        let inner = detached(py, move || {
            let y: ndarray::Array1<usize> = y.mapv(|v| usize::try_from(v).unwrap_or(usize::MAX));
            let m = crate::progress::run(observer, || {
                RandomForestClassifier::fit_with_schema(&params, x, y.view(), schema)
            })?;
            match labels {
                Some(l) => m.with_class_labels(l),
                None => Ok(m),
            }
        })?;
        Ok(ForestClassifier { inner })
    }

    /// Class probabilities, `n_rows x n_classes`.
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = x.as_array();
        let out = detached(py, || self.inner.predict_proba(x))?;
        Ok(out.into_pyarray(py))
    }

    /// Benchmark support: seconds of each of `repeats` calls of the core's `predict_proba`
    /// on `x`, timed inside Rust (no Python in the loop). The peer benchmark compares them
    /// with the same call made from Python, in the same process on the same data.
    fn _native_predict_seconds(
        &self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        repeats: usize,
    ) -> PyResult<Vec<f64>> {
        let x = x.as_array();
        detached(py, || {
            let mut out = Vec::with_capacity(repeats);
            for _ in 0..repeats {
                let t = std::time::Instant::now();
                let p = self.inner.predict_proba(x)?;
                std::hint::black_box(p);
                out.push(t.elapsed().as_secs_f64());
            }
            Ok(out)
        })
    }

    /// Probabilities of one row (the low-latency path: no thread pool, no GIL release).
    fn predict_proba_row<'py>(
        &self,
        py: Python<'py>,
        row: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let row = row.as_array();
        let out = match row.as_slice() {
            Some(s) => self.inner.predict_proba_row(s),
            None => self.inner.predict_proba_row(&row.to_vec()),
        }
        .py_err(py)?;
        Ok(out.into_pyarray(py))
    }

    /// Mean decrease in impurity per feature, summing to 1.
    fn feature_importances<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.feature_importances().into_pyarray(py)
    }

    /// Number of classes.
    #[getter]
    fn n_classes(&self) -> usize {
        self.inner.n_classes()
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

    /// Class labels as JSON (`None` when the classes are the indices).
    #[getter]
    fn labels(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.inner.class_labels().map(|l| json(py, l)).transpose()
    }

    /// Out-of-bag accuracy, when requested.
    #[getter]
    fn oob_score(&self) -> Option<f64> {
        self.inner.oob_score()
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
        let inner = RandomForestClassifier::from_json(text).py_err(py)?;
        Ok(ForestClassifier { inner })
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.inner.save(&path))
    }
}

/// A fitted random-forest regressor.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct ForestRegressor {
    pub(crate) inner: RandomForestRegressor,
}

#[pymethods]
impl ForestRegressor {
    /// Fits on `x` (float64, borrowed) and targets `y`.
    #[staticmethod]
    #[pyo3(signature = (x, y, params, feature_names=None, progress=None))]
    fn fit(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        params: &str,
        feature_names: Option<Vec<String>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let observer = crate::progress::observer(progress);
        let params: ForestParams = from_json(py, "params", params)?;
        let x = x.as_array();
        let y = y.as_array();
        let schema = schema("features", x.ncols(), feature_names);
        let inner = detached(py, move || {
            crate::progress::run(observer, || {
                RandomForestRegressor::fit_with_schema(&params, x, y, schema)
            })
        })?;
        Ok(ForestRegressor { inner })
    }

    /// Predictions, one per row.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = x.as_array();
        let out = detached(py, || self.inner.predict(x))?;
        Ok(out.into_pyarray(py))
    }

    /// Prediction for one row (no thread pool, no GIL release).
    fn predict_row(&self, py: Python<'_>, row: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
        let row = row.as_array();
        match row.as_slice() {
            Some(s) => self.inner.predict_row(s),
            None => self.inner.predict_row(&row.to_vec()),
        }
        .py_err(py)
    }

    /// Mean decrease in impurity per feature, summing to 1.
    fn feature_importances<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.feature_importances().into_pyarray(py)
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

    /// Out-of-bag R^2, when requested.
    #[getter]
    fn oob_score(&self) -> Option<f64> {
        self.inner.oob_score()
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
        let inner = RandomForestRegressor::from_json(text).py_err(py)?;
        Ok(ForestRegressor { inner })
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.inner.save(&path))
    }
}
