//! Our k-means fit: greedy k-means++ seeding (as scikit-learn's) improved by Lattanzi &
//! Sohler's local search, and Lloyd iterations, as scikit-learn's `KMeans(algorithm="lloyd")`,
//! deterministic for any number of threads.
//!
//! Every pass over the rows works on fixed chunks of [`CHUNK`] rows (independent of the
//! thread count); each chunk sums its rows in row order and the per-chunk partial sums are
//! added in chunk order, so every floating-point sum, and therefore every result, has the
//! same bits whether the chunks ran on one thread or many.
//!
//! The k-means++ and inertia passes compute distances on a feature-major copy of `x`: for
//! one centre and one feature, a whole chunk of rows is updated at once (a loop the compiler
//! vectorises across rows), while each row's squared distance is still summed from 0 in
//! feature order, the same bits as [`squared_distance`](super::algorithm::squared_distance).
//! The Lloyd iterations go row by row, since Hamerly's bounds skip most rows.

use ndarray::{Array2, ArrayView2};
use rand::RngCore;

use super::hyperparams::KMeansParams;
use crate::forest::parallel;
use crate::forest::tree_rng;

/// Rows per chunk of every parallel pass (scikit-learn uses 256 too).
const CHUNK: usize = 256;

/// `f(chunk_index, chunk_of_out)` over consecutive [`CHUNK`]-row chunks of `out`, results in
/// chunk order (in parallel on the current pool with the `parallel` feature).
fn map_chunks_mut<T, R, F>(out: &mut [T], f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(usize, &mut [T]) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(i, c)| f(i, c))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        out.chunks_mut(CHUNK)
            .enumerate()
            .map(|(i, c)| f(i, c))
            .collect()
    }
}

/// The training data: row-major (for whole rows) and feature-major (for distance passes).
#[derive(Clone, Copy)]
struct Data<'a> {
    /// Row-major, `n x p`.
    x: &'a [f64],
    /// Feature-major, `p x n`: `xt[j * n + i]` is feature `j` of row `i`.
    xt: &'a [f64],
    n: usize,
    p: usize,
}

impl<'a> Data<'a> {
    #[inline]
    fn row(&self, i: usize) -> &'a [f64] {
        &self.x[i * self.p..(i + 1) * self.p]
    }
    /// Rows of chunk `c`: `start..end`.
    #[inline]
    fn chunk(&self, c: usize) -> (usize, usize) {
        let start = c * CHUNK;
        (start, (start + CHUNK).min(self.n))
    }
    fn n_chunks(&self) -> usize {
        self.n.div_ceil(CHUNK)
    }
    /// Squared Euclidean distances of rows `start..end` to `centre` into `out` (one per row),
    /// each summed from 0 in feature order.
    #[inline]
    fn distances(&self, start: usize, end: usize, centre: &[f64], out: &mut [f64]) {
        let out = &mut out[..end - start];
        out.fill(0.0);
        for (j, &c) in centre.iter().enumerate() {
            let col = &self.xt[j * self.n + start..j * self.n + end];
            for (a, &v) in out.iter_mut().zip(col) {
                let e = v - c;
                *a += e * e;
            }
        }
    }
    /// Nearest of the `k` row-major `centres` for rows `start..end` (ties to the lowest index,
    /// the rule of [`nearest`](super::algorithm::nearest)) into `best` and `best_d`.
    #[inline]
    fn nearest(
        &self,
        start: usize,
        end: usize,
        centres: &[f64],
        best: &mut [usize; CHUNK],
        best_d: &mut [f64; CHUNK],
    ) {
        let len = end - start;
        best[..len].fill(0);
        best_d[..len].fill(f64::INFINITY);
        let mut dist = [0.0; CHUNK];
        for (c, centre) in centres.chunks_exact(self.p).enumerate() {
            self.distances(start, end, centre, &mut dist);
            for ((b, bd), &d) in best.iter_mut().zip(best_d.iter_mut()).zip(&dist[..len]) {
                if d < *bd {
                    *bd = d;
                    *b = c;
                }
            }
        }
    }
}

