"""Reading data and models."""

from __future__ import annotations

import json
import os
from typing import Any, Dict


from . import _frames, _optocom
from .exceptions import InvalidArtifactError, OptocomIOError

__all__ = ["load", "from_json", "model_status", "read_appointments"]


def _wrap(model: Any) -> Any:
    from .campaign import Recommender, Segments
    from .cluster import KMeans
    from .ensemble import RandomForestClassifier, RandomForestRegressor
    from .linear import LinearRegression
    from .purchase import PurchaseForecaster
    from .uplift import UpliftForest

    by_class = {
        _optocom.ForestClassifier: RandomForestClassifier,
        _optocom.ForestRegressor: RandomForestRegressor,
        _optocom.KMeansModel: KMeans,
        _optocom.LinearModel: LinearRegression,
        _optocom.RecommenderModel: Recommender,
        _optocom.SegmentationModel: Segments,
        _optocom.UpliftModel: UpliftForest,
        _optocom.PurchaseModel: PurchaseForecaster,
    }
    cls = by_class.get(type(model))
    return model if cls is None else cls._from_model(model)


def from_json(text: str) -> Any:
    """Any optocom model from its artifact text (the kind is read from the envelope)."""
    return _wrap(_optocom.model_from_json(text))


def load(path: "os.PathLike[str] | str") -> Any:
    """Any optocom model saved by ``save`` in any runtime (Python, Rust, Node, browser), as
    its public class (``RandomForestClassifier``, ``Segments``, ``Recommender`` ...). A file
    that cannot be read raises :class:`OptocomIOError`, one that is not an artifact
    :class:`InvalidArtifactError`."""
    return from_json(read_model_text(path))


def read_model_text(path: "os.PathLike[str] | str") -> str:
    """The text of a model file, with optocom's errors (shared by every ``load``)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise OptocomIOError(
            f"I/O error: cannot read model file {path!r}: {e.strerror or e}",
            errno=e.errno,
            strerror=e.strerror,
            filename=path,
        ) from e
    except UnicodeDecodeError as e:
        raise InvalidArtifactError(
            f"invalid artifact: {path!r} is not UTF-8 text ({e.reason}); expected an "
            "optocom model file"
        ) from None
    return text


def model_status(path: "os.PathLike[str] | str") -> Dict[str, Any]:
    """Kind, format and library versions, training facts and params of a saved model,
    without loading it."""
    return json.loads(_optocom.model_status(os.fspath(path)))


def read_appointments(source: Any, *, lenient: bool = False,
                      return_rejected: bool = False) -> Any:
    """Appointments from a CSV/XLSX path or any DataFrame-like, checked and normalised by the
    core (column aliases, Y/N flags, UK dates). Strict by default: the first bad value raises
    :class:`optocom.InvalidValueError` naming its row, column and value; ``lenient=True``
    skips bad rows instead. Returns pandas (on the index of a pandas ``source``, without the
    rows ``lenient`` skipped), or polars when ``source`` is a polars DataFrame.

    ``return_rejected=True`` returns ``(appointments, rejected)``: the skipped rows as a
    DataFrame with ``table``, ``row`` (0-based record position), ``line`` (a CSV file's
    line, or a workbook's row number), ``sheet``, ``column``, ``value`` and ``reason``, as
    :attr:`PurchaseForecaster.rejected_ <optocom.PurchaseForecaster>` (no rows in strict
    mode)."""
    from .purchase import _rejected

    src = os.fspath(source) if _frames.is_path(source) else _frames.columns(source)
    cols, text = _optocom.read_appointments(src, lenient)
    rejected = _rejected(text)
    index = _frames.kept_index(source, rejected, len(cols["age"]))
    df = _frames.finish(_frames.appointment_frame(cols, index), polars=_frames.wants_polars(source))
    return (df, rejected) if return_rejected else df
