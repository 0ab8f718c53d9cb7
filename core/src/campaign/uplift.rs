//! uplift (being built on its own branch).
