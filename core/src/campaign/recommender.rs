//! Content-based doctor recommender: which doctors best fit a product's profile.
//!
//! Every doctor is described by five categorical attributes, each one-hot:
//!
//! | attribute | label in `matched` | value |
//! |---|---|---|
//! | specialty | `specialty=Cardiology` | as recorded |
//! | province | `province=Ontario` | as recorded |
//! | tenure band | `tenure_band=5-15` | by [`RecommenderParams::tenure_edges`] (default `<5`, `5-15`, `15-25`, `25+`) |
//! | Rx volume band | `rx_band=high` | `low` / `medium` / `high`: terciles of `baseline_rx` over the fitted doctors |
//! | segment | `segment=2` | [`DoctorProfile::segment`], when known |
//!
//! plus one numeric dimension, the doctor's past campaign response rate (`0` when unknown).
//!
//! A [`ProductProfile`] puts a non-negative weight on attribute levels (e.g. Cardiology 1.0,
//! Endocrinology 0.5) and on the response dimension. The **score is the cosine similarity**
//! between the doctor vector `d` and the product vector `p` in that space:
//!
//! ```text
//! score = (sum of p's weights on d's levels + response_weight * response_rate) / (|d| |p|)
//! |d|^2 = number of known attributes (4, or 5 with a segment) + response_rate^2
//! |p|^2 = sum of all squared weights + response_weight^2
//! ```
//!
//! so scores are in `[0, 1]`. Levels are matched case-insensitively after trimming (as
//! [`DoctorFilter`] does). Recommendations are sorted by score, highest first, **ties broken
//! by ascending `doctor_id`**, so results are deterministic.
//!
//! A product profile can be written by hand or derived from the doctors who responded to past
//! campaigns for the product ([`DoctorRecommender::derive_profile`]).
//!
//! ```
//! use std::collections::HashSet;
//! use optocom_core::campaign::{DoctorProfile, DoctorRecommender, ProductProfile, RecommenderParams};
//! use optocom_core::data::Doctor;
//! use optocom_core::Persist;
//!
//! let doc = |id, s: &str, p: &str| DoctorProfile::new(Doctor {
//!     doctor_id: id, specialty: s.into(), province: p.into(),
//!     tenure_years: 10.0, baseline_rx: 50.0,
//! });
//! let doctors = vec![
//!     doc(1, "Oncology", "Ontario"),
//!     doc(2, "Cardiology", "Quebec"),
//!     doc(3, "Cardiology", "Ontario"),
//! ];
//! let product = ProductProfile::new("CardioMax")
//!     .specialty("Cardiology", 1.0)
//!     .province("Ontario", 0.5);
//! let rec = DoctorRecommender::fit(&RecommenderParams::default(), doctors, vec![product]).unwrap();
//!
//! let top = rec.recommend("CardioMax", 2, None, None).unwrap();
//! assert_eq!(top.iter().map(|r| r.doctor_id).collect::<Vec<_>>(), vec![3, 2]);
//! assert_eq!(top[0].matched, vec!["specialty=Cardiology", "province=Ontario"]);
//!
//! // Doctor 3 is already targeted: skip it.
//! let skip: HashSet<u64> = [3].into();
//! assert_eq!(rec.recommend("CardioMax", 1, Some(&skip), None).unwrap()[0].doctor_id, 2);
//!
//! let back = DoctorRecommender::from_json(&rec.to_json().unwrap()).unwrap();
//! assert_eq!(back.recommend("CardioMax", 3, None, None).unwrap(), rec.recommend("CardioMax", 3, None, None).unwrap());
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::artifact::{ModelInfo, Parts, Persist};
use crate::data::campaign::Doctor;
use crate::data::filter::DoctorFilter;
use crate::error::{Error, Location, Result};

/// A doctor as the recommender sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorProfile {
    /// The doctor record.
    pub doctor: Doctor,
    /// Segment from a [`DoctorSegmentation`](super::DoctorSegmentation), if known.
    #[serde(default)]
    pub segment: Option<usize>,
    /// Share of past campaigns the doctor responded to, in `[0, 1]`, if known.
    #[serde(default)]
    pub past_response_rate: Option<f64>,
}

