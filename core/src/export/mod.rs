//! Streaming CSV export with formula-injection guarding.
//!
//! [`export_csv`] writes any iterator of [`CsvRow`] values row by row: memory stays bounded
//! however many rows there are (one reusable record buffer plus the CSV writer's fixed-size
//! buffer), so a lazy iterator of millions of rows can be streamed to a file or an HTTP body.
//!
//! ## Cells: text versus numbers
//!
//! A row writes its cells through a [`RowSink`], choosing the cell type:
//!
//! * **numbers** ([`RowSink::float`], [`RowSink::int`], [`RowSink::uint`], [`RowSink::bool`])
//!   are written unquoted and never altered, so `-3.5` stays the number `-3.5` in a
//!   spreadsheet. A NaN float is written as an empty cell (a missing value); infinities as
//!   `inf` / `-inf`. Floats use Rust's shortest round-trip formatting.
//! * **text** ([`RowSink::text`]) goes through the formula-injection guard, then is quoted
//!   by the CSV rules (a cell containing the delimiter, a quote, CR or LF is wrapped in double
//!   quotes and its quotes doubled).
//!
//! ## Formula-injection guard
//!
//! Following the OWASP "CSV Injection" recommendation, a text cell that starts with `=`, `+`,
//! `-`, `@`, a tab (`0x09`) or a carriage return (`0x0D`) is prefixed with a single quote
//! `'`, so spreadsheet applications show it as text instead of evaluating it (`=HYPERLINK(..)`
//! becomes `'=HYPERLINK(..)`, `-2+3+cmd|' /C calc'!A0` becomes `'-2+3+cmd|...`).
//!
//! One exception keeps numeric-looking text usable: a text cell that is entirely a plain
//! decimal number (optional sign, digits, optional fraction, optional exponent, e.g. `-3.5`,
//! `+12`, `-1e-3`) cannot be a formula and is left untouched. The guard is on by default
//! and can be turned off with [`ExportOptions::formula_guard`] for machine-to-machine exports.
//!
//! ```
//! use optocom_core::export::{export_csv, CsvRow, ExportOptions, RowSink};
//!
//! struct Line { name: String, delta: f64 }
//! impl CsvRow for Line {
//!     fn header() -> Vec<&'static str> { vec!["name", "delta"] }
//!     fn write_fields(&self, out: &mut RowSink) {
//!         out.text(&self.name);
//!         out.float(self.delta);
//!     }
//! }
//!
//! let rows = vec![
//!     Line { name: "=1+1".into(), delta: -3.5 },
//!     Line { name: "Smith, J.".into(), delta: 2.0 },
//! ];
//! let mut buf = Vec::new();
//! let summary = export_csv(rows, &mut buf, &ExportOptions::default(), None).unwrap();
//! assert_eq!(summary.rows, 2);
//! assert_eq!(
//!     String::from_utf8(buf).unwrap(),
//!     "name,delta\n'=1+1,-3.5\n\"Smith, J.\",2\n"
//! );
//! ```

mod rows;

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A flat record that can be written as one CSV row.
pub trait CsvRow {
    /// Column names, in the order [`CsvRow::write_fields`] writes the cells.
    fn header() -> Vec<&'static str>;
    /// Writes this row's cells, one call per column, in header order.
    fn write_fields(&self, out: &mut RowSink);
}

/// Receives the cells of one row; see the [module docs](self) for how text and numbers
/// are treated.
pub struct RowSink {
    record: csv::ByteRecord,
    scratch: String,
    guard: bool,
    guarded_cells: u64,
}

impl RowSink {
    fn new(guard: bool) -> Self {
        RowSink {
            record: csv::ByteRecord::new(),
            scratch: String::new(),
            guard,
            guarded_cells: 0,
        }
    }

    /// A text cell, neutralised by the formula-injection guard when it is on.
    pub fn text(&mut self, s: &str) {
        if self.guard && needs_guard(s) {
            self.scratch.clear();
            self.scratch.push('\'');
            self.scratch.push_str(s);
            self.record.push_field(self.scratch.as_bytes());
            self.guarded_cells += 1;
        } else {
            self.record.push_field(s.as_bytes());
        }
    }

    /// An optional text cell; `None` is an empty cell.
    pub fn opt_text(&mut self, s: Option<&str>) {
        self.text(s.unwrap_or(""));
    }

    /// A floating-point number, unquoted and unguarded (NaN -> empty cell).
    pub fn float(&mut self, v: f64) {
        use std::fmt::Write as _;
        self.scratch.clear();
        if v.is_infinite() {
            self.scratch.push_str(if v > 0.0 { "inf" } else { "-inf" });
        } else if !v.is_nan() {
            // Infallible: writing to a String.
            let _ = write!(self.scratch, "{v}");
        }
        self.record.push_field(self.scratch.as_bytes());
    }

    /// An optional float; `None` is an empty cell.
    pub fn opt_float(&mut self, v: Option<f64>) {
        self.float(v.unwrap_or(f64::NAN));
    }

    /// A signed integer.
    pub fn int(&mut self, v: i64) {
        self.push_display(v);
    }

    /// An unsigned integer.
    pub fn uint(&mut self, v: u64) {
        self.push_display(v);
    }

    /// A boolean, written `true` / `false`.
    pub fn bool(&mut self, v: bool) {
        self.record
            .push_field(if v { b"true" as &[u8] } else { b"false" });
    }

    fn push_display(&mut self, v: impl std::fmt::Display) {
        use std::fmt::Write as _;
        self.scratch.clear();
        let _ = write!(self.scratch, "{v}");
        self.record.push_field(self.scratch.as_bytes());
    }
}

/// True when a text cell would be interpreted as a formula by a spreadsheet.
fn needs_guard(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !is_plain_number(s),
        _ => false,
    }
}

