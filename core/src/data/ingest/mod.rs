//! CSV and XLSX ingest: one machinery for every record type.
//!
//! Reading a table goes through the same steps whatever the record:
//!
//! 1. **Header resolution** ([`HeaderMap`]): each header is normalized
//!    ([`normalize_header`]: trimmed, lowercased, spaces/dashes/dots as underscores) and
//!    matched against the record's canonical column names and aliases ([`ColumnSpec`]).
//!    Unknown columns are ignored; a missing required column is [`Error::MissingColumn`];
//!    two headers naming one field (directly or through an alias) are
//!    [`Error::DuplicateColumn`].
//! 2. **Rows** ([`Row`]): typed getters parse each field from the raw bytes without
//!    allocating: Y/N flags ([`parse_flag`]: Y/N/Yes/No/True/False/1/0, any case), dates
//!    ([`parse_date`]: `YYYY-MM-DD` or UK `DD/MM/YYYY`), finite numbers with range checks
//!    ([`parse_f64`]: NaN and infinities rejected), whole-number ids ([`parse_u64`]), text
//!    (non-UTF-8 bytes are an invalid value, shown lossily). Every bad value is an
//!    [`Error::InvalidValue`] with its [`Location`] (`Line { line, record }` for CSV,
//!    `Sheet { sheet, row }` for workbooks), the canonical column name, the value and the
//!    reason.
//! 3. **Mode** ([`IngestMode`]): `Strict` stops at the first bad row; `Lenient` moves each
//!    bad row to [`Ingested::rejected`] (one [`Rejection`] per row, with its table,
//!    position, column, value and reason) and keeps going, so `rows.len() + rejected.len()`
//!    is always the number of data rows read. Reading campaign data leniently also rejects
//!    the targeting and Rx rows that refer to a doctor or campaign that was rejected or is
//!    absent (see [`read_campaign_dir`]), so what is kept passes the reference checks of
//!    [`validate_campaign_data`](crate::data::validate_campaign_data).
//! 4. **Emptiness**: an empty input, a header without data rows, and (lenient) a file whose
//!    every row was rejected are all [`Error::EmptyInput`]. When every row was rejected the
//!    message gives the count, the first rejection in full and, if the rows failed in more
//!    than one way, how many failed in each (column and reason) and where each kind first
//!    occurs, since no report comes back.
//!
//! Record readers built on it: [`read_appointments`] (see [`APPOINTMENT_COLUMNS`] for the
//! aliases), [`read_doctors`], [`read_campaigns`], [`read_targeting`], [`read_rx`] (aliases
//! in [`DOCTOR_COLUMNS`], [`CAMPAIGN_COLUMNS`], [`TARGETING_COLUMNS`], [`RX_COLUMNS`]), and
//! with the `xlsx` feature [`read_campaign_workbook`] over a [`Workbook`]. In-memory columns
//! (a DataFrame handed over by a binding) are a [`Table`], read by [`read_table`] with the same
//! aliases, checks and modes; their rows are reported as `Location::Row` (0-based). Arrays of
//! JavaScript objects (the Node and browser bindings) become a [`Table`] through
//! [`Table::from_records`]. A new
//! record type implements [`FromRow`] and is read by [`read_csv`], [`Workbook::read`] or
//! [`read_table`].

mod appointments;
mod campaign;
mod columns;
mod field;
mod records;
mod row;
mod table;
#[cfg(feature = "xlsx")]
mod workbook;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

pub use appointments::{
    read_appointments, read_appointments_path, APPOINTMENT_COLUMNS, NEED_AMOUNT_REASON,
};
pub use campaign::{
    read_campaign_dir, read_campaign_tables, read_campaigns, read_doctors, read_rx, read_targeting,
    IngestedCampaign, CAMPAIGN_COLUMNS, CAMPAIGN_SHEETS, DOCTOR_COLUMNS, RX_COLUMNS,
    TARGETING_COLUMNS,
};
#[cfg(feature = "xlsx")]
pub use campaign::{read_campaign_workbook, read_campaign_workbook_bytes};
pub use columns::{normalize_header, ColumnSpec, HeaderMap};
pub use field::{
    deserialize_flag, deserialize_number, excel_serial_to_date, in_date_range, parse_date,
    parse_f64, parse_flag, parse_u64, trim_bytes, DATE_RANGE_REASON, DATE_REASON, FINITE_REASON,
    FLAG_REASON, ID_REASON, MAX_DATE, MAX_ID, MIN_DATE, NUMBER_REASON,
};
pub use records::{Record, RecordValue, LONE_SURROGATE_REASON, NESTED_REASON, NOT_A_RECORD_REASON};
pub use row::{FromRow, Row};
pub use table::{read_table, Column, Table};
#[cfg(feature = "xlsx")]
pub use workbook::Workbook;

