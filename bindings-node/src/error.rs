//! The one place where core errors become JavaScript errors.
//!
//! A core [`Error`] is thrown (or rejects a Promise) as an `Error` whose `name` is
//! `"OptocomError"` and whose `code` is the core's stable code (`"invalid_value"`,
//! `"missing_column"`, ...: the same strings as Python's `OptocomError.code`) and whose other
//! properties are the core's [`optocom_core::Error::fields`], the same as the Python
//! exception's attributes: `row` (0-based record position), `line` (CSV line), `column`,
//! `value`, `reason` for bad values; `parameter`, `value`, `reason` for bad params; `column`
//! and `found` for a missing column; `errno` and `filename` for I/O. A Rust panic never crosses into Node:
//! every exported function catches it and throws an `OptocomError` with code `"internal"`.

use napi::bindgen_prelude::*;
use optocom_core::error::Field;
use optocom_core::Error as CoreError;

/// Builds the JavaScript error for a core error.
pub fn to_js(env: &Env, e: &CoreError) -> napi::Error {
    build(env, e.code(), &e.to_string(), |obj| fields(obj, e)).unwrap_or_else(|fallback| fallback)
}

/// A JavaScript error for a panic caught before it reached Node.
pub fn internal(env: &Env, what: &str) -> napi::Error {
    let message = format!("internal error (please report it): {what}");
    build(env, "internal", &message, |_| Ok(())).unwrap_or_else(|fallback| fallback)
}

fn build(
    env: &Env,
    code: &str,
    message: &str,
    extra: impl FnOnce(&mut Object<'_>) -> Result<()>,
) -> Result<napi::Error> {
    let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
    obj.set_named_property("name", "OptocomError")?;
    obj.set_named_property("code", code)?;
    extra(&mut obj)?;
    Ok(napi::Error::from(obj.to_unknown()))
}

fn fields(obj: &mut Object<'_>, e: &CoreError) -> Result<()> {
    for (name, value) in e.fields() {
        match value {
            Field::Int(i) => obj.set_named_property(name, i as f64)?,
            Field::Text(t) => obj.set_named_property(name, t)?,
            Field::List(l) => obj.set_named_property(name, l)?,
            _ => {}
        }
    }
    Ok(())
}

/// `result.js(env)?`: a core result as a napi result, with the error built by [`to_js`].
pub trait IntoJsResult<T> {
    /// Maps the error with [`to_js`].
    fn js(self, env: &Env) -> Result<T>;
}

impl<T> IntoJsResult<T> for optocom_core::Result<T> {
    fn js(self, env: &Env) -> Result<T> {
        self.map_err(|e| to_js(env, &e))
    }
}

/// Runs core work, turning a panic into an `"internal"` error instead of unwinding into
/// Node.
pub fn guarded<T>(env: &Env, f: impl FnOnce() -> optocom_core::Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.js(env),
        Err(p) => Err(internal(env, panic_text(&p))),
    }
}

/// The message of a caught panic.
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}
