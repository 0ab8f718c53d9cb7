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

/// Rows can be exported by reference, so `export_csv(slice.iter(), ..)` needs no clone.
impl<T: CsvRow> CsvRow for &T {
    fn header() -> Vec<&'static str> {
        T::header()
    }
    fn write_fields(&self, out: &mut RowSink) {
        (*self).write_fields(out)
    }
}

impl CsvRow for crate::purchase::ScoredAppointment {
    fn header() -> Vec<&'static str> {
        vec![
            "patient_id",
            "appointment_date",
            "probability",
            "expected_spend",
            "expected_revenue",
            "revenue_sd",
            "value_band",
            "actual_amount",
        ]
    }
    fn write_fields(&self, out: &mut RowSink) {
        out.text(&self.patient_id);
        out.text(&self.appointment_date.format("%Y-%m-%d").to_string());
        out.float(self.probability);
        out.float(self.expected_spend);
        out.float(self.expected_revenue);
        out.float(self.revenue_sd);
        out.text(self.value_band.as_str());
        out.opt_float(self.actual_amount);
    }
}

impl CsvRow for crate::campaign::Responder {
    fn header() -> Vec<&'static str> {
        vec![
            "rank",
            "doctor_id",
            "specialty",
            "province",
            "tenure_years",
            "baseline_rx",
            "targeted",
            "rx_pre",
            "rx_post",
            "rx_change",
            "responded",
            "score",
        ]
    }
    fn write_fields(&self, out: &mut RowSink) {
        out.uint(self.rank as u64);
        out.uint(self.doctor_id);
        out.text(&self.specialty);
        out.text(&self.province);
        out.float(self.tenure_years);
        out.float(self.baseline_rx);
        out.bool(self.targeted);
        out.float(self.rx_pre);
        out.float(self.rx_post);
        out.float(self.rx_change);
        out.bool(self.responded);
        out.float(self.score);
    }
}

impl CsvRow for crate::campaign::SegmentProfile {
    fn header() -> Vec<&'static str> {
        vec![
            "segment",
            "size",
            "share",
            "mean_tenure_years",
            "mean_baseline_rx",
            "dominant_specialty",
            "dominant_province",
        ]
    }
    fn write_fields(&self, out: &mut RowSink) {
        out.uint(self.segment as u64);
        out.uint(self.size as u64);
        out.float(self.share);
        out.float(self.mean_tenure_years);
        out.float(self.mean_baseline_rx);
        out.text(&self.dominant_specialty);
        out.text(&self.dominant_province);
    }
}
