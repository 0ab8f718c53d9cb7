//! Core work on libuv's thread pool, for the `...Async` methods: a Promise that resolves
//! with the result or rejects (never throws) with the same `OptocomError` the synchronous
//! method would throw.
//!
//! The caller reads its JavaScript arguments on the main thread (they need V8) and hands
//! [`CoreTask::new`] either the work to run or the error reading them gave; the work runs on
//! the pool with panics caught there, and `finish` turns its output into a JavaScript value
//! back on the main thread.
//!
//! A fit that reports progress ([`spawn_with_progress`]) calls a JavaScript callback through
//! a threadsafe function. The callback runs inside a guard (a throw stops further calls and
//! becomes the Promise's rejection, never an uncaught exception), and the Promise settles
//! only once every queued call has run.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use optocom_core::progress::{observe, Observer};
use optocom_core::Error as CoreError;

use crate::error::{internal, panic_text, to_js};

/// The work of a task: core code that owns (or shares through an `Arc`) what it needs.
type Work<T> = Box<dyn FnOnce() -> optocom_core::Result<T> + Send>;

/// Why a [`CoreTask`]'s Promise rejects; built into a JavaScript error in `reject`, on the
/// main thread.
enum Failure {
    /// Reading the arguments (so the method rejects instead of throwing).
    Input(napi::Error),
    /// The core refused the data or params.
    Core(CoreError),
    /// A panic, caught before it left the worker thread.
    Panic(String),
}

/// Core work returning `T` on the pool, resolved as the JavaScript value `J`.
pub struct CoreTask<T, J> {
    work: Option<Work<T>>,
    finish: fn(&Env, T) -> Result<J>,
    failure: Option<Failure>,
}

impl<T, J> CoreTask<T, J> {
    /// A task running `work`, or (when reading the arguments failed) rejecting with that
    /// error without running anything; `finish` converts the output on the main thread.
    pub fn new<W>(work: Result<W>, finish: fn(&Env, T) -> Result<J>) -> AsyncTask<Self>
    where
        W: FnOnce() -> optocom_core::Result<T> + Send + 'static,
        Self: Task,
    {
        AsyncTask::new(Self::task(work, finish))
    }

    fn task<W>(work: Result<W>, finish: fn(&Env, T) -> Result<J>) -> Self
    where
        W: FnOnce() -> optocom_core::Result<T> + Send + 'static,
    {
        let (work, failure) = match work {
            Ok(w) => (Some(Box::new(w) as Work<T>), None),
            Err(e) => (None, Some(Failure::Input(e))),
        };
        CoreTask {
            work,
            finish,
            failure,
        }
    }
}

/// `(done, total, last)`: one finished tree, or (`last`) the end of the work.
type ProgressArgs = FnArgs<(u32, u32, bool)>;

/// The guarded `onProgress` as a function any thread may queue calls to.
type ProgressFn = ThreadsafeFunction<ProgressArgs, (), ProgressArgs, Status, false>;

/// Wraps an `onProgress` callback: `report(done, total, last)` calls it (after a throw, or a
/// returned Promise that rejects, no more), and `settle(promise)` is `promise` settled only
/// after the `last` report, rejected with the callback's error if it failed.
const PROGRESS: &str = r#"(function (onProgress) {
  let failed = false, error, ended
  const end = new Promise((resolve) => { ended = resolve })
  const fail = (e) => { if (!failed) { failed = true; error = e } }
  return {
    report(done, total, last) {
      if (last) return ended()
      if (failed) return
      try {
        const r = onProgress(done, total)
        if (r !== null && typeof r === 'object' && typeof r.then === 'function') r.then(undefined, fail)
      } catch (e) {
        fail(e)
      }
    },
    settle(fit) {
      const after = (ok, value) => end.then(() => {
        if (failed) throw error
        if (ok) return value
        throw value
      })
      return fit.then((v) => after(true, v), (e) => after(false, e))
    },
  }
})"#;

/// Queues the `last` report when the work is done (or dropped unrun, or unwound by a panic),
/// behind every progress report (a threadsafe function's calls run in order).
struct LastReport(Arc<ProgressFn>);

