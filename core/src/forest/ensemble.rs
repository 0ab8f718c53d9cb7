//! What every forest shares: per-tree seeds and row sampling, parallel deterministic
//! fitting, averaged prediction, out-of-bag estimates and importances.

use std::sync::OnceLock;

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::binning::BinnedMatrix;
use super::coded::{CodedForest, DistinctRows};
use super::criterion::SplitCriterion;
use super::hyperparams::{ForestParams, Sampling};
use super::parallel;
use super::tree::{build_tree, Tree, TreeParams, GROUP, MAX_FEATURES};
use crate::error::{Error, Location, Result};
use crate::features::FeatureSchema;

/// Rows per block of out-of-bag prediction: rows of a block are pushed through one tree after
/// another, which keeps that tree hot in cache.
const BLOCK: usize = 64;

/// Most rows per block of [`Ensemble::predict`]: large blocks load each tree into the L1
/// cache once for many rows (200k rows x 100 trees: 64-row blocks 0.12 s, 1024-row blocks
/// 0.08 s on 2 cores). Block sizes never change results, only speed.
pub(crate) const MAX_PREDICT_BLOCK: usize = 1024;

/// Most rows [`Ensemble::predict`] codes at once: bounds the extra memory (at most about 60
/// bytes a row while distinct rows are gathered) of large batches.
const MAX_CODED_BATCH: usize = 1 << 20;

/// Most row-tree visits [`Ensemble::predict`] makes in the calling thread without a pool
/// (40 rows of 100 trees). On 2 cores a visit costs about 0.015 us and a pool about 70 us to
/// start and join (`cargo bench -p optocom-benches --bench forest -- forest_predict_small`:
/// 40 rows 62 us here, 41 rows 134 us on a pool), so the cut-off is on the safe side.
const SEQUENTIAL_VISITS: usize = 4_000;

/// SplitMix64 finaliser.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random generator of tree `tree_index` of a forest seeded with `seed`: a
/// xoshiro256++ seeded with SplitMix64 of the seed and the index, so every tree's randomness
/// is independent of the order or thread in which trees are built.
pub fn tree_rng(seed: u64, tree_index: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(seed ^ splitmix64(tree_index as u64)))
}

/// Number of rows each tree is trained on.
pub(crate) fn per_tree_samples(sampling: Sampling, n: usize) -> usize {
    match sampling {
        Sampling::Bootstrap => n,
        Sampling::Subsample(f) => ((f * n as f64).round() as usize).clamp(1, n),
    }
}

/// Maps a uniform `u64` to `0..n` by multiply-shift (Lemire; bias below `n / 2^64`).
#[inline]
fn below(r: u64, n: usize) -> usize {
    ((u128::from(r) * n as u128) >> 64) as usize
}

/// Draws a tree's training rows (sorted, with bootstrap multiplicity) and, when asked, the
/// in-bag bit set.
pub(crate) fn draw_rows<R: Rng + ?Sized>(
    sampling: Sampling,
    n: usize,
    rng: &mut R,
    want_mask: bool,
) -> (Vec<u32>, Option<Vec<u64>>) {
    let m = per_tree_samples(sampling, n);
    let mut rows = Vec::with_capacity(m);
    let mut mask = want_mask.then(|| vec![0u64; n.div_ceil(64)]);
    match sampling {
        Sampling::Bootstrap => {
            let mut counts = vec![0u32; n];
            for _ in 0..n {
                counts[below(rng.next_u64(), n)] += 1;
            }
            for (i, &c) in counts.iter().enumerate() {
                for _ in 0..c {
                    rows.push(i as u32);
                }
            }
        }
        Sampling::Subsample(_) => {
            // Selection sampling (Knuth's algorithm S): exactly m rows, already sorted.
            let mut need = m;
            for i in 0..n {
                if need == 0 {
                    break;
                }
                if below(rng.next_u64(), n - i) < need {
                    rows.push(i as u32);
                    need -= 1;
                }
            }
        }
    }
    if let Some(mask) = mask.as_mut() {
        for &r in &rows {
            mask[r as usize / 64] |= 1 << (r % 64);
        }
    }
    (rows, mask)
}

