"""Reading data and models."""

from __future__ import annotations

import json
import os
from typing import Any, Dict

import pandas as pd

from . import _frames, _optocom

__all__ = ["load", "from_json", "model_status", "read_appointments"]


def _wrap(model: Any) -> Any:
    from .ensemble import RandomForestClassifier, RandomForestRegressor
    from .purchase import PurchaseForecaster
    from .uplift import UpliftForest

    by_class = {
        _optocom.ForestClassifier: RandomForestClassifier,
        _optocom.ForestRegressor: RandomForestRegressor,
        _optocom.UpliftModel: UpliftForest,
        _optocom.PurchaseModel: PurchaseForecaster,
    }
    cls = by_class.get(type(model))
    return model if cls is None else cls._from_model(model)


def from_json(text: str) -> Any:
    """Any optocom model from its artifact text (the kind is read from the envelope)."""
    return _wrap(_optocom.model_from_json(text))


def load(path: "os.PathLike[str] | str") -> Any:
    """Any optocom model saved by ``save`` in any runtime (Python, Rust, Node, browser)."""
    with open(os.fspath(path), encoding="utf-8") as f:
        return from_json(f.read())


def model_status(path: "os.PathLike[str] | str") -> Dict[str, Any]:
    """Kind, format and library versions, training facts and params of a saved model,
    without loading it."""
    return json.loads(_optocom.model_status(os.fspath(path)))


def read_appointments(source: Any, *, lenient: bool = False) -> pd.DataFrame:
    """Appointments from a CSV/XLSX path or any DataFrame-like, checked and normalised by the
    core (column aliases, Y/N flags, UK dates). Strict by default: the first bad value raises
    :class:`optocom.InvalidValueError` naming its row, column and value."""
    src = os.fspath(source) if _frames.is_path(source) else _frames.columns(source)
    cols, _rejected = _optocom.read_appointments(src, lenient)
    df = pd.DataFrame(cols)
    df["appointment_date"] = pd.to_datetime(df["appointment_date"], unit="D")
    return df
