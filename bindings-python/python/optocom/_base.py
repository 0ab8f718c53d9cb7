"""Shared machinery of optocom's scikit-learn estimators: fitted-state checks, feature
checks, persistence (save/load, JSON, pickle through the one artifact format) and the
translation of scikit-learn parameter names in error messages."""

from __future__ import annotations

import decimal
import json
import numbers
import os
import warnings
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd

from . import _frames
from ._compat import HAVE_SKLEARN, BaseEstimator
from .exceptions import InvalidParameterError, NotFittedError, SchemaMismatchError, ShapeMismatchError

# core parameter name -> scikit-learn-style name used by the Python estimators
_PARAM_NAMES = {
    "n_trees": "n_estimators",
    "seed": "random_state",
    "impurity": "criterion",
    "sampling": "max_samples",
    "oob": "oob_score",
    "tolerance": "tol",
    "k": "n_clusters",
}


def seed_of(random_state: Any) -> int:
    """A core seed from a scikit-learn ``random_state`` (None: drawn from NumPy's global RNG,
    so ``np.random.seed`` makes it reproducible; an int is used as is; a RandomState or
    Generator draws one)."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, (bool, np.bool_)):
        raise InvalidParameterError(
            f"invalid parameter `random_state` = {random_state!r}: must be an int, a "
            "RandomState, a Generator or None",
            parameter="random_state",
        )
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise InvalidParameterError(
                f"invalid parameter `random_state` = {random_state}: must be >= 0",
                parameter="random_state",
                value=str(random_state),
            )
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise InvalidParameterError(
        f"invalid parameter `random_state` = {random_state!r}: must be an int, a RandomState, "
        "a Generator or None",
        parameter="random_state",
    )


def jobs_of(n_jobs: Any) -> Optional[int]:
    """Core thread count from ``n_jobs``: None or -1 = all cores (None for the core, so a
    saved model does not record this machine's core count), k > 0 = k threads, -2 = all but
    one (joblib's convention). Results never depend on it."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool):
        if n_jobs == -1:
            return None
        if n_jobs > 0:
            return int(n_jobs)
        if n_jobs < 0:
            return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))
    raise InvalidParameterError(
        f"invalid parameter `n_jobs` = {n_jobs!r}: must be None, a positive int or a negative "
        "int (-1 = all cores)",
        parameter="n_jobs",
    )


def renamed(e: InvalidParameterError,
            nested: Optional[Dict[str, str]] = None) -> InvalidParameterError:
    """The core's parameter name replaced by the estimator's keyword argument: ``n_trees`` ->
    ``n_estimators``, ``params.classifier.seed`` -> ``random_state`` (a wrongly typed value is
    named by its path in the params), ``params.threshold`` -> ``threshold``; ``nested`` maps
    the estimator's own nested names (``value_bands.high`` -> ``high``)."""
    name = getattr(e, "parameter", None)
    if not isinstance(name, str):
        return e
    key = name[len("params."):] if name.startswith("params.") else name
    leaf = key.rsplit(".", 1)[-1]
    new = (nested or {}).get(key) or _PARAM_NAMES.get(leaf) or (key if key != name else None)
    if new is None or new == name:
        return e
    msg = str(e).replace(f"`{name}`", f"`{new}`", 1)
    return InvalidParameterError(msg, parameter=new, value=getattr(e, "value", None),
                                 reason=getattr(e, "reason", None))