/// Checks a training matrix (and its schema).
pub(crate) fn check_fit_x(x: ArrayView2<'_, f64>, schema: &FeatureSchema) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::empty("x has no rows"));
    }
    if x.ncols() == 0 {
        return Err(Error::empty("x has no columns"));
    }
    if x.ncols() > MAX_FEATURES {
        return Err(Error::shape(
            "number of features (maximum)",
            MAX_FEATURES,
            x.ncols(),
        ));
    }
    if x.nrows() > u32::MAX as usize {
        return Err(Error::shape(
            "number of rows (maximum)",
            u32::MAX as usize,
            x.nrows(),
        ));
    }
    if schema.len() != x.ncols() {
        return Err(Error::shape(
            "feature schema length",
            x.ncols(),
            schema.len(),
        ));
    }
    crate::error::check_finite(x, Some(&schema.names()))
}

/// Checks a matrix to predict on.
pub(crate) fn check_predict_x(x: ArrayView2<'_, f64>, schema: &FeatureSchema) -> Result<()> {
    if x.ncols() != schema.len() {
        return Err(Error::shape("number of features", schema.len(), x.ncols()));
    }
    crate::error::check_finite(x, Some(&schema.names()))
}

/// Checks one row to predict on (no allocation unless it fails).
pub(crate) fn check_row(row: &[f64], schema: &FeatureSchema) -> Result<()> {
    if row.len() != schema.len() {
        return Err(Error::shape("number of features", schema.len(), row.len()));
    }
    if let Some(col) = row.iter().position(|v| !v.is_finite()) {
        let name = schema
            .features
            .get(col)
            .map_or_else(|| format!("x{col}"), |f| f.name.clone());
        return Err(Error::invalid_value(
            Location::Row { row: 0 },
            name,
            row[col].to_string(),
            "features must be finite (no NaN or infinity)",
        ));
    }
    Ok(())
}

/// The fitted trees of a forest, with importances and optional out-of-bag predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ensemble {
    pub n_features: usize,
    pub n_outputs: usize,
    pub trees: Vec<Tree>,
    #[serde(with = "crate::artifact::packed")]
    pub importances: Vec<f64>,
    /// Row-major `n_rows x n_outputs` out-of-bag mean predictions (NaN for a row that was in
    /// every tree's sample); empty when OOB was not requested.
    #[serde(with = "crate::artifact::packed")]
    pub oob: Vec<f64>,
    /// The coded prediction form, built on first use (never serialised).
    #[serde(skip)]
    pub coded: CodedCache,
}

/// Lazily built [`CodedForest`] of an ensemble; ignored by equality (it is derived from the
/// trees).
#[derive(Debug, Clone, Default)]
pub(crate) struct CodedCache(OnceLock<Option<CodedForest>>);

impl PartialEq for CodedCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Ensemble {
    /// Fits `params.n_trees` trees with `criterion` (whose targets index the rows of `x`).
    /// `x` must be checked already.
    pub fn fit<C: SplitCriterion>(
        params: &ForestParams,
        x: ArrayView2<'_, f64>,
        criterion: &C,
    ) -> Result<Ensemble> {
        parallel::with_pool(params.n_jobs, || Self::fit_in_pool(params, x, criterion))?
    }

    fn fit_in_pool<C: SplitCriterion>(
        params: &ForestParams,
        x: ArrayView2<'_, f64>,
        criterion: &C,
    ) -> Result<Ensemble> {
        let n = x.nrows();
        let nf = x.ncols();
        let binned = BinnedMatrix::fit(x, params.max_bins, params.seed);
        let m = per_tree_samples(params.sampling, n);
        let tp = TreeParams {
            max_depth: params.max_depth,
            min_samples_leaf: params.min_samples_leaf.resolve(m),
            max_features: params.max_features.resolve(nf),
            min_impurity_decrease: params.min_impurity_decrease,
        };
        let tracker = crate::progress::Tracker::new(params.n_trees);
        let built = parallel::map_indexed(params.n_trees, |t| {
            let mut rng = tree_rng(params.seed, t);
            let (rows, mask) = draw_rows(params.sampling, n, &mut rng, params.oob);
            let tree =
                build_tree(&binned, criterion, &rows, None, &tp, &mut rng).map(|tree| (tree, mask));
            tracker.step();
            tree
        });
        let mut trees = Vec::with_capacity(params.n_trees);
        let mut masks = Vec::new();
        for b in built {
            let (tree, mask) = b?;
            trees.push(tree);
            if let Some(m) = mask {
                masks.push(m);
            }
        }
        let n_outputs = criterion.n_outputs();
        let mut e = Ensemble {
            n_features: nf,
            n_outputs,
            importances: importances(&trees, nf),
            trees,
            oob: Vec::new(),
            coded: CodedCache::default(),
        };
        if params.oob {
            e.oob = e.oob_predict(x, &masks);
        }
        Ok(e)
    }

