"""Pharma campaign analytics: campaign metrics, Rx trends, top responders (filtered and
paginated), k-means segmentation of doctors, uplift with confidence intervals, a
content-based recommender of doctors for a product, and streaming CSV export.

>>> import optocom
>>> ca = optocom.CampaignAnalytics()          # built-in sample data
>>> ca.campaigns().total >= 1
True
"""

from __future__ import annotations

import json
import numbers
import os
from dataclasses import dataclass
from collections.abc import Iterable as _Iterable
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np
import pandas as pd

from . import _frames, _optocom, _progress
from ._base import dumps, real, renamed, whole
from .exceptions import InternalError, InvalidParameterError
from .purchase import _rejected
from .uplift import UpliftForest

__all__ = ["CampaignAnalytics", "Page", "Recommender", "Segments"]

_DATES = ("start_date", "end_date", "period", "period_start", "period_end")

# One representative record of each listing: the core's fields in its order, each with a
# value of its JSON type, so that a listing without rows keeps its columns and dtypes (see
# ``_frames.records_frame``); tests check them against non-empty results.
_DAY = "1970-01-01"
CAMPAIGN_RECORD = dict(campaign_id=0, name="", product="", start_date=_DAY, end_date=_DAY,
                       targeted_doctors=0, control_doctors=0)
RESPONDER_RECORD = dict(rank=0, doctor_id=0, specialty="", province="", tenure_years=0.0,
                        baseline_rx=0.0, targeted=False, rx_pre=0.0, rx_post=0.0,
                        rx_change=0.0, responded=False, score=0.0)
RX_TREND_RECORD = dict(period=_DAY, phase="", targeted_doctors=0, control_doctors=0,
                       targeted_mean_rx=0.0, control_mean_rx=0.0, targeted_total_rx=0.0,
                       control_total_rx=0.0)
RECOMMENDATION_RECORD = dict(doctor_id=0, score=0.0, matched=[])
SILHOUETTE_RECORD = dict(k=0, score=0.0)
PROFILE_RECORD = dict(segment=0, size=0, share=0.0, mean_tenure_years=0.0, mean_baseline_rx=0.0,
                      extra_means=[], dominant_specialty="", dominant_province="",
                      specialty_shares=[], province_shares=[])


def _filter(
    specialty: Any = None,
    province: Any = None,
    tenure_min: Optional[float] = None,
    tenure_max: Optional[float] = None,
    min_rx: Optional[float] = None,
    max_rx: Optional[float] = None,
    campaign_target: Optional[bool] = None,
    specialties: Any = None,
    provinces: Any = None,
) -> str:
    """The core's ``DoctorFilter`` JSON. ``specialties``/``provinces`` are the campaign API's
    names for ``specialty``/``province``: one name, or a list of names (see :func:`_names`).
    ``campaign_target`` is a bool, or the seed API's 1/0."""
    lists = {}
    for one, plural, name, names in ((specialty, specialties, "specialty", "specialties"),
                                     (province, provinces, "province", "provinces")):
        if one is not None and plural is not None:
            raise InvalidParameterError(
                f"invalid parameter `{names}`: give `{name}` or `{names}`, not both",
                parameter=names,
            )
        lists[names] = _names(name, one) if one is not None else _names(names, plural)

    bounds = dict(tenure_min=tenure_min, tenure_max=tenure_max, min_rx=min_rx, max_rx=max_rx)
    for name, v in bounds.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise InvalidParameterError(f"invalid parameter `{name}` = {v!r}: must be a number",
                                        parameter=name, value=repr(v), reason="must be a number")
        # JSON cannot carry NaN or infinity to the core's check; same error as the core's.
        if v is not None and not np.isfinite(v):
            raise InvalidParameterError(f"invalid parameter `{name}` = {v}: must be finite",
                                        parameter=name, value=str(v), reason="must be finite")
        bounds[name] = None if v is None else float(v)  # numpy scalars are not JSON
    return dumps(
        dict(
            specialties=lists["specialties"],
            provinces=lists["provinces"],
            campaign_target=_flag("campaign_target", campaign_target),
            **bounds,
        ),
        "filter",
    )


