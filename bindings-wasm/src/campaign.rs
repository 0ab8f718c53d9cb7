//! `CampaignAnalytics` and `DoctorSegmentation` in the browser: campaign metrics, Rx trends,
//! responders, per-doctor uplift with confidence intervals, k-means segments and
//! recommendations (core [`optocom_core::campaign`]). The same words as the Node addon, minus
//! `fromDir` (no file system).

use std::collections::HashSet;

use optocom_core::campaign::{
    CampaignAnalytics, DoctorRecommender, DoctorSegmentation, ExportRequest, Outcome, OutcomeKind,
    RankBy, RecommenderParams, SegmentationParams, UpliftForest, UpliftParams, DEFAULT_CONFIDENCE,
    DEFAULT_RECOMMENDATIONS, SAMPLE_SEED,
};
use optocom_core::data::ingest::{IngestOptions, ReadOptions, Rejection};
use optocom_core::data::{DoctorFilter, PageRequest};
use optocom_core::options::whole_number;
use optocom_core::Persist;
use wasm_bindgen::prelude::*;

use crate::convert::{self, artifact, params, to_value};
use crate::error::{guarded, internal, IntoJsResult, JsResult};

/// Campaign data (doctors, campaigns, targeting, Rx) and the analytics over it.
#[wasm_bindgen(js_name = "CampaignAnalytics")]
pub struct WasmCampaignAnalytics {
    inner: CampaignAnalytics,
    rejected: Vec<Rejection>,
}

fn campaign_id(id: &JsValue) -> JsResult<u64> {
    convert::whole("campaignId", id)
}

/// `outcome`: `"responded"` (default) or `"rx_change"`.
fn outcome_of(outcome: Option<JsValue>) -> JsResult<Outcome> {
    Outcome::parse(
        convert::opt_string("outcome", outcome)?
            .as_deref()
            .unwrap_or("responded"),
    )
    .js()
}

/// A confidence level (`name`: `level` or `confidence`), default 0.95.
fn level_of(name: &str, level: Option<JsValue>) -> JsResult<f64> {
    Ok(convert::opt_number(name, level)?.unwrap_or(DEFAULT_CONFIDENCE))
}

#[wasm_bindgen(js_class = "CampaignAnalytics")]
impl WasmCampaignAnalytics {
    /// The built-in sample data (seeded, default 42).
    pub fn sample(
        #[wasm_bindgen(unchecked_optional_param_type = "number")] seed: Option<JsValue>,
    ) -> JsResult<WasmCampaignAnalytics> {
        guarded(|| {
            let seed = match seed.filter(|s| !s.is_undefined() && !s.is_null()) {
                Some(s) => convert::whole("seed", &s)?,
                None => SAMPLE_SEED,
            };
            let inner = CampaignAnalytics::sample(seed).js()?;
            Ok(WasmCampaignAnalytics {
                inner,
                rejected: Vec::new(),
            })
        })
    }

