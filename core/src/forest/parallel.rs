//! Deterministic parallel helpers: results are collected in index order, so the output never
//! depends on the number of threads. Without the `parallel` feature everything runs in the
//! calling thread.

use crate::error::{Error, Result};

/// `(0..n).map(f).collect()`, in parallel on the current rayon pool when the `parallel`
/// feature is on. Output order is index order.
pub(crate) fn map_indexed<T, F>(n: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(f).collect()
    }
}

/// Calls `f(chunk_index, chunk)` on consecutive `chunk_len`-sized chunks of `out`, in
/// parallel when the `parallel` feature is on.
pub(crate) fn for_each_chunk_mut<T, F>(out: &mut [T], chunk_len: usize, f: F)
where
    T: Send,
    F: Fn(usize, &mut [T]) + Sync + Send,
{
    let chunk_len = chunk_len.max(1);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    }
    #[cfg(not(feature = "parallel"))]
    {
        out.chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    }
}

/// Sorts `v` (in parallel when the `parallel` feature is on). Unstable, so only for items
/// whose equal elements are indistinguishable.
pub(crate) fn sort_unstable<T: Ord + Send>(v: &mut [T]) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        v.par_sort_unstable();
    }
    #[cfg(not(feature = "parallel"))]
    v.sort_unstable();
}

/// Block length for splitting `n` items over the current pool: about four blocks a thread
/// (so threads finish together), clamped to `min..=max` and rounded up to a multiple of
/// `align`. Only for work whose results do not depend on the blocks.
pub(crate) fn block_len(n: usize, min: usize, max: usize, align: usize) -> usize {
    #[cfg(feature = "parallel")]
    let threads = rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    let threads = 1;
    let align = align.max(1);
    n.div_ceil(4 * threads)
        .clamp(min.max(1), max.max(min).max(1))
        .div_ceil(align)
        * align
}

/// Runs `f` on a pool of `n_jobs` threads made for this call (`None`: as many as rayon's
/// default, the available cores). Without the `parallel` feature `f` runs in the calling thread.
pub(crate) fn with_pool<T: Send>(n_jobs: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    #[cfg(feature = "parallel")]
    {
        // Always a pool of our own, built for this call and joined before returning: never
        // rayon's global pool, so a process may fork (multiprocessing, gunicorn, Dask and
        // Spark workers) after using optocom. `None` = rayon's default size (the available
        // cores, or RAYON_NUM_THREADS).
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n_jobs.unwrap_or(0))
            .build()
            .map_err(|e| {
                Error::invalid_param(
                    "n_jobs",
                    format!("{n_jobs:?}"),
                    format!("cannot start thread pool: {e}"),
                )
            })?;
        // The caller's progress observer follows the work into the pool.
        let observer = crate::progress::current();
        Ok(pool.install(move || crate::progress::scoped(observer, f)))
    }
    #[cfg(not(feature = "parallel"))]
    {
        if n_jobs == Some(0) {
            return Err(Error::invalid_param(
                "n_jobs",
                0,
                "must be at least 1 or None",
            ));
        }
        Ok(f())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_len_is_aligned_and_bounded() {
        for n in [0, 1, 15, 64, 1000, 200_000, 10_000_000] {
            let b = block_len(n, 64, 1024, 16);
            assert_eq!(b % 16, 0, "n = {n}");
            assert!((64..=1024).contains(&b), "n = {n}: {b}");
        }
        assert_eq!(block_len(10_000_000, 64, 1024, 16), 1024);
        assert_eq!(block_len(3, 64, 1024, 16), 64);
        // Alignment rounds up past `max` rather than breaking a group.
        assert_eq!(block_len(10_000_000, 10, 100, 16), 112);
    }
}
