"""Seeded demo data from optocom's generators, with their known truth.

* :func:`appointments`: an optometry practice's past appointments (with sales) and upcoming
  ones, drawn from a known hurdle model; ``truth=True`` adds each row's true purchase
  probability, expected spend and amount, and for upcoming rows the amount actually spent.
* :func:`campaigns`: doctors, randomised campaign targeting and monthly Rx volumes, with each
  doctor's true conditional campaign effect.
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional, Tuple

import pandas as pd

from . import _frames, _optocom
from ._base import dumps, real, renamed, whole
from .exceptions import InvalidParameterError

__all__ = ["appointments", "campaigns", "CampaignDemo"]


def _params(kind: str, **overrides: Any) -> str:
    """The generator's params: its defaults, with each argument given checked by the kind of
    its default. Counts, days and seeds go through ``whole`` (``200.0`` is 200; a fraction,
    a negative or ``2**64`` is refused naming the argument); the other numbers must be
    finite numbers (NaN is refused by name, not sent as text)."""
    p = json.loads(_optocom.default_params(kind))
    for k, v in overrides.items():
        if v is not None:
            if k not in p:
                raise TypeError(f"unknown demo parameter {k!r}")
            default = p[k]
            if isinstance(default, int) and not isinstance(default, bool):
                v = whole(k, v)
            elif isinstance(default, float):
                v = _finite(k, v)
            p[k] = v
    return dumps(p)


def _finite(name: str, value: Any) -> float:
    """A real-valued generator argument as a float: a finite number (NumPy's too), not a
    bool; anything else raises :class:`InvalidParameterError` naming ``name``."""
    v = real(value)
    if v is None:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: must be a number",
            parameter=name, value=repr(value), reason="must be a number",
        )
    if not math.isfinite(v):
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: must be finite",
            parameter=name, value=repr(value), reason="must be finite",
        )
    return v


def _day(name: str, value: Any) -> str:
    """A date argument (a date, a timestamp or an ISO string) as ISO text for the core."""
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as e:  # pandas' DateParseError is a ValueError
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: not a date ({e})",
            parameter=name, value=repr(value), reason="not a date",
        ) from None
    if day is pd.NaT:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: not a date", parameter=name,
            value=repr(value), reason="not a date",
        )
    return day.date().isoformat()


def _appointment_frame(cols: dict, polars: bool, upcoming: bool = False) -> Any:
    df = _frames.appointment_frame(cols)
    if upcoming and "amount" in df.columns and df["amount"].isna().all():
        # Upcoming visits have no amount yet (the truth's ``actual_amount`` is separate).
        df = df.drop(columns=["amount"])
    return _frames.finish(df, polars=polars)


def appointments(
    n_past: Optional[int] = None,
    n_upcoming: Optional[int] = None,
    *,
    seed: Optional[int] = None,
    truth: bool = False,
    threshold: Optional[float] = None,
    start_date: Any = None,
    past_days: Optional[int] = None,
    upcoming_days: Optional[int] = None,
    output: str = "pandas",
) -> Tuple[Any, Any]:
    """``(past, upcoming)`` appointment DataFrames (``output="polars"`` for polars). Defaults
    are the core generator's: 10,000 past appointments over the 365 days before
    ``start_date`` (2025-01-06, a Monday) and 1,000 upcoming ones over the 28 days from it.
    ``start_date`` may be a date, a timestamp or an ISO string."""
    if output not in ("pandas", "polars"):
        raise InvalidParameterError(
            f"invalid parameter `output` = {output!r}: must be 'pandas' or 'polars'",
            parameter="output",
        )
    if start_date is not None:
        start_date = _day("start_date", start_date)
    text = _params("demo_appointments", n_past=n_past, n_upcoming=n_upcoming, seed=seed,
                   threshold=threshold, start_date=start_date, past_days=past_days,
                   upcoming_days=upcoming_days)
    try:
        past, upcoming = _optocom.demo_appointments(text, truth)
    except InvalidParameterError as e:
        raise renamed(e, {"seed": "seed"}) from None
    polars = output == "polars"
    return _appointment_frame(past, polars), _appointment_frame(upcoming, polars, upcoming=True)


class CampaignDemo:
    """Generated campaign data: ``doctors``, ``campaigns``, ``targeting``, ``rx`` and
    ``truth`` DataFrames. Pass it to :class:`optocom.CampaignAnalytics` directly."""

    def __init__(self, analytics: Any, truth: str) -> None:
        self._analytics = analytics
        dates = ("start_date", "end_date", "period")
        self.doctors, self.campaigns, self.targeting, self.rx = (
            _frames.records_frame(analytics.table(name), dates=dates)
            for name in ("doctors", "campaigns", "targeting", "rx")
        )
        self.truth = _frames.records_frame(truth)

    def __repr__(self) -> str:
        return (f"CampaignDemo({len(self.doctors)} doctors, {len(self.campaigns)} campaigns, "
                f"{len(self.rx)} Rx records)")


def campaigns(
    n_doctors: Optional[int] = None,
    n_campaigns: Optional[int] = None,
    *,
    seed: Optional[int] = None,
    target_share: Optional[float] = None,
    effect_scale: Optional[float] = None,
) -> CampaignDemo:
    """Seeded doctors, campaigns, targeting and Rx with the true effects. Defaults are the
    core generator's."""
    text = _params("demo_campaigns", n_doctors=n_doctors, n_campaigns=n_campaigns, seed=seed,
                   target_share=target_share, effect_scale=effect_scale)
    try:
        analytics, truth = _optocom.demo_campaigns(text)
    except InvalidParameterError as e:
        raise renamed(e, {"seed": "seed"}) from None
    return CampaignDemo(analytics, truth)
