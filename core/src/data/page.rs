//! Pagination, as the campaign API did it: pages count from 1, `per_page` defaults to 10 and
//! is at most 500.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Default page size.
pub const DEFAULT_PER_PAGE: usize = 10;
/// Largest page size accepted.
pub const MAX_PER_PAGE: usize = 500;

/// Which page to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: usize,
    /// Rows per page, 1..=500.
    pub per_page: usize,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// A checked page request.
    pub fn new(page: usize, per_page: usize) -> Result<Self> {
        let p = PageRequest { page, per_page };
        p.check()?;
        Ok(p)
    }

    /// Validates the request: page 0, per_page 0 or over 500 are errors.
    pub fn check(&self) -> Result<()> {
        if self.page == 0 {
            return Err(Error::invalid_param(
                "page",
                self.page,
                "pages count from 1",
            ));
        }
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return Err(Error::invalid_param(
                "per_page",
                self.per_page,
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        Ok(())
    }

    /// Cuts one page out of a full result, after checking the request.
    pub fn apply<T>(&self, rows: Vec<T>) -> Result<Page<T>> {
        self.check()?;
        let total = rows.len();
        let start = (self.page - 1).saturating_mul(self.per_page).min(total);
        let data: Vec<T> = rows.into_iter().skip(start).take(self.per_page).collect();
        Ok(Page {
            page: self.page,
            per_page: self.per_page,
            total,
            data,
        })
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// 1-based page number.
    pub page: usize,
    /// Page size requested.
    pub per_page: usize,
    /// Rows in the full result.
    pub total: usize,
    /// Rows of this page (empty past the last page).
    pub data: Vec<T>,
}

impl<T> Page<T> {
    /// Number of pages in the full result.
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cut_and_count() {
        let p = PageRequest::new(2, 3)
            .unwrap()
            .apply((0..8).collect())
            .unwrap();
        assert_eq!(p.data, vec![3, 4, 5]);
        assert_eq!((p.total, p.pages()), (8, 3));
        let last = PageRequest::new(3, 3)
            .unwrap()
            .apply((0..8).collect())
            .unwrap();
        assert_eq!(last.data, vec![6, 7]);
        let past = PageRequest::new(9, 3)
            .unwrap()
            .apply((0..8).collect())
            .unwrap();
        assert!(past.data.is_empty());
    }

    #[test]
    fn bad_requests_are_typed() {
        assert_eq!(
            PageRequest::new(0, 10).unwrap_err().code(),
            "invalid_parameter"
        );
        assert_eq!(
            PageRequest::new(1, 501).unwrap_err().code(),
            "invalid_parameter"
        );
        assert_eq!(
            PageRequest::new(1, 0).unwrap_err().code(),
            "invalid_parameter"
        );
        assert!(PageRequest::new(1, 500).is_ok());
    }
}
