//! `CampaignAnalytics` and `DoctorSegmentation`: campaign metrics, Rx trends, responders,
//! per-doctor uplift with confidence intervals, k-means segments and recommendations (core
//! [`optocom_core::campaign`]).

use std::collections::HashSet;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use optocom_core::campaign::{
    CampaignAnalytics, DoctorRecommender, DoctorSegmentation, DoctorUplift, ExportRequest,
    ExportTable, Outcome, OutcomeKind, RankBy, RecommenderParams, SegmentationParams, UpliftForest,
    UpliftParams, DEFAULT_CONFIDENCE, DEFAULT_RECOMMENDATIONS, SAMPLE_SEED,
};
use optocom_core::data::ingest::{read_campaign_dir, IngestOptions, ReadOptions, Rejection};
use optocom_core::data::{DoctorFilter, PageRequest};
use optocom_core::export::ExportSummary;
use optocom_core::options::whole_number;
use optocom_core::Persist;

use crate::convert::{
    campaign_tables, instance, is_nullish, number, opt_number, opt_text, opt_whole, params, text,
    to_value, value, whole,
};
use crate::error::{guarded, IntoJsResult};
use crate::task::CoreTask;

/// The arguments of `uplift` / `fitUplift` (and their async forms), read on the main thread.
fn uplift_args(
    env: &Env,
    campaign_id: Unknown<'_>,
    outcome: Option<Unknown<'_>>,
    params_: Option<Unknown<'_>>,
) -> Result<(u64, UpliftParams, Outcome)> {
    let p: UpliftParams = params(env, "params", params_)?;
    let outcome = opt_text(env, "outcome", outcome)?;
    let outcome = Outcome::parse(outcome.as_deref().unwrap_or("responded")).js(env)?;
    let id = whole(env, "campaignId", campaign_id)?;
    Ok((id, p, outcome))
}

/// The `level` (or `confidence`) argument of an interval, 0.95 when left out.
fn confidence(env: &Env, name: &str, value: Option<Unknown<'_>>) -> Result<f64> {
    Ok(opt_number(env, name, value)?.unwrap_or(DEFAULT_CONFIDENCE))
}

/// The uplift forest argument of `scoreUplift` / `scoreUpliftAsync`.
fn forest_arg<'a>(env: &Env, forest: Unknown<'a>) -> Result<ClassInstance<'a, JsUpliftForest>> {
    instance(
        env,
        "forest",
        "an UpliftForest (from fitUplift or UpliftForest.fromJson)",
        forest,
    )
}

/// Campaign data (doctors, campaigns, targeting, Rx) and the analytics over it.
#[napi(js_name = "CampaignAnalytics")]
pub struct JsCampaignAnalytics {
    /// Shared with the tasks of the `...Async` methods (the data are immutable).
    inner: Arc<CampaignAnalytics>,
    rejected: Vec<Rejection>,
}