    /// From arrays of records (`{ doctors, campaigns, targeting, rx }`). With
    /// `lenient: true` bad rows (and the targeting and Rx rows of a rejected doctor or
    /// campaign) go to `rejected` instead of throwing.
    #[wasm_bindgen(js_name = "fromTables")]
    pub fn from_tables(
        #[wasm_bindgen(
            unchecked_param_type = "{ doctors: object[]; campaigns: object[]; targeting: object[]; rx: object[] }"
        )]
        tables: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ lenient?: boolean }")] options: Option<
            JsValue,
        >,
    ) -> JsResult<WasmCampaignAnalytics> {
        guarded(|| {
            let opts = IngestOptions::from(params::<ReadOptions>("options", options)?);
            let got = convert::campaign_tables(&tables, &opts)?;
            let inner = CampaignAnalytics::new(got.data).js()?;
            Ok(WasmCampaignAnalytics {
                inner,
                rejected: got.rejected,
            })
        })
    }

    /// Rows left out by a lenient read (empty otherwise).
    #[wasm_bindgen(getter, unchecked_return_type = "Rejection[]")]
    pub fn rejected(&self) -> JsResult<JsValue> {
        guarded(|| to_value(&self.rejected))
    }

    /// Campaign summaries, one page: `{ page, per_page, total, data }`.
    #[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
    pub fn campaigns(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] filter: Option<
            JsValue,
        >,
        #[wasm_bindgen(unchecked_optional_param_type = "{ page?: number; per_page?: number }")]
        page: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let f: DoctorFilter = params("filter", filter)?;
            let p: PageRequest = params("page", page)?;
            to_value(&self.inner.campaigns(&f, &p).js()?)
        })
    }

    /// A campaign's metrics with the difference-in-differences lift and its confidence
    /// interval at `confidence` (default 0.95).
    #[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
    pub fn metrics(
        &self,
        #[wasm_bindgen(js_name = "campaignId", unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] filter: Option<
            JsValue,
        >,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] confidence: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let f: DoctorFilter = params("filter", filter)?;
            let id = campaign_id(&id)?;
            let confidence = level_of("confidence", confidence)?;
            to_value(&self.inner.metrics(id, &f, confidence).js()?)
        })
    }

    /// Monthly mean Rx of targeted and control doctors around a campaign.
    #[wasm_bindgen(
        js_name = "rxTrend",
        unchecked_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn rx_trend(
        &self,
        #[wasm_bindgen(js_name = "campaignId", unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] filter: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let f: DoctorFilter = params("filter", filter)?;
            let id = campaign_id(&id)?;
            to_value(&self.inner.rx_trend(id, &f).js()?)
        })
    }

    /// `what` (`"doctors"`, default, or a campaign's ranked `"responders"`) passing
    /// `options.filter` as CSV text (the Node addon writes the same bytes to a file), cells a
    /// spreadsheet would run as formulas guarded unless `options.formula_guard` is false.
    /// For a download: `new Blob([csv], { type: 'text/csv' })`.
    #[wasm_bindgen(js_name = "exportCsv")]
    pub fn export_csv(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "'doctors' | 'responders'")] what: Option<
            JsValue,
        >,
        #[wasm_bindgen(
            unchecked_optional_param_type = "{ campaign_id?: number; filter?: Record<string, unknown>; formula_guard?: boolean }"
        )]
        options: Option<JsValue>,
    ) -> JsResult<String> {
        guarded(|| {
            let what = convert::opt_string("what", what)?;
            let request: ExportRequest = params("options", options)?;
            let table = request.table(what.as_deref().unwrap_or("doctors")).js()?;
            let mut csv = Vec::new();
            self.inner
                .export_csv(&table, &request.filter, &mut csv, &request.options(), None)
                .js()?;
            // The writer only joins UTF-8 cells with ASCII delimiters and quotes.
            String::from_utf8(csv).map_err(|_| internal("the CSV export is not UTF-8"))
        })
    }

    /// A campaign's doctors ranked by Rx increase (largest first), one page.
    #[wasm_bindgen(
        js_name = "topResponders",
        unchecked_return_type = "Record<string, unknown>"
    )]
    pub fn top_responders(
        &self,
        #[wasm_bindgen(js_name = "campaignId", unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] filter: Option<
            JsValue,
        >,
        #[wasm_bindgen(unchecked_optional_param_type = "{ page?: number; per_page?: number }")]
        page: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let f: DoctorFilter = params("filter", filter)?;
            let p: PageRequest = params("page", page)?;
            let id = campaign_id(&id)?;
            to_value(
                &self
                    .inner
                    .top_responders(id, &f, &RankBy::RxIncrease, &p)
                    .js()?,
            )
        })
    }

    /// Per-doctor campaign effects with confidence intervals at `level` (default 0.95):
    /// `outcome` `"responded"` (default) or `"rx_change"`; `params` the snake_case fields of
    /// `UpliftParams`.
    #[wasm_bindgen(unchecked_return_type = "DoctorUplift[]")]
    pub fn uplift(
        &self,
        #[wasm_bindgen(js_name = "campaignId", unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "'responded' | 'rx_change'")]
        outcome: Option<JsValue>,
        #[wasm_bindgen(
            js_name = "params",
            unchecked_optional_param_type = "Record<string, unknown>"
        )]
        params_: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] level: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let p: UpliftParams = params("params", params_)?;
            let outcome = outcome_of(outcome)?;
            let id = campaign_id(&id)?;
            let level = level_of("level", level)?;
            let (_, rows) = self.inner.uplift(id, &p, outcome, level).js()?;
            to_value(&rows)
        })
    }

    /// The uplift forest of `uplift` without the rows, to keep (`toJson`) and score later
    /// data with `scoreUplift` without refitting.
    #[wasm_bindgen(js_name = "fitUplift")]
    pub fn fit_uplift(
        &self,
        #[wasm_bindgen(js_name = "campaignId", unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "'responded' | 'rx_change'")]
        outcome: Option<JsValue>,
        #[wasm_bindgen(
            js_name = "params",
            unchecked_optional_param_type = "Record<string, unknown>"
        )]
        params_: Option<JsValue>,
    ) -> JsResult<WasmUpliftForest> {
        guarded(|| {
            let p: UpliftParams = params("params", params_)?;
            let outcome = outcome_of(outcome)?;
            let id = campaign_id(&id)?;
            let inner = self.inner.fit_uplift(id, &p, outcome).js()?;
            Ok(WasmUpliftForest {
                inner,
                trained_at: Some(convert::now()),
            })
        })
    }

    /// The campaign's doctors scored by an uplift forest fitted before (`fitUplift`, or
    /// `UpliftForest.fromJson` of a model trained anywhere), with intervals at `level`
    /// (default 0.95): the rows of `uplift`, without refitting. Specialties or provinces the
    /// forest never saw get all-zero one-hot columns.
    #[wasm_bindgen(js_name = "scoreUplift", unchecked_return_type = "DoctorUplift[]")]
    pub fn score_uplift(
        &self,
        forest: &WasmUpliftForest,
        #[wasm_bindgen(js_name = "campaignId", unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] level: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let id = campaign_id(&id)?;
            let level = level_of("level", level)?;
            let rows = self.inner.score_uplift(&forest.inner, id, level).js()?;
            to_value(&rows)
        })
    }

    /// k-means segmentation of the doctors (`k: null` picks k by silhouette).
    pub fn segment(
        &self,
        #[wasm_bindgen(
            js_name = "params",
            unchecked_optional_param_type = "Record<string, unknown>"
        )]
        params_: Option<JsValue>,
    ) -> JsResult<WasmDoctorSegmentation> {
        guarded(|| {
            let p: SegmentationParams = params("params", params_)?;
            let inner = DoctorSegmentation::fit(&p, &self.inner.data().doctors).js()?;
            Ok(WasmDoctorSegmentation {
                inner,
                trained_at: Some(convert::now()),
            })
        })
    }

    /// The `n` (default 10) doctors most like those who responded to `product`'s past
    /// campaigns, within `filter`, skipping `exclude` (doctor ids).
    #[wasm_bindgen(unchecked_return_type = "Array<Record<string, unknown>>")]
    pub fn recommend(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] product: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] n: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] filter: Option<
            JsValue,
        >,
        #[wasm_bindgen(unchecked_optional_param_type = "number[]")] exclude: Option<JsValue>,
        #[wasm_bindgen(
            js_name = "params",
            unchecked_optional_param_type = "Record<string, unknown>"
        )]
        params_: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let (product, n, f, exclude) = recommend_args(product, n, filter, exclude)?;
            let p: RecommenderParams = params("params", params_)?;
            let mut rec = self.inner.recommender(&p, None).js()?;
            self.inner.add_product_to(&mut rec, &product).js()?;
            to_value(&rec.recommend(&product, n, Some(&exclude), Some(&f)).js()?)
        })
    }

    /// A recommender over every doctor that knows `products` (default: every product a
    /// campaign promoted): the pretrained recommender, to keep (`toJson`) and serve
    /// recommendations from without the campaign data. It recommends what `recommend` does.
    pub fn recommender(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string[]")] products: Option<JsValue>,
        #[wasm_bindgen(
            js_name = "params",
            unchecked_optional_param_type = "Record<string, unknown>"
        )]
        params_: Option<JsValue>,
    ) -> JsResult<WasmRecommender> {
        guarded(|| self.product_recommender(products, params_, None))
    }

    /// As `recommender`, with each doctor's segment from `segmentation` in its profile.
    #[wasm_bindgen(js_name = "recommenderWithSegments")]
    pub fn recommender_with_segments(
        &self,
        segmentation: &WasmDoctorSegmentation,
        #[wasm_bindgen(unchecked_optional_param_type = "string[]")] products: Option<JsValue>,
        #[wasm_bindgen(
            js_name = "params",
            unchecked_optional_param_type = "Record<string, unknown>"
        )]
        params_: Option<JsValue>,
    ) -> JsResult<WasmRecommender> {
        guarded(|| self.product_recommender(products, params_, Some(&segmentation.inner)))
    }
}

