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
//! A product profile can be written by hand or derived from past campaigns for the product
//! ([`DoctorRecommender::derive_profile`]): each level's weight is the **smoothed response
//! rate** of the targeted doctors with that level,
//!
//! ```text
//! weight(level) = (responders with level + m * p0) / (targeted with level + m)
//! p0 = responders / targeted            (the product's overall response rate)
//! m  = RecommenderParams::prior_strength (default 10 pseudo-doctors)
//! ```
//!
//! i.e. the posterior mean of the level's response rate under a Beta(`m p0`, `m (1 - p0)`)
//! prior centred on the overall rate: a level seen on few targeted doctors is pulled towards
//! `p0`, and a level never targeted gets `p0`. The score's numerator is then a sum of
//! estimated response rates (one per attribute, plus the doctor's own past rate), so the
//! profile reflects who *responds*, not who was targeted most.
//!
//! Doctors' case-folded levels, bands and norms are computed once when the recommender is
//! built; a query scores every doctor with array look-ups and selects the top `n` with a
//! partial sort (same order as a full sort by score then id).
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
    /// Strength `m` of the prior of [`DoctorRecommender::derive_profile`], in pseudo-doctors
    /// responding at the product's overall rate (finite, `>= 0`; default 10). A level seen
    /// on `m` targeted doctors gets a weight halfway between its own response rate and the
    /// overall rate; `0` uses the raw rates.
    pub prior_strength: f64,
}

impl Default for RecommenderParams {
    fn default() -> Self {
        RecommenderParams {
            tenure_edges: vec![5.0, 15.0, 25.0],
            prior_strength: 10.0,
        }
    }
}

impl RecommenderParams {
    /// Sets the tenure band edges.
    pub fn tenure_edges(mut self, edges: Vec<f64>) -> Self {
        self.tenure_edges = edges;
        self
    }

