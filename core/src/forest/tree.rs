//! One histogram tree: the builder shared by every forest and the compact flat tree it
//! produces.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::binning::BinnedMatrix;
use super::criterion::SplitCriterion;
use crate::error::{Error, Result};

/// Marks a leaf in the serialised feature array.
const LEAF: u16 = u16::MAX;

/// Interleaved histogram copies used by the builder for large nodes.
const HIST_COPIES: usize = 4;

/// Rows traversed in lockstep by [`Tree::leaves_of_group`].
pub(crate) const GROUP: usize = 16;

/// Largest number of features a tree supports (feature ids are `u16`, one value is the leaf
/// marker).
pub const MAX_FEATURES: usize = LEAF as usize;

/// Growth limits of one tree (already resolved to counts; forests derive them from
/// [`ForestParams`](crate::forest::ForestParams)).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParams {
    /// Maximum depth (root is depth 0), `None` for unlimited.
    pub max_depth: Option<usize>,
    /// Minimum number of split samples in each leaf (at least 1).
    pub min_samples_leaf: usize,
    /// Number of features drawn (without replacement) as candidates at each node. When none
    /// of them allows an admissible split, further features are drawn until one does or all
    /// were tried.
    pub max_features: usize,
    /// A node is split only if the split's score is at least
    /// `min_impurity_decrease * (number of split samples at the root)`.
    pub min_impurity_decrease: f64,
}

impl Default for TreeParams {
    /// A fully grown tree over all features.
    fn default() -> Self {
        TreeParams {
            max_depth: None,
            min_samples_leaf: 1,
            max_features: usize::MAX,
            min_impurity_decrease: 0.0,
        }
    }
}

/// One node of the flat array: 16 bytes, children of a split are adjacent (`child`,
/// `child + 1`, always after the node). A leaf points to itself (`child` = its own index,
/// `threshold` = +inf, `feature` = 0), so `next = child + (x > threshold)` is one
/// branch-free step for splits and leaves alike and a leaf is where `next == index`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    threshold: f64,
    child: u32,
    feature: u16,
}

/// A trained tree in compact flat arrays.
///
/// A row goes left at a split when `row[feature] <= threshold` (raw `f64` values: no binning
/// at prediction time). Leaves are numbered `0..n_leaves()`; their values (width
/// [`n_outputs`](Tree::n_outputs)) live in one flat `Vec<f64>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TreeRepr", into = "TreeRepr")]
pub struct Tree {
    nodes: Vec<Node>,
    /// Leaf id of each node (0 for splits).
    leaf_id: Vec<u32>,
    depth: usize,
    leaf_values: Vec<f64>,
    n_outputs: usize,
    n_features: usize,
    feature_gain: Vec<f64>,
}

impl Tree {
    /// The leaf a raw feature row falls into. `row` should have
    /// [`n_features`](Tree::n_features) finite values (the forests check this); a missing
    /// value or NaN goes left.
    #[inline]
    pub fn leaf_of(&self, row: &[f64]) -> usize {
        let mut i = 0usize;
        while let Some(n) = self.nodes.get(i) {
            let v = row.get(n.feature as usize).copied().unwrap_or(f64::NAN);
            let next = n.child as usize + usize::from(v > n.threshold);
            if next == i {
                return self.leaf_id.get(i).map_or(0, |&l| l as usize);
            }
            i = next;
        }
        0
    }

    /// Leaf ids of [`GROUP`] rows at once (`rows` holds them row-major, `n_features` values
    /// each), walked in lockstep so the rows' independent node loads overlap.
    #[inline]
    pub(crate) fn leaves_of_group(&self, rows: &[f64], out: &mut [u32; GROUP]) {
        let nf = self.n_features;
        let nodes = &self.nodes[..];
        let mut idx = [0u32; GROUP];
        if rows.len() < GROUP * nf {
            return;
        }
        loop {
            for _ in 0..4 {
                for (r, i) in idx.iter_mut().enumerate() {
                    let n = nodes[*i as usize];
                    let v = rows[r * nf + n.feature as usize];
                    *i = n.child + u32::from(v > n.threshold);
                }
            }
            if idx.iter().all(|&i| nodes[i as usize].child == i) {
                break;
            }
        }
        for (o, &i) in out.iter_mut().zip(&idx) {
            *o = self.leaf_id[i as usize];
        }
    }

