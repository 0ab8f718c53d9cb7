"""Data in and out: every supported input becomes typed columns or a float64 matrix for the
core, and results come back as pandas DataFrames (polars when the input was polars).

Inputs accepted wherever a table is expected: a pandas or polars DataFrame, a pyarrow
Table, a dict of columns, a list of dicts (records), or a path to a CSV/XLSX file (read by
the core, with its column aliases). Matrices: NumPy arrays (float64 arrays are used without a
copy, whatever their layout), DataFrames and nested lists.
"""

from __future__ import annotations

import datetime
import decimal
import json
import numbers
import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .exceptions import DuplicateColumnError, InternalError, InvalidValueError, ShapeMismatchError

_NAT = np.iinfo(np.int64).min


def _is_polars(obj: Any) -> bool:
    mod = type(obj).__module__
    return mod.startswith("polars")


def _is_arrow(obj: Any) -> bool:
    mod = type(obj).__module__
    return mod.startswith("pyarrow") and hasattr(obj, "column_names")


def is_path(obj: Any) -> bool:
    return isinstance(obj, (str, os.PathLike))


def wants_polars(obj: Any) -> bool:
    """True when results should come back as polars (the input was polars)."""
    return _is_polars(obj)


def to_pandas(data: Any) -> pd.DataFrame:
    """Any supported table (not a path) as a pandas DataFrame."""
    if isinstance(data, pd.DataFrame):
        return data
    if _is_polars(data):
        return pd.DataFrame({name: _polars_series(data[name]) for name in data.columns})
    if _is_arrow(data):
        return data.to_pandas()
    if isinstance(data, dict):
        return pd.DataFrame(data)
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            return pd.DataFrame()
        if isinstance(data[0], dict):
            return pd.DataFrame.from_records(list(data))
    raise TypeError(
        "expected a pandas or polars DataFrame, a pyarrow Table, a dict of columns, a list of "
        f"dicts or a CSV/XLSX path; got {type(data).__name__}"
    )


def _polars_series(s: Any) -> Any:
    import polars as pl

    dtype = s.dtype
    if dtype == pl.Date:
        days = s.cast(pl.Int32).to_numpy()
        return pd.to_datetime(pd.Series(days).astype("float64"), unit="D")
    if dtype == pl.Boolean and s.null_count() == 0:
        return s.to_numpy()
    if dtype.is_numeric() if hasattr(dtype, "is_numeric") else dtype in pl.NUMERIC_DTYPES:
        return s.cast(pl.Float64).to_numpy() if s.null_count() else s.to_numpy()
    return s.to_list()


def columns(data: Any) -> List[Tuple[str, str, Any]]:
    """A table as ``[(name, kind, values)]`` for the core (see ``conversion.rs``)."""
    df = to_pandas(data)
    # By position: a label used twice is two columns here, and the core names the duplicate
    # (DuplicateColumnError with both positions), as it does for aliases of one field.
    return [_column(str(name), df.iloc[:, j]) for j, name in enumerate(df.columns)]


def _column(name: str, s: pd.Series) -> Tuple[str, str, Any]:
    dtype = s.dtype
    kind = getattr(dtype, "kind", "O")
    if isinstance(dtype, pd.CategoricalDtype):
        return _text(name, s.astype(object))
    if kind == "b" and not _has_na(s):
        return (name, "b", np.ascontiguousarray(s.to_numpy(dtype=bool)))
    if kind == "b":  # pandas nullable boolean with NA: text, the core reports the gap
        return _text(name, s.astype(object))
    if kind in "iu" and not _has_na(s):
        return (name, "i", np.ascontiguousarray(s.to_numpy(dtype=np.int64)))
    if kind in "fiu":
        return (name, "f", np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan)))
    if kind == "M":
        return (name, "d", _days(s))
    if kind == "O":
        return _object_column(name, s)
    return _text(name, s)


# How ``pd.api.types.infer_dtype`` describes a column that may hold date objects: every
# other answer ("string", "integer", "boolean" ...) means it holds none.
_MAYBE_DATES = ("date", "datetime", "datetime64", "unknown-array")
_EPOCH = datetime.date(1970, 1, 1).toordinal()


