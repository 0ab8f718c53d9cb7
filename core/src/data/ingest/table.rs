//! In-memory tables: the columns of a DataFrame or a JavaScript array of records, read by the
//! same machinery as CSV and workbooks.

use chrono::NaiveDate;

use super::columns::{normalize_header, HeaderMap};
use super::row::{Cell, Cells, FromRow, Pos, Row};
use super::{Collector, Hook, IngestOptions, Ingested, NoHook};
use crate::error::{Error, Location, Result};

/// One typed column of a [`Table`].
///
/// Missing values: `NaN` in a [`Column::Float`] column (the pandas convention) and `None` in
/// a text or date column. A missing value in a required field is an
/// [`Error::InvalidValue`] (`missing value`); in an optional one (an upcoming appointment's
/// `amount`) it means "unknown". Infinities are never missing: they are rejected as
/// non-finite.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Floating-point numbers; `NaN` is missing.
    Float(Vec<f64>),
    /// Integers.
    Int(Vec<i64>),
    /// Booleans (flags).
    Bool(Vec<bool>),
    /// Text, parsed like a CSV field (numbers, `Y`/`N` flags, `YYYY-MM-DD` or `DD/MM/YYYY`
    /// dates); `None` is missing.
    Text(Vec<Option<String>>),
    /// Calendar dates; `None` is missing.
    Date(Vec<Option<NaiveDate>>),
}

impl Column {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Column::Float(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Text(v) => v.len(),
            Column::Date(v) => v.len(),
        }
    }

    /// True when the column has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            Column::Float(v) => match v.get(row) {
                Some(f) if f.is_nan() => Cell::Empty,
                Some(f) => Cell::Float(*f),
                None => Cell::Empty,
            },
            Column::Int(v) => v.get(row).map_or(Cell::Empty, |i| Cell::Int(*i)),
            Column::Bool(v) => v.get(row).map_or(Cell::Empty, |b| Cell::Bool(*b)),
            Column::Text(v) => match v.get(row) {
                Some(Some(s)) => Cell::Text(s),
                _ => Cell::Empty,
            },
            Column::Date(v) => match v.get(row) {
                Some(Some(d)) => Cell::Day(*d),
                _ => Cell::Empty,
            },
        }
    }
}