#[napi]
impl JsCampaignAnalytics {
    /// The built-in sample data (seeded, default 42): four years of Rx for 2,000 doctors and
    /// their campaigns.
    #[napi(
        factory,
        catch_unwind,
        ts_args_type = "seed?: number | undefined | null"
    )]
    pub fn sample(env: Env, seed: Option<Unknown<'_>>) -> Result<Self> {
        let seed = opt_whole(&env, "seed", seed)?.unwrap_or(SAMPLE_SEED);
        let inner = guarded(&env, || CampaignAnalytics::sample(seed))?;
        Ok(JsCampaignAnalytics {
            inner: Arc::new(inner),
            rejected: Vec::new(),
        })
    }

    /// From arrays of records. With `lenient: true` bad rows (and the targeting and Rx rows
    /// of a rejected doctor or campaign) go to `rejected` instead of throwing.
    #[napi(
        factory,
        catch_unwind,
        ts_args_type = "tables: { doctors: object[]; campaigns: object[]; targeting: object[]; rx: object[] }, options?: { lenient?: boolean }"
    )]
    pub fn from_tables(
        env: Env,
        tables: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let opts = IngestOptions::from(params::<ReadOptions>(&env, "options", options)?);
        let got = campaign_tables(&env, tables, &opts)?;
        let inner = guarded(&env, || CampaignAnalytics::new(got.data))?;
        Ok(JsCampaignAnalytics {
            inner: Arc::new(inner),
            rejected: got.rejected,
        })
    }

    /// From a directory of `doctors.csv`, `campaigns.csv`, `targeting.csv` and `rx.csv`.
    #[napi(
        factory,
        catch_unwind,
        ts_args_type = "dir: string, options?: { lenient?: boolean }"
    )]
    pub fn from_dir(env: Env, dir: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Self> {
        let dir = text(&env, "dir", dir)?;
        let opts = IngestOptions::from(params::<ReadOptions>(&env, "options", options)?);
        let got = guarded(&env, || read_campaign_dir(&dir, &opts))?;
        let inner = guarded(&env, || CampaignAnalytics::new(got.data))?;
        Ok(JsCampaignAnalytics {
            inner: Arc::new(inner),
            rejected: got.rejected,
        })
    }

    /// Rows left out by a lenient read (empty otherwise).
    #[napi(getter, ts_return_type = "Rejection[]")]
    pub fn rejected(&self, env: Env) -> Result<Unknown<'static>> {
        to_value(&env, &self.rejected)
    }

    /// Campaign summaries, one page: `{ page, per_page, total, data }`. `filter` selects
    /// doctors (`specialties`, `provinces`, `tenure_min`, `tenure_max`, `min_rx`, `max_rx`,
    /// `campaign_target`); `page` is `{ page, per_page }` (1-based; default 1 and 20).
    #[napi(
        catch_unwind,
        ts_args_type = "filter?: Record<string, unknown>, page?: { page?: number; per_page?: number }",
        ts_return_type = "Record<string, unknown>"
    )]
    pub fn campaigns(
        &self,
        env: Env,
        filter: Option<Unknown<'_>>,
        page: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let f: DoctorFilter = params(&env, "filter", filter)?;
        let p: PageRequest = params(&env, "page", page)?;
        let out = guarded(&env, || self.inner.campaigns(&f, &p))?;
        to_value(&env, &out)
    }

    /// A campaign's metrics: targeted vs control response rates and Rx, the
    /// difference-in-differences lift with its confidence interval at `confidence`
    /// (default 0.95).
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, filter?: Record<string, unknown>, confidence?: number",
        ts_return_type = "Record<string, unknown>"
    )]
    pub fn metrics(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        filter: Option<Unknown<'_>>,
        confidence_: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let f: DoctorFilter = params(&env, "filter", filter)?;
        let id = whole(&env, "campaignId", campaign_id)?;
        let level = confidence(&env, "confidence", confidence_)?;
        let out = guarded(&env, || self.inner.metrics(id, &f, level))?;
        to_value(&env, &out)
    }

    /// Monthly mean Rx of targeted and control doctors around a campaign.
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, filter?: Record<string, unknown>",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn rx_trend(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        filter: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let f: DoctorFilter = params(&env, "filter", filter)?;
        let id = whole(&env, "campaignId", campaign_id)?;
        let out = guarded(&env, || self.inner.rx_trend(id, &f))?;
        to_value(&env, &out)
    }

    /// A campaign's doctors ranked by Rx increase (largest first), one page.
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, filter?: Record<string, unknown>, page?: { page?: number; per_page?: number }",
        ts_return_type = "Record<string, unknown>"
    )]
    pub fn top_responders(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        filter: Option<Unknown<'_>>,
        page: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let f: DoctorFilter = params(&env, "filter", filter)?;
        let p: PageRequest = params(&env, "page", page)?;
        let id = whole(&env, "campaignId", campaign_id)?;
        let out = guarded(&env, || {
            self.inner.top_responders(id, &f, &RankBy::RxIncrease, &p)
        })?;
        to_value(&env, &out)
    }

    /// Per-doctor campaign effects with confidence intervals at `level` (default 0.95), from
    /// an uplift forest (`params`: the snake_case fields of `UpliftParams`) fitted on the
    /// campaign. `outcome`: `"responded"` (effect on the response probability, default) or
    /// `"rx_change"` (on the monthly Rx). One `{ doctor_id, targeted, effect, std_error,
    /// lower, upper }` per doctor.
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, outcome?: 'responded' | 'rx_change', params?: Record<string, unknown>, level?: number",
        ts_return_type = "DoctorUplift[]"
    )]
    pub fn uplift(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        outcome: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
        level: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let (id, p, outcome) = uplift_args(&env, campaign_id, outcome, params_)?;
        let level = confidence(&env, "level", level)?;
        let (_, rows) = guarded(&env, || self.inner.uplift(id, &p, outcome, level))?;
        to_value(&env, &rows)
    }

    /// The uplift forest of [`uplift`](Self::uplift) without the rows: fitted on the
    /// campaign for `outcome` with `params`, to save (`toJson`/`save`) and score later data
    /// with `scoreUplift`, without refitting.
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, outcome?: 'responded' | 'rx_change', params?: Record<string, unknown>",
        ts_return_type = "UpliftForest"
    )]
    pub fn fit_uplift(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        outcome: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
    ) -> Result<JsUpliftForest> {
        let (id, p, outcome) = uplift_args(&env, campaign_id, outcome, params_)?;
        let inner = guarded(&env, || self.inner.fit_uplift(id, &p, outcome))?;
        Ok(JsUpliftForest {
            inner: Arc::new(inner),
        })
    }

    /// The campaign's doctors scored by an uplift forest fitted before (by `fitUplift`, on
    /// this or an earlier snapshot of the data, or read with `UpliftForest.fromJson`), with
    /// intervals at `level` (default 0.95): the rows of `uplift`, without refitting.
    /// Specialties or provinces the forest never saw get all-zero one-hot columns.
    #[napi(
        catch_unwind,
        ts_args_type = "forest: UpliftForest, campaignId: number, level?: number",
        ts_return_type = "DoctorUplift[]"
    )]
    pub fn score_uplift(
        &self,
        env: Env,
        forest: Unknown<'_>,
        campaign_id: Unknown<'_>,
        level: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let forest = forest_arg(&env, forest)?;
        let id = whole(&env, "campaignId", campaign_id)?;
        let level = confidence(&env, "level", level)?;
        let rows = guarded(&env, || self.inner.score_uplift(&forest.inner, id, level))?;
        to_value(&env, &rows)
    }

    /// As `uplift`, on the libuv thread pool: a Promise of the same rows, rejected (never
    /// thrown) on bad input. Fitting 50,000 doctors takes about a second; this keeps a
    /// server's event loop free meanwhile.
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, outcome?: 'responded' | 'rx_change', params?: Record<string, unknown>, level?: number",
        ts_return_type = "Promise<DoctorUplift[]>"
    )]
    pub fn uplift_async(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        outcome: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
        level: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<Vec<DoctorUplift>, Unknown<'static>>> {
        let a = Arc::clone(&self.inner);
        let work = uplift_args(&env, campaign_id, outcome, params_)
            .and_then(|args| Ok((args, confidence(&env, "level", level)?)))
            .map(|((id, p, outcome), level)| move || Ok(a.uplift(id, &p, outcome, level)?.1));
        CoreTask::new(work, |env, rows| to_value(env, &rows))
    }

    /// As `fitUplift`, on the libuv thread pool: a Promise of the forest, rejected (never
    /// thrown) on bad input.
    #[napi(
        catch_unwind,
        ts_args_type = "campaignId: number, outcome?: 'responded' | 'rx_change', params?: Record<string, unknown>",
        ts_return_type = "Promise<UpliftForest>"
    )]
    pub fn fit_uplift_async(
        &self,
        env: Env,
        campaign_id: Unknown<'_>,
        outcome: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<UpliftForest, JsUpliftForest>> {
        let a = Arc::clone(&self.inner);
        let work = uplift_args(&env, campaign_id, outcome, params_)
            .map(|(id, p, outcome)| move || a.fit_uplift(id, &p, outcome));
        CoreTask::new(work, |_, forest| {
            Ok(JsUpliftForest {
                inner: Arc::new(forest),
            })
        })
    }

    /// As `scoreUplift`, on the libuv thread pool: a Promise of the same rows, rejected
    /// (never thrown) on bad input.
    #[napi(
        catch_unwind,
        ts_args_type = "forest: UpliftForest, campaignId: number, level?: number",
        ts_return_type = "Promise<DoctorUplift[]>"
    )]
    pub fn score_uplift_async(
        &self,
        env: Env,
        forest: Unknown<'_>,
        campaign_id: Unknown<'_>,
        level: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<Vec<DoctorUplift>, Unknown<'static>>> {
        let a = Arc::clone(&self.inner);
        let work = forest_arg(&env, forest)
            .and_then(|forest| {
                let id = whole(&env, "campaignId", campaign_id)?;
                let level = confidence(&env, "level", level)?;
                Ok((Arc::clone(&forest.inner), id, level))
            })
            .map(|(f, id, level)| move || a.score_uplift(&f, id, level));
        CoreTask::new(work, |env, rows| to_value(env, &rows))
    }

    /// Streams `what` (`"doctors"`, default, or a campaign's ranked `"responders"`) passing
    /// `options.filter` to a CSV file at `path`, row by row (memory stays bounded), guarding
    /// cells a spreadsheet would run as formulas unless `options.formula_guard` is false.
    /// Returns `{ rows, bytes, guarded_cells }`.
    #[napi(
        catch_unwind,
        ts_args_type = "path: string, what?: 'doctors' | 'responders', options?: { campaign_id?: number; filter?: Record<string, unknown>; formula_guard?: boolean }",
        ts_return_type = "{ rows: number; bytes: number; guarded_cells: number }"
    )]
    pub fn export_csv(
        &self,
        env: Env,
        path: Unknown<'_>,
        what: Option<Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let (path, request, table) = export_args(&env, path, what, options)?;
        let summary = guarded(&env, || {
            self.inner
                .export_csv_file(&table, &request.filter, &path, &request.options())
        })?;
        to_value(&env, &summary)
    }

    /// As `exportCsv`, on the libuv thread pool (the file is written there): a Promise of
    /// the same `{ rows, bytes, guarded_cells }`, rejected (never thrown) on bad input or an
    /// I/O error.
    #[napi(
        catch_unwind,
        ts_args_type = "path: string, what?: 'doctors' | 'responders', options?: { campaign_id?: number; filter?: Record<string, unknown>; formula_guard?: boolean }",
        ts_return_type = "Promise<{ rows: number; bytes: number; guarded_cells: number }>"
    )]
    pub fn export_csv_async(
        &self,
        env: Env,
        path: Unknown<'_>,
        what: Option<Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<ExportSummary, Unknown<'static>>> {
        let a = Arc::clone(&self.inner);
        let work = export_args(&env, path, what, options).map(|(path, request, table)| {
            move || a.export_csv_file(&table, &request.filter, &path, &request.options())
        });
        CoreTask::new(work, |env, summary| to_value(env, &summary))
    }

    /// k-means segmentation of the doctors (`params`: the snake_case fields of
    /// `SegmentationParams`; `k: null` picks k by silhouette).
    #[napi(catch_unwind, ts_args_type = "params?: Record<string, unknown>")]
    pub fn segment(&self, env: Env, params_: Option<Unknown<'_>>) -> Result<JsDoctorSegmentation> {
        let p: SegmentationParams = params(&env, "params", params_)?;
        let inner = guarded(&env, || {
            DoctorSegmentation::fit(&p, &self.inner.data().doctors)
        })?;
        Ok(JsDoctorSegmentation { inner })
    }

    /// The `n` (default 10) doctors most like those who responded to `product`'s past
    /// campaigns, within `filter`, skipping `exclude` (doctor ids).
    #[napi(
        catch_unwind,
        ts_args_type = "product: string, n?: number, filter?: Record<string, unknown>, exclude?: number[], params?: Record<string, unknown>",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn recommend(
        &self,
        env: Env,
        product: Unknown<'_>,
        n: Option<Unknown<'_>>,
        filter: Option<Unknown<'_>>,
        exclude: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let (product, n, f, exclude) = recommend_args(&env, product, n, filter, exclude)?;
        let p: RecommenderParams = params(&env, "params", params_)?;
        let out = guarded(&env, || {
            let mut rec = self.inner.recommender(&p, None)?;
            self.inner.add_product_to(&mut rec, &product)?;
            rec.recommend(&product, n, Some(&exclude), Some(&f))
        })?;
        to_value(&env, &out)
    }

    /// A recommender over every doctor that knows `products` (default: every product a
    /// campaign promoted): the pretrained recommender, to save (`toJson`/`save`) and serve
    /// recommendations from without the campaign data. It recommends what `recommend` does.
    #[napi(
        catch_unwind,
        ts_args_type = "products?: string[], params?: Record<string, unknown>",
        ts_return_type = "Recommender"
    )]
    pub fn recommender(
        &self,
        env: Env,
        products: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
    ) -> Result<JsRecommender> {
        self.product_recommender(&env, products, params_, None)
    }

    /// As `recommender`, with each doctor's segment from `segmentation` in its profile.
    #[napi(
        catch_unwind,
        ts_args_type = "segmentation: DoctorSegmentation, products?: string[], params?: Record<string, unknown>",
        ts_return_type = "Recommender"
    )]
    pub fn recommender_with_segments(
        &self,
        env: Env,
        segmentation: Unknown<'_>,
        products: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
    ) -> Result<JsRecommender> {
        let segmentation: ClassInstance<'_, JsDoctorSegmentation> = instance(
            &env,
            "segmentation",
            "a DoctorSegmentation (from segment or DoctorSegmentation.fromJson)",
            segmentation,
        )?;
        self.product_recommender(&env, products, params_, Some(&segmentation.inner))
    }
}