def _names(name: str, value: Any) -> List[str]:
    """A ``specialty``/``province`` filter as the core's list of names: one name (a str), or
    a list (any iterable) of names; None is no filter. A name that is not text, or is empty,
    and one string holding a comma (``"Cardiology,Oncology"`` would match no doctor: give
    the list ``["Cardiology", "Oncology"]``) raise :class:`InvalidParameterError` naming
    ``name``. A list may hold a name with a comma (``["Eyes, Ears"]``): it is taken as it
    is."""

    def bad(reason: str, shown: Any = value) -> InvalidParameterError:
        return InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: {reason}",
            parameter=name, value=repr(shown), reason=reason,
        )

    if value is None:
        return []
    if isinstance(value, str):
        if "," in value:
            parts = [p.strip() for p in value.split(",")]
            raise bad(f"one name per string; for several give a list, e.g. {parts!r}")
        items = [value]
    elif isinstance(value, bytes) or not isinstance(value, _Iterable):
        raise bad("must be a name (a str) or a list of names")
    else:
        items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise bad(f"{item!r} is not a name (a str)", item)
        if not item.strip():
            raise bad("a name must not be empty", item)
    return [str(item) for item in items]


def _flag(name: str, value: Any) -> Optional[bool]:
    """A yes/no argument: None, a bool (NumPy's too), or 1/0 (the seed API's spelling);
    anything else raises :class:`InvalidParameterError` naming ``name``."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(int(value))
    raise InvalidParameterError(
        f"invalid parameter `{name}` = {value!r}: must be a bool (True/False, or 1/0)",
        parameter=name, value=repr(value), reason="must be a bool",
    )


def _rank(rank_by: Any) -> str:
    """``rank_by`` as the core's ``RankBy`` JSON: ``"rx_increase"``, or uplift scores from a
    frame with ``doctor_id`` and ``effect`` (what :meth:`CampaignAnalytics.uplift` returns) or
    a mapping doctor_id -> score."""
    if isinstance(rank_by, str):
        if rank_by != "rx_increase":
            raise InvalidParameterError(
                f"invalid parameter `rank_by` = {rank_by!r}: must be 'rx_increase', an uplift "
                "frame (doctor_id, effect) or a mapping doctor_id -> score",
                parameter="rank_by", value=rank_by,
            )
        return dumps(rank_by, "rank_by")
    if isinstance(rank_by, pd.DataFrame) or _frames._is_polars(rank_by):
        df = _frames.to_pandas(rank_by)
        missing = [c for c in ("doctor_id", "effect") if c not in df.columns]
        if missing:
            raise InvalidParameterError(
                f"invalid parameter `rank_by`: the frame has no {', '.join(missing)} column",
                parameter="rank_by",
            )
        pairs = list(zip(df["doctor_id"].tolist(), df["effect"].tolist()))
    else:
        try:
            pairs = list(dict(rank_by).items())
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"invalid parameter `rank_by` = {rank_by!r}: must be 'rx_increase', an uplift "
                "frame (doctor_id, effect) or a mapping doctor_id -> score",
                parameter="rank_by", value=repr(rank_by),
            ) from None
    scores: Dict[str, Any] = {}
    for k, v in pairs:
        # Doctor ids are whole numbers (1.9 is not doctor 1) and each is scored once.
        key = str(whole("rank_by", k))
        if key in scores:
            raise InvalidParameterError(
                f"invalid parameter `rank_by`: doctor {key} has two scores (each doctor_id "
                "must appear once)",
                parameter="rank_by", value=key, reason="duplicate doctor_id",
            )
        score = real(v)
        if score is None:
            raise InvalidParameterError(
                f"invalid parameter `rank_by`: the score of doctor {key} is {v!r}, not a number",
                parameter="rank_by", value=repr(v), reason="must be a number",
            )
        if not np.isfinite(score):
            raise InvalidParameterError(
                f"invalid parameter `rank_by`: the score of doctor {key} is {v!r}; uplift "
                "scores must be finite",
                parameter="rank_by", value=repr(v), reason="uplift scores must be finite",
            )
        scores[key] = score
    return dumps({"uplift": scores}, "rank_by")


def _ids(exclude: Iterable[Any]) -> List[int]:
    """Doctor ids to skip, each a whole number (see ``whole``)."""
    if isinstance(exclude, (str, bytes)) or not isinstance(exclude, _Iterable):
        raise InvalidParameterError(
            f"invalid parameter `exclude` = {exclude!r}: must be a list of doctor ids",
            parameter="exclude", value=repr(exclude),
        )
    return [whole("exclude", i) for i in exclude]


@dataclass
class Page:
    """One page of results: ``data`` (a DataFrame), ``page`` (1-based), ``per_page``,
    ``total`` rows and ``pages``."""

    data: Any
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Pages of ``per_page`` rows that ``total`` fills (0 when there are no rows), as
        the core counts them."""
        return -(-self.total // max(self.per_page, 1))

    def _repr_html_(self) -> str:
        from ._display import page_html

        return page_html(self)

    def __len__(self) -> int:
        return len(self.data)


def _assignments(ids: Any = (), seg: Any = (), index: Any = None) -> pd.DataFrame:
    return pd.DataFrame(dict(doctor_id=np.asarray(ids, dtype=np.int64),
                             segment=np.asarray(seg, dtype=np.int64)), index=index)


@dataclass
class Segments:
    """A k-means segmentation of the doctors: ``assignments`` (doctor_id, segment),
    ``profiles`` per segment, ``silhouettes`` per candidate k, and the fitted ``model``.
    Pickles (and deep-copies) through its model artifact."""

    k: int
    assignments: pd.DataFrame
    profiles: pd.DataFrame
    silhouettes: pd.DataFrame
    model: Any

    @classmethod
    def _from_model(cls, model: Any, assignments: Optional[pd.DataFrame] = None) -> "Segments":
        return cls(
            k=model.k,
            assignments=_assignments() if assignments is None else assignments,
            profiles=_frames.records_frame(model.profiles(), prototype=PROFILE_RECORD),
            silhouettes=_frames.records_frame(model.silhouettes(), prototype=SILHOUETTE_RECORD),
            model=model,
        )

    def save(self, path: "os.PathLike[str] | str") -> None:
        """Writes the segmentation model artifact (kind ``doctor_segmentation``)."""
        self.model.save(os.fspath(path))

    def to_json(self) -> str:
        """The segmentation model artifact (kind ``doctor_segmentation``)."""
        return self.model.to_json()

    @classmethod
    def from_json(cls, text: str) -> "Segments":
        """A segmentation from its artifact text (see :meth:`load`)."""
        return cls._from_model(_optocom.SegmentationModel.from_json(text))

    @classmethod
    def load(cls, path: "os.PathLike[str] | str") -> "Segments":
        """A saved segmentation (from any runtime; ``optocom.load`` returns the same).
        ``assignments`` is empty until :meth:`assign` is called with doctors. A file that
        cannot be read raises :class:`OptocomIOError`, one that is not an artifact
        :class:`InvalidArtifactError`."""
        from .io import read_model_text

        return cls.from_json(read_model_text(path))

    def assign(self, doctors: Any) -> pd.DataFrame:
        """The segment of each doctor (``doctor_id``, ``segment``) of a DataFrame-like with
        the doctor columns (``doctor_id``, ``specialty``, ``province``, ``tenure_years``,
        ``baseline_rx``; the usual aliases work), on the index of a pandas ``doctors``. New
        doctors get their nearest centroid."""
        ids, seg = self.model.assign(_frames.columns(doctors))
        index = doctors.index if isinstance(doctors, pd.DataFrame) else None
        self.assignments = _assignments(ids, seg, index)
        return self.assignments


class CampaignAnalytics:
    """Campaign analytics over doctors, campaigns, targeting and monthly Rx volumes.

    ``data`` may be: ``None`` (the built-in sample data, seeded by ``seed``), a directory of
    CSV files or an XLSX workbook, a dict (or object) with ``doctors``, ``campaigns``,
    ``targeting`` and ``rx`` tables (any DataFrame-like), or an :func:`optocom.demo.campaigns`
    result. Filters everywhere: ``specialty``, ``province`` (one or many; the campaign API's
    ``specialties``/``provinces`` work too, case-insensitive), ``tenure_min``/``tenure_max``,
    ``min_rx``/``max_rx`` (baseline Rx volume), ``campaign_target`` (True/False, or the
    campaign API's 1/0: the campaign's targeted or control doctors; ignored where there is
    no campaign, by :meth:`recommend` and the doctors :meth:`export_csv`); bounds are
    inclusive. A name filter is one name or a list of names (a string with a comma, an empty
    name, or a value that is not text raises :class:`InvalidParameterError`). Listings take
    ``page`` (from 1) and ``per_page`` (1 to 500).

    Bad values raise :class:`InvalidValueError` naming the row, column and value; with
    ``lenient=True`` bad rows are skipped instead and listed in ``rejected_`` (with their
    ``table``), and so are the targeting and Rx rows of a skipped (or unknown) doctor or
    campaign, with a ``reason`` such as ``doctor 3 was rejected``. Ids, pages and counts are
    whole numbers; a bad one raises :class:`InvalidParameterError` naming the argument.
    Listings without rows keep their columns and dtypes.

    An instance pickles and deep-copies (its data and outcome rule as JSON, and the last
    :meth:`segments`), so joblib and Dask can ship it to workers.
    """

    def __init__(self, data: Any = None, *, seed: int = _optocom.SAMPLE_SEED,
                 lenient: bool = False) -> None:
        self.rejected_ = _rejected("[]")
        # The index labels of a pandas doctors table's kept rows, in the core's order (the
        # input's): the index of ``segments().assignments``.
        self._doctors_index: Optional[pd.Index] = None
        if data is None:
            self._model = _optocom.CampaignModel.sample(whole("seed", seed))
        elif isinstance(data, _optocom.CampaignModel):
            self._model = data
        elif hasattr(data, "_analytics"):
            self._model = data._analytics
        elif _frames.is_path(data):
            self._model, rej = _optocom.CampaignModel.from_path(os.fspath(data), None, lenient)
            self.rejected_ = _rejected(rej)
        else:
            get = data.get if isinstance(data, dict) else lambda k: getattr(data, k, None)
            tables = [get(k) for k in ("doctors", "campaigns", "targeting", "rx")]
            missing = [k for k, t in zip(("doctors", "campaigns", "targeting", "rx"), tables) if t is None]
            if missing:
                raise InvalidParameterError(
                    f"invalid parameter `data`: missing table(s) {', '.join(missing)}",
                    parameter="data",
                )
            cols = [_frames.columns(t) for t in tables]
            self._model, rej = _optocom.CampaignModel.from_tables(*cols, None, lenient)
            self.rejected_ = _rejected(rej)
            doctors = self.rejected_[self.rejected_["table"] == "doctors"]
            self._doctors_index = _frames.kept_labels(tables[0], doctors)
        self._segments: Optional[Segments] = None

    # -- data ---------------------------------------------------------------------------
    def tables(self) -> Dict[str, pd.DataFrame]:
        """The four tables as DataFrames."""
        return {n: self._table(n) for n in ("doctors", "campaigns", "targeting", "rx")}

    def _table(self, name: str) -> pd.DataFrame:
        return _frames.records_frame(self._model.table(name), dates=_DATES)

    @property
    def doctors(self) -> pd.DataFrame:
        """The doctors table (without reading the others)."""
        return self._table("doctors")

    # -- analytics ----------------------------------------------------------------------
    def campaigns(self, *, page: int = 1, per_page: int = 50, **filters: Any) -> Page:
        """Campaign summaries (targeted/control counts, dates, product), paginated."""
        text = self._model.campaigns(_filter(**filters), whole("page", page),
                                     whole("per_page", per_page))
        return self._page(text, CAMPAIGN_RECORD)

    def metrics(self, campaign_id: int, *, confidence: float = _optocom.DEFAULT_CONFIDENCE,
                **filters: Any) -> Dict[str, Any]:
        """Metrics of one campaign: group means before and after, difference-in-differences
        lift and response-rate difference with confidence intervals at ``confidence`` (a
        number strictly between 0 and 1)."""
        if isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, numbers.Real):
            raise InvalidParameterError(
                f"invalid parameter `confidence` = {confidence!r}: must be a number strictly "
                "between 0 and 1",
                parameter="confidence", value=repr(confidence), reason="must be a number",
            )
        return json.loads(self._model.metrics(whole("campaign_id", campaign_id), _filter(**filters),
                                              float(confidence)))

    def rx_trend(self, campaign_id: int, **filters: Any) -> pd.DataFrame:
        """Monthly mean Rx of targeted and control doctors around the campaign."""
        text = self._model.rx_trend(whole("campaign_id", campaign_id), _filter(**filters))
        return _frames.records_frame(text, dates=_DATES, prototype=RX_TREND_RECORD)

    def top_responders(
        self,
        campaign_id: int,
        *,
        rank_by: Any = "rx_increase",
        page: int = 1,
        per_page: int = 50,
        **filters: Any,
    ) -> Page:
        """Doctors ranked by Rx increase (``rank_by="rx_increase"``) or by an uplift score
        (``rank_by`` a mapping doctor_id -> score, e.g. from :meth:`uplift`), paginated."""
        rank = _rank(rank_by)
        text = self._model.top_responders(whole("campaign_id", campaign_id), _filter(**filters), rank,
                                          whole("page", page), whole("per_page", per_page))
        return self._page(text, RESPONDER_RECORD)

    def uplift_table(self, campaign_id: int) -> pd.DataFrame:
        """The campaign's modelling table: doctor_id, features (tenure, baseline Rx, pre-period
        Rx of the product, one-hot specialty/province), treatment, responded, rx_change."""
        ids, names, X, t, resp, change = self._model.uplift_table(whole("campaign_id", campaign_id))
        df = pd.DataFrame(X, columns=names)
        df.insert(0, "doctor_id", np.asarray(ids, dtype=np.int64))
        df["treatment"] = np.asarray(t, dtype=np.int64)
        df["responded"] = np.asarray(resp, dtype=np.int64)
        df["rx_change"] = np.asarray(change, dtype=np.float64)
        return df

    def uplift(
        self,
        campaign_id: int,
        *,
        outcome: Optional[str] = None,
        alpha: float = round(1.0 - _optocom.DEFAULT_CONFIDENCE, 12),
        model: Optional[UpliftForest] = None,
        return_model: bool = False,
        **params: Any,
    ) -> Any:
        """Per-doctor campaign effects with ``1 - alpha`` confidence intervals
        (``doctor_id, effect, lower, upper, std_error, treatment``), one row per doctor of the
        campaign (targeted or not), from an :class:`UpliftForest`.

        Without ``model`` a forest is fitted on the campaign's :meth:`uplift_table` for
        ``outcome``: ``"responded"`` (default; effect on the response probability) or
        ``"rx_change"`` (effect on the monthly Rx); ``params`` are :class:`UpliftForest`'s
        (``random_state`` defaults to 42). ``return_model=True`` also returns the forest, to
        save for later.

        With ``model`` (a fitted forest, e.g. ``optocom.load("uplift.json")`` saved after an
        earlier fit, on this data or an earlier snapshot of it) the doctors are scored without
        refitting: the pretrained-model workflow. Specialties or provinces the forest never
        saw get all-zero one-hot columns. ``params`` are then refused, and ``outcome``, if
        given, must be the one the forest was fitted for."""
        if outcome is not None and outcome not in ("responded", "rx_change"):
            raise InvalidParameterError(
                f"invalid parameter `outcome` = {outcome!r}: must be 'responded' or 'rx_change'",
                parameter="outcome",
            )
        if not (isinstance(alpha, numbers.Real) and 0.0 < alpha < 1.0):
            raise InvalidParameterError(
                f"invalid parameter `alpha` = {alpha!r}: must be in (0, 1)", parameter="alpha"
            )
        level = 1.0 - float(alpha)
        campaign_id = whole("campaign_id", campaign_id)
        if model is not None:
            if not isinstance(model, UpliftForest):
                raise InvalidParameterError(
                    f"invalid parameter `model`: expected a fitted UpliftForest, got {type(model).__name__}",
                    parameter="model",
                )
            if params:
                raise InvalidParameterError(
                    f"invalid parameter `{sorted(params)[0]}`: forest parameters configure a new "
                    "fit; a given `model` is used as it was fitted",
                    parameter=sorted(params)[0],
                )
            native = model._check_fitted()
            fitted_for = "responded" if native.outcome == "binary" else "rx_change"
            if outcome is not None and outcome != fitted_for:
                raise InvalidParameterError(
                    f"invalid parameter `outcome` = {outcome!r}: the model was fitted for "
                    f"{fitted_for!r}",
                    parameter="outcome",
                )
            rows = self._model.score_uplift(native, campaign_id, level)
        else:
            params.setdefault("random_state", 42)
            est = UpliftForest(**params)
            # columns by name are the uplift table's feature columns (built only if asked)
            core = est._core_params(lambda: list(self._model.uplift_table(campaign_id)[1]))
            try:
                with _progress.bar(est.n_estimators, "UpliftForest") as cb:
                    native, rows = self._model.uplift(
                        campaign_id, core, outcome or "responded", level, cb
                    )
            except InvalidParameterError as e:
                raise renamed(e) from None
            model = UpliftForest._from_model(native)
        out = _frames.records_frame(rows).rename(columns={"targeted": "treatment"})
        out = out[["doctor_id", "effect", "lower", "upper", "std_error", "treatment"]]
        # the interval columns are float64 even where the core had no number (null)
        out = out.astype({"doctor_id": np.int64, "effect": np.float64, "lower": np.float64,
                          "upper": np.float64, "std_error": np.float64, "treatment": np.int64})
        return (out, model) if return_model else out

    def segments(
        self,
        k: Optional[int] = None,
        *,
        k_range: Sequence[int] = (2, 8),
        n_init: Optional[int] = None,
        random_state: int = 42,
    ) -> Segments:
        """k-means segmentation of the doctors (tenure, Rx volume, specialty, province).
        ``k=None`` picks k in ``k_range`` by silhouette.

        ``assignments`` has one row per doctor (``doctor_id``, ``segment``). When the
        doctors table was a pandas DataFrame it is on that frame's index (without the rows
        ``lenient`` skipped), so ``doctors["segment"] = ca.segments().assignments["segment"]``
        aligns by doctor as :meth:`Segments.assign` does; otherwise (sample data, files,
        polars, records) on a fresh range index."""
        p = json.loads(_optocom.default_params("doctor_segmentation"))
        p["k"] = None if k is None else whole("k", k)
        try:
            lo, hi = k_range
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"invalid parameter `k_range` = {k_range!r}: must be a pair (smallest k, "
                "largest k)", parameter="k_range", value=repr(k_range),
            ) from None
        p["k_range"] = [whole("k_range", lo), whole("k_range", hi)]
        if n_init is not None:
            p["n_init"] = whole("n_init", n_init)
        p["seed"] = whole("random_state", random_state)
        try:
            model = self._model.segment(dumps(p))
        except InvalidParameterError as e:
            raise renamed(e, {"k": "k", "seed": "random_state"}) from None
        doctors = self.doctors
        ids, seg = model.assign(_frames.columns(doctors))
        index = None
        labels = self.__dict__.get("_doctors_index")  # absent in a pickle of an older version
        if labels is not None:
            if len(labels) != len(doctors):  # pragma: no cover - every doctor kept is labelled
                raise InternalError(f"internal error in optocom (please report it): "
                                    f"{len(doctors)} doctors for {len(labels)} kept rows")
            at = {int(d): i for i, d in enumerate(doctors["doctor_id"])}
            index = labels.take([at[int(d)] for d in ids])
        self._segments = Segments._from_model(model, _assignments(ids, seg, index))
        return self._segments

    def recommend(
        self,
        product: str,
        n: int = _optocom.DEFAULT_RECOMMENDATIONS,
        *,
        exclude: Iterable[int] = (),
        use_segments: bool = True,
        **filters: Any,
    ) -> pd.DataFrame:
        """The ``n`` doctors that best fit ``product``'s profile, skipping ``exclude``
        (content-based: specialty, province, tenure and Rx bands, and the segment when
        :meth:`segments` was run). The profile weighs each level by its response rate among
        the doctors the product's campaigns targeted, shrunk towards the overall rate.

        The recommender is built on the first call and kept for the next ones (rebuilt after
        :meth:`segments`), so later calls skip the pass over the doctors.

        ``filters`` restrict the doctors recommended, except ``campaign_target``, which is
        ignored here: a recommendation is for a product, not one campaign, so there is no
        targeting to select by (as in every optocom runtime). Pass ``exclude`` the doctors
        to leave out instead."""
        params = _optocom.default_params("doctor_recommender")
        seg = self._segments.model if (use_segments and self._segments is not None) else None
        text = self._model.recommend(product, whole("n", n), _filter(**filters), _ids(exclude),
                                     params, seg)
        return _frames.records_frame(text, prototype=RECOMMENDATION_RECORD)

    def recommender(self, products: Optional[Iterable[str]] = None, *,
                    use_segments: bool = True) -> "Recommender":
        """A :class:`Recommender` over every doctor that knows ``products`` (default: every
        product a campaign promoted), with the doctors' segments when :meth:`segments` was run
        and ``use_segments``: the pretrained recommender, to ``save`` and later serve
        recommendations from (``optocom.load``) without the campaign data. It recommends
        what :meth:`recommend` does."""
        if isinstance(products, str):
            products = [products]
        names = [] if products is None else list(products)
        bad = next((p for p in names if not isinstance(p, str)), None)
        if bad is not None:
            raise InvalidParameterError(
                f"invalid parameter `products`: {bad!r} is not a product name", parameter="products"
            )
        params = _optocom.default_params("doctor_recommender")
        seg = self._segments.model if (use_segments and self._segments is not None) else None
        return Recommender(self._model.product_recommender(params, names, seg))

    def export_csv(
        self,
        path: "os.PathLike[str] | str",
        what: str = "doctors",
        *,
        campaign_id: Optional[int] = None,
        rank_by: Any = "rx_increase",
        formula_guard: bool = True,
        **filters: Any,
    ) -> Dict[str, int]:
        """Streams ``"doctors"`` (filtered) or a campaign's ranked ``"responders"`` (ranked as
        by :meth:`top_responders`) to a CSV file without building a DataFrame; cells that a
        spreadsheet would run as formulas are guarded. Returns ``{rows, bytes,
        guarded_cells}``.

        ``"responders"`` needs ``campaign_id`` and takes every filter. ``"doctors"`` lists
        the doctors table, with no campaign: ``campaign_id``, ``rank_by`` and the
        ``campaign_target`` filter are ignored there (export a campaign's targeted or
        control doctors as ``"responders"`` with ``campaign_target``)."""
        cid = None if campaign_id is None else whole("campaign_id", campaign_id)
        text = self._model.export_csv(os.fspath(path), what, _filter(**filters), cid,
                                      _rank(rank_by), formula_guard)
        return json.loads(text)

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _page(text: str, prototype: Dict[str, Any]) -> Page:
        p = json.loads(text)
        df = _frames.records_frame(p["data"], dates=_DATES, prototype=prototype)
        return Page(data=df, page=p["page"], per_page=p["per_page"], total=p["total"])

    def __repr__(self) -> str:
        n_doctors, n_campaigns, _, _ = self._model.counts()
        return f"CampaignAnalytics({n_doctors} doctors, {n_campaigns} campaigns)"


