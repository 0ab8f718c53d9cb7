//! Core work on libuv's thread pool, for the `...Async` methods: a Promise that resolves
//! with the result or rejects (never throws) with the same `OptocomError` the synchronous
//! method would throw.
//!
//! The caller reads its JavaScript arguments on the main thread (they need V8) and hands
//! [`CoreTask::new`] either the work to run or the error reading them gave; the work runs on
//! the pool with panics caught there, and `finish` turns its output into a JavaScript value
//! back on the main thread.

use napi::bindgen_prelude::*;
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
        let (work, failure) = match work {
            Ok(w) => (Some(Box::new(w) as Work<T>), None),
            Err(e) => (None, Some(Failure::Input(e))),
        };
        AsyncTask::new(CoreTask {
            work,
            finish,
            failure,
        })
    }
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
