//! Campaign analytics: the compiled half of `optocom.CampaignAnalytics` (metrics, trends,
//! responders, uplift tables, segmentation, recommendations, streaming CSV export).

use std::collections::HashSet;
use std::sync::Mutex;

use numpy::{IntoPyArray, PyArray1, PyArray2};
use optocom_core::campaign::{
    CampaignAnalytics, DoctorRecommender, DoctorSegmentation, ExportTable, Outcome, RankBy,
    RecommenderParams, SegmentationParams, UpliftParams,
};
use optocom_core::data::campaign_demo::OutcomeParams;
use optocom_core::data::ingest::{
    read_campaign_dir, read_campaign_tables, read_campaign_workbook, IngestOptions,
};
use optocom_core::data::{CampaignData, Doctor, DoctorFilter, PageRequest};
use optocom_core::export::ExportOptions;
use optocom_core::{Error, Persist};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use serde::{Deserialize, Serialize};

use crate::conversion::{from_json, json, table};
use crate::error::{detached, IntoPyResult};
use crate::uplift::UpliftModel;

fn opts(lenient: bool) -> IngestOptions {
    if lenient {
        IngestOptions::lenient()
    } else {
        IngestOptions::strict()
    }
}

/// Campaign data and its analytics.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct CampaignModel {
    pub(crate) inner: CampaignAnalytics,
    /// The recommender `recommend` built last (doctor profiles, plus the product profiles
    /// asked for so far), reused while the parameters and the segmentation object are the
    /// same. The data and both models are immutable, so a reused recommender answers as a
    /// fresh one would.
    recommender: Mutex<Option<CachedRecommender>>,
}

/// What a pickled [`CampaignModel`] holds: the data and the outcome rule, from which the
/// analytics are rebuilt (and checked) as when they were first built.
#[derive(Serialize)]
struct StateRef<'a> {
    data: &'a CampaignData,
    outcome: &'a OutcomeParams,
}

/// See [`StateRef`].
#[derive(Deserialize)]
struct State {
    data: CampaignData,
    outcome: OutcomeParams,
}

/// `(cls.from_json, (artifact,))`: pickling (and `copy.deepcopy`) of a model through its
/// artifact, the one serialised form (`__reduce__` of the frozen classes below).
pub(crate) fn reduce_to_json<'py>(
    slf: &Bound<'py, PyAny>,
    text: String,
) -> PyResult<Bound<'py, PyTuple>> {
    let load = slf.get_type().getattr("from_json")?;
    PyTuple::new(slf.py(), [load, PyTuple::new(slf.py(), [text])?.into_any()])
}

/// See [`CampaignModel::recommender`].
struct CachedRecommender {
    params: String,
    /// Held, so that its address identifies it for as long as the cache lives.
    segmentation: Option<Py<SegmentationModel>>,
    rec: DoctorRecommender,
}

impl CampaignModel {
    pub(crate) fn new(inner: CampaignAnalytics) -> CampaignModel {
        CampaignModel {
            inner,
            recommender: Mutex::new(None),
        }
    }

    fn build(py: Python<'_>, data: CampaignData, outcome: Option<&str>) -> PyResult<CampaignModel> {
        let outcome: Option<OutcomeParams> = match outcome {
            Some(o) => Some(from_json(py, "outcome", o)?),
            None => None,
        };
        let inner = detached(py, move || match outcome {
            Some(o) => CampaignAnalytics::with_outcome(data, o),
            None => CampaignAnalytics::new(data),
        })?;
        Ok(CampaignModel::new(inner))
    }
}

#[pymethods]
impl CampaignModel {
    /// From the typed columns of the four tables.
    #[staticmethod]
    #[pyo3(signature = (doctors, campaigns, targeting, rx, outcome=None, lenient=false))]
    fn from_tables(
        py: Python<'_>,
        doctors: &Bound<'_, PyList>,
        campaigns: &Bound<'_, PyList>,
        targeting: &Bound<'_, PyList>,
        rx: &Bound<'_, PyList>,
        outcome: Option<&str>,
        lenient: bool,
    ) -> PyResult<(Self, String)> {
        let o = opts(lenient);
        let (d, c, t, r) = (
            table(py, doctors)?,
            table(py, campaigns)?,
            table(py, targeting)?,
            table(py, rx)?,
        );
        let got = detached(py, move || read_campaign_tables(&d, &c, &t, &r, &o))?;
        let rejected = json(py, &got.rejected)?;
        Ok((Self::build(py, got.data, outcome)?, rejected))
    }