    /// Mean of the trees' leaf values for one row (summed in tree order).
    #[inline]
    pub fn predict_row_into(&self, row: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        let mut leaves = [0u32; GROUP];
        for group in self.trees.chunks(GROUP) {
            Tree::leaves_of_trees(group, row, &mut leaves);
            for (t, &leaf) in group.iter().zip(&leaves) {
                for (o, v) in out.iter_mut().zip(t.leaf_value(leaf as usize)) {
                    *o += v;
                }
            }
        }
        let n = self.trees.len() as f64;
        for o in out.iter_mut() {
            *o /= n;
        }
    }

    /// Whether `rows` rows are predicted in the calling thread, without a thread pool: at
    /// most [`SEQUENTIAL_VISITS`] row-tree visits, where starting a pool costs more than the
    /// walk. Rows are independent, so either way gives the same bits.
    pub(crate) fn predicts_inline(&self, rows: usize) -> bool {
        rows.saturating_mul(self.trees.len()) <= SEQUENTIAL_VISITS
    }

    /// Row-major `n x n_outputs` mean predictions; `x` must be checked already. Every row is
    /// summed in tree order, exactly as [`Ensemble::predict_row_into`] does.
    ///
    /// On the coded form, rows are coded in batches; a batch whose coded rows repeat enough
    /// is walked once per distinct coded row and the sums copied to the repeats (the same
    /// bits: equal codes reach equal leaves), see [`DistinctRows`].
    ///
    /// A batch of at most [`SEQUENTIAL_VISITS`] row-tree visits (a few dozen rows) is walked
    /// row by row in the calling thread, without a thread pool: starting one costs more than
    /// the walk. Same bits either way.
    pub fn predict(&self, x: ArrayView2<'_, f64>, n_jobs: Option<usize>) -> Result<Vec<f64>> {
        let k = self.n_outputs.max(1);
        let mut out = vec![0.0; x.nrows() * self.n_outputs];
        if self.predicts_inline(x.nrows()) {
            let mut buf = Vec::new();
            for (row, chunk) in x.rows().into_iter().zip(out.chunks_mut(k)) {
                let row = match row.to_slice() {
                    Some(s) => s,
                    None => {
                        buf.clear();
                        buf.extend(row.iter().copied());
                        &buf[..]
                    }
                };
                self.predict_row_into(row, chunk);
            }
            return Ok(out);
        }
        parallel::with_pool(n_jobs, || match self.coded() {
            Some(coded) => {
                for (b, batch) in out.chunks_mut(MAX_CODED_BATCH * k).enumerate() {
                    self.predict_coded_batch(coded, x, b * MAX_CODED_BATCH, batch);
                }
            }
            None => {
                let block = parallel::block_len(x.nrows(), 4 * GROUP, MAX_PREDICT_BLOCK, GROUP);
                parallel::for_each_chunk_mut(&mut out, block * k, |b, chunk| {
                    self.accumulate_block(x, b * block, chunk, None);
                });
            }
        })?;
        Ok(out)
    }

    /// Predictions of rows `r0..r0 + batch.len() / n_outputs` of `x` on the coded form,
    /// once per distinct coded row when [`DistinctRows::gather`] finds that pays.
    fn predict_coded_batch(
        &self,
        coded: &CodedForest,
        x: ArrayView2<'_, f64>,
        r0: usize,
        batch: &mut [f64],
    ) {
        let k = self.n_outputs.max(1);
        let rows = batch.len() / k;
        let codes = coded.code_block_par(x, r0, rows);
        match DistinctRows::gather(&codes, rows, coded.stride()) {
            Some(distinct) => {
                let mut values = vec![0.0; distinct.len * k];
                self.predict_codes_par(coded, &distinct.codes, &mut values);
                for (o, &d) in batch.chunks_exact_mut(k).zip(&distinct.index) {
                    let d = d as usize;
                    o.copy_from_slice(&values[d * k..(d + 1) * k]);
                }
            }
            None => self.predict_codes_par(coded, &codes, batch),
        }
    }

