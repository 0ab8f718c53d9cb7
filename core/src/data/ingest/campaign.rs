//! Campaign data ingest: doctors, campaigns, targeting and Rx volumes, from CSV files or one
//! XLSX workbook.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::table::read_table_with;
use super::{
    read_csv, read_csv_with, ColumnSpec, FromRow, Hook, IngestOptions, Ingested, Rejection, Row,
    Table,
};
use crate::data::campaign::{
    Campaign, CampaignData, Doctor, RxRecord, Targeting, MAX_RX, MAX_TENURE_YEARS,
};
use crate::error::{Error, Location, Result};

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
    const TABLE: &'static str = "doctors";
    const COLUMNS: &'static [ColumnSpec] = DOCTOR_COLUMNS;
    fn from_row(row: &Row<'_>) -> Result<Self> {
        Ok(Doctor {
            doctor_id: row.id(0)?,
            specialty: row.text(1)?,
            province: row.text(2)?,
            tenure_years: row.number(3, 0.0, MAX_TENURE_YEARS)?,
            baseline_rx: row.number(4, 0.0, MAX_RX)?,
        })
    }
}

impl FromRow for Campaign {
    const WHAT: &'static str = "campaigns";
    const TABLE: &'static str = "campaigns";
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
    const TABLE: &'static str = "targeting";
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
    const TABLE: &'static str = "rx";
    const COLUMNS: &'static [ColumnSpec] = RX_COLUMNS;
    fn from_row(row: &Row<'_>) -> Result<Self> {
        Ok(RxRecord {
            doctor_id: row.id(0)?,
            product: row.text(1)?,
            period: row.date(2)?,
            count: row.number(3, 0.0, MAX_RX)?,
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
    /// Rejected rows of every table, in reading order (doctors, campaigns, targeting, rx);
    /// each names its table in [`Rejection::table`].
    pub rejected: Vec<Rejection>,
}

/// Column of the id in [`DOCTOR_COLUMNS`] and [`CAMPAIGN_COLUMNS`], and of the doctor and
/// campaign references in [`TARGETING_COLUMNS`] and [`RX_COLUMNS`].
const ID: usize = 0;
const TARGETING_CAMPAIGN: usize = 1;
/// Column of the period in [`RX_COLUMNS`].
const RX_PERIOD: usize = 2;

/// Lenient hook of the doctors and campaigns tables: a second row with an id already kept
/// is rejected (the first is kept, as a reader of the file would take it), and the ids of
/// the rejected rows are remembered, when their id itself could be read.
struct Ids {
    what: &'static str,
    first: HashMap<u64, Location>,
    rejected: HashSet<u64>,
}

impl Ids {
    fn new(what: &'static str) -> Self {
        Ids {
            what,
            first: HashMap::new(),
            rejected: HashSet::new(),
        }
    }

    fn check(&mut self, id: u64, row: &Row<'_>) -> Option<Error> {
        let what = self.what;
        repeated(&mut self.first, id, row).map(|first| {
            row.invalid(
                ID,
                id.to_string(),
                format!("duplicate {what} id (first at {first})"),
            )
        })
    }

    /// The ids kept and rejected, for the tables that refer to them.
    fn known(self, table: &'static str) -> Known {
        Known {
            what: self.what,
            table,
            kept: self.first.into_keys().collect(),
            rejected: self.rejected,
        }
    }
}

impl Hook<Doctor> for Ids {
    fn check(&mut self, d: &Doctor, row: &Row<'_>) -> Option<Error> {
        Ids::check(self, d.doctor_id, row)
    }
    fn rejected(&mut self, row: &Row<'_>) {
        if let Ok(id) = row.id(ID) {
            self.rejected.insert(id);
        }
    }
}

impl Hook<Campaign> for Ids {
    fn check(&mut self, c: &Campaign, row: &Row<'_>) -> Option<Error> {
        Ids::check(self, c.campaign_id, row)
    }
    fn rejected(&mut self, row: &Row<'_>) {
        if let Ok(id) = row.id(ID) {
            self.rejected.insert(id);
        }
    }
}

/// Where the first row with `key` is when `row` repeats it; otherwise `row` becomes the first.
fn repeated<K: Hash + Eq>(
    first: &mut HashMap<K, Location>,
    key: K,
    row: &Row<'_>,
) -> Option<Location> {
    match first.entry(key) {
        Entry::Vacant(v) => {
            v.insert(row.location());
            None
        }
        Entry::Occupied(o) => Some(o.get().clone()),
    }
}

/// The doctors (or campaigns) a row may refer to: the ids kept and the ids rejected.
struct Known {
    what: &'static str,
    table: &'static str,
    kept: HashSet<u64>,
    rejected: HashSet<u64>,
}

impl Known {
    /// `None` when `id` was kept; otherwise the rejection of the row referring to it.
    fn check(&self, id: u64, row: &Row<'_>, col: usize) -> Option<Error> {
        if self.kept.contains(&id) {
            return None;
        }
        let (what, table) = (self.what, self.table);
        let reason = if self.rejected.contains(&id) {
            format!("{what} {id} was rejected")
        } else {
            format!("{what} {id} is not in the {table} table")
        };
        Some(row.invalid(col, id.to_string(), reason))
    }
}

/// Lenient hook of the targeting and Rx tables: rows whose doctor (or campaign) was not kept
/// are rejected too, and so are repeats: a second targeting row of a doctor in a campaign,
/// a second Rx record of a doctor, product and period (the first is kept).
struct References {
    doctors: Known,
    campaigns: Known,
    targeted: HashMap<(u64, u64), Location>,
    /// Product name -> number, so that `recorded` holds no string per row.
    products: HashMap<String, u32>,
    recorded: HashMap<(u64, u32, NaiveDate), Location>,
}

impl Hook<Targeting> for References {
    fn check(&mut self, t: &Targeting, row: &Row<'_>) -> Option<Error> {
        let missing = self
            .doctors
            .check(t.doctor_id, row, ID)
            .or_else(|| self.campaigns.check(t.campaign_id, row, TARGETING_CAMPAIGN));
        missing.or_else(|| {
            repeated(&mut self.targeted, (t.campaign_id, t.doctor_id), row).map(|first| {
                row.invalid(
                    ID,
                    t.doctor_id.to_string(),
                    format!(
                        "doctor assigned twice to campaign {} (first at {first})",
                        t.campaign_id
                    ),
                )
            })
        })
    }
}

impl Hook<RxRecord> for References {
    fn check(&mut self, r: &RxRecord, row: &Row<'_>) -> Option<Error> {
        if let Some(e) = self.doctors.check(r.doctor_id, row, ID) {
            return Some(e);
        }
        let next = self.products.len() as u32;
        let product = match self.products.get(r.product.as_str()) {
            Some(&p) => p,
            None => *self.products.entry(r.product.clone()).or_insert(next),
        };
        repeated(&mut self.recorded, (r.doctor_id, product, r.period), row).map(|first| {
            row.invalid(
                RX_PERIOD,
                r.period.to_string(),
                format!(
                    "a second Rx record of doctor {} for {} in this period (first at {first}); \
                     add the counts up into one record",
                    r.doctor_id, r.product
                ),
            )
        })
    }
}

/// Where the four tables come from (files of a folder, sheets of a workbook, in-memory
/// tables); `table` indexes [`CAMPAIGN_SHEETS`].
trait Tables {
    fn read<T: FromRow, H: Hook<T>>(
        &mut self,
        table: usize,
        options: &IngestOptions,
        hook: &mut H,
    ) -> Result<Ingested<T>>;
}

/// Reads the four tables in order and, in lenient mode, rejects the targeting and Rx rows
/// whose doctor or campaign is not among the rows kept (it was rejected, or is absent), so
/// that the data kept always passes [`crate::data::validate_campaign_data`]'s reference
/// checks. Strict mode reads each table as it is; references are checked by validation.
fn read_campaign<S: Tables>(src: &mut S, options: &IngestOptions) -> Result<IngestedCampaign> {
    let [d, c, t, r] = CAMPAIGN_SHEETS;
    // Hooks are only called by lenient reads: a strict one fails at the first bad value and
    // leaves duplicates and references to validation.
    let mut doctor_ids = Ids::new("doctor");
    let doctors = src
        .read::<Doctor, _>(0, options, &mut doctor_ids)
        .map_err(|e| in_table(e, d))?;
    let mut campaign_ids = Ids::new("campaign");
    let campaigns = src
        .read::<Campaign, _>(1, options, &mut campaign_ids)
        .map_err(|e| in_table(e, c))?;
    let mut rejected = doctors.rejected;
    rejected.extend(campaigns.rejected);
    let mut refs = References {
        doctors: doctor_ids.known(d),
        campaigns: campaign_ids.known(c),
        targeted: HashMap::new(),
        products: HashMap::new(),
        recorded: HashMap::new(),
    };
    let targeting = src
        .read::<Targeting, _>(2, options, &mut refs)
        .map_err(|e| in_table(e, t))?;
    let rx = src
        .read::<RxRecord, _>(3, options, &mut refs)
        .map_err(|e| in_table(e, r))?;
    rejected.extend(targeting.rejected);
    rejected.extend(rx.rejected);
    Ok(IngestedCampaign {
        data: CampaignData {
            doctors: doctors.rows,
            campaigns: campaigns.rows,
            targeting: targeting.rows,
            rx: rx.rows,
        },
        rejected,
    })
}

/// `e` with its column named within `table` (`rx.count`), as
/// [`validate_campaign_data`](crate::data::validate_campaign_data) names columns: four tables
/// share column names (`doctor_id`), and a bare name would not say which file is wrong.
fn in_table(e: Error, table: &str) -> Error {
    let named = |column: String| format!("{table}.{column}");
    match e {
        Error::InvalidValue {
            location,
            column,
            value,
            reason,
        } => Error::InvalidValue {
            location,
            column: named(column),
            value,
            reason,
        },
        Error::MissingColumn { column, found } => Error::MissingColumn {
            column: named(column),
            found,
        },
        Error::DuplicateColumn {
            column,
            first,
            first_index,
            second,
            second_index,
        } => Error::DuplicateColumn {
            column: named(column),
            first,
            first_index,
            second,
            second_index,
        },
        e => e,
    }
}

struct Folder<'a>(&'a Path);

impl Tables for Folder<'_> {
    fn read<T: FromRow, H: Hook<T>>(
        &mut self,
        table: usize,
        options: &IngestOptions,
        hook: &mut H,
    ) -> Result<Ingested<T>> {
        let path = self.0.join(format!("{}.csv", CAMPAIGN_SHEETS[table]));
        let file = std::fs::File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found("file", path.display()),
            _ => Error::io_at(&path, e),
        })?;
        read_csv_with(file, options, hook).map_err(|e| e.at_path(&path))
    }
}