    /// From a directory of CSV files or an XLSX workbook.
    #[staticmethod]
    #[pyo3(signature = (path, outcome=None, lenient=false))]
    fn from_path(
        py: Python<'_>,
        path: std::path::PathBuf,
        outcome: Option<&str>,
        lenient: bool,
    ) -> PyResult<(Self, String)> {
        let o = opts(lenient);
        let got = detached(py, move || {
            let csv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if path.is_dir() {
                read_campaign_dir(&path, &o)
            } else if csv {
                // One table is not the data; read as a workbook it would be a "Zip error".
                Err(optocom_core::Error::invalid_param(
                    "data",
                    path.display(),
                    "is one CSV file: campaign data is a folder holding doctors.csv, \
                     campaigns.csv, targeting.csv and rx.csv, or one .xlsx workbook with \
                     those sheets",
                ))
            } else {
                read_campaign_workbook(&path, &o)
            }
        })?;
        let rejected = json(py, &got.rejected)?;
        Ok((Self::build(py, got.data, outcome)?, rejected))
    }

    /// The built-in sample data (seeded).
    #[staticmethod]
    fn sample(py: Python<'_>, seed: u64) -> PyResult<Self> {
        let inner = detached(py, move || CampaignAnalytics::sample(seed))?;
        Ok(CampaignModel::new(inner))
    }