use row::{Cells, Pos};

/// What to do with a bad row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestMode {
    /// The first bad value is the error.
    #[default]
    Strict,
    /// Bad rows are reported in [`Ingested::rejected`]; good rows are kept. Campaign reads
    /// ([`read_campaign_dir`], [`read_campaign_tables`], `read_campaign_workbook`) also
    /// reject, and report, the targeting and Rx rows whose doctor or campaign was rejected
    /// or is absent.
    Lenient,
}

/// Options of every ingest function. `Default` is strict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestOptions {
    /// Strict or lenient.
    pub mode: IngestMode,
    /// Input without data rows (an empty file, a header only, an empty array or sheet) reads
    /// as zero rows instead of [`Error::EmptyInput`]: for scoring, where an empty diary is a
    /// normal answer. Training keeps the default, `false`. Columns that are present are
    /// still checked.
    pub allow_empty: bool,
    /// Appointments must carry the amount spent: a row without one is a bad row (named at
    /// its line or row, rejected in lenient mode) rather than an upcoming appointment. For
    /// reading the past appointments that training and comparison need. Other tables ignore
    /// it.
    pub require_amount: bool,
}

impl IngestOptions {
    /// Strict options (the default).
    pub fn strict() -> Self {
        IngestOptions {
            mode: IngestMode::Strict,
            ..IngestOptions::default()
        }
    }

    /// Lenient options.
    pub fn lenient() -> Self {
        IngestOptions {
            mode: IngestMode::Lenient,
            ..IngestOptions::default()
        }
    }

    /// Sets [`IngestOptions::require_amount`].
    ///
    /// ```
    /// use optocom_core::data::{read_appointments, IngestOptions};
    /// let csv = "\
    /// patient_id,appointment_date,age,days_since_last_purchase,employed,benefits,driver,vdu_user,varifocal,high_prescription,amount
    /// P1,2024-03-05,52,731,Y,N,Y,Y,Y,N,245.50
    /// P2,2024-03-05,40,10,N,N,N,N,N,N,
    /// ";
    /// let past = IngestOptions::lenient().require_amount(true);
    /// let got = read_appointments(csv.as_bytes(), &past)?;
    /// assert_eq!(got.rows.len(), 1);
    /// assert_eq!(
    ///     got.rejected[0].to_string(),
    ///     "line 3 (record 2), column `amount`: invalid value \"\": past appointments need the amount spent"
    /// );
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn require_amount(mut self, on: bool) -> Self {
        self.require_amount = on;
        self
    }

    /// The options of every binding's scoring, forecast and comparison reads: strict, and
    /// input without data rows is zero rows ([`IngestOptions::allow_empty`]).
    pub fn scoring() -> Self {
        IngestOptions::strict().allow_empty(true)
    }

    /// Sets [`IngestOptions::allow_empty`].
    ///
    /// ```
    /// use optocom_core::data::{read_appointments, IngestOptions};
    /// let header = "patient_id,appointment_date,age,days_since_last_purchase,employed,benefits,driver,vdu_user,varifocal,high_prescription\n";
    /// assert_eq!(read_appointments(header.as_bytes(), &IngestOptions::strict()).unwrap_err().code(), "empty_input");
    /// let none = read_appointments(header.as_bytes(), &IngestOptions::strict().allow_empty(true))?;
    /// assert!(none.rows.is_empty());
    /// // Columns that are there are still checked.
    /// let err = read_appointments("patient_id\n".as_bytes(), &IngestOptions::strict().allow_empty(true)).unwrap_err();
    /// assert_eq!(err.code(), "missing_column");
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn allow_empty(mut self, on: bool) -> Self {
        self.allow_empty = on;
        self
    }
}