impl DoctorProfile {
    /// A profile with no segment and no response history.
    pub fn new(doctor: Doctor) -> Self {
        DoctorProfile {
            doctor,
            segment: None,
            past_response_rate: None,
        }
    }
    /// Sets the segment.
    pub fn with_segment(mut self, segment: usize) -> Self {
        self.segment = Some(segment);
        self
    }
    /// Sets the past response rate.
    pub fn with_response_rate(mut self, rate: f64) -> Self {
        self.past_response_rate = Some(rate);
        self
    }
}

/// What a product looks for in a doctor: non-negative weights on attribute levels.
///
/// Keys of `tenure_bands` are the labels of [`RecommenderParams::tenure_edges`] (default
/// `<5`, `5-15`, `15-25`, `25+`); keys of `rx_bands` are `low`, `medium`, `high`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductProfile {
    /// Product name, the key of [`DoctorRecommender::recommend`].
    pub product: String,
    /// Weight per specialty.
    #[serde(default)]
    pub specialties: BTreeMap<String, f64>,
    /// Weight per province.
    #[serde(default)]
    pub provinces: BTreeMap<String, f64>,
    /// Weight per tenure band label.
    #[serde(default)]
    pub tenure_bands: BTreeMap<String, f64>,
    /// Weight per Rx volume band (`low`, `medium`, `high`).
    #[serde(default)]
    pub rx_bands: BTreeMap<String, f64>,
    /// Weight per segment id.
    #[serde(default)]
    pub segments: BTreeMap<usize, f64>,
    /// Weight of the past response rate dimension.
    #[serde(default)]
    pub response_weight: f64,
}

impl ProductProfile {
    /// An empty profile (add weights with the setters).
    pub fn new(product: impl Into<String>) -> Self {
        ProductProfile {
            product: product.into(),
            specialties: BTreeMap::new(),
            provinces: BTreeMap::new(),
            tenure_bands: BTreeMap::new(),
            rx_bands: BTreeMap::new(),
            segments: BTreeMap::new(),
            response_weight: 0.0,
        }
    }
    /// Sets a specialty weight.
    pub fn specialty(mut self, level: impl Into<String>, weight: f64) -> Self {
        self.specialties.insert(level.into(), weight);
        self
    }
    /// Sets a province weight.
    pub fn province(mut self, level: impl Into<String>, weight: f64) -> Self {
        self.provinces.insert(level.into(), weight);
        self
    }
    /// Sets a tenure band weight.
    pub fn tenure_band(mut self, label: impl Into<String>, weight: f64) -> Self {
        self.tenure_bands.insert(label.into(), weight);
        self
    }
    /// Sets an Rx band weight (`low`, `medium` or `high`).
    pub fn rx_band(mut self, label: impl Into<String>, weight: f64) -> Self {
        self.rx_bands.insert(label.into(), weight);
        self
    }
    /// Sets a segment weight.
    pub fn segment(mut self, segment: usize, weight: f64) -> Self {
        self.segments.insert(segment, weight);
        self
    }
    /// Sets the response-rate weight.
    pub fn response_weight(mut self, weight: f64) -> Self {
        self.response_weight = weight;
        self
    }
}

/// Parameters of the recommender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecommenderParams {
    /// Strictly increasing, finite, non-negative tenure band edges in years. Default
    /// `[5, 15, 25]`, giving bands `<5`, `5-15`, `15-25`, `25+` (lower edge inclusive).
    pub tenure_edges: Vec<f64>,
}

impl Default for RecommenderParams {
    fn default() -> Self {
        RecommenderParams {
            tenure_edges: vec![5.0, 15.0, 25.0],
        }
    }
}

