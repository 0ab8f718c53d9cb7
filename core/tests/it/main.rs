//! Integration tests, one module per domain.

mod campaign;
mod cluster;
mod data;
mod export;
mod forest;
mod golden;
mod linear;
mod metrics;
mod purchase;
mod recommender;
mod segmentation;
mod uplift;
