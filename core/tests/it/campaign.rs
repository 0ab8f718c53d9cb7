//! campaign integration tests.
