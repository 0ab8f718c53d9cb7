//! `PurchaseForecaster`: purchase probability, expected spend, value bands and sales
//! forecasts (core [`optocom_core::purchase`]).

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use optocom_core::data::ingest::{read_csv, IngestOptions, ReadOptions};
use optocom_core::data::Appointment;
use optocom_core::purchase::{
    ComparisonPoint, ForecastPoint, Freq, PatientFeatures, PurchaseForecaster, PurchaseParams,
    ScoredAppointment, DEFAULT_COMPARE_FREQ, DEFAULT_FORECAST_FREQ, DEFAULT_LEVEL,
};
use optocom_core::Persist;
use serde::Serialize;

use crate::convert::{
    opt_function, opt_number, opt_text, params, records, text, to_value, to_value_via_json, value,
};
use crate::error::{guarded, IntoJsResult};
use crate::task::{spawn, spawn_with_progress, CoreTask};

/// A fitted purchase forecaster: a random forest for P(amount >= threshold) and a scaled
/// linear regression for the spend, with the uncertainty of the revenue forecast.
#[napi(js_name = "PurchaseForecaster")]
pub struct JsPurchaseForecaster {
    /// Shared with the scoring tasks of `scoreAsync` (the model is immutable).
    inner: Arc<PurchaseForecaster>,
}

/// Appointments to train on: input without data rows is an error.
fn appointments(env: &Env, data: Either<String, Unknown<'_>>) -> Result<Vec<Appointment>> {
    Ok(records::<Appointment>(env, data, &past_options())?.rows)
}

/// The options of reading past appointments (training): strict, and each needs its amount,
/// so a row without one is named at its row or line.
fn past_options() -> IngestOptions {
    IngestOptions::strict().require_amount(true)
}

/// The options of reading past appointments to compare: as scoring, and each needs its amount.
fn to_compare() -> IngestOptions {
    IngestOptions::scoring().require_amount(true)
}

/// Appointments to score, forecast or compare: an empty array (or a header-only CSV) is zero
/// rows, which score to nothing (an empty diary is a normal answer).
fn to_score(env: &Env, data: Either<String, Unknown<'_>>) -> Result<Vec<Appointment>> {
    Ok(records::<Appointment>(env, data, &IngestOptions::scoring())?.rows)
}

/// Appointments for a task on the pool, read with `opts`: CSV text (parsed there, by
/// [`pool_rows`]) or records read now, on the main thread (they need V8).
fn pool_input(
    env: &Env,
    data: Either<String, Unknown<'_>>,
    opts: IngestOptions,
) -> Result<PoolInput> {
    Ok(match data {
        Either::A(csv) => PoolInput::Csv(csv, opts),
        Either::B(value) => {
            PoolInput::Rows(records::<Appointment>(env, Either::B(value), &opts)?.rows)
        }
    })
}

/// The appointments of a task on the pool (see [`pool_input`]).
enum PoolInput {
    /// CSV text and how to read it.
    Csv(String, IngestOptions),
    /// Records already read.
    Rows(Vec<Appointment>),
}

/// The appointments of [`pool_input`], on the pool.
fn pool_rows(input: PoolInput) -> optocom_core::Result<Vec<Appointment>> {
    match input {
        PoolInput::Csv(csv, opts) => Ok(read_csv::<Appointment, _>(csv.as_bytes(), &opts)?.rows),
        PoolInput::Rows(rows) => Ok(rows),
    }
}

/// The `freq` and `level` arguments of a forecast or comparison (`freq` defaulting to
/// `default`).
fn period_args(
    env: &Env,
    freq: Option<Unknown<'_>>,
    level: Option<Unknown<'_>>,
    default: Freq,
) -> Result<(Freq, f64)> {
    let freq = opt_text(env, "freq", freq)?;
    let freq = Freq::parse_or(freq.as_deref(), default).js(env)?;
    let level = opt_number(env, "level", level)?.unwrap_or(DEFAULT_LEVEL);
    Ok((freq, level))
}

/// `PurchaseForecaster::forecast` or `compare`.
type PeriodsFn<T> =
    fn(&PurchaseForecaster, &[Appointment], Freq, f64) -> optocom_core::Result<Vec<T>>;

