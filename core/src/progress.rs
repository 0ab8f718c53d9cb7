//! Progress of long fits, for hosts that show a progress bar.
//!
//! A host (a binding, an application) runs the work inside [`observe`]; the forests report
//! each finished tree to the observer as `(done, total)`, from whichever worker thread
//! finished it. Observing never changes a result: trees are built and combined exactly as
//! without an observer.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use optocom_core::forest::{ForestParams, RandomForestRegressor};
//! use optocom_core::progress;
//!
//! let x = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j) % 13) as f64);
//! let y = x.column(0).to_owned();
//! let seen = Arc::new(AtomicUsize::new(0));
//! let s = seen.clone();
//! let observer: progress::Observer = Arc::new(move |done, total| {
//!     assert!(done <= total);
//!     s.fetch_add(1, Ordering::Relaxed);
//! });
//! let params = ForestParams::new().n_trees(25);
//! let m = progress::observe(observer, || RandomForestRegressor::fit(&params, x.view(), y.view()))?;
//! assert_eq!(seen.load(Ordering::Relaxed), 25);
//! # Ok::<(), optocom_core::Error>(())
//! ```

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Receives `(done, total)` after each unit of work (a tree). Called from worker threads.
pub type Observer = Arc<dyn Fn(usize, usize) + Send + Sync>;

thread_local! {
    static CURRENT: RefCell<Option<Observer>> = const { RefCell::new(None) };
}

/// Runs `f` with `observer` receiving the progress of the fits it starts on this thread.
pub fn observe<T>(observer: Observer, f: impl FnOnce() -> T) -> T {
    scoped(Some(observer), f)
}

/// The calling thread's observer (to carry it into a thread pool).
pub(crate) fn current() -> Option<Observer> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` with `observer` (possibly none) as this thread's observer.
pub(crate) fn scoped<T>(observer: Option<Observer>, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.replace(observer));
    struct Restore(Option<Observer>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let _restore = Restore(previous);
    f()
}

/// A counter that forwards to the current thread's observer, if any.
pub(crate) struct Tracker {
    observer: Option<Observer>,
    done: AtomicUsize,
    total: usize,
}

impl Tracker {
    /// The tracker of `total` units for the observer of the calling thread.
    pub(crate) fn new(total: usize) -> Tracker {
        Tracker {
            observer: current(),
            done: AtomicUsize::new(0),
            total,
        }
    }

    /// One unit finished.
    #[inline]
    pub(crate) fn step(&self) {
        if let Some(o) = &self.observer {
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            o(done, self.total);
        }
    }
}