impl RecommenderParams {
    /// Sets the tenure band edges.
    pub fn tenure_edges(mut self, edges: Vec<f64>) -> Self {
        self.tenure_edges = edges;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        let e = &self.tenure_edges;
        if e.is_empty()
            || e.iter().any(|v| !v.is_finite() || *v < 0.0)
            || e.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(Error::invalid_param(
                "tenure_edges",
                format!("{e:?}"),
                "must be a non-empty, strictly increasing list of finite non-negative years",
            ));
        }
        Ok(())
    }

    /// Labels of the tenure bands, in order.
    pub fn tenure_labels(&self) -> Vec<String> {
        let fmt = |v: f64| format!("{v}");
        let e = &self.tenure_edges;
        let mut out = Vec::with_capacity(e.len() + 1);
        if let (Some(first), Some(last)) = (e.first(), e.last()) {
            out.push(format!("<{}", fmt(*first)));
            for w in e.windows(2) {
                out.push(format!("{}-{}", fmt(w[0]), fmt(w[1])));
            }
            out.push(format!("{}+", fmt(*last)));
        }
        out
    }

    fn tenure_band(&self, years: f64) -> usize {
        self.tenure_edges
            .iter()
            .take_while(|&&e| years >= e)
            .count()
    }
}

/// Rx band labels, in order.
pub const RX_BANDS: [&str; 3] = ["low", "medium", "high"];

/// One recommended doctor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Cosine similarity with the product profile, in `[0, 1]`.
    pub score: f64,
    /// The doctor's attributes that the product weights positively, e.g.
    /// `specialty=Cardiology`, in the order specialty, province, tenure band, Rx band,
    /// segment, past response.
    pub matched: Vec<String>,
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A product profile with normalised keys, ready for scoring.
#[derive(Debug, Clone)]
struct Compiled {
    specialties: HashMap<String, f64>,
    provinces: HashMap<String, f64>,
    tenure: Vec<f64>,
    rx: [f64; 3],
    segments: HashMap<usize, f64>,
    response: f64,
    norm: f64,
}

fn check_weight(product: &str, what: &str, level: &str, w: f64) -> Result<()> {
    if !(w.is_finite() && w >= 0.0) {
        return Err(Error::invalid_param(
            format!("{product}.{what}[{level}]"),
            w,
            "weights must be finite and non-negative",
        ));
    }
    Ok(())
}

fn compile(p: &ProductProfile, params: &RecommenderParams) -> Result<Compiled> {
    let name = &p.product;
    let mut sq = 0.0;
    let mut text_map = |what: &str, m: &BTreeMap<String, f64>| -> Result<HashMap<String, f64>> {
        let mut out = HashMap::new();
        for (level, &w) in m {
            check_weight(name, what, level, w)?;
            if out.insert(key(level), w).is_some() {
                return Err(Error::invalid_param(
                    format!("{name}.{what}"),
                    level,
                    "two levels differ only by case or surrounding spaces",
                ));
            }
            sq += w * w;
        }
        Ok(out)
    };
    let specialties = text_map("specialties", &p.specialties)?;
    let provinces = text_map("provinces", &p.provinces)?;
    let labels = params.tenure_labels();
    let mut tenure = vec![0.0; labels.len()];
    for (label, &w) in &p.tenure_bands {
        check_weight(name, "tenure_bands", label, w)?;
        let i = labels
            .iter()
            .position(|l| l == label.trim())
            .ok_or_else(|| {
                Error::invalid_param(
                    format!("{name}.tenure_bands"),
                    label,
                    format!("unknown tenure band; bands are {}", labels.join(", ")),
                )
            })?;
        tenure[i] = w;
        sq += w * w;
    }
    let mut rx = [0.0; 3];
    for (label, &w) in &p.rx_bands {
        check_weight(name, "rx_bands", label, w)?;
        let i = RX_BANDS
            .iter()
            .position(|l| *l == key(label))
            .ok_or_else(|| {
                Error::invalid_param(
                    format!("{name}.rx_bands"),
                    label,
                    "unknown Rx band; bands are low, medium, high",
                )
            })?;
        rx[i] = w;
        sq += w * w;
    }
    let mut segments = HashMap::new();
    for (&s, &w) in &p.segments {
        check_weight(name, "segments", &s.to_string(), w)?;
        segments.insert(s, w);
        sq += w * w;
    }
    check_weight(name, "response_weight", "", p.response_weight)?;
    sq += p.response_weight * p.response_weight;
    if sq <= 0.0 {
        return Err(Error::invalid_param(
            name.clone(),
            "all weights 0",
            "a product profile needs at least one positive weight",
        ));
    }
    Ok(Compiled {
        specialties,
        provinces,
        tenure,
        rx,
        segments,
        response: p.response_weight,
        norm: sq.sqrt(),
    })
}

