//! Seeded sample generator of campaign data (being built on the `campaign` branch).
