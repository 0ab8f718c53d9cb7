//! Random forest classification.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::criterion::ClassificationCriterion;
use super::ensemble::{check_fit_x, check_predict_x, check_row, Ensemble};
use super::hyperparams::ForestParams;
use super::tree::Tree;
use crate::artifact::{ModelInfo, Parts, Persist};
use crate::error::{Error, Location, Result};
use crate::features::FeatureSchema;

/// Largest number of classes (labels must be below it).
pub const MAX_CLASSES: usize = 1 << 16;

/// A random forest of histogram trees predicting class probabilities.
///
/// Classes are `0..k`, `k = max(y) + 1`; the predicted probability vector of a row is the
/// mean of the trees' leaf class frequencies, summed in tree order, so results are
/// bit-identical for any thread count and after a save/load round trip. The defaults are
/// tuned for noisy probability targets (see the [module docs](crate::forest#default-parameters)).
///
/// ```
/// use ndarray::{Array1, Array2};
/// use optocom_core::forest::{ForestParams, RandomForestClassifier};
/// use optocom_core::Persist;
///
/// // y = 1 when x0 + x1 > 1
/// let x = Array2::from_shape_fn((400, 3), |(i, j)| ((i * 37 + j * 101) % 97) as f64 / 97.0);
/// let y: Array1<usize> = x.rows().into_iter().map(|r| usize::from(r[0] + r[1] > 1.0)).collect();
///
/// let params = ForestParams::default().n_trees(50).seed(7);
/// let model = RandomForestClassifier::fit(&params, x.view(), y.view())?;
/// let proba = model.predict_proba(x.view())?;          // 400 x 2
/// assert_eq!(proba.dim(), (400, 2));
/// let labels = model.predict(x.view())?;
/// let accuracy = labels.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / 400.0;
/// assert!(accuracy > 0.9);
/// let one = model.predict_proba_row(&[0.9, 0.8, 0.1])?;
/// assert!(one[1] > 0.5);
///
/// let path = std::env::temp_dir().join("optocom_rf_doc_example.json");
/// model.save(&path)?;
/// let loaded = RandomForestClassifier::load(&path)?;
/// assert_eq!(loaded.predict_proba(x.view())?, proba); // same bits
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RandomForestClassifier {
    params: ForestParams,
    schema: FeatureSchema,
    n_classes: usize,
    forest: Ensemble,
    oob_score: Option<f64>,
    labels: Option<ClassLabels>,
    info: ModelInfo,
}

/// The caller's names for the classes `0..n_classes`, kept in the artifact so that a model
/// trained in one runtime on labels such as `"buy"`/`"no_buy"` or `{1, 2}` answers with the
/// same labels in every other runtime. The forest itself always works on indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClassLabels {
    /// Boolean labels (`false`, `true`).
    Bool(Vec<bool>),
    /// Integer labels.
    Int(Vec<i64>),
    /// Text labels.
    Text(Vec<String>),
}

impl ClassLabels {
    /// Number of labels.
    pub fn len(&self) -> usize {
        match self {
            ClassLabels::Bool(v) => v.len(),
            ClassLabels::Int(v) => v.len(),
            ClassLabels::Text(v) => v.len(),
        }
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn distinct(&self) -> bool {
        fn all_distinct<T: Eq + std::hash::Hash>(v: &[T]) -> bool {
            let mut seen = std::collections::HashSet::with_capacity(v.len());
            v.iter().all(|x| seen.insert(x))
        }
        match self {
            ClassLabels::Bool(v) => all_distinct(v),
            ClassLabels::Int(v) => all_distinct(v),
            ClassLabels::Text(v) => all_distinct(v),
        }
    }
}

impl RandomForestClassifier {
    /// Fits a forest on `x` (`n x p`, finite) and labels `y` (`0..k`), with a generic
    /// feature schema `x0..x{p-1}`.
    pub fn fit(
        params: &ForestParams,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, usize>,
    ) -> Result<Self> {
        Self::fit_with_schema(params, x, y, FeatureSchema::generic(x.ncols()))
    }

