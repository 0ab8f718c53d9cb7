//! The purchase forecaster: training, scoring, forecasts and persistence.

use chrono::NaiveDate;
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::artifact::{Envelope, ModelInfo, Parts, Persist};
use crate::data::ingest::{deserialize_flag, deserialize_number};
use crate::data::{validate_appointment, Appointment};
use crate::error::{Error, Location, Result};
use crate::features::optometry::encode_one;
use crate::features::{encode_appointments, optometry_schema, FeatureSchema};
use crate::forest::RandomForestClassifier;
use crate::metrics;
use crate::purchase::forecast::{self, ComparisonPoint, ForecastPoint, Freq};
use crate::purchase::hyperparams::{PurchaseParams, ValueBand};
use crate::purchase::report::TrainingReport;
use crate::purchase::spend::{RevenueModel, SpendModel};
use crate::stats::train_holdout_split;

/// The eight features of one patient, for single-patient scoring without an appointment.
///
/// Deserialized from a host's record, the yes/no features read as batch scoring reads them: a
/// boolean, 0 or 1, or the text Y/N, Yes/No, True/False ([`crate::data::ingest::parse_flag`]);
/// `age` and `days_since_last_purchase` may be numbers or their text (a web form's `"52"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PatientFeatures {
    /// Age in years, 0..=120.
    #[serde(deserialize_with = "deserialize_number")]
    pub age: f64,
    /// Days since the last purchase, >= 0.
    #[serde(deserialize_with = "deserialize_number")]
    pub days_since_last_purchase: f64,
    /// In employment.
    #[serde(deserialize_with = "deserialize_flag")]
    pub employed: bool,
    /// Receives benefits.
    #[serde(deserialize_with = "deserialize_flag")]
    pub benefits: bool,
    /// Drives.
    #[serde(deserialize_with = "deserialize_flag")]
    pub driver: bool,
    /// Screen (VDU) user.
    #[serde(deserialize_with = "deserialize_flag")]
    pub vdu_user: bool,
    /// Needs varifocals.
    #[serde(deserialize_with = "deserialize_flag")]
    pub varifocal: bool,
    /// High prescription.
    #[serde(deserialize_with = "deserialize_flag")]
    pub high_prescription: bool,
}

impl PatientFeatures {
    /// An appointment record carrying these features, so single-patient scoring validates
    /// exactly as batch scoring does (the id only labels error messages).
    fn to_appointment(self) -> Appointment {
        Appointment {
            patient_id: "single-patient".to_string(),
            appointment_date: NaiveDate::default(),
            age: self.age,
            days_since_last_purchase: self.days_since_last_purchase,
            employed: self.employed,
            benefits: self.benefits,
            driver: self.driver,
            vdu_user: self.vdu_user,
            varifocal: self.varifocal,
            high_prescription: self.high_prescription,
            amount: None,
        }
    }
}

impl From<&Appointment> for PatientFeatures {
    fn from(a: &Appointment) -> Self {
        PatientFeatures {
            age: a.age,
            days_since_last_purchase: a.days_since_last_purchase,
            employed: a.employed,
            benefits: a.benefits,
            driver: a.driver,
            vdu_user: a.vdu_user,
            varifocal: a.varifocal,
            high_prescription: a.high_prescription,
        }
    }
}

/// The prediction for one patient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PatientPrediction {
    /// Probability of a qualifying purchase (amount >= threshold).
    pub probability: f64,
    /// Expected spend if the patient makes a qualifying purchase (GBP).
    pub expected_spend: f64,
    /// Expected revenue of the visit, all outcomes included (GBP).
    pub expected_revenue: f64,
    /// Standard deviation of the visit's revenue (GBP).
    pub revenue_sd: f64,
    /// Value band.
    pub value_band: ValueBand,
}

