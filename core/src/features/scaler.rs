//! Standardisation (zero mean, unit variance) of numeric feature columns.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{check_finite, Error, Result};

/// Per-column standardiser, as scikit-learn's `StandardScaler`: population standard deviation,
/// and a column with zero variance is centred but not scaled.
///
/// A *constant* column (all its values equal) gets that value as its mean, exactly, and scale
/// 1, so it standardises to exact zeros. (Its summed mean can be an ulp off, e.g. three 0.1s
/// sum to 0.30000000000000004; the deviations would then give a scale of about 1e-17 and turn
/// the column into a constant column of -1s, collinear with an intercept.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column scales (standard deviation, or 1 for constant columns).
    pub scale: Vec<f64>,
}

impl StandardScaler {
    /// Learns means and scales. Errors on an empty or non-finite matrix.
    pub fn fit(x: ArrayView2<'_, f64>) -> Result<Self> {
        if x.nrows() == 0 {
            return Err(Error::empty("cannot fit a scaler on zero rows"));
        }
        check_finite(x, None)?;
        let mut mean: Array1<f64> = x.mean_axis(Axis(0)).expect("non-empty");
        let n = x.nrows() as f64;
        let scale = (0..x.ncols())
            .map(|j| {
                let col = x.column(j);
                let first = col[0];
                if col.iter().all(|&v| v == first) {
                    mean[j] = first;
                    return 1.0;
                }
                let m = mean[j];
                let var = x.column(j).iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
                let sd = var.sqrt();
                if sd > 0.0 && sd.is_finite() {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Ok(StandardScaler {
            mean: mean.to_vec(),
            scale,
        })
    }

    /// Whether the scaler is usable on `p` columns: one finite mean and one finite positive
    /// scale per column (the artifact check of every model that stores one).
    pub(crate) fn is_valid(&self, p: usize) -> bool {
        self.mean.len() == p
            && self.scale.len() == p
            && self.mean.iter().all(|v| v.is_finite())
            && self.scale.iter().all(|v| v.is_finite() && *v > 0.0)
    }

    /// Standardises `x` with the learned means and scales.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.mean.len() {
            return Err(Error::shape(
                "scaler input columns",
                self.mean.len(),
                x.ncols(),
            ));
        }
        let mut out = x.to_owned();
        for (j, mut col) in out.axis_iter_mut(Axis(1)).enumerate() {
            let (m, s) = (self.mean[j], self.scale[j]);
            col.mapv_inplace(|v| (v - m) / s);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn constant_columns_standardise_to_exact_zeros() {
        // Three 0.1s sum to 0.30000000000000004: the summed mean is an ulp off.
        let x = array![[0.1, 1.0], [0.1, 2.0], [0.1, 4.0]];
        let s = StandardScaler::fit(x.view()).unwrap();
        assert_eq!((s.mean[0], s.scale[0]), (0.1, 1.0));
        assert!(s
            .transform(x.view())
            .unwrap()
            .column(0)
            .iter()
            .all(|&v| v == 0.0));
        assert!(s.scale[1] > 1.0);
    }

    #[test]
    fn standardises_like_sklearn() {
        let x = array![[1.0, 5.0], [3.0, 5.0]];
        let s = StandardScaler::fit(x.view()).unwrap();
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert_eq!(s.scale, vec![1.0, 1.0]);
        let t = s.transform(x.view()).unwrap();
        assert_eq!(t, array![[-1.0, 0.0], [1.0, 0.0]]);
        assert_eq!(
            s.transform(array![[1.0]].view()).unwrap_err().code(),
            "shape_mismatch"
        );
        assert_eq!(
            StandardScaler::fit(Array2::<f64>::zeros((0, 2)).view())
                .unwrap_err()
                .code(),
            "empty_input"
        );
    }
}
