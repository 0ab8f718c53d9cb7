//! # optocom-node
//!
//! The `optocom` npm package: a thin napi-rs layer over `optocom-core`. Each file wraps
//! one core domain and only delegates; conversions live in [`convert`], error mapping in
//! [`error`].
//!
//! | file | JavaScript |
//! |---|---|
//! | `purchase.rs` | `PurchaseForecaster` (`fit`, `fitAsync`, `score`, `predictPatient`, `forecast`, `forecastTotal`, `compare`, `toJson`/`fromJson`, `save`/`load`), `readAppointments` |
//! | `campaign.rs` | `CampaignAnalytics` (`sample`, `fromTables`, `fromDir`, `campaigns`, `metrics`, `rxTrend`, `topResponders`, `uplift`, `segment`, `recommend`), `DoctorSegmentation` |
//! | `demo.rs` | `demoAppointments`, `defaultParams` |
#![deny(clippy::all)]

pub mod campaign;
pub mod convert;
pub mod demo;
pub mod error;
pub mod purchase;