impl Drop for LastReport {
    fn drop(&mut self) {
        self.0.call(
            FnArgs::from((0, 0, true)),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Runs `work` on the pool as [`CoreTask::new`] does, with `on_progress` (a JavaScript
/// function) called on the main thread with `(done, total)` per tree of the fits it starts
/// (through [`optocom_core::progress`]; observing never changes a result). Returns the
/// Promise: it settles after the last call to `on_progress`, and rejects with the error
/// `on_progress` threw (or its Promise rejected with) if it did; the work itself runs to
/// its end (the core's fits cannot be interrupted). Never throws: if the callback cannot
/// be wrapped, the Promise rejects with why.
pub fn spawn_with_progress<T, J, W>(
    env: &Env,
    on_progress: Unknown<'_>,
    work: W,
    finish: fn(&Env, T) -> Result<J>,
) -> Result<Unknown<'static>>
where
    T: Send + 'static,
    J: ToNapiValue + TypeName + 'static,
    W: FnOnce() -> optocom_core::Result<T> + Send + 'static,
{
    let wrapped = (|| {
        let wrap: Function<'_, Unknown<'_>, Object<'_>> = env.run_script(PROGRESS)?;
        let glue = wrap.call(on_progress)?;
        let report: Function<'_, ProgressArgs, ()> = glue.get_named_property("report")?;
        let settle: Function<'_, Unknown<'_>, Unknown<'static>> =
            glue.get_named_property("settle")?;
        let tsfn = report
            .build_threadsafe_function::<ProgressArgs>()
            .callee_handled::<false>()
            .build()?;
        Ok((Arc::new(tsfn), settle))
    })();
    let (tsfn, settle) = match wrapped {
        Ok(w) => w,
        Err(e) => return spawn(env, Err::<W, _>(e), finish),
    };
    let last = LastReport(Arc::clone(&tsfn));
    let observer: Observer = Arc::new(move |done, total| {
        let args = FnArgs::from((saturate(done), saturate(total), false));
        tsfn.call(args, ThreadsafeFunctionCallMode::NonBlocking);
    });
    let observed = move || {
        let _last = last;
        observe(observer, work)
    };
    let promise = spawn(env, Ok(observed), finish)?;
    settle.call(promise)
}

/// [`CoreTask::new`] queued on the pool now: its Promise as a plain value (for a method
/// that returns either this or the Promise of [`spawn_with_progress`]).
pub fn spawn<T, J, W>(
    env: &Env,
    work: Result<W>,
    finish: fn(&Env, T) -> Result<J>,
) -> Result<Unknown<'static>>
where
    T: Send + 'static,
    J: ToNapiValue + TypeName + 'static,
    W: FnOnce() -> optocom_core::Result<T> + Send + 'static,
{
    let promise = env.spawn(CoreTask::task(work, finish))?.promise_object();
    Ok(promise.to_unknown())
}

impl<T, J> Task for CoreTask<T, J>
where
    T: Send + 'static,
    J: ToNapiValue + TypeName,
{
    type Output = T;
    type JsValue = J;

    fn compute(&mut self) -> Result<T> {
        let Some(work) = self.work.take() else {
            // Reading the arguments failed (or the task ran twice): `reject` reports why.
            return Err(napi::Error::from_reason("invalid input"));
        };
        let failure = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
            Ok(Ok(out)) => return Ok(out),
            Ok(Err(e)) => Failure::Core(e),
            Err(p) => Failure::Panic(panic_text(&*p).to_owned()),
        };
        self.failure = Some(failure);
        Err(napi::Error::from_reason("task failed"))
    }

    fn resolve(&mut self, env: Env, output: T) -> Result<J> {
        (self.finish)(&env, output)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> Result<J> {
        Err(match self.failure.take() {
            Some(Failure::Input(e)) => e,
            Some(Failure::Core(e)) => to_js(&env, &e),
            Some(Failure::Panic(p)) => internal(&env, &p),
            None => err,
        })
    }
}
