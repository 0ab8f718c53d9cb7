//! `PurchaseForecaster`: purchase probability, expected spend, value bands and sales
//! forecasts (core [`optocom_core::purchase`]).

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use optocom_core::data::ingest::{read_csv, IngestOptions, ReadOptions};
use optocom_core::data::Appointment;
use optocom_core::progress::{observe, Observer};
use optocom_core::purchase::{
    Freq, PatientFeatures, PurchaseForecaster, PurchaseParams, ScoredAppointment,
    DEFAULT_COMPARE_FREQ, DEFAULT_FORECAST_FREQ, DEFAULT_LEVEL,
};
use optocom_core::{Error as CoreError, Persist};

use crate::convert::{params, records, to_value, to_value_via_json, value};
use crate::error::{guarded, internal, panic_text, to_js, IntoJsResult};

/// A fitted purchase forecaster: a random forest for P(amount >= threshold) and a scaled
/// linear regression for the spend, with the uncertainty of the revenue forecast.
#[napi(js_name = "PurchaseForecaster")]
pub struct JsPurchaseForecaster {
    /// Shared with the scoring tasks of `scoreAsync` (the model is immutable).
    inner: Arc<PurchaseForecaster>,
}

/// Appointments to train on: input without data rows is an error.
fn appointments(env: &Env, data: Either<String, Unknown<'_>>) -> Result<Vec<Appointment>> {
    Ok(records::<Appointment>(env, data, &IngestOptions::strict())?.rows)
}

/// Appointments to score, forecast or compare: an empty array (or a header-only CSV) is zero
/// rows, which score to nothing (an empty diary is a normal answer).
fn to_score(env: &Env, data: Either<String, Unknown<'_>>) -> Result<Vec<Appointment>> {
    Ok(records::<Appointment>(env, data, &IngestOptions::scoring())?.rows)
}

/// `onProgress` as a function any thread may queue calls to.
type ProgressFn = ThreadsafeFunction<FnArgs<(u32, u32)>, (), FnArgs<(u32, u32)>, Status, false>;

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Training on the libuv thread pool, for [`JsPurchaseForecaster::fit_async`].
pub struct FitTask {
    /// The params and rows; `None` when reading them failed (see `failure`).
    input: Option<(PurchaseParams, Vec<Appointment>)>,
    /// The caller's `onProgress`, called with `(done, total)` after each tree.
    progress: Option<Arc<ProgressFn>>,
    /// Why the Promise rejects, built into a JS error in `reject` (on the main thread).
    failure: Option<Failure>,
}

/// What went wrong in a [`FitTask`].
enum Failure {
    /// Reading the params or the rows (so `fitAsync` rejects instead of throwing).
    Input(napi::Error),
    /// The core refused the data or params.
    Core(CoreError),
    /// A panic, caught before it left the worker thread.
    Panic(String),
}

impl Task for FitTask {
    type Output = PurchaseForecaster;
    type JsValue = JsPurchaseForecaster;

    fn compute(&mut self) -> Result<Self::Output> {
        let Some((params, rows)) = &self.input else {
            return Err(napi::Error::from_reason("invalid input"));
        };
        let fit = || PurchaseForecaster::fit(params, rows);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match &self.progress {
                // Observing never changes the result (optocom_core::progress).
                Some(f) => {
                    let f = Arc::clone(f);
                    let observer: Observer = Arc::new(move |done, total| {
                        let args = FnArgs::from((saturate(done), saturate(total)));
                        f.call(args, ThreadsafeFunctionCallMode::NonBlocking);
                    });
                    observe(observer, fit)
                }
                None => fit(),
            }
        }));
        let failure = match run {
            Ok(Ok(model)) => return Ok(model),
            Ok(Err(e)) => Failure::Core(e),
            Err(p) => Failure::Panic(panic_text(&*p).to_owned()),
        };
        self.failure = Some(failure);
        Err(napi::Error::from_reason("fit failed"))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(JsPurchaseForecaster {
            inner: Arc::new(output),
        })
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> Result<Self::JsValue> {
        Err(match self.failure.take() {
            Some(Failure::Input(e)) => e,
            Some(Failure::Core(e)) => to_js(&env, &e),
            Some(Failure::Panic(p)) => internal(&env, &p),
            None => err,
        })
    }
}

