//! Fitting, prediction and persistence of [`UpliftForest`].

use std::collections::BTreeMap;

use ndarray::{Array1, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::criterion::{EffectCriterion, LinearColumns, LEAF_MOMENTS};
use super::hyperparams::{LinearCorrection, UpliftParams};
use super::local_linear::{leaf_moments, LinearSpec};
use super::variance::{blb, pooled};
use crate::artifact::{ModelInfo, Parts, Persist};
use crate::campaign::analytics::Estimate;
use crate::data::campaign_demo::UpliftTable;
use crate::error::{check_finite_column, check_magnitude, Error, Location, Result};
use crate::features::FeatureSchema;
use crate::forest::ensemble::{check_fit_x, check_predict_x, draw_rows, importances, Ensemble};
use crate::forest::parallel;
use crate::forest::{
    build_tree, tree_rng, BinnedMatrix, ForestParams, MaxFeatures, RandomForestRegressor, Sampling,
    Tree, TreeParams,
};
use crate::stats::z_for_level;

/// Rows per prediction block.
const BLOCK: usize = 64;

/// Seed offset of the little bags' half-samples (independent of the trees' generators).
const HALF_SAMPLE_STREAM: u64 = 0x5EED_1177_1E8A_6500;

/// Seed offset of the centring regression forest.
const CENTRE_STREAM: u64 = 0xCE47_2E00_7A11_0001;

/// The kind of outcome an uplift forest models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// A 0/1 outcome (e.g. responded): the effect is a difference in probabilities.
    Binary,
    /// A real outcome (e.g. Rx change): the effect is a difference in means.
    Continuous,
}

/// Which outcome of an [`UpliftTable`] to model in [`UpliftForest::fit_table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// `responded` (binary): effect on the response probability.
    Responded,
    /// `rx_change` (continuous): effect on the post-minus-pre mean monthly Rx.
    RxChange,
}

impl Outcome {
    /// `"responded"` or `"rx_change"` (the serde names), for hosts that pass a string.
    ///
    /// ```
    /// use optocom_core::campaign::Outcome;
    /// assert_eq!(Outcome::parse("rx_change")?, Outcome::RxChange);
    /// assert_eq!(Outcome::parse("clicks").unwrap_err().code(), "invalid_parameter");
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<Outcome> {
        match s {
            "responded" => Ok(Outcome::Responded),
            "rx_change" => Ok(Outcome::RxChange),
            other => Err(Error::invalid_param(
                "outcome",
                other,
                "must be \"responded\" or \"rx_change\"",
            )),
        }
    }
}

/// Per-row effect estimates with their standard errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpliftPrediction {
    /// Estimated conditional average treatment effect `tau(x)` (treated minus control).
    pub effect: Array1<f64>,
    /// Standard error of `effect` (bootstrap of little bags).
    pub std_error: Array1<f64>,
}

/// Outcome moments of the two arms of the training data (for the average effect).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ArmSummary {
    n_treated: usize,
    n_control: usize,
    mean_treated: f64,
    mean_control: f64,
    var_treated: f64,
    var_control: f64,
}

