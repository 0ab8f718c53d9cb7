//! The data layer: typed records, CSV/XLSX ingest, demo generators, filters and pages.

pub mod appointment;
pub mod campaign;
pub mod campaign_demo;
pub mod demo;
pub mod filter;
pub mod ingest;
pub mod page;
mod sampling;

pub use appointment::{validate_appointment, Appointment};
pub use campaign::{Campaign, CampaignData, Doctor, RxRecord, Targeting};
pub use campaign_demo::{
    generate_campaign_data, uplift_table, uplift_table_with, validate_campaign_data, CampaignDemo,
    CampaignDemoParams, DoctorTruth, OutcomeParams, OutcomeWindow, ResponseRule, UpliftTable,
};
pub use demo::{
    generate_appointments, truth_for, write_appointments_csv, DemoAppointments, DemoData,
    DemoParams, Truth,
};
pub use filter::DoctorFilter;
pub use ingest::{
    read_appointments, read_appointments_path, read_campaign_dir, read_campaign_tables,
    read_campaigns, read_doctors, read_rx, read_targeting, IngestMode, IngestOptions, Ingested,
    IngestedCampaign, Rejection,
};
#[cfg(feature = "xlsx")]
pub use ingest::{read_campaign_workbook, read_campaign_workbook_bytes, Workbook};
pub use page::{Page, PageRequest, DEFAULT_PER_PAGE, MAX_PER_PAGE};
