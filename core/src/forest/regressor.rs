//! Random forest regression.

use ndarray::{Array1, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::criterion::MseCriterion;
use super::ensemble::{check_fit_x, check_predict_x, check_row, Ensemble};
use super::hyperparams::ForestParams;
use super::tree::Tree;
use crate::artifact::{ModelInfo, Parts, Persist};
use crate::error::{check_finite_column, check_magnitude, Error, Result};
use crate::features::FeatureSchema;

/// A random forest of histogram trees predicting a real target (MSE splits, leaf means).
///
/// Same engine, parameters and guarantees as
/// [`RandomForestClassifier`](crate::forest::RandomForestClassifier): bit-identical results
/// for any thread count and after a save/load round trip.
///
/// ```
/// use ndarray::{Array1, Array2};
/// use optocom_core::forest::{ForestParams, RandomForestRegressor};
/// use optocom_core::Persist;
///
/// let x = Array2::from_shape_fn((500, 2), |(i, j)| ((i * 31 + j * 17) % 101) as f64);
/// let y: Array1<f64> = x.rows().into_iter().map(|r| 2.0 * r[0] + (r[1] / 10.0).sin()).collect();
/// let model = RandomForestRegressor::fit(&ForestParams::default().n_trees(30), x.view(), y.view())?;
/// let pred = model.predict(x.view())?;
/// assert!((pred[0] - y[0]).abs() < 20.0);
/// let back = RandomForestRegressor::from_json(&model.to_json()?)?;
/// assert_eq!(back.predict_row(&[10.0, 3.0])?, model.predict_row(&[10.0, 3.0])?);
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RandomForestRegressor {
    params: ForestParams,
    schema: FeatureSchema,
    forest: Ensemble,
    oob_score: Option<f64>,
    info: ModelInfo,
}

impl RandomForestRegressor {
    /// Fits a forest on `x` (`n x p`, finite) and targets `y` (finite), with a generic
    /// feature schema.
    pub fn fit(
        params: &ForestParams,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
    ) -> Result<Self> {
        Self::fit_with_schema(params, x, y, FeatureSchema::generic(x.ncols()))
    }

    /// Fits with a named feature schema (its length must equal the number of columns).
    ///
    /// Errors: as [`RandomForestClassifier::fit_with_schema`](crate::forest::RandomForestClassifier::fit_with_schema),
    /// with [`Error::InvalidValue`] for a non-finite target.
    pub fn fit_with_schema(
        params: &ForestParams,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        schema: FeatureSchema,
    ) -> Result<Self> {
        params.check()?;
        check_fit_x(x, &schema)?;
        if y.len() != x.nrows() {
            return Err(Error::shape("y length", x.nrows(), y.len()));
        }
        let targets = y.to_vec();
        check_finite_column("y", &targets, "targets must be finite")?;
        check_magnitude("y", targets.iter().copied())?;
        let crit = MseCriterion::new(&targets);
        let forest = Ensemble::fit(params, x, &crit)?;
        let oob_score = if params.oob {
            oob_r2(&forest.oob, &targets)
        } else {
            None
        };
        Ok(RandomForestRegressor {
            params: params.clone(),
            schema,
            forest,
            oob_score,
            info: ModelInfo::new(x.nrows(), x.ncols()),
        })
    }

    /// Predictions, one per row.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_x(x, &self.schema)?;
        Ok(Array1::from(self.forest.predict(x, self.params.n_jobs)?))
    }

    /// Prediction for one row (no allocation; no thread pool).
    pub fn predict_row(&self, row: &[f64]) -> Result<f64> {
        check_row(row, &self.schema)?;
        let mut out = [0.0];
        self.forest.predict_row_into(row, &mut out);
        Ok(out[0])
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.schema.len()
    }

    /// The feature schema the model was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &ForestParams {
        &self.params
    }

    /// Training facts (rows, features, time).
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The trees, in index order (leaf values are means, width 1).
    pub fn trees(&self) -> &[Tree] {
        &self.forest.trees
    }

    /// Mean decrease in squared error per feature, normalised to sum to 1 (all zeros when no
    /// tree could split).
    pub fn feature_importances(&self) -> Array1<f64> {
        Array1::from(self.forest.importances.clone())
    }

    /// Out-of-bag R^2 over rows left out of at least one tree, when fitted with `oob(true)`.
    pub fn oob_score(&self) -> Option<f64> {
        self.oob_score
    }

    /// Out-of-bag predictions of the training rows (NaN for a row that was in every tree's
    /// sample), when fitted with `oob(true)`.
    pub fn oob_prediction(&self) -> Option<ArrayView1<'_, f64>> {
        (!self.forest.oob.is_empty()).then(|| ArrayView1::from(&self.forest.oob[..]))
    }
}

fn oob_r2(oob: &[f64], y: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = oob
        .iter()
        .zip(y)
        .filter(|(p, _)| p.is_finite())
        .map(|(&p, &y)| (p, y))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let mean = pairs.iter().map(|p| p.1).sum::<f64>() / pairs.len() as f64;
    let ss_res: f64 = pairs.iter().map(|(p, y)| (y - p) * (y - p)).sum();
    let ss_tot: f64 = pairs.iter().map(|(_, y)| (y - mean) * (y - mean)).sum();
    (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot)
}

#[derive(Serialize)]
struct StateRef<'a> {
    oob_score: Option<f64>,
    forest: &'a Ensemble,
}

#[derive(Deserialize)]
struct State {
    oob_score: Option<f64>,
    forest: Ensemble,
}

impl Persist for RandomForestRegressor {
    const KIND: &'static str = "random_forest_regressor";

    fn to_parts(&self) -> Result<Parts> {
        Parts::new(
            self.info.clone(),
            &self.params,
            Some(self.schema.clone()),
            &StateRef {
                oob_score: self.oob_score,
                forest: &self.forest,
            },
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let params: ForestParams = parts.params()?;
        params.check()?;
        let schema = parts.require_schema()?;
        let state: State = parts.state()?;
        state.forest.validate(schema.len(), 1)?;
        Ok(RandomForestRegressor {
            params,
            schema,
            forest: state.forest,
            oob_score: state.oob_score,
            info: parts.info,
        })
    }
}