/// Prediction: the nearest of the `k` row-major `centres` (ties to the lowest index) for every
/// row of the row-major `x` (`labels.len()` rows of `p` features), with the
/// training passes' chunked, feature-major distances (the same bits as
/// [`nearest`](super::algorithm::nearest)). A row whose every distance overflows takes
/// `overflow(row)`. Chunks run on the current pool when `parallel`, else in this thread.
pub(crate) fn assign_rows(
    x: &[f64],
    p: usize,
    centres: &[f64],
    labels: &mut [usize],
    parallel: bool,
    overflow: impl Fn(usize) -> usize + Sync + Send,
) {
    let chunk = |c: usize, out: &mut [usize]| {
        let (start, m) = (c * CHUNK, out.len());
        let rows = &x[start * p..(start + m) * p];
        let mut xt = vec![0.0; m * p];
        for (i, row) in rows.chunks_exact(p).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                xt[j * m + i] = v;
            }
        }
        let d = Data {
            x: rows,
            xt: &xt,
            n: m,
            p,
        };
        let (mut best, mut best_d) = ([0; CHUNK], [0.0; CHUNK]);
        d.nearest(0, m, centres, &mut best, &mut best_d);
        for (i, o) in out.iter_mut().enumerate() {
            *o = if best_d[i] == f64::INFINITY {
                overflow(start + i)
            } else {
                best[i]
            };
        }
    };
    if parallel {
        map_chunks_mut(labels, chunk);
    } else {
        labels
            .chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, out)| chunk(c, out));
    }
}

