//! Campaign data ingest: doctors, campaigns, targeting and Rx volumes, from CSV files or one
//! XLSX workbook.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{read_csv, ColumnSpec, FromRow, IngestOptions, Ingested, Rejection, Row};
use crate::data::campaign::{Campaign, CampaignData, Doctor, RxRecord, Targeting};
use crate::error::{Error, Result};

const DOCTOR_ID_ALIASES: &[&str] = &[
    "id",
    "doctor",
    "doctorid",
    "hcp_id",
    "physician_id",
    "prescriber_id",
];
const PRODUCT_ALIASES: &[&str] = &["product_name", "brand", "drug"];

/// Doctor columns (canonical name and aliases, matched after
/// [`super::normalize_header`]).
///
/// | column | aliases | content |
/// |---|---|---|
/// | `doctor_id` | `id`, `doctor`, `doctorid`, `hcp_id`, `physician_id`, `prescriber_id` | whole number >= 0 |
/// | `specialty` | `speciality`, `specialism`, `specialisation`, `specialization` | text |
/// | `province` | `region`, `state`, `territory` | text |
/// | `tenure_years` | `tenure`, `years_in_practice`, `experience_years` | number >= 0 |
/// | `baseline_rx` | `rx_baseline`, `baseline`, `baseline_volume`, `avg_rx` | number >= 0 |
pub const DOCTOR_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("doctor_id", DOCTOR_ID_ALIASES),
    ColumnSpec::required(
        "specialty",
        &[
            "speciality",
            "specialism",
            "specialisation",
            "specialization",
        ],
    ),
    ColumnSpec::required("province", &["region", "state", "territory"]),
    ColumnSpec::required(
        "tenure_years",
        &["tenure", "years_in_practice", "experience_years"],
    ),
    ColumnSpec::required(
        "baseline_rx",
        &["rx_baseline", "baseline", "baseline_volume", "avg_rx"],
    ),
];

/// Campaign columns.
///
/// | column | aliases | content |
/// |---|---|---|
/// | `campaign_id` | `id`, `campaign`, `campaignid` | whole number >= 0 |
/// | `name` | `campaign_name`, `title` | text |
/// | `product` | `product_name`, `brand`, `drug` | text |
/// | `start_date` | `start`, `begin_date`, `from` | date |
/// | `end_date` | `end`, `finish_date`, `to` | date, not before `start_date` |
pub const CAMPAIGN_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("campaign_id", &["id", "campaign", "campaignid"]),
    ColumnSpec::required("name", &["campaign_name", "title"]),
    ColumnSpec::required("product", PRODUCT_ALIASES),
    ColumnSpec::required("start_date", &["start", "begin_date", "from"]),
    ColumnSpec::required("end_date", &["end", "finish_date", "to"]),
];

/// Targeting columns.
///
/// | column | aliases | content |
/// |---|---|---|
/// | `doctor_id` | as for doctors | whole number >= 0 |
/// | `campaign_id` | `campaign`, `campaignid` | whole number >= 0 |
/// | `campaign_target` | `target`, `targeted`, `is_target`, `is_targeted`, `treatment`, `treated` | 0/1 or a Y/N flag |
pub const TARGETING_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("doctor_id", DOCTOR_ID_ALIASES),
    ColumnSpec::required("campaign_id", &["campaign", "campaignid"]),
    ColumnSpec::required(
        "campaign_target",
        &[
            "target",
            "targeted",
            "is_target",
            "is_targeted",
            "treatment",
            "treated",
        ],
    ),
];

/// Rx columns.
///
/// | column | aliases | content |
/// |---|---|---|
/// | `doctor_id` | as for doctors | whole number >= 0 |
/// | `product` | `product_name`, `brand`, `drug` | text |
/// | `period` | `month`, `date`, `period_start`, `month_start` | date (first day of the period) |
/// | `count` | `rx`, `rx_count`, `trx`, `volume`, `prescriptions`, `scripts`, `n_rx` | number >= 0 |
pub const RX_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("doctor_id", DOCTOR_ID_ALIASES),
    ColumnSpec::required("product", PRODUCT_ALIASES),
    ColumnSpec::required("period", &["month", "date", "period_start", "month_start"]),
    ColumnSpec::required(
        "count",
        &[
            "rx",
            "rx_count",
            "trx",
            "volume",
            "prescriptions",
            "scripts",
            "n_rx",
        ],
    ),
];

/// Sheet names of a campaign workbook (and file stems of a campaign CSV folder), matched
/// case-insensitively: doctors, campaigns, targeting, rx.
pub const CAMPAIGN_SHEETS: [&str; 4] = ["doctors", "campaigns", "targeting", "rx"];

impl FromRow for Doctor {
    const WHAT: &'static str = "doctors";
    const COLUMNS: &'static [ColumnSpec] = DOCTOR_COLUMNS;
    fn from_row(row: &Row<'_>) -> Result<Self> {
        Ok(Doctor {
            doctor_id: row.id(0)?,
            specialty: row.text(1)?,
            province: row.text(2)?,
            tenure_years: row.number(3, 0.0, f64::INFINITY)?,
            baseline_rx: row.number(4, 0.0, f64::INFINITY)?,
        })
    }
}

impl FromRow for Campaign {
    const WHAT: &'static str = "campaigns";
    const COLUMNS: &'static [ColumnSpec] = CAMPAIGN_COLUMNS;
    fn from_row(row: &Row<'_>) -> Result<Self> {
        let campaign_id = row.id(0)?;
        let name = row.text(1)?;
        let product = row.text(2)?;
        let start_date = row.date(3)?;
        let end_date = row.date(4)?;
        if end_date < start_date {
            return Err(row.invalid(
                4,
                end_date.to_string(),
                format!("is before start_date {start_date}"),
            ));
        }
        Ok(Campaign {
            campaign_id,
            name,
            product,
            start_date,
            end_date,
        })
    }
}