impl WasmCampaignAnalytics {
    fn product_recommender(
        &self,
        products: Option<JsValue>,
        params_: Option<JsValue>,
        segmentation: Option<&DoctorSegmentation>,
    ) -> JsResult<WasmRecommender> {
        let products: Vec<String> = match products {
            Some(v) if !v.is_undefined() && !v.is_null() => convert::value("products", v)?,
            _ => Vec::new(),
        };
        let p: RecommenderParams = params("params", params_)?;
        let inner = self
            .inner
            .product_recommender(&p, segmentation, &products)
            .js()?;
        Ok(WasmRecommender {
            inner,
            trained_at: Some(convert::now()),
        })
    }
}

/// The product, `n` (default 10), the doctor filter and the excluded ids of a
/// recommendation.
fn recommend_args(
    product: JsValue,
    n: Option<JsValue>,
    filter: Option<JsValue>,
    exclude: Option<JsValue>,
) -> JsResult<(String, usize, DoctorFilter, HashSet<u64>)> {
    let product = convert::string("product", &product)?;
    let n = match n.filter(|n| !n.is_undefined() && !n.is_null()) {
        Some(n) => convert::count("n", &n)?,
        None => DEFAULT_RECOMMENDATIONS,
    };
    let f: DoctorFilter = params("filter", filter)?;
    let exclude: HashSet<u64> = match exclude {
        Some(v) if !v.is_undefined() && !v.is_null() => convert::value("exclude", v)?,
        _ => HashSet::new(),
    };
    Ok((product, n, f, exclude))
}