/// One scored appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredAppointment {
    /// Patient identifier.
    pub patient_id: String,
    /// Appointment date.
    pub appointment_date: NaiveDate,
    /// Probability of a qualifying purchase.
    pub probability: f64,
    /// Expected spend if purchasing (GBP).
    pub expected_spend: f64,
    /// Expected revenue of the visit (GBP).
    pub expected_revenue: f64,
    /// Standard deviation of the visit's revenue (GBP).
    pub revenue_sd: f64,
    /// Value band.
    pub value_band: ValueBand,
    /// The actual amount, for past appointments.
    pub actual_amount: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    classifier: Envelope,
    spend: SpendModel,
    revenue: RevenueModel,
    report: TrainingReport,
}

impl ScoredAppointment {
    /// True when every number is finite (always, for rows scored by a fitted forecaster on
    /// validated appointments); hosts whose fast paths (JSON text) cannot carry NaN or
    /// infinities check it before taking them.
    pub fn is_finite(&self) -> bool {
        [
            self.probability,
            self.expected_spend,
            self.expected_revenue,
            self.revenue_sd,
        ]
        .iter()
        .chain(self.actual_amount.as_ref())
        .all(|v| v.is_finite())
    }
}

/// Forecasts optometry sales from appointments.
///
/// Two models, as in the original system, combined as a hurdle model:
/// * a random forest (the crate's [`forest`](crate::forest) engine) for the probability `p`
///   that the visit brings a *qualifying purchase*, an amount of at least `threshold` (GBP
///   100 by default);
/// * a linear regression on standardised features for the spend `m` of a qualifying
///   purchase.
///
/// Non-qualifying visits contribute their average small amount, so the expected revenue of
/// a visit is `p m + (1 - p) small_mean`, and the forecasts carry prediction intervals from
/// the variance of these outcomes plus the model's estimated level error (see
/// [`RevenueModel`]).
///
/// ```
/// use optocom_core::data::demo::{generate_appointments, DemoParams};
/// use optocom_core::purchase::{Freq, PurchaseForecaster, PurchaseParams};
/// use optocom_core::Persist;
///
/// let demo = generate_appointments(&DemoParams::new().n_past(2_000).n_upcoming(300).seed(1))?;
/// let model = PurchaseForecaster::fit(&PurchaseParams::new(), &demo.past)?;
/// let scored = model.score(&demo.upcoming)?;
/// assert!(scored.iter().all(|s| (0.0..=1.0).contains(&s.probability)));
/// let weekly = model.forecast(&demo.upcoming, Freq::Week, 0.9)?;
/// assert!(weekly.iter().all(|w| w.lower <= w.expected_revenue && w.expected_revenue <= w.upper));
///
/// let back = PurchaseForecaster::from_json(&model.to_json()?)?;
/// assert_eq!(back.score(&demo.upcoming)?, scored);
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PurchaseForecaster {
    params: PurchaseParams,
    info: ModelInfo,
    schema: FeatureSchema,
    classifier: RandomForestClassifier,
    spend: SpendModel,
    revenue: RevenueModel,
    report: TrainingReport,
}

struct Fitted {
    classifier: RandomForestClassifier,
    spend: SpendModel,
    small_mean: f64,
    small_var: f64,
    spend_residual_var: f64,
}

fn fit_models(params: &PurchaseParams, x: &Array2<f64>, amounts: &[f64]) -> Result<Fitted> {
    let y: ndarray::Array1<usize> = amounts
        .iter()
        .map(|&a| usize::from(a >= params.threshold))
        .collect();
    let buyers: Vec<usize> = (0..amounts.len()).filter(|&i| y[i] == 1).collect();
    let small: Vec<f64> = amounts
        .iter()
        .copied()
        .filter(|&a| a < params.threshold)
        .collect();
    if buyers.is_empty() || small.is_empty() {
        return Err(Error::degenerate(format!(
            "past appointments must include visits both with and without a purchase of at least GBP {} ({} of {} qualify)",
            params.threshold,
            buyers.len(),
            amounts.len()
        )));
    }
    let classifier = RandomForestClassifier::fit_with_schema(
        &params.classifier,
        x.view(),
        y.view(),
        optometry_schema(),
    )?;
    let xb = x.select(Axis(0), &buyers);
    let yb: Vec<f64> = buyers.iter().map(|&i| amounts[i]).collect();
    let spend = SpendModel::fit(xb.view(), &yb, params.threshold)?;
    let spend_residual_var = spend.residual_variance(xb.view(), &yb)?;
    let n = small.len() as f64;
    let small_mean = small.iter().sum::<f64>() / n;
    let small_var = small.iter().map(|a| (a - small_mean).powi(2)).sum::<f64>() / n;
    Ok(Fitted {
        classifier,
        spend,
        small_mean,
        small_var,
        spend_residual_var,
    })
}

