//! The prediction form of a forest: every split threshold replaced by its rank among the
//! thresholds the forest uses on that feature, so a tree walk compares one-byte codes on
//! 8-byte nodes instead of `f64` values on 16-byte nodes.
//!
//! Exactness: let `T_f` be the sorted distinct thresholds of feature `f` over all trees and
//! `code(x) = #{t in T_f : t < x}`. For the split `x > T_f[j]` (go right),
//! `x > T_f[j] <=> code(x) > j`: if `x > T_f[j]`, the `j + 1` thresholds `T_f[0..=j]` are
//! below `x`; if `x <= T_f[j]`, only thresholds before index `j` can be. NaN compares false
//! with everything, so its code is 0 and it goes left everywhere, as in the raw walk. The
//! leaves reached, and so every prediction, are bit-identical to [`Tree::leaf_of`].
//!
//! The forest's thresholds come from the binning (at most 255 bins, so at most 254
//! thresholds per feature); a forest with more than 255 distinct thresholds on a feature
//! (e.g. a hand-made artifact) has no coded form and is walked on raw values.
//!
//! Rows with equal codes reach the same leaf in every tree, so a large batch with many
//! repeated coded rows is walked once per distinct coded row ([`DistinctRows`]). Few
//! features with few thresholds repeat often, as appointments do (age, days since the last
//! purchase in at most 255 bins, six flags).

use ndarray::ArrayView2;

use super::ensemble::{splitmix64, MAX_PREDICT_BLOCK};
use super::parallel;
use super::tree::{Tree, GROUP};

/// Batches below this many rows are never gathered into distinct rows.
const DISTINCT_MIN_ROWS: usize = 4096;

/// Gathering pays when at least this share of the rows repeats another; below it the sort
/// and the copies cost about as much as the walks saved (on 200,000 rows that never repeat,
/// gathering them anyway cost some 10% of a 100-tree walk while this was tuned).
const DISTINCT_MIN_REPEATS: f64 = 0.15;

/// The estimate of the repeated share looks at about one row in `SAMPLE_EVERY` (at least
/// about [`DISTINCT_MIN_ROWS`] rows).
const SAMPLE_EVERY: usize = 8;

/// Code of a leaf node: `code(x) > 255` never holds, so a leaf keeps pointing to itself.
const LEAF_CODE: u8 = u8::MAX;

/// One node: children of a split are `child` (left) and `child + 1` (right); a leaf points to
/// itself with code 255.
#[derive(Debug, Clone, Copy)]
struct CodedNode {
    child: u32,
    /// `feature | code << 16`: one load gives both.
    key: u32,
}

impl CodedNode {
    fn new(child: u32, feature: u16, code: u8) -> Self {
        CodedNode {
            child,
            key: u32::from(feature) | u32::from(code) << 16,
        }
    }

    #[inline(always)]
    fn feature(self) -> usize {
        (self.key & 0xFFFF) as usize
    }

    #[inline(always)]
    fn code(self) -> u32 {
        self.key >> 16
    }
}

/// The coded trees of a forest and the per-feature threshold tables that code rows.
#[derive(Debug, Clone)]
pub(crate) struct CodedForest {
    /// `thresholds[f]`: sorted distinct split thresholds of feature `f`.
    thresholds: Vec<Vec<f64>>,
    /// Bytes per coded row: `n_features` rounded up to a power of two (at most 32 features;
    /// the walk then indexes rows of a compile-time width), else `n_features`.
    stride: usize,
    trees: Vec<Vec<CodedNode>>,
    /// Depth of each tree: that many steps take every row from the root to its leaf (a leaf
    /// keeps pointing to itself), so the walk needs no leaf test.
    depths: Vec<usize>,
}

