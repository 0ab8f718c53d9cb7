//! Model evaluation metrics: pure functions over slices, with typed errors on bad input.
//!
//! | group | functions |
//! |---|---|
//! | binary classification | [`roc_auc`], [`brier_score`], [`log_loss`], [`accuracy`], [`calibration_table`] |
//! | regression | [`r2_score`], [`mae`], [`rmse`] |
//! | uplift | [`qini_curve`], [`qini_coefficient`], [`uplift_curve`], [`auuc`], [`uplift_at_k`] |
//!
//! Every function validates its input the same way:
//!
//! * slices of different lengths -> [`Error::ShapeMismatch`];
//! * empty slices -> [`Error::EmptyInput`];
//! * a NaN or infinite value (or a probability outside `[0, 1]`, or a label other than 0/1)
//!   -> [`Error::InvalidValue`] with the 0-based
//!   [`Location::Row`] of the first offending element;
//! * a target that makes the metric undefined (one class only for AUC, one treatment group
//!   only for uplift metrics, constant target for R^2)
//!   -> [`Error::DegenerateTarget`].
//!
//! Binary labels may be given as `bool` or as `u8` 0/1 (see [`BinaryLabel`]).
//!
//! ```
//! use optocom_core::metrics::{roc_auc, brier_score};
//! let y = [false, false, true, true];
//! let p = [0.1, 0.4, 0.35, 0.8];
//! assert_eq!(roc_auc(&y, &p).unwrap(), 0.75);
//! assert!((brier_score(&y, &p).unwrap() - 0.158125).abs() < 1e-12);
//! ```

pub mod classification;
pub mod regression;
pub mod uplift;

pub use classification::{
    accuracy, brier_score, calibration_table, log_loss, roc_auc, CalibrationBin, LOG_LOSS_EPS,
};
pub use regression::{mae, r2_score, rmse};
pub use uplift::{auuc, qini_coefficient, qini_curve, uplift_at_k, uplift_curve, CurvePoint};

use crate::error::{Error, Location, Result};

/// A binary label: `bool`, or an integer that must be 0 or 1.
pub trait BinaryLabel: Copy {
    /// The label as a bool, or `None` when the value is not a valid binary label.
    fn as_bool(self) -> Option<bool>;
    /// The value formatted for error messages.
    fn describe(self) -> String;
}

impl BinaryLabel for bool {
    fn as_bool(self) -> Option<bool> {
        Some(self)
    }
    fn describe(self) -> String {
        self.to_string()
    }
}

impl BinaryLabel for u8 {
    fn as_bool(self) -> Option<bool> {
        match self {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn describe(self) -> String {
        self.to_string()
    }
}

/// Checks that `b` has the length of `a` (named `a_name`) and that neither is empty.
pub(crate) fn check_lengths(a_name: &str, a: usize, b_name: &str, b: usize) -> Result<()> {
    if a != b {
        return Err(Error::shape(format!("{b_name} (length of {a_name})"), a, b));
    }
    if a == 0 {
        return Err(Error::empty(format!("{a_name} and {b_name} are empty")));
    }
    Ok(())
}

/// Converts binary labels to bools, naming the first invalid one.
pub(crate) fn labels_to_bools<L: BinaryLabel>(column: &str, y: &[L]) -> Result<Vec<bool>> {
    y.iter()
        .enumerate()
        .map(|(row, &l)| {
            l.as_bool().ok_or_else(|| {
                Error::invalid_value(
                    Location::Row { row },
                    column,
                    l.describe(),
                    "binary labels must be 0 or 1",
                )
            })
        })
        .collect()
}

/// Checks every value is finite, naming the first offending row.
pub(crate) fn check_finite_slice(column: &str, v: &[f64]) -> Result<()> {
    crate::error::check_finite_column(column, v, "must be finite (no NaN or infinity)")
}

/// Checks every value is a probability in `[0, 1]`, naming the first offending row.
pub(crate) fn check_probabilities(column: &str, p: &[f64]) -> Result<()> {
    match p.iter().position(|x| !(0.0..=1.0).contains(x)) {
        None => Ok(()),
        Some(row) => Err(Error::invalid_value(
            Location::Row { row },
            column,
            p[row].to_string(),
            "must be a probability in [0, 1]",
        )),
    }
}