def real(value: Any) -> Optional[float]:
    """``value`` as a float when it is a real number (Python's or NumPy's, not a bool; an
    int beyond the floats is infinity), else None: the callers refuse None and non-finite
    values in their own words."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return float("inf")


def whole(name: str, value: Any) -> int:
    """An int argument bound for one of the core's unsigned ints (ids, counts, pages, seeds):
    the one check every such argument passes through, so that a bad one is an
    :class:`InvalidParameterError` naming it (never an ``OverflowError``, a ``TypeError`` or
    a silent truncation). Python and NumPy ints and floats holding a whole number are
    accepted; bools, fractions, NaN, text, negatives and values beyond 2^64 - 1 are not.
    The core checks the range of each argument (``page`` from 1 ...) itself."""

    def bad(reason: str) -> InvalidParameterError:
        return InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: {reason}",
            parameter=name, value=repr(value), reason=reason,
        )

    if isinstance(value, (bool, np.bool_)):
        raise bad("must be a whole number, not a bool")
    if isinstance(value, numbers.Integral):
        v = int(value)
    elif isinstance(value, numbers.Real) and float(value).is_integer():
        v = int(value)
    else:
        raise bad("must be a whole number")
    if v < 0:
        raise bad("must not be negative")
    if v >= 2**64:
        raise bad("must be below 2^64")
    return v


def _jsonable(o: Any, path: str) -> Any:
    """``o`` with only JSON types: NumPy scalars and arrays (values taken from arrays and
    DataFrames), decimals and dates are converted, missing values (None, NA, NaT) are null,
    and NaN and infinities become the text ``"NaN"``, ``"Infinity"``, ``"-Infinity"``: JSON
    has no such numbers, and the core then refuses the value by name (``params.threshold`` =
    ``"NaN"``) instead of the whole text failing to parse. Any other object is refused here,
    naming its path (``patient.age``)."""
    if o is None or isinstance(o, (bool, str, int)):
        return o
    if isinstance(o, float):
        if np.isfinite(o):
            return o
        return "NaN" if o != o else ("Infinity" if o > 0 else "-Infinity")
    if isinstance(o, dict):
        return {k: _jsonable(v, f"{path}.{k}") for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v, f"{path}[{i}]") for i, v in enumerate(o)]
    if isinstance(o, np.ndarray):
        return _jsonable(o.tolist(), path)
    if isinstance(o, np.generic):
        return _jsonable(o.item(), path)
    if isinstance(o, decimal.Decimal):
        return _jsonable(float(o), path)
    if o is pd.NA or o is pd.NaT:
        return None
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise InvalidParameterError(
        f"invalid parameter `{path}` = {o!r}: a value of type {type(o).__name__} cannot be "
        "sent to optocom (expected a number, text, bool, date or list)",
        parameter=path, value=repr(o), reason=f"unsupported type {type(o).__name__}",
    )


def dumps(obj: Any, what: str = "params") -> str:
    """``json.dumps`` for the params, filters and records sent to the core (see
    :func:`_jsonable`; ``what`` names the top level in errors)."""
    return json.dumps(_jsonable(obj, what), allow_nan=False)


class OptocomEstimator(BaseEstimator):
    """Base of optocom's estimators (fitted state in ``_model``, a compiled object)."""

    _model: Any = None
    _compiled: Any = None  # the compiled class, for from_json

    # -- fitted state -------------------------------------------------------------------
    def _check_fitted(self) -> Any:
        model = self.__dict__.get("_model")
        if model is None:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )
        return model

    def __sklearn_is_fitted__(self) -> bool:
        return self.__dict__.get("_model") is not None

    def _set_features(self, names: Optional[List[str]], n: int) -> None:
        self.n_features_in_ = n
        if names is not None and all(isinstance(c, str) for c in names):
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif "feature_names_in_" in self.__dict__:
            del self.feature_names_in_

    def _features(self, X: Any) -> np.ndarray:
        """The predict-time matrix, with scikit-learn's feature-name and feature-count checks
        (same messages and warnings as scikit-learn's own estimators)."""
        self._check_fitted()
        arr, names = _frames.matrix(X)
        self._check_names(names)
        if arr.shape[1] != self.n_features_in_:
            raise ShapeMismatchError(
                f"X has {arr.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return arr

    def _check_names(self, names: Optional[List[str]]) -> None:
        fitted = self.__dict__.get("feature_names_in_")
        cls = type(self).__name__
        if fitted is None and names is None:
            return
        if fitted is None:
            warnings.warn(
                f"X has feature names, but {cls} was fitted without feature names",
                UserWarning,
                stacklevel=3,
            )
            return
        if names is None:
            warnings.warn(
                f"X does not have valid feature names, but {cls} was fitted with feature names",
                UserWarning,
                stacklevel=3,
            )
            return
        fitted = list(fitted)
        if fitted == list(names):
            return
        message = "The feature names should match those that were passed during fit.\n"
        unexpected = sorted(set(names) - set(fitted))
        missing = sorted(set(fitted) - set(names))

        def listed(header: str, items: List[str]) -> str:
            shown = "".join(f"- {n}\n" for n in items[:5])
            return header + shown + ("- ...\n" if len(items) > 5 else "")

        if unexpected:
            message += listed("Feature names unseen at fit time:\n", unexpected)
        if missing:
            message += listed("Feature names seen at fit time, yet now missing:\n", missing)
        if not unexpected and not missing:
            message += "Feature names must be in the same order as they were in fit.\n"
        raise SchemaMismatchError(message)

    # -- persistence --------------------------------------------------------------------
    def _extra_state(self) -> Dict[str, Any]:
        """Python-side fitted attributes besides the artifact (none by default)."""
        return {}

    def _restore(self, model: Any) -> None:
        """Sets the fitted attributes from a compiled model (after load)."""
        self._model = model
        names = list(model.feature_names)
        generic = names == [f"x{i}" for i in range(len(names))]
        self._set_features(None if generic else names, model.n_features)

    def to_json(self) -> str:
        """The model artifact: a versioned JSON envelope readable by every optocom runtime."""
        return self._check_fitted().to_json()

    def save(self, path: "os.PathLike[str] | str") -> None:
        """Writes the model artifact to ``path`` (loads in Rust, Node and the browser too)."""
        self._check_fitted().save(os.fspath(path))

    @classmethod
    def from_json(cls, text: str) -> Any:
        """An estimator from a model artifact (see :meth:`to_json`)."""
        model = cls._compiled.from_json(text)
        return cls._from_model(model)

    @classmethod
    def load(cls, path: "os.PathLike[str] | str") -> Any:
        """The estimator saved by ``save`` in any runtime (``optocom.load`` returns the same). A file
        that cannot be read raises :class:`OptocomIOError`, one that is not an artifact of
        this kind :class:`InvalidArtifactError`."""
        from .io import read_model_text

        return cls.from_json(read_model_text(path))

    @classmethod
    def _from_model(cls, model: Any) -> Any:
        est = cls(**cls._params_from_core(json.loads(model.params)))
        est._restore(model)
        return est

    @classmethod
    def _params_from_core(cls, params: Dict[str, Any]) -> Dict[str, Any]:
        return {}

    def __getstate__(self) -> Dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k != "_model"}
        model = self.__dict__.get("_model")
        state["_artifact"] = None if model is None else model.to_json()
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        state = dict(state)
        artifact = state.pop("_artifact", None)
        self.__dict__.update(state)
        self._model = None if artifact is None else type(self)._compiled.from_json(artifact)

    if not HAVE_SKLEARN:  # scikit-learn brings its own HTML repr

        def _repr_html_(self) -> str:
            from ._display import estimator_html

            return estimator_html(self)