/// Scoring on the libuv thread pool, for [`JsPurchaseForecaster::score_async`].
pub struct ScoreTask {
    model: Arc<PurchaseForecaster>,
    /// CSV text (parsed on the pool too) or rows read on the main thread; `None` when
    /// reading them failed (see `failure`).
    input: Option<Either<String, Vec<Appointment>>>,
    failure: Option<Failure>,
}

impl Task for ScoreTask {
    type Output = Vec<ScoredAppointment>;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> Result<Self::Output> {
        let Some(input) = &self.input else {
            return Err(napi::Error::from_reason("invalid input"));
        };
        let model = &self.model;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match input {
            Either::A(csv) => {
                let rows =
                    read_csv::<Appointment, _>(csv.as_bytes(), &IngestOptions::scoring())?.rows;
                model.score(&rows)
            }
            Either::B(rows) => model.score(rows),
        }));
        let failure = match run {
            Ok(Ok(scored)) => return Ok(scored),
            Ok(Err(e)) => Failure::Core(e),
            Err(p) => Failure::Panic(panic_text(&*p).to_owned()),
        };
        self.failure = Some(failure);
        Err(napi::Error::from_reason("scoring failed"))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        let finite = output.iter().all(ScoredAppointment::is_finite);
        to_value_via_json(&env, &output, finite)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> Result<Self::JsValue> {
        Err(match self.failure.take() {
            Some(Failure::Input(e)) => e,
            Some(Failure::Core(e)) => to_js(&env, &e),
            Some(Failure::Panic(p)) => internal(&env, &p),
            None => err,
        })
    }
}