/// Reader options as the JavaScript bindings take them: `{ lenient: true }` (read with
/// [`crate::options::from_value`], so an unknown key is refused).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadOptions {
    /// Move bad rows to the rejection report instead of failing (default false).
    pub lenient: bool,
}

impl From<ReadOptions> for IngestOptions {
    fn from(o: ReadOptions) -> Self {
        if o.lenient {
            IngestOptions::lenient()
        } else {
            IngestOptions::strict()
        }
    }
}

/// One rejected row of a lenient read: its table, where it is and its first bad value (or,
/// for a campaign row that refers to a rejected or absent doctor or campaign, the
/// reference: column `doctor_id`, value `3`, reason `doctor 3 was rejected`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The table of the row ([`FromRow::TABLE`]: `appointments`, `doctors`, `campaigns`,
    /// `targeting`, `rx`), which tells apart the rows of the tables of one campaign read.
    /// Empty when deserialized from a report written before the field existed.
    #[serde(default)]
    pub table: String,
    /// Where the row is.
    pub location: Location,
    /// Canonical name of the column of the first bad value.
    pub column: String,
    /// The value as found (lossily decoded when not UTF-8).
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

impl Rejection {
    /// The rejection as the error a strict read would have returned.
    pub fn to_error(&self) -> Error {
        Error::invalid_value(
            self.location.clone(),
            self.column.clone(),
            self.value.clone(),
            self.reason.clone(),
        )
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_error())
    }
}

/// The result of an ingest: the good rows, and (lenient mode) the rejected ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ingested<T> {
    /// Rows read, in input order.
    pub rows: Vec<T>,
    /// Rejected rows, in input order (always empty in strict mode).
    pub rejected: Vec<Rejection>,
}