    /// Leaf ids of one row in up to [`GROUP`] trees (`out[t]` for `trees[t]`), walked in
    /// lockstep so the trees' independent node loads overlap. Same result as
    /// [`Tree::leaf_of`] on each tree.
    #[inline]
    pub(crate) fn leaves_of_trees(trees: &[Tree], row: &[f64], out: &mut [u32; GROUP]) {
        let trees = &trees[..trees.len().min(GROUP)];
        let mut idx = [0u32; GROUP];
        loop {
            for _ in 0..4 {
                for (t, i) in trees.iter().zip(idx.iter_mut()) {
                    let n = t.nodes[*i as usize];
                    let v = row.get(n.feature as usize).copied().unwrap_or(f64::NAN);
                    *i = n.child + u32::from(v > n.threshold);
                }
            }
            if trees
                .iter()
                .zip(&idx)
                .all(|(t, &i)| t.nodes[i as usize].child == i)
            {
                break;
            }
        }
        for (o, (t, &i)) in out.iter_mut().zip(trees.iter().zip(&idx)) {
            *o = t.leaf_id[i as usize];
        }
    }

    /// `(feature, threshold, child)` of every node in index order (a leaf's child is its own
    /// index).
    pub(crate) fn raw_nodes(&self) -> impl Iterator<Item = (u16, f64, u32)> + '_ {
        self.nodes.iter().map(|n| (n.feature, n.threshold, n.child))
    }

    /// Leaf id of node `node` (0 for a split node).
    #[inline]
    pub(crate) fn leaf_id_of_node(&self, node: u32) -> u32 {
        self.leaf_id.get(node as usize).copied().unwrap_or(0)
    }

    /// Adds the value vector of the leaf at node `nodes[j]` to `acc[j * k..(j + 1) * k]`
    /// (`k` = [`n_outputs`](Tree::n_outputs)) for every whole `k`-chunk of `acc`.
    #[inline]
    pub(crate) fn add_node_values(&self, nodes: &[u32], acc: &mut [f64]) {
        #[inline(always)]
        fn add<const K: usize>(t: &Tree, nodes: &[u32], acc: &mut [f64]) {
            for (a, &node) in acc.chunks_exact_mut(K).zip(nodes) {
                let l = t.leaf_id.get(node as usize).copied().unwrap_or(0) as usize;
                if let Some(v) = t.leaf_values.get(l * K..(l + 1) * K) {
                    for (a, v) in a.iter_mut().zip(v) {
                        *a += v;
                    }
                }
            }
        }
        match self.n_outputs {
            1 => add::<1>(self, nodes, acc),
            2 => add::<2>(self, nodes, acc),
            k => {
                for (a, &node) in acc.chunks_exact_mut(k.max(1)).zip(nodes) {
                    let l = self.leaf_id_of_node(node) as usize;
                    for (a, v) in a.iter_mut().zip(self.leaf_value(l)) {
                        *a += v;
                    }
                }
            }
        }
    }

    /// The value vector of leaf `leaf` (empty for an unknown leaf id).
    #[inline]
    pub fn leaf_value(&self, leaf: usize) -> &[f64] {
        let s = leaf * self.n_outputs;
        self.leaf_values.get(s..s + self.n_outputs).unwrap_or(&[])
    }

    /// Shorthand for `leaf_value(leaf_of(row))`.
    #[inline]
    pub fn predict_row(&self, row: &[f64]) -> &[f64] {
        self.leaf_value(self.leaf_of(row))
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.leaf_values.len() / self.n_outputs.max(1)
    }

    /// Number of nodes (splits + leaves).
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Width of the leaf values.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Depth of the deepest leaf (a single-leaf tree has depth 0).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Sum of split scores per feature (the unnormalised impurity decrease of this tree).
    pub fn feature_gains(&self) -> &[f64] {
        &self.feature_gain
    }
}

/// Serialised form: structure-of-arrays, packed.
#[derive(Serialize, Deserialize)]
struct TreeRepr {
    n_features: usize,
    n_outputs: usize,
    #[serde(with = "crate::artifact::packed")]
    feature: Vec<u16>,
    #[serde(with = "crate::artifact::packed")]
    threshold: Vec<f64>,
    #[serde(with = "crate::artifact::packed")]
    child: Vec<u32>,
    #[serde(with = "crate::artifact::packed")]
    leaf_values: Vec<f64>,
    #[serde(with = "crate::artifact::packed")]
    feature_gain: Vec<f64>,
}

impl From<Tree> for TreeRepr {
    fn from(t: Tree) -> Self {
        let is_leaf = |i: usize, n: &Node| n.child as usize == i;
        TreeRepr {
            n_features: t.n_features,
            n_outputs: t.n_outputs,
            feature: t
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| if is_leaf(i, n) { LEAF } else { n.feature })
                .collect(),
            threshold: t.nodes.iter().map(|n| n.threshold).collect(),
            child: t
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| if is_leaf(i, n) { t.leaf_id[i] } else { n.child })
                .collect(),
            leaf_values: t.leaf_values,
            feature_gain: t.feature_gain,
        }
    }
}

impl TryFrom<TreeRepr> for Tree {
    type Error = String;

