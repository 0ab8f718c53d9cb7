//! Quantile binning: raw `f64` features to `u8` bin codes, column-major.
//!
//! Each feature gets at most `max_bins` bins. Cut points are raw-value thresholds placed
//! half-way between adjacent distinct training values, so a split "bin <= b" is exactly the
//! raw-value test `x <= cuts[b]` and trained trees predict on raw rows. A feature with at
//! most `max_bins` distinct values (binary flags, small integer codes) gets one bin per value
//! (exact bins); others get quantile bins of roughly equal counts, computed on at most
//! [`QUANTILE_SAMPLE`] rows.

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// At most this many rows (drawn with a seeded generator) are sorted to find the quantile
/// cut points of a feature.
pub const QUANTILE_SAMPLE: usize = 200_000;

/// Per-feature cut points learned from training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Binner {
    cuts: Vec<Vec<f64>>,
}

impl Binner {
    /// Learns the cut points of every column of `x` (values must be finite; the forests
    /// check this before binning). `max_bins` is clamped to `2..=255`.
    pub fn fit(x: ArrayView2<'_, f64>, max_bins: usize, seed: u64) -> Binner {
        let max_bins = max_bins.clamp(2, 255);
        let n = x.nrows();
        let rows: Option<Vec<usize>> = (n > QUANTILE_SAMPLE).then(|| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xB1A5_B1A5_B1A5_B1A5);
            (0..QUANTILE_SAMPLE).map(|_| rng.gen_range(0..n)).collect()
        });
        let cuts = crate::forest::parallel::map_indexed(x.ncols(), |f| {
            let col = x.column(f);
            let mut v: Vec<f64> = match &rows {
                Some(r) => r.iter().map(|&i| col[i]).collect(),
                None => col.to_vec(),
            };
            v.sort_unstable_by(f64::total_cmp);
            feature_cuts(&v, max_bins)
        });
        Binner { cuts }
    }

    /// Rebuilds a binner from cut points (each strictly increasing, fewer than 255).
    pub fn from_cuts(cuts: Vec<Vec<f64>>) -> Option<Binner> {
        let ok = cuts
            .iter()
            .all(|c| c.len() < 255 && c.windows(2).all(|w| w[0] < w[1]));
        ok.then_some(Binner { cuts })
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.cuts.len()
    }

    /// Number of bins of feature `f` (cut points + 1); 0 for an unknown feature.
    pub fn n_bins(&self, f: usize) -> usize {
        self.cuts.get(f).map_or(0, |c| c.len() + 1)
    }

    /// The cut points of feature `f` (bin `b` holds values in `(cuts[b-1], cuts[b]]`).
    pub fn cuts(&self, f: usize) -> &[f64] {
        self.cuts.get(f).map_or(&[], |c| c.as_slice())
    }

    /// The bin code of value `v` of feature `f`: the number of cut points below `v`.
    pub fn code(&self, f: usize, v: f64) -> u8 {
        self.cuts(f).partition_point(|&c| c < v) as u8
    }

    /// Bins a matrix with the same number of columns (extra columns are ignored, missing
    /// ones get code 0).
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> BinnedMatrix {
        let n = x.nrows();
        let cols = crate::forest::parallel::map_indexed(self.cuts.len(), |f| {
            let mut out = vec![0u8; n];
            if f < x.ncols() {
                for (o, &v) in out.iter_mut().zip(x.column(f).iter()) {
                    *o = self.code(f, v);
                }
            }
            out
        });
        let mut codes = Vec::with_capacity(n * cols.len());
        for c in &cols {
            codes.extend_from_slice(c);
        }
        BinnedMatrix {
            n_rows: n,
            codes,
            binner: self.clone(),
        }
    }
}