impl CodedForest {
    /// The coded form of `trees`, or `None` when a feature has more than 255 distinct
    /// thresholds.
    pub(crate) fn new(trees: &[Tree], n_features: usize) -> Option<CodedForest> {
        let mut thresholds = vec![Vec::new(); n_features];
        for tree in trees {
            for (i, (feature, threshold, child)) in tree.raw_nodes().enumerate() {
                if child as usize != i {
                    thresholds.get_mut(feature as usize)?.push(threshold);
                }
            }
        }
        for t in &mut thresholds {
            t.sort_by(f64::total_cmp);
            t.dedup_by(|a, b| a == b);
            if t.len() > usize::from(LEAF_CODE) {
                return None;
            }
        }
        let depths: Vec<usize> = trees.iter().map(|t| t.depth()).collect();
        let trees: Vec<Vec<CodedNode>> = trees
            .iter()
            .map(|tree| {
                tree.raw_nodes()
                    .enumerate()
                    .map(|(i, (feature, threshold, child))| {
                        if child as usize == i {
                            CodedNode::new(child, 0, LEAF_CODE)
                        } else {
                            let t = &thresholds[feature as usize];
                            let j = t.partition_point(|v| *v < threshold);
                            CodedNode::new(child, feature, j as u8)
                        }
                    })
                    .collect()
            })
            .collect();
        Some(CodedForest {
            depths,
            stride: if n_features <= 32 {
                n_features.next_power_of_two()
            } else {
                n_features
            },
            thresholds,
            trees,
        })
    }

    /// Bytes per coded row in the buffers of [`CodedForest::code_block`].
    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// Codes rows `r0..r0 + rows` of `x` into a new buffer padded with zero rows to whole
    /// [`GROUP`]s, ready for [`CodedForest::nodes_of_group`].
    pub(crate) fn code_block(&self, x: ArrayView2<'_, f64>, r0: usize, rows: usize) -> Vec<u8> {
        let mut codes = vec![0u8; rows.div_ceil(GROUP) * GROUP * self.stride];
        self.code_rows(x, r0, rows, &mut codes);
        codes
    }

    /// [`CodedForest::code_block`] in parallel blocks (the same bytes).
    pub(crate) fn code_block_par(&self, x: ArrayView2<'_, f64>, r0: usize, rows: usize) -> Vec<u8> {
        let s = self.stride;
        let mut codes = vec![0u8; rows.div_ceil(GROUP) * GROUP * s];
        let block = parallel::block_len(rows, 4 * GROUP, MAX_PREDICT_BLOCK, GROUP);
        parallel::for_each_chunk_mut(&mut codes[..rows * s], block * s, |b, c| {
            self.code_rows(x, r0 + b * block, c.len() / s, c);
        });
        codes
    }

    /// Codes rows `r0..r0 + rows` of `x` into `out` (row-major, [`stride`](Self::stride)
    /// bytes per row, padding bytes zero); `out` beyond those rows is left as it is.
    fn code_rows(&self, x: ArrayView2<'_, f64>, r0: usize, rows: usize, out: &mut [u8]) {
        let s = self.stride;
        for (r, dst) in out.chunks_exact_mut(s).take(rows).enumerate() {
            dst.fill(0);
            for ((c, v), t) in dst.iter_mut().zip(x.row(r0 + r)).zip(&self.thresholds) {
                *c = t.partition_point(|t| *t < *v) as u8;
            }
        }
    }

    /// Node indices (not leaf ids) reached by [`GROUP`] coded rows in tree `t`, walked in
    /// lockstep for the tree's depth; `codes` holds at least `GROUP * stride` bytes.
    #[inline]
    pub(crate) fn nodes_of_group(&self, t: usize, codes: &[u8], out: &mut [u32; GROUP]) {
        let nodes = &self.trees[t][..];
        let depth = self.depths[t];
        match self.stride {
            1 => walk::<1>(nodes, depth, codes, out),
            2 => walk::<2>(nodes, depth, codes, out),
            4 => walk::<4>(nodes, depth, codes, out),
            8 => walk::<8>(nodes, depth, codes, out),
            16 => walk::<16>(nodes, depth, codes, out),
            32 => walk::<32>(nodes, depth, codes, out),
            nf => {
                let codes = &codes[..GROUP * nf];
                let mut idx = [0u32; GROUP];
                for _ in 0..depth {
                    for (r, i) in idx.iter_mut().enumerate() {
                        let n = nodes[*i as usize];
                        let c = codes[r * nf + n.feature()];
                        *i = n.child + u32::from(u32::from(c) > n.code());
                    }
                }
                *out = idx;
            }
        }
    }
}

/// The distinct rows of a batch of coded rows and where each row of the batch went.
#[derive(Debug)]
pub(crate) struct DistinctRows {
    /// The distinct coded rows in ascending byte order, padded with zero rows to whole
    /// [`GROUP`]s.
    pub codes: Vec<u8>,
    /// Number of distinct rows.
    pub len: usize,
    /// `index[r]`: the distinct row equal to row `r` of the batch.
    pub index: Vec<u32>,
}

