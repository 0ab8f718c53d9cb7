//! Doctor segmentation with k-means.
//!
//! Each doctor is encoded as
//!
//! * `tenure_years`, `baseline_rx` and any extra numeric columns, standardised (zero mean,
//!   unit variance, learned at fit time), then
//! * a one-hot indicator per specialty and per province seen at fit time.
//!
//! **Unseen categories**: a specialty or province that did not occur in the training doctors
//! is encoded as all zeros in its one-hot block (the doctor is equally far from every level),
//! never an error. Categories are compared as filters compare them: after trimming surrounding
//! whitespace, Unicode case-insensitively (`Cardiology` and `CARDIOLOGY` are one level, spelled
//! as the doctor with the smallest id spells it).
//!
//! k-means is run by [`crate::cluster::KMeans`] (greedy k-means++ and Lloyd iterations,
//! `n_init` runs with per-run generators derived from the seed), so the same data and seed
//! give the same segments, for any number of threads. After fitting, segments are renumbered by
//! decreasing size (ties by the original centroid order), segments left without any training
//! doctor are dropped, and **assignment is the nearest centroid** (squared Euclidean
//! distance, ties to the lowest segment; the same rule as [`crate::cluster`]) computed in our
//! code, so a loaded model assigns exactly as the fitted one.
//!
//! When `k` is not fixed, every `k` in `k_range` (capped at `n - 1`) is fitted and the one with
//! the highest mean silhouette wins (ties to the smaller `k`). Silhouettes use Euclidean
//! distances in the encoded space, on a seeded random subsample of at most
//! `silhouette_sample` doctors (all when fewer), the same subsample for every `k`; a doctor
//! alone in its segment scores 0, as in scikit-learn. With a fixed `k >= 2` the silhouette of
//! that `k` is still reported.
//!
//! Errors: no doctors -> [`Error::EmptyInput`]; fewer doctors than a fixed `k` (or fewer than
//! 3 when `k` is chosen by silhouette) -> [`Error::InvalidParameter`] on `k`, because the
//! request cannot be met with this data; a non-finite tenure or Rx -> [`Error::InvalidValue`]
//! naming the row and column; duplicate `doctor_id` -> [`Error::InvalidValue`].
//!
//! ```
//! use optocom_core::campaign::{DoctorSegmentation, SegmentationParams};
//! use optocom_core::data::Doctor;
//! use optocom_core::Persist;
//!
//! let doc = |id, s: &str, t, rx| Doctor {
//!     doctor_id: id, specialty: s.into(), province: "Ontario".into(),
//!     tenure_years: t, baseline_rx: rx,
//! };
//! let doctors: Vec<Doctor> = (0..20)
//!     .map(|i| if i % 2 == 0 { doc(i, "Cardiology", 30.0, 200.0) }
//!              else { doc(i, "Oncology", 2.0, 10.0) })
//!     .collect();
//! let seg = DoctorSegmentation::fit(&SegmentationParams::new().k(2), &doctors).unwrap();
//! let labels = seg.assign(&doctors).unwrap();
//! assert_ne!(labels[0], labels[1]);
//! assert_eq!(seg.segment_of(0), Some(labels[0]));
//! assert_eq!(seg.profiles()[labels[0]].dominant_specialty, "Cardiology");
//!
//! // Save and load: same assignments.
//! let back = DoctorSegmentation::from_json(&seg.to_json().unwrap()).unwrap();
//! assert_eq!(back.assign(&doctors).unwrap(), labels);
//! ```

mod encoder;
mod hyperparams;

use std::collections::{BTreeMap, HashMap};

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

pub use hyperparams::{SegmentationParams, MAX_SEARCHED_K};

use crate::artifact::{packed, ModelInfo, Parts, Persist};
use crate::cluster::{self, KMeans, KMeansParams};
use crate::data::campaign::Doctor;
use crate::data::filter::level_key;
use crate::error::{Error, Location, Result};
use crate::features::FeatureSchema;
use encoder::DoctorEncoder;

