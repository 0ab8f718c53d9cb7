//! linfa interoperability: [`ForestParams`] implements linfa's `Fit` for datasets with
//! `usize` targets (giving a [`RandomForestClassifier`]) and `f64` targets (giving a
//! [`RandomForestRegressor`]); both models implement `PredictInplace`, so linfa's `Predict`
//! works too.
//!
//! ```
//! use linfa::prelude::*;
//! use ndarray::{Array1, Array2};
//! use optocom_core::forest::ForestParams;
//!
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 13 + j * 7) % 50) as f64);
//! let y: Array1<usize> = x.rows().into_iter().map(|r| usize::from(r[0] > 25.0)).collect();
//! let dataset = Dataset::new(x.clone(), y.clone());
//! let model = ForestParams::default().n_trees(20).fit(&dataset)?;
//! // inherent `predict` (typed errors) shadows linfa's; call the trait explicitly
//! let pred: Array1<usize> = Predict::predict(&model, &x);
//! assert!(pred.iter().zip(&y).filter(|(a, b)| a == b).count() > 190);
//! # Ok::<(), linfa::Error>(())
//! ```
//!
//! linfa's `Fit` requires an error type convertible from `linfa::Error`, so these impls
//! return `linfa::Error`: parameter problems map to `Parameters`, shape problems to
//! `MismatchedShapes`, empty input to `NotEnoughSamples`, anything else to `Parameters`
//! with the optocom message. `PredictInplace` has no error channel: when the input cannot be
//! scored (wrong number of columns, non-finite values, `y` of the wrong length) the target is
//! left unchanged; use the inherent `predict` methods to get the typed error.

use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, ArrayBase, Data, Ix2};

use super::classifier::RandomForestClassifier;
use super::hyperparams::ForestParams;
use super::regressor::RandomForestRegressor;
use crate::error::Error;
use crate::features::FeatureSchema;

fn to_linfa(e: Error) -> linfa::Error {
    match e {
        Error::ShapeMismatch {
            expected, found, ..
        } => linfa::Error::MismatchedShapes(expected, found),
        Error::EmptyInput { .. } => linfa::Error::NotEnoughSamples,
        other => linfa::Error::Parameters(other.to_string()),
    }
}

fn schema_of(names: &[String], ncols: usize) -> FeatureSchema {
    if names.len() == ncols {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        FeatureSchema::numeric("generic", &refs)
    } else {
        FeatureSchema::generic(ncols)
    }
}

impl<D: Data<Elem = f64>> Fit<ArrayBase<D, Ix2>, Array1<usize>, linfa::Error> for ForestParams {
    type Object = RandomForestClassifier;

    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, Array1<usize>>,
    ) -> Result<Self::Object, linfa::Error> {
        let x = dataset.records().view();
        let schema = schema_of(dataset.feature_names(), x.ncols());
        RandomForestClassifier::fit_with_schema(self, x, dataset.targets().view(), schema)
            .map_err(to_linfa)
    }
}

impl<D: Data<Elem = f64>> Fit<ArrayBase<D, Ix2>, Array1<f64>, linfa::Error> for ForestParams {
    type Object = RandomForestRegressor;

    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, Array1<f64>>,
    ) -> Result<Self::Object, linfa::Error> {
        let x = dataset.records().view();
        let schema = schema_of(dataset.feature_names(), x.ncols());
        RandomForestRegressor::fit_with_schema(self, x, dataset.targets().view(), schema)
            .map_err(to_linfa)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>>
    for RandomForestClassifier
{
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        if y.len() != x.nrows() {
            return;
        }
        if let Ok(p) = self.predict(x.view()) {
            y.assign(&p);
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<f64>> for RandomForestRegressor {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<f64>) {
        if y.len() != x.nrows() {
            return;
        }
        if let Ok(p) = self.predict(x.view()) {
            y.assign(&p);
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<f64> {
        Array1::zeros(x.nrows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use ndarray::Array2;

    #[test]
    fn regression_and_errors_through_linfa() {
        let x = Array2::from_shape_fn((300, 2), |(i, j)| ((i * 7 + j * 3) % 60) as f64);
        let y: Array1<f64> = x.rows().into_iter().map(|r| r[0] * 2.0).collect();
        let ds = Dataset::new(x.clone(), y.clone()).with_feature_names(vec!["a", "b"]);
        let model: RandomForestRegressor = ForestParams::default().n_trees(10).fit(&ds).unwrap();
        assert_eq!(model.schema().names(), vec!["a", "b"]);
        let pred: Array1<f64> = Predict::predict(&model, &x);
        assert_eq!(pred, model.predict(x.view()).unwrap());
        let bad = ForestParams::default().n_trees(0);
        let e = Fit::<_, Array1<f64>, _>::fit(&bad, &ds).unwrap_err();
        assert!(matches!(e, linfa::Error::Parameters(_)), "{e}");
        // wrong column count: target left untouched, no panic
        let mut t = Array1::from_elem(3, -1.0);
        model.predict_inplace(&Array2::zeros((3, 5)), &mut t);
        assert!(t.iter().all(|&v| v == -1.0));
    }
}