fn check_rows(rows: &[Appointment], need_amount: bool) -> Result<()> {
    for (i, a) in rows.iter().enumerate() {
        let loc = Location::Row { row: i };
        validate_appointment(a, loc.clone())?;
        if need_amount && a.amount.is_none() {
            return Err(Error::invalid_value(
                loc,
                "amount",
                "",
                crate::data::ingest::NEED_AMOUNT_REASON,
            ));
        }
    }
    Ok(())
}

/// R^2, `None` where it is undefined (constant `y_true`) rather than an error: a small
/// holdout may well be constant, and that must not fail the fit.
fn defined_r2(y_true: &[f64], y_pred: &[f64]) -> Result<Option<f64>> {
    match metrics::r2_score(y_true, y_pred) {
        Ok(r2) => Ok(Some(r2)),
        Err(Error::DegenerateTarget { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl PurchaseForecaster {
    /// Trains on past appointments (each with its `amount`).
    ///
    /// Evaluates on a seeded holdout (the [`TrainingReport`]), estimates the forecast
    /// uncertainty there, then (by default) refits both models on every row.
    pub fn fit(params: &PurchaseParams, past: &[Appointment]) -> Result<Self> {
        params.check()?;
        if past.is_empty() {
            return Err(Error::empty("no past appointments to train on"));
        }
        check_rows(past, true)?;
        let x = encode_appointments(past);
        let amounts: Vec<f64> = past.iter().map(|a| a.amount.unwrap_or(0.0)).collect();
        let (train, hold) = train_holdout_split(past.len(), params.holdout_fraction, params.seed);
        if hold.len() < 2 {
            return Err(Error::empty(format!(
                "holdout_fraction {} of {} past appointments holds out {}, and the evaluation \
                 needs at least 2: give more appointments or raise holdout_fraction",
                params.holdout_fraction,
                past.len(),
                hold.len()
            )));
        }
        let xt = x.select(Axis(0), &train);
        let at: Vec<f64> = train.iter().map(|&i| amounts[i]).collect();
        let fitted = fit_models(params, &xt, &at)?;

        // Holdout evaluation.
        let xh = x.select(Axis(0), &hold);
        let ah: Vec<f64> = hold.iter().map(|&i| amounts[i]).collect();
        let proba = fitted.classifier.predict_proba(xh.view())?;
        let p: Vec<f64> = proba.column(1).to_vec();
        let yh: Vec<bool> = ah.iter().map(|&a| a >= params.threshold).collect();
        let spend_h = fitted.spend.predict(xh.view())?;
        let buyers: Vec<usize> = (0..hold.len()).filter(|&i| yh[i]).collect();
        let spend_true: Vec<f64> = buyers.iter().map(|&i| ah[i]).collect();
        let spend_pred: Vec<f64> = buyers.iter().map(|&i| spend_h[i]).collect();
        let mut revenue = RevenueModel {
            small_mean: fitted.small_mean,
            small_var: fitted.small_var,
            spend_residual_var: fitted.spend_residual_var,
            level_rel_var: 0.0,
        };
        let moments: Vec<(f64, f64)> = p
            .iter()
            .zip(spend_h.iter())
            .map(|(&pi, &mi)| revenue.moments(pi, mi))
            .collect();
        let expected: Vec<f64> = moments.iter().map(|m| m.0).collect();
        revenue.level_rel_var = RevenueModel::estimate_level_rel_var(
            expected.iter().sum(),
            moments.iter().map(|m| m.1).sum(),
            hold.len(),
            train.len(),
        );
        let (spend_r2, spend_mae, spend_rmse) = if buyers.len() >= 2 {
            (
                defined_r2(&spend_true, &spend_pred)?,
                Some(metrics::mae(&spend_true, &spend_pred)?),
                Some(metrics::rmse(&spend_true, &spend_pred)?),
            )
        } else {
            (None, None, None)
        };
        let both_classes = yh.iter().any(|&b| b) && yh.iter().any(|&b| !b);
        let names = optometry_schema().names();
        let mut report = TrainingReport {
            n_train: train.len(),
            n_holdout: hold.len(),
            threshold: params.threshold,
            purchase_rate: amounts.iter().filter(|&&a| a >= params.threshold).count() as f64
                / amounts.len() as f64,
            auc: if both_classes {
                Some(metrics::roc_auc(&yh, &p)?)
            } else {
                None
            },
            brier: metrics::brier_score(&yh, &p)?,
            log_loss: metrics::log_loss(&yh, &p)?,
            accuracy: metrics::accuracy(&yh, &p)?,
            oob_score: fitted.classifier.oob_score(),
            spend_r2,
            spend_mae,
            spend_rmse,
            revenue_r2: defined_r2(&ah, &expected)?,
            revenue_mae: metrics::mae(&ah, &expected)?,
            revenue_rmse: metrics::rmse(&ah, &expected)?,
            calibration: metrics::calibration_table(&yh, &p, params.calibration_bins)?,
            feature_importances: Vec::new(),
        };

        let fitted = if params.refit_on_all {
            fit_models(params, &x, &amounts)?
        } else {
            fitted
        };
        revenue.small_mean = fitted.small_mean;
        revenue.small_var = fitted.small_var;
        revenue.spend_residual_var = fitted.spend_residual_var;
        report.feature_importances = names
            .into_iter()
            .zip(fitted.classifier.feature_importances().iter().copied())
            .collect();
        let n_rows = if params.refit_on_all {
            past.len()
        } else {
            train.len()
        };
        Ok(PurchaseForecaster {
            params: params.clone(),
            info: ModelInfo::new(n_rows, 8),
            schema: optometry_schema(),
            classifier: fitted.classifier,
            spend: fitted.spend,
            revenue,
            report,
        })
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &PurchaseParams {
        &self.params
    }

    /// Training facts (when, how many rows).
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Sets when the model was trained (RFC 3339), for runtimes without a clock: on
    /// `wasm32-unknown-unknown` [`ModelInfo::new`] cannot read the time, and the browser
    /// binding stamps the model from JavaScript's clock instead.
    pub fn set_trained_at(&mut self, trained_at: impl Into<String>) {
        self.info.trained_at = Some(trained_at.into());
    }

    /// The feature schema.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The holdout evaluation.
    pub fn report(&self) -> &TrainingReport {
        &self.report
    }

    /// The revenue uncertainty model behind the intervals.
    pub fn revenue_model(&self) -> &RevenueModel {
        &self.revenue
    }

    /// The purchase-probability forest.
    pub fn classifier(&self) -> &RandomForestClassifier {
        &self.classifier
    }

    /// The spend model.
    pub fn spend_model(&self) -> &SpendModel {
        &self.spend
    }

    fn predict_features(&self, row: &[f64; 8]) -> Result<PatientPrediction> {
        let probability = self.classifier.predict_proba_row(row)?[1];
        Ok(self.combine(probability, self.spend.predict_row(row)))
    }

    fn combine(&self, probability: f64, expected_spend: f64) -> PatientPrediction {
        let (mean, var) = self.revenue.moments(probability, expected_spend);
        PatientPrediction {
            probability,
            expected_spend,
            expected_revenue: mean,
            revenue_sd: var.sqrt(),
            value_band: self.params.value_bands.band(probability, mean),
        }
    }

    /// Scores one patient (the original "legacy predictor").
    pub fn predict_patient(&self, patient: &PatientFeatures) -> Result<PatientPrediction> {
        let a = patient.to_appointment();
        validate_appointment(&a, Location::Row { row: 0 })?;
        self.predict_features(&encode_one(&a))
    }

    /// Scores appointments (upcoming or past). Past appointments keep their actual amount.
    pub fn score(&self, appointments: &[Appointment]) -> Result<Vec<ScoredAppointment>> {
        check_rows(appointments, false)?;
        if appointments.is_empty() {
            return Ok(Vec::new());
        }
        let x = encode_appointments(appointments);
        let proba = self.classifier.predict_proba(x.view())?;
        let spend = self.spend.predict(x.view())?;
        Ok(appointments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let p = self.combine(proba[[i, 1]], spend[i]);
                ScoredAppointment {
                    patient_id: a.patient_id.clone(),
                    appointment_date: a.appointment_date,
                    probability: p.probability,
                    expected_spend: p.expected_spend,
                    expected_revenue: p.expected_revenue,
                    revenue_sd: p.revenue_sd,
                    value_band: p.value_band,
                    actual_amount: a.amount,
                }
            })
            .collect())
    }

    /// Expected revenue per period with prediction intervals at `level` (e.g. 0.9).
    pub fn forecast(
        &self,
        appointments: &[Appointment],
        freq: Freq,
        level: f64,
    ) -> Result<Vec<ForecastPoint>> {
        crate::stats::z_for_level(level)?;
        forecast::forecast(&self.score(appointments)?, &self.revenue, freq, level)
    }

    /// Expected revenue over all the given appointments together (e.g. the next 7 days), with
    /// its prediction interval; `None` for no appointments.
    pub fn forecast_total(
        &self,
        appointments: &[Appointment],
        level: f64,
    ) -> Result<Option<ForecastPoint>> {
        crate::stats::z_for_level(level)?;
        forecast::total(&self.score(appointments)?, &self.revenue, level)
    }

    /// Actual against predicted revenue per period on past appointments.
    pub fn compare(
        &self,
        past: &[Appointment],
        freq: Freq,
        level: f64,
    ) -> Result<Vec<ComparisonPoint>> {
        crate::stats::z_for_level(level)?;
        check_rows(past, true)?;
        forecast::compare(&self.score(past)?, &self.revenue, freq, level)
    }
}

/// The scored appointments of one date, highest expected revenue first (ties by patient id).
pub fn appointments_on(scored: &[ScoredAppointment], date: NaiveDate) -> Vec<ScoredAppointment> {
    let mut v: Vec<ScoredAppointment> = scored
        .iter()
        .filter(|s| s.appointment_date == date)
        .cloned()
        .collect();
    v.sort_by(|a, b| {
        b.expected_revenue
            .total_cmp(&a.expected_revenue)
            .then_with(|| a.patient_id.cmp(&b.patient_id))
    });
    v
}

impl Persist for PurchaseForecaster {
    const KIND: &'static str = "purchase_forecaster";

    fn to_parts(&self) -> Result<Parts> {
        let state = State {
            classifier: self.classifier.to_envelope()?,
            spend: self.spend.clone(),
            revenue: self.revenue,
            report: self.report.clone(),
        };
        Parts::new(
            self.info.clone(),
            &self.params,
            Some(self.schema.clone()),
            &state,
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let params: PurchaseParams = parts.params()?;
        let schema = parts.require_schema()?;
        optometry_schema().check_compatible(&schema)?;
        let state: State = parts.state()?;
        let classifier = RandomForestClassifier::from_envelope(state.classifier)?;
        if classifier.n_features() != schema.len() || state.spend.coef.len() != schema.len() {
            return Err(Error::artifact(
                "model state does not match the feature schema",
            ));
        }
        state.spend.validate(schema.len())?;
        state.revenue.validate()?;
        Ok(PurchaseForecaster {
            params,
            info: parts.info,
            schema,
            classifier,
            spend: state.spend,
            revenue: state.revenue,
            report: state.report,
        })
    }
}