impl DistinctRows {
    /// The distinct rows among the first `rows` rows of `codes` (`stride` bytes each) when
    /// gathering them pays: `None` for fewer than [`DISTINCT_MIN_ROWS`] rows, rows wider
    /// than 16 bytes, or an estimated repeated share below [`DISTINCT_MIN_REPEATS`].
    ///
    /// The estimate counts the repeats in a sample of about one row in [`SAMPLE_EVERY`]
    /// (chosen by a hash of the row index) and divides them by the square of the sampling
    /// rate: exact on average for rows that come in pairs, too high for rows with more
    /// copies, so it errs towards gathering. It depends only on the codes, never on the
    /// thread count; and either way every row's prediction is the same.
    pub(crate) fn gather(codes: &[u8], rows: usize, stride: usize) -> Option<DistinctRows> {
        if rows < DISTINCT_MIN_ROWS || stride > 16 || rows > u32::MAX as usize {
            return None;
        }
        if stride <= 8 {
            Self::gather_by(codes, rows, stride, |row| {
                let mut b = [0u8; 8];
                b[..row.len()].copy_from_slice(row);
                u64::from_be_bytes(b)
            })
        } else {
            Self::gather_by(codes, rows, stride, |row| {
                let mut b = [0u8; 16];
                b[..row.len()].copy_from_slice(row);
                u128::from_be_bytes(b)
            })
        }
    }

    /// [`DistinctRows::gather`] with `key` mapping a row's bytes one to one and in order to
    /// an integer.
    fn gather_by<K: Ord + Copy + Send>(
        codes: &[u8],
        rows: usize,
        s: usize,
        key: impl Fn(&[u8]) -> K,
    ) -> Option<DistinctRows> {
        let codes = &codes[..rows * s];
        // Each row joins the sample with probability `p`, by a hash of its index (rows that
        // repeat their neighbours are sampled like any others).
        let p = (1.0 / SAMPLE_EVERY as f64).max(DISTINCT_MIN_ROWS as f64 / rows as f64);
        let cut = (p * (1u64 << 32) as f64) as u64;
        let mut sample: Vec<K> = codes
            .chunks_exact(s)
            .enumerate()
            .filter(|(i, _)| splitmix64(*i as u64) >> 32 < cut)
            .map(|(_, row)| key(row))
            .collect();
        parallel::sort_unstable(&mut sample);
        // A pair of equal rows is in the sample with probability p^2; a row with more copies
        // is overcounted, so the estimate errs towards gathering.
        let repeats = sample.windows(2).filter(|w| w[0] == w[1]).count() as f64;
        if repeats / (p * p) < DISTINCT_MIN_REPEATS * rows as f64 {
            return None;
        }
        let mut keys: Vec<(K, u32)> = codes
            .chunks_exact(s)
            .enumerate()
            .map(|(i, row)| (key(row), i as u32))
            .collect();
        parallel::sort_unstable(&mut keys);
        let mut index = vec![0u32; rows];
        let mut distinct = Vec::with_capacity(codes.len());
        let mut last = None;
        for &(k, i) in &keys {
            let i = i as usize;
            if last != Some(k) {
                distinct.extend_from_slice(&codes[i * s..(i + 1) * s]);
                last = Some(k);
            }
            index[i] = (distinct.len() / s - 1) as u32;
        }
        let len = distinct.len() / s;
        distinct.resize(len.div_ceil(GROUP) * GROUP * s, 0);
        Some(DistinctRows {
            codes: distinct,
            len,
            index,
        })
    }
}

