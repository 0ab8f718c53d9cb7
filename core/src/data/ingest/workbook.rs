//! XLSX workbooks through calamine (feature `xlsx`).

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::{
    Cells, Collector, FromRow, HeaderMap, Hook, IngestOptions, Ingested, NoHook, Pos, Row,
};
use crate::error::{Error, Result};

/// An open XLSX workbook whose sheets are read with the same machinery as CSV files.
///
/// Sheet names are matched case-insensitively (and trimmed). The first non-empty row of a
/// sheet is its header; entirely empty rows are skipped; positions are reported as
/// `Location::Sheet { sheet, row }` with Excel's 1-based row numbers. Number, boolean and
/// date cells are accepted where the column expects them, as is their text form.
pub struct Workbook {
    xlsx: Xlsx<Cursor<Vec<u8>>>,
}

impl fmt::Debug for Workbook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workbook")
            .field("sheets", &self.sheet_names())
            .finish()
    }
}

fn workbook_error(e: impl fmt::Display) -> Error {
    Error::Workbook {
        reason: e.to_string(),
    }
}

impl Workbook {
    /// Opens an `.xlsx` file.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Workbook`] when it is not a
    /// valid XLSX workbook.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::from_bytes(std::fs::read(path).map_err(|e| Error::io_at(path, e))?)
    }

    /// Opens an XLSX workbook held in memory (an upload, a browser `ArrayBuffer`).
    ///
    /// # Errors
    /// [`Error::Workbook`] when the bytes are not a valid XLSX workbook.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        let xlsx: Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(workbook_error)?;
        Ok(Workbook { xlsx })
    }

    /// Sheet names, in workbook order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx.sheet_names()
    }

    /// The workbook's name for `sheet`, matched case-insensitively.
    ///
    /// # Errors
    /// [`Error::NotFound`] with `what = "sheet"`, listing the sheets present.
    pub fn find_sheet(&self, sheet: &str) -> Result<String> {
        let names = self.sheet_names();
        names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(sheet.trim()))
            .cloned()
            .ok_or_else(|| {
                Error::not_found(
                    "sheet",
                    format!("`{sheet}` (the workbook has: {})", names.join(", ")),
                )
            })
    }

    /// Reads the records of one sheet.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a missing sheet, [`Error::Workbook`] for an unreadable one,
    /// [`Error::EmptyInput`], [`Error::MissingColumn`], [`Error::DuplicateColumn`],
    /// [`Error::InvalidValue`] (strict mode) with `Location::Sheet`.
    pub fn read<T: FromRow>(
        &mut self,
        sheet: &str,
        options: &IngestOptions,
    ) -> Result<Ingested<T>> {
        self.read_with(sheet, options, &mut NoHook)
    }

    /// [`Workbook::read`] with lenient-mode hooks.
    pub(crate) fn read_with<T: FromRow, H: Hook<T>>(
        &mut self,
        sheet: &str,
        options: &IngestOptions,
        hook: &mut H,
    ) -> Result<Ingested<T>> {
        let name = self.find_sheet(sheet)?;
        let range = self.xlsx.worksheet_range(&name).map_err(workbook_error)?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let mut rows = range
            .rows()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty)));
        let Some((_, header)) = rows.next() else {
            if options.allow_empty {
                return Ok(Ingested::empty());
            }
            return Err(Error::empty(format!(
                "sheet `{name}` is empty: no header row ({})",
                T::WHAT
            )));
        };
        let headers: Vec<String> = header
            .iter()
            .map(|c| match c {
                Data::String(s) => s.clone(),
                Data::Empty => String::new(),
                other => other.to_string(),
            })
            .collect();
        let map = HeaderMap::resolve(&headers, T::COLUMNS)?;
        let mut out = Collector::<T>::new(options);
        for (i, cells) in rows {
            let row = Row {
                cells: Cells::Sheet(cells),
                map: &map,
                specs: T::COLUMNS,
                pos: Pos::Sheet {
                    sheet: &name,
                    row: first_row + i + 1,
                },
            };
            out.take(&row, T::from_row(&row), hook)?;
        }
        out.finish(&format!("sheet `{name}`"))
    }
}
