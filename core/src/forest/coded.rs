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
    feature: u16,
    code: u8,
}

/// The coded trees of a forest and the per-feature threshold tables that code rows.
#[derive(Debug, Clone)]
pub(crate) struct CodedForest {
    n_features: usize,
    /// `thresholds[f]`: sorted distinct split thresholds of feature `f`.
    thresholds: Vec<Vec<f64>>,
    trees: Vec<Vec<CodedNode>>,
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
        let trees = trees
            .iter()
            .map(|tree| {
                tree.raw_nodes()
                    .enumerate()
                    .map(|(i, (feature, threshold, child))| {
                        if child as usize == i {
                            CodedNode {
                                child,
                                feature: 0,
                                code: LEAF_CODE,
                            }
                        } else {
                            let t = &thresholds[feature as usize];
                            let j = t.partition_point(|v| *v < threshold);
                            CodedNode {
                                child,
                                feature,
                                code: j as u8,
                            }
                        }
                    })
                    .collect()
            })
            .collect();
        Some(CodedForest {
            n_features,
            thresholds,
            trees,
        })
    }

    /// Codes rows `r0..r0 + rows` of `x` into `out` (row-major, `n_features` bytes per row);
    /// `out` beyond those rows is left as it is.
    pub(crate) fn code_rows(&self, x: ArrayView2<'_, f64>, r0: usize, rows: usize, out: &mut [u8]) {
        let nf = self.n_features;
        for r in 0..rows {
            let dst = &mut out[r * nf..(r + 1) * nf];
            for ((c, v), t) in dst.iter_mut().zip(x.row(r0 + r)).zip(&self.thresholds) {
                *c = t.partition_point(|t| *t < *v) as u8;
            }
        }
    }

    /// Node indices (not leaf ids) reached by [`GROUP`] coded rows in tree `t`, walked in
    /// lockstep; `codes` holds `GROUP * n_features` bytes.
    #[inline]
    pub(crate) fn nodes_of_group(&self, t: usize, codes: &[u8], out: &mut [u32; GROUP]) {
        let nf = self.n_features;
        let nodes = &self.trees[t][..];
        let codes = &codes[..GROUP * nf];
        let mut idx = [0u32; GROUP];
        loop {
            for _ in 0..4 {
                for (r, i) in idx.iter_mut().enumerate() {
                    let n = nodes[*i as usize];
                    let c = codes[r * nf + n.feature as usize];
                    *i = n.child + u32::from(c > n.code);
                }
            }
            if idx.iter().all(|&i| nodes[i as usize].child == i) {
                break;
            }
        }
        *out = idx;
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::forest::ensemble::{CodedCache, Ensemble};
    use crate::forest::{ForestParams, RandomForestRegressor};

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
        let x = Array2::from_shape_vec((3000, 3), uniform(seed, 9000)).unwrap();
        let y = Array1::from_iter(
            x.rows()
                .into_iter()
                .map(|r| r[0] * 3.0 + (r[1] > 0.5) as u8 as f64),
        );
        let params = ForestParams::new()
            .n_trees(8)
            .min_samples_leaf(2)
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
        Array2::from_shape_fn((n, coded.n_features), |(i, j)| vals[(i + 7 * j) % n])
    }

    #[test]
    fn coded_walk_reaches_the_raw_walks_leaves() {
        let (_, f) = forest(1);
        let coded = CodedForest::new(f.trees(), 3).expect("binned forest has <= 254 thresholds");
        assert!(coded
            .thresholds
            .iter()
            .all(|t| !t.is_empty() && t.len() <= 254));
        let x = probe_rows(&coded);
        let rows = x.nrows();
        let mut codes = vec![0u8; rows.div_ceil(GROUP) * GROUP * 3];
        coded.code_rows(x.view(), 0, rows, &mut codes);
        let mut nodes = [0u32; GROUP];
        for (t, tree) in f.trees().iter().enumerate() {
            for g in 0..rows.div_ceil(GROUP) {
                coded.nodes_of_group(t, &codes[g * GROUP * 3..], &mut nodes);
                for (j, &node) in nodes.iter().enumerate().take(rows - g * GROUP) {
                    let row = x.row(g * GROUP + j).to_vec();
                    assert_eq!(
                        tree.leaf_id_of_node(node) as usize,
                        tree.leaf_of(&row),
                        "tree {t} row {row:?}"
                    );
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