/// Named, equally long, typed columns: a DataFrame as the bindings hand it to the core.
///
/// Column names are resolved exactly as CSV headers are (aliases, case and spacing), every
/// value goes through the same typed getters, and errors name the row as
/// [`Location::Row`](crate::Location::Row) (0-based position in the table, like pandas
/// `iloc`), the canonical column and the value.
///
/// ```
/// use optocom_core::data::ingest::{Column, IngestOptions, Table};
/// use optocom_core::data::{Appointment, Doctor};
///
/// let mut t = Table::new();
/// t.push("Doctor ID", Column::Int(vec![1, 2]))?;
/// t.push("specialty", Column::Text(vec![Some("Cardiology".into()), Some("Oncology".into())]))?;
/// t.push("province", Column::Text(vec![Some("Ontario".into()), Some("Quebec".into())]))?;
/// t.push("tenure_years", Column::Float(vec![12.0, 3.5]))?;
/// t.push("baseline_rx", Column::Float(vec![40.0, f64::NAN]))?;
/// let err = t.read::<Doctor>(&IngestOptions::strict()).unwrap_err();
/// assert_eq!(err.to_string(), "row 1, column `baseline_rx`: invalid value \"\": missing value");
///
/// let lenient = t.read::<Doctor>(&IngestOptions::lenient())?;
/// assert_eq!((lenient.rows.len(), lenient.rejected.len()), (1, 1));
/// # Ok::<(), optocom_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
    /// `(column, row) -> (shown, reason)` of the cells a host could not hand over
    /// ([`RecordValue::Unreadable`](super::RecordValue::Unreadable)).
    unreadable: std::collections::HashMap<(usize, usize), (String, String)>,
    /// `row -> shown` of the elements of a host's array that were not records
    /// ([`Record::NotAnObject`](super::Record::NotAnObject)): every read refuses such a row
    /// at column `(record)`.
    not_records: std::collections::BTreeMap<usize, String>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Table::default()
    }

    /// Appends a column.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when its length differs from the columns already present.
    pub fn push(&mut self, name: impl Into<String>, column: Column) -> Result<()> {
        let name = name.into();
        if let Some(first) = self.columns.first() {
            if first.len() != column.len() {
                return Err(Error::shape(
                    format!("the length of column `{name}` (table rows)"),
                    first.len(),
                    column.len(),
                ));
            }
        }
        self.names.push(name);
        self.columns.push(column);
        Ok(())
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether one of the table's columns reads as `T`'s column `column`: under its name or
    /// an alias, compared as every read compares headers, whatever its values (appointments
    /// with a `Sales` column have an `amount` column even when every cell is empty). False
    /// for a name `T` does not have.
    ///
    /// ```
    /// use optocom_core::data::ingest::{Column, Table};
    /// use optocom_core::data::Appointment;
    /// let mut t = Table::new();
    /// t.push(" Sales ", Column::Float(vec![f64::NAN]))?;
    /// assert!(t.has_column::<Appointment>("amount"));
    /// assert!(!t.has_column::<Appointment>("age"));
    /// # Ok::<(), optocom_core::Error>(())
    /// ```
    pub fn has_column<T: FromRow>(&self, column: &str) -> bool {
        T::COLUMNS
            .iter()
            .find(|spec| spec.name == column)
            .is_some_and(|spec| {
                self.names
                    .iter()
                    .any(|h| spec.matches(&normalize_header(h)))
            })
    }

    /// Number of rows (0 for a table without columns).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.columns.len()
    }

    /// Marks the cell at `column` (by position), `row` as unreadable: every getter that reads
    /// it refuses it with `reason`, showing `shown`.
    pub(crate) fn mark_unreadable(&mut self, column: usize, row: usize, shown: &str, reason: &str) {
        self.unreadable
            .insert((column, row), (shown.to_string(), reason.to_string()));
    }

    pub(crate) fn mark_not_a_record(&mut self, row: usize, shown: &str) {
        self.not_records.insert(row, shown.to_string());
    }

    /// The error of a row that is not a record, if `row` is one.
    fn not_a_record(&self, row: usize) -> Option<Error> {
        if self.not_records.is_empty() {
            return None;
        }
        self.not_records.get(&row).map(|shown| {
            Error::invalid_value(
                Location::Row { row },
                "(record)",
                shown.clone(),
                super::records::NOT_A_RECORD_REASON,
            )
        })
    }

    pub(crate) fn cell(&self, column: usize, row: usize) -> Cell<'_> {
        if !self.unreadable.is_empty() {
            if let Some((shown, reason)) = self.unreadable.get(&(column, row)) {
                return Cell::Unreadable { shown, reason };
            }
        }
        self.columns
            .get(column)
            .map_or(Cell::Empty, |c| c.cell(row))
    }

    /// Reads records of type `T` (see [`read_table`]).
    ///
    /// # Errors
    /// As [`read_table`].
    pub fn read<T: FromRow>(&self, options: &IngestOptions) -> Result<Ingested<T>> {
        read_table(self, options)
    }
}

/// Reads records of type `T` from an in-memory [`Table`], with the column aliases, checks,
/// modes and error reporting of [`read_csv`](super::read_csv).
///
/// # Errors
/// [`Error::EmptyInput`] (no columns, no rows, or every row rejected),
/// [`Error::MissingColumn`], [`Error::DuplicateColumn`], [`Error::InvalidValue`] (strict
/// mode).
pub fn read_table<T: FromRow>(table: &Table, options: &IngestOptions) -> Result<Ingested<T>> {
    read_table_with(table, options, &mut NoHook)
}