/// A content-based doctor recommender that serves without the campaign data: from
/// `CampaignAnalytics.recommender`, or `fromJson` of the artifact any runtime saves.
#[wasm_bindgen(js_name = "Recommender")]
pub struct WasmRecommender {
    inner: DoctorRecommender,
    /// When it was built here (the artifact's `info.trained_at`); `None` when loaded.
    trained_at: Option<String>,
}

#[wasm_bindgen(js_class = "Recommender")]
impl WasmRecommender {
    /// The `n` (default 10) doctors that best fit `product`'s profile, within `filter`,
    /// skipping `exclude` (doctor ids).
    #[wasm_bindgen(unchecked_return_type = "Array<Record<string, unknown>>")]
    pub fn recommend(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] product: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] n: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] filter: Option<
            JsValue,
        >,
        #[wasm_bindgen(unchecked_optional_param_type = "number[]")] exclude: Option<JsValue>,
    ) -> JsResult<JsValue> {
        guarded(|| {
            let (product, n, f, exclude) = recommend_args(product, n, filter, exclude)?;
            to_value(
                &self
                    .inner
                    .recommend(&product, n, Some(&exclude), Some(&f))
                    .js()?,
            )
        })
    }

    /// The products it knows.
    #[wasm_bindgen(getter)]
    pub fn products(&self) -> JsResult<Vec<String>> {
        guarded(|| {
            Ok(self
                .inner
                .products()
                .into_iter()
                .map(str::to_string)
                .collect())
        })
    }

    /// Number of doctors it recommends from.
    #[wasm_bindgen(getter, js_name = "nDoctors")]
    pub fn n_doctors(&self) -> JsResult<u32> {
        guarded(|| Ok(self.inner.n_doctors() as u32))
    }

    /// The model artifact (the JSON text every runtime reads).
    #[wasm_bindgen(js_name = "toJson")]
    pub fn to_json(&self) -> JsResult<String> {
        guarded(|| artifact(&self.inner, self.trained_at.as_deref()))
    }

    /// Reads a recommender artifact written by any runtime.
    #[wasm_bindgen(js_name = "fromJson")]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> JsResult<WasmRecommender> {
        guarded(|| {
            let inner = DoctorRecommender::from_json(&convert::string("text", &text)?).js()?;
            Ok(WasmRecommender {
                inner,
                trained_at: None,
            })
        })
    }
}

/// A fitted k-means segmentation of doctors.
#[wasm_bindgen(js_name = "DoctorSegmentation")]
pub struct WasmDoctorSegmentation {
    inner: DoctorSegmentation,
    /// When it was fitted here (the artifact's `info.trained_at`); `None` when loaded.
    trained_at: Option<String>,
}