    /// The data and outcome rule as JSON (what pickling stores; see [`State`]).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json(
            py,
            &StateRef {
                data: self.inner.data(),
                outcome: self.inner.outcome(),
            },
        )
    }

    /// Analytics rebuilt from [`CampaignModel::to_json`]'s text (checked as when first
    /// built).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let state: State = serde_json::from_str(text).map_err(|e| {
            crate::error::to_py(
                py,
                Error::artifact(format!("malformed campaign analytics state: {e}")),
            )
        })?;
        let inner = detached(py, move || {
            CampaignAnalytics::with_outcome(state.data, state.outcome)
        })?;
        Ok(CampaignModel::new(inner))
    }

    /// Pickling and `copy.deepcopy` (through [`CampaignModel::to_json`]).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let text = slf.get().to_json(slf.py())?;
        reduce_to_json(slf.as_any(), text)
    }

    /// One table (`doctors`, `campaigns`, `targeting` or `rx`) as a JSON list of records:
    /// one at a time, since the Rx table is by far the largest.
    fn table(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let d = self.inner.data();
        match name {
            "doctors" => json(py, &d.doctors),
            "campaigns" => json(py, &d.campaigns),
            "targeting" => json(py, &d.targeting),
            "rx" => json(py, &d.rx),
            _ => Err(crate::error::to_py(
                py,
                optocom_core::Error::invalid_param(
                    "table",
                    name,
                    "expected doctors, campaigns, targeting or rx",
                ),
            )),
        }
    }

    /// Rows of the four tables (doctors, campaigns, targeting, rx).
    fn counts(&self) -> (usize, usize, usize, usize) {
        let d = self.inner.data();
        (
            d.doctors.len(),
            d.campaigns.len(),
            d.targeting.len(),
            d.rx.len(),
        )
    }

    /// Campaign summaries, filtered and paginated (JSON page).
    fn campaigns(
        &self,
        py: Python<'_>,
        filter: &str,
        page: usize,
        per_page: usize,
    ) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let p = PageRequest::new(page, per_page).py_err(py)?;
        let out = detached(py, || self.inner.campaigns(&f, &p))?;
        json(py, &out)
    }

    /// Metrics of one campaign (JSON).
    fn metrics(
        &self,
        py: Python<'_>,
        campaign_id: u64,
        filter: &str,
        confidence: f64,
    ) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let out = detached(py, || self.inner.metrics(campaign_id, &f, confidence))?;
        json(py, &out)
    }

    /// Monthly Rx trend of targeted and control doctors (JSON list).
    fn rx_trend(&self, py: Python<'_>, campaign_id: u64, filter: &str) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let out = detached(py, || self.inner.rx_trend(campaign_id, &f))?;
        json(py, &out)
    }

    /// Ranked responders (JSON page); `rank_by` is `"rx_increase"` or `{"uplift": {id: score}}`.
    fn top_responders(
        &self,
        py: Python<'_>,
        campaign_id: u64,
        filter: &str,
        rank_by: &str,
        page: usize,
        per_page: usize,
    ) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let r: RankBy = from_json(py, "rank_by", rank_by)?;
        let p = PageRequest::new(page, per_page).py_err(py)?;
        let out = detached(py, || self.inner.top_responders(campaign_id, &f, &r, &p))?;
        json(py, &out)
    }

    /// The uplift table of a campaign: `(doctor_ids, feature_names, features, treatment,
    /// responded, rx_change)`.
    #[allow(clippy::type_complexity)]
    fn uplift_table<'py>(
        &self,
        py: Python<'py>,
        campaign_id: u64,
    ) -> PyResult<(
        Vec<u64>,
        Vec<String>,
        Bound<'py, PyArray2<f64>>,
        Bound<'py, PyArray1<u8>>,
        Bound<'py, PyArray1<u8>>,
        Bound<'py, PyArray1<f64>>,
    )> {
        let t = detached(py, || self.inner.uplift_table(campaign_id))?;
        Ok((
            t.doctor_ids,
            t.feature_names,
            t.features.into_pyarray(py),
            t.treatment.into_pyarray(py),
            t.responded.into_pyarray(py),
            t.rx_change.into_pyarray(py),
        ))
    }

    /// Fits an uplift forest (`params`: core `UpliftParams` JSON) on a campaign for `outcome`
    /// (`"responded"` or `"rx_change"`) and scores its doctors at confidence `level`:
    /// `(model, rows JSON)`.
    #[pyo3(signature = (campaign_id, params, outcome, level, progress=None))]
    fn uplift(
        &self,
        py: Python<'_>,
        campaign_id: u64,
        params: &str,
        outcome: &str,
        level: f64,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(UpliftModel, String)> {
        let observer = crate::progress::observer(progress);
        let p: UpliftParams = from_json(py, "params", params)?;
        let outcome = Outcome::parse(outcome).py_err(py)?;
        let (inner, rows) = detached(py, || {
            crate::progress::run(observer, || {
                self.inner.uplift(campaign_id, &p, outcome, level)
            })
        })?;
        Ok((UpliftModel::new(inner), json(py, &rows)?))
    }

    /// Scores a campaign's doctors with a fitted uplift forest at confidence `level` (rows
    /// JSON), without refitting.
    fn score_uplift(
        &self,
        py: Python<'_>,
        model: PyRef<'_, UpliftModel>,
        campaign_id: u64,
        level: f64,
    ) -> PyResult<String> {
        let forest = &model.inner;
        let rows = detached(py, || self.inner.score_uplift(forest, campaign_id, level))?;
        json(py, &rows)
    }

    /// A recommender over every doctor that knows `products` (every promoted product when
    /// empty), with the doctors' segments when `segmentation` is given.
    #[pyo3(signature = (params, products, segmentation=None))]
    fn product_recommender(
        &self,
        py: Python<'_>,
        params: &str,
        products: Vec<String>,
        segmentation: Option<PyRef<'_, SegmentationModel>>,
    ) -> PyResult<RecommenderModel> {
        let p: RecommenderParams = from_json(py, "params", params)?;
        let seg = segmentation.as_ref().map(|s| &s.inner);
        let inner = detached(py, || self.inner.product_recommender(&p, seg, &products))?;
        Ok(RecommenderModel { inner })
    }

    /// k-means segmentation of the doctors.
    fn segment(&self, py: Python<'_>, params: &str) -> PyResult<SegmentationModel> {
        let p: SegmentationParams = from_json(py, "params", params)?;
        let inner = detached(py, || {
            DoctorSegmentation::fit(&p, &self.inner.data().doctors)
        })?;
        Ok(SegmentationModel { inner })
    }

    /// Recommended doctors for `product` (JSON list): the product's profile is derived from
    /// the response rates of the doctors its campaigns targeted; `exclude` doctor ids are
    /// skipped.
    #[pyo3(signature = (product, n, filter, exclude, params, segmentation=None))]
    fn recommend(
        &self,
        py: Python<'_>,
        product: &str,
        n: usize,
        filter: &str,
        exclude: Vec<u64>,
        params: &str,
        segmentation: Option<Bound<'_, SegmentationModel>>,
    ) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let parsed: RecommenderParams = from_json(py, "params", params)?;
        let exclude: HashSet<u64> = exclude.into_iter().collect();
        let seg_id = segmentation.as_ref().map(|s| s.as_ptr() as usize);
        let seg_model = segmentation.as_ref().map(|s| s.get());
        let seg_keep = segmentation.as_ref().map(|s| s.clone().unbind());
        let out = detached(py, || {
            // A panic while building leaves a poisoned lock: start from an empty cache.
            let mut cache = self.recommender.lock().unwrap_or_else(|poisoned| {
                let mut guard = poisoned.into_inner();
                *guard = None;
                guard
            });
            let reusable = cache.as_ref().is_some_and(|c| {
                c.params == params && c.segmentation.as_ref().map(|s| s.as_ptr() as usize) == seg_id
            });
            if !reusable {
                *cache = Some(CachedRecommender {
                    params: params.to_string(),
                    segmentation: seg_keep,
                    rec: self
                        .inner
                        .recommender(&parsed, seg_model.map(|s| &s.inner))?,
                });
            }
            let Some(c) = cache.as_mut() else {
                return Err(Error::empty("recommender cache"));
            };
            self.inner.add_product_to(&mut c.rec, product)?;
            c.rec.recommend(product, n, Some(&exclude), Some(&f))
        })?;
        json(py, &out)
    }

    /// Streams doctors (filtered) or a campaign's ranked responders to a CSV file; returns
    /// the export summary (JSON).
    #[pyo3(signature = (path, what, filter, campaign_id=None, rank_by=None, formula_guard=true))]
    fn export_csv(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        what: &str,
        filter: &str,
        campaign_id: Option<u64>,
        rank_by: Option<&str>,
        formula_guard: bool,
    ) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let rank: RankBy = match rank_by {
            Some(r) => from_json(py, "rank_by", r)?,
            None => RankBy::RxIncrease,
        };
        let table = ExportTable::parse(what, campaign_id, rank).py_err(py)?;
        let options = ExportOptions::default().formula_guard(formula_guard);
        let out = detached(py, || {
            self.inner.export_csv_file(&table, &f, &path, &options)
        })?;
        json(py, &out)
    }
}

