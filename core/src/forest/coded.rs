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

use ndarray::ArrayView2;

use super::tree::{Tree, GROUP};

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
}