impl FromRow for Targeting {
    const WHAT: &'static str = "targeting rows";
    const COLUMNS: &'static [ColumnSpec] = TARGETING_COLUMNS;
    fn from_row(row: &Row<'_>) -> Result<Self> {
        Ok(Targeting {
            doctor_id: row.id(0)?,
            campaign_id: row.id(1)?,
            campaign_target: row.flag(2)?,
        })
    }
}

impl FromRow for RxRecord {
    const WHAT: &'static str = "Rx records";
    const COLUMNS: &'static [ColumnSpec] = RX_COLUMNS;
    fn from_row(row: &Row<'_>) -> Result<Self> {
        Ok(RxRecord {
            doctor_id: row.id(0)?,
            product: row.text(1)?,
            period: row.date(2)?,
            count: row.number(3, 0.0, f64::INFINITY)?,
        })
    }
}

/// Reads doctors from CSV; columns in [`DOCTOR_COLUMNS`].
pub fn read_doctors<R: Read>(reader: R, options: &IngestOptions) -> Result<Ingested<Doctor>> {
    read_csv(reader, options)
}

/// Reads campaigns from CSV; columns in [`CAMPAIGN_COLUMNS`].
pub fn read_campaigns<R: Read>(reader: R, options: &IngestOptions) -> Result<Ingested<Campaign>> {
    read_csv(reader, options)
}

/// Reads targeting from CSV; columns in [`TARGETING_COLUMNS`]. `campaign_target` must be 0/1
/// or a Y/N flag; anything else is an [`Error::InvalidValue`].
pub fn read_targeting<R: Read>(reader: R, options: &IngestOptions) -> Result<Ingested<Targeting>> {
    read_csv(reader, options)
}

/// Reads Rx volumes from CSV; columns in [`RX_COLUMNS`].
pub fn read_rx<R: Read>(reader: R, options: &IngestOptions) -> Result<Ingested<RxRecord>> {
    read_csv(reader, options)
}

/// Campaign data read from several tables, with the rejections of all of them (lenient
/// mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestedCampaign {
    /// The records read.
    pub data: CampaignData,
    /// Rejected rows of every table, in reading order (doctors, campaigns, targeting, rx).
    pub rejected: Vec<Rejection>,
}

fn merge<T>(part: Ingested<T>, rejected: &mut Vec<Rejection>) -> Vec<T> {
    rejected.extend(part.rejected);
    part.rows
}

/// Reads `doctors.csv`, `campaigns.csv`, `targeting.csv` and `rx.csv` from a folder into
/// [`CampaignData`]; rejections of all four files are returned together.
///
/// # Errors
/// [`Error::NotFound`] (`what = "file"`) for a missing file, then as [`read_csv`] for each.
pub fn read_campaign_dir(
    dir: impl AsRef<Path>,
    options: &IngestOptions,
) -> Result<IngestedCampaign> {
    let open = |stem: &str| {
        let path = dir.as_ref().join(format!("{stem}.csv"));
        std::fs::File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found("file", path.display()),
            _ => Error::Io(e),
        })
    };
    let [d, c, t, r] = CAMPAIGN_SHEETS;
    let mut rejected = Vec::new();
    let data = CampaignData {
        doctors: merge(read_doctors(open(d)?, options)?, &mut rejected),
        campaigns: merge(read_campaigns(open(c)?, options)?, &mut rejected),
        targeting: merge(read_targeting(open(t)?, options)?, &mut rejected),
        rx: merge(read_rx(open(r)?, options)?, &mut rejected),
    };
    Ok(IngestedCampaign { data, rejected })
}

#[cfg(feature = "xlsx")]
fn read_workbook(mut wb: super::Workbook, options: &IngestOptions) -> Result<IngestedCampaign> {
    let [d, c, t, r] = CAMPAIGN_SHEETS;
    for sheet in CAMPAIGN_SHEETS {
        wb.find_sheet(sheet)?;
    }
    let mut rejected = Vec::new();
    let data = CampaignData {
        doctors: merge(wb.read(d, options)?, &mut rejected),
        campaigns: merge(wb.read(c, options)?, &mut rejected),
        targeting: merge(wb.read(t, options)?, &mut rejected),
        rx: merge(wb.read(r, options)?, &mut rejected),
    };
    Ok(IngestedCampaign { data, rejected })
}

/// Reads a campaign workbook (`.xlsx`) with sheets `doctors`, `campaigns`, `targeting` and
/// `rx` (names case-insensitive; other sheets ignored; columns as for the CSV readers).
/// Rejections of all sheets are in `rejected` with `Location::Sheet` positions.
///
/// # Errors
/// [`Error::Workbook`] for a malformed file, [`Error::NotFound`] (`what = "sheet"`) for a
/// missing sheet, then as [`super::Workbook::read`] for each sheet.
#[cfg(feature = "xlsx")]
pub fn read_campaign_workbook(
    path: impl AsRef<Path>,
    options: &IngestOptions,
) -> Result<IngestedCampaign> {
    read_workbook(super::Workbook::open(path)?, options)
}

/// [`read_campaign_workbook`] from the workbook's bytes.
#[cfg(feature = "xlsx")]
pub fn read_campaign_workbook_bytes(
    bytes: Vec<u8>,
    options: &IngestOptions,
) -> Result<IngestedCampaign> {
    read_workbook(super::Workbook::from_bytes(bytes)?, options)
}