/// A fitted doctor segmentation.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct SegmentationModel {
    pub(crate) inner: DoctorSegmentation,
}

#[pymethods]
impl SegmentationModel {
    /// Number of segments.
    #[getter]
    fn k(&self) -> usize {
        self.inner.k()
    }

    /// Segment profiles (JSON list).
    fn profiles(&self, py: Python<'_>) -> PyResult<String> {
        json(py, &self.inner.profiles())
    }

    /// Silhouette per candidate k (JSON list).
    fn silhouettes(&self, py: Python<'_>) -> PyResult<String> {
        json(py, &self.inner.silhouette_scores())
    }

    /// Centroids in the encoded space and the encoded feature names.
    fn centroids(&self) -> (Vec<Vec<f64>>, Vec<String>) {
        (self.inner.centroids(), self.inner.feature_schema().names())
    }

    /// Segment of each doctor of the typed doctor columns: `(doctor_ids, segments)`.
    fn assign(
        &self,
        py: Python<'_>,
        doctors: &Bound<'_, PyList>,
    ) -> PyResult<(Vec<u64>, Vec<usize>)> {
        let t = table(py, doctors)?;
        detached(py, || {
            let docs = t.read::<Doctor>(&IngestOptions::scoring())?.rows; // no doctors: no assignments
            let seg = self.inner.assign(&docs)?;
            Ok((docs.iter().map(|d| d.doctor_id).collect(), seg))
        })
    }

    /// Segment of a training doctor.
    fn segment_of(&self, doctor_id: u64) -> Option<usize> {
        self.inner.segment_of(doctor_id)
    }

    /// The model artifact (JSON envelope).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py_err(py)
    }

    /// Reads a model artifact.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = DoctorSegmentation::from_json(text).py_err(py)?;
        Ok(SegmentationModel { inner })
    }

    /// Pickling and `copy.deepcopy` (through the artifact).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let text = slf.get().inner.to_json().py_err(slf.py())?;
        reduce_to_json(slf.as_any(), text)
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.inner.save(&path))
    }
}

/// A fitted content-based doctor recommender.
#[pyclass(module = "optocom._optocom", frozen)]
pub struct RecommenderModel {
    pub(crate) inner: DoctorRecommender,
}

#[pymethods]
impl RecommenderModel {
    /// The `n` best doctors for `product` (JSON list), skipping `exclude`, within `filter`.
    fn recommend(
        &self,
        py: Python<'_>,
        product: &str,
        n: usize,
        filter: &str,
        exclude: Vec<u64>,
    ) -> PyResult<String> {
        let f: DoctorFilter = from_json(py, "filter", filter)?;
        let exclude: HashSet<u64> = exclude.into_iter().collect();
        let out = detached(py, || {
            self.inner.recommend(product, n, Some(&exclude), Some(&f))
        })?;
        json(py, &out)
    }

    /// Products the recommender knows.
    fn products(&self) -> Vec<String> {
        self.inner
            .products()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Number of doctors it recommends from.
    #[getter]
    fn n_doctors(&self) -> usize {
        self.inner.n_doctors()
    }

    /// The model artifact (JSON envelope).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py_err(py)
    }

    /// Reads a model artifact.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = DoctorRecommender::from_json(text).py_err(py)?;
        Ok(RecommenderModel { inner })
    }

    /// Pickling and `copy.deepcopy` (through the artifact).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let text = slf.get().inner.to_json().py_err(slf.py())?;
        reduce_to_json(slf.as_any(), text)
    }

    /// Writes the model artifact to `path`.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        detached(py, || self.inner.save(&path))
    }
}