    /// Checks every invariant prediction relies on, so a corrupted artifact is refused
    /// instead of looping or indexing out of bounds.
    fn try_from(r: TreeRepr) -> std::result::Result<Self, String> {
        let len = r.feature.len();
        if len == 0 || r.threshold.len() != len || r.child.len() != len {
            return Err("tree node arrays are empty or of different lengths".into());
        }
        if r.n_outputs == 0 || r.leaf_values.len() % r.n_outputs != 0 {
            return Err("tree leaf values do not match n_outputs".into());
        }
        if r.n_features == 0 || r.n_features > MAX_FEATURES || r.feature_gain.len() != r.n_features
        {
            return Err("tree feature count is inconsistent".into());
        }
        if r.leaf_values.iter().any(|v| !v.is_finite()) {
            return Err("tree leaf values must be finite".into());
        }
        if r.feature_gain.iter().any(|v| !v.is_finite()) {
            return Err("tree feature gains must be finite".into());
        }
        let n_leaves = r.leaf_values.len() / r.n_outputs;
        for i in 0..len {
            let (f, c) = (r.feature[i], r.child[i] as usize);
            if f == LEAF {
                if c >= n_leaves {
                    return Err(format!("tree leaf {i} points to missing leaf value {c}"));
                }
            } else if (f as usize) >= r.n_features
                || c <= i
                || c + 1 >= len
                || r.threshold[i].is_nan()
            {
                return Err(format!("tree node {i} is malformed"));
            }
        }
        let mut nodes = Vec::with_capacity(len);
        let mut leaf_id = vec![0u32; len];
        for (i, id) in leaf_id.iter_mut().enumerate() {
            if r.feature[i] == LEAF {
                nodes.push(leaf_node(i));
                *id = r.child[i];
            } else {
                nodes.push(Node {
                    threshold: r.threshold[i],
                    child: r.child[i],
                    feature: r.feature[i],
                });
            }
        }
        Ok(Tree {
            depth: depth_of(&nodes),
            nodes,
            leaf_id,
            leaf_values: r.leaf_values,
            n_outputs: r.n_outputs,
            n_features: r.n_features,
            feature_gain: r.feature_gain,
        })
    }
}

/// The self-looping leaf node at index `i`.
fn leaf_node(i: usize) -> Node {
    Node {
        threshold: f64::INFINITY,
        child: i as u32,
        feature: 0,
    }
}

/// Depth of the deepest leaf (children always come after their parent).
fn depth_of(nodes: &[Node]) -> usize {
    let mut depth = vec![0usize; nodes.len()];
    let mut max = 0;
    for (i, n) in nodes.iter().enumerate() {
        if n.child as usize != i {
            let d = depth[i] + 1;
            for c in [n.child as usize, n.child as usize + 1] {
                if let Some(slot) = depth.get_mut(c) {
                    *slot = d;
                }
            }
            max = max.max(d);
        }
    }
    max
}

/// A node waiting to be split.
struct Work {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    stats: Vec<f64>,
    /// Full histogram (all features) when available, for the subtraction trick.
    hist: Option<Vec<f64>>,
}

/// The best split found so far at a node.
struct Best {
    feature: usize,
    bin: usize,
    score: f64,
    left: Vec<f64>,
}

