//! Linear regression: the compiled half of `optocom.LinearRegression`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use optocom_core::linear::LinearRegression;
use optocom_core::Persist;
use pyo3::prelude::*;

use crate::error::{detached, IntoPyResult};
use crate::forest::schema;

/// A fitted linear regression on standardised features.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct LinearModel {
    pub(crate) inner: LinearRegression,
}

#[pymethods]
impl LinearModel {
    /// Fits on `x` (float64, borrowed) and `y` (float64, borrowed).
    #[staticmethod]
    #[pyo3(signature = (x, y, feature_names=None))]
    fn fit(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        feature_names: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let (x, y) = (x.as_array(), y.as_array());
        let schema = schema("features", x.ncols(), feature_names);
        let inner = detached(py, move || LinearRegression::fit(x, y, Some(schema)))?;
        Ok(LinearModel { inner })
    }

    /// Predictions, one per row.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = x.as_array();
        Ok(detached(py, || self.inner.predict(x))?.into_pyarray(py))
    }

    /// Prediction for one row (no GIL release: too short to be worth it).
    fn predict_row(&self, py: Python<'_>, row: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
        let row = row.as_array();
        match row.as_slice() {
            Some(s) => self.inner.predict_row(s),
            None => self.inner.predict_row(&row.to_vec()),
        }
        .py_err(py)
    }

    /// Coefficients in the units of `x`.
    fn coef<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.coef().into_pyarray(py)
    }

    /// Coefficients on the standardised features.
    fn standardised_coef<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.standardised_coef().to_vec().into_pyarray(py)
    }

    /// Intercept in the units of `x`.
    #[getter]
    fn intercept(&self) -> f64 {
        self.inner.intercept()
    }

    /// Intercept on the standardised features.
    #[getter]
    fn standardised_intercept(&self) -> f64 {
        self.inner.standardised_intercept()
    }

    /// Rank of the standardised design (`None` for a model saved before it was stored).
    #[getter]
    fn rank(&self) -> Option<usize> {
        self.inner.rank()
    }

    /// Singular values of the standardised design, largest first (`None` as for `rank`).
    fn singular<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner
            .singular_values()
            .map(|s| s.to_vec().into_pyarray(py))
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

    /// The model artifact (JSON envelope).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py_err(py)
    }

    /// Reads a model artifact.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = LinearRegression::from_json(text).py_err(py)?;
        Ok(LinearModel { inner })
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.inner.save(&path))
    }
}
