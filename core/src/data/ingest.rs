//! CSV and XLSX ingest (being built on the `data` branch).