def _object_column(name: str, s: pd.Series) -> Tuple[str, str, Any]:
    """An object (or text) column: a date column when every value is a date object (a
    ``date``, ``datetime``, ``Timestamp`` or ``numpy.datetime64``; each is its calendar day,
    as datetime64 columns are read), else text. Every value is looked at, not a sample. In
    a column mixing date objects with text, the dates are sent as ISO text
    (``2025-01-06``) and the text as it is, so the core reads the text with its own rule
    (ISO 8601 or UK ``DD/MM/YYYY``, never month first) and names any cell it cannot read."""
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    if inferred not in _MAYBE_DATES and not inferred.startswith("mixed"):
        return _text(name, s)
    values = s.tolist()
    days = [None if _isna(v) else _day_of(v) for v in values]
    n_dates = sum(d is not None for d in days)
    if n_dates == 0:
        return _text(name, s)
    n_values = sum(not _isna(v) for v in values)
    if n_dates == n_values:
        out = np.array([_NAT if d is None else d for d in days], dtype=np.int64)
        return (name, "d", out)
    text = [
        None if _isna(v) else str(v) if d is None
        else datetime.date.fromordinal(d + _EPOCH).isoformat()
        for v, d in zip(values, days)
    ]
    return (name, "t", text)


def _day_of(v: Any) -> Optional[int]:
    """A date object's calendar day as days since 1970-01-01 (a time of day, and the time
    zone of an aware datetime, are dropped: the day on its own clock, as for datetime64
    columns), or None when ``v`` is not a date object."""
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else int(v.astype("datetime64[D]").astype(np.int64))
    if isinstance(v, datetime.date):
        return datetime.date(v.year, v.month, v.day).toordinal() - _EPOCH
    return None


def _has_na(s: pd.Series) -> bool:
    return bool(s.isna().any())


def _text(name: str, s: pd.Series) -> Tuple[str, str, Any]:
    values = [None if _isna(v) else str(v) for v in s.tolist()]
    return (name, "t", values)