impl<T> Ingested<T> {
    /// No rows at all.
    pub fn empty() -> Self {
        Ingested {
            rows: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// Number of data rows read, good and rejected.
    pub fn total(&self) -> usize {
        self.rows.len() + self.rejected.len()
    }
}

/// Lenient-mode hooks of one read, for checks that span tables (campaign data). Never
/// called in strict mode.
pub(crate) trait Hook<T> {
    /// An error (made with [`Row::invalid`]) when a row that parsed must still be rejected.
    fn check(&mut self, _record: &T, _row: &Row<'_>) -> Option<Error> {
        None
    }

    /// Called with each rejected row, while it can still be read.
    fn rejected(&mut self, _row: &Row<'_>) {}
}

/// No hooks: a plain read.
pub(crate) struct NoHook;

impl<T> Hook<T> for NoHook {}

/// Collects rows according to the mode.
struct Collector<T> {
    options: IngestOptions,
    mode: IngestMode,
    allow_empty: bool,
    rows: Vec<T>,
    rejected: Vec<Rejection>,
    seen: usize,
}

impl<T: FromRow> Collector<T> {
    fn new(options: &IngestOptions) -> Self {
        Collector {
            options: options.clone(),
            mode: options.mode,
            allow_empty: options.allow_empty,
            rows: Vec::new(),
            rejected: Vec::new(),
            seen: 0,
        }
    }

    /// Keeps a good row; for a bad one (or, lenient, one the hook rejects), fails (strict)
    /// or records it (lenient).
    #[inline]
    fn take<H: Hook<T>>(&mut self, row: &Row<'_>, result: Result<T>, hook: &mut H) -> Result<()> {
        self.seen += 1;
        let lenient = self.mode == IngestMode::Lenient;
        let result = result.and_then(|t| t.check_options(row, &self.options).map(|()| t));
        let error = match result {
            Ok(t) => match if lenient { hook.check(&t, row) } else { None } {
                None => {
                    self.rows.push(t);
                    return Ok(());
                }
                Some(e) => e,
            },
            Err(e) => e,
        };
        match error {
            Error::InvalidValue {
                location,
                column,
                value,
                reason,
            } if lenient => {
                hook.rejected(row);
                self.rejected.push(Rejection {
                    table: T::TABLE.to_string(),
                    location,
                    column,
                    value,
                    reason,
                });
                Ok(())
            }
            e => Err(e),
        }
    }

    fn finish(self, source: &str) -> Result<Ingested<T>> {
        if self.seen == 0 {
            if self.allow_empty {
                return Ok(Ingested::empty());
            }
            return Err(Error::empty(format!(
                "{source}: a header row but no data rows ({})",
                T::WHAT
            )));
        }
        if self.rows.is_empty() {
            return Err(Error::empty(format!(
                "{source}: all {} data rows were rejected, no {} left ({})",
                self.rejected.len(),
                T::WHAT,
                summarize_rejections(&self.rejected)
            )));
        }
        Ok(Ingested {
            rows: self.rows,
            rejected: self.rejected,
        })
    }
}

/// How many kinds of rejection [`summarize_rejections`] lists before "and N more".
const SUMMARY_KINDS: usize = 5;

/// The rejections of a read that kept no row, for its error message: the first in full, then,
/// when the rows failed for more than one reason, the count of each kind (column and reason,
/// in order of first appearance) with where it first occurs. A lenient read that keeps nothing
/// returns no report, so this is what tells the caller every problem to fix, not only the
/// first.
fn summarize_rejections(rejected: &[Rejection]) -> String {
    let Some(first) = rejected.first() else {
        return String::new();
    };
    // In order of first appearance; the map finds a kind's entry (reasons may name ids, so
    // a large file can have many kinds).
    let mut kinds: Vec<(&str, &str, usize, &Rejection)> = Vec::new();
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    for r in rejected {
        let slot = *index.entry((&r.column, &r.reason)).or_insert_with(|| {
            kinds.push((&r.column, &r.reason, 0, r));
            kinds.len() - 1
        });
        kinds[slot].2 += 1;
    }
    let mut out = format!("first: {first}");
    if kinds.len() > 1 {
        let listed: Vec<String> = kinds
            .iter()
            .take(SUMMARY_KINDS)
            .map(|(column, reason, n, r)| {
                let rows = if *n == 1 { "row" } else { "rows" };
                format!(
                    "{n} {rows} at column `{column}` ({reason}; first at {})",
                    r.location
                )
            })
            .collect();
        out.push_str(&format!("; by kind: {}", listed.join(", ")));
        if kinds.len() > SUMMARY_KINDS {
            out.push_str(&format!(", and {} more kinds", kinds.len() - SUMMARY_KINDS));
        }
    }
    out
}

/// A reader that records where each non-blank line starts and its 1-based physical line
/// number, so that a record's line can be reported exactly: the csv crate's own line count
/// skips blank lines and lags on CRLF endings. `\n`, `\r\n` and a lone `\r` each end a
/// line.
struct LineIndex<R> {
    inner: R,
    offset: u64,
    line: u64,
    at_line_start: bool,
    prev_cr: bool,
    starts: VecDeque<(u64, u64)>,
}

impl<R: Read> LineIndex<R> {
    fn new(inner: R) -> Self {
        LineIndex {
            inner,
            offset: 0,
            line: 1,
            at_line_start: true,
            prev_cr: false,
            starts: VecDeque::new(),
        }
    }

    /// Line of the record whose parse started at byte `start` (the first line start at or
    /// after it: a record begins after skipped terminators and blank lines).
    #[inline]
    fn line_of(&mut self, start: u64) -> Option<u64> {
        while self.starts.front().is_some_and(|&(o, _)| o < start) {
            self.starts.pop_front();
        }
        self.starts.front().map(|&(_, l)| l)
    }
}

impl<R> LineIndex<R> {
    fn scan(&mut self, buf: &[u8]) {
        let mut i = 0;
        while i < buf.len() {
            if self.at_line_start {
                match buf[i] {
                    b'\n' => {
                        if !self.prev_cr {
                            self.line += 1;
                        }
                        self.prev_cr = false;
                    }
                    b'\r' => {
                        self.line += 1;
                        self.prev_cr = true;
                    }
                    _ => {
                        self.prev_cr = false;
                        self.at_line_start = false;
                        self.starts.push_back((self.offset + i as u64, self.line));
                    }
                }
                i += 1;
            } else {
                match find_line_end(&buf[i..]) {
                    Some(k) => {
                        i += k;
                        self.at_line_start = true;
                    }
                    None => i = buf.len(),
                }
            }
        }
        self.offset += buf.len() as u64;
    }
}

/// Position of the first `\n` or `\r`, eight bytes at a time.
#[inline]
fn find_line_end(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI != 0;
    let mut chunks = b.chunks_exact(8);
    let mut start = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        if has_zero(w ^ (LO * u64::from(b'\n'))) || has_zero(w ^ (LO * u64::from(b'\r'))) {
            break;
        }
        start += 8;
    }
    b[start..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map(|k| start + k)
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        Ok(n)
    }
}

fn csv_error(e: csv::Error) -> Error {
    let location = e.position().map(|p| Location::Line {
        line: p.line(),
        record: p.record(),
    });
    let msg = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        _ => Error::invalid_value(
            location.unwrap_or(Location::Line { line: 0, record: 0 }),
            "(record)",
            "",
            msg,
        ),
    }
}

/// Reads records of type `T` from CSV (comma-separated, `"`-quoted, header row first).
///
/// Blank lines are skipped. A row shorter than the header reports its missing fields; extra
/// trailing fields are ignored when empty and an error otherwise.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::MissingColumn`], [`Error::DuplicateColumn`],
/// [`Error::InvalidValue`] (strict mode), [`Error::Io`].
pub fn read_csv<T: FromRow, R: Read>(reader: R, options: &IngestOptions) -> Result<Ingested<T>> {
    read_csv_with(reader, options, &mut NoHook)
}

/// [`read_csv`] with lenient-mode hooks.
pub(crate) fn read_csv_with<T: FromRow, R: Read, H: Hook<T>>(
    reader: R,
    options: &IngestOptions,
    hook: &mut H,
) -> Result<Ingested<T>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(LineIndex::new(reader));
    let mut rec = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut rec).map_err(csv_error)? {
        if options.allow_empty {
            return Ok(Ingested::empty());
        }
        return Err(Error::empty(format!(
            "the input is empty: no header row ({})",
            T::WHAT
        )));
    }
    let headers: Vec<String> = rec
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let map = HeaderMap::resolve(&headers, T::COLUMNS)?;
    let width = headers.len();
    let mut out = Collector::<T>::new(options);
    let mut record = 0u64;
    while rdr.read_byte_record(&mut rec).map_err(csv_error)? {
        record += 1;
        let line = rec
            .position()
            .and_then(|p| rdr.get_mut().line_of(p.byte()))
            .unwrap_or(record + 1);
        let row = Row {
            cells: Cells::Csv(&rec),
            map: &map,
            specs: T::COLUMNS,
            pos: Pos::Line { line, record },
        };
        if rec.len() > width {
            if let Some((k, extra)) = rec
                .iter()
                .enumerate()
                .skip(width)
                .find(|(_, f)| !trim_bytes(f).is_empty())
            {
                let e = Error::invalid_value(
                    Location::Line { line, record },
                    format!("(field {})", k + 1),
                    String::from_utf8_lossy(extra),
                    format!("the row has {} fields, the header has {width}", rec.len()),
                );
                out.take(&row, Err(e), hook)?;
                continue;
            }
        }
        out.take(&row, T::from_row(&row), hook)?;
    }
    out.finish("CSV")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], chunk: usize) -> Vec<(u64, u64)> {
        let mut li = LineIndex::new(std::io::empty());
        for c in input.chunks(chunk) {
            li.scan(c);
        }
        li.starts.into_iter().collect()
    }

    #[test]
    fn line_index_handles_every_ending_and_chunking() {
        let text = b"header\na\r\n\r\nb\rc\n\nlong line without end 0123456789";
        let want = vec![(0, 1), (7, 2), (12, 4), (14, 5), (17, 7)];
        for chunk in [1, 3, 7, 8, 64] {
            assert_eq!(lines(text, chunk), want, "chunk {chunk}");
        }
        assert_eq!(find_line_end(b"0123456789abcdef\r"), Some(16));
        assert_eq!(find_line_end(b"0123456789abcdef"), None);
    }
}