#[wasm_bindgen(js_class = "DoctorSegmentation")]
impl WasmDoctorSegmentation {
    /// Number of segments.
    #[wasm_bindgen(getter)]
    pub fn k(&self) -> JsResult<u32> {
        guarded(|| Ok(self.inner.k() as u32))
    }

    /// One profile per segment.
    #[wasm_bindgen(getter, unchecked_return_type = "Array<Record<string, unknown>>")]
    pub fn profiles(&self) -> JsResult<JsValue> {
        guarded(|| to_value(&self.inner.profiles()))
    }

    /// Silhouette of each candidate k (when k was chosen by silhouette).
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "Array<{ k: number; silhouette: number }>"
    )]
    pub fn silhouettes(&self) -> JsResult<JsValue> {
        guarded(|| to_value(&self.inner.silhouette_scores()))
    }

    /// The segment of a training doctor (`undefined` for an id that is not one, as in the
    /// Node addon: unknown, fractional or negative).
    #[wasm_bindgen(js_name = "segmentOf")]
    pub fn segment_of(
        &self,
        #[wasm_bindgen(js_name = "doctorId", unchecked_param_type = "number")] doctor_id: JsValue,
    ) -> JsResult<Option<u32>> {
        guarded(|| {
            let id = convert::number("doctorId", &doctor_id)?;
            Ok(whole_number("doctorId", id)
                .ok()
                .and_then(|id| self.inner.segment_of(id))
                .map(|s| s as u32))
        })
    }

    /// The model artifact (the JSON text every runtime reads).
    #[wasm_bindgen(js_name = "toJson")]
    pub fn to_json(&self) -> JsResult<String> {
        guarded(|| artifact(&self.inner, self.trained_at.as_deref()))
    }

    /// Reads a segmentation artifact written by any runtime.
    #[wasm_bindgen(js_name = "fromJson")]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> JsResult<WasmDoctorSegmentation> {
        guarded(|| {
            let inner = DoctorSegmentation::from_json(&convert::string("text", &text)?).js()?;
            Ok(WasmDoctorSegmentation {
                inner,
                trained_at: None,
            })
        })
    }
}

/// A fitted uplift forest of one campaign outcome (`CampaignAnalytics.fitUplift`, or
/// `fromJson` of a model trained in any runtime): scores doctors with
/// `CampaignAnalytics.scoreUplift`.
#[wasm_bindgen(js_name = "UpliftForest")]
pub struct WasmUpliftForest {
    inner: UpliftForest,
    /// When it was fitted here (the artifact's `info.trained_at`); `None` when loaded.
    trained_at: Option<String>,
}

#[wasm_bindgen(js_class = "UpliftForest")]
impl WasmUpliftForest {
    /// `"responded"` or `"rx_change"`: the outcome the forest was fitted for.
    #[wasm_bindgen(getter, unchecked_return_type = "'responded' | 'rx_change'")]
    pub fn outcome(&self) -> JsResult<String> {
        guarded(|| {
            Ok(match self.inner.outcome() {
                OutcomeKind::Binary => "responded",
                OutcomeKind::Continuous => "rx_change",
            }
            .to_string())
        })
    }

    /// The feature columns, in order.
    #[wasm_bindgen(getter, js_name = "featureNames")]
    pub fn feature_names(&self) -> JsResult<Vec<String>> {
        guarded(|| Ok(self.inner.schema().names()))
    }

    /// Names of the columns of the local-linear correction (empty: none).
    #[wasm_bindgen(getter, js_name = "linearColumns")]
    pub fn linear_columns(&self) -> JsResult<Vec<String>> {
        guarded(|| Ok(self.inner.linear_column_names()))
    }

    /// Number of trees.
    #[wasm_bindgen(getter, js_name = "nTrees")]
    pub fn n_trees(&self) -> JsResult<u32> {
        guarded(|| Ok(self.inner.trees().len() as u32))
    }

    /// The model artifact (the JSON text every runtime reads).
    #[wasm_bindgen(js_name = "toJson")]
    pub fn to_json(&self) -> JsResult<String> {
        guarded(|| artifact(&self.inner, self.trained_at.as_deref()))
    }

    /// Reads an uplift forest artifact written by any runtime.
    #[wasm_bindgen(js_name = "fromJson")]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> JsResult<WasmUpliftForest> {
        guarded(|| {
            let inner = UpliftForest::from_json(&convert::string("text", &text)?).js()?;
            Ok(WasmUpliftForest {
                inner,
                trained_at: None,
            })
        })
    }
}
