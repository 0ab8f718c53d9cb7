//! The data layer: typed records, CSV/XLSX ingest, demo generators, filters and pages.

pub mod appointment;
pub mod campaign;
pub mod campaign_demo;
pub mod demo;
pub mod filter;
pub mod ingest;
pub mod page;

pub use appointment::Appointment;
pub use campaign::{Campaign, CampaignData, Doctor, RxRecord, Targeting};
pub use campaign_demo::{
    generate_campaign_data, uplift_table, uplift_table_with, validate_campaign_data, CampaignDemo,
    CampaignDemoParams, DoctorTruth, OutcomeParams, OutcomeWindow, ResponseRule, UpliftTable,
};
pub use filter::DoctorFilter;
pub use page::{Page, PageRequest, DEFAULT_PER_PAGE, MAX_PER_PAGE};