/// Fitted state, as stored in the artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct State {
    doctors: Vec<DoctorProfile>,
    products: Vec<ProductProfile>,
    rx_edges: [f64; 2],
}

/// A content-based doctor recommender. See the [module docs](self) for the scoring and an
/// example.
#[derive(Debug, Clone)]
pub struct DoctorRecommender {
    params: RecommenderParams,
    info: ModelInfo,
    doctors: Vec<DoctorProfile>,
    /// Lower edges of the `medium` and `high` Rx bands.
    rx_edges: [f64; 2],
    products: Vec<ProductProfile>,
    compiled: HashMap<String, Compiled>,
}

fn validate_doctors(doctors: &[DoctorProfile]) -> Result<()> {
    let mut seen = HashSet::with_capacity(doctors.len());
    for (row, p) in doctors.iter().enumerate() {
        let d = &p.doctor;
        let bad = |column: &str, value: String, reason: &str| {
            Err(Error::invalid_value(
                Location::Row { row },
                column,
                value,
                reason,
            ))
        };
        if !seen.insert(d.doctor_id) {
            return bad("doctor_id", d.doctor_id.to_string(), "duplicate doctor_id");
        }
        if !d.tenure_years.is_finite() {
            return bad("tenure_years", d.tenure_years.to_string(), "must be finite");
        }
        if !d.baseline_rx.is_finite() {
            return bad("baseline_rx", d.baseline_rx.to_string(), "must be finite");
        }
        if let Some(r) = p.past_response_rate {
            if !(0.0..=1.0).contains(&r) {
                return bad(
                    "past_response_rate",
                    r.to_string(),
                    "must be a rate in [0, 1]",
                );
            }
        }
    }
    Ok(())
}

/// Tercile edges of baseline Rx (nearest-rank quantiles at 1/3 and 2/3).
fn rx_terciles(doctors: &[DoctorProfile]) -> [f64; 2] {
    let mut v: Vec<f64> = doctors.iter().map(|p| p.doctor.baseline_rx).collect();
    v.sort_by(f64::total_cmp);
    let q = |f: f64| v[(((v.len() as f64) * f).ceil() as usize).clamp(1, v.len()) - 1];
    [q(1.0 / 3.0), q(2.0 / 3.0)]
}

impl DoctorRecommender {
    /// Builds the recommender over a doctor population and product profiles.
    ///
    /// Errors: no doctors -> [`Error::EmptyInput`]; a duplicate `doctor_id`, a non-finite
    /// tenure or Rx, or a response rate outside `[0, 1]` -> [`Error::InvalidValue`] with the
    /// row; an invalid product profile (negative or non-finite weight, unknown band label,
    /// all weights zero, duplicate product name) -> [`Error::InvalidParameter`].
    pub fn fit(
        params: &RecommenderParams,
        doctors: Vec<DoctorProfile>,
        products: Vec<ProductProfile>,
    ) -> Result<Self> {
        params.check()?;
        if doctors.is_empty() {
            return Err(Error::empty("no doctors to recommend from"));
        }
        validate_doctors(&doctors)?;
        let rx_edges = rx_terciles(&doctors);
        let mut rec = DoctorRecommender {
            params: params.clone(),
            info: ModelInfo::new(doctors.len(), 0),
            doctors,
            rx_edges,
            products: Vec::new(),
            compiled: HashMap::new(),
        };
        for p in products {
            if rec.compiled.contains_key(&p.product) {
                return Err(Error::invalid_param(
                    "products",
                    &p.product,
                    "duplicate product name",
                ));
            }
            rec.add_product(p)?;
        }
        Ok(rec)
    }

    /// Adds a product profile, replacing any profile with the same name.
    pub fn add_product(&mut self, profile: ProductProfile) -> Result<()> {
        let c = compile(&profile, &self.params)?;
        self.compiled.insert(profile.product.clone(), c);
        match self
            .products
            .iter_mut()
            .find(|p| p.product == profile.product)
        {
            Some(slot) => *slot = profile,
            None => self.products.push(profile),
        }
        Ok(())
    }

