//! Optometry purchase forecasting: the probability of a qualifying purchase, the expected
//! spend, value bands, and sales forecasts with prediction intervals.
//!
//! Start with [`PurchaseForecaster`].

pub mod forecast;
pub mod forecaster;
pub mod hyperparams;
pub mod report;
pub mod spend;

pub use forecast::{
    ComparisonPoint, ForecastPoint, Freq, DEFAULT_COMPARE_FREQ, DEFAULT_FORECAST_FREQ,
    DEFAULT_LEVEL,
};
pub use forecaster::{
    appointments_on, PatientFeatures, PatientPrediction, PurchaseForecaster, ScoredAppointment,
};
pub use hyperparams::{BandBasis, PurchaseParams, ValueBand, ValueBands};
pub use report::TrainingReport;
pub use spend::{RevenueModel, SpendModel};