    /// Fits with a named feature schema (its length must equal the number of columns).
    ///
    /// Errors: [`Error::InvalidParameter`] from [`ForestParams::check`],
    /// [`Error::EmptyInput`] for no rows or columns, [`Error::ShapeMismatch`] for a schema or
    /// `y` of the wrong length, [`Error::InvalidValue`] for a non-finite feature or a label of
    /// [`MAX_CLASSES`] or more, [`Error::DegenerateTarget`] when `y` has one class only.
    pub fn fit_with_schema(
        params: &ForestParams,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, usize>,
        schema: FeatureSchema,
    ) -> Result<Self> {
        params.check()?;
        check_fit_x(x, &schema)?;
        if y.len() != x.nrows() {
            return Err(Error::shape("y length", x.nrows(), y.len()));
        }
        let mut labels = Vec::with_capacity(y.len());
        for (row, &c) in y.iter().enumerate() {
            if c >= MAX_CLASSES {
                return Err(Error::invalid_value(
                    Location::Row { row },
                    "y",
                    c.to_string(),
                    format!("class labels must be below {MAX_CLASSES}"),
                ));
            }
            labels.push(c as u32);
        }
        let n_classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
        let mut seen = vec![false; n_classes];
        for &c in &labels {
            seen[c as usize] = true;
        }
        if seen.iter().filter(|&&s| s).count() < 2 {
            return Err(Error::degenerate(
                "y has fewer than 2 distinct classes".to_string(),
            ));
        }
        let crit = ClassificationCriterion::new(&labels, n_classes, params.impurity)
            .ok_or_else(|| Error::degenerate("class labels out of range"))?;
        let forest = Ensemble::fit(params, x, &crit)?;
        let oob_score = params
            .oob
            .then(|| oob_accuracy(&forest.oob, &labels, n_classes))
            .flatten();
        Ok(RandomForestClassifier {
            params: params.clone(),
            schema,
            n_classes,
            forest,
            oob_score,
            labels: None,
            info: ModelInfo::new(x.nrows(), x.ncols()),
        })
    }

    /// Names the classes: `labels` lists the label of class `0`, `1`, ... (saved with the
    /// model; see [`ClassLabels`]).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless there is one label per class,
    /// [`Error::InvalidParameter`] when two labels are equal.
    pub fn with_class_labels(mut self, labels: ClassLabels) -> Result<Self> {
        if labels.len() != self.n_classes {
            return Err(Error::shape("class labels", self.n_classes, labels.len()));
        }
        if !labels.distinct() {
            return Err(Error::invalid_param(
                "class_labels",
                format!("{labels:?}"),
                "two classes have the same label",
            ));
        }
        self.labels = Some(labels);
        Ok(self)
    }

    /// The classes' labels, when they were named with
    /// [`RandomForestClassifier::with_class_labels`].
    pub fn class_labels(&self) -> Option<&ClassLabels> {
        self.labels.as_ref()
    }

    /// Class probabilities, `n x n_classes`; each row sums to 1 (up to rounding).
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_x(x, &self.schema)?;
        let out = self.forest.predict(x, self.params.n_jobs)?;
        Array2::from_shape_vec((x.nrows(), self.n_classes), out).map_err(|e| {
            Error::shape(
                format!("prediction output ({e})"),
                x.nrows() * self.n_classes,
                0,
            )
        })
    }

    /// Class probabilities of one row (one small allocation; no thread pool).
    pub fn predict_proba_row(&self, row: &[f64]) -> Result<Vec<f64>> {
        check_row(row, &self.schema)?;
        let mut out = vec![0.0; self.n_classes];
        self.forest.predict_row_into(row, &mut out);
        Ok(out)
    }

