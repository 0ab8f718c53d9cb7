//! recommender integration tests.
