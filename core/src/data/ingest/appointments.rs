//! Appointment CSV ingest.

use std::io::Read;
use std::path::Path;

use super::{read_csv, ColumnSpec, FromRow, IngestOptions, Ingested, Row};
use crate::data::appointment::{Appointment, MAX_AGE, MAX_AMOUNT, MAX_DAYS_SINCE_PURCHASE};
use crate::error::Result;

const PATIENT_ID: usize = 0;
const DATE: usize = 1;
const AGE: usize = 2;
const DAYS: usize = 3;
const EMPLOYED: usize = 4;
const BENEFITS: usize = 5;
const DRIVER: usize = 6;
const VDU: usize = 7;
const VARIFOCAL: usize = 8;
const HIGH_RX: usize = 9;
const AMOUNT: usize = 10;

/// The appointment columns: canonical name (first) and accepted aliases, compared after
/// [`super::normalize_header`] (case-insensitive; spaces and dashes count as underscores).
///
/// | column | aliases | content |
/// |---|---|---|
/// | `patient_id` | `id`, `patient`, `patient_no`, `patient_number`, `patientid` | non-empty text |
/// | `appointment_date` | `date`, `appt_date`, `appointment`, `visit_date` | `YYYY-MM-DD` or `DD/MM/YYYY` |
/// | `age` | `age_years`, `patient_age` | number, 0..=120 |
/// | `days_since_last_purchase` | `days_since_purchase`, `days_since_last`, `days_since_last_sale`, `last_purchase_days` | number, 0 to 43,920 (120 years) |
/// | `employed` | `employment`, `in_employment` | Y/N flag |
/// | `benefits` | `on_benefits`, `benefit`, `nhs_voucher`, `voucher` | Y/N flag |
/// | `driver` | `drives`, `driving` | Y/N flag |
/// | `vdu_user` | `vdu`, `screen_user`, `dse_user` | Y/N flag |
/// | `varifocal` | `varifocals`, `varifocal_need`, `needs_varifocal` | Y/N flag |
/// | `high_prescription` | `high_rx`, `high_script`, `high_power` | Y/N flag |
/// | `amount` (optional) | `sales`, `spend`, `actual_sales`, `amount_spent`, `sale_amount`, `amount_gbp` | number in GBP, 0 to 1e9 ([`MAX_AMOUNT`](crate::data::appointment::MAX_AMOUNT)); empty = unknown (upcoming) |
pub const APPOINTMENT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required(
        "patient_id",
        &["id", "patient", "patient_no", "patient_number", "patientid"],
    ),
    ColumnSpec::required(
        "appointment_date",
        &["date", "appt_date", "appointment", "visit_date"],
    ),
    ColumnSpec::required("age", &["age_years", "patient_age"]),
    ColumnSpec::required(
        "days_since_last_purchase",
        &[
            "days_since_purchase",
            "days_since_last",
            "days_since_last_sale",
            "last_purchase_days",
        ],
    ),
    ColumnSpec::required("employed", &["employment", "in_employment"]),
    ColumnSpec::required(
        "benefits",
        &["on_benefits", "benefit", "nhs_voucher", "voucher"],
    ),
    ColumnSpec::required("driver", &["drives", "driving"]),
    ColumnSpec::required("vdu_user", &["vdu", "screen_user", "dse_user"]),
    ColumnSpec::required(
        "varifocal",
        &["varifocals", "varifocal_need", "needs_varifocal"],
    ),
    ColumnSpec::required(
        "high_prescription",
        &["high_rx", "high_script", "high_power"],
    ),
    ColumnSpec::optional(
        "amount",
        &[
            "sales",
            "spend",
            "actual_sales",
            "amount_spent",
            "sale_amount",
            "amount_gbp",
        ],
    ),
];

impl FromRow for Appointment {
    const WHAT: &'static str = "appointments";
    const TABLE: &'static str = "appointments";
    const COLUMNS: &'static [ColumnSpec] = APPOINTMENT_COLUMNS;

    #[inline]
    fn from_row(row: &Row<'_>) -> Result<Self> {
        Ok(Appointment {
            patient_id: row.text(PATIENT_ID)?,
            appointment_date: row.date(DATE)?,
            age: row.number(AGE, 0.0, MAX_AGE)?,
            days_since_last_purchase: row.number(DAYS, 0.0, MAX_DAYS_SINCE_PURCHASE)?,
            employed: row.flag(EMPLOYED)?,
            benefits: row.flag(BENEFITS)?,
            driver: row.flag(DRIVER)?,
            vdu_user: row.flag(VDU)?,
            varifocal: row.flag(VARIFOCAL)?,
            high_prescription: row.flag(HIGH_RX)?,
            amount: row.opt_number(AMOUNT, 0.0, MAX_AMOUNT)?,
        })
    }

    #[inline]
    fn check_options(&self, row: &Row<'_>, options: &IngestOptions) -> Result<()> {
        if options.require_amount && self.amount.is_none() {
            return Err(row.invalid(AMOUNT, "", NEED_AMOUNT_REASON));
        }
        Ok(())
    }
}

/// Why a past appointment without an amount is refused (training, comparison).
pub const NEED_AMOUNT_REASON: &str = "past appointments need the amount spent";

/// Reads appointments from CSV. Columns and aliases: [`APPOINTMENT_COLUMNS`]. The `amount`
/// column is optional (absent or empty for upcoming appointments); every other column is
/// required. Extra columns are ignored.
///
/// ```
/// use optocom_core::data::ingest::{read_appointments, IngestOptions};
///
/// let csv = "\
/// Patient ID,Date,Age,Days Since Purchase,Employed,Benefits,Driver,VDU,Varifocal,High Rx,Sales
/// P1,05/03/2024,52,731,Y,N,yes,Y,Y,N,245.50
/// P2,2024-03-05,-4,10,N,N,N,N,N,N,
/// P3,2024-03-06,8,365,N,Y,N,N,N,N,
/// ";
/// let got = read_appointments(csv.as_bytes(), &IngestOptions::lenient())?;
/// assert_eq!(got.rows.len(), 2);
/// assert_eq!(got.rows[0].amount, Some(245.5));
/// assert_eq!(got.rows[1].amount, None);
/// // The bad row is reported, not dropped: line 3 (data record 2), column `age`.
/// assert_eq!(
///     got.rejected[0].to_string(),
///     "line 3 (record 2), column `age`: invalid value \"-4\": must be between 0 and 120"
/// );
///
/// // Strict mode (the default) makes the first bad row the error.
/// let err = read_appointments(csv.as_bytes(), &IngestOptions::default()).unwrap_err();
/// assert_eq!(err.code(), "invalid_value");
/// # Ok::<(), optocom_core::Error>(())
/// ```
///
/// # Errors
/// [`crate::Error::EmptyInput`] (empty input, header only, or every row rejected),
/// [`crate::Error::MissingColumn`], [`crate::Error::DuplicateColumn`],
/// [`crate::Error::InvalidValue`] (strict mode), [`crate::Error::Io`].
pub fn read_appointments<R: Read>(
    reader: R,
    options: &IngestOptions,
) -> Result<Ingested<Appointment>> {
    read_csv(reader, options)
}

/// Reads appointments from a CSV file; see [`read_appointments`].
pub fn read_appointments_path(
    path: impl AsRef<Path>,
    options: &IngestOptions,
) -> Result<Ingested<Appointment>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| crate::Error::io_at(path, e))?;
    read_appointments(file, options).map_err(|e| e.at_path(path))
}
