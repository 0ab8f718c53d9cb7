//! analytics (being built on its own branch).