/// Builds one tree on binned data.
///
/// * `split_samples`: the row indices (into `binned`) the structure is learned from;
///   repeated indices count with their multiplicity (bootstrap).
/// * `estimate_samples`: `None` for a classic tree (leaf values from the split samples);
///   `Some(rows)` for an **honest** tree: the structure comes from `split_samples` only, then
///   `rows` are routed down the tree and each leaf's value is computed from the estimation
///   samples that reach it. A leaf whose estimation statistics are empty or not
///   [`estimable`](SplitCriterion::estimable) takes the value of its nearest estimable
///   ancestor (the root at worst). A criterion whose
///   [`leaf_width`](SplitCriterion::leaf_width) exceeds its split width values every leaf
///   that way, from its estimation samples or, without them, from the split samples.
/// * Histograms: when a node has a full histogram (all features), only the smaller child's
///   histogram is built from samples and the sibling's is the parent's minus it. Whether
///   full histograms are kept is decided per tree: only when at least half of the features are
///   candidates at each node (otherwise building the sampled features directly is cheaper).
/// * `rng` draws the candidate features of each node; the tree is a deterministic function
///   of its inputs and the generator state.
///
/// Errors: no split samples, a sample index outside `binned`, an empty estimation set, a
/// criterion of width 0 or more than [`MAX_FEATURES`] features.
///
/// See the [module docs](crate::forest#custom-criteria-and-honest-trees) for an example.
pub fn build_tree<C, R>(
    binned: &BinnedMatrix,
    criterion: &C,
    split_samples: &[u32],
    estimate_samples: Option<&[u32]>,
    params: &TreeParams,
    rng: &mut R,
) -> Result<Tree>
where
    C: SplitCriterion + ?Sized,
    R: Rng + ?Sized,
{
    let n_rows = binned.n_rows();
    let nf = binned.n_features();
    if split_samples.is_empty() {
        return Err(Error::empty("split_samples"));
    }
    if nf == 0 {
        return Err(Error::empty("binned matrix has no features"));
    }
    if nf > MAX_FEATURES {
        return Err(Error::invalid_param(
            "n_features",
            nf,
            format!("at most {MAX_FEATURES} features are supported"),
        ));
    }
    let w = criterion.width();
    if w == 0 || criterion.n_outputs() == 0 {
        return Err(Error::invalid_param(
            "criterion",
            w,
            "width and n_outputs must be at least 1",
        ));
    }
    let check = |what: &str, s: &[u32]| -> Result<()> {
        match s.iter().find(|&&i| i as usize >= n_rows) {
            Some(&i) => Err(Error::invalid_param(
                what,
                i,
                format!("row index out of range (binned matrix has {n_rows} rows)"),
            )),
            None => Ok(()),
        }
    };
    check("split_samples", split_samples)?;
    if let Some(e) = estimate_samples {
        if e.is_empty() {
            return Err(Error::empty("estimate_samples"));
        }
        check("estimate_samples", e)?;
    }

    let mut b = Builder::new(binned, criterion, split_samples, params);
    b.grow(rng);
    if let Some(est) = estimate_samples {
        b.honest_leaves(est);
    } else if criterion.leaf_width() != w {
        // Leaves valued from wider statistics than the splits: route the split samples.
        b.honest_leaves(split_samples);
    }
    Ok(b.finish())
}

struct Builder<'a, C: ?Sized> {
    binned: &'a BinnedMatrix,
    crit: &'a C,
    w: usize,
    nf: usize,
    n_outputs: usize,
    min_leaf: f64,
    max_depth: usize,
    mtry: usize,
    min_score: f64,
    /// Offset of each feature's histogram inside a full histogram.
    offsets: Vec<usize>,
    full_len: usize,
    full_mode: bool,
    idx: Vec<u32>,
    scratch: Vec<u32>,
    nodes: Vec<Node>,
    leaf_id: Vec<u32>,
    split_bin: Vec<u8>,
    split_feature: Vec<u16>,
    parent: Vec<u32>,
    leaf_nodes: Vec<u32>,
    leaf_values: Vec<f64>,
    gains: Vec<f64>,
    pool: Vec<Vec<f64>>,
    copies: std::cell::RefCell<Vec<f64>>,
    counts: std::cell::RefCell<Vec<u32>>,
}