/// `[+-]?digits[.digits][(e|E)[+-]?digits]`, or `[+-]?.digits...`: at least one digit.
fn is_plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - f;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// Options of [`export_csv`]. Builder-style setters; [`ExportOptions::check`] validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportOptions {
    /// Field delimiter, an ASCII byte other than `"`, CR and LF. Default `,`.
    pub delimiter: u8,
    /// Write the header row first. Default true.
    pub include_header: bool,
    /// Neutralise formula-like text cells (see the [module docs](self)). Default true.
    pub formula_guard: bool,
    /// Call the progress callback every this many rows (>= 1). Default 10 000.
    pub progress_every: u64,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            delimiter: b',',
            include_header: true,
            formula_guard: true,
            progress_every: 10_000,
        }
    }
}

impl ExportOptions {
    /// Sets the delimiter.
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self
    }
    /// Writes or omits the header row.
    pub fn include_header(mut self, on: bool) -> Self {
        self.include_header = on;
        self
    }
    /// Turns the formula-injection guard on or off.
    pub fn formula_guard(mut self, on: bool) -> Self {
        self.formula_guard = on;
        self
    }
    /// Sets the progress interval in rows.
    pub fn progress_every(mut self, n: u64) -> Self {
        self.progress_every = n;
        self
    }

    /// Validates the options.
    pub fn check(&self) -> Result<()> {
        if !self.delimiter.is_ascii() || matches!(self.delimiter, b'"' | b'\r' | b'\n') {
            return Err(Error::invalid_param(
                "delimiter",
                format!("{:?}", self.delimiter as char),
                "must be an ASCII byte other than a double quote, CR or LF",
            ));
        }
        if self.progress_every == 0 {
            return Err(Error::invalid_param(
                "progress_every",
                0,
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

/// Progress of a running export, passed to the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Data rows written so far (header excluded).
    pub rows_written: u64,
    /// Bytes handed to the writer so far (header included); the writer has been flushed.
    pub bytes_written: u64,
}

/// What the progress callback asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Keep going.
    Continue,
    /// Stop: [`export_csv`] flushes the rows written so far and returns
    /// [`Error::Cancelled`].
    Cancel,
}

/// What a finished export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Data rows written (header excluded).
    pub rows: u64,
    /// Bytes written, header included.
    pub bytes: u64,
    /// Text cells the formula-injection guard prefixed with `'`.
    pub guarded_cells: u64,
}

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn csv_err(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        other => Error::Io(std::io::Error::other(format!("CSV writer: {other:?}"))),
    }
}

/// Streams `rows` to `writer` as CSV, one row at a time.
///
/// * Memory is bounded: rows are pulled from the iterator one by one and never collected.
/// * `progress`, when given, is called after every [`ExportOptions::progress_every`] rows
///   (so `rows / progress_every` times, rounded down), after flushing the writer. Returning
///   [`Control::Cancel`] stops the export: everything up to and including the last complete
///   row is flushed, and [`Error::Cancelled`] is returned.
/// * The writer is flushed at the end; an I/O error at any point is [`Error::Io`].
/// * A row that writes a different number of cells than [`CsvRow::header`] has columns is
///   [`Error::ShapeMismatch`] (a bug in the `CsvRow` impl); nothing of that row is written.
///
/// `writer` needs no `BufWriter`: the CSV writer buffers internally.
pub fn export_csv<T, I, W>(
    rows: I,
    writer: W,
    options: &ExportOptions,
    mut progress: Option<&mut dyn FnMut(Progress) -> Control>,
) -> Result<ExportSummary>
where
    T: CsvRow,
    I: IntoIterator<Item = T>,
    W: Write,
{
    options.check()?;
    let header = T::header();
    let mut w = csv::WriterBuilder::new()
        .delimiter(options.delimiter)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Counting {
            inner: writer,
            bytes: 0,
        });
    if options.include_header {
        w.write_record(&header).map_err(csv_err)?;
    }
    let mut sink = RowSink::new(options.formula_guard);
    let mut n: u64 = 0;
    for row in rows {
        sink.record.clear();
        row.write_fields(&mut sink);
        if sink.record.len() != header.len() {
            w.flush()?;
            return Err(Error::shape(
                format!("cells of row {n}"),
                header.len(),
                sink.record.len(),
            ));
        }
        w.write_byte_record(&sink.record).map_err(csv_err)?;
        n += 1;
        if n % options.progress_every == 0 {
            if let Some(cb) = progress.as_mut() {
                w.flush()?;
                let p = Progress {
                    rows_written: n,
                    bytes_written: w.get_ref().bytes,
                };
                if cb(p) == Control::Cancel {
                    return Err(Error::Cancelled);
                }
            }
        }
    }
    w.flush()?;
    Ok(ExportSummary {
        rows: n,
        bytes: w.get_ref().bytes,
        guarded_cells: sink.guarded_cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers() {
        for s in ["-3.5", "+12", "-1e-3", "-.5", "+4.", "-1E+10"] {
            assert!(is_plain_number(s), "{s}");
        }
        for s in [
            "-",
            "+",
            "-e5",
            "-1e",
            "-1+2",
            "-3.5 ",
            "-cmd|' /C calc'!A0",
            "-.",
            "--1",
        ] {
            assert!(!is_plain_number(s), "{s}");
        }
    }

    #[test]
    fn bad_options_are_typed() {
        let o = ExportOptions::default().progress_every(0);
        assert_eq!(o.check().unwrap_err().code(), "invalid_parameter");
        let o = ExportOptions::default().delimiter(b'"');
        assert_eq!(o.check().unwrap_err().code(), "invalid_parameter");
    }
}
