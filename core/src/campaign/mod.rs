//! Pharma campaign analytics: metrics, Rx trends, responders, segmentation, uplift and the
//! recommender.

pub mod analytics;
pub mod recommender;
pub mod segmentation;
pub mod uplift;

pub use analytics::{
    CampaignAnalytics, CampaignMetrics, CampaignSummary, DoctorUplift, Estimate, ExportRequest,
    ExportTable, GroupMetrics, Phase, RankBy, Responder, TrendPoint, DEFAULT_CONFIDENCE,
    DEFAULT_RECOMMENDATIONS, SAMPLE_SEED,
};
pub use recommender::{
    DoctorProfile, DoctorRecommender, ProductProfile, Recommendation, RecommenderParams,
    TargetedOutcome,
};
pub use segmentation::{
    CategoryShare, DoctorSegmentation, SegmentProfile, SegmentationParams, SilhouetteScore,
};
pub use uplift::{
    encode_doctors, LinearCorrection, Outcome, OutcomeKind, UpliftForest, UpliftParams,
    UpliftPrediction, MAX_LINEAR_COLUMNS,
};
