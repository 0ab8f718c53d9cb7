"""Optometry purchase forecasting: who will buy (>= GBP 100 by default), how much, and the
expected sales per day, week and month with prediction intervals.

>>> import optocom
>>> past, upcoming = optocom.demo.appointments(n_past=4000, n_upcoming=500, seed=1)
>>> model = optocom.PurchaseForecaster(random_state=0).fit(past)
>>> scored = model.predict(upcoming)
>>> sorted(scored["value_band"].unique()) == sorted(set(scored["value_band"]))
True
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Tuple

import pandas as pd

from . import _frames, _optocom
from ._base import dumps, jobs_of, renamed, seed_of
from .exceptions import InvalidParameterError, NotFittedError

__all__ = ["PurchaseForecaster", "Report"]

_FREQS = ("D", "W", "M")


def _source(data: Any) -> Any:
    """A path for the core's file readers, or typed columns."""
    if _frames.is_path(data):
        return os.fspath(data)
    return _frames.columns(data)


def _rejected(text: str) -> pd.DataFrame:
    """The core's rejected rows as a frame: ``table`` (``appointments``, or ``doctors``,
    ``campaigns``, ``targeting``, ``rx`` for campaign data), then the attributes a strict-mode
    :class:`InvalidValueError` carries: ``row`` (0-based record position in its table;
    unknown for workbook sheets), ``line`` (a CSV file's physical line, or the Excel row
    number of a sheet), ``sheet``, ``column``, ``value`` and ``reason``."""
    rows = json.loads(text)
    out = []
    for r in rows:
        loc = r.get("location", {})
        kind = loc.get("kind")
        if kind == "line":
            row, line = (loc.get("record") or 1) - 1, loc.get("line")
        elif kind == "sheet":
            row, line = None, loc.get("row")
        else:
            row, line = loc.get("row"), None
        out.append(dict(table=r.get("table") or None, row=row, line=line, sheet=loc.get("sheet"),
                        column=r["column"], value=r["value"], reason=r["reason"]))
    return pd.DataFrame(out, columns=["table", "row", "line", "sheet", "column", "value", "reason"])


def _with_rejected(result: Any, rejected: pd.DataFrame, return_rejected: bool) -> Any:
    return (result, rejected) if return_rejected else result


# One representative record of the forecast and compare frames (the core's ForecastPoint
# and ComparisonPoint fields, in order, with values of their JSON types), so that no
# appointments give an empty frame with its columns and dtypes; a test checks them against a
# non-empty result.
_DAY = "1970-01-01"
FORECAST_RECORD = dict(period_start=_DAY, period_end=_DAY, appointments=0, expected_purchases=0.0,
                       expected_revenue=0.0, std_dev=0.0, lower=0.0, upper=0.0)
COMPARE_RECORD = dict(period_start=_DAY, period_end=_DAY, appointments=0, actual=0.0,
                      predicted=0.0, error=0.0, lower=0.0, upper=0.0, within_interval=False)
FORECAST_COLUMNS = tuple(FORECAST_RECORD)
COMPARE_COLUMNS = tuple(COMPARE_RECORD)

# The core's defaults: a loaded model's arguments equal to them come back as None (what
# "the core's default" is spelled as in the signature), as they were before saving.
_DEFAULTS: Dict[str, Any] = json.loads(_optocom.default_params("purchase_forecaster"))

# The constructor's arguments, in order (get_params, set_params, repr).
_PARAMS = ("threshold", "n_estimators", "min_samples_leaf", "high", "medium", "band_basis",
           "holdout_fraction", "refit_on_all", "random_state", "n_jobs", "lenient")

# The core's nested parameter names and the keyword arguments that set them.
_NESTED = {"value_bands.high": "high", "value_bands.medium": "medium",
           "value_bands.basis": "band_basis"}


def _renamed(e: InvalidParameterError) -> InvalidParameterError:
    return renamed(e, _NESTED)


class Report:
    """The training report: hold-out quality of the purchase and spend models, calibration and
    feature importances. ``str(report)`` is a text summary; Jupyter shows it as HTML."""

    def __init__(self, data: Dict[str, Any], text: str) -> None:
        self._data = data
        self._text = text
        for k, v in data.items():
            setattr(self, k, v)

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._data)

    def calibration_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._data.get("calibration", []))

    def importances_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._data.get("feature_importances", []), columns=["feature", "importance"])

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        def fmt(v: Any) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        return (f"<optocom.Report auc={fmt(self._data.get('auc'))} "
                f"revenue_r2={fmt(self._data.get('revenue_r2'))}>")

    def _repr_html_(self) -> str:
        from ._display import report_html

        return report_html(self)