/// An honest causal forest estimating per-doctor campaign effects with confidence
/// intervals; see the [module docs](super) for the method and its references.
///
/// ```
/// use ndarray::Array2;
/// use optocom_core::campaign::{OutcomeKind, UpliftForest, UpliftParams};
/// use optocom_core::Persist;
///
/// // Effect 1.0 when x0 > 0.5, else 0; treatment alternates; a little noise.
/// let n = 2000;
/// let x = Array2::from_shape_fn((n, 2), |(i, j)| ((i * 37 + j * 11) % 100) as f64 / 100.0);
/// let t: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
/// let y: Vec<f64> = (0..n)
///     .map(|i| {
///         let effect = if x[[i, 0]] > 0.5 { 1.0 } else { 0.0 };
///         t[i] as f64 * effect + ((i * 7919) % 13) as f64 / 13.0
///     })
///     .collect();
/// let params = UpliftParams::default().n_trees(100).seed(1);
/// let forest = UpliftForest::fit(&params, x.view(), &t, &y, OutcomeKind::Continuous, None)?;
/// let new = Array2::from_shape_vec((2, 2), vec![0.9, 0.5, 0.1, 0.5]).unwrap();
/// let pred = forest.predict(new.view())?;
/// assert!(pred.effect[0] > pred.effect[1] + 0.5);
/// assert!(pred.std_error.iter().all(|s| *s >= 0.0));
/// let (_effect, low, high) = forest.predict_interval(new.view(), 0.95)?;
/// assert!(low[0] <= pred.effect[0] && pred.effect[0] <= high[0]);
/// let ate = forest.average_effect(0.95)?;
/// assert!(ate.ci_low < 0.5 && 0.5 < ate.ci_high);
///
/// let back = UpliftForest::from_json(&forest.to_json()?)?;
/// assert_eq!(back.predict(new.view())?, pred);
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UpliftForest {
    params: UpliftParams,
    schema: FeatureSchema,
    outcome: OutcomeKind,
    forest: Ensemble,
    arms: ArmSummary,
    /// The local-linear correction, when the forest was fitted with one.
    linear: Option<LinearSpec>,
    info: ModelInfo,
}

/// Checks treatment and outcome; returns the arm sizes.
fn check_targets(
    n: usize,
    treatment: &[u8],
    y: &[f64],
    outcome: OutcomeKind,
    min_per_arm: usize,
) -> Result<(usize, usize)> {
    if treatment.len() != n {
        return Err(Error::shape("treatment length", n, treatment.len()));
    }
    if y.len() != n {
        return Err(Error::shape("y length", n, y.len()));
    }
    if let Some((row, v)) = treatment.iter().enumerate().find(|(_, &t)| t > 1) {
        return Err(Error::invalid_value(
            Location::Row { row },
            "treatment",
            v.to_string(),
            "treatment must be 0 (control) or 1 (treated)",
        ));
    }
    check_finite_column("y", y, "outcomes must be finite")?;
    check_magnitude("y", y.iter().copied())?;
    if outcome == OutcomeKind::Binary {
        if let Some((row, v)) = y.iter().enumerate().find(|(_, &v)| v != 0.0 && v != 1.0) {
            return Err(Error::invalid_value(
                Location::Row { row },
                "y",
                v.to_string(),
                "a binary outcome must be 0 or 1",
            ));
        }
    }
    let n_treated = treatment.iter().filter(|&&t| t == 1).count();
    let n_control = n - n_treated;
    if n_treated == 0 || n_control == 0 {
        return Err(Error::degenerate(format!(
            "only one treatment group ({n_treated} treated, {n_control} control): effects need both"
        )));
    }
    if n_treated.min(n_control) < min_per_arm {
        return Err(Error::degenerate(format!(
            "the smaller treatment group has {} rows, fewer than min_samples_leaf = {min_per_arm} per arm",
            n_treated.min(n_control)
        )));
    }
    Ok((n_treated, n_control))
}

