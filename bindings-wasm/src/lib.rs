//! # optocom-wasm
//!
//! optocom for web pages and Node, as WebAssembly: a thin wasm-bindgen layer over
//! `optocom-core` (built without its `parallel` and `xlsx` features), so a page can score
//! patients in the browser without sending their data anywhere. It mirrors the Node addon
//! (`bindings-node/`) word for word, minus file access: models cross as the JSON artifact
//! every runtime reads (`toJson`/`fromJson`). Each file wraps one core domain and only
//! delegates; conversions live in [`convert`], error mapping in [`error`].
//!
//! | file | JavaScript |
//! |---|---|
//! | `purchase.rs` | `PurchaseForecaster` (`fit`, `score`, `predictPatient`, `forecast`, `forecastTotal`, `compare`, `report`, `info`, `params`, `featureNames`, `reportText`, `toJson`/`fromJson`), `readAppointments` |
//! | `campaign.rs` | `CampaignAnalytics` (`sample`, `fromTables`, `campaigns`, `metrics`, `rxTrend`, `topResponders`, `uplift`, `segment`, `recommend`), `DoctorSegmentation` |
//! | `demo.rs` | `demoAppointments`, `defaultParams` |
//! | `error.rs` | every thrown error: `OptocomError` with the core's `code` |
//!
//! All calls are synchronous: run long fits in a Web Worker to keep a page responsive.
#![deny(clippy::all)]

pub mod campaign;
pub mod convert;
pub mod demo;
pub mod error;
pub mod purchase;