    /// Names of the known products, in insertion order.
    pub fn products(&self) -> Vec<&str> {
        self.products.iter().map(|p| p.product.as_str()).collect()
    }

    /// The profile of a product.
    pub fn product(&self, product: &str) -> Result<&ProductProfile> {
        self.products
            .iter()
            .find(|p| p.product == product)
            .ok_or_else(|| Error::not_found("product", product))
    }

    /// Derives a product profile from the doctors who responded to past campaigns for it:
    /// each attribute level's weight is the share of responders with that level (so each
    /// attribute's weights sum to 1), and `response_weight` is 1. Responders missing a
    /// segment do not count towards segment shares. Add it with
    /// [`DoctorRecommender::add_product`].
    ///
    /// Errors: no responders -> [`Error::EmptyInput`]; a responder id that is not one of
    /// the recommender's doctors -> [`Error::NotFound`].
    pub fn derive_profile(
        &self,
        product: impl Into<String>,
        responder_ids: &[u64],
    ) -> Result<ProductProfile> {
        if responder_ids.is_empty() {
            return Err(Error::empty(
                "no responders to derive a product profile from",
            ));
        }
        let by_id: HashMap<u64, &DoctorProfile> = self
            .doctors
            .iter()
            .map(|p| (p.doctor.doctor_id, p))
            .collect();
        let unique: std::collections::BTreeSet<u64> = responder_ids.iter().copied().collect();
        let mut responders = Vec::with_capacity(unique.len());
        for id in unique {
            responders.push(
                *by_id
                    .get(&id)
                    .ok_or_else(|| Error::not_found("doctor", id))?,
            );
        }
        let n = responders.len() as f64;
        let labels = self.params.tenure_labels();
        let mut out = ProductProfile::new(product);
        out.response_weight = 1.0;
        // Levels that differ only by case or spaces are one level, spelled as first seen.
        let mut spell: [HashMap<String, String>; 2] = Default::default();
        for p in &responders {
            let d = &p.doctor;
            for (i, v) in [&d.specialty, &d.province].into_iter().enumerate() {
                let name = spell[i]
                    .entry(key(v))
                    .or_insert_with(|| v.trim().to_string())
                    .clone();
                let map = if i == 0 {
                    &mut out.specialties
                } else {
                    &mut out.provinces
                };
                *map.entry(name).or_default() += 1.0 / n;
            }
            *out.tenure_bands
                .entry(labels[self.params.tenure_band(d.tenure_years)].clone())
                .or_default() += 1.0 / n;
            *out.rx_bands
                .entry(RX_BANDS[self.rx_band(d.baseline_rx)].to_string())
                .or_default() += 1.0 / n;
        }
        let with_segment: Vec<usize> = responders.iter().filter_map(|p| p.segment).collect();
        for s in &with_segment {
            *out.segments.entry(*s).or_default() += 1.0 / with_segment.len() as f64;
        }
        Ok(out)
    }

    fn rx_band(&self, rx: f64) -> usize {
        self.rx_edges.iter().take_while(|&&e| rx >= e).count()
    }