/// The walk of [`CodedForest::nodes_of_group`] on rows of `NF` bytes. `NF` is a power of
/// two of at most 32, so `key % NF` is the feature (below `NF` by construction, and `NF`
/// divides 2^16) and the row index needs no bounds check; one load gives feature and code.
#[inline(always)]
fn walk<const NF: usize>(nodes: &[CodedNode], depth: usize, codes: &[u8], out: &mut [u32; GROUP]) {
    let codes = &codes[..GROUP * NF];
    let mut idx = [0u32; GROUP];
    for _ in 0..depth {
        for (row, i) in codes.chunks_exact(NF).zip(idx.iter_mut()) {
            let n = nodes[*i as usize];
            let c = row[n.key as usize % NF];
            *i = n.child + u32::from(u32::from(c) > n.code());
        }
    }
    *out = idx;
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::forest::ensemble::{CodedCache, Ensemble};
    use crate::forest::{ForestParams, MaxFeatures, RandomForestRegressor};

    /// Deterministic uniform values (SplitMix64).
    fn uniform(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    fn forest(seed: u64) -> (Array2<f64>, RandomForestRegressor) {
        forest_of_width(seed, 3)
    }

    /// A forest on `nf` uniform features (`nf >= 2`), the target driven by the first two.
    fn forest_of_width(seed: u64, nf: usize) -> (Array2<f64>, RandomForestRegressor) {
        let x = Array2::from_shape_vec((3000, nf), uniform(seed, 3000 * nf)).unwrap();
        let y = Array1::from_iter(
            x.rows()
                .into_iter()
                .map(|r| r[0] * 3.0 + (r[1] > 0.5) as u8 as f64 + 0.1 * r[nf - 1]),
        );
        let params = ForestParams::new()
            .n_trees(8)
            .min_samples_leaf(2)
            .max_features(MaxFeatures::All)
            .seed(seed);
        let f = RandomForestRegressor::fit(&params, x.view(), y.view()).unwrap();
        (x, f)
    }

    /// Rows at, just above and just below every threshold, plus NaN and infinities.
    fn probe_rows(coded: &CodedForest) -> Array2<f64> {
        let mut vals = vec![f64::NAN, f64::NEG_INFINITY, f64::INFINITY, -0.0, 0.0];
        for t in &coded.thresholds {
            for &v in t {
                vals.extend([v, v.next_up(), v.next_down()]);
            }
        }
        let n = vals.len();
        Array2::from_shape_fn((n, coded.thresholds.len()), |(i, j)| vals[(i + 7 * j) % n])
    }

    #[test]
    fn coded_walk_reaches_the_raw_walks_leaves() {
        // 3 features: padded rows of 4 bytes; 8: unpadded; 40: the walk without padding.
        for (nf, stride) in [(3, 4), (8, 8), (40, 40)] {
            let (_, f) = forest_of_width(1, nf);
            let coded =
                CodedForest::new(f.trees(), nf).expect("binned forest has <= 254 thresholds");
            assert_eq!(coded.stride(), stride);
            assert!(coded.thresholds.iter().all(|t| t.len() <= 254));
            assert!(
                coded.thresholds[0].len() > 10,
                "splits on the leading feature"
            );
            let x = probe_rows(&coded);
            let rows = x.nrows();
            let codes = coded.code_block(x.view(), 0, rows);
            let mut nodes = [0u32; GROUP];
            for (t, tree) in f.trees().iter().enumerate() {
                for g in 0..rows.div_ceil(GROUP) {
                    coded.nodes_of_group(t, &codes[g * GROUP * stride..], &mut nodes);
                    for (j, &node) in nodes.iter().enumerate().take(rows - g * GROUP) {
                        let row = x.row(g * GROUP + j).to_vec();
                        assert_eq!(
                            tree.leaf_id_of_node(node) as usize,
                            tree.leaf_of(&row),
                            "{nf} features, tree {t} row {row:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn too_many_thresholds_fall_back_to_the_raw_walk() {
        // Two forests binned on different data: the union of their thresholds exceeds 255 on
        // the continuous features, so the merged forest has no coded form.
        let (x, a) = forest(1);
        let (_, b) = forest(2);
        let trees: Vec<Tree> = a.trees().iter().chain(b.trees()).cloned().collect();
        assert!(CodedForest::new(&trees, 3).is_none());
        let e = Ensemble {
            n_features: 3,
            n_outputs: 1,
            importances: vec![0.0; 3],
            trees: trees.clone(),
            oob: Vec::new(),
            coded: CodedCache::default(),
        };
        let got = e.predict(x.view(), Some(1)).unwrap();
        for (i, row) in x.rows().into_iter().enumerate().take(500) {
            let row = row.to_vec();
            let want =
                trees.iter().map(|t| t.predict_row(&row)[0]).sum::<f64>() / trees.len() as f64;
            assert_eq!(got[i].to_bits(), want.to_bits(), "row {i}");
        }
    }

    /// Coded rows of `stride` bytes, `rows` of them, drawn from `levels` distinct rows (all
    /// distinct when `levels` is 0).
    fn coded_rows(rows: usize, stride: usize, levels: usize) -> Vec<u8> {
        let u = uniform(5, rows * stride);
        let mut codes = vec![0u8; rows.div_ceil(GROUP) * GROUP * stride];
        for r in 0..rows {
            let src = if levels == 0 {
                r
            } else {
                (u[r] * levels as f64) as usize
            };
            for j in 0..stride {
                // Byte j is byte j % 4 of `src` (xor j): rows are equal exactly when their
                // `src` are (src below 256 with one byte per row).
                codes[r * stride + j] = (src >> (8 * (j % 4))) as u8 ^ (j as u8);
            }
        }
        codes
    }

    #[test]
    fn distinct_rows_index_every_row_and_are_strictly_ascending() {
        for stride in [1, 4, 8, 16] {
            let rows = 20_000;
            let levels = if stride == 1 { 200 } else { 3000 };
            let codes = coded_rows(rows, stride, levels);
            let d = DistinctRows::gather(&codes, rows, stride).expect("many repeats");
            let mut seen = std::collections::HashSet::new();
            for r in 0..rows {
                let row = &codes[r * stride..(r + 1) * stride];
                let i = d.index[r] as usize;
                assert!(i < d.len);
                assert_eq!(
                    row,
                    &d.codes[i * stride..(i + 1) * stride],
                    "stride {stride} row {r}"
                );
                seen.insert(row.to_vec());
            }
            assert_eq!(d.len, seen.len(), "stride {stride}");
            assert!(
                d.len <= levels && d.len > levels / 2,
                "stride {stride}: {}",
                d.len
            );
            for w in d.codes[..d.len * stride]
                .chunks_exact(stride)
                .collect::<Vec<_>>()
                .windows(2)
            {
                assert!(w[0] < w[1], "stride {stride}: not strictly ascending");
            }
            assert_eq!(d.codes.len(), d.len.div_ceil(GROUP) * GROUP * stride);
            assert!(d.codes[d.len * stride..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn distinct_rows_are_not_gathered_when_it_does_not_pay() {
        // All distinct; too few rows; rows wider than 16 bytes.
        assert!(DistinctRows::gather(&coded_rows(50_000, 8, 0), 50_000, 8).is_none());
        let few = DISTINCT_MIN_ROWS - 1;
        assert!(DistinctRows::gather(&coded_rows(few, 8, 10), few, 8).is_none());
        assert!(DistinctRows::gather(&coded_rows(10_000, 32, 10), 10_000, 32).is_none());
        // A 5% repeated share (a row in 20 copies its predecessor) is below the bar; 50% is not.
        for (every, gathered) in [(20, false), (2, true)] {
            let mut codes = coded_rows(50_000, 8, 0);
            for r in (1..50_000).filter(|r| r % every == 0) {
                codes.copy_within((r - 1) * 8..r * 8, r * 8);
            }
            assert_eq!(
                DistinctRows::gather(&codes, 50_000, 8).is_some(),
                gathered,
                "one row in {every} repeated"
            );
        }
    }

    #[test]
    fn predictions_through_distinct_rows_are_the_per_row_bits() {
        // Integer features with few levels repeat coded rows: the batch is gathered.
        let nf = 6;
        let n = 12_000;
        let u = uniform(9, n * nf);
        let x = Array2::from_shape_fn((n, nf), |(i, j)| {
            (u[i * nf + j] * [40.0, 3.0, 2.0, 2.0, 5.0, 2.0][j]).floor()
        });
        let y = Array1::from_iter(
            x.rows()
                .into_iter()
                .map(|r| r[0] / 10.0 + r[1] * r[4] + r[5]),
        );
        let params = ForestParams::new().n_trees(12).seed(3);
        let f = RandomForestRegressor::fit(&params, x.view(), y.view()).unwrap();
        let coded = CodedForest::new(f.trees(), nf).unwrap();
        let codes = coded.code_block_par(x.view(), 0, n);
        assert_eq!(codes, coded.code_block(x.view(), 0, n));
        let d = DistinctRows::gather(&codes, n, coded.stride()).expect("repeated rows");
        assert!(d.len < n / 2, "{} distinct", d.len);
        let e = Ensemble {
            n_features: nf,
            n_outputs: 1,
            importances: vec![0.0; nf],
            trees: f.trees().to_vec(),
            oob: Vec::new(),
            coded: CodedCache::default(),
        };
        for jobs in [Some(1), Some(3)] {
            let got = e.predict(x.view(), jobs).unwrap();
            let mut want = [0.0];
            for (i, row) in x.rows().into_iter().enumerate() {
                e.predict_row_into(&row.to_vec(), &mut want);
                assert_eq!(
                    got[i].to_bits(),
                    want[0].to_bits(),
                    "row {i}, n_jobs {jobs:?}"
                );
            }
        }
    }
}
