//! forest integration tests.
