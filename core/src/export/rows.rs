//! [`CsvRow`] implementations for the crate's record types.

use super::{CsvRow, RowSink};
use crate::data::campaign::Doctor;

impl CsvRow for Doctor {
    fn header() -> Vec<&'static str> {
        vec![
            "doctor_id",
            "specialty",
            "province",
            "tenure_years",
            "baseline_rx",
        ]
    }
    fn write_fields(&self, out: &mut RowSink) {
        out.uint(self.doctor_id);
        out.text(&self.specialty);
        out.text(&self.province);
        out.float(self.tenure_years);
        out.float(self.baseline_rx);
    }
}

impl CsvRow for crate::campaign::recommender::Recommendation {
    fn header() -> Vec<&'static str> {
        vec!["doctor_id", "score", "matched"]
    }
    /// `matched` attributes are joined with `"; "`.
    fn write_fields(&self, out: &mut RowSink) {
        out.uint(self.doctor_id);
        out.float(self.score);
        out.text(&self.matched.join("; "));
    }
}
