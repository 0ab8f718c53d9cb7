//! The uplift forest: per-doctor campaign effects with standard errors and confidence
//! intervals, from an honest causal forest grown on the shared tree engine.
//!
//! | file | what it holds |
//! |---|---|
//! | [`hyperparams`] | [`UpliftParams`] (checked builder, serde) |
//! | `criterion` | the treatment-effect split criterion plugged into [`crate::forest::build_tree`] |
//! | `variance` | the bootstrap-of-little-bags variance |
//! | `local_linear` | the local-linear correction: leaf moments, the local ridge system, its variance |
//! | `algorithm` | [`UpliftForest`]: fit, predict with intervals, average effect, persistence |
//! | `encode` | [`encode_doctors`]: scoring new doctors (unseen levels become all-zero one-hots) |
//!
//! # Method
//!
//! * **Sampling** (grf; Athey, Tibshirani & Wager 2019, "Generalized random forests",
//!   *Annals of Statistics* 47(2)): trees come in little bags of
//!   [`ci_group_size`](UpliftParams::ci_group_size) trees sharing a half-sample of the rows;
//!   each tree subsamples [`sample_fraction`](UpliftParams::sample_fraction) of it without
//!   replacement. With [`honesty`](UpliftParams::honesty), half of a tree's rows choose the
//!   splits and the other half estimate the leaves (Wager & Athey 2018, "Estimation and
//!   inference of heterogeneous treatment effects using random forests", *JASA* 113).
//! * **Splits**: grf's gradient-based causal-tree criterion. A parent's treatment-effect
//!   pseudo-outcomes `rho_i = (w_i - w̄)(y_i - ȳ - (w_i - w̄) tau_P) / (w̄ (1 - w̄))` are summed
//!   per child and the split maximising `S_L^2 / n_L + S_R^2 / n_R` wins; it approximates
//!   the causal-tree criterion `n_L n_R / n (tau_L - tau_R)^2` (Athey & Imbens 2016,
//!   "Recursive partitioning for heterogeneous causal effects", *PNAS* 113). Every child must
//!   hold at least [`min_samples_leaf`](UpliftParams::min_samples_leaf) treated **and**
//!   control split rows. An honest leaf keeps its estimation rows however few and whatever
//!   their arms (its moments are pooled over trees, see *Estimate*); only a leaf without
//!   estimation rows takes the moments of its parent (grf prunes such leaves).
//! * **Local centering** (grf's `Y.hat`): before the causal trees are grown, each outcome is
//!   replaced by its residual from the out-of-bag prediction of a regression forest of the
//!   outcome on the features ([`center_trees`](UpliftParams::center_trees) trees, default 50).
//!   Treatment is randomised, so the residuals' treated-minus-control difference still
//!   estimates the effect, with the variation the features explain removed.
//! * **Estimate** (grf's forest-weighted moment solution): each leaf stores the means of
//!   `y`, `w` and `w y` over its estimation rows; for a point `x` the forest averages those
//!   moments over the leaves `x` falls in and solves the local regression of `y` on `w`,
//!   `tau = (WY - W Y) / (W - W^2)`. This weights each tree's leaf by its treatment
//!   variation instead of averaging per-leaf differences in means (which small,
//!   unbalanced leaves make noisy). For a binary outcome it is the effect on the
//!   probability, for a continuous one the effect on the mean. Forests saved when each
//!   leaf held its difference in means still load and predict as before.
//! * **Local-linear correction** (default on; Friedberg, Tibshirani, Athey & Wager 2020,
//!   "Local linear forests", *JCGS* 30): the forest-weighted regression at `x` also fits
//!   slopes in the continuous columns (standardised, centred at `x`) and their interactions
//!   with the treatment, with a ridge penalty on the slopes
//!   ([`linear_penalty`](UpliftParams::linear_penalty), default 0.1 as grf's `ll.lambda`).
//!   The effect at `x` is read off that local plane instead of a local mean, which removes
//!   the bias of averaging over a leaf along directions in which the effect is smooth (here
//!   tenure and volumes). Leaves store the moments the system needs (27 values for 3
//!   columns instead of 3), so no training rows are kept; the variance is the same
//!   bootstrap of little bags on the trees' projected scores.
//!   [`linear_correction`](UpliftParams::linear_correction) picks the columns (default: the
//!   continuous ones, at most [`MAX_LINEAR_COLUMNS`]). Forests saved before the correction
//!   load and predict as before, and their params read `linear_correction: "off"` (how
//!   they were fitted, not the current default).
//! * **Variance**: the bootstrap of little bags (Sexton & Laake 2009; grf Section 4.1) of
//!   each tree's score for the moment equations (delta method, grf eq. (16)): between-bag
//!   variance minus the within-bag Monte-Carlo noise, made non-negative with grf's
//!   objective-Bayes correction. Intervals are normal: `effect -/+ z * std_error`.
//! * **Range**: for a binary outcome the effect is a difference of two probabilities, so
//!   effects and interval bounds are clipped to `[-1, 1]`
//!   ([`UpliftForest::effect_range`]). Near the edge of the data the local plane can
//!   overshoot 1 (before the clip, 2 of 1,500 held-out doctors at 5,000 and 7 of 15,000 at
//!   50,000 on the peer benchmark's draw); the truth lies in the range, so the clip can only
//!   bring an estimate or a bound closer to it.
//! * **Average effect**: treatment is randomised in campaign data, so
//!   [`UpliftForest::average_effect`] is the difference in means with the Neyman standard
//!   error.
//!
//! Per-tree generators depend only on the seed and the tree (or bag) index and every sum
//! runs in tree order, so results are bit-identical for any `n_jobs` and after a save/load
//! round trip (artifact kind `uplift_forest`).
//!
//! # Measured on the campaign generator
//!
//! Campaign 1, defaults (300 trees, 5 per arm per leaf, each tree on half the rows, 50
//! centring trees, local-linear correction in tenure, `baseline_rx` and `pre_rx_mean`),
//! trained on 70% of the doctors and evaluated on the other 30%
//! (`examples/rust/campaign_uplift.rs`, generator seed 2026; `-- N 300 5 off` for the rows
//! without the correction). The truth is the generator's conditional effect given the
//! observed profile, i.e. this forest's estimand `tau(x)` (see [`crate::data::campaign_demo`]):
//!
//! | doctors | outcome | correction | coverage of the true effect by 95% intervals | mean width | RMSE | Qini (oracle) |
//! |---|---|---|---|---|---|---|
//! | 5,000 | responded | local-linear | 93.0% | 0.193 | 0.070 | 0.342 (0.351) |
//! | 5,000 | responded | off | 91.5% | 0.190 | 0.076 | 0.343 (0.351) |
//! | 50,000 | responded | local-linear | 94.0% | 0.150 | 0.048 | 0.333 (0.338) |
//! | 50,000 | responded | off | 93.9% | 0.148 | 0.048 | 0.333 (0.338) |
//! | 5,000 | rx_change | local-linear | 89.1% | 1.49 | 1.68 | |
//! | 5,000 | rx_change | off | 86.5% | 1.78 | 2.18 | |
//! | 50,000 | rx_change | local-linear | 92.1% | 1.02 | 0.74 | |
//! | 50,000 | rx_change | off | 91.5% | 1.09 | 1.00 | |
//!
//! The responded rows above were measured after the response rule began counting a rise of
//! exactly the threshold (2026-11-22), which moved the generator's true response
//! probabilities for about 9% of doctor-campaigns; the figures in the rest of this section
//! were measured before it and compare settings with each other under the earlier truth.
//!
//! The previous defaults (4 per arm, no correction) gave 92.7% / 0.195 / 0.073 / 0.340,
//! 95.0% / 0.162 / 0.050 / 0.335, 87.5% / 1.75 / 2.06 and 92.3% / 1.14 / 0.96 on these
//! rows. Over the six draws of `make bench-replicates` against EconML's `CausalForestDML`
//! (`benches/peers/REPLICATES.md`) the correction with 5 per arm took the mean held-out
//! RMSE at 5,000 doctors from 0.0879 to 0.0837 (EconML 0.0862), coverage from 87.7% to
//! 88.3% and the width from 0.194 to 0.188; at 50,000 the RMSE from 0.0466 to 0.0448 and
//! the width from 0.155 to 0.145 at 95.5% coverage. Ridge penalties 0.05 to 0.3 and 4 to 6
//! per arm were compared on 12 draws of 5,000 doctors: smaller penalties widen the
//! intervals, larger ones give back RMSE, and 6 per arm loses coverage. The correction
//! costs prediction time (50,000 doctors with standard errors: 1.1 s instead of 0.21 s in
//! `cargo bench -p optocom-benches --bench uplift -- 50000`) and artifact size (27 moments
//! a leaf instead of 3); fitting costs the same.
//!
//! The defaults before those were 2 per arm, each tree on a quarter of the rows, and
//! an honest leaf needing 2 estimation rows per arm (else its ancestor's value); with them
//! the rows were 90.5% / 0.177 / 0.073, 96.0% / 0.163 / 0.048, 84.3% / 1.62 / 2.47 and
//! 92.2% / 1.14 / 1.07. On the six 5,000-doctor draws of `make bench-replicates`
//! (`benches/peers/REPLICATES.md`) the mean held-out RMSE went from 0.0926 to 0.0879,
//! coverage from 86.3% to 87.7% and the mean width from 0.188 to 0.194 (EconML's
//! `CausalForestDML`: 0.0862, 87.3%, 0.195); on the 50,000-doctor draws the RMSE went from
//! 0.0459 to 0.0466 and the width from 0.158 to 0.155 at 95.8% coverage. Trees on twice
//! the rows, and leaves that keep their own rows, smooth the sharp effect surface less;
//! 4 rather than 2 per arm keeps the variance, and so the interval width, in check.
//!
//! With each tree's leaf difference in means averaged over trees instead of the pooled
//! moments (the estimator before the current one; old defaults) the rows were
//! 92.1% / 0.185 / 0.073, 96.3% / 0.168 / 0.049, 84.7% / 1.67 / 2.48 and
//! 92.8% / 1.17 / 1.07: the pooled moments give narrower intervals at about the same RMSE.
//!
//! Before local centering (centred on the mean only, `center_trees(0)`; old defaults) the first four rows
//! were 91.3% / 0.200 / 0.077, 96.3% / 0.171 / 0.049, 83.5% / 1.62 / 2.59 and
//! 92.9% / 1.19 / 1.09; on the peer benchmark's 5,000-doctor draw centering moved coverage
//! from 82% to 87% and the RMSE from 0.092 to 0.086. The rows below are without centering:
//!
//! | doctors | outcome | min leaf | coverage of the true effect by 95% intervals | mean width | RMSE | Qini (oracle) |
//! |---|---|---|---|---|---|---|
//! | 50,000 | responded | 8 | 86.9% | 0.107 | 0.052 | 0.335 (0.339) |
//! | 50,000 | rx_change | 8 | 83.1% | 0.97 | 1.39 | |
//! | 50,000 | responded | 4 | 92.6% | 0.132 | 0.049 | 0.336 (0.339) |
//! | 50,000 | rx_change | 4 | 88.4% | 1.04 | 1.20 | |
//!
//! Fitting 35,000 doctors takes about 0.8 s per outcome on 2 cores. Larger leaves smooth
//! the sharp effect surface (the effect jumps with specialty and is steep in volume), and
//! the resulting bias is not in the variance estimate: with 8 per arm coverage stays below
//! nominal even at 50,000 doctors while the RMSE is larger. Smaller leaves cut the RMSE and
//! bring coverage near nominal as n grows; the Rx effect (heavy-tailed, sd about 6 Rx a
//! month) converges more slowly than the response probability. More trees narrow the
//! intervals without reducing that bias (500 trees at 50,000: 95.0% and 91.2%).

mod algorithm;
mod criterion;
mod encode;
pub mod hyperparams;
mod local_linear;
mod variance;

pub use algorithm::{Outcome, OutcomeKind, UpliftForest, UpliftPrediction};
pub use encode::encode_doctors;
pub use hyperparams::{LinearCorrection, UpliftParams, MAX_LINEAR_COLUMNS};