/// Per-period results (`forecast`, `compare`) of `model` on the pool: `freq` and `level`
/// are checked and the rows read (or the CSV kept for the pool) now, so a bad argument
/// rejects without running.
fn periods_task<T: Serialize + Send + 'static>(
    env: &Env,
    model: &Arc<PurchaseForecaster>,
    data: Either<String, Unknown<'_>>,
    opts: IngestOptions,
    args: Result<(Freq, f64)>,
    run: PeriodsFn<T>,
) -> AsyncTask<CoreTask<Vec<T>, Unknown<'static>>> {
    let model = Arc::clone(model);
    let work = args
        .and_then(|args| Ok((args, pool_input(env, data, opts)?)))
        .map(|((freq, level), input)| move || run(&model, &pool_rows(input)?, freq, level));
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
    /// (never thrown) with an `OptocomError` on bad data, params or arguments. CSV text is
    /// parsed on libuv's pool (an array of records is read on the calling thread first), and
    /// the forest and the regression are trained there. `onProgress`, if given, is called on
    /// the main thread with `(done, total)` trees of each forest the fit trains (the holdout
    /// fit, then the refit on every row); the Promise settles after its last call. If it
    /// throws (or returns a Promise that rejects), it is not called again and the Promise
    /// rejects with that error once the fit has run to its end (a fit cannot be
    /// interrupted).
    #[napi(
        catch_unwind,
        ts_args_type = "past: Data, params?: Record<string, unknown>, onProgress?: (done: number, total: number) => void",
        ts_return_type = "Promise<PurchaseForecaster>"
    )]
    pub fn fit_async(
        env: Env,
        past: Either<String, Unknown<'_>>,
        params_: Option<Unknown<'_>>,
        on_progress: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        fn finish(_: &Env, model: PurchaseForecaster) -> Result<JsPurchaseForecaster> {
            Ok(JsPurchaseForecaster {
                inner: Arc::new(model),
            })
        }
        let args = params(&env, "params", params_).and_then(|p: PurchaseParams| {
            let on_progress = opt_function(&env, "onProgress", on_progress)?;
            Ok((p, on_progress, pool_input(&env, past, past_options())?))
        });
        match args {
            Ok((p, on_progress, input)) => {
                let work = move || PurchaseForecaster::fit(&p, &pool_rows(input)?);
                match on_progress {
                    Some(f) => spawn_with_progress(&env, f, work, finish),
                    None => spawn(&env, Ok(work), finish),
                }
            }
            Err(e) => spawn(&env, Err::<fn() -> optocom_core::Result<_>, _>(e), finish),
        }
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
        let work = pool_input(&env, appointments_, IngestOptions::scoring())
            .map(|input| move || model.score(&pool_rows(input)?));
        Ok(CoreTask::new(work, |env, scored| {
            let finite = scored.iter().all(ScoredAppointment::is_finite);
            to_value_via_json(env, &scored, finite)
        }))
    }

    /// One patient's probability, expected spend and value band, from an object with the
    /// eight features (`age`, `days_since_last_purchase`, `employed`, `benefits`, `driver`,
    /// `vdu_user`, `varifocal`, `high_prescription`), read as a batch row is: flags as
    /// booleans, 0/1 or Y/N text, numbers as numbers or their text.
    #[napi(
        catch_unwind,
        ts_args_type = "patient: PatientInput",
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
        freq: Option<Unknown<'_>>,
        level: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let (freq, level) = period_args(&env, freq, level, DEFAULT_FORECAST_FREQ)?;
        let rows = to_score(&env, appointments_)?;
        let out = guarded(&env, || self.inner.forecast(&rows, freq, level))?;
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
        freq: Option<Unknown<'_>>,
        level: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<Vec<ForecastPoint>, Unknown<'static>>> {
        let args = period_args(&env, freq, level, DEFAULT_FORECAST_FREQ);
        let run = PurchaseForecaster::forecast;
        periods_task(
            &env,
            &self.inner,
            appointments_,
            IngestOptions::scoring(),
            args,
            run,
        )
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
        level: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let level = opt_number(&env, "level", level)?.unwrap_or(DEFAULT_LEVEL);
        let rows = to_score(&env, appointments_)?;
        let out = guarded(&env, || self.inner.forecast_total(&rows, level))?;
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
        level: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<Option<ForecastPoint>, Unknown<'static>>> {
        let model = Arc::clone(&self.inner);
        let work = opt_number(&env, "level", level)
            .and_then(|level| {
                let input = pool_input(&env, appointments_, IngestOptions::scoring())?;
                Ok((level.unwrap_or(DEFAULT_LEVEL), input))
            })
            .map(|(level, input)| move || model.forecast_total(&pool_rows(input)?, level));
        CoreTask::new(work, |env, out| to_value(env, &out))
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
        freq: Option<Unknown<'_>>,
        level: Option<Unknown<'_>>,
    ) -> Result<Unknown<'static>> {
        let (freq, level) = period_args(&env, freq, level, DEFAULT_COMPARE_FREQ)?;
        let rows = records::<Appointment>(&env, past, &to_compare())?.rows;
        let out = guarded(&env, || self.inner.compare(&rows, freq, level))?;
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
        freq: Option<Unknown<'_>>,
        level: Option<Unknown<'_>>,
    ) -> AsyncTask<CoreTask<Vec<ComparisonPoint>, Unknown<'static>>> {
        let args = period_args(&env, freq, level, DEFAULT_COMPARE_FREQ);
        let run = PurchaseForecaster::compare;
        periods_task(&env, &self.inner, past, to_compare(), args, run)
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
    #[napi(factory, catch_unwind, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text_: Unknown<'_>) -> Result<Self> {
        let inner = PurchaseForecaster::from_json(&text(&env, "text", text_)?).js(&env)?;
        Ok(JsPurchaseForecaster {
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
        let inner = PurchaseForecaster::load(text(&env, "path", path)?).js(&env)?;
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
