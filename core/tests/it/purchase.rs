//! purchase integration tests.