    /// Writes the class probabilities of one row into `out` (`n_classes` long): no allocation.
    pub fn predict_proba_row_into(&self, row: &[f64], out: &mut [f64]) -> Result<()> {
        check_row(row, &self.schema)?;
        if out.len() != self.n_classes {
            return Err(Error::shape("output length", self.n_classes, out.len()));
        }
        self.forest.predict_row_into(row, out);
        Ok(())
    }

    /// Most probable class of each row (ties go to the lowest class).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.rows()
            .into_iter()
            .map(|r| argmax(r.iter().copied()))
            .collect())
    }

    /// Most probable class of one row.
    pub fn predict_row(&self, row: &[f64]) -> Result<usize> {
        Ok(argmax(self.predict_proba_row(row)?.into_iter()))
    }

    /// Number of classes `k`.
    pub fn n_classes(&self) -> usize {
        self.n_classes
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

    /// The trees, in index order (leaf values are class probabilities).
    pub fn trees(&self) -> &[Tree] {
        &self.forest.trees
    }

    /// Mean decrease in impurity per feature, normalised to sum to 1 (all zeros when no tree
    /// could split).
    pub fn feature_importances(&self) -> Array1<f64> {
        Array1::from(self.forest.importances.clone())
    }

    /// Out-of-bag accuracy (fraction of training rows whose OOB-predicted class is right,
    /// over rows left out of at least one tree), when fitted with `oob(true)`.
    pub fn oob_score(&self) -> Option<f64> {
        self.oob_score
    }

    /// Out-of-bag class probabilities of the training rows (`n x k`; a row that was in every
    /// tree's sample is NaN), when fitted with `oob(true)`.
    pub fn oob_proba(&self) -> Option<ArrayView2<'_, f64>> {
        if self.forest.oob.is_empty() {
            return None;
        }
        ArrayView2::from_shape(
            (self.forest.oob.len() / self.n_classes, self.n_classes),
            &self.forest.oob,
        )
        .ok()
    }
}

fn argmax(it: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in it.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

fn oob_accuracy(oob: &[f64], labels: &[u32], k: usize) -> Option<f64> {
    let mut right = 0usize;
    let mut total = 0usize;
    for (p, &y) in oob.chunks_exact(k).zip(labels) {
        if p.first().is_some_and(|v| v.is_finite()) {
            total += 1;
            right += usize::from(argmax(p.iter().copied()) == y as usize);
        }
    }
    (total > 0).then(|| right as f64 / total as f64)
}

#[derive(Serialize)]
struct StateRef<'a> {
    n_classes: usize,
    oob_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a ClassLabels>,
    forest: &'a Ensemble,
}

#[derive(Deserialize)]
struct State {
    n_classes: usize,
    oob_score: Option<f64>,
    #[serde(default)]
    labels: Option<ClassLabels>,
    forest: Ensemble,
}

impl Persist for RandomForestClassifier {
    const KIND: &'static str = "random_forest_classifier";

    fn to_parts(&self) -> Result<Parts> {
        Parts::new(
            self.info.clone(),
            &self.params,
            Some(self.schema.clone()),
            &StateRef {
                n_classes: self.n_classes,
                oob_score: self.oob_score,
                labels: self.labels.as_ref(),
                forest: &self.forest,
            },
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let params: ForestParams = parts.params()?;
        params.check()?;
        let schema = parts.require_schema()?;
        let state: State = parts.state()?;
        if state.n_classes < 2 || state.n_classes > MAX_CLASSES {
            return Err(Error::artifact("n_classes out of range"));
        }
        state.forest.validate(schema.len(), state.n_classes)?;
        state
            .forest
            .validate_leaf_range(0.0, 1.0, "class probabilities")?;
        if state
            .labels
            .as_ref()
            .is_some_and(|l| l.len() != state.n_classes || !l.distinct())
        {
            return Err(Error::artifact(
                "class labels must be distinct, one per class",
            ));
        }
        Ok(RandomForestClassifier {
            params,
            schema,
            n_classes: state.n_classes,
            forest: state.forest,
            oob_score: state.oob_score,
            labels: state.labels,
            info: parts.info,
        })
    }
}
