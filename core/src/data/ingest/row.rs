//! One input row, seen through its [`HeaderMap`], with typed, positioned field getters.

use chrono::NaiveDate;

use super::columns::{ColumnSpec, HeaderMap};
use super::field::{
    excel_serial_to_date, in_date_range, parse_date, parse_f64, parse_flag, parse_u64, trim_bytes,
    DATE_RANGE_REASON, DATE_REASON, FINITE_REASON, FLAG_REASON, ID_REASON, MAX_ID, NUMBER_REASON,
};
use crate::error::{Error, Location, Result};

/// A record type that can be read by the ingest machinery from CSV or a workbook sheet.
///
/// Implementations list their columns once and build a record from a [`Row`] with its typed
/// getters, which produce positioned [`Error::InvalidValue`]s. The getters take the index of
/// the column in [`FromRow::COLUMNS`].
///
/// ```
/// use optocom_core::data::ingest::{read_csv, ColumnSpec, FromRow, IngestOptions, Row};
/// use optocom_core::Result;
///
/// struct Score { id: u64, score: f64 }
///
/// impl FromRow for Score {
///     const WHAT: &'static str = "scores";
///     const COLUMNS: &'static [ColumnSpec] = &[
///         ColumnSpec::required("id", &["score_id"]),
///         ColumnSpec::required("score", &["points"]),
///     ];
///     fn from_row(row: &Row<'_>) -> Result<Self> {
///         Ok(Score { id: row.id(0)?, score: row.number(1, 0.0, 10.0)? })
///     }
/// }
///
/// let got = read_csv::<Score, _>("Score ID,Points\n7,9.5\n".as_bytes(), &IngestOptions::default())?;
/// assert_eq!((got.rows[0].id, got.rows[0].score), (7, 9.5));
/// # Ok::<(), optocom_core::Error>(())
/// ```
pub trait FromRow: Sized {
    /// What the rows are, plural, for messages (`"appointments"`).
    const WHAT: &'static str;
    /// The table's name in a [`Rejection`](super::Rejection) (`"doctors"`, `"rx"`); by
    /// default [`FromRow::WHAT`].
    const TABLE: &'static str = Self::WHAT;
    /// The columns, in the order the getters index them.
    const COLUMNS: &'static [ColumnSpec];
    /// Builds one record; the first bad value is the error.
    fn from_row(row: &Row<'_>) -> Result<Self>;

    /// Checks a record built by [`FromRow::from_row`] against the read's options (an
    /// appointment without `amount` under [`IngestOptions::require_amount`](super::IngestOptions::require_amount));
    /// an error made with [`Row::invalid`] makes it a bad row like any other. By default
    /// every record passes.
    #[inline]
    fn check_options(&self, _row: &Row<'_>, _options: &super::IngestOptions) -> Result<()> {
        Ok(())
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Cells<'a> {
    Csv(&'a csv::ByteRecord),
    #[cfg(feature = "xlsx")]
    Sheet(&'a [calamine::Data]),
    Table {
        table: &'a super::table::Table,
        row: usize,
    },
}

#[derive(Clone, Copy)]
pub(crate) enum Pos<'a> {
    Line {
        line: u64,
        record: u64,
    },
    #[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
    Sheet {
        sheet: &'a str,
        row: usize,
    },
    Row {
        row: usize,
    },
}

/// A cell as found, before conversion. Only workbooks produce the typed variants.
#[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
pub(crate) enum Cell<'a> {
    Empty,
    Bytes(&'a [u8]),
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date {
        serial: f64,
        is_1904: bool,
    },
    Day(NaiveDate),
    Error(String),
    /// A value the host could not hand over (see `RecordValue::Unreadable`).
    Unreadable {
        shown: &'a str,
        reason: &'a str,
    },
}

impl Cell<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Bytes(b) => trim_bytes(b).is_empty(),
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as text for messages (lossy for non-UTF-8 bytes).
    fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            Cell::Text(s) => (*s).to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Day(d) => d.to_string(),
            Cell::Date { serial, is_1904 } => match excel_serial_to_date(*serial, *is_1904) {
                Some(d) => d.to_string(),
                None => format!("date serial {serial}"),
            },
            Cell::Error(e) => e.clone(),
            Cell::Unreadable { shown, .. } => (*shown).to_string(),
        }
    }
}