class PurchaseForecaster:
    """Hurdle model of a visit's sales: a random forest for the probability of a qualifying
    purchase (amount >= ``threshold``) and a scaled linear regression for the spend of a
    purchaser; combined into expected revenue, its spread, a value band and forecasts.

    Every argument left as ``None`` takes the core's default (``threshold`` 100, 100 trees,
    value bands on expected revenue: high >= 150, medium >= 75, 20% hold-out for the report,
    then refit on all rows). ``random_state`` fixes the model bit for bit. A loaded model's
    ``get_params()`` are the arguments it was fitted with (the core's defaults as None,
    ``random_state`` the seed used), so a refit from them gives the same model.

    With ``lenient=True`` bad rows are skipped instead of raising: the rows :meth:`fit`
    skipped are the fitted attribute ``rejected_``; :meth:`predict`, :meth:`forecast`,
    :meth:`forecast_total` and :meth:`compare` never change it (a fitted model can score
    from several threads at once) and return the rows they skipped themselves with
    ``return_rejected=True``.
    """

    def __init__(
        self,
        *,
        threshold: Optional[float] = None,
        n_estimators: Optional[int] = None,
        min_samples_leaf: Any = None,
        high: Optional[float] = None,
        medium: Optional[float] = None,
        band_basis: Optional[str] = None,
        holdout_fraction: Optional[float] = None,
        refit_on_all: Optional[bool] = None,
        random_state: Any = None,
        n_jobs: Optional[int] = None,
        lenient: bool = False,
    ) -> None:
        self.threshold = threshold
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.high = high
        self.medium = medium
        self.band_basis = band_basis
        self.holdout_fraction = holdout_fraction
        self.refit_on_all = refit_on_all
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.lenient = lenient
        self._model: Any = None
        self.rejected_: Optional[pd.DataFrame] = None

    # -- parameters ---------------------------------------------------------------------
    def _params(self) -> str:
        p = json.loads(_optocom.default_params("purchase_forecaster"))
        if self.threshold is not None:
            p["threshold"] = self.threshold
        if self.n_estimators is not None:
            p["classifier"]["n_trees"] = self.n_estimators
        if self.min_samples_leaf is not None:
            from .ensemble import _min_leaf

            p["classifier"]["min_samples_leaf"] = _min_leaf(self.min_samples_leaf)
        if self.high is not None:
            p["value_bands"]["high"] = self.high
        if self.medium is not None:
            p["value_bands"]["medium"] = self.medium
        if self.band_basis is not None:
            p["value_bands"]["basis"] = self.band_basis
        if self.holdout_fraction is not None:
            p["holdout_fraction"] = self.holdout_fraction
        if self.refit_on_all is not None:
            p["refit_on_all"] = self.refit_on_all
        seed = seed_of(self.random_state)
        p["seed"] = seed
        p["classifier"]["seed"] = seed
        p["classifier"]["n_jobs"] = jobs_of(self.n_jobs)
        return dumps(p)

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's arguments (scikit-learn's convention)."""
        return {k: getattr(self, k) for k in _PARAMS}

    def set_params(self, **params: Any) -> "PurchaseForecaster":
        """Sets constructor arguments (scikit-learn's convention; checked at the next
        :meth:`fit`); returns ``self``. An unknown name raises
        :class:`InvalidParameterError`."""
        for k in params:
            if k not in _PARAMS:
                raise InvalidParameterError(
                    f"invalid parameter `{k}`: PurchaseForecaster has no such parameter "
                    f"(valid: {', '.join(_PARAMS)})",
                    parameter=k, reason="unknown parameter",
                )
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _check(self) -> Any:
        if self._model is None:
            raise NotFittedError(
                "This PurchaseForecaster instance is not fitted yet. Call 'fit' with past "
                "appointments first."
            )
        return self._model

    # -- training and scoring -----------------------------------------------------------
    def fit(self, past: Any) -> "PurchaseForecaster":
        """Trains on past appointments with their actual sales (``amount``): a DataFrame, a
        pyarrow Table, records or a CSV/XLSX path. Column names may use the usual aliases
        (``Sales``, ``Patient ID`` ...). Bad rows raise :class:`InvalidValueError` naming the
        row, column and value; with ``lenient=True`` they are skipped and listed in
        ``rejected_`` (a fitted attribute: scoring calls leave it as it is, see
        ``return_rejected``)."""
        try:
            # ``lenient`` is the wrapper's, not the core's: kept in the artifact's host object.
            model, rejected = _optocom.PurchaseModel.fit(
                _source(past), self._params(), self.lenient,
                dumps({"lenient": True}, "host") if self.lenient else None,
            )
        except InvalidParameterError as e:
            raise _renamed(e) from None
        self._model = model
        self.rejected_ = _rejected(rejected)
        return self

    def predict(self, upcoming: Any, *, return_rejected: bool = False) -> Any:
        """Scores appointments: one row each with ``patient_id``, ``appointment_date``,
        ``probability`` (of a qualifying purchase), ``expected_spend`` (if purchasing),
        ``expected_revenue``, ``revenue_sd`` and ``value_band`` (high/medium/low), then
        ``actual_amount`` (what the visit spent; NaN where a cell is empty) when
        ``upcoming`` has an amount column under any of its names (``amount``, ``Sales``,
        ``spend`` ...), whatever its values: so every batch of one source has the same
        columns (``pd.concat``, Dask's ``meta``). A CSV/XLSX path gets ``actual_amount``
        when some row has an amount.

        pandas out, on the index of a pandas ``upcoming`` (without the rows ``lenient``
        skipped), so the columns align with the input
        (``df["p"] = model.predict(df)["probability"]``); polars for polars in.
        ``return_rejected=True`` returns ``(scored, rejected)``: the rows ``lenient`` skipped
        (no rows in strict mode), with the columns of ``rejected_``."""
        model = self._check()
        source = _source(upcoming)
        cols, text = model.score(source, self.lenient)
        rejected = _rejected(text)
        index = _frames.kept_index(upcoming, rejected, len(cols["probability"]))
        df = _frames.appointment_frame(cols, index)  # actual_amount: the core decides
        return _with_rejected(_frames.finish(df, polars=_frames.wants_polars(upcoming)),
                              rejected, return_rejected)

    def predict_patient(self, patient: Optional[Dict[str, Any]] = None, **features: Any) -> Dict[str, Any]:
        """One patient's prediction from the eight features (a dict or keyword arguments):
        ``age``, ``days_since_last_purchase``, ``employed``, ``benefits``, ``driver``,
        ``vdu_user``, ``varifocal``, ``high_prescription``. A row of an appointments
        DataFrame (``upcoming.iloc[0]`` or its ``to_dict()``) works as it is: its other
        columns are ignored; NumPy scalars and decimals are accepted, and the features read
        as batch scoring reads them: the yes/no features may be bools, 0/1 numbers or text
        (``"Y"``, ``"no"``, ``"True"``), and the numbers may be given as text (``"52"``). A
        bad or missing feature raises :class:`InvalidParameterError` naming it
        (``patient.age``)."""
        model = self._check()
        try:
            data = dict({} if patient is None else patient, **features)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"invalid parameter `patient` = {patient!r}: must be a mapping of the features "
                "(a dict, or a row of an appointments DataFrame)",
                parameter="patient", value=repr(patient),
            ) from None
        return json.loads(model.predict_patient(dumps(data, "patient")))

    def _rows(self, data: Any, past: bool = False) -> Tuple[Any, pd.DataFrame]:
        """The source of a forecast or comparison (``past``: appointments that need their
        amount), and the rows skipped. Strict mode passes it on (the core raises on the
        first bad value; nothing is skipped); lenient mode drops bad rows first, as
        :meth:`predict` does, and for ``past`` the rows without an amount, as :meth:`fit`
        does."""
        if not self.lenient:
            return _source(data), _rejected("[]")
        cols, rejected = _optocom.read_appointments(_source(data), True, True,
                                                    require_amount=past)
        return _frames.columns(_frames.appointment_frame(cols)), _rejected(rejected)

    def forecast(self, upcoming: Any, freq: Optional[str] = _optocom.DEFAULT_FORECAST_FREQ,
                 level: float = _optocom.DEFAULT_LEVEL, *,
                 return_rejected: bool = False) -> Any:
        """Expected sales per day (``"D"``), week (``"W"``, Monday-based) or month (``"M"``)
        with a ``level`` prediction interval (``lower``, ``upper``), one row per period
        from the period of the first appointment to that of the last.

        Each row covers its whole period (``period_start`` to ``period_end``: the whole
        week or calendar month) even when the appointments cover only part of it, as the
        first and last periods usually do: its totals are those of the appointments given,
        not of the whole period. A period between the first and last without appointments
        is listed with zeros (:meth:`compare` leaves such periods out). Dates are naive
        calendar days: each appointment counts on its own calendar day and a time zone is
        dropped, not converted, so join results on ``period_start`` rather than on
        time-zone-aware timestamps. ``freq=None`` is the default, weekly; pandas'
        ``"MS"`` and ``"ME"`` are months. ``return_rejected=True`` returns ``(forecast,
        rejected)`` (see :meth:`predict`)."""
        return self._periods("forecast", upcoming, freq, level, return_rejected)

    def forecast_total(self, upcoming: Any, level: float = _optocom.DEFAULT_LEVEL, *,
                       return_rejected: bool = False) -> Any:
        """Expected sales of all the appointments together, with its interval (``None`` for
        no appointments); ``period_start``/``period_end`` are the first and last dates
        (naive calendar days, see :meth:`forecast`). ``return_rejected=True`` returns
        ``(total, rejected)`` (see :meth:`predict`)."""
        model = self._check()
        source, rejected = self._rows(upcoming)
        out = json.loads(model.forecast_total(source, level))
        if out is not None:
            for k in ("period_start", "period_end"):
                out[k] = pd.Timestamp(out[k])
        return _with_rejected(out, rejected, return_rejected)

    def compare(self, past: Any, freq: Optional[str] = _optocom.DEFAULT_COMPARE_FREQ,
                level: float = _optocom.DEFAULT_LEVEL, *,
                return_rejected: bool = False) -> Any:
        """Actual against predicted sales per period (``"D"``, ``"W"`` or ``"M"``, as for
        :meth:`forecast`) of past appointments, with the interval and whether the actual
        fell inside it.

        As in :meth:`forecast`, each row covers its whole period even when the
        appointments cover only part of it (the first and last periods), and dates are
        naive calendar days (a time zone is dropped, not converted; join on
        ``period_start``). Unlike :meth:`forecast`, only periods with appointments are
        listed: a period without any is left out, not given zeros. Every appointment needs
        its amount: strict mode raises on one without, ``lenient`` skips it.
        ``return_rejected=True`` returns ``(comparison, rejected)`` (see :meth:`predict`)."""
        return self._periods("compare", past, freq, level, return_rejected)

    def _periods(self, method: str, data: Any, freq: Optional[str], level: float,
                 return_rejected: bool) -> Any:
        """The rows of :meth:`forecast` or :meth:`compare` (``method``) as a frame; ``freq``
        None is the core's default for it."""
        model = self._check()
        source, rejected = self._rows(data, past=method == "compare")
        text = getattr(model, method)(source, freq, level)
        out = _frames.records_frame(text, dates=("period_start", "period_end"),
                                    polars=_frames.wants_polars(data),
                                    prototype=FORECAST_RECORD if method == "forecast" else COMPARE_RECORD)
        return _with_rejected(out, rejected, return_rejected)

    def report(self) -> Report:
        """The training report (hold-out AUC, Brier, R^2, calibration, importances)."""
        model = self._check()
        return Report(json.loads(model.report), model.report_text())

    @property
    def feature_names_(self) -> list:
        return list(self._check().feature_names)

    # -- persistence --------------------------------------------------------------------
    def to_json(self) -> str:
        return self._check().to_json()

    def save(self, path: "os.PathLike[str] | str") -> None:
        self._check().save(os.fspath(path))

    @classmethod
    def from_json(cls, text: str) -> "PurchaseForecaster":
        return cls._from_model(_optocom.PurchaseModel.from_json(text))

    @classmethod
    def load(cls, path: "os.PathLike[str] | str") -> "PurchaseForecaster":
        """The forecaster saved by ``save`` in any runtime (``optocom.load`` returns the same). A file
        that cannot be read raises :class:`OptocomIOError`, one that is not an artifact of
        this kind :class:`InvalidArtifactError`."""
        from .io import read_model_text

        return cls.from_json(read_model_text(path))

    @classmethod
    def _from_model(cls, model: Any) -> "PurchaseForecaster":
        """The forecaster of a loaded model, with the arguments it was fitted with: each
        argument from the saved params (None where the saved value is the core's default,
        as an argument left unset reads), ``random_state`` the seed that was used."""
        p = json.loads(model.params)

        def arg(*path: str) -> Any:
            value, default = p, _DEFAULTS
            for key in path:
                value, default = value.get(key), default.get(key)
            return None if value == default else value

        leaf = arg("classifier", "min_samples_leaf")
        est = cls(
            threshold=arg("threshold"),
            n_estimators=arg("classifier", "n_trees"),
            min_samples_leaf=leaf if not isinstance(leaf, dict) else next(iter(leaf.values())),
            high=arg("value_bands", "high"),
            medium=arg("value_bands", "medium"),
            band_basis=arg("value_bands", "basis"),
            holdout_fraction=arg("holdout_fraction"),
            refit_on_all=arg("refit_on_all"),
            random_state=p["seed"],
            n_jobs=p["classifier"].get("n_jobs"),
            lenient=bool(json.loads(model.host).get("lenient", False)),
        )
        est._model = model
        return est

    def __getstate__(self) -> Dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k != "_model"}
        state["_artifact"] = None if self._model is None else self._model.to_json()
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        state = dict(state)
        artifact = state.pop("_artifact", None)
        self.__dict__.update(state)
        self._model = None if artifact is None else _optocom.PurchaseModel.from_json(artifact)

    def __repr__(self) -> str:
        # ``is`` tests: ``random_state=0`` must show (0 == False).
        set_ = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()
                         if v is not None and v is not False)
        state = "fitted" if self._model is not None else "not fitted"
        return f"PurchaseForecaster({set_}) [{state}]"

    def _repr_html_(self) -> str:
        from ._display import forecaster_html

        return forecaster_html(self)
