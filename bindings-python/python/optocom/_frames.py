"""Data in and out: every supported input becomes typed columns or a float64 matrix for the
core, and results come back as pandas DataFrames (polars when the input was polars).

Inputs accepted wherever a table is expected: a pandas or polars DataFrame, a pyarrow
Table, a dict of columns, a list of dicts (records), or a path to a CSV/XLSX file (read by
the core, with its column aliases). Matrices: NumPy arrays (float64 arrays are used without a
copy, whatever their layout), DataFrames and nested lists.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .exceptions import InvalidValueError, ShapeMismatchError

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
    out: List[Tuple[str, str, Any]] = []
    for name in df.columns:
        out.append(_column(str(name), df[name]))
    return out


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
        non_null = s.dropna()
        if len(non_null) and all(hasattr(v, "year") and hasattr(v, "month") for v in non_null[:50]):
            try:
                return (name, "d", _days(pd.to_datetime(s)))
            except (ValueError, TypeError):
                pass
    return _text(name, s)


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
    if isinstance(X, pd.DataFrame):
        if all(isinstance(c, str) for c in X.columns):
            names = list(X.columns)
        _check_numeric_frame(X)
        arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
    elif _is_polars(X):
        names = list(X.columns)
        if not all(_polars_numeric(t) for t in X.dtypes):
            _check_numeric_frame(to_pandas(X))
        arr = X.to_numpy().astype(np.float64, copy=False)
    elif _is_arrow(X):
        names = list(X.column_names)
        if not all(_arrow_numeric(f.type) for f in X.schema):
            _check_numeric_frame(X.to_pandas())
        arr = np.column_stack([np.asarray(c.to_numpy(), dtype=np.float64) for c in X.columns])
    else:
        try:
            arr = np.asarray(X)
        except ValueError as e:  # ragged nested lists
            raise ShapeMismatchError(f"X must be a 2-D array with rows of equal length: {e}") from None
        if arr.dtype.kind == "c":
            raise InvalidValueError(
                "Complex data not supported: X must be real-valued", reason="complex values"
            )
        try:
            arr = arr.astype(np.float64, copy=False)
        except TypeError as e:
            raise TypeError(f"X must be numeric: {e}") from None
        except ValueError as e:
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


def _check_numeric_frame(df: pd.DataFrame) -> None:
    for j, name in enumerate(df.columns):
        s = df[name]
        if getattr(s.dtype, "kind", "O") not in "biuf":
            bad = pd.to_numeric(s, errors="coerce")
            rows = np.flatnonzero(bad.isna().to_numpy() & ~s.isna().to_numpy())
            row = int(rows[0]) if len(rows) else 0
            value = s.iloc[row] if len(s) else None
            raise InvalidValueError(
                f"row {row}, column `{name}`: invalid value {str(value)!r}: not a number",
                row=row,
                column=str(name),
                value=str(value),
                reason="not a number",
            )


def vector(y: Any, name: str = "y") -> np.ndarray:
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
            stacklevel=3,
        )
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ShapeMismatchError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


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
    text: str, *, dates: Sequence[str] = (), polars: bool = False, columns: Optional[Sequence[str]] = None
) -> Any:
    """A DataFrame from the JSON list of records the core serialised."""
    rows = json.loads(text)
    df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    return finish(df, dates=dates, polars=polars)


def finish(df: pd.DataFrame, *, dates: Sequence[str] = (), polars: bool = False) -> Any:
    for c in dates:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c])
    if polars:
        import polars as pl

        return pl.from_dict({c: _to_polars_values(df[c]) for c in df.columns})
    return df


def _to_polars_values(s: pd.Series) -> Any:
    if s.dtype.kind == "M":
        return s.dt.date.tolist()
    if s.dtype.kind in "biuf":
        return s.to_numpy()
    return s.tolist()