/// One data row of a CSV file or workbook sheet, with its position.
///
/// Getters take the column's index in the record type's [`FromRow::COLUMNS`] and return an
/// [`Error::InvalidValue`] naming the row, the canonical column name, the value and the
/// reason.
pub struct Row<'a> {
    pub(crate) cells: Cells<'a>,
    pub(crate) map: &'a HeaderMap,
    pub(crate) specs: &'static [ColumnSpec],
    pub(crate) pos: Pos<'a>,
}

impl<'a> Row<'a> {
    /// Where this row is.
    pub fn location(&self) -> Location {
        match self.pos {
            Pos::Line { line, record } => Location::Line { line, record },
            Pos::Sheet { sheet, row } => Location::Sheet {
                sheet: sheet.to_string(),
                row,
            },
            Pos::Row { row } => Location::Row { row },
        }
    }

    /// An [`Error::InvalidValue`] at this row for column `col`, for checks that span fields.
    pub fn invalid(
        &self,
        col: usize,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        let column = self.specs.get(col).map_or("?", |s| s.name);
        Error::invalid_value(self.location(), column, value, reason)
    }

    fn n_cells(&self) -> usize {
        match self.cells {
            Cells::Csv(r) => r.len(),
            #[cfg(feature = "xlsx")]
            Cells::Sheet(r) => r.len(),
            Cells::Table { table, .. } => table.n_columns(),
        }
    }