/// [`read_table`] with lenient-mode hooks.
pub(crate) fn read_table_with<T: FromRow, H: Hook<T>>(
    table: &Table,
    options: &IngestOptions,
    hook: &mut H,
) -> Result<Ingested<T>> {
    if table.n_columns() == 0 {
        if let Some(e) = table
            .not_records
            .keys()
            .next()
            .and_then(|&r| table.not_a_record(r))
        {
            return Err(e); // no element of the array was a record
        }
        if options.allow_empty && table.n_rows() == 0 {
            return Ok(Ingested::empty());
        }
        return Err(Error::empty(format!(
            "the table has no columns ({})",
            T::WHAT
        )));
    }
    let map = HeaderMap::resolve(&table.names, T::COLUMNS)?;
    let mut out = Collector::<T>::new(options);
    for row in 0..table.n_rows() {
        let r = Row {
            cells: Cells::Table { table, row },
            map: &map,
            specs: T::COLUMNS,
            pos: Pos::Row { row },
        };
        let record = match table.not_a_record(row) {
            Some(e) => Err(e),
            None => T::from_row(&r),
        };
        out.take(&r, record, hook)?;
    }
    out.finish("table")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Appointment, Campaign};
    use crate::Location;

    fn appointments() -> Table {
        let mut t = Table::new();
        t.push(
            "patient_id",
            Column::Text(vec![Some("P1".into()), Some("P2".into())]),
        )
        .unwrap();
        t.push(
            "Date",
            Column::Date(vec![NaiveDate::from_ymd_opt(2024, 3, 5), None]),
        )
        .unwrap();
        t.push("age", Column::Int(vec![40, 70])).unwrap();
        t.push("days_since_last_purchase", Column::Float(vec![700.0, 10.0]))
            .unwrap();
        for name in ["employed", "benefits", "driver", "vdu_user", "varifocal"] {
            t.push(name, Column::Bool(vec![true, false])).unwrap();
        }
        t.push(
            "high_rx",
            Column::Text(vec![Some("Y".into()), Some("no".into())]),
        )
        .unwrap();
        t.push("amount", Column::Float(vec![120.5, f64::NAN]))
            .unwrap();
        t
    }

    #[test]
    fn typed_columns_become_records_and_nan_is_missing() {
        let got = appointments()
            .read::<Appointment>(&IngestOptions::lenient())
            .unwrap();
        assert_eq!(got.rows.len(), 1);
        let a = &got.rows[0];
        assert_eq!(a.patient_id, "P1");
        assert_eq!(
            a.appointment_date,
            NaiveDate::from_ymd_opt(2024, 3, 5).unwrap()
        );
        assert_eq!((a.age, a.amount), (40.0, Some(120.5)));
        assert!(a.employed && a.high_prescription);
        let r = &got.rejected[0];
        assert_eq!(r.location, Location::Row { row: 1 });
        assert_eq!(r.column, "appointment_date");
        assert_eq!(r.reason, "missing value");
    }

    #[test]
    fn strict_errors_name_row_column_and_value() {
        let mut t = appointments();
        t.columns[1] = Column::Date(vec![NaiveDate::from_ymd_opt(2024, 3, 5); 2]);
        t.columns[3] = Column::Float(vec![700.0, f64::INFINITY]);
        let e = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
        assert_eq!(e.code(), "invalid_value");
        assert_eq!(
            e.to_string(),
            "row 1, column `days_since_last_purchase`: invalid value \"inf\": must be finite (NaN and infinity are not allowed)"
        );
        t.columns[3] = Column::Float(vec![700.0, 1.0]);
        t.columns[4] = Column::Int(vec![1, 2]);
        let e = t.read::<Appointment>(&IngestOptions::strict()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("row 1, column `employed`: invalid value \"2\""),
            "{e}"
        );
    }

    #[test]
    fn text_dates_ids_and_shape_checks() {
        let mut t = Table::new();
        t.push("campaign_id", Column::Float(vec![3.0])).unwrap();
        t.push("name", Column::Text(vec![Some("Launch".into())]))
            .unwrap();
        t.push("product", Column::Text(vec![Some("Cardiozen".into())]))
            .unwrap();
        t.push("start_date", Column::Text(vec![Some("01/02/2024".into())]))
            .unwrap();
        t.push("end_date", Column::Text(vec![Some("2024-04-30".into())]))
            .unwrap();
        let c = t.read::<Campaign>(&IngestOptions::strict()).unwrap().rows;
        assert_eq!(c[0].campaign_id, 3);
        assert_eq!(
            c[0].start_date,
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()
        );
        let e = t.push("extra", Column::Int(vec![1, 2])).unwrap_err();
        assert_eq!(e.code(), "shape_mismatch");
        let e = Table::new()
            .read::<Campaign>(&IngestOptions::strict())
            .unwrap_err();
        assert_eq!(e.code(), "empty_input");
        let mut no_rows = Table::new();
        no_rows.push("campaign_id", Column::Int(vec![])).unwrap();
        let e = no_rows
            .read::<Campaign>(&IngestOptions::strict())
            .unwrap_err();
        assert_eq!(e.code(), "missing_column");
    }
}
