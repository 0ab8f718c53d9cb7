//! # optocom-node
//!
//! The `optocom` npm package: a thin napi-rs layer over `optocom-core`. Each file wraps
//! one core domain and only delegates; conversions live in [`convert`], error mapping in
//! [`error`].
//!
//! | file | JavaScript |
//! |---|---|
//! | `purchase.rs` | `PurchaseForecaster` (`fit`, `fitAsync`, `score`, `scoreAsync`, `predictPatient`, `forecast`, `forecastAsync`, `forecastTotal`, `forecastTotalAsync`, `compare`, `compareAsync`, `toJson`/`fromJson`, `save`/`load`), `readAppointments` |
//! | `campaign.rs` | `CampaignAnalytics` (`sample`, `fromTables`, `fromDir`, `campaigns`, `metrics`, `rxTrend`, `topResponders`, `uplift`, `fitUplift`, `scoreUplift` and their `...Async` forms, `exportCsv`, `exportCsvAsync`, `segment`, `recommend`), `DoctorSegmentation`, `UpliftForest`, `Recommender` |
//! | `task.rs` | `CoreTask`: the Promise of every `...Async` method (core work on libuv's pool) |
//! | `demo.rs` | `demoAppointments`, `defaultParams` |
#![deny(clippy::all)]

pub mod campaign;
pub mod convert;
pub mod demo;
pub mod error;
pub mod purchase;
pub mod task;