def _isna(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _days(s: pd.Series) -> np.ndarray:
    values = s
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    d = values.to_numpy().astype("datetime64[D]")
    out = d.astype(np.int64)
    out[np.isnat(d)] = _NAT
    return np.ascontiguousarray(out)


def matrix(X: Any) -> Tuple[np.ndarray, Optional[List[str]]]:
    """A float64 2-D matrix and the column names when ``X`` has them.

    float64 NumPy arrays are returned as they are (no copy, any layout); the core checks
    values and reports the row and column of any NaN or infinity. Column names are returned
    only when every column name is a string (scikit-learn's rule for ``feature_names_in_``).
    A list of dicts (records) or a dict of columns is read as a DataFrame.

    Columns that are not numeric (object, categorical, string, decimal or dictionary
    columns) are converted cell by cell: numbers, decimals, booleans and text holding a
    number (``"1.5"``) become floats, missing values (None, NaN, NA) become NaN (which the
    core reports with its row and column); the first other cell raises
    :class:`InvalidValueError` naming its row, column and value. A column label used twice
    raises :class:`DuplicateColumnError`.
    """
    names: Optional[List[str]] = None
    if _is_sparse(X):
        raise TypeError(
            "sparse input is not supported: optocom's estimators need dense data; convert "
            "it with X.toarray()"
        )
    if isinstance(X, dict) or (
        isinstance(X, (list, tuple)) and len(X) > 0 and isinstance(X[0], dict)
    ):
        X = to_pandas(X)
    if _is_polars(X) or _is_arrow(X):
        labels = list(X.columns if _is_polars(X) else X.column_names)
        _check_unique(labels)
        numeric = (all(_polars_numeric(t) for t in X.dtypes) if _is_polars(X)
                   else all(_arrow_numeric(f.type) for f in X.schema))
        if not numeric:  # converted cell by cell, as a pandas frame
            X = to_pandas(X)
        elif _is_polars(X):
            return X.to_numpy().astype(np.float64, copy=False), labels
        else:
            arr = np.column_stack([np.asarray(c.to_numpy(), dtype=np.float64) for c in X.columns])
            return arr, labels
    if isinstance(X, pd.DataFrame):
        _check_unique(list(X.columns))
        if all(isinstance(c, str) for c in X.columns):
            names = list(X.columns)
        arr = _numeric_frame(X)
    else:
        try:
            arr = np.asarray(X)
        except ValueError as e:  # ragged nested lists
            raise ShapeMismatchError(f"X must be a 2-D array with rows of equal length: {e}") from None
        if arr.dtype.kind == "c":
            raise InvalidValueError(
                "Complex data not supported: X must be real-valued", reason="complex values"
            )
        if arr.dtype.kind not in "biuf" and arr.ndim == 2:
            arr = np.column_stack(
                [_numeric_column(f"x{j}", arr[:, j]) for j in range(arr.shape[1])]
            ) if arr.shape[1] else arr.astype(np.float64)
        else:
            try:
                arr = arr.astype(np.float64, copy=False)
            except (TypeError, ValueError) as e:
                raise InvalidValueError(
                    f"X must be numeric: {e}", reason=str(e), column=None
                ) from None
    if arr.ndim == 1:
        raise ShapeMismatchError(
            "Expected a 2-D array, got a 1-D array instead. Reshape your data either using "
            "X.reshape(-1, 1) if it has a single feature or X.reshape(1, -1) if it contains "
            "a single sample."
        )
    if arr.ndim != 2:
        raise ShapeMismatchError(f"Expected a 2-D array, got {arr.ndim} dimensions")
    return arr, names


def _check_unique(labels: List[Any]) -> None:
    """:class:`DuplicateColumnError` (the core's message and ``column`` attribute) for a
    column label used twice."""
    seen: Dict[Any, int] = {}
    for j, label in enumerate(labels):
        try:
            first = seen.setdefault(label, j)
        except TypeError:  # an unhashable label cannot be compared; it is not a duplicate
            continue
        if first != j:
            name = str(label)
            header = json.dumps(name)  # quoted as the core quotes headers
            raise DuplicateColumnError(
                f"duplicate column `{name}`: headers {header} (position {first}) and "
                f"{header} (position {j}) both map to it",
                column=name,
            )


def _numeric_frame(df: pd.DataFrame) -> np.ndarray:
    """A DataFrame as float64: numeric columns as they are (one block is not copied), others
    converted cell by cell (see :func:`matrix`)."""
    if all(getattr(t, "kind", "O") in "biuf" for t in df.dtypes):
        return df.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.empty(df.shape, dtype=np.float64, order="F")
    for j, name in enumerate(df.columns):
        s = df.iloc[:, j]
        if getattr(s.dtype, "kind", "O") in "biuf":
            out[:, j] = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            out[:, j] = _numeric_column(str(name), s.to_numpy(dtype=object))
    return out


class _CellTypeError(InvalidValueError, TypeError):
    """An :class:`InvalidValueError` for a cell of a type that is neither text nor a number
    (a dict, a date ...): also the ``TypeError`` NumPy raises for it, which scikit-learn's
    estimator checks expect."""


def _numeric_column(name: str, values: Any) -> np.ndarray:
    """One column of any cells as float64 (see :func:`matrix`); the first cell that is not a
    number raises :class:`InvalidValueError` with its row, column and value."""
    values = np.asarray(values, dtype=object)
    out = np.empty(len(values), dtype=np.float64)
    for row, v in enumerate(values):
        x = _number(v)
        if x is None:
            if isinstance(v, (str, bytes, numbers.Number, decimal.Decimal)):
                cls, reason = InvalidValueError, "not a number"
            else:
                cls = _CellTypeError
                reason = (f"not a number (argument must be a string or a real number, not "
                          f"{type(v).__name__!r})")
            raise cls(
                f"row {row}, column `{name}`: invalid value {str(v)!r}: {reason}",
                row=row, column=name, value=str(v), reason=reason,
            )
        out[row] = x
    return out


def _number(v: Any) -> Optional[float]:
    """A cell as a float (NaN for a missing value), or None when it is not a number."""
    if _isna(v):
        return float("nan")
    if isinstance(v, (bool, np.bool_, numbers.Real, decimal.Decimal)):
        try:
            return float(v)
        except (OverflowError, ValueError):
            return None
    if isinstance(v, (str, bytes)):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _polars_numeric(dtype: Any) -> bool:
    import polars as pl

    return bool(dtype.is_numeric()) or dtype == pl.Boolean


def _arrow_numeric(dtype: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_boolean(dtype)
        or pa.types.is_null(dtype)
    )


def _is_sparse(X: Any) -> bool:
    mod = type(X).__module__
    return mod.startswith("scipy.sparse") and hasattr(X, "toarray")


def vector(y: Any, name: str = "y", stacklevel: int = 3) -> np.ndarray:
    """A 1-D array (a column vector is accepted with scikit-learn's DataConversionWarning)."""
    if y is None:
        raise InvalidValueError(
            f"This estimator requires {name} to be passed, but the target {name} is None",
            column=name,
            reason="missing",
        )
    if _is_polars(y):
        y = y.to_numpy()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        warnings.warn(
            f"A column-vector {name} was passed when a 1d array was expected. Please change "
            f"the shape of {name} to (n_samples,), for example using ravel().",
            _data_conversion_warning(),
            stacklevel=stacklevel,
        )
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ShapeMismatchError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def target(y: Any, name: str = "y") -> np.ndarray:
    """A numeric target as a contiguous float64 vector (see :func:`vector`). Cells of an
    object, text or decimal target are converted as :func:`matrix` converts such columns: a
    missing value becomes NaN (the core then names its row), and the first cell that is not
    a number raises :class:`InvalidValueError` naming its row, ``name`` and the value."""
    arr = vector(y, name, stacklevel=4)
    if arr.dtype.kind in "biuf":
        return np.ascontiguousarray(arr, dtype=np.float64)
    if arr.dtype.kind == "c":
        raise InvalidValueError(
            f"Complex data not supported: {name} must be real-valued", column=name,
            reason="complex values",
        )
    return _numeric_column(name, arr)


def missing_mask(a: np.ndarray) -> np.ndarray:
    """True where a 1-D array holds NaN, None or NA."""
    if a.dtype.kind in "fc":
        return np.isnan(a)
    if a.dtype.kind == "O":
        return np.fromiter((_isna(v) for v in a), dtype=bool, count=len(a))
    return np.zeros(len(a), dtype=bool)


def _data_conversion_warning() -> type:
    try:
        from sklearn.exceptions import DataConversionWarning
    except Exception:  # pragma: no cover - scikit-learn is optional
        return UserWarning
    return DataConversionWarning


# ---------------------------------------------------------------------------------------
# Out


def records_frame(
    text: Any, *, dates: Sequence[str] = (), polars: bool = False,
    prototype: Optional[Dict[str, Any]] = None,
) -> Any:
    """A DataFrame from the JSON list of records the core serialised (or the parsed list).

    ``prototype`` is one representative record of the result (its fields in the core's
    order, each with a value of its JSON type): a result without rows is that record's
    frame with no rows, so it keeps its columns and the dtypes the same rows would get; and
    the columns of a result with rows get the prototype's dtypes too, where a field may be
    null (``control_mean_rx`` of a trend month without control doctors): a number column
    that holds only nulls is float64 NaN, not an object column of None."""
    rows = json.loads(text) if isinstance(text, str) else text
    if prototype is None:
        return finish(pd.DataFrame.from_records(rows), dates=dates, polars=polars)
    one = _parse_dates(pd.DataFrame.from_records([prototype]), dates)
    if not rows:
        return finish(one[:0], polars=polars)
    df = _parse_dates(pd.DataFrame.from_records(rows), dates)
    for c, dtype in one.dtypes.items():
        if c in df.columns and df[c].dtype != dtype and _castable(df[c], dtype):
            df[c] = df[c].astype(dtype)
    return finish(df, polars=polars)


def _castable(s: pd.Series, dtype: Any) -> bool:
    """True when ``s`` (a result column) takes the prototype's ``dtype`` without losing
    anything: float and date columns hold nulls (NaN, NaT), a text column only text and
    nulls. Int and bool columns are left alone: pandas already gives them their dtype
    unless a value is null, and then its own (float64 or object) keeps the null."""
    if getattr(dtype, "kind", "O") in "fM":
        return True
    return dtype == TEXT_DTYPE and all(v is None or isinstance(v, str) for v in s.tolist())


# The dtype pandas gives a column of text (``str`` from pandas 3, ``object`` before).
TEXT_DTYPE = pd.Series(["text"]).dtype


def appointment_frame(cols: Dict[str, Any], index: Any = None) -> pd.DataFrame:
    """Appointment-shaped typed columns from the core as a DataFrame: dates from days since
    1970-01-01, text columns with pandas' text dtype even when there are no rows (so an
    empty result has the dtypes of a full one), on ``index`` when given."""
    df = pd.DataFrame(cols, index=index)
    for c in df.columns:
        if c == "appointment_date":
            df[c] = pd.to_datetime(df[c], unit="D")
        elif isinstance(cols[c], list):
            df[c] = df[c].astype(TEXT_DTYPE)
    return df


def kept_labels(source: Any, rejected: pd.DataFrame) -> Optional[pd.Index]:
    """The index labels of the rows of a pandas frame ``source`` that a lenient read kept
    (all but ``rejected.row``), in input order; None when ``source`` is not a pandas
    frame."""
    if not isinstance(source, pd.DataFrame):
        return None
    keep = np.ones(len(source), dtype=bool)
    rows = [int(r) for r in rejected["row"].dropna()] if len(rejected) else []
    keep[[r for r in rows if 0 <= r < len(source)]] = False
    return source.index[keep]


def kept_index(source: Any, rejected: pd.DataFrame, n_out: int) -> Any:
    """The index of a row-wise result of a pandas frame ``source``: its own index, minus the
    rows rejected by a lenient read (``rejected.row``), so that results align with the input
    (``df["p"] = model.predict(df)["probability"]`` on a shuffled or filtered frame). None
    when ``source`` is not a pandas frame (the result gets a fresh range index)."""
    index = kept_labels(source, rejected)
    if index is None:
        return None
    if len(index) != n_out:  # pragma: no cover - the core keeps every row it does not reject
        raise InternalError(f"internal error in optocom (please report it): {n_out} result "
                            f"rows for {len(index)} kept input rows")
    return index


def _parse_dates(df: pd.DataFrame, dates: Sequence[str]) -> pd.DataFrame:
    """The ``dates`` columns (the core's ISO ``YYYY-MM-DD`` text) as datetime64, read as
    ISO 8601 exactly (never a guessed format)."""
    for c in dates:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c], format="ISO8601")
    return df


def finish(df: pd.DataFrame, *, dates: Sequence[str] = (), polars: bool = False) -> Any:
    """A result frame as returned: ``dates`` columns parsed (see :func:`_parse_dates`), then
    polars when ``polars``."""
    df = _parse_dates(df, dates)
    if polars:
        import polars as pl

        return pl.DataFrame([_to_polars_series(str(c), df[c]) for c in df.columns])
    return df


def _to_polars_series(name: str, s: pd.Series) -> Any:
    import polars as pl

    if s.dtype.kind == "M":
        return pl.Series(name, s.dt.date.tolist(), dtype=pl.Date)
    if s.dtype.kind in "biuf":
        return pl.Series(name, s.to_numpy())
    if isinstance(s.dtype, pd.StringDtype):  # text, its missing values (NaN or NA) as nulls
        return pl.Series(name, [None if _isna(v) else v for v in s.tolist()], dtype=pl.Utf8)
    # Without rows polars cannot infer text: say it (a full column infers the same).
    return pl.Series(name, s.tolist(), dtype=pl.Utf8 if len(s) == 0 else None)