#[napi]
impl JsPurchaseForecaster {
    /// Trains on past appointments (CSV text or an array of records, each with its
    /// `amount`). `params` is an options object with the snake_case fields of
    /// `PurchaseParams` (e.g. `{ threshold: 100, classifier: { n_trees: 200 } }`); omitted
    /// fields keep their defaults and unknown keys are refused. Blocks the calling thread:
    /// prefer `fitAsync` in a server.
    #[napi(
        factory,
        catch_unwind,
        ts_args_type = "past: Data, params?: Record<string, unknown>"
    )]
    pub fn fit(
        env: Env,
        past: Either<String, Unknown<'_>>,
        params_: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let p: PurchaseParams = params(&env, "params", params_)?;
        let rows = appointments(&env, past)?;
        let inner = guarded(&env, || PurchaseForecaster::fit(&p, &rows))?;
        Ok(JsPurchaseForecaster {
            inner: Arc::new(inner),
        })
    }

    /// As `fit`, on a worker thread: returns a Promise of the fitted forecaster, rejected
    /// (never thrown) with an `OptocomError` on bad data or params. The data are read on the
    /// calling thread, the forest and the regression trained on libuv's pool. `onProgress`,
    /// if given, is called on the main thread with `(done, total)` trees of each forest the
    /// fit trains (the holdout fit, then the refit on every row); calls are queued, so the
    /// last ones may arrive just after the Promise settles.
    #[napi(
        catch_unwind,
        ts_args_type = "past: Data, params?: Record<string, unknown>, onProgress?: (done: number, total: number) => void",
        ts_return_type = "Promise<PurchaseForecaster>"
    )]
    pub fn fit_async(
        env: Env,
        past: Either<String, Unknown<'_>>,
        params_: Option<Unknown<'_>>,
        on_progress: Option<Function<'_, FnArgs<(u32, u32)>, ()>>,
    ) -> Result<AsyncTask<FitTask>> {
        let progress = match on_progress {
            Some(f) => Some(Arc::new(
                f.build_threadsafe_function::<FnArgs<(u32, u32)>>()
                    .callee_handled::<false>()
                    .build()?,
            )),
            None => None,
        };
        let input = params(&env, "params", params_)
            .and_then(|p: PurchaseParams| Ok((p, appointments(&env, past)?)));
        let (input, failure) = match input {
            Ok(input) => (Some(input), None),
            Err(e) => (None, Some(Failure::Input(e))),
        };
        Ok(AsyncTask::new(FitTask {
            input,
            progress,
            failure,
        }))
    }

    /// Scores appointments: one object per appointment with `probability`,
    /// `expected_spend`, `expected_revenue`, `revenue_sd`, `value_band` (`"high"`,
    /// `"medium"`, `"low"`) and `actual_amount` (`null` when unknown).
    #[napi(
        catch_unwind,
        ts_args_type = "appointments: Data",
        ts_return_type = "ScoredAppointment[]"
    )]
    pub fn score(
        &self,
        env: Env,
        appointments_: Either<String, Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let rows = to_score(&env, appointments_)?;
        let scored = guarded(&env, || self.inner.score(&rows))?;
        let finite = scored.iter().all(ScoredAppointment::is_finite);
        to_value_via_json(&env, &scored, finite)
    }

    /// As `score`, on the libuv thread pool: returns a Promise of the scored appointments,
    /// rejected (never thrown) on bad input. CSV text is also parsed on the pool; an array of
    /// records is read on the calling thread first (it needs V8). For a server, where a
    /// large `score` would block the event loop; the result is the same as `score`'s.
    #[napi(
        catch_unwind,
        ts_args_type = "appointments: Data",
        ts_return_type = "Promise<ScoredAppointment[]>"
    )]
    pub fn score_async(
        &self,
        env: Env,
        appointments_: Either<String, Unknown<'_>>,
    ) -> Result<AsyncTask<ScoreTask>> {
        let input = match appointments_ {
            Either::A(csv) => Ok(Either::A(csv)),
            Either::B(records) => to_score(&env, Either::B(records)).map(Either::B),
        };
        let (input, failure) = match input {
            Ok(input) => (Some(input), None),
            Err(e) => (None, Some(Failure::Input(e))),
        };
        Ok(AsyncTask::new(ScoreTask {
            model: Arc::clone(&self.inner),
            input,
            failure,
        }))
    }

    /// One patient's probability, expected spend and value band, from an object with the
    /// eight features (`age`, `days_since_last_purchase`, `employed`, `benefits`, `driver`,
    /// `vdu_user`, `varifocal`, `high_prescription`).
    #[napi(
        catch_unwind,
        ts_args_type = "patient: PatientFeatures",
        ts_return_type = "PatientPrediction"
    )]
    pub fn predict_patient(&self, env: Env, patient: Unknown<'_>) -> Result<Unknown<'static>> {
        let p: PatientFeatures = value(&env, "patient", patient)?;
        let out = guarded(&env, || self.inner.predict_patient(&p))?;
        to_value(&env, &out)
    }

    /// Expected revenue per period (`freq`: `"day"`, `"week"` (default) or `"month"`) with
    /// prediction intervals at `level` (default 0.9).
    #[napi(
        catch_unwind,
        ts_args_type = "appointments: Data, freq?: string, level?: number",
        ts_return_type = "ForecastPoint[]"
    )]
    pub fn forecast(
        &self,
        env: Env,
        appointments_: Either<String, Unknown<'_>>,
        freq: Option<String>,
        level: Option<f64>,
    ) -> Result<Unknown<'static>> {
        let freq = Freq::parse_or(freq.as_deref(), DEFAULT_FORECAST_FREQ).js(&env)?;
        let rows = to_score(&env, appointments_)?;
        let out = guarded(&env, || {
            self.inner
                .forecast(&rows, freq, level.unwrap_or(DEFAULT_LEVEL))
        })?;
        to_value(&env, &out)
    }

    /// Expected revenue of all the given appointments together, with its interval at
    /// `level` (default 0.9); `null` for no appointments.
    #[napi(
        catch_unwind,
        ts_args_type = "appointments: Data, level?: number",
        ts_return_type = "ForecastPoint | null"
    )]
    pub fn forecast_total(
        &self,
        env: Env,
        appointments_: Either<String, Unknown<'_>>,
        level: Option<f64>,
    ) -> Result<Unknown<'static>> {
        let rows = to_score(&env, appointments_)?;
        let out = guarded(&env, || {
            self.inner
                .forecast_total(&rows, level.unwrap_or(DEFAULT_LEVEL))
        })?;
        to_value(&env, &out)
    }

    /// Actual against predicted revenue per period on past appointments (with amounts).
    #[napi(
        catch_unwind,
        ts_args_type = "past: Data, freq?: string, level?: number",
        ts_return_type = "ComparisonPoint[]"
    )]
    pub fn compare(
        &self,
        env: Env,
        past: Either<String, Unknown<'_>>,
        freq: Option<String>,
        level: Option<f64>,
    ) -> Result<Unknown<'static>> {
        let freq = Freq::parse_or(freq.as_deref(), DEFAULT_COMPARE_FREQ).js(&env)?;
        let rows = to_score(&env, past)?;
        let out = guarded(&env, || {
            self.inner
                .compare(&rows, freq, level.unwrap_or(DEFAULT_LEVEL))
        })?;
        to_value(&env, &out)
    }

    /// The training report: holdout AUC, Brier score, R^2 of the spend model, calibration.
    #[napi(getter, ts_return_type = "Record<string, unknown>")]
    pub fn report(&self, env: Env) -> Result<Unknown<'static>> {
        to_value(&env, self.inner.report())
    }

    /// The training report as text.
    #[napi]
    pub fn report_text(&self) -> String {
        self.inner.report().to_string()
    }

    /// Training facts: `trained_at`, `n_rows`, `n_features`.
    #[napi(
        getter,
        ts_return_type = "{ trained_at: string | null; n_rows: number; n_features: number }"
    )]
    pub fn info(&self, env: Env) -> Result<Unknown<'static>> {
        to_value(&env, self.inner.info())
    }

    /// The params the model was trained with (every field, defaults included).
    #[napi(getter, ts_return_type = "Record<string, unknown>")]
    pub fn params(&self, env: Env) -> Result<Unknown<'static>> {
        to_value(&env, self.inner.params())
    }

    /// Names of the encoded features.
    #[napi(getter)]
    pub fn feature_names(&self) -> Vec<String> {
        self.inner.schema().names()
    }

    /// The model artifact (the JSON text every runtime reads).
    #[napi(catch_unwind)]
    pub fn to_json(&self, env: Env) -> Result<String> {
        self.inner.to_json().js(&env)
    }

    /// Reads a model artifact written by any runtime.
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, text: String) -> Result<Self> {
        let inner = PurchaseForecaster::from_json(&text).js(&env)?;
        Ok(JsPurchaseForecaster {
            inner: Arc::new(inner),
        })
    }

    /// Writes the model artifact to `path`.
    #[napi(catch_unwind)]
    pub fn save(&self, env: Env, path: String) -> Result<()> {
        self.inner.save(&path).js(&env)
    }

    /// Reads a model artifact from `path`.
    #[napi(factory, catch_unwind)]
    pub fn load(env: Env, path: String) -> Result<Self> {
        let inner = PurchaseForecaster::load(&path).js(&env)?;
        Ok(JsPurchaseForecaster {
            inner: Arc::new(inner),
        })
    }
}

/// Reads appointments (CSV text or an array of records) with the core's aliases and checks.
/// Returns `{ rows, rejected }`; with `lenient: true` bad rows go to `rejected` (each with
/// its position, column, value and reason) instead of throwing.
#[napi(
    catch_unwind,
    ts_args_type = "data: Data, options?: { lenient?: boolean }",
    ts_return_type = "{ rows: Appointment[]; rejected: Rejection[] }"
)]
pub fn read_appointments(
    env: Env,
    data: Either<String, Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> Result<Unknown<'static>> {
    let o: ReadOptions = params(&env, "options", options)?;
    let got = records::<Appointment>(&env, data, &IngestOptions::from(o))?;
    to_value(&env, &got)
}