/// Reads `doctors.csv`, `campaigns.csv`, `targeting.csv` and `rx.csv` from a folder into
/// [`CampaignData`]; rejections of all four files are returned together.
///
/// In lenient mode a targeting or Rx row whose doctor (or campaign) was rejected, or is not
/// in its table at all, is rejected too: [`Rejection::column`] is the reference column
/// (`doctor_id` or `campaign_id`), [`Rejection::value`] the id and [`Rejection::reason`]
/// `doctor 3 was rejected` (or `doctor 3 is not in the doctors table`). The data kept is
/// then what the same read gives once the bad rows and the rows referring to them are
/// deleted by hand. Strict mode is unchanged: the first bad value is the error, and a
/// reference to an absent doctor or campaign is left to
/// [`validate_campaign_data`](crate::data::validate_campaign_data).
///
/// # Errors
/// [`Error::NotFound`] (`what = "file"`) for a missing file, then as [`read_csv`] for each
/// ([`Error::EmptyInput`] also when every row of a file was rejected, references included).
pub fn read_campaign_dir(
    dir: impl AsRef<Path>,
    options: &IngestOptions,
) -> Result<IngestedCampaign> {
    read_campaign(&mut Folder(dir.as_ref()), options)
}

struct InMemory<'a>([&'a Table; 4]);