/// Share of one category level within a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryShare {
    /// The level, e.g. `Cardiology`.
    pub level: String,
    /// Share of the segment's doctors with this level, in `(0, 1]`.
    pub share: f64,
}

/// Description of one segment, computed from its training doctors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentProfile {
    /// Segment number (0 is the largest segment).
    pub segment: usize,
    /// Number of training doctors in the segment.
    pub size: usize,
    /// `size` over the number of training doctors.
    pub share: f64,
    /// Mean tenure of the segment's doctors, in years (original units).
    pub mean_tenure_years: f64,
    /// Mean baseline Rx of the segment's doctors (original units).
    pub mean_baseline_rx: f64,
    /// Means of the extra numeric columns, in the order of
    /// [`DoctorSegmentation::extra_names`].
    pub extra_means: Vec<f64>,
    /// Most frequent specialty (ties to the alphabetically first).
    pub dominant_specialty: String,
    /// Most frequent province (ties to the alphabetically first).
    pub dominant_province: String,
    /// Every specialty present in the segment, by decreasing share then name.
    pub specialty_shares: Vec<CategoryShare>,
    /// Every province present in the segment, by decreasing share then name.
    pub province_shares: Vec<CategoryShare>,
}

/// Mean silhouette of one tried number of segments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SilhouetteScore {
    /// Number of segments requested.
    pub k: usize,
    /// Mean silhouette in `[-1, 1]` (higher is better separated).
    pub score: f64,
}

/// Fitted state, as stored in the artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct State {
    encoder: DoctorEncoder,
    /// Row-major centroids in the encoded space, `k x n_features`.
    #[serde(with = "packed")]
    centroids: Vec<f64>,
    k: usize,
    profiles: Vec<SegmentProfile>,
    silhouette: Vec<SilhouetteScore>,
    #[serde(with = "packed")]
    train_ids: Vec<u64>,
    #[serde(with = "packed")]
    train_segments: Vec<u32>,
}

/// A fitted doctor segmentation. See the [module docs](self) for the method and an example.
#[derive(Debug, Clone)]
pub struct DoctorSegmentation {
    params: SegmentationParams,
    info: ModelInfo,
    encoder: DoctorEncoder,
    centroids: Array2<f64>,
    profiles: Vec<SegmentProfile>,
    silhouette: Vec<SilhouetteScore>,
    train: HashMap<u64, usize>,
}

fn assign_rows(centroids: &Array2<f64>, x: ArrayView2<'_, f64>) -> Vec<usize> {
    cluster::assign(centroids.view(), x).0
}

/// Runs [`KMeans`] (our own Lloyd k-means and nearest-centroid assignment) and
/// returns centroids renumbered by decreasing size, empty ones dropped, with the training
/// labels.
fn kmeans(
    x: &Array2<f64>,
    k: usize,
    params: &SegmentationParams,
) -> Result<(Array2<f64>, Vec<usize>)> {
    let kp = KMeansParams::new()
        .n_clusters(k)
        .n_init(params.n_init)
        .max_iter(params.max_iter)
        .tolerance(params.tolerance)
        .seed(params.seed);
    let model = KMeans::fit(&kp, x.view(), None)?;
    let raw = model.centroids();
    let labels = model.labels();
    let mut counts = vec![0usize; raw.nrows()];
    for &l in labels {
        counts[l] += 1;
    }
    let mut order: Vec<usize> = (0..raw.nrows()).filter(|&c| counts[c] > 0).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    let centroids = raw.select(ndarray::Axis(0), &order);
    // Relabel: dropping empty centroids cannot change any nearest-centroid assignment.
    let mut new_id = vec![usize::MAX; raw.nrows()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = new;
    }
    let labels = labels.iter().map(|&l| new_id[l]).collect();
    Ok((centroids, labels))
}