    /// The top `n` doctors for `product`, by decreasing score then increasing `doctor_id`.
    ///
    /// Doctors in `exclude` (e.g. already targeted) and doctors failing `filter` are skipped
    /// (the filter's `campaign_target` is ignored: there is no campaign here). Fewer than `n`
    /// are returned when fewer doctors remain.
    ///
    /// Errors: `n == 0` -> [`Error::InvalidParameter`]; an unknown product ->
    /// [`Error::NotFound`]; an invalid filter -> its [`DoctorFilter::check`] error.
    pub fn recommend(
        &self,
        product: &str,
        n: usize,
        exclude: Option<&HashSet<u64>>,
        filter: Option<&DoctorFilter>,
    ) -> Result<Vec<Recommendation>> {
        if n == 0 {
            return Err(Error::invalid_param("n", 0, "must be at least 1"));
        }
        let c = self
            .compiled
            .get(product)
            .ok_or_else(|| Error::not_found("product", product))?;
        if let Some(f) = filter {
            f.check()?;
        }
        let mut scored: Vec<(f64, usize)> = self
            .doctors
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                exclude.is_none_or(|x| !x.contains(&p.doctor.doctor_id))
                    && filter.is_none_or(|f| f.matches(&p.doctor))
            })
            .map(|(i, p)| (self.score(c, p), i))
            .collect();
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0).then_with(|| {
                self.doctors[a.1]
                    .doctor
                    .doctor_id
                    .cmp(&self.doctors[b.1].doctor.doctor_id)
            })
        });
        scored.truncate(n);
        Ok(scored
            .into_iter()
            .map(|(score, i)| {
                let p = &self.doctors[i];
                Recommendation {
                    doctor_id: p.doctor.doctor_id,
                    score,
                    matched: self.matched(c, p),
                }
            })
            .collect())
    }

    /// The doctor's weights under a product: one per attribute, then the response term.
    fn terms(&self, c: &Compiled, p: &DoctorProfile) -> [f64; 6] {
        let d = &p.doctor;
        [
            c.specialties
                .get(&key(&d.specialty))
                .copied()
                .unwrap_or(0.0),
            c.provinces.get(&key(&d.province)).copied().unwrap_or(0.0),
            c.tenure[self.params.tenure_band(d.tenure_years)],
            c.rx[self.rx_band(d.baseline_rx)],
            p.segment
                .and_then(|s| c.segments.get(&s).copied())
                .unwrap_or(0.0),
            c.response * p.past_response_rate.unwrap_or(0.0),
        ]
    }

    fn score(&self, c: &Compiled, p: &DoctorProfile) -> f64 {
        let dot: f64 = self.terms(c, p).iter().sum();
        let r = p.past_response_rate.unwrap_or(0.0);
        let d_sq = 4.0 + if p.segment.is_some() { 1.0 } else { 0.0 } + r * r;
        dot / (d_sq.sqrt() * c.norm)
    }

    fn matched(&self, c: &Compiled, p: &DoctorProfile) -> Vec<String> {
        let d = &p.doctor;
        let t = self.terms(c, p);
        let labels = [
            format!("specialty={}", d.specialty.trim()),
            format!("province={}", d.province.trim()),
            format!(
                "tenure_band={}",
                self.params.tenure_labels()[self.params.tenure_band(d.tenure_years)]
            ),
            format!("rx_band={}", RX_BANDS[self.rx_band(d.baseline_rx)]),
            format!("segment={}", p.segment.unwrap_or(0)),
            format!("past_response={}", p.past_response_rate.unwrap_or(0.0)),
        ];
        labels
            .into_iter()
            .zip(t)
            .filter(|(_, w)| *w > 0.0)
            .map(|(l, _)| l)
            .collect()
    }

    /// Number of doctors.
    pub fn n_doctors(&self) -> usize {
        self.doctors.len()
    }

    /// The parameters.
    pub fn params(&self) -> &RecommenderParams {
        &self.params
    }

    /// Training facts.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }
}

impl Persist for DoctorRecommender {
    const KIND: &'static str = "doctor_recommender";

    fn to_parts(&self) -> Result<Parts> {
        let state = State {
            doctors: self.doctors.clone(),
            products: self.products.clone(),
            rx_edges: self.rx_edges,
        };
        Parts::new(self.info.clone(), &self.params, None, &state)
    }

    fn from_parts(parts: Parts) -> Result<Self> {
        let params: RecommenderParams = parts.params()?;
        let state: State = parts.state()?;
        let wrap = |e: Error| Error::artifact(format!("recommender state is invalid: {e}"));
        params.check().map_err(wrap)?;
        if state.doctors.is_empty() || state.rx_edges.iter().any(|v| !v.is_finite()) {
            return Err(Error::artifact(
                "recommender state has no doctors or bad Rx bands",
            ));
        }
        validate_doctors(&state.doctors).map_err(wrap)?;
        let mut rec = DoctorRecommender {
            params,
            info: parts.info,
            doctors: state.doctors,
            rx_edges: state.rx_edges,
            products: Vec::new(),
            compiled: HashMap::new(),
        };
        for p in state.products {
            rec.add_product(p).map_err(wrap)?;
        }
        Ok(rec)
    }
}