impl<'a, C: SplitCriterion + ?Sized> Builder<'a, C> {
    fn new(binned: &'a BinnedMatrix, crit: &'a C, samples: &[u32], p: &TreeParams) -> Self {
        let nf = binned.n_features();
        let w = crit.width();
        let mut offsets = Vec::with_capacity(nf);
        let mut full_len = 0;
        for f in 0..nf {
            offsets.push(full_len);
            full_len += binned.binner().n_bins(f) * w;
        }
        let mut idx = samples.to_vec();
        // Sorted sample lists make the column reads sequential.
        if !idx.windows(2).all(|x| x[0] <= x[1]) {
            idx.sort_unstable();
        }
        let mtry = p.max_features.clamp(1, nf);
        Builder {
            binned,
            crit,
            w,
            nf,
            n_outputs: crit.n_outputs(),
            min_leaf: p.min_samples_leaf.max(1) as f64,
            max_depth: p.max_depth.unwrap_or(usize::MAX),
            mtry,
            min_score: p.min_impurity_decrease * samples.len() as f64,
            offsets,
            full_len,
            full_mode: 2 * mtry >= nf,
            scratch: vec![0; idx.len()],
            idx,
            nodes: Vec::new(),
            leaf_id: Vec::new(),
            split_bin: Vec::new(),
            split_feature: Vec::new(),
            parent: Vec::new(),
            leaf_nodes: Vec::new(),
            leaf_values: Vec::new(),
            gains: vec![0.0; nf],
            pool: Vec::new(),
            copies: std::cell::RefCell::new(Vec::new()),
            counts: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn new_node(&mut self, parent: u32) -> usize {
        self.nodes.push(leaf_node(self.nodes.len()));
        self.leaf_id.push(0);
        self.split_bin.push(0);
        self.split_feature.push(LEAF);
        self.parent.push(parent);
        self.nodes.len() - 1
    }

    fn take_buf(&mut self, len: usize) -> Vec<f64> {
        let mut v = self.pool.pop().unwrap_or_default();
        v.clear();
        v.resize(len, 0.0);
        v
    }

    /// Histogram of feature `f` over `idx[start..end]` into `out` (`n_bins(f) * w` long).
    ///
    /// Large nodes accumulate into [`HIST_COPIES`] interleaved copies, summed at the end:
    /// consecutive samples falling into the same bin (frequent with few bins) would
    /// otherwise wait on each other's store.
    fn feature_hist(&self, f: usize, start: usize, end: usize, out: &mut [f64]) {
        if let Some(y) = self.crit.class_labels() {
            return self.class_hist(y, f, start, end, out);
        }
        out.fill(0.0);
        let codes = self.binned.column(f);
        let w = self.w;
        let len = out.len();
        let samples = &self.idx[start..end];
        if samples.len() < 4 * len * HIST_COPIES {
            for &s in samples {
                let b = codes.get(s as usize).copied().unwrap_or(0) as usize * w;
                if let Some(h) = out.get_mut(b..b + w) {
                    self.crit.accumulate(s, h);
                }
            }
            return;
        }
        let mut copies = self.copies.borrow_mut();
        copies.clear();
        copies.resize(len * HIST_COPIES, 0.0);
        let mut chunks = samples.chunks_exact(HIST_COPIES);
        for chunk in &mut chunks {
            for (c, &s) in chunk.iter().enumerate() {
                let b = c * len + codes.get(s as usize).copied().unwrap_or(0) as usize * w;
                if let Some(h) = copies.get_mut(b..b + w) {
                    self.crit.accumulate(s, h);
                }
            }
        }
        for &s in chunks.remainder() {
            let b = codes.get(s as usize).copied().unwrap_or(0) as usize * w;
            if let Some(h) = copies.get_mut(b..b + w) {
                self.crit.accumulate(s, h);
            }
        }
        for (i, o) in out.iter_mut().enumerate() {
            let mut v = 0.0;
            for c in 0..HIST_COPIES {
                v += copies[c * len + i];
            }
            *o = v;
        }
    }

    /// [`Builder::feature_hist`] for class-count criteria: counts in `u32`, exact like the
    /// float counts (so the histogram is the same) and cheaper to increment; integer
    /// increments need no interleaved copies (measured: copies were slower here).
    fn class_hist(&self, y: &[u32], f: usize, start: usize, end: usize, out: &mut [f64]) {
        let codes = self.binned.column(f);
        let w = self.w;
        let mut counts = self.counts.borrow_mut();
        counts.clear();
        counts.resize(out.len(), 0);
        for &s in &self.idx[start..end] {
            let b = codes.get(s as usize).copied().unwrap_or(0) as usize;
            let c = y.get(s as usize).copied().unwrap_or(0) as usize;
            if let Some(n) = counts.get_mut(b * w + c) {
                *n += 1;
            }
        }
        for (o, &n) in out.iter_mut().zip(counts.iter()) {
            *o = f64::from(n);
        }
    }

    fn full_hist(&self, start: usize, end: usize, out: &mut [f64]) {
        for f in 0..self.nf {
            let o = self.offsets[f];
            let len = self.binned.binner().n_bins(f) * self.w;
            self.feature_hist(f, start, end, &mut out[o..o + len]);
        }
    }

    /// Scans the bins of one feature histogram for the best admissible split.
    fn scan(
        &self,
        f: usize,
        hist: &[f64],
        parent: &[f64],
        left: &mut [f64],
        right: &mut [f64],
        best: &mut Option<Best>,
    ) {
        let w = self.w;
        let nb = self.binned.binner().n_bins(f);
        if nb < 2 {
            return;
        }
        let n_parent = self.crit.n_samples(parent);
        left.fill(0.0);
        for b in 0..nb - 1 {
            let h = &hist[b * w..(b + 1) * w];
            if self.crit.n_samples(h) <= 0.0 {
                continue;
            }
            for k in 0..w {
                left[k] += h[k];
                right[k] = parent[k] - left[k];
            }
            let nl = self.crit.n_samples(left);
            if nl < self.min_leaf {
                continue;
            }
            if n_parent - nl < self.min_leaf {
                break;
            }
            if !self.crit.admissible(left) || !self.crit.admissible(right) {
                continue;
            }
            let score = self.crit.split_score(parent, left, right);
            if best.as_ref().is_none_or(|bs| score > bs.score) {
                match best {
                    Some(bs) => {
                        bs.feature = f;
                        bs.bin = b;
                        bs.score = score;
                        bs.left.copy_from_slice(left);
                    }
                    None => {
                        *best = Some(Best {
                            feature: f,
                            bin: b,
                            score,
                            left: left.to_vec(),
                        })
                    }
                }
            }
        }
    }

    fn make_leaf(&mut self, node: usize, stats: &[f64]) {
        let leaf = self.leaf_nodes.len();
        self.nodes[node] = leaf_node(node);
        self.leaf_id[node] = leaf as u32;
        self.leaf_nodes.push(node as u32);
        let s = self.leaf_values.len();
        self.leaf_values.resize(s + self.n_outputs, 0.0);
        // With wider leaf statistics the values come from the leaf pass instead.
        if self.crit.leaf_width() == self.w {
            self.crit.leaf_value(stats, &mut self.leaf_values[s..]);
        }
    }

    fn can_split(&self, n: usize, depth: usize) -> bool {
        depth < self.max_depth && (n as f64) >= 2.0 * self.min_leaf
    }

    fn grow<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let w = self.w;
        let root = self.new_node(u32::MAX);
        let n = self.idx.len();
        let mut stats = vec![0.0; w];
        for &s in &self.idx {
            self.crit.accumulate(s, &mut stats);
        }
        let hist = if self.full_mode && self.can_split(n, 0) {
            let mut h = self.take_buf(self.full_len);
            self.full_hist(0, n, &mut h);
            Some(h)
        } else {
            None
        };
        let mut stack = vec![Work {
            node: root,
            start: 0,
            end: n,
            depth: 0,
            stats,
            hist,
        }];
        let max_bins = (0..self.nf)
            .map(|f| self.binned.binner().n_bins(f))
            .max()
            .unwrap_or(1);
        let mut fhist = vec![0.0; max_bins * w];
        let mut left = vec![0.0; w];
        let mut right = vec![0.0; w];
        let mut perm: Vec<usize> = (0..self.nf).collect();

        while let Some(work) = stack.pop() {
            let Work {
                node,
                start,
                end,
                depth,
                stats,
                hist,
            } = work;
            if !self.can_split(end - start, depth) || self.crit.is_pure(&stats) {
                if let Some(h) = hist {
                    self.pool.push(h);
                }
                self.make_leaf(node, &stats);
                continue;
            }
            // Candidate features: a partial Fisher-Yates shuffle, drawn lazily.
            let mut best: Option<Best> = None;
            for k in 0..self.nf {
                let j = rng.gen_range(k..self.nf);
                perm.swap(k, j);
                let f = perm[k];
                let len = self.binned.binner().n_bins(f) * w;
                match &hist {
                    Some(h) => {
                        let o = self.offsets[f];
                        self.scan(f, &h[o..o + len], &stats, &mut left, &mut right, &mut best);
                    }
                    None => {
                        let fh = &mut fhist[..len];
                        self.feature_hist(f, start, end, fh);
                        self.scan(f, fh, &stats, &mut left, &mut right, &mut best);
                    }
                }
                if k + 1 >= self.mtry && best.is_some() {
                    break;
                }
            }
            let best = match best {
                Some(b) if b.score >= self.min_score => b,
                _ => {
                    if let Some(h) = hist {
                        self.pool.push(h);
                    }
                    self.make_leaf(node, &stats);
                    continue;
                }
            };

            // Stable, branch-free partition of idx[start..end]: left keeps bins <= best.bin.
            let codes = self.binned.column(best.feature);
            let bin = best.bin;
            let mut l = start;
            let mut r = 0;
            for k in start..end {
                let s = self.idx[k];
                let go_left =
                    usize::from(codes.get(s as usize).copied().unwrap_or(0) as usize <= bin);
                self.idx[l] = s;
                self.scratch[r] = s;
                l += go_left;
                r += 1 - go_left;
            }
            self.idx[l..end].copy_from_slice(&self.scratch[..r]);
            let mid = l;

            let lc = self.new_node(node as u32);
            let rc = self.new_node(node as u32);
            self.nodes[node] = Node {
                threshold: self
                    .binned
                    .binner()
                    .cuts(best.feature)
                    .get(best.bin)
                    .copied()
                    .unwrap_or(f64::INFINITY),
                child: lc as u32,
                feature: best.feature as u16,
            };
            self.split_bin[node] = best.bin as u8;
            self.split_feature[node] = best.feature as u16;
            self.gains[best.feature] += best.score;

            let left_stats = best.left;
            let right_stats: Vec<f64> = stats.iter().zip(&left_stats).map(|(p, l)| p - l).collect();
            let (nl, nr) = (mid - start, end - mid);
            let need = self.can_split(nl, depth + 1) || self.can_split(nr, depth + 1);
            let (lh, rh) = match hist {
                Some(mut parent_hist) if need => {
                    let mut small = self.take_buf(self.full_len);
                    let small_is_left = nl <= nr;
                    if small_is_left {
                        self.full_hist(start, mid, &mut small);
                    } else {
                        self.full_hist(mid, end, &mut small);
                    }
                    for (p, s) in parent_hist.iter_mut().zip(&small) {
                        *p -= s;
                    }
                    if small_is_left {
                        (Some(small), Some(parent_hist))
                    } else {
                        (Some(parent_hist), Some(small))
                    }
                }
                Some(h) => {
                    self.pool.push(h);
                    (None, None)
                }
                None => (None, None),
            };
            // Right pushed first so the left subtree is built first (pre-order).
            stack.push(Work {
                node: rc,
                start: mid,
                end,
                depth: depth + 1,
                stats: right_stats,
                hist: rh,
            });
            stack.push(Work {
                node: lc,
                start,
                end: mid,
                depth: depth + 1,
                stats: left_stats,
                hist: lh,
            });
        }
    }

    /// Replaces leaf values by estimates from `est` routed down the tree.
    fn honest_leaves(&mut self, est: &[u32]) {
        let w = self.crit.leaf_width();
        let mut node_stats = vec![0.0; self.nodes.len() * w];
        // Each sample is added at its leaf only; the inner nodes (the fallback of an empty
        // leaf) are then the sums of their children, children coming after their parent.
        for &s in est {
            let mut i = 0usize;
            loop {
                let n = self.nodes[i];
                if n.child as usize == i {
                    break;
                }
                let code = self
                    .binned
                    .column(self.split_feature[i] as usize)
                    .get(s as usize)
                    .copied()
                    .unwrap_or(0);
                i = n.child as usize + usize::from(code > self.split_bin[i]);
            }
            self.crit
                .accumulate_leaf(s, &mut node_stats[i * w..(i + 1) * w]);
        }
        for i in (1..self.nodes.len()).rev() {
            let p = self.parent[i] as usize;
            let (head, tail) = node_stats.split_at_mut(i * w);
            for (a, b) in head[p * w..(p + 1) * w].iter_mut().zip(&tail[..w]) {
                *a += b;
            }
        }
        for (leaf, &node) in self.leaf_nodes.iter().enumerate() {
            let mut i = node as usize;
            loop {
                let st = &node_stats[i * w..(i + 1) * w];
                let ok = self.crit.n_samples(st) > 0.0 && self.crit.estimable(st);
                let p = self.parent[i];
                if ok || p == u32::MAX {
                    let o = leaf * self.n_outputs;
                    self.crit
                        .leaf_value(st, &mut self.leaf_values[o..o + self.n_outputs]);
                    break;
                }
                i = p as usize;
            }
        }
    }

    fn finish(self) -> Tree {
        Tree {
            depth: depth_of(&self.nodes),
            nodes: self.nodes,
            leaf_id: self.leaf_id,
            leaf_values: self.leaf_values,
            n_outputs: self.n_outputs,
            n_features: self.nf,
            feature_gain: self.gains,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::criterion::ClassificationCriterion;
    use crate::forest::hyperparams::Impurity;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn xor_data(n: usize) -> (Array2<f64>, Vec<u32>) {
        let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * (j + 3) * 7919) % 101) as f64);
        let y = (0..n)
            .map(|i| u32::from((x[[i, 0]] > 50.0) != (x[[i, 1]] > 50.0)))
            .collect();
        (x, y)
    }