    /// The CSV field of column `col`, when reading CSV and the field is present: the fast
    /// path of every getter, which falls back to the general (cold) path otherwise or on a
    /// parse failure.
    #[inline(always)]
    fn csv_field(&self, col: usize) -> Option<&'a [u8]> {
        match self.cells {
            Cells::Csv(r) => r.get(self.map.index(col)?),
            #[cfg(feature = "xlsx")]
            Cells::Sheet(_) => None,
            Cells::Table { .. } => None,
        }
    }

    /// The raw cell of column `col`; `None` when the column is absent from the header.
    #[inline]
    fn cell(&self, col: usize) -> Option<Cell<'a>> {
        let i = self.map.index(col)?;
        Some(match self.cells {
            Cells::Csv(r) => match r.get(i) {
                Some(b) => Cell::Bytes(b),
                None => Cell::Empty,
            },
            #[cfg(feature = "xlsx")]
            Cells::Sheet(r) => match r.get(i) {
                None | Some(calamine::Data::Empty) => Cell::Empty,
                Some(calamine::Data::String(s)) => Cell::Text(s),
                Some(calamine::Data::DateTimeIso(s)) => Cell::Text(s),
                Some(calamine::Data::DurationIso(s)) => Cell::Text(s),
                Some(calamine::Data::Int(v)) => Cell::Int(*v),
                Some(calamine::Data::Float(v)) => Cell::Float(*v),
                Some(calamine::Data::Bool(v)) => Cell::Bool(*v),
                Some(calamine::Data::DateTime(d)) => Cell::Date {
                    serial: d.as_f64(),
                    // calamine exposes the workbook's date system only behind its `dates`
                    // feature, which would pull chrono's default features (and wasm-bindgen)
                    // into the core; its Debug output carries the flag.
                    is_1904: format!("{d:?}").contains("is_1904: true"),
                },
                Some(calamine::Data::Error(e)) => Cell::Error(e.to_string()),
            },
            Cells::Table { table, row } => table.cell(i, row),
        })
    }

    /// The error for a required cell that is absent or blank. A cell of only whitespace is
    /// blank too (as everywhere), but the error shows it as found, so that a caller can tell
    /// it from an empty one.
    fn missing(&self, col: usize) -> Error {
        let have = self.n_cells();
        let want = self.map.headers().len();
        let shown = self.cell(col).map(|c| c.display()).unwrap_or_default();
        let reason = if have < want {
            format!("missing value (the row has {have} fields, the header has {want})")
        } else if !shown.is_empty() {
            "missing value (only whitespace)".to_string()
        } else {
            "missing value".to_string()
        };
        self.invalid(col, shown, reason)
    }

    fn required(&self, col: usize) -> Result<Cell<'a>> {
        match self.cell(col) {
            Some(Cell::Unreadable { shown, reason }) => Err(self.invalid(col, shown, reason)),
            Some(c) if !c.is_empty() => Ok(c),
            _ => Err(self.missing(col)),
        }
    }

    /// True when column `col` is absent or its cell is empty.
    pub fn is_blank(&self, col: usize) -> bool {
        self.cell(col).is_none_or(|c| c.is_empty())
    }

    /// Non-empty text, trimmed. Numbers in workbook cells are accepted and written without a
    /// trailing `.0` when whole (ids typed as numbers).
    #[inline]
    pub fn text(&self, col: usize) -> Result<String> {
        if let Some(b) = self.csv_field(col) {
            let b = trim_bytes(b);
            if !b.is_empty() {
                if let Ok(s) = std::str::from_utf8(b) {
                    return Ok(s.to_string());
                }
            }
        }
        self.text_slow(col)
    }

    #[cold]
    #[inline(never)]
    fn text_slow(&self, col: usize) -> Result<String> {
        match self.required(col)? {
            Cell::Bytes(b) => match std::str::from_utf8(trim_bytes(b)) {
                Ok(s) => Ok(s.to_string()),
                Err(_) => Err(self.invalid(
                    col,
                    String::from_utf8_lossy(b),
                    "not valid UTF-8 text (shown lossily)",
                )),
            },
            Cell::Text(s) => Ok(s.trim().to_string()),
            Cell::Int(i) => Ok(i.to_string()),
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(format!("{f:.0}")),
            Cell::Float(f) => Ok(f.to_string()),
            c => Err(self.invalid(col, c.display(), "expected text")),
        }
    }

    /// A Y/N flag (see [`super::parse_flag`]); workbook booleans and 0/1 numbers are accepted.
    #[inline]
    pub fn flag(&self, col: usize) -> Result<bool> {
        if let Some(v) = self.csv_field(col).and_then(parse_flag) {
            return Ok(v);
        }
        self.flag_slow(col)
    }

    #[cold]
    #[inline(never)]
    fn flag_slow(&self, col: usize) -> Result<bool> {
        let c = self.required(col)?;
        let v = match &c {
            Cell::Bytes(b) => parse_flag(b),
            Cell::Text(s) => parse_flag(s.as_bytes()),
            Cell::Bool(b) => Some(*b),
            Cell::Int(1) => Some(true),
            Cell::Int(0) => Some(false),
            Cell::Float(f) if *f == 1.0 => Some(true),
            Cell::Float(f) if *f == 0.0 => Some(false),
            _ => None,
        };
        v.ok_or_else(|| self.invalid(col, c.display(), FLAG_REASON))
    }

    fn to_number(&self, col: usize, c: &Cell<'_>) -> Result<f64> {
        let v = match c {
            Cell::Bytes(b) => parse_f64(b),
            Cell::Text(s) => parse_f64(s.as_bytes()),
            Cell::Int(i) => Ok(*i as f64),
            Cell::Float(f) if f.is_finite() => Ok(*f),
            Cell::Float(_) => Err(FINITE_REASON),
            _ => Err(NUMBER_REASON),
        };
        v.map_err(|reason| self.invalid(col, c.display(), reason))
    }

    fn check_range(&self, col: usize, c: &Cell<'_>, v: f64, min: f64, max: f64) -> Result<f64> {
        if v >= min && v <= max {
            return Ok(v);
        }
        let reason = if max == f64::INFINITY {
            format!("must be >= {min}")
        } else if min == f64::NEG_INFINITY {
            format!("must be <= {max}")
        } else {
            format!("must be between {min} and {max}")
        };
        Err(self.invalid(col, c.display(), reason))
    }

    /// A finite number in `min..=max` (use infinities for open bounds).
    #[inline]
    pub fn number(&self, col: usize, min: f64, max: f64) -> Result<f64> {
        if let Some(Ok(v)) = self.csv_field(col).map(parse_f64) {
            if v >= min && v <= max {
                return Ok(v);
            }
        }
        self.number_slow(col, min, max)
    }

    #[cold]
    #[inline(never)]
    fn number_slow(&self, col: usize, min: f64, max: f64) -> Result<f64> {
        let c = self.required(col)?;
        let v = self.to_number(col, &c)?;
        self.check_range(col, &c, v, min, max)
    }

    /// Like [`Row::number`], but an absent column or an empty cell is `None`.
    #[inline]
    pub fn opt_number(&self, col: usize, min: f64, max: f64) -> Result<Option<f64>> {
        if let Some(b) = self.csv_field(col) {
            let b = trim_bytes(b);
            if b.is_empty() {
                return Ok(None);
            }
            if let Ok(v) = parse_f64(b) {
                if v >= min && v <= max {
                    return Ok(Some(v));
                }
            }
        }
        self.opt_number_slow(col, min, max)
    }

    #[cold]
    #[inline(never)]
    fn opt_number_slow(&self, col: usize, min: f64, max: f64) -> Result<Option<f64>> {
        match self.cell(col) {
            Some(Cell::Unreadable { shown, reason }) => Err(self.invalid(col, shown, reason)),
            Some(c) if !c.is_empty() => {
                let v = self.to_number(col, &c)?;
                self.check_range(col, &c, v, min, max).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// A non-negative whole-number id; workbook numbers must be whole.
    #[inline]
    pub fn id(&self, col: usize) -> Result<u64> {
        if let Some(v) = self.csv_field(col).and_then(parse_u64) {
            if v <= MAX_ID {
                return Ok(v);
            }
        }
        self.id_slow(col)
    }

    #[cold]
    #[inline(never)]
    fn id_slow(&self, col: usize) -> Result<u64> {
        let c = self.required(col)?;
        let v = match &c {
            Cell::Bytes(b) => parse_u64(b),
            Cell::Text(s) => parse_u64(s.as_bytes()),
            Cell::Int(i) => u64::try_from(*i).ok(),
            Cell::Float(f) if *f >= 0.0 && f.fract() == 0.0 && *f <= MAX_ID as f64 => {
                Some(*f as u64)
            }
            _ => None,
        };
        v.filter(|&v| v <= MAX_ID)
            .ok_or_else(|| self.invalid(col, c.display(), ID_REASON))
    }

    /// A date (see [`super::parse_date`]); workbook date cells are accepted.
    #[inline]
    pub fn date(&self, col: usize) -> Result<NaiveDate> {
        if let Some(v) = self.csv_field(col).and_then(parse_date) {
            if in_date_range(v) {
                return Ok(v);
            }
        }
        self.date_slow(col)
    }

    #[cold]
    #[inline(never)]
    fn date_slow(&self, col: usize) -> Result<NaiveDate> {
        let c = self.required(col)?;
        let v = match &c {
            Cell::Bytes(b) => parse_date(b),
            Cell::Text(s) => parse_date(s.as_bytes()),
            Cell::Date { serial, is_1904 } => excel_serial_to_date(*serial, *is_1904),
            Cell::Day(d) => Some(*d),
            _ => None,
        };
        match v {
            Some(d) if in_date_range(d) => Ok(d),
            Some(d) => Err(self.invalid(col, d.to_string(), DATE_RANGE_REASON)),
            None => Err(self.invalid(col, c.display(), DATE_REASON)),
        }
    }
}