    /// [`Ensemble::predict_codes`] over blocks of rows in parallel.
    fn predict_codes_par(&self, coded: &CodedForest, codes: &[u8], out: &mut [f64]) {
        let k = self.n_outputs.max(1);
        let s = coded.stride();
        let block = parallel::block_len(out.len() / k, 4 * GROUP, MAX_PREDICT_BLOCK, GROUP);
        parallel::for_each_chunk_mut(out, block * k, |b, chunk| {
            self.predict_codes(coded, &codes[b * block * s..], chunk);
        });
    }

    /// [`Ensemble::accumulate_block`] without out-of-bag masks, on coded rows (`codes` as
    /// from [`CodedForest::code_block`]: at least `chunk.len() / n_outputs` rows, padded to
    /// whole groups): the same sums in the same (tree) order, without the per-leaf callback.
    fn predict_codes(&self, coded: &CodedForest, codes: &[u8], chunk: &mut [f64]) {
        let k = self.n_outputs.max(1);
        let s = coded.stride();
        let mut nodes = [0u32; GROUP];
        for (t, tree) in self.trees.iter().enumerate() {
            for (g, acc) in chunk.chunks_mut(GROUP * k).enumerate() {
                coded.nodes_of_group(t, &codes[g * GROUP * s..], &mut nodes);
                tree.add_node_values(&nodes, acc);
            }
        }
        let n = self.trees.len() as f64;
        for o in chunk.iter_mut() {
            *o /= n;
        }
    }

    /// Sums the leaf values of the rows `r0..r0 + chunk.len() / k` of `x` into `chunk`, tree
    /// after tree, and divides by the number of contributing trees. With `masks`, a tree
    /// contributes to a row only when the row is out of its bag (no tree: NaN).
    fn accumulate_block(
        &self,
        x: ArrayView2<'_, f64>,
        r0: usize,
        chunk: &mut [f64],
        masks: Option<&[Vec<u64>]>,
    ) {
        let k = self.n_outputs.max(1);
        let rows = chunk.len() / k;
        let mut count = vec![0u32; rows];
        self.for_each_leaf(x, r0, rows, |t, r, leaf| {
            let tree = &self.trees[t];
            if let Some(m) = masks.and_then(|m| m.get(t)) {
                let i = r0 + r;
                if m[i / 64] >> (i % 64) & 1 == 1 {
                    return;
                }
            }
            count[r] += 1;
            let acc = &mut chunk[r * k..(r + 1) * k];
            for (o, v) in acc.iter_mut().zip(tree.leaf_value(leaf as usize)) {
                *o += v;
            }
        });
        for (acc, &c) in chunk.chunks_exact_mut(k).zip(&count) {
            for o in acc.iter_mut() {
                *o = if c > 0 { *o / c as f64 } else { f64::NAN };
            }
        }
    }

    /// The coded prediction form (built on first call; `None` when a feature has too many
    /// distinct thresholds).
    fn coded(&self) -> Option<&CodedForest> {
        self.coded
            .0
            .get_or_init(|| CodedForest::new(&self.trees, self.n_features))
            .as_ref()
    }

    /// Calls `f(tree, row, leaf)` for rows `r0..r0 + rows` of `x` (`row` counted from `r0`)
    /// in every tree, tree after tree (rows in order within a tree), so the tree stays in
    /// cache. Rows are walked [`GROUP`] at a time, on the coded form when the forest has one
    /// (same leaves as the raw walk, see [`super::coded`]).
    pub(crate) fn for_each_leaf(
        &self,
        x: ArrayView2<'_, f64>,
        r0: usize,
        rows: usize,
        mut f: impl FnMut(usize, usize, u32),
    ) {
        let nf = self.n_features;
        let groups = rows.div_ceil(GROUP);
        let mut leaves = [0u32; GROUP];
        if let Some(coded) = self.coded() {
            let s = coded.stride();
            let codes = coded.code_block(x, r0, rows);
            for (t, tree) in self.trees.iter().enumerate() {
                for g in 0..groups {
                    coded.nodes_of_group(t, &codes[g * GROUP * s..], &mut leaves);
                    for (j, &node) in leaves.iter().enumerate().take(rows - g * GROUP) {
                        f(t, g * GROUP + j, tree.leaf_id_of_node(node));
                    }
                }
            }
            return;
        }
        // Row-major copy of the block, padded with zero rows to whole groups.
        let mut buf = vec![0.0; groups * GROUP * nf];
        for r in 0..rows {
            for (b, v) in buf[r * nf..(r + 1) * nf].iter_mut().zip(x.row(r0 + r)) {
                *b = *v;
            }
        }
        for (t, tree) in self.trees.iter().enumerate() {
            for g in 0..groups {
                tree.leaves_of_group(&buf[g * GROUP * nf..(g + 1) * GROUP * nf], &mut leaves);
                for (j, &leaf) in leaves.iter().enumerate().take(rows - g * GROUP) {
                    f(t, g * GROUP + j, leaf);
                }
            }
        }
    }