    #[test]
    fn full_tree_fits_xor_and_round_trips() {
        let (x, y) = xor_data(400);
        let b = BinnedMatrix::fit(x.view(), 255, 0);
        let c = ClassificationCriterion::new(&y, 2, Impurity::Gini).unwrap();
        let s: Vec<u32> = (0..400).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let t = build_tree(&b, &c, &s, None, &TreeParams::default(), &mut rng).unwrap();
        for i in 0..400 {
            let p = t.predict_row(x.row(i).as_slice().unwrap());
            assert_eq!(p[y[i] as usize], 1.0, "row {i}");
        }
        assert!(t.depth() >= 2 && t.n_leaves() * 2 - 1 == t.n_nodes());
        let json = serde_json::to_string(&t).unwrap();
        let back: Tree = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        let bad = json.replacen("\"n_outputs\":2", "\"n_outputs\":3", 1);
        assert!(serde_json::from_str::<Tree>(&bad).is_err());
    }

    #[test]
    fn sparse_and_full_histograms_agree() {
        // Per-feature histograms and subtracted full histograms must give the same tree
        // (class counts are integers, so subtraction is exact).
        let (x, y) = xor_data(300);
        let b = BinnedMatrix::fit(x.view(), 16, 0);
        let c = ClassificationCriterion::new(&y, 2, Impurity::Gini).unwrap();
        let s: Vec<u32> = (0..300).collect();
        let p = TreeParams {
            min_samples_leaf: 3,
            ..TreeParams::default()
        };
        let mut b1 = Builder::new(&b, &c, &s, &p);
        b1.full_mode = false;
        b1.grow(&mut Xoshiro256PlusPlus::seed_from_u64(5));
        let mut b2 = Builder::new(&b, &c, &s, &p);
        assert!(b2.full_mode);
        b2.grow(&mut Xoshiro256PlusPlus::seed_from_u64(5));
        let (t1, t2) = (b1.finish(), b2.finish());
        assert_eq!(t1.nodes.len(), t2.nodes.len());
        for (a, b) in t1.nodes.iter().zip(&t2.nodes) {
            assert_eq!(
                (a.feature, a.child, a.threshold),
                (b.feature, b.child, b.threshold)
            );
        }
        for (a, b) in t1.leaf_values.iter().zip(&t2.leaf_values) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    /// The classification criterion with its integer-count shortcut hidden.
    struct FloatCounts<'a>(ClassificationCriterion<'a>);

