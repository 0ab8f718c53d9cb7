//! General-purpose k-means clustering on numeric matrices (exposed to Python as
//! `optocom.KMeans`, scikit-learn style).
//!
//! | file | what it holds |
//! |---|---|
//! | `hyperparams.rs` | [`KMeansParams`] (checked builder, serde) |
//! | `algorithm.rs` | the fitted [`KMeans`] model, its assignment rule and its artifact |
//! | `lloyd.rs` | the fit: greedy k-means++, local search and Lloyd iterations, in parallel, deterministic |
//!
//! # Method
//!
//! The fit is our own (`lloyd.rs`), scikit-learn's `KMeans(algorithm="lloyd")` step for
//! step:
//!
//! * **Seeding**: greedy k-means++. The first centre is a uniform row; each further one is the
//!   best of `2 + floor(ln k)` candidate rows drawn with probability proportional to the
//!   squared distance to the nearest centre so far, "best" meaning the lowest total potential
//!   (sum over rows of the squared distance to the nearest centre) once it is added (the
//!   first candidate on a tie).
//! * **Local search** (Lattanzi & Sohler 2019, "A better k-means++ algorithm via local
//!   search", *ICML*): `n_clusters` times, a candidate row is drawn with probability
//!   proportional to its squared distance to the nearest seed and replaces the seed whose
//!   replacement lowers the potential most, if any does. Seeds then start Lloyd's nearer a
//!   good optimum (scikit-learn has no such step). In the peer benchmark (`make bench-peers`,
//!   5 clusters, 10 inits, 80k standardised appointment rows) the training inertia went from
//!   289,565 (a worse local optimum) to 288,988, against scikit-learn's 288,991.
//! * **Lloyd iterations**: every row goes to its nearest centre (squared Euclidean, ties to
//!   the lowest index), then every centre moves to the exact mean of its rows. A run stops
//!   when no row changed cluster, or when the sum over clusters of the squared centre shifts
//!   is at most `tolerance` times the mean per-feature variance of `x` (scikit-learn's
//!   relative `tol`), or after `max_iter` iterations. Hamerly's distance bounds skip the
//!   rows that provably keep their cluster (with a relative safety margin of 1e-9), so late
//!   iterations cost little more than the cluster sums; the clusters are plain Lloyd's.
//! * **Empty clusters** (a centre that no row is nearest to) are re-seeded as scikit-learn
//!   does: in increasing cluster index, each takes the row farthest from its current centre
//!   (ties to the lowest row index; a row is taken only if its cluster keeps another row),
//!   whose contribution moves from its old cluster's mean to the empty one.
//! * **Runs**: `n_init` runs, run `r` seeded by [`tree_rng`](crate::forest::tree_rng)`(seed, r)`
//!   (so a run's randomness depends only on the seed and its index); the run with the lowest
//!   inertia wins (the lowest index on a tie). The winner is then iterated on until no row
//!   changes cluster (within its `max_iter`): each such iteration can only lower the
//!   inertia, so the result is at or below where scikit-learn's rule would stop.
//! * **Assignment** after fitting: every row goes to its nearest centroid (the same rule,
//!   summed in feature order). Training labels, training inertia, [`KMeans::predict`],
//!   [`KMeans::transform`] and [`KMeans::score`] all use that one rule, so a loaded model
//!   assigns exactly as the fitted one, and the same code runs in every runtime.
//! * **Centroid order** is the seeding order: clusters are not renumbered, so `labels()[i]`
//!   is the row of `centroids()` that row `i` is nearest to, as scikit-learn's `labels_` and
//!   `cluster_centers_`. A cluster can end up without training rows (for instance when `x`
//!   has fewer distinct rows than `n_clusters`: duplicate centroids, ties go to the lowest
//!   index); its centroid is kept and [`KMeans::n_clusters`] is always `params.n_clusters`.
//!
//! ## Why our own, and linfa-clustering as the reference
//!
//! Until this module had its own Lloyd iterations the fit was linfa-clustering's. Against
//! scikit-learn 1.9 (`n_clusters = 5`, `n_init = 10`, 8 standardised features) it was about
//! twice as slow (1M rows: 24.9 s vs 11.5 s) and could end in a worse local optimum (100k
//! rows: inertia 297,045 vs 288,991): linfa's update counts the old centroid as one more
//! member of its cluster ("m_k-means", slower convergence, centroids off the means), builds
//! per-row temporaries, runs on rayon's global pool and stops on an absolute tolerance.
//! linfa-clustering is kept as a dev-dependency: the integration tests check our inertia
//! against it (at or below it on separated blobs, the same partition on well-separated
//! blobs, within 1e-4 on average on overlapping blobs, where each can land in a slightly
//! lower local optimum), as linfa-trees is the reference of the tree engine.
//!
//! # Determinism
//!
//! The same data, parameters and seed give the same bits, whatever `n_jobs`: every pass over
//! the rows runs on fixed chunks of 256 rows, each chunk sums in row order and chunk sums are
//! added in chunk order; runs draw from their own generators; all work runs on a pool built
//! for the call ([`KMeansParams::n_jobs`] threads), never rayon's global pool.
//! [`KMeans::predict`] of 32,768 rows or more runs on such a pool too (each row's label
//! depends on that row alone); smaller batches stay in the calling thread.
//!
//! # Differences from scikit-learn
//!
//! * The random streams differ, so the clusters found from a given seed differ from
//!   scikit-learn's; on well-separated data both find the same partition.
//! * The seeds are improved by local search (above) before Lloyd's iterations.
//! * The winning run is iterated to strict convergence (see above); scikit-learn stops it at
//!   its tolerance.
//! * Distances are summed directly in feature order (scikit-learn expands
//!   `|x|^2 - 2 x.c + |c|^2`), so ties and the last bits can differ.
//! * Inertia is the plain sum of squared distances, as scikit-learn's `inertia_`.
//!
//! # Persistence
//!
//! [`KMeans`] implements [`Persist`](crate::Persist) with kind `"kmeans"`. The state holds the
//! centroids (packed, exact bits), the training inertia and the training labels (packed
//! `u32`, 4 bytes per training row before base64), so `labels()` survives a save/load round
//! trip (Python's pickling goes through the same artifact) and a loaded model equals the
//! fitted one. Predictions of a loaded model are bit-identical to the original's.
//!
//! # Errors
//!
//! Never a panic on user input: invalid parameters -> [`Error::InvalidParameter`] (fewer
//! rows than `n_clusters` too, on `n_clusters`); no rows or no columns ->
//! [`Error::EmptyInput`]; a non-finite value -> [`Error::InvalidValue`] naming the row and the
//! column (from the schema); a wrong number of columns (or schema length) ->
//! [`Error::ShapeMismatch`]. At fit, values so large that squared distances could overflow
//! (`|value| > sqrt(f64::MAX / (8 n p))`, about `4.7e153 / sqrt(n p)` for `n x p` data) are
//! refused with [`Error::InvalidValue`] naming the largest one: rescale such data (the
//! k-means++ potential would be infinite). At predict time such rows are not refused;
//! their distances are infinite and they get cluster 0.
//!
//! [`Error::InvalidParameter`]: crate::Error::InvalidParameter
//! [`Error::EmptyInput`]: crate::Error::EmptyInput
//! [`Error::InvalidValue`]: crate::Error::InvalidValue
//! [`Error::ShapeMismatch`]: crate::Error::ShapeMismatch
//!
//! # Example
//!
//! ```
//! use ndarray::Array2;
//! use optocom_core::cluster::{KMeans, KMeansParams};
//! use optocom_core::features::FeatureSchema;
//! use optocom_core::Persist;
//!
//! // Three blobs of 50 rows around (0, 0), (10, 0) and (0, 10).
//! let centers = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
//! let x = Array2::from_shape_fn((150, 2), |(i, j)| {
//!     centers[i % 3][j] + ((i * 7 + j * 13) % 11) as f64 / 10.0 - 0.5
//! });
//! let schema = FeatureSchema::numeric("points", &["east", "north"]);
//! let params = KMeansParams::new().n_clusters(3).seed(7);
//! let model = KMeans::fit(&params, x.view(), Some(schema))?;
//!
//! // Rows of the same blob share a label; labels index the centroid rows.
//! let labels = model.labels();
//! assert!((0..150).all(|i| labels[i] == labels[i % 3]));
//! assert_eq!(model.centroids().dim(), (3, 2));
//! let east = model.centroids()[[labels[1], 0]];
//! assert!((east - 10.0).abs() < 0.2);
//!
//! // New rows: nearest centroid, distances to every centroid, minus the inertia.
//! let new = ndarray::array![[9.0, 1.0], [0.5, 9.5]];
//! assert_eq!(model.predict(new.view())?.to_vec(), vec![labels[1], labels[2]]);
//! assert_eq!(model.transform(new.view())?.dim(), (2, 3));
//! assert_eq!(model.score(x.view())?, -model.inertia());
//!
//! // A non-finite value is named by row and column.
//! let mut bad = x.clone();
//! bad[[4, 1]] = f64::NAN;
//! let err = model.predict(bad.view()).unwrap_err();
//! assert!(err.to_string().starts_with("row 4, column `north`"));
//!
//! // Save and load: same labels, same bits.
//! let path = std::env::temp_dir().join("optocom_kmeans_doc_example.json");
//! model.save(&path)?;
//! let loaded = KMeans::load(&path)?;
//! assert_eq!(loaded.labels(), model.labels());
//! assert_eq!(loaded.transform(x.view())?, model.transform(x.view())?);
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), optocom_core::Error>(())
//! ```

mod algorithm;
mod hyperparams;
mod lloyd;

pub(crate) use algorithm::assign;
pub use algorithm::KMeans;
pub use hyperparams::{KMeansParams, MAX_INIT};