class Recommender:
    """A content-based doctor recommender that serves without the campaign data: built by
    :meth:`CampaignAnalytics.recommender`, or loaded with :func:`optocom.load` from the
    artifact any optocom runtime saves. Pickles and deep-copies through that artifact."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def _from_model(cls, model: Any) -> "Recommender":
        return cls(model)

    @property
    def products(self) -> List[str]:
        return list(self._model.products())

    @property
    def n_doctors(self) -> int:
        return self._model.n_doctors

    def recommend(self, product: str, n: int = _optocom.DEFAULT_RECOMMENDATIONS, *, exclude: Iterable[int] = (),
                  **filters: Any) -> pd.DataFrame:
        """The ``n`` best doctors for ``product``, best first: ``doctor_id``, ``score`` and
        ``matched`` (the profile levels the doctor shares with the product, e.g.
        ``specialty=Cardiology``); the same columns as :meth:`CampaignAnalytics.recommend`.
        ``filters`` as there (``campaign_target`` is ignored: there is no campaign here)."""
        text = self._model.recommend(product, whole("n", n), _filter(**filters), _ids(exclude))
        return _frames.records_frame(text, prototype=RECOMMENDATION_RECORD)

    def to_json(self) -> str:
        return self._model.to_json()

    def save(self, path: "os.PathLike[str] | str") -> None:
        self._model.save(os.fspath(path))

    @classmethod
    def from_json(cls, text: str) -> "Recommender":
        return cls(_optocom.RecommenderModel.from_json(text))

    @classmethod
    def load(cls, path: "os.PathLike[str] | str") -> "Recommender":
        """The recommender saved by ``save`` in any runtime (``optocom.load`` returns the same). A file
        that cannot be read raises :class:`OptocomIOError`, one that is not an artifact of
        this kind :class:`InvalidArtifactError`."""
        from .io import read_model_text

        return cls.from_json(read_model_text(path))

    def __repr__(self) -> str:
        return f"Recommender({self.n_doctors} doctors, products={self.products})"
