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
    ComparisonPoint, ForecastPoint, Freq, PatientFeatures, PurchaseForecaster, PurchaseParams,
    ScoredAppointment, DEFAULT_COMPARE_FREQ, DEFAULT_FORECAST_FREQ, DEFAULT_LEVEL,
};
use optocom_core::Persist;
use serde::Serialize;

use crate::convert::{params, records, to_value, to_value_via_json, value};
use crate::error::{guarded, IntoJsResult};
use crate::task::CoreTask;

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

/// Appointments for a task on the pool: CSV text (parsed there) or records read now, on the
/// main thread (they need V8).
fn pool_input(
    env: &Env,
    data: Either<String, Unknown<'_>>,
) -> Result<Either<String, Vec<Appointment>>> {
    Ok(match data {
        Either::A(csv) => Either::A(csv),
        Either::B(records) => Either::B(to_score(env, Either::B(records))?),
    })
}

/// The appointments of [`pool_input`], on the pool: CSV parsed as `to_score` would.
fn pool_rows(input: Either<String, Vec<Appointment>>) -> optocom_core::Result<Vec<Appointment>> {
    match input {
        Either::A(csv) => {
            Ok(read_csv::<Appointment, _>(csv.as_bytes(), &IngestOptions::scoring())?.rows)
        }
        Either::B(rows) => Ok(rows),
    }
}

/// `PurchaseForecaster::forecast` or `compare`.
type PeriodsFn<T> =
    fn(&PurchaseForecaster, &[Appointment], Freq, f64) -> optocom_core::Result<Vec<T>>;

/// Per-period results (`forecast`, `compare`) of `model` on the pool: the rows are read (or
/// the CSV kept for the pool) and `freq` checked now, so a bad one rejects without running.
fn periods_task<T: Serialize + Send + 'static>(
    env: &Env,
    model: &Arc<PurchaseForecaster>,
    data: Either<String, Unknown<'_>>,
    freq: optocom_core::Result<Freq>,
    level: Option<f64>,
    run: PeriodsFn<T>,
) -> AsyncTask<CoreTask<Vec<T>, Unknown<'static>>> {
    let model = Arc::clone(model);
    let level = level.unwrap_or(DEFAULT_LEVEL);
    let work = freq
        .js(env)
        .and_then(|freq| Ok((freq, pool_input(env, data)?)))
        .map(|(freq, input)| move || run(&model, &pool_rows(input)?, freq, level));
    CoreTask::new(work, |env, out| to_value(env, &out))
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
    ) -> Result<AsyncTask<CoreTask<PurchaseForecaster, JsPurchaseForecaster>>> {
        let progress: Option<Arc<ProgressFn>> = match on_progress {
            Some(f) => Some(Arc::new(
                f.build_threadsafe_function::<FnArgs<(u32, u32)>>()
                    .callee_handled::<false>()
                    .build()?,
            )),
            None => None,
        };
        let work = params(&env, "params", params_).and_then(|p: PurchaseParams| {
            let rows = appointments(&env, past)?;
            Ok(move || {
                let fit = || PurchaseForecaster::fit(&p, &rows);
                match progress {
                    // Observing never changes the result (optocom_core::progress).
                    Some(f) => {
                        let observer: Observer = Arc::new(move |done, total| {
                            let args = FnArgs::from((saturate(done), saturate(total)));
                            f.call(args, ThreadsafeFunctionCallMode::NonBlocking);
                        });
                        observe(observer, fit)
                    }
                    None => fit(),
                }
            })
        });
        Ok(CoreTask::new(work, |_, model| {
            Ok(JsPurchaseForecaster {
                inner: Arc::new(model),
            })
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
    ) -> Result<AsyncTask<CoreTask<Vec<ScoredAppointment>, Unknown<'static>>>> {
        let model = Arc::clone(&self.inner);
        let work =
            pool_input(&env, appointments_).map(|input| move || model.score(&pool_rows(input)?));
        Ok(CoreTask::new(work, |env, scored| {
            let finite = scored.iter().all(ScoredAppointment::is_finite);
            to_value_via_json(env, &scored, finite)
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

    /// As `forecast`, on the libuv thread pool: a Promise of the same points, rejected (never
    /// thrown) on bad input. CSV text is parsed on the pool too.
    #[napi(
        catch_unwind,
        ts_args_type = "appointments: Data, freq?: string, level?: number",
        ts_return_type = "Promise<ForecastPoint[]>"
    )]
    pub fn forecast_async(
        &self,
        env: Env,
        appointments_: Either<String, Unknown<'_>>,
        freq: Option<String>,
        level: Option<f64>,
    ) -> Result<AsyncTask<CoreTask<Vec<ForecastPoint>, Unknown<'static>>>> {
        let freq = Freq::parse_or(freq.as_deref(), DEFAULT_FORECAST_FREQ);
        let run = PurchaseForecaster::forecast;
        Ok(periods_task(
            &env,
            &self.inner,
            appointments_,
            freq,
            level,
            run,
        ))
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

    /// As `forecastTotal`, on the libuv thread pool: a Promise of the same point (or `null`),
    /// rejected (never thrown) on bad input. CSV text is parsed on the pool too.
    #[napi(
        catch_unwind,
        ts_args_type = "appointments: Data, level?: number",
        ts_return_type = "Promise<ForecastPoint | null>"
    )]
    pub fn forecast_total_async(
        &self,
        env: Env,
        appointments_: Either<String, Unknown<'_>>,
        level: Option<f64>,
    ) -> Result<AsyncTask<CoreTask<Option<ForecastPoint>, Unknown<'static>>>> {
        let model = Arc::clone(&self.inner);
        let level = level.unwrap_or(DEFAULT_LEVEL);
        let work = pool_input(&env, appointments_)
            .map(|input| move || model.forecast_total(&pool_rows(input)?, level));
        Ok(CoreTask::new(work, |env, out| to_value(env, &out)))
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

    /// As `compare`, on the libuv thread pool: a Promise of the same points, rejected (never
    /// thrown) on bad input. CSV text is parsed on the pool too.
    #[napi(
        catch_unwind,
        ts_args_type = "past: Data, freq?: string, level?: number",
        ts_return_type = "Promise<ComparisonPoint[]>"
    )]
    pub fn compare_async(
        &self,
        env: Env,
        past: Either<String, Unknown<'_>>,
        freq: Option<String>,
        level: Option<f64>,
    ) -> Result<AsyncTask<CoreTask<Vec<ComparisonPoint>, Unknown<'static>>>> {
        let freq = Freq::parse_or(freq.as_deref(), DEFAULT_COMPARE_FREQ);
        let run = PurchaseForecaster::compare;
        Ok(periods_task(&env, &self.inner, past, freq, level, run))
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
