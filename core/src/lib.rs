//! # optocom-core
//!
//! Embeddable machine learning for optometry purchase forecasting and pharma campaign
//! analytics. Pure Rust: no Python, Node or browser types; the `bindings-*` crates wrap it.
//!
//! ```text
//!  CSV / XLSX / records ──► data ──► features ──► forest / linear ──► purchase  ──► forecasts
//!        demo generators ──┘            │            (one engine)  └─► campaign ──► uplift, segments,
//!                                       │                                           recommendations
//!                                       └──────── artifact (one versioned model file) ◄──┘
//!                                                  export (streaming CSV) ◄── any result
//! ```
//!
//! | module | what it holds |
//! |---|---|
//! | [`data`] | typed records, CSV/XLSX ingest, demo data generators, filters, pages |
//! | [`features`] | feature schemas, the optometry encoding, standard scaling |
//! | [`forest`] | the one histogram tree engine (classification, regression, uplift) |
//! | [`cluster`] | k-means on numeric matrices (scikit-learn-like `KMeans`) |
//! | [`linear`] | linear regression on standardised features (scikit-learn-like `LinearRegression`) |
//! | [`purchase`] | purchase probability, spend, value bands, sales forecasts |
//! | [`campaign`] | campaign metrics, Rx trends, responders, segmentation, uplift, recommender |
//! | [`export`] | streaming CSV export with formula-injection guarding |
//! | [`artifact`] | the versioned model file format shared by every runtime |
//! | [`metrics`] | AUC, Brier, log-loss, R^2, calibration, Qini, AUUC |
//! | [`options`] | params from JSON or JavaScript objects, unknown keys refused |
//! | [`stats`] | normal quantiles for intervals, seeded splits |
//! | [`error`] | the one error enum, with stable codes |
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod artifact;
pub mod campaign;
pub mod cluster;
pub mod data;
pub mod error;
pub mod export;
pub mod features;
pub mod forest;
pub mod linear;
pub mod metrics;
pub mod options;
pub mod progress;
pub mod purchase;
pub mod stats;

pub use artifact::Persist;

/// The README's Rust quick tours, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
pub use error::{Error, Location, Result, MAX_MAGNITUDE};
