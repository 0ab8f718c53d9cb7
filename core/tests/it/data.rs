//! data integration tests.
