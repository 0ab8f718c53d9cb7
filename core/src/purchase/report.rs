//! The training report of the purchase forecaster.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::metrics::CalibrationBin;

/// Holdout evaluation of a trained [`PurchaseForecaster`](super::PurchaseForecaster), on a
/// seeded split of the past appointments (80/20 by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Rows the evaluated models were trained on.
    pub n_train: usize,
    /// Held-out rows.
    pub n_holdout: usize,
    /// Qualifying purchase threshold (GBP).
    pub threshold: f64,
    /// Share of all past appointments with a qualifying purchase.
    pub purchase_rate: f64,
    /// ROC AUC of the purchase probability on the holdout (`None` if the holdout has one
    /// class only).
    pub auc: Option<f64>,
    /// Brier score of the purchase probability.
    pub brier: f64,
    /// Log-loss of the purchase probability.
    pub log_loss: f64,
    /// Accuracy of `probability >= 0.5`.
    pub accuracy: f64,
    /// Out-of-bag score of the forest on the training rows, when computed.
    pub oob_score: Option<f64>,
    /// R^2 of the spend model on held-out qualifying purchases (`None` with fewer than two
    /// of them, or when they all spent the same: R^2 is then undefined).
    pub spend_r2: Option<f64>,
    /// Mean absolute error of the spend model on held-out qualifying purchases (`None` with
    /// fewer than two of them).
    pub spend_mae: Option<f64>,
    /// Root mean squared error of the spend model on held-out qualifying purchases (`None`
    /// with fewer than two of them).
    pub spend_rmse: Option<f64>,
    /// R^2 of the expected revenue against the actual amount on every held-out appointment
    /// (`None` when every held-out amount is the same: R^2 is then undefined).
    pub revenue_r2: Option<f64>,
    /// Mean absolute error of the expected revenue per appointment.
    pub revenue_mae: f64,
    /// Root mean squared error of the expected revenue per appointment.
    pub revenue_rmse: f64,
    /// Calibration table of the purchase probability on the holdout.
    pub calibration: Vec<CalibrationBin>,
    /// Feature importances of the purchase forest, `(feature, importance)` in schema order.
    pub feature_importances: Vec<(String, f64)>,
}

impl fmt::Display for TrainingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |v: Option<f64>, digits: usize| {
            v.map_or("n/a".to_string(), |v| format!("{v:.digits$}"))
        };
        let auc = opt(self.auc, 4);
        writeln!(
            f,
            "Training report ({} train / {} holdout rows, threshold GBP {:.0}, purchase rate {:.1}%)",
            self.n_train,
            self.n_holdout,
            self.threshold,
            100.0 * self.purchase_rate
        )?;
        writeln!(
            f,
            "  purchase probability: AUC {auc}  Brier {:.4}  log-loss {:.4}  accuracy {:.3}{}",
            self.brier,
            self.log_loss,
            self.accuracy,
            self.oob_score
                .map_or(String::new(), |o| format!("  OOB {o:.4}"))
        )?;
        writeln!(
            f,
            "  spend if purchasing:  R^2 {}  MAE GBP {}  RMSE GBP {}",
            opt(self.spend_r2, 3),
            opt(self.spend_mae, 2),
            opt(self.spend_rmse, 2)
        )?;
        writeln!(
            f,
            "  revenue per visit:    R^2 {}  MAE GBP {:.2}  RMSE GBP {:.2}",
            opt(self.revenue_r2, 3),
            self.revenue_mae,
            self.revenue_rmse
        )?;
        writeln!(f, "  calibration (predicted -> observed, count):")?;
        for b in &self.calibration {
            if b.count > 0 {
                writeln!(
                    f,
                    "    [{:.1}, {:.1})  {:.3} -> {:.3}  ({})",
                    b.lower, b.upper, b.mean_predicted, b.observed_rate, b.count
                )?;
            }
        }
        write!(f, "  importances:")?;
        for (n, v) in &self.feature_importances {
            write!(f, " {n} {v:.3};")?;
        }
        Ok(())
    }
}