impl Tables for InMemory<'_> {
    fn read<T: FromRow, H: Hook<T>>(
        &mut self,
        table: usize,
        options: &IngestOptions,
        hook: &mut H,
    ) -> Result<Ingested<T>> {
        read_table_with(self.0[table], options, hook)
    }
}

/// Reads campaign data from four in-memory [`Table`]s (DataFrames handed over by a
/// binding), with the checks, modes and lenient rejection of dependent rows of
/// [`read_campaign_dir`]; positions are `Location::Row` (0-based) in each table.
///
/// ```
/// use optocom_core::data::ingest::{read_campaign_tables, Column, IngestOptions, Table};
///
/// let text = |v: &[&str]| Column::Text(v.iter().map(|s| Some(s.to_string())).collect());
/// let mut doctors = Table::new();
/// doctors.push("doctor_id", Column::Int(vec![1, 2]))?;
/// doctors.push("specialty", text(&["Cardiology", "Oncology"]))?;
/// doctors.push("province", text(&["Ontario", "Quebec"]))?;
/// doctors.push("tenure_years", Column::Float(vec![12.0, -3.0]))?;
/// doctors.push("baseline_rx", Column::Float(vec![40.0, 20.0]))?;
/// let mut campaigns = Table::new();
/// campaigns.push("campaign_id", Column::Int(vec![1]))?;
/// campaigns.push("name", text(&["Launch"]))?;
/// campaigns.push("product", text(&["A"]))?;
/// campaigns.push("start_date", text(&["2024-03-01"]))?;
/// campaigns.push("end_date", text(&["2024-05-31"]))?;
/// let mut targeting = Table::new();
/// targeting.push("doctor_id", Column::Int(vec![1, 2]))?;
/// targeting.push("campaign_id", Column::Int(vec![1, 1]))?;
/// targeting.push("campaign_target", Column::Bool(vec![true, false]))?;
/// let mut rx = Table::new();
/// rx.push("doctor_id", Column::Int(vec![1, 2]))?;
/// rx.push("product", text(&["A", "A"]))?;
/// rx.push("period", text(&["2024-03-01", "2024-03-01"]))?;
/// rx.push("count", Column::Float(vec![5.0, 7.0]))?;
///
/// let got = read_campaign_tables(&doctors, &campaigns, &targeting, &rx, &IngestOptions::lenient())?;
/// assert_eq!((got.data.doctors.len(), got.data.targeting.len(), got.data.rx.len()), (1, 1, 1));
/// let report: Vec<String> = got.rejected.iter().map(|r| format!("{}: {r}", r.table)).collect();
/// assert_eq!(report, [
///     "doctors: row 1, column `tenure_years`: invalid value \"-3\": must be between 0 and 100",
///     "targeting: row 1, column `doctor_id`: invalid value \"2\": doctor 2 was rejected",
///     "rx: row 1, column `doctor_id`: invalid value \"2\": doctor 2 was rejected",
/// ]);
///
/// let err = read_campaign_tables(&doctors, &campaigns, &targeting, &rx, &IngestOptions::strict())
///     .unwrap_err();
/// // Strict: the first bad value is the error, its column named within its table.
/// assert_eq!(err.to_string(), "row 1, column `doctors.tenure_years`: invalid value \"-3\": must be between 0 and 100");
/// # Ok::<(), optocom_core::Error>(())
/// ```
///
/// # Errors
/// As [`super::read_table`] for each table, with the column named within its table
/// (`doctors.tenure_years`).
pub fn read_campaign_tables(
    doctors: &Table,
    campaigns: &Table,
    targeting: &Table,
    rx: &Table,
    options: &IngestOptions,
) -> Result<IngestedCampaign> {
    read_campaign(&mut InMemory([doctors, campaigns, targeting, rx]), options)
}

#[cfg(feature = "xlsx")]
impl Tables for super::Workbook {
    fn read<T: FromRow, H: Hook<T>>(
        &mut self,
        table: usize,
        options: &IngestOptions,
        hook: &mut H,
    ) -> Result<Ingested<T>> {
        self.read_with(CAMPAIGN_SHEETS[table], options, hook)
    }
}

#[cfg(feature = "xlsx")]
fn read_workbook(mut wb: super::Workbook, options: &IngestOptions) -> Result<IngestedCampaign> {
    for sheet in CAMPAIGN_SHEETS {
        wb.find_sheet(sheet)?;
    }
    read_campaign(&mut wb, options)
}

/// Reads a campaign workbook (`.xlsx`) with sheets `doctors`, `campaigns`, `targeting` and
/// `rx` (names case-insensitive; other sheets ignored; columns as for the CSV readers).
/// Rejections of all sheets are in `rejected` with `Location::Sheet` positions; lenient mode
/// rejects the rows referring to a rejected or absent doctor or campaign as
/// [`read_campaign_dir`] does.
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