/// Index and value of the smallest entry, ties to the lowest index.
#[inline]
fn argmin(v: &[f64]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, &d) in v.iter().enumerate() {
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Squared Euclidean distance of two rows, summed from 0 in feature order (the bits of
/// [`squared_distance`](super::algorithm::squared_distance)).
#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (u, v)| s + (u - v) * (u - v))
}

/// A uniform `f64` in `[0, 1)` from the top 53 bits.
#[inline]
fn unit(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index in `0..n` (multiply-shift).
#[inline]
fn below(rng: &mut impl RngCore, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// Mean over features of the population variance of each feature (scikit-learn's
/// `np.mean(np.var(X, axis=0))`), summed in row order.
pub(super) fn mean_variance(x: ArrayView2<'_, f64>) -> f64 {
    let (n, p) = x.dim();
    let mut total = 0.0;
    for col in x.columns() {
        let mean = col.iter().sum::<f64>() / n as f64;
        let ss = col.iter().fold(0.0, |s, &v| s + (v - mean) * (v - mean));
        total += ss / n as f64;
    }
    total / p as f64
}

/// The first row whose running (chunk-ordered) sum of `weights` reaches `r`, or the last row
/// when rounding leaves `r` above every running sum (scikit-learn's `searchsorted` + clip).
fn search(weights: &[f64], totals: &[f64], r: f64) -> usize {
    let mut cum = 0.0;
    for (c, &total) in totals.iter().enumerate() {
        if cum + total >= r {
            let start = c * CHUNK;
            let mut local = cum;
            for (i, &w) in weights[start..(start + CHUNK).min(weights.len())]
                .iter()
                .enumerate()
            {
                local += w;
                if local >= r {
                    return start + i;
                }
            }
        }
        cum += total;
    }
    weights.len() - 1
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): a uniform first centre, then for
/// each further centre `2 + floor(ln k)` candidates drawn with probability proportional to
/// the squared distance to the nearest chosen centre, keeping the candidate that leaves the
/// lowest total potential (the first on a tie). Returns `k x p` row-major centres.
fn kmeans_pp(d: Data<'_>, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
    let trials = 2 + libm::log(k as f64) as usize;
    let first = below(rng, d.n);
    let mut centres = d.row(first).to_vec();
    let mut closest = vec![0.0; d.n];
    // `closest = min(closest, distance to centre)` (or the distance itself when `first`),
    // returning the chunk's sum of `closest` in row order.
    let update = |closest: &mut [f64], centre: &[f64], first: bool| {
        map_chunks_mut(closest, |c, out| {
            let (start, end) = d.chunk(c);
            let mut dist = [0.0; CHUNK];
            d.distances(start, end, centre, &mut dist);
            let mut s = 0.0;
            for (o, &v) in out.iter_mut().zip(&dist) {
                *o = if first { v } else { o.min(v) };
                s += *o;
            }
            s
        })
    };
    let mut totals = update(&mut closest, &centres, true);
    let mut pot: f64 = totals.iter().sum();
    for _ in 1..k {
        let ids: Vec<usize> = (0..trials)
            .map(|_| search(&closest, &totals, unit(rng) * pot))
            .collect();
        // Potential of each candidate: sum over rows of min(closest, distance to it).
        let parts = parallel::map_indexed(d.n_chunks(), |c| {
            let (start, end) = d.chunk(c);
            let mut dist = [0.0; CHUNK];
            let mut sums = vec![0.0; trials];
            for (s, &id) in sums.iter_mut().zip(&ids) {
                d.distances(start, end, d.row(id), &mut dist);
                for (&v, &cl) in dist.iter().zip(&closest[start..end]) {
                    *s += v.min(cl);
                }
            }
            sums
        });
        let mut pots = vec![0.0; trials];
        for part in &parts {
            for (s, &v) in pots.iter_mut().zip(part) {
                *s += v;
            }
        }
        let chosen = d.row(ids[argmin(&pots).0]);
        totals = update(&mut closest, chosen, false);
        // Equal to the chosen candidate's potential: the same values summed in the same order.
        pot = totals.iter().sum();
        centres.extend_from_slice(chosen);
    }
    centres
}

/// Local-search steps after seeding, per centre (see [`local_search`]). On the standardised
/// appointment features (k = 5, 10 inits) one step per centre ended in the best known optimum
/// from more seeds than none, and more steps added time, not quality (measured while
/// choosing; the peer benchmark shows the result).
const LOCAL_SEARCH_STEPS_PER_CENTRE: usize = 1;

/// Lattanzi & Sohler's local search after k-means++ ("A better k-means++ algorithm via local
/// search", ICML 2019): `steps` times, draw a candidate row with probability proportional to
/// the squared distance to its nearest centre, and swap it for the centre whose replacement
/// lowers the potential most (the lowest index on a tie), if any does. The seeds' potential
/// never rises. Each step is one pass of distances to the candidate; after a swap only the
/// rows whose nearest or second-nearest centre was replaced are measured again.
fn local_search(d: Data<'_>, centres: &mut [f64], steps: usize, rng: &mut impl RngCore) {
    let (k, p) = (centres.len() / d.p, d.p);
    if k < 2 {
        return;
    }
    let mut near = vec![Near::default(); d.n];
    let mut totals = map_chunks_mut(&mut near, |c, out| {
        let (start, end) = d.chunk(c);
        let mut dist = [0.0; CHUNK];
        out.fill(Near::default());
        for (j, centre) in centres.chunks_exact(p).enumerate() {
            d.distances(start, end, centre, &mut dist);
            for (o, &v) in out.iter_mut().zip(&dist) {
                o.add(j, v);
            }
        }
        out.iter().map(|o| o.d1).sum::<f64>()
    });
    let mut d1: Vec<f64> = near.iter().map(|o| o.d1).collect();
    let mut dc = vec![0.0; d.n];
    for _ in 0..steps {
        let pot: f64 = totals.iter().sum();
        if pot.is_nan() || pot <= 0.0 {
            return;
        }
        let cand = d.row(search(&d1, &totals, unit(rng) * pot));
        // Potential after swapping centre j for `cand`: rows nearest to j fall back to their
        // second nearest centre; every row may move to `cand`. `swap[k]` is the part common
        // to every j.
        let parts = map_chunks_mut(&mut dc, |c, out| {
            let (start, end) = d.chunk(c);
            d.distances(start, end, cand, out);
            let mut swap = vec![0.0; k + 1];
            for (&v, o) in out.iter().zip(&near[start..end]) {
                let keep = v.min(o.d1);
                swap[k] += keep;
                swap[o.j1] += v.min(o.d2) - keep;
            }
            swap
        });
        let mut swap = vec![0.0; k + 1];
        for part in &parts {
            for (s, v) in swap.iter_mut().zip(part) {
                *s += v;
            }
        }
        let (j, delta) = argmin(&swap[..k]);
        if swap[k] + delta >= pot {
            continue;
        }
        centres[j * p..(j + 1) * p].copy_from_slice(cand);
        let centres = &*centres;
        totals = map_chunks_mut(&mut near, |c, out| {
            let (start, _) = d.chunk(c);
            for (i, o) in out.iter_mut().enumerate() {
                let r = start + i;
                if o.j1 == j || o.j2 == j {
                    let mut fresh = Near::default();
                    for (c, centre) in centres.chunks_exact(p).enumerate() {
                        let v = sq_dist(d.row(r), centre);
                        fresh.add(c, v);
                    }
                    *o = fresh;
                } else {
                    o.add(j, dc[r]);
                }
            }
            out.iter().map(|o| o.d1).sum::<f64>()
        });
        for (v, o) in d1.iter_mut().zip(&near) {
            *v = o.d1;
        }
    }
}

/// A row's nearest and second-nearest centres and their squared distances.
#[derive(Clone, Copy)]
struct Near {
    j1: usize,
    d1: f64,
    j2: usize,
    d2: f64,
}

impl Default for Near {
    fn default() -> Self {
        Near {
            j1: usize::MAX,
            d1: f64::INFINITY,
            j2: usize::MAX,
            d2: f64::INFINITY,
        }
    }
}

impl Near {
    /// Takes centre `j` at squared distance `v` into account.
    #[inline]
    fn add(&mut self, j: usize, v: f64) {
        if v < self.d1 {
            (self.j2, self.d2) = (self.j1, self.d1);
            (self.j1, self.d1) = (j, v);
        } else if v < self.d2 {
            (self.j2, self.d2) = (j, v);
        }
    }
}

/// One chunk's share of an assignment step.
struct Partial {
    /// Per-cluster sums of the rows, `k x p` row-major.
    sums: Vec<f64>,
    counts: Vec<usize>,
    /// Rows whose label changed.
    changed: usize,
}

/// Re-seeds each empty cluster (in increasing index) with the row farthest from its current
/// centre (ties to the lowest row index) among rows whose cluster keeps at least one other
/// row, moving that row's contribution from its cluster's sums to the empty one, as
/// scikit-learn's `_relocate_empty_clusters`. Labels are not changed (the next assignment
/// step recomputes them).
fn relocate_empty(
    d: Data<'_>,
    centres: &[f64],
    labels: &[usize],
    sums: &mut [f64],
    counts: &mut [usize],
) {
    let p = d.p;
    let dist: Vec<f64> = (0..d.n)
        .map(|i| {
            let c = &centres[labels[i] * p..(labels[i] + 1) * p];
            sq_dist(d.row(i), c)
        })
        .collect();
    let mut order: Vec<usize> = (0..d.n).collect();
    order.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
    let mut candidates = order.into_iter();
    let empty: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] == 0).collect();
    for e in empty {
        // n >= k, so while a cluster is empty another holds at least two rows.
        let Some(i) = candidates.find(|&i| counts[labels[i]] > 1) else {
            return;
        };
        let (from, row) = (labels[i], d.row(i));
        for j in 0..p {
            sums[from * p + j] -= row[j];
            sums[e * p + j] = row[j];
        }
        counts[from] -= 1;
        counts[e] = 1;
    }
}

/// One k-means run: its centres (`k x p` row-major), its inertia and its iterations.
struct Run {
    centres: Vec<f64>,
    inertia: f64,
    n_iter: u64,
}

/// Sum over rows of the squared distance to the nearest of `centres` (chunk-ordered).
fn inertia(d: Data<'_>, centres: &[f64]) -> f64 {
    let parts = parallel::map_indexed(d.n_chunks(), |c| {
        let (start, end) = d.chunk(c);
        let (mut best, mut best_d) = ([0usize; CHUNK], [0.0; CHUNK]);
        d.nearest(start, end, centres, &mut best, &mut best_d);
        best_d[..end - start].iter().sum::<f64>()
    });
    parts.iter().sum()
}

/// One run: greedy k-means++ seeds drawn with `rng`, improved by [`local_search`], then
/// Lloyd iterations to `tol`.
fn run(d: Data<'_>, k: usize, tol: f64, max_iter: u64, rng: &mut impl RngCore) -> Run {
    let mut centres = kmeans_pp(d, k, rng);
    local_search(d, &mut centres, LOCAL_SEARCH_STEPS_PER_CENTRE * k, rng);
    let n_iter = lloyd(d, &mut centres, Some(tol), max_iter);
    Run {
        inertia: inertia(d, &centres),
        centres,
        n_iter,
    }
}

/// Per-row state of the Lloyd iterations: the cluster and Hamerly's bounds.
#[derive(Clone, Copy)]
struct RowState {
    label: usize,
    /// An upper bound on the distance (not squared) to the centre of `label`.
    upper: f64,
    /// A lower bound on the distance to every other centre.
    lower: f64,
}

/// Bounds are trusted only with this relative margin, far above their accumulated rounding,
/// so a row is skipped only when its cluster provably cannot change.
const MARGIN: f64 = 1.0 - 1e-9;

/// Squared distances of `row` to each of the row-major `centres` (summed from 0 in feature
/// order): the nearest (ties to the lowest index) and the second-nearest squared distance.
#[inline]
fn two_nearest(row: &[f64], centres: &[f64]) -> (usize, f64, f64) {
    let (mut best, mut d1, mut d2) = (0, f64::INFINITY, f64::INFINITY);
    for (c, centre) in centres.chunks_exact(row.len()).enumerate() {
        let d = sq_dist(row, centre);
        if d < d1 {
            d2 = d1;
            (best, d1) = (c, d);
        } else if d < d2 {
            d2 = d;
        }
    }
    (best, d1, d2)
}

/// Lloyd iterations from `centres` (updated in place): assign every row to its nearest
/// centre, move each centre to the mean of its rows (re-seeding empty clusters), until no
/// row changes cluster, or the sum of squared centre shifts is at most `tol` (when given),
/// or `max_iter` iterations. Returns the number of iterations.
///
/// Hamerly's bounds skip rows that provably keep their cluster (their upper bound to their
/// centre is below both the lower bound to every other centre and half the distance from
/// their centre to the nearest other one), so late iterations, where few rows move, cost
/// little more than the sums. The clusters are those of plain Lloyd iterations (up to exact
/// ties in distance, which a skipped row resolves in favour of its current cluster).
fn lloyd(d: Data<'_>, centres: &mut [f64], tol: Option<f64>, max_iter: u64) -> u64 {
    let (k, p) = (centres.len() / d.p, d.p);
    let mut state = vec![
        RowState {
            label: usize::MAX,
            upper: 0.0,
            lower: 0.0,
        };
        d.n
    ];
    // Distance each centre moved in the last update.
    let mut moved = vec![0.0f64; k];
    let mut iters = 0;
    while iters < max_iter {
        iters += 1;
        let first = iters == 1;
        // Half the distance from each centre to its nearest other centre.
        let half: Vec<f64> = (0..k)
            .map(|a| {
                let ca = &centres[a * p..(a + 1) * p];
                (0..k)
                    .filter(|&b| b != a)
                    .map(|b| {
                        let cb = &centres[b * p..(b + 1) * p];
                        sq_dist(ca, cb)
                    })
                    .fold(f64::INFINITY, f64::min)
                    .sqrt()
                    * 0.5
            })
            .collect();
        // The largest and second-largest move, for the lower bounds.
        let (mut m1, mut m1_at, mut m2) = (0.0f64, usize::MAX, 0.0f64);
        for (c, &m) in moved.iter().enumerate() {
            if m > m1 {
                (m2, m1, m1_at) = (m1, m, c);
            } else if m > m2 {
                m2 = m;
            }
        }
        let cs: &[f64] = centres;
        let parts = map_chunks_mut(&mut state, |c, st| {
            let (start, _) = d.chunk(c);
            let mut part = Partial {
                sums: vec![0.0; k * p],
                counts: vec![0; k],
                changed: 0,
            };
            for (i, s) in st.iter_mut().enumerate() {
                let row = d.row(start + i);
                let old = s.label;
                let mut full = first;
                if !first {
                    s.upper += moved[old];
                    s.lower -= if old == m1_at { m2 } else { m1 };
                    let z = s.lower.max(half[old]) * MARGIN;
                    if s.upper > z {
                        let centre = &cs[old * p..(old + 1) * p];
                        s.upper = row
                            .iter()
                            .zip(centre)
                            .fold(0.0, |a, (u, v)| a + (u - v) * (u - v))
                            .sqrt();
                        full = s.upper > z;
                    }
                }
                if full {
                    let (best, d1, d2) = two_nearest(row, cs);
                    (s.label, s.upper, s.lower) = (best, d1.sqrt(), d2.sqrt());
                }
                let b = s.label;
                part.changed += usize::from(b != old);
                part.counts[b] += 1;
                for (a, &v) in part.sums[b * p..(b + 1) * p].iter_mut().zip(row) {
                    *a += v;
                }
            }
            part
        });
        let mut sums = vec![0.0; k * p];
        let mut counts = vec![0usize; k];
        let mut changed = 0;
        for part in &parts {
            sums.iter_mut().zip(&part.sums).for_each(|(s, v)| *s += v);
            counts
                .iter_mut()
                .zip(&part.counts)
                .for_each(|(s, v)| *s += v);
            changed += part.changed;
        }
        if counts.contains(&0) {
            let labels: Vec<usize> = state.iter().map(|s| s.label).collect();
            relocate_empty(d, centres, &labels, &mut sums, &mut counts);
        }
        let mut shift = 0.0;
        for c in 0..k {
            let mut m = 0.0;
            for j in 0..p {
                let new = sums[c * p + j] / counts[c] as f64;
                let delta = new - centres[c * p + j];
                m += delta * delta;
                centres[c * p + j] = new;
            }
            shift += m;
            // Rounded up a little, so the bounds stay bounds.
            moved[c] = m.sqrt() * (1.0 + 1e-12);
        }
        if changed == 0 || tol.is_some_and(|t| shift <= t) {
            break;
        }
    }
    iters
}

/// Fits `params.n_init` runs (in parallel, run `r` seeded by [`tree_rng`]`(seed, r)`) on the
/// current pool and returns the centres of the run with the lowest inertia (the lowest run
/// index on a tie), `k x p`. `x` must be finite, within the magnitude limit, with at least
/// `k` rows.
pub(super) fn fit(params: &KMeansParams, x: ArrayView2<'_, f64>) -> Array2<f64> {
    let (n, p) = x.dim();
    let k = params.n_clusters;
    let x = x.as_standard_layout();
    let xt: Vec<f64> = x.t().iter().copied().collect();
    let d = Data {
        x: x.as_slice().expect("standard layout"),
        xt: &xt,
        n,
        p,
    };
    let tol = params.tolerance * mean_variance(x.view());
    let runs = parallel::map_indexed(params.n_init, |r| {
        let mut rng = tree_rng(params.seed, r);
        run(d, k, tol, params.max_iter, &mut rng)
    });
    let mut best = 0;
    for (r, run) in runs.iter().enumerate() {
        if run.inertia < runs[best].inertia {
            best = r;
        }
    }
    let Run {
        mut centres,
        n_iter,
        ..
    } = runs.into_iter().nth(best).expect("n_init >= 1");
    // Polish the winner: Lloyd iterations until no row changes cluster (each one can only
    // lower the inertia), within the run's `max_iter`.
    if n_iter < params.max_iter {
        lloyd(d, &mut centres, None, params.max_iter - n_iter);
    }
    Array2::from_shape_vec((k, p), centres).expect("k x p centres")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn search_finds_the_first_row_reaching_r() {
        let w = vec![1.0; 600];
        let totals = [256.0, 256.0, 88.0];
        assert_eq!(search(&w, &totals, 0.0), 0);
        assert_eq!(search(&w, &totals, 1.0), 0);
        assert_eq!(search(&w, &totals, 1.5), 1);
        assert_eq!(search(&w, &totals, 300.0), 299);
        assert_eq!(search(&w, &totals, 1e9), 599);
    }

    #[test]
    fn distances_and_nearest_match_the_assignment_rule() {
        let c = array![[1.0, 2.0, 3.0], [-1.0, 0.5, 7.0], [0.3, -0.7, 1.1]];
        let x = array![[0.3, -0.7, 1.1], [2.0, 0.0, 5.0], [0.0, 1.25, 5.0]];
        let xt: Vec<f64> = x.t().iter().copied().collect();
        let d = Data {
            x: x.as_slice().unwrap(),
            xt: &xt,
            n: 3,
            p: 3,
        };
        let mut out = [0.0; CHUNK];
        d.distances(0, 3, c.row(1).as_slice().unwrap(), &mut out);
        for (o, r) in out.iter().zip(x.outer_iter()) {
            let want = super::super::algorithm::squared_distance(c.row(1), r);
            assert_eq!(o.to_bits(), want.to_bits());
        }
        let (mut best, mut best_d) = ([0usize; CHUNK], [0.0; CHUNK]);
        d.nearest(0, 3, c.as_slice().unwrap(), &mut best, &mut best_d);
        for ((b, bd), r) in best.iter().zip(&best_d).zip(x.outer_iter()) {
            let want = super::super::algorithm::nearest(c.view(), r);
            assert_eq!((*b, bd.to_bits()), (want.0, want.1.to_bits()));
        }
    }

    #[test]
    fn an_empty_cluster_takes_the_farthest_row() {
        let x = array![[0.0], [1.0], [10.0]];
        let d = Data {
            x: x.as_slice().unwrap(),
            xt: x.as_slice().unwrap(),
            n: 3,
            p: 1,
        };
        // Every row in cluster 0 around 0.5: row 2 is farthest and moves to cluster 1.
        let centres = [0.5, 100.0];
        let labels = [0, 0, 0];
        let mut sums = vec![11.0, 0.0];
        let mut counts = vec![3, 0];
        relocate_empty(d, &centres, &labels, &mut sums, &mut counts);
        assert_eq!((sums, counts), (vec![1.0, 10.0], vec![2, 1]));
    }

    #[test]
    fn local_search_moves_a_doubled_seed_to_the_empty_blob() {
        // Three tight blobs on a line (at 0, 10 and 20; 30 rows each); seeds 0 and 1 both in
        // the blob at 0, none at 20. The potential without a seed at 20 is so large that a
        // candidate from that blob is drawn, and swapping out one of the doubled seeds is the
        // only swap that helps.
        let mut v = Vec::new();
        for centre in [0.0, 10.0, 20.0] {
            for i in 0..30 {
                v.push(centre + (i as f64 - 14.5) * 0.01);
            }
        }
        let x = ndarray::Array2::from_shape_vec((90, 1), v).unwrap();
        let d = Data {
            x: x.as_slice().unwrap(),
            xt: x.as_slice().unwrap(),
            n: 90,
            p: 1,
        };
        let seeds = vec![0.01, -0.02, 10.0];
        let before = inertia(d, &seeds);
        for seed in 0..20 {
            let mut centres = seeds.clone();
            local_search(d, &mut centres, 3, &mut tree_rng(seed, 0));
            let after = inertia(d, &centres);
            assert!(after <= before);
            let mut sorted = centres.clone();
            sorted.sort_by(f64::total_cmp);
            assert!(
                sorted[0].abs() < 0.2
                    && (sorted[1] - 10.0).abs() < 0.2
                    && (sorted[2] - 20.0).abs() < 0.2,
                "seed {seed}: {centres:?}"
            );
            // Zero steps change nothing.
            let mut same = seeds.clone();
            local_search(d, &mut same, 0, &mut tree_rng(seed, 0));
            assert_eq!(same, seeds);
        }
    }
}