impl JsCampaignAnalytics {
    fn product_recommender(
        &self,
        env: &Env,
        products: Option<Unknown<'_>>,
        params_: Option<Unknown<'_>>,
        segmentation: Option<&DoctorSegmentation>,
    ) -> Result<JsRecommender> {
        let products: Vec<String> = match products {
            Some(v) if !is_nullish(&v)? => value(env, "products", v)?,
            _ => Vec::new(),
        };
        let p: RecommenderParams = params(env, "params", params_)?;
        let inner = guarded(env, || {
            self.inner.product_recommender(&p, segmentation, &products)
        })?;
        Ok(JsRecommender { inner })
    }
}

/// The path, request and table of an export (`what` defaulting to `"doctors"`).
fn export_args(
    env: &Env,
    path: Unknown<'_>,
    what: Option<Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> Result<(String, ExportRequest, ExportTable)> {
    let path = text(env, "path", path)?;
    let what = opt_text(env, "what", what)?;
    let request: ExportRequest = params(env, "options", options)?;
    let table = request
        .table(what.as_deref().unwrap_or("doctors"))
        .js(env)?;
    Ok((path, request, table))
}

/// The product, `n` (default 10), the doctor filter and the excluded ids of a
/// recommendation.
fn recommend_args(
    env: &Env,
    product: Unknown<'_>,
    n: Option<Unknown<'_>>,
    filter: Option<Unknown<'_>>,
    exclude: Option<Unknown<'_>>,
) -> Result<(String, usize, DoctorFilter, HashSet<u64>)> {
    let product = text(env, "product", product)?;
    let f: DoctorFilter = params(env, "filter", filter)?;
    let n = opt_whole(env, "n", n)?.map_or(DEFAULT_RECOMMENDATIONS, |n| n as usize);
    let exclude: HashSet<u64> = match exclude {
        Some(v) if !is_nullish(&v)? => value(env, "exclude", v)?,
        _ => HashSet::new(),
    };
    Ok((product, n, f, exclude))
}

/// A content-based doctor recommender that serves without the campaign data: from
/// `CampaignAnalytics.recommender`, or read from the artifact any runtime saves.
#[napi(js_name = "Recommender")]
pub struct JsRecommender {
    inner: DoctorRecommender,
}

#[napi]
impl JsRecommender {
    /// The `n` (default 10) doctors that best fit `product`'s profile, within `filter`,
    /// skipping `exclude` (doctor ids).
    #[napi(
        catch_unwind,
        ts_args_type = "product: string, n?: number, filter?: Record<string, unknown>, exclude?: number[]",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn recommend(
        &self,
        env: Env,
        product: Unknown<'_>,
        n: Option<Unknown<'_>>,
        filter: Option<Unknown<'_>>,
        exclude: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let (product, n, f, exclude) = recommend_args(&env, product, n, filter, exclude)?;
        let out = guarded(&env, || {
            self.inner.recommend(&product, n, Some(&exclude), Some(&f))
        })?;
        to_value(&env, &out)
    }

    /// The products it knows.
    #[napi(getter)]
    pub fn products(&self) -> Vec<String> {
        self.inner
            .products()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Number of doctors it recommends from.
    #[napi(getter)]
    pub fn n_doctors(&self) -> u32 {
        self.inner.n_doctors() as u32
    }

    /// The model artifact (the JSON text every runtime reads).
    #[napi(catch_unwind)]
    pub fn to_json(&self, env: Env) -> Result<String> {
        self.inner.to_json().js(&env)
    }

    /// Reads a recommender artifact written by any runtime.
    #[napi(factory, catch_unwind, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text_: Unknown<'_>) -> Result<Self> {
        let inner = DoctorRecommender::from_json(&text(&env, "text", text_)?).js(&env)?;
        Ok(JsRecommender { inner })
    }

    /// Writes the model artifact to `path`.
    #[napi(catch_unwind, ts_args_type = "path: string")]
    pub fn save(&self, env: Env, path: Unknown<'_>) -> Result<()> {
        self.inner.save(text(&env, "path", path)?).js(&env)
    }

    /// Reads a model artifact from `path`.
    #[napi(factory, catch_unwind, ts_args_type = "path: string")]
    pub fn load(env: Env, path: Unknown<'_>) -> Result<Self> {
        let inner = DoctorRecommender::load(text(&env, "path", path)?).js(&env)?;
        Ok(JsRecommender { inner })
    }
}

/// A fitted k-means segmentation of doctors.
#[napi(js_name = "DoctorSegmentation")]
pub struct JsDoctorSegmentation {
    inner: DoctorSegmentation,
}

#[napi]
impl JsDoctorSegmentation {
    /// Number of segments.
    #[napi(getter)]
    pub fn k(&self) -> u32 {
        self.inner.k() as u32
    }

    /// One profile per segment: size, mean tenure and Rx, specialty and province shares.
    #[napi(getter, ts_return_type = "Array<Record<string, unknown>>")]
    pub fn profiles(&self, env: Env) -> Result<Unknown<'static>> {
        to_value(&env, &self.inner.profiles())
    }

    /// Silhouette of each candidate k (when k was chosen by silhouette).
    #[napi(getter, ts_return_type = "Array<{ k: number; silhouette: number }>")]
    pub fn silhouettes(&self, env: Env) -> Result<Unknown<'static>> {
        to_value(&env, &self.inner.silhouette_scores())
    }

    /// The segment of a training doctor (`null` for an unknown id).
    #[napi(catch_unwind, ts_args_type = "doctorId: number")]
    pub fn segment_of(&self, env: Env, doctor_id: Unknown<'_>) -> Result<Option<u32>> {
        let id = whole_number("doctorId", number(&env, "doctorId", doctor_id)?);
        Ok(id
            .ok()
            .and_then(|id| self.inner.segment_of(id))
            .map(|s| s as u32))
    }

    /// The model artifact (the JSON text every runtime reads).
    #[napi(catch_unwind)]
    pub fn to_json(&self, env: Env) -> Result<String> {
        self.inner.to_json().js(&env)
    }

    /// Reads a segmentation artifact written by any runtime.
    #[napi(factory, catch_unwind, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text_: Unknown<'_>) -> Result<Self> {
        let inner = DoctorSegmentation::from_json(&text(&env, "text", text_)?).js(&env)?;
        Ok(JsDoctorSegmentation { inner })
    }
}

