//! The one place where core errors become JavaScript errors.
//!
//! A core [`Error`](CoreError) is thrown as an `Error` whose `name` is `"OptocomError"` and
//! whose `code` is the core's stable code (`"invalid_value"`, `"missing_column"`, ...: the
//! same strings as in Python and Node), with the core's [`CoreError::fields`] as
//! properties, as in Python and Node: `row` (0-based record position; plus `line` for CSV),
//! `column`, `value`, `reason` for bad values; `parameter`, `value`, `reason` for bad params;
//! `column` and `found` for a missing column.
//!
//! Panics: `wasm32-unknown-unknown` aborts on panic (no unwinding, so no `catch_unwind`).
//! Instead of letting the abort trap with a bare `RuntimeError: unreachable`, a panic hook
//! (installed when the module starts) throws an `OptocomError` with code `"internal"`. The
//! Rust stack is abandoned without running destructors, so the instance is no longer
//! trustworthy: every later call throws `"internal"` too, asking for a reload, instead of
//! running on a half-updated heap.
//!
//! Traps: a WebAssembly trap (an abort that is not a panic, such as running out of memory)
//! abandons the Rust stack the same way but never reaches the panic hook. `build.sh` wraps
//! the raw exports of the instance in the JavaScript glue (`trap-guard.js`): a
//! `WebAssembly.RuntimeError` retires the instance through [`retire`] and is thrown as an
//! `OptocomError` with code `"internal"` (the trap as its `cause`), so later calls refuse as
//! after a panic.

use std::sync::atomic::{AtomicBool, Ordering};

use js_sys::{Array, Error as JsError, Reflect};
use optocom_core::error::Field;
use optocom_core::Error as CoreError;
use wasm_bindgen::prelude::*;

/// What every exported function returns: the error is a thrown JavaScript value.
pub type JsResult<T> = Result<T, JsValue>;

/// Builds the JavaScript error for a core error.
pub fn to_js(e: &CoreError) -> JsValue {
    let err = build(e.code(), &e.to_string());
    fields(&err, e);
    err.into()
}

/// The JavaScript error for a Rust bug (a panic or a value that cannot be converted).
pub fn internal(what: &str) -> JsValue {
    build(
        "internal",
        &format!("internal error (please report it): {what}"),
    )
    .into()
}

fn build(code: &str, message: &str) -> JsError {
    let err = JsError::new(message);
    err.set_name("OptocomError");
    set(&err, "code", code.into());
    err
}

fn set(err: &JsError, key: &str, value: JsValue) {
    // Cannot fail: `err` is a fresh, extensible Error and the keys are plain data properties.
    let _ = Reflect::set(err, &JsValue::from_str(key), &value);
}

fn fields(err: &JsError, e: &CoreError) {
    for (name, value) in e.fields() {
        let v: JsValue = match value {
            Field::Int(i) => JsValue::from_f64(i as f64),
            Field::Text(t) => t.into(),
            Field::List(l) => l.iter().map(JsValue::from).collect::<Array>().into(),
            _ => continue,
        };
        set(err, name, v);
    }
}

/// `result.js()?`: a core result with the error built by [`to_js`].
pub trait IntoJsResult<T> {
    /// Maps the error with [`to_js`].
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJsResult<T> for optocom_core::Result<T> {
    fn js(self) -> JsResult<T> {
        self.map_err(|e| to_js(&e))
    }
}

/// Set by the panic hook; never cleared (the instance must be reloaded).
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Runs the body of an exported function, unless an earlier call panicked or trapped.
pub fn guarded<T>(f: impl FnOnce() -> JsResult<T>) -> JsResult<T> {
    if PANICKED.load(Ordering::Relaxed) {
        return Err(internal(
            "an earlier call panicked or trapped, so this WebAssembly instance is unusable: reload the module",
        ));
    }
    f()
}

/// Retires the instance after a trap: called by the glue's trap guard (`trap-guard.js`),
/// not part of the API. Only stores a flag, so it is safe on a heap left half-updated.
#[wasm_bindgen(js_name = "__optocomRetire", skip_typescript)]
pub fn retire() {
    PANICKED.store(true, Ordering::Relaxed);
}

/// Installs the panic hook; wasm-bindgen runs this once, when the module is instantiated.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        PANICKED.store(true, Ordering::Relaxed);
        let payload = info.payload();
        let text = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("panic");
        let what = match info.location() {
            Some(l) => format!("{text} (at {}:{})", l.file(), l.line()),
            None => text.to_owned(),
        };
        // Throwing unwinds the JavaScript stack through the wasm frames: the abort that would
        // follow the hook never runs.
        wasm_bindgen::throw_val(internal(&what));
    }));
}

/// Panics, to test the panic hook (not part of the API).
#[wasm_bindgen(js_name = "__panicForTests", skip_typescript)]
pub fn panic_for_tests() {
    panic!("panic requested by a test");
}

/// Traps without panicking (the `unreachable` instruction), to test the trap guard (not part
/// of the API).
#[wasm_bindgen(js_name = "__trapForTests", skip_typescript)]
pub fn trap_for_tests() {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
}
