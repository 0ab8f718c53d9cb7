"""optocom's exceptions: one class per error category of the core.

Every error optocom raises is an :class:`OptocomError` with a stable ``code`` (the same string
in Rust, Node and the browser). Each class also subclasses the built-in exception callers
already catch, so ``except ValueError`` keeps working::

    try:
        model.fit(past)
    except optocom.InvalidValueError as e:   # also a ValueError
        print(e.row, e.column, e.value, e.reason)
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "OptocomError",
    "InvalidParameterError",
    "InvalidValueError",
    "MissingColumnError",
    "DuplicateColumnError",
    "EmptyInputError",
    "DegenerateTargetError",
    "ShapeMismatchError",
    "SchemaMismatchError",
    "UnsupportedVersionError",
    "InvalidArtifactError",
    "NotFoundError",
    "WorkbookError",
    "CancelledError",
    "OptocomIOError",
    "NotFittedError",
    "InternalError",
]


class OptocomError(Exception):
    """Base class of every optocom error. ``code`` is the core's stable error code."""

    code: str = "optocom"

    def __init__(self, message: str = "", **attrs: Any) -> None:
        super().__init__(message)
        for k, v in attrs.items():
            setattr(self, k, v)

    def __str__(self) -> str:  # one line, never the tuple repr
        return str(self.args[0]) if self.args else self.code


class InvalidParameterError(OptocomError, ValueError):
    """A hyper-parameter or argument is out of range (``parameter``, ``value``, ``reason``)."""

    code = "invalid_parameter"
    parameter: Optional[str] = None


class InvalidValueError(OptocomError, ValueError):
    """A data value is unusable. ``row`` (0-based position of the record in the input: the
    array row, DataFrame row or CSV data record), ``line`` (for CSV files the physical line,
    for XLSX workbooks the row number Excel shows, with ``sheet``), ``column``, ``value`` and
    ``reason`` say which and why. For workbooks ``row`` is None: the sheet's row number is
    known, the record's position is not."""

    code = "invalid_value"
    row: Optional[int] = None
    line: Optional[int] = None
    sheet: Optional[str] = None
    column: Optional[str] = None
    value: Optional[str] = None
    reason: Optional[str] = None


class MissingColumnError(OptocomError, ValueError):
    """A required column is absent (``column``; ``found`` lists the columns present)."""

    code = "missing_column"


class DuplicateColumnError(OptocomError, ValueError):
    """Two input columns map to one field (directly or through an alias)."""

    code = "duplicate_column"


class EmptyInputError(OptocomError, ValueError):
    """No rows (or every row rejected)."""

    code = "empty_input"


class DegenerateTargetError(OptocomError, ValueError):
    """The target cannot be learned from (one class, one treatment arm ...)."""

    code = "degenerate_target"


class ShapeMismatchError(OptocomError, ValueError):
    """Array or table dimensions disagree (e.g. the number of features)."""

    code = "shape_mismatch"


class SchemaMismatchError(OptocomError, ValueError):
    """Data encoded with other features than the model was trained on."""

    code = "schema_mismatch"


class UnsupportedVersionError(OptocomError, ValueError):
    """A model artifact of an incompatible format version."""

    code = "unsupported_version"


class InvalidArtifactError(OptocomError, ValueError):
    """A model artifact that cannot be read (corrupt, wrong kind ...)."""

    code = "invalid_artifact"


class NotFoundError(OptocomError, LookupError):
    """An unknown campaign, product, doctor, sheet ..."""

    code = "not_found"


class WorkbookError(OptocomError, ValueError):
    """An unreadable Excel workbook."""

    code = "workbook"


class CancelledError(OptocomError):
    """The caller cancelled a long operation through its progress callback."""

    code = "cancelled"


class OptocomIOError(OptocomError, OSError):
    """A file could not be read or written."""

    code = "io"


def _not_fitted_bases() -> tuple:
    bases: tuple = (OptocomError, ValueError, AttributeError)
    try:  # scikit-learn is optional; when present, its own `except NotFittedError` works too
        from sklearn.exceptions import NotFittedError as _SkNotFitted
    except Exception:  # pragma: no cover - depends on the environment
        return bases
    return (OptocomError, _SkNotFitted)


class NotFittedError(*_not_fitted_bases()):  # type: ignore[misc]
    """An estimator was used before ``fit`` (also scikit-learn's ``NotFittedError`` when
    scikit-learn is installed; always a ``ValueError`` and an ``AttributeError``)."""

    code = "not_fitted"


class InternalError(OptocomError, RuntimeError):
    """A bug in optocom (a caught Rust panic). Please report it."""

    code = "internal"