/// A fitted uplift forest (an honest causal forest) of one campaign outcome, from
/// `CampaignAnalytics.fitUplift` or read from its artifact: scores doctors with
/// `CampaignAnalytics.scoreUplift`.
#[napi(js_name = "UpliftForest")]
pub struct JsUpliftForest {
    /// Shared with the tasks of `scoreUpliftAsync`.
    inner: Arc<UpliftForest>,
}

#[napi]
impl JsUpliftForest {
    /// `"responded"` or `"rx_change"`: the outcome the forest was fitted for.
    #[napi(getter, ts_return_type = "'responded' | 'rx_change'")]
    pub fn outcome(&self) -> String {
        match self.inner.outcome() {
            OutcomeKind::Binary => "responded",
            OutcomeKind::Continuous => "rx_change",
        }
        .to_string()
    }

    /// The feature columns, in order.
    #[napi(getter)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner.schema().names()
    }

    /// Names of the columns of the local-linear correction (empty: none).
    #[napi(getter)]
    pub fn linear_columns(&self) -> Vec<String> {
        self.inner.linear_column_names()
    }

    /// Number of trees.
    #[napi(getter)]
    pub fn n_trees(&self) -> u32 {
        self.inner.trees().len() as u32
    }

    /// The model artifact (the JSON text every runtime reads).
    #[napi(catch_unwind)]
    pub fn to_json(&self, env: Env) -> Result<String> {
        self.inner.to_json().js(&env)
    }

    /// Reads an uplift forest artifact written by any runtime.
    #[napi(factory, catch_unwind, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text_: Unknown<'_>) -> Result<Self> {
        let inner = UpliftForest::from_json(&text(&env, "text", text_)?).js(&env)?;
        Ok(JsUpliftForest {
            inner: Arc::new(inner),
        })
    }

    /// Writes the model artifact to `path`.
    #[napi(catch_unwind, ts_args_type = "path: string")]
    pub fn save(&self, env: Env, path: Unknown<'_>) -> Result<()> {
        self.inner.save(text(&env, "path", path)?).js(&env)
    }

    /// Reads a model artifact from `path`.
    #[napi(factory, catch_unwind, ts_args_type = "path: string")]
    pub fn load(env: Env, path: Unknown<'_>) -> Result<Self> {
        let inner = UpliftForest::load(text(&env, "path", path)?).js(&env)?;
        Ok(JsUpliftForest {
            inner: Arc::new(inner),
        })
    }
}