    /// Sets the prior strength of derived profiles.
    pub fn prior_strength(mut self, m: f64) -> Self {
        self.prior_strength = m;
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
        if !(self.prior_strength.is_finite() && self.prior_strength >= 0.0) {
            return Err(Error::invalid_param(
                "prior_strength",
                self.prior_strength,
                "must be finite and non-negative",
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

/// One targeted doctor of a past campaign for a product and whether they responded: the
/// evidence [`DoctorRecommender::derive_profile`] learns from (see
/// [`CampaignAnalytics::product_outcomes`](super::CampaignAnalytics::product_outcomes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetedOutcome {
    /// Doctor identifier.
    pub doctor_id: u64,
    /// Whether the doctor responded to the campaign.
    pub responded: bool,
}

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

/// No segment, in [`Row::segment`].
const NO_SEGMENT: u32 = u32::MAX;

/// A doctor as the scoring loop sees it: every level as an index, computed once at build.
#[derive(Debug, Clone, Copy)]
struct Row {
    doctor_id: u64,
    /// Index into [`Index::specialties`].
    specialty: u32,
    /// Index into [`Index::provinces`].
    province: u32,
    /// Index into [`Index::segments`], or [`NO_SEGMENT`].
    segment: u32,
    /// Tenure band.
    tenure: u32,
    /// Rx band.
    rx: u8,
    /// Past response rate, 0 when unknown.
    response: f64,
    /// `|d|`: `sqrt(known attributes + response^2)`.
    norm: f64,
}

/// The distinct case-folded values of a text attribute.
#[derive(Debug, Clone, Default)]
struct Levels {
    /// Case-folded key -> index.
    ids: HashMap<String, u32>,
    /// Display spelling per index: trimmed, as the doctor with the smallest id spells it.
    names: Vec<String>,
}

/// Builds [`Levels`] doctor by doctor.
#[derive(Default)]
struct LevelsBuilder<'a> {
    out: Levels,
    /// Per level, the smallest doctor id seen with it.
    first_id: Vec<u64>,
    /// Raw spellings seen: most doctors repeat one, so case folding (which allocates) runs
    /// once per distinct spelling. A few spellings are scanned (faster than hashing), more
    /// are hashed.
    few: Vec<(&'a str, u32)>,
    many: HashMap<&'a str, u32>,
}

impl<'a> LevelsBuilder<'a> {
    const SCAN: usize = 16;

    fn index(&mut self, doctor_id: u64, v: &'a str) -> u32 {
        let seen = if self.many.is_empty() {
            self.few.iter().find(|(s, _)| *s == v).map(|&(_, i)| i)
        } else {
            self.many.get(v).copied()
        };
        let i = match seen {
            Some(i) => i,
            None => {
                let next = self.out.names.len() as u32;
                let i = *self.out.ids.entry(key(v)).or_insert(next);
                if i == next {
                    self.out.names.push(v.trim().to_string());
                    self.first_id.push(doctor_id);
                }
                if self.few.len() < Self::SCAN {
                    self.few.push((v, i));
                } else {
                    if self.many.is_empty() {
                        self.many.extend(self.few.iter().copied());
                    }
                    self.many.insert(v, i);
                }
                i
            }
        };
        if doctor_id < self.first_id[i as usize] {
            self.out.names[i as usize] = v.trim().to_string();
            self.first_id[i as usize] = doctor_id;
        }
        i
    }
}

/// Everything about the doctors that does not depend on a product.
#[derive(Debug, Clone)]
struct Index {
    rows: Vec<Row>,
    specialties: Levels,
    provinces: Levels,
    /// Distinct segment ids, in order of first appearance.
    segments: Vec<usize>,
    segment_ids: HashMap<usize, u32>,
    tenure_labels: Vec<String>,
}

impl Index {
    fn build(params: &RecommenderParams, doctors: &[DoctorProfile], rx_edges: &[f64; 2]) -> Self {
        let mut specialties = LevelsBuilder::default();
        let mut provinces = LevelsBuilder::default();
        let mut segments = Vec::new();
        let mut segment_ids = HashMap::new();
        let rows = doctors
            .iter()
            .map(|p| {
                let d = &p.doctor;
                let segment = match p.segment {
                    Some(s) => *segment_ids.entry(s).or_insert_with(|| {
                        segments.push(s);
                        (segments.len() - 1) as u32
                    }),
                    None => NO_SEGMENT,
                };
                let r = p.past_response_rate.unwrap_or(0.0);
                let d_sq = 4.0 + if p.segment.is_some() { 1.0 } else { 0.0 } + r * r;
                Row {
                    doctor_id: d.doctor_id,
                    specialty: specialties.index(d.doctor_id, &d.specialty),
                    province: provinces.index(d.doctor_id, &d.province),
                    segment,
                    tenure: params.tenure_band(d.tenure_years) as u32,
                    rx: rx_band(rx_edges, d.baseline_rx) as u8,
                    response: r,
                    norm: d_sq.sqrt(),
                }
            })
            .collect();
        Index {
            rows,
            specialties: specialties.out,
            provinces: provinces.out,
            segments,
            segment_ids,
            tenure_labels: params.tenure_labels(),
        }
    }
}

fn rx_band(rx_edges: &[f64; 2], rx: f64) -> usize {
    rx_edges.iter().take_while(|&&e| rx >= e).count()
}

/// A product profile as dense weights over the doctors' level indices, ready for scoring.
#[derive(Debug, Clone)]
struct Compiled {
    specialties: Vec<f64>,
    provinces: Vec<f64>,
    tenure: Vec<f64>,
    rx: [f64; 3],
    segments: Vec<f64>,
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

fn compile(p: &ProductProfile, index: &Index) -> Result<Compiled> {
    let name = &p.product;
    let mut sq = 0.0;
    // Levels no doctor has keep their place in |p| but never match.
    let mut text_map = |what: &str, m: &BTreeMap<String, f64>, levels: &Levels| {
        let mut seen = HashSet::new();
        let mut out = vec![0.0; levels.names.len()];
        for (level, &w) in m {
            check_weight(name, what, level, w)?;
            let k = key(level);
            if let Some(&i) = levels.ids.get(&k) {
                out[i as usize] = w;
            }
            if !seen.insert(k) {
                return Err(Error::invalid_param(
                    format!("{name}.{what}"),
                    level,
                    "two levels differ only by case or surrounding spaces",
                ));
            }
            sq += w * w;
        }
        Ok::<_, Error>(out)
    };
    let specialties = text_map("specialties", &p.specialties, &index.specialties)?;
    let provinces = text_map("provinces", &p.provinces, &index.provinces)?;
    let labels = &index.tenure_labels;
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
    let mut segments = vec![0.0; index.segments.len()];
    for (&s, &w) in &p.segments {
        check_weight(name, "segments", &s.to_string(), w)?;
        if let Some(&i) = index.segment_ids.get(&s) {
            segments[i as usize] = w;
        }
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
    /// Derived from `doctors` (never stored).
    index: Index,
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
        d.validate(row, "")?;
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

/// Ranking order: score descending, then doctor id ascending (ids are unique, so this is a
/// total order and an unstable sort gives the same order as a stable one).
fn by_rank(a: &(f64, u64, usize), b: &(f64, u64, usize)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Responses and exposures of one level.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    targeted: u64,
    responded: u64,
}

impl Tally {
    fn add(&mut self, responded: bool) {
        self.targeted += 1;
        self.responded += u64::from(responded);
    }
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
        let mut rec = Self::build(
            params.clone(),
            ModelInfo::new(doctors.len(), 0),
            doctors,
            rx_edges,
        );
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

    fn build(
        params: RecommenderParams,
        info: ModelInfo,
        doctors: Vec<DoctorProfile>,
        rx_edges: [f64; 2],
    ) -> Self {
        let index = Index::build(&params, &doctors, &rx_edges);
        DoctorRecommender {
            params,
            info,
            doctors,
            rx_edges,
            index,
            products: Vec::new(),
            compiled: HashMap::new(),
        }
    }

    /// Adds a product profile, replacing any profile with the same name.
    pub fn add_product(&mut self, profile: ProductProfile) -> Result<()> {
        let c = compile(&profile, &self.index)?;
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

    /// Derives a product profile from past campaigns for it: `outcomes` are the doctors the
    /// campaigns targeted, each with whether they responded (e.g.
    /// [`CampaignAnalytics::product_outcomes`](super::CampaignAnalytics::product_outcomes));
    /// a doctor targeted by several campaigns appears once per campaign and counts once per
    /// appearance.
    ///
    /// Each attribute level's weight is the level's **response rate among the targeted
    /// doctors, shrunk towards the product's overall rate**:
    ///
    /// ```text
    /// weight(level) = (r_level + m * p0) / (n_level + m),    p0 = r / n
    /// ```
    ///
    /// where `n_level` and `r_level` count the targeted doctors with the level and those who
    /// responded, `n` and `r` all of them, and `m` is [`RecommenderParams::prior_strength`]
    /// (default 10). This is the posterior mean of the level's rate under a
    /// Beta(`m p0`, `m (1 - p0)`) prior (additive smoothing towards `p0`, an empirical-Bayes
    /// prior mean with a fixed strength): a level seen on `m` doctors lands halfway between
    /// its raw rate and `p0`. Every level of the recommender's doctors gets a weight, so a
    /// level that was never targeted weighs `p0` (an average doctor), not 0. Segment weights
    /// count only targeted doctors with a segment. `response_weight` is 1, so the score's
    /// numerator adds the doctor's own past response rate to the estimated rates of their
    /// levels. Add the profile with [`DoctorRecommender::add_product`].
    ///
    /// The weights reflect who responds, not who was targeted most: a level that is common
    /// among the targeted doctors but responds below others does not outweigh them.
    ///
    /// ```
    /// use optocom_core::campaign::{DoctorProfile, DoctorRecommender, RecommenderParams, TargetedOutcome};
    /// use optocom_core::data::Doctor;
    ///
    /// let doc = |id, s: &str| DoctorProfile::new(Doctor {
    ///     doctor_id: id, specialty: s.into(), province: "Ontario".into(),
    ///     tenure_years: 10.0, baseline_rx: 50.0,
    /// });
    /// // 6 generalists targeted, 3 responded; 2 cardiologists targeted, both responded.
    /// let doctors: Vec<_> = (0..6).map(|i| doc(i, "General Practice"))
    ///     .chain((6..8).map(|i| doc(i, "Cardiology"))).collect();
    /// let outcomes: Vec<_> = (0..8)
    ///     .map(|i| TargetedOutcome { doctor_id: i, responded: i % 2 == 0 || i >= 6 })
    ///     .collect();
    /// let params = RecommenderParams::default().prior_strength(2.0);
    /// let rec = DoctorRecommender::fit(&params, doctors, vec![]).unwrap();
    /// let p = rec.derive_profile("Cardiovex", &outcomes).unwrap();
    /// // p0 = 5/8; Cardiology (2 + 2 * 5/8) / (2 + 2), General Practice (3 + 1.25) / (6 + 2).
    /// assert_eq!(p.specialties["Cardiology"], 0.8125);
    /// assert_eq!(p.specialties["General Practice"], 0.53125);
    /// assert_eq!(p.provinces["Ontario"], 0.625);
    /// ```
    ///
    /// Errors: no outcomes, or none responded -> [`Error::EmptyInput`]; a doctor id that is
    /// not one of the recommender's doctors -> [`Error::NotFound`].
    pub fn derive_profile(
        &self,
        product: impl Into<String>,
        outcomes: &[TargetedOutcome],
    ) -> Result<ProductProfile> {
        if outcomes.is_empty() {
            return Err(Error::empty(
                "no targeted doctors to derive a product profile from",
            ));
        }
        let ix = &self.index;
        let pos: HashMap<u64, usize> = ix
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.doctor_id, i))
            .collect();
        let mut spec = vec![Tally::default(); ix.specialties.names.len()];
        let mut prov = vec![Tally::default(); ix.provinces.names.len()];
        let mut tenure = vec![Tally::default(); ix.tenure_labels.len()];
        let mut rx = [Tally::default(); 3];
        let mut seg = vec![Tally::default(); ix.segments.len()];
        let mut all = Tally::default();
        for o in outcomes {
            let i = *pos
                .get(&o.doctor_id)
                .ok_or_else(|| Error::not_found("doctor", o.doctor_id))?;
            let r = &ix.rows[i];
            let y = o.responded;
            all.add(y);
            spec[r.specialty as usize].add(y);
            prov[r.province as usize].add(y);
            tenure[r.tenure as usize].add(y);
            rx[usize::from(r.rx)].add(y);
            if r.segment != NO_SEGMENT {
                seg[r.segment as usize].add(y);
            }
        }
        if all.responded == 0 {
            return Err(Error::empty(
                "no targeted doctor responded: no response rates to derive a product profile from",
            ));
        }
        let p0 = all.responded as f64 / all.targeted as f64;
        let m = self.params.prior_strength;
        let rate = |t: &Tally| {
            let n = t.targeted as f64 + m;
            if n > 0.0 {
                (t.responded as f64 + m * p0) / n
            } else {
                p0
            }
        };
        // Bands no doctor is in stay out of the profile (they would only scale |p|).
        let mut tenure_used = vec![false; tenure.len()];
        let mut rx_used = [false; 3];
        for r in &ix.rows {
            tenure_used[r.tenure as usize] = true;
            rx_used[usize::from(r.rx)] = true;
        }
        let mut out = ProductProfile::new(product);
        out.response_weight = 1.0;
        for (name, t) in ix.specialties.names.iter().zip(&spec) {
            out.specialties.insert(name.clone(), rate(t));
        }
        for (name, t) in ix.provinces.names.iter().zip(&prov) {
            out.provinces.insert(name.clone(), rate(t));
        }
        for (i, t) in tenure.iter().enumerate().filter(|(i, _)| tenure_used[*i]) {
            out.tenure_bands
                .insert(ix.tenure_labels[i].clone(), rate(t));
        }
        for (i, t) in rx.iter().enumerate().filter(|(i, _)| rx_used[*i]) {
            out.rx_bands.insert(RX_BANDS[i].to_string(), rate(t));
        }
        for (&s, t) in ix.segments.iter().zip(&seg) {
            out.segments.insert(s, rate(t));
        }
        Ok(out)
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
        // Bindings pass an empty set and a default filter when the caller gave none: skip
        // the per-doctor checks then (the filter's `campaign_target` does not apply here).
        let exclude = exclude.filter(|x| !x.is_empty());
        let filter = filter.filter(|f| {
            DoctorFilter {
                campaign_target: None,
                ..(*f).clone()
            } != DoctorFilter::default()
        });
        let mut scored: Vec<(f64, u64, usize)> = self
            .index
            .rows
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                exclude.is_none_or(|x| !x.contains(&r.doctor_id))
                    && filter.is_none_or(|f| f.matches(&self.doctors[*i].doctor))
            })
            .map(|(i, r)| (score(c, r), r.doctor_id, i))
            .collect();
        if scored.len() > n {
            scored.select_nth_unstable_by(n - 1, by_rank);
            scored.truncate(n);
        }
        scored.sort_unstable_by(by_rank);
        Ok(scored
            .into_iter()
            .map(|(score, doctor_id, i)| Recommendation {
                doctor_id,
                score,
                matched: self.matched(c, i),
            })
            .collect())
    }

    fn matched(&self, c: &Compiled, i: usize) -> Vec<String> {
        let (p, r) = (&self.doctors[i], &self.index.rows[i]);
        let d = &p.doctor;
        let t = terms(c, r);
        let label = |k: usize| match k {
            0 => format!("specialty={}", d.specialty.trim()),
            1 => format!("province={}", d.province.trim()),
            2 => format!(
                "tenure_band={}",
                self.index.tenure_labels[r.tenure as usize]
            ),
            3 => format!("rx_band={}", RX_BANDS[usize::from(r.rx)]),
            4 => format!("segment={}", p.segment.unwrap_or(0)),
            _ => format!("past_response={}", r.response),
        };
        (0..t.len()).filter(|&k| t[k] > 0.0).map(label).collect()
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

/// The doctor's weights under a product: one per attribute, then the response term.
#[inline]
fn terms(c: &Compiled, r: &Row) -> [f64; 6] {
    [
        c.specialties[r.specialty as usize],
        c.provinces[r.province as usize],
        c.tenure[r.tenure as usize],
        c.rx[usize::from(r.rx)],
        if r.segment == NO_SEGMENT {
            0.0
        } else {
            c.segments[r.segment as usize]
        },
        c.response * r.response,
    ]
}

/// Cosine similarity (the terms are summed left to right, as the documented formula).
#[inline]
fn score(c: &Compiled, r: &Row) -> f64 {
    let t = terms(c, r);
    let dot = t[0] + t[1] + t[2] + t[3] + t[4] + t[5];
    dot / (r.norm * c.norm)
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
        let mut rec = Self::build(params, parts.info, state.doctors, state.rx_edges);
        for p in state.products {
            rec.add_product(p).map_err(wrap)?;
        }
        Ok(rec)
    }
}
