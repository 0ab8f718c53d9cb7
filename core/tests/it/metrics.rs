//! metrics integration tests.
