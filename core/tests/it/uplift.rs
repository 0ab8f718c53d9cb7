//! uplift integration tests.