fn arm_summary(treatment: &[u8], y: &[f64]) -> ArmSummary {
    let moments = |arm: u8| {
        let v: Vec<f64> = treatment
            .iter()
            .zip(y)
            .filter(|(&t, _)| t == arm)
            .map(|(_, &y)| y)
            .collect();
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n.max(1) as f64;
        let var = if n > 1 {
            v.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        (n, mean, var)
    };
    let (n_treated, mean_treated, var_treated) = moments(1);
    let (n_control, mean_control, var_control) = moments(0);
    ArmSummary {
        n_treated,
        n_control,
        mean_treated,
        mean_control,
        var_treated,
        var_control,
    }
}

impl UpliftForest {
    /// Fits an uplift forest on features `x` (`n x p`, finite), treatment flags
    /// (`0` control, `1` treated) and outcomes `y` (finite; 0/1 for a binary outcome).
    /// `schema` names the columns (a generic `x0, x1, ...` schema when `None`).
    ///
    /// Errors: bad params -> [`Error::InvalidParameter`]; wrong lengths or schema length ->
    /// [`Error::ShapeMismatch`]; a treatment other than 0/1, a non-finite outcome, a binary
    /// outcome other than 0/1 or a non-finite feature -> [`Error::InvalidValue`] naming the
    /// row and column; one treatment group only, or a group smaller than
    /// `min_samples_leaf` -> [`Error::DegenerateTarget`]; no rows -> [`Error::EmptyInput`].
    pub fn fit(
        params: &UpliftParams,
        x: ArrayView2<'_, f64>,
        treatment: &[u8],
        y: &[f64],
        outcome: OutcomeKind,
        schema: Option<FeatureSchema>,
    ) -> Result<UpliftForest> {
        params.check()?;
        let schema = schema.unwrap_or_else(|| FeatureSchema::generic(x.ncols()));
        check_fit_x(x, &schema)?;
        check_targets(x.nrows(), treatment, y, outcome, params.min_samples_leaf)?;
        let arms = arm_summary(treatment, y);
        let linear = LinearSpec::resolve(params, x, &schema)?;
        let centred = centre_outcomes(params, x, y)?;
        let forest = parallel::with_pool(params.n_jobs, || {
            grow(params, x, treatment, &centred, linear.as_ref())
        })??;
        Ok(UpliftForest {
            params: params.clone(),
            schema,
            outcome,
            forest,
            arms,
            linear,
            info: ModelInfo::new(x.nrows(), x.ncols()),
        })
    }

    /// Fits on a campaign's [`UpliftTable`] (its features, schema and treatment) with the
    /// chosen outcome.
    pub fn fit_table(
        params: &UpliftParams,
        table: &UpliftTable,
        outcome: Outcome,
    ) -> Result<UpliftForest> {
        let (y, kind): (Vec<f64>, OutcomeKind) = match outcome {
            Outcome::Responded => (
                table.responded.iter().map(|&r| f64::from(r)).collect(),
                OutcomeKind::Binary,
            ),
            Outcome::RxChange => (table.rx_change.clone(), OutcomeKind::Continuous),
        };
        Self::fit(
            params,
            table.features.view(),
            &table.treatment,
            &y,
            kind,
            Some(table.schema.clone()),
        )
    }

    /// Estimated effects and their standard errors, one per row of `x`. For a binary outcome
    /// the effects are clipped to `[-1, 1]` (see [`effect_range`](Self::effect_range)).
    ///
    /// Errors: wrong number of columns -> [`Error::ShapeMismatch`]; a non-finite feature ->
    /// [`Error::InvalidValue`].
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<UpliftPrediction> {
        check_predict_x(x, &self.schema)?;
        let n = x.nrows();
        let trees = &self.forest.trees;
        let group = self.params.ci_group_size;
        let mut out = vec![0.0; 2 * n];
        // Rows `b * BLOCK..` into `chunk` (two values a row); rows are independent.
        let fill = |b: usize, chunk: &mut [f64]| {
            let r0 = b * BLOCK;
            let rows = chunk.len() / 2;
            // per-row tree leaf values: vals[(r * n_trees + t) * k..][..k]
            let nt = trees.len();
            let k = self.forest.n_outputs;
            let mut vals = vec![0.0; rows * nt * k];
            self.forest.for_each_leaf(x, r0, rows, |t, r, leaf| {
                let o = (r * nt + t) * k;
                for (v, &l) in vals[o..o + k]
                    .iter_mut()
                    .zip(trees[t].leaf_value(leaf as usize))
                {
                    *v = l;
                }
            });
            let z = self.linear.as_ref().map(|l| {
                (
                    l,
                    l.standardise(x.slice_axis(Axis(0), (r0..r0 + rows).into())),
                )
            });
            for (r, o) in chunk.chunks_exact_mut(2).enumerate() {
                let row = &vals[r * nt * k..(r + 1) * nt * k];
                let (m, v) = match &z {
                    Some((l, z)) => l.estimate(row, group, &z[r * l.q()..(r + 1) * l.q()]),
                    None if k == LEAF_MOMENTS => pooled(row, group),
                    None => blb(row, group),
                };
                o[0] = self.clip(m);
                o[1] = v.sqrt();
            }
        };
        if self.forest.predicts_inline(n) {
            // A few doctors: one chunk in the calling thread, no pool to start (same bits).
            fill(0, &mut out);
        } else {
            parallel::with_pool(self.params.n_jobs, || {
                parallel::for_each_chunk_mut(&mut out, 2 * BLOCK, fill)
            })?;
        }
        let effect = out.iter().step_by(2).copied().collect();
        let std_error = out.iter().skip(1).step_by(2).copied().collect();
        Ok(UpliftPrediction { effect, std_error })
    }

    /// Effects with two-sided normal confidence intervals at `level` (e.g. 0.95):
    /// `(effect, lower, upper)` with bounds `effect -/+ z * std_error`, clipped to
    /// [`effect_range`](Self::effect_range) (`[-1, 1]` for a binary outcome).
    ///
    /// Errors: `level` not in `(0, 1)` -> [`Error::InvalidParameter`]; as
    /// [`predict`](Self::predict) otherwise.
    pub fn predict_interval(
        &self,
        x: ArrayView2<'_, f64>,
        level: f64,
    ) -> Result<(Array1<f64>, Array1<f64>, Array1<f64>)> {
        let z = z_for_level(level)?;
        let p = self.predict(x)?;
        let (lower, upper) = p
            .effect
            .iter()
            .zip(&p.std_error)
            .map(|(&e, &se)| self.bounds(e, se, z))
            .unzip();
        Ok((p.effect, Array1::from_vec(lower), Array1::from_vec(upper)))
    }

    /// The range an effect can take: `[-1, 1]` for a binary outcome (a difference of two
    /// probabilities), unbounded for a continuous one.
    pub fn effect_range(&self) -> (f64, f64) {
        match self.outcome {
            OutcomeKind::Binary => (-1.0, 1.0),
            OutcomeKind::Continuous => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// `v` clipped to [`effect_range`](Self::effect_range) (NaN stays NaN). The
    /// local-linear correction extrapolates a plane, which near the edge of the data can
    /// overshoot a probability difference of 1; the truth lies in the range, so clipping
    /// can only bring an estimate or a bound closer to it.
    fn clip(&self, v: f64) -> f64 {
        let (lo, hi) = self.effect_range();
        v.clamp(lo, hi)
    }

    /// The normal interval `effect -/+ z * std_error`, clipped to
    /// [`effect_range`](Self::effect_range).
    pub(crate) fn bounds(&self, effect: f64, std_error: f64, z: f64) -> (f64, f64) {
        (
            self.clip(effect - z * std_error),
            self.clip(effect + z * std_error),
        )
    }

    /// The average treatment effect on the training data with a normal confidence interval
    /// at `level`: the difference in mean outcomes of treated and control rows, with the
    /// Neyman standard error `sqrt(s_t^2 / n_t + s_c^2 / n_c)`. Treatment in the campaign
    /// data is randomised, so this difference in means is unbiased for the average effect
    /// (Imbens & Rubin 2015, ch. 6). The bounds are clipped to
    /// [`effect_range`](Self::effect_range).
    ///
    /// Errors: `level` not in `(0, 1)` -> [`Error::InvalidParameter`].
    pub fn average_effect(&self, level: f64) -> Result<Estimate> {
        let z = z_for_level(level)?;
        let a = &self.arms;
        let estimate = a.mean_treated - a.mean_control;
        let std_error = (a.var_treated / a.n_treated.max(1) as f64
            + a.var_control / a.n_control.max(1) as f64)
            .sqrt();
        let (ci_low, ci_high) = self.bounds(estimate, std_error, z);
        Ok(Estimate {
            estimate,
            std_error,
            ci_low,
            ci_high,
            df: None,
        })
    }

    /// Estimated effect per doctor of an uplift table (keyed by doctor id), ready for
    /// [`RankBy::uplift`](crate::campaign::RankBy::uplift) in
    /// [`CampaignAnalytics::top_responders`](crate::campaign::CampaignAnalytics::top_responders).
    ///
    /// Errors: the table was encoded under another schema -> [`Error::SchemaMismatch`].
    pub fn effects_by_doctor(&self, table: &UpliftTable) -> Result<BTreeMap<u64, f64>> {
        self.schema.check_compatible(&table.schema)?;
        let p = self.predict(table.features.view())?;
        Ok(table.doctor_ids.iter().copied().zip(p.effect).collect())
    }

    /// Mean split gain (grf's heterogeneity criterion) per feature over trees, each tree's
    /// gains normalised to sum to 1, then normalised to sum to 1 (all zeros when no tree
    /// could split).
    pub fn feature_importances(&self) -> Array1<f64> {
        Array1::from(self.forest.importances.clone())
    }

    /// The columns of the local-linear correction the forest uses (empty: none; see
    /// [`UpliftParams::linear_correction`]).
    pub fn linear_columns(&self) -> &[usize] {
        self.linear.as_ref().map_or(&[], |l| &l.columns)
    }

    /// Names of the [`linear_columns`](Self::linear_columns), from the schema.
    pub fn linear_column_names(&self) -> Vec<String> {
        self.linear_columns()
            .iter()
            .filter_map(|&c| self.schema.features.get(c).map(|f| f.name.clone()))
            .collect()
    }

    /// The outcome kind the forest was fitted on.
    pub fn outcome(&self) -> OutcomeKind {
        self.outcome
    }

    /// The feature schema the forest was trained on.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The parameters the forest was trained with.
    pub fn params(&self) -> &UpliftParams {
        &self.params
    }

    /// Training facts (rows, features, time).
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The trees in index order, little bag after little bag (leaf values: the leaf's
    /// `[mean y, mean w, mean w y]` of centred outcomes and treatment over its estimation
    /// rows, followed, with a local-linear correction, by the means of its correction
    /// moments (see [`UpliftParams::linear_correction`]); one value, the leaf's difference
    /// in means, in forests saved before the pooled estimator).
    pub fn trees(&self) -> &[Tree] {
        &self.forest.trees
    }
}

/// The outcomes the causal trees are grown on: `y - m(x)`, with `m` the out-of-bag
/// prediction of a regression forest of `y` on `x` (`params.center_trees` trees, all
/// features per split, each tree on half the rows, leaves of at least max(5, sqrt(rows per
/// tree)) rows); a row that was in every tree's sample, or `center_trees == 0`, is centred
/// on the training mean instead. Treatment is not used, so with randomised treatment the
/// difference in centred means of a leaf still estimates the effect (Athey, Tibshirani &
/// Wager 2019, Section 6.1.1, "local centering").
fn centre_outcomes(params: &UpliftParams, x: ArrayView2<'_, f64>, y: &[f64]) -> Result<Vec<f64>> {
    let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
    if params.center_trees == 0 {
        return Ok(y.iter().map(|v| v - mean).collect());
    }
    let fp = ForestParams::new()
        .n_trees(params.center_trees)
        .max_features(MaxFeatures::All)
        .sampling(Sampling::Subsample(0.5))
        .seed(params.seed ^ CENTRE_STREAM)
        .n_jobs(params.n_jobs)
        .oob(true);
    let m = RandomForestRegressor::fit(&fp, x, ArrayView1::from(y))?;
    let oob = m.oob_prediction();
    Ok(y.iter()
        .enumerate()
        .map(|(i, v)| {
            let fitted = oob
                .and_then(|o| o.get(i).copied())
                .filter(|p| p.is_finite());
            v - fitted.unwrap_or(mean)
        })
        .collect())
}

/// Grows all trees (inside the caller's thread pool) on centred outcomes `yc`.
fn grow(
    params: &UpliftParams,
    x: ArrayView2<'_, f64>,
    treatment: &[u8],
    yc: &[f64],
    linear: Option<&LinearSpec>,
) -> Result<Ensemble> {
    let n = x.nrows();
    let nf = x.ncols();
    let binned = BinnedMatrix::fit(x, 255, params.seed);
    let z = linear.map(|l| l.standardise(x));
    let crit = EffectCriterion {
        y: yc,
        w: treatment,
        min_per_arm: params.min_samples_leaf as f64,
        linear: linear
            .zip(z.as_deref())
            .map(|(l, z)| LinearColumns { z, q: l.q() }),
    };
    let tp = TreeParams {
        max_depth: params.max_depth,
        min_samples_leaf: 2 * params.min_samples_leaf,
        max_features: params.max_features.resolve(nf),
        min_impurity_decrease: 0.0,
    };
    let group = params.ci_group_size;
    let tracker = crate::progress::Tracker::new(params.n_groups() * group);
    let built = parallel::map_indexed(params.n_groups(), |g| -> Result<Vec<Tree>> {
        let mut half_rng = tree_rng(params.seed ^ HALF_SAMPLE_STREAM, g);
        let (half, _) = draw_rows(Sampling::Subsample(0.5), n, &mut half_rng, false);
        let mut trees = Vec::with_capacity(group);
        for b in 0..group {
            let mut rng = tree_rng(params.seed, g * group + b);
            let (pick, _) = draw_rows(
                Sampling::Subsample(params.sample_fraction),
                half.len(),
                &mut rng,
                false,
            );
            let rows: Vec<u32> = pick.iter().map(|&i| half[i as usize]).collect();
            let tree = if params.honesty && rows.len() >= 2 {
                let (split_pos, _) =
                    draw_rows(Sampling::Subsample(0.5), rows.len(), &mut rng, false);
                let mut split = Vec::with_capacity(split_pos.len());
                let mut estimate = Vec::with_capacity(rows.len() - split_pos.len());
                let mut k = 0;
                for (i, &r) in rows.iter().enumerate() {
                    if split_pos.get(k) == Some(&(i as u32)) {
                        split.push(r);
                        k += 1;
                    } else {
                        estimate.push(r);
                    }
                }
                build_tree(&binned, &crit, &split, Some(&estimate), &tp, &mut rng)?
            } else {
                build_tree(&binned, &crit, &rows, None, &tp, &mut rng)?
            };
            trees.push(tree);
            tracker.step();
        }
        Ok(trees)
    });
    let mut trees = Vec::with_capacity(params.n_trees);
    for g in built {
        trees.extend(g?);
    }
    Ok(Ensemble {
        n_features: nf,
        n_outputs: leaf_moments(linear.map_or(0, LinearSpec::q)),
        importances: importances(&trees, nf),
        trees,
        oob: Vec::new(),
        coded: Default::default(),
    })
}

#[derive(Serialize)]
struct StateRef<'a> {
    outcome: OutcomeKind,
    arms: &'a ArmSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    linear: Option<&'a LinearSpec>,
    forest: &'a Ensemble,
}

#[derive(Deserialize)]
struct State {
    outcome: OutcomeKind,
    arms: ArmSummary,
    /// Absent in forests saved before the correction (and in forests without one).
    #[serde(default)]
    linear: Option<LinearSpec>,
    forest: Ensemble,
}

impl Persist for UpliftForest {
    const KIND: &'static str = "uplift_forest";

    fn to_parts(&self) -> Result<Parts> {
        Parts::new(
            self.info.clone(),
            &self.params,
            Some(self.schema.clone()),
            &StateRef {
                outcome: self.outcome,
                arms: &self.arms,
                linear: self.linear.as_ref(),
                forest: &self.forest,
            },
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let mut params: UpliftParams = parts.params()?;
        if parts.params.get("linear_correction").is_none() {
            // Saved before the correction existed, so fitted without one: the serde default
            // ("auto") would misreport how it was fitted, and a refit with these params
            // would not reproduce it.
            params.linear_correction = LinearCorrection::Off;
        }
        params.check()?;
        let schema = parts.require_schema()?;
        let state: State = parts.state()?;
        let k = match &state.linear {
            Some(l) => {
                l.validate(schema.len())?;
                leaf_moments(l.q())
            }
            None if state.forest.n_outputs == 1 => 1,
            None => LEAF_MOMENTS,
        };
        state.forest.validate(schema.len(), k)?;
        if state.forest.trees.len() != params.n_trees {
            return Err(Error::artifact(format!(
                "uplift forest has {} trees, its params say {}",
                state.forest.trees.len(),
                params.n_trees
            )));
        }
        Ok(UpliftForest {
            params,
            schema,
            outcome: state.outcome,
            forest: state.forest,
            arms: state.arms,
            linear: state.linear,
            info: parts.info,
        })
    }
}
