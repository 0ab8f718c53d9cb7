//! recommender (being built on its own branch).