    /// Out-of-bag mean predictions of the training rows, in tree order.
    fn oob_predict(&self, x: ArrayView2<'_, f64>, masks: &[Vec<u64>]) -> Vec<f64> {
        let k = self.n_outputs;
        let mut out = vec![0.0; x.nrows() * k];
        parallel::for_each_chunk_mut(&mut out, BLOCK * k, |b, chunk| {
            self.accumulate_block(x, b * BLOCK, chunk, Some(masks));
        });
        out
    }

    /// Checks a deserialised ensemble against the model's schema and output width.
    pub fn validate(&self, n_features: usize, n_outputs: usize) -> Result<()> {
        if self.trees.is_empty() {
            return Err(Error::artifact("forest has no trees"));
        }
        if self.n_features != n_features || self.n_outputs != n_outputs {
            return Err(Error::artifact("forest shape does not match its schema"));
        }
        if self
            .trees
            .iter()
            .any(|t| t.n_features() != n_features || t.n_outputs() != n_outputs)
        {
            return Err(Error::artifact("a tree does not match the forest shape"));
        }
        if self.importances.len() != n_features || self.oob.len() % n_outputs.max(1) != 0 {
            return Err(Error::artifact(
                "forest importances or OOB arrays are malformed",
            ));
        }
        Ok(())
    }

    /// Checks that every leaf value lies in `lo..=hi` (a classifier's leaves hold class
    /// probabilities: a tampered value outside `[0, 1]` would come out as a probability).
    pub fn validate_leaf_range(&self, lo: f64, hi: f64, what: &str) -> Result<()> {
        let ok = self.trees.iter().all(|t| {
            (0..t.n_leaves()).all(|l| t.leaf_value(l).iter().all(|v| (lo..=hi).contains(v)))
        });
        if ok {
            Ok(())
        } else {
            Err(Error::artifact(format!(
                "forest leaf values must be {what} in [{lo}, {hi}]"
            )))
        }
    }
}

/// Mean over trees of each tree's normalised gains, normalised to sum to 1 (all zeros when
/// no tree has a split).
pub(crate) fn importances(trees: &[Tree], nf: usize) -> Vec<f64> {
    let mut imp = vec![0.0; nf];
    for t in trees {
        let g = t.feature_gains();
        let s: f64 = g.iter().map(|v| v.max(0.0)).sum();
        if s > 0.0 {
            for (i, v) in imp.iter_mut().zip(g) {
                *i += v.max(0.0) / s;
            }
        }
    }
    let s: f64 = imp.iter().sum();
    if s > 0.0 {
        for v in imp.iter_mut() {
            *v /= s;
        }
    }
    imp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_is_exact_sorted_and_seeded() {
        let mut rng = tree_rng(1, 0);
        let (rows, mask) = draw_rows(Sampling::Subsample(0.3), 1000, &mut rng, true);
        assert_eq!(rows.len(), 300);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        let mask = mask.unwrap();
        let inbag: u32 = mask.iter().map(|m| m.count_ones()).sum();
        assert_eq!(inbag, 300);
        let (b, _) = draw_rows(Sampling::Bootstrap, 1000, &mut rng, false);
        assert_eq!(b.len(), 1000);
        assert!(b.windows(2).all(|w| w[0] <= w[1]));
        let (r2, _) = draw_rows(Sampling::Subsample(0.3), 1000, &mut tree_rng(1, 0), false);
        assert_eq!(rows, r2);
        let (r3, _) = draw_rows(Sampling::Subsample(0.3), 1000, &mut tree_rng(1, 1), false);
        assert_ne!(rows, r3);
    }
}