/// Cut points for one sorted feature column.
fn feature_cuts(sorted: &[f64], max_bins: usize) -> Vec<f64> {
    let mut vals: Vec<f64> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for &v in sorted {
        match vals.last() {
            Some(&last) if last == v => {
                if let Some(c) = counts.last_mut() {
                    *c += 1;
                }
            }
            _ => {
                vals.push(v);
                counts.push(1);
            }
        }
    }
    let mut cuts = Vec::new();
    if vals.len() <= max_bins {
        for w in vals.windows(2) {
            cuts.push(midpoint(w[0], w[1]));
        }
        return cuts;
    }
    let total = sorted.len() as f64;
    let per_bin = total / max_bins as f64;
    let mut cum = 0usize;
    for j in 0..vals.len() - 1 {
        cum += counts[j];
        if cuts.len() + 1 >= max_bins {
            break;
        }
        if cum as f64 >= per_bin * (cuts.len() + 1) as f64 {
            cuts.push(midpoint(vals[j], vals[j + 1]));
        }
    }
    cuts
}

/// A threshold `m` with `a <= m < b`.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a * 0.5 + b * 0.5;
    if m >= a && m < b {
        m
    } else {
        a
    }
}

/// A binned feature matrix: `u8` codes, column-major (`codes[f * n_rows + i]`), with the
/// [`Binner`] that produced it (for raw-value thresholds).
#[derive(Debug, Clone)]
pub struct BinnedMatrix {
    n_rows: usize,
    codes: Vec<u8>,
    binner: Binner,
}

impl BinnedMatrix {
    /// Learns bins on `x` and bins it: the usual first step of a forest fit.
    pub fn fit(x: ArrayView2<'_, f64>, max_bins: usize, seed: u64) -> BinnedMatrix {
        Binner::fit(x, max_bins, seed).transform(x)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.binner.n_features()
    }

    /// The codes of feature `f`, one per row (empty for an unknown feature).
    pub fn column(&self, f: usize) -> &[u8] {
        let s = f * self.n_rows;
        self.codes.get(s..s + self.n_rows).unwrap_or(&[])
    }

    /// The binner (cut points).
    pub fn binner(&self) -> &Binner {
        &self.binner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn exact_bins_for_low_cardinality_and_consistent_codes() {
        let x = array![[0.0, 1.0], [1.0, 5.0], [0.0, 2.0], [1.0, 9.0], [1.0, 2.0]];
        let b = Binner::fit(x.view(), 255, 0);
        assert_eq!(b.cuts(0), &[0.5]);
        assert_eq!(b.cuts(1), &[1.5, 3.5, 7.0]);
        let m = b.transform(x.view());
        assert_eq!(m.column(0), &[0, 1, 0, 1, 1]);
        assert_eq!(m.column(1), &[0, 2, 1, 3, 1]);
        // code <= b  <=>  x <= cuts[b]
        for f in 0..2 {
            for &v in x.column(f) {
                for (bin, &c) in b.cuts(f).iter().enumerate() {
                    assert_eq!(b.code(f, v) as usize <= bin, v <= c);
                }
            }
        }
    }

    #[test]
    fn quantile_bins_are_balanced_and_bounded() {
        let n = 10_000;
        let x = Array2::from_shape_fn((n, 1), |(i, _)| ((i * 7919) % n) as f64 * 0.37);
        for max_bins in [2, 16, 255] {
            let m = BinnedMatrix::fit(x.view(), max_bins, 1);
            let nb = m.binner().n_bins(0);
            assert!(
                nb <= max_bins && nb >= max_bins - 1,
                "{nb} bins for {max_bins}"
            );
            let mut hist = vec![0usize; nb];
            for &c in m.column(0) {
                hist[c as usize] += 1;
            }
            let target = n / nb;
            assert!(
                hist.iter().all(|&h| h >= target / 2 && h <= target * 2),
                "{hist:?}"
            );
        }
    }

    #[test]
    fn heavy_ties_and_constants() {
        let mut v = vec![3.0; 900];
        v.extend((0..100).map(|i| i as f64 + 10.0));
        let x = Array2::from_shape_vec((1000, 1), v).unwrap();
        let b = Binner::fit(x.view(), 8, 0);
        assert!(b.cuts(0)[0] < 10.0 && b.cuts(0)[0] > 3.0);
        let c = Array2::from_elem((10, 1), 2.5);
        assert_eq!(Binner::fit(c.view(), 255, 0).n_bins(0), 1);
        assert_eq!(midpoint(1.0, 1.0 + f64::EPSILON), 1.0);
        assert!(Binner::from_cuts(vec![vec![2.0, 1.0]]).is_none());
    }
}