    impl SplitCriterion for FloatCounts<'_> {
        fn width(&self) -> usize {
            self.0.width()
        }
        fn n_outputs(&self) -> usize {
            self.0.n_outputs()
        }
        fn accumulate(&self, sample: u32, stats: &mut [f64]) {
            self.0.accumulate(sample, stats)
        }
        fn n_samples(&self, stats: &[f64]) -> f64 {
            self.0.n_samples(stats)
        }
        fn split_score(&self, parent: &[f64], left: &[f64], right: &[f64]) -> f64 {
            self.0.split_score(parent, left, right)
        }
        fn is_pure(&self, stats: &[f64]) -> bool {
            self.0.is_pure(stats)
        }
        fn leaf_value(&self, stats: &[f64], out: &mut [f64]) {
            self.0.leaf_value(stats, out)
        }
    }

    #[test]
    fn integer_class_counts_give_the_float_counts_tree() {
        // Three classes, bootstrap-like repeated samples, a node large enough for the
        // interleaved float copies: the integer histograms must give the same tree bit for bit.
        let n = 4000;
        let x = Array2::from_shape_fn((n, 4), |(i, j)| ((i * (7 + 3 * j) + j) % 97) as f64);
        let y: Vec<u32> = (0..n)
            .map(|i| ((i % 97) / 40 + usize::from(i % 11 == 0)) as u32 % 3)
            .collect();
        let b = BinnedMatrix::fit(x.view(), 64, 0);
        let c = ClassificationCriterion::new(&y, 3, Impurity::Entropy).unwrap();
        assert!(c.class_labels().is_some());
        let s: Vec<u32> = (0..n as u32)
            .map(|i| (i * 31) % n as u32)
            .chain(0..500)
            .collect();
        let p = TreeParams {
            min_samples_leaf: 2,
            max_features: 2,
            ..TreeParams::default()
        };
        let grow = |crit: &dyn SplitCriterion| {
            build_tree(
                &b,
                crit,
                &s,
                None,
                &p,
                &mut Xoshiro256PlusPlus::seed_from_u64(9),
            )
            .unwrap()
        };
        let (t1, t2) = (grow(&c), grow(&FloatCounts(c.clone())));
        assert!(t1.n_nodes() > 50, "a real tree: {} nodes", t1.n_nodes());
        assert_eq!(t1, t2);
    }

    #[test]
    fn limits_and_honest_estimates() {
        let (x, y) = xor_data(500);
        let b = BinnedMatrix::fit(x.view(), 255, 0);
        let c = ClassificationCriterion::new(&y, 2, Impurity::Entropy).unwrap();
        let split: Vec<u32> = (0..500).filter(|i| i % 2 == 0).collect();
        let est: Vec<u32> = (0..500).filter(|i| i % 2 == 1).collect();
        let p = TreeParams {
            max_depth: Some(3),
            min_samples_leaf: 10,
            ..TreeParams::default()
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let t = build_tree(&b, &c, &split, Some(&est), &p, &mut rng).unwrap();
        assert!(t.depth() <= 3);
        // Every honest leaf value is the class frequency of estimation rows in that leaf
        // (or of an ancestor when empty).
        let mut counts = vec![[0.0f64; 2]; t.n_leaves()];
        for &i in &est {
            let leaf = t.leaf_of(x.row(i as usize).as_slice().unwrap());
            counts[leaf][y[i as usize] as usize] += 1.0;
        }
        for (leaf, c) in counts.iter().enumerate() {
            let n = c[0] + c[1];
            if n > 0.0 {
                assert!((t.leaf_value(leaf)[1] - c[1] / n).abs() < 1e-12);
            }
        }
        assert!(build_tree(&b, &c, &[], None, &p, &mut rng).is_err());
        assert!(build_tree(&b, &c, &[9999], None, &p, &mut rng).is_err());
        assert!(build_tree(&b, &c, &split, Some(&[]), &p, &mut rng).is_err());
    }
}
