//! export integration tests.
