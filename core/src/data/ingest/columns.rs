//! Column specifications and header resolution: canonical names, aliases, case-insensitive
//! matching, missing and duplicate columns.

use crate::error::{Error, Result};

/// One column a record type reads: its canonical name, accepted aliases, and whether it must
/// be present.
///
/// Header text is compared after [`normalize_header`], so `Patient ID`, `patient-id` and
/// ` PATIENT_ID ` all match the canonical name `patient_id`. Aliases are written in the same
/// normalized form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Canonical name, as written by optocom's CSV writers and used in error messages.
    pub name: &'static str,
    /// Other accepted header names (normalized form).
    pub aliases: &'static [&'static str],
    /// A required column missing from the header is an [`Error::MissingColumn`]; an optional
    /// one is simply absent.
    pub required: bool,
}

impl ColumnSpec {
    /// A required column.
    pub const fn required(name: &'static str, aliases: &'static [&'static str]) -> Self {
        ColumnSpec {
            name,
            aliases,
            required: true,
        }
    }

    /// An optional column.
    pub const fn optional(name: &'static str, aliases: &'static [&'static str]) -> Self {
        ColumnSpec {
            name,
            aliases,
            required: false,
        }
    }

    /// True when the (already normalized) header names this column.
    pub fn matches(&self, normalized: &str) -> bool {
        self.name == normalized || self.aliases.contains(&normalized)
    }
}

/// Normalizes a header for matching: strips a UTF-8 byte order mark, trims, lowercases ASCII,
/// turns spaces, dashes and dots into underscores and collapses runs of underscores.
///
/// ```
/// use optocom_core::data::ingest::normalize_header;
/// assert_eq!(normalize_header("\u{feff} Days Since-Last  Purchase "), "days_since_last_purchase");
/// ```
pub fn normalize_header(header: &str) -> String {
    let h = header.trim_start_matches('\u{feff}').trim();
    let mut out = String::with_capacity(h.len());
    for c in h.chars() {
        let c = match c {
            ' ' | '-' | '.' | '\t' => '_',
            c => c.to_ascii_lowercase(),
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('_').to_string()
}

/// The input column position of each [`ColumnSpec`], resolved once from a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    indices: Vec<Option<usize>>,
    headers: Vec<String>,
}

impl HeaderMap {
    /// Matches `headers` against `specs`. Unknown headers are ignored (extra columns are
    /// allowed); empty headers are ignored.
    ///
    /// # Errors
    /// [`Error::DuplicateColumn`] when two headers map to one spec (directly or through an
    /// alias), then [`Error::MissingColumn`] for the first required spec that is absent.
    pub fn resolve<S: AsRef<str>>(headers: &[S], specs: &[ColumnSpec]) -> Result<Self> {
        let headers: Vec<String> = headers.iter().map(|h| h.as_ref().to_string()).collect();
        let mut indices: Vec<Option<usize>> = vec![None; specs.len()];
        for (i, h) in headers.iter().enumerate() {
            let norm = normalize_header(h);
            if norm.is_empty() {
                continue;
            }
            if let Some(j) = specs.iter().position(|s| s.matches(&norm)) {
                if let Some(first) = indices[j] {
                    return Err(Error::DuplicateColumn {
                        column: specs[j].name.to_string(),
                        first: headers[first].clone(),
                        first_index: first,
                        second: h.clone(),
                        second_index: i,
                    });
                }
                indices[j] = Some(i);
            }
        }
        if let Some(j) = (0..specs.len()).find(|&j| specs[j].required && indices[j].is_none()) {
            return Err(Error::MissingColumn {
                column: specs[j].name.to_string(),
                found: headers.iter().map(|h| h.trim().to_string()).collect(),
            });
        }
        Ok(HeaderMap { indices, headers })
    }

    /// Input position of spec `spec` (its index in the spec slice), `None` when an optional
    /// column is absent.
    #[inline]
    pub fn index(&self, spec: usize) -> Option<usize> {
        self.indices.get(spec).copied().flatten()
    }

    /// The header row as found.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec::required("patient_id", &["id", "patient"]),
        ColumnSpec::required("age", &[]),
        ColumnSpec::optional("amount", &["sales", "spend"]),
    ];

    #[test]
    fn normalizes() {
        assert_eq!(normalize_header("  Patient ID"), "patient_id");
        assert_eq!(normalize_header("VDU-User"), "vdu_user");
        assert_eq!(normalize_header("high__rx_"), "high_rx");
        assert_eq!(normalize_header(""), "");
    }

    #[test]
    fn resolves_aliases_and_ignores_extras() {
        let m = HeaderMap::resolve(&["Notes", "AGE", "Patient", "Spend"], SPECS).unwrap();
        assert_eq!(
            (m.index(0), m.index(1), m.index(2)),
            (Some(2), Some(1), Some(3))
        );
        let m = HeaderMap::resolve(&["id", "age"], SPECS).unwrap();
        assert_eq!(m.index(2), None);
    }

    #[test]
    fn duplicate_through_alias() {
        let e = HeaderMap::resolve(&["patient_id", "age", "ID"], SPECS).unwrap_err();
        assert_eq!(e.code(), "duplicate_column");
        let s = e.to_string();
        assert!(
            s.contains("`patient_id`") && s.contains("\"ID\" (position 2)"),
            "{s}"
        );
    }

    #[test]
    fn missing_required() {
        let e = HeaderMap::resolve(&["patient_id", "sales"], SPECS).unwrap_err();
        assert_eq!(e.code(), "missing_column");
        assert!(e.to_string().contains("`age`"), "{e}");
    }
}