/// Mean silhouette over `sample` rows of `x` with `labels` (Euclidean distance).
fn silhouette(x: &Array2<f64>, labels: &[usize], sample: &[usize], k: usize) -> f64 {
    let m = sample.len();
    let mut total = 0.0;
    let mut sums = vec![0.0f64; k];
    let mut counts = vec![0usize; k];
    for &i in sample {
        counts[labels[i]] += 1;
    }
    for &i in sample {
        sums.iter_mut().for_each(|s| *s = 0.0);
        let xi = x.row(i);
        for &j in sample {
            if i == j {
                continue;
            }
            let d: f64 = xi
                .iter()
                .zip(x.row(j).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            sums[labels[j]] += d;
        }
        let own = labels[i];
        if counts[own] <= 1 {
            continue; // silhouette 0 for singletons
        }
        let a = sums[own] / (counts[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && counts[c] > 0)
            .map(|c| sums[c] / counts[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            let denom = a.max(b);
            if denom > 0.0 {
                total += (b - a) / denom;
            }
        }
    }
    total / m as f64
}

fn shares(values: &[String]) -> Vec<CategoryShare> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let n = values.len() as f64;
    let mut out: Vec<(&str, usize)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out.into_iter()
        .map(|(l, c)| CategoryShare {
            level: l.to_string(),
            share: c as f64 / n,
        })
        .collect()
}

fn profiles(
    doctors: &[Doctor],
    encoder: &DoctorEncoder,
    raw_numeric: &Array2<f64>,
    labels: &[usize],
    k: usize,
) -> Vec<SegmentProfile> {
    let n = doctors.len() as f64;
    // Each doctor's level as the encoder spells it (spellings differing by case are one).
    let spelling = |levels: &[String]| -> HashMap<String, String> {
        levels.iter().map(|l| (level_key(l), l.clone())).collect()
    };
    let (spec_name, prov_name) = (spelling(&encoder.specialties), spelling(&encoder.provinces));
    let name = |names: &HashMap<String, String>, raw: &str| -> String {
        names
            .get(&level_key(raw))
            .cloned()
            .unwrap_or_else(|| raw.trim().to_string())
    };
    (0..k)
        .map(|s| {
            let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == s).collect();
            let size = rows.len();
            let mean =
                |j: usize| rows.iter().map(|&i| raw_numeric[[i, j]]).sum::<f64>() / size as f64;
            let specs: Vec<String> = rows
                .iter()
                .map(|&i| name(&spec_name, &doctors[i].specialty))
                .collect();
            let provs: Vec<String> = rows
                .iter()
                .map(|&i| name(&prov_name, &doctors[i].province))
                .collect();
            let specialty_shares = shares(&specs);
            let province_shares = shares(&provs);
            SegmentProfile {
                segment: s,
                size,
                share: size as f64 / n,
                mean_tenure_years: mean(0),
                mean_baseline_rx: mean(1),
                extra_means: (2..raw_numeric.ncols()).map(mean).collect(),
                dominant_specialty: specialty_shares[0].level.clone(),
                dominant_province: province_shares[0].level.clone(),
                specialty_shares,
                province_shares,
            }
        })
        .collect()
}

impl DoctorSegmentation {
    /// Fits the segmentation on doctors' tenure, baseline Rx, specialty and province.
    pub fn fit(params: &SegmentationParams, doctors: &[Doctor]) -> Result<Self> {
        Self::fit_impl(params, doctors, &[], None)
    }

    /// Fits with extra numeric columns (`extra` is `n_doctors x extra_names.len()`, one row
    /// per doctor in the same order), standardised like tenure and Rx.
    pub fn fit_with_extra(
        params: &SegmentationParams,
        doctors: &[Doctor],
        extra_names: &[&str],
        extra: ArrayView2<'_, f64>,
    ) -> Result<Self> {
        let names: Vec<String> = extra_names.iter().map(|s| s.to_string()).collect();
        Self::fit_impl(params, doctors, &names, Some(extra))
    }

    fn fit_impl(
        params: &SegmentationParams,
        doctors: &[Doctor],
        extra_names: &[String],
        extra: Option<ArrayView2<'_, f64>>,
    ) -> Result<Self> {
        params.check()?;
        let n = doctors.len();
        if n == 0 {
            return Err(Error::empty("no doctors to segment"));
        }
        let ks: Vec<usize> = match params.k {
            Some(k) if k > n => {
                return Err(Error::invalid_param(
                    "k",
                    k,
                    format!("cannot make {k} segments from {n} doctors"),
                ))
            }
            Some(k) => vec![k],
            None => {
                let hi = params.k_range.1.min(n.saturating_sub(1));
                if hi < params.k_range.0 {
                    return Err(Error::invalid_param(
                        "k",
                        "None",
                        format!(
                            "choosing k in {}..={} by silhouette needs more than {} doctors, found {n}",
                            params.k_range.0, params.k_range.1, params.k_range.0
                        ),
                    ));
                }
                (params.k_range.0..=hi).collect()
            }
        };
        let mut train = HashMap::with_capacity(n);
        for (row, d) in doctors.iter().enumerate() {
            if train.insert(d.doctor_id, row).is_some() {
                return Err(Error::invalid_value(
                    Location::Row { row },
                    "doctor_id",
                    d.doctor_id.to_string(),
                    "duplicate doctor_id",
                ));
            }
        }
        let encoder = DoctorEncoder::fit(doctors, extra_names, extra)?;
        let x = encoder.encode(doctors, extra)?;

        let m = params.silhouette_sample.min(n);
        let mut sample: Vec<usize> = if m < n {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(params.seed ^ 0x5111_0e77e);
            rand::seq::index::sample(&mut rng, n, m).into_vec()
        } else {
            (0..n).collect()
        };
        sample.sort_unstable();

        let mut best: Option<(f64, Array2<f64>, Vec<usize>)> = None;
        let mut scores = Vec::new();
        for &k in &ks {
            let (c, labels) = kmeans(&x, k, params)?;
            if k >= 2 && k < n {
                let s = silhouette(&x, &labels, &sample, c.nrows());
                scores.push(SilhouetteScore { k, score: s });
                if best.as_ref().is_none_or(|b| s > b.0) {
                    best = Some((s, c, labels));
                }
            } else {
                best = Some((f64::NAN, c, labels));
            }
        }
        let (_, centroids, labels) =
            best.ok_or_else(|| Error::degenerate("no number of segments could be fitted"))?;
        let raw_numeric = {
            let mut r = Array2::zeros((n, encoder.n_numeric()));
            for (i, d) in doctors.iter().enumerate() {
                r[[i, 0]] = d.tenure_years;
                r[[i, 1]] = d.baseline_rx;
                if let Some(e) = extra.as_ref() {
                    for j in 0..e.ncols() {
                        r[[i, 2 + j]] = e[[i, j]];
                    }
                }
            }
            r
        };
        let profiles = profiles(doctors, &encoder, &raw_numeric, &labels, centroids.nrows());
        let train = doctors
            .iter()
            .zip(&labels)
            .map(|(d, &l)| (d.doctor_id, l))
            .collect();
        Ok(DoctorSegmentation {
            params: params.clone(),
            info: ModelInfo::new(n, encoder.n_features()),
            encoder,
            centroids,
            profiles,
            silhouette: scores,
            train,
        })
    }

    /// Assigns each doctor to its nearest segment. Unseen specialties or provinces are
    /// encoded as all zeros (see the [module docs](self)). A model fitted with extra
    /// numeric columns needs [`DoctorSegmentation::assign_with_extra`].
    pub fn assign(&self, doctors: &[Doctor]) -> Result<Vec<usize>> {
        let x = self.encoder.encode(doctors, None)?;
        Ok(assign_rows(&self.centroids, x.view()))
    }

    /// Assigns doctors with the extra numeric columns the model was fitted with.
    pub fn assign_with_extra(
        &self,
        doctors: &[Doctor],
        extra: ArrayView2<'_, f64>,
    ) -> Result<Vec<usize>> {
        let x = self.encoder.encode(doctors, Some(extra))?;
        Ok(assign_rows(&self.centroids, x.view()))
    }

    /// The segment of a training doctor, or `None` for a doctor not in the training set.
    pub fn segment_of(&self, doctor_id: u64) -> Option<usize> {
        self.train.get(&doctor_id).copied()
    }

    /// Number of segments.
    pub fn k(&self) -> usize {
        self.centroids.nrows()
    }

    /// One profile per segment, in segment order.
    pub fn profiles(&self) -> Vec<SegmentProfile> {
        self.profiles.clone()
    }

    /// Mean silhouette of every `k` tried, in increasing `k` (empty for a fixed `k = 1`).
    pub fn silhouette_scores(&self) -> Vec<SilhouetteScore> {
        self.silhouette.clone()
    }

    /// Centroids in the encoded (standardised + one-hot) space, one row per segment, columns
    /// as in [`DoctorSegmentation::feature_schema`].
    pub fn centroids(&self) -> Vec<Vec<f64>> {
        self.centroids.outer_iter().map(|r| r.to_vec()).collect()
    }

    /// The encoded features, in column order.
    pub fn feature_schema(&self) -> FeatureSchema {
        self.encoder.schema()
    }

    /// Names of the extra numeric columns the model was fitted with.
    pub fn extra_names(&self) -> &[String] {
        &self.encoder.extra_names
    }

    /// The parameters the model was fitted with.
    pub fn params(&self) -> &SegmentationParams {
        &self.params
    }

    /// Training facts.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }
}

impl Persist for DoctorSegmentation {
    const KIND: &'static str = "doctor_segmentation";

    fn to_parts(&self) -> Result<Parts> {
        let mut train: Vec<(u64, usize)> = self.train.iter().map(|(&a, &b)| (a, b)).collect();
        train.sort_unstable();
        let state = State {
            encoder: self.encoder.clone(),
            centroids: self.centroids.iter().copied().collect(),
            k: self.centroids.nrows(),
            profiles: self.profiles.clone(),
            silhouette: self.silhouette.clone(),
            train_ids: train.iter().map(|t| t.0).collect(),
            train_segments: train.iter().map(|t| t.1 as u32).collect(),
        };
        Parts::new(
            self.info.clone(),
            &self.params,
            Some(self.encoder.schema()),
            &state,
        )
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let params: SegmentationParams = parts.params()?;
        let state: State = parts.state()?;
        state.encoder.validate()?;
        parts
            .require_schema()?
            .check_compatible(&state.encoder.schema())?;
        let p = state.encoder.n_features();
        if state.k == 0 || state.centroids.len() != state.k * p {
            return Err(Error::artifact(format!(
                "segmentation centroids hold {} values, expected {} x {p}",
                state.centroids.len(),
                state.k
            )));
        }
        if state.centroids.iter().any(|v| !v.is_finite()) {
            return Err(Error::artifact("segmentation centroids are not all finite"));
        }
        let centroids = Array2::from_shape_vec((state.k, p), state.centroids)
            .map_err(|e| Error::artifact(format!("bad centroid shape: {e}")))?;
        if state.profiles.len() != state.k
            || state.train_ids.len() != state.train_segments.len()
            || state.train_segments.iter().any(|&s| s as usize >= state.k)
        {
            return Err(Error::artifact(
                "segmentation profiles or training assignments are inconsistent",
            ));
        }
        let train = state
            .train_ids
            .into_iter()
            .zip(state.train_segments.into_iter().map(|s| s as usize))
            .collect();
        Ok(DoctorSegmentation {
            params,
            info: parts.info,
            encoder: state.encoder,
            centroids,
            profiles: state.profiles,
            silhouette: state.silhouette,
            train,
        })
    }
}
