//! General-purpose k-means clustering on numeric matrices (exposed to Python as
//! `optocom.KMeans`, scikit-learn style).
//!
//! | file | what it holds |
//! |---|---|
//! | `hyperparams.rs` | [`KMeansParams`] (checked builder, serde) |
//! | `algorithm.rs` | the fitted [`KMeans`] model, its assignment rule and its artifact |
//!
//! # Method
//!
//! * **Fitting** is done by `linfa-clustering`: k-means++ initialisation, `n_init` runs drawn
//!   one after the other from one `Xoshiro256Plus::seed_from_u64(seed)` generator, the run
//!   with the lowest inertia wins (the first one on a tie). Each run iterates until the
//!   centroids move by less than `tolerance` (Euclidean norm of the whole centroid matrix's
//!   change, an absolute threshold) or `max_iter` iterations.
//! * linfa's update step treats the previous centroid as one more member of its cluster
//!   ("m_k-means"), so a cluster that loses all its rows keeps its centroid instead of
//!   becoming NaN, and a converged centroid lies within `tolerance / cluster size` of the
//!   mean of its rows rather than exactly on it.
//! * **Assignment is ours**: after fitting, every row goes to its nearest centroid (squared
//!   Euclidean distance summed in feature order, ties to the lowest index). Training labels,
//!   training inertia, [`KMeans::predict`], [`KMeans::transform`] and [`KMeans::score`] all use
//!   that one rule, so a loaded model assigns exactly as the fitted one, and the same code
//!   runs in every runtime.
//! * **Centroid order** is linfa's: clusters are not renumbered, so `labels()[i]` is the row
//!   of `centroids()` that row `i` is nearest to, as scikit-learn's `labels_` and
//!   `cluster_centers_`. A cluster can end up without training rows (for instance when `x`
//!   has fewer distinct rows than `n_clusters`: duplicate centroids, ties go to the lowest
//!   index); its centroid is kept and [`KMeans::n_clusters`] is always `params.n_clusters`.
//!
//! # Determinism
//!
//! The same data, parameters and seed give the same bits, whatever the number of threads:
//! linfa parallelises only per-row work (distances, memberships) and sums in a fixed order.
//!
//! # Differences from scikit-learn
//!
//! * `tolerance` is absolute (see above); scikit-learn's `tol` is relative to the mean
//!   variance of the features.
//! * Inertia is the plain sum of squared distances, as scikit-learn's `inertia_` (linfa's own
//!   `inertia()` is the mean; it is not used).
//! * The random streams differ, so the clusters found from a given seed differ from
//!   scikit-learn's; on well-separated data both find the same partition.
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
//! refused with [`Error::InvalidValue`] naming the largest one: rescale such data (linfa
//! would panic on an infinite k-means++ weight). At predict time such rows are not refused;
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

pub(crate) use algorithm::assign;
pub use algorithm::KMeans;
pub use hyperparams::KMeansParams;
