"""Random forests with the scikit-learn API, trained by optocom's histogram engine.

>>> import numpy as np, optocom
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(500, 4)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
>>> clf = optocom.RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y)
>>> clf.predict_proba(X[:2]).shape
(2, 2)
"""

from __future__ import annotations

import json
import numbers
from typing import Any, Dict, Optional

import numpy as np

from . import _frames, _optocom, _progress
from ._base import OptocomEstimator, dumps, jobs_of, renamed, seed_of
from ._compat import ClassifierMixin, RegressorMixin
from .exceptions import InvalidParameterError, InvalidValueError

__all__ = ["RandomForestClassifier", "RandomForestRegressor"]


def _bad(name: str, value: Any, reason: str) -> InvalidParameterError:
    return InvalidParameterError(
        f"invalid parameter `{name}` = {value!r}: {reason}",
        parameter=name,
        value=repr(value),
        reason=reason,
    )


def _count_or_fraction(name: str, v: Any) -> Any:
    """``{"count": n}`` or ``{"fraction": f}`` of the core's count-or-fraction params, or None
    when ``v`` is not a number. A count the core cannot hold (negative) and a fraction JSON
    cannot carry (NaN, infinities) are refused here, naming the parameter: the core would
    only see a malformed params document. Ranges are the core's to check."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, numbers.Integral):
        if v < 1:
            raise _bad(name, v, "must be at least 1")
        return {"count": int(v)}
    if isinstance(v, numbers.Real):
        if not np.isfinite(float(v)):
            raise _bad(name, v, "must be finite")
        return {"fraction": float(v)}
    return None


def _min_leaf(v: Any) -> Any:
    if isinstance(v, str) and v == "auto":
        return "auto"
    out = _count_or_fraction("min_samples_leaf", v)
    if out is None:
        raise _bad("min_samples_leaf", v, "must be 'auto', an int >= 1 or a fraction in (0, 1)")
    return out


def _max_features(v: Any) -> Any:
    if isinstance(v, str) and v == "sqrt":
        return "sqrt"
    if v is None or (isinstance(v, float) and v == 1.0):
        return "all"
    out = _count_or_fraction("max_features", v)
    if out is None:
        raise _bad("max_features", v, "must be 'sqrt', None (all), an int or a fraction in (0, 1]")
    return out


def _sampling(bootstrap: Any, max_samples: Any) -> Any:
    if bootstrap:
        if max_samples is not None:
            raise _bad(
                "max_samples",
                max_samples,
                "with bootstrap=True each tree draws n rows with replacement; use "
                "bootstrap=False with a fraction to subsample without replacement",
            )
        return "bootstrap"
    if max_samples is None:
        return {"subsample": 1.0}
    if isinstance(max_samples, numbers.Real) and not isinstance(max_samples, (bool, np.bool_)):
        if not np.isfinite(float(max_samples)):
            raise _bad("max_samples", max_samples, "must be finite")
        return {"subsample": float(max_samples)}
    raise _bad("max_samples", max_samples, "must be a fraction in (0, 1] or None")


def _encode_labels(y: np.ndarray) -> "tuple[np.ndarray, np.ndarray]":
    """``np.unique(y, return_inverse=True)``: sorted classes and each row's class index.

    Integer and bool labels over a small range are counted instead of sorted (800k labels:
    5 ms instead of 80 ms); the result is the same arrays."""
    if y.dtype.kind in "iub" and y.size:
        v = y.view(np.uint8) if y.dtype.kind == "b" else y
        lo, hi = int(v.min()), int(v.max())
        if hi - lo < 1 << 16:
            shifted = (v - lo).astype(np.intp) if lo else v.astype(np.intp, copy=False)
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            classes = (np.flatnonzero(present) + lo).astype(v.dtype)
            if y.dtype.kind == "b":
                classes = classes.astype(bool)
            index = np.cumsum(present) - 1
            return classes, index[shifted]
    return np.unique(y, return_inverse=True)


def _from_core_forest(p: Dict[str, Any]) -> Dict[str, Any]:
    """scikit-learn-style constructor arguments from core forest params."""
    leaf = p["min_samples_leaf"]
    mf = p["max_features"]
    sampling = p["sampling"]
    out = dict(
        n_estimators=p["n_trees"],
        max_depth=p["max_depth"],
        min_samples_leaf=leaf if leaf == "auto" else next(iter(leaf.values())),
        max_features={"sqrt": "sqrt", "all": None}.get(mf) if isinstance(mf, str) else next(iter(mf.values())),
        bootstrap=sampling == "bootstrap",
        max_samples=None if sampling == "bootstrap" else sampling["subsample"],
        max_bins=p["max_bins"],
        min_impurity_decrease=p["min_impurity_decrease"],
        oob_score=p["oob"],
        n_jobs=p["n_jobs"],
        random_state=p["seed"],
    )
    return out


class _Forest(OptocomEstimator):
    def _core_params(self, criterion: Optional[str]) -> str:
        params = {
            "n_trees": self.n_estimators,
            "max_depth": self.max_depth,
            "min_samples_leaf": _min_leaf(self.min_samples_leaf),
            "max_features": _max_features(self.max_features),
            "sampling": _sampling(self.bootstrap, self.max_samples),
            "max_bins": self.max_bins,
            "min_impurity_decrease": self.min_impurity_decrease,
            "seed": seed_of(self.random_state),
            "n_jobs": jobs_of(self.n_jobs),
            "oob": bool(self.oob_score),
        }
        if criterion is not None:
            params["impurity"] = criterion
        for name in ("n_estimators", "max_bins"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise _bad(name, v, "must be a positive int")
        if self.max_depth is not None and (
            not isinstance(self.max_depth, numbers.Integral) or self.max_depth < 1
        ):
            raise _bad("max_depth", self.max_depth, "must be a positive int or None")
        return dumps(params)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Impurity-based feature importances (mean decrease in impurity, summing to 1)."""
        return self._check_fitted().feature_importances()

    @property
    def oob_score_(self) -> float:
        """Out-of-bag score (accuracy or R^2), when fitted with ``oob_score=True``. An
        ``AttributeError`` (as scikit-learn's, so ``hasattr`` works) says why it is absent."""
        model = self._check_fitted()
        score = model.oob_score
        if score is None:
            if not json.loads(model.params).get("oob"):
                raise AttributeError("oob_score_ is only available when fitted with oob_score=True")
            raise AttributeError(f"oob_score_ is not available: {self._no_oob_reason}")
        return score

    @classmethod
    def _params_from_core(cls, params: Dict[str, Any]) -> Dict[str, Any]:
        return _from_core_forest(params)


class RandomForestClassifier(ClassifierMixin, _Forest):
    """A random-forest classifier (scikit-learn API), trained by optocom's histogram engine.

    Defaults are the core's: 100 trees, ``max_features="sqrt"``, each tree on a random half
    of the rows drawn without replacement (``bootstrap=False, max_samples=0.5``), and
    ``min_samples_leaf="auto"`` = max(5, sqrt(rows per tree)), which keeps probabilities
    calibrated and models small. ``bootstrap=True, max_samples=None`` gives classic bagging;
    ``min_samples_leaf=1`` fully grown trees.

    ``random_state`` fixes the result bit for bit, whatever ``n_jobs`` (None or -1 = all
    cores; the thread pool is created per call, never global). The GIL is released during
    fit and predict.
    """

    _compiled = _optocom.ForestClassifier
    _no_oob_reason = ("fitted with oob_score=True, but no training row was left out of any "
                      "tree, so there is no out-of-bag prediction to score (use fewer rows "
                      "per tree: max_samples < 1 or bootstrap=True)")

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: str = "gini",
        max_depth: Optional[int] = None,
        min_samples_leaf: Any = "auto",
        max_features: Any = "sqrt",
        bootstrap: bool = False,
        max_samples: Optional[float] = 0.5,
        max_bins: int = 255,
        min_impurity_decrease: float = 0.0,
        oob_score: bool = False,
        n_jobs: Optional[int] = None,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.max_samples = max_samples
        self.max_bins = max_bins
        self.min_impurity_decrease = min_impurity_decrease
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "RandomForestClassifier":
        """Fits the forest; returns ``self``."""
        if sample_weight is not None:
            raise _bad("sample_weight", "...", "sample weights are not supported")
        if self.criterion not in ("gini", "entropy"):
            raise _bad("criterion", self.criterion, "must be 'gini' or 'entropy'")
        arr, names = _frames.matrix(X)
        y = _frames.vector(y)
        if len(y) != arr.shape[0]:
            raise _frames.ShapeMismatchError(
                f"X has {arr.shape[0]} rows but y has {len(y)}"
            )
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            row = int(np.flatnonzero(~np.isfinite(y))[0])
            raise InvalidValueError(
                f"row {row}, column `y`: invalid value {str(y[row])!r}: must be finite",
                row=row, column="y", value=str(y[row]), reason="must be finite",
            )
        if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            raise InvalidValueError(
                "Unknown label type: continuous. RandomForestClassifier needs class labels "
                "(ints, strings or bools); use RandomForestRegressor for a continuous target",
                column="y",
                reason="continuous target",
            )
        classes, codes = _encode_labels(y)
        labels = _labels_json(classes, y)
        params = self._core_params(self.criterion)
        try:
            with _progress.bar(self.n_estimators, "RandomForestClassifier") as cb:
                model = _optocom.ForestClassifier.fit(
                    arr, codes.astype(np.int64).ravel(), params, names, labels, cb
                )
        except InvalidParameterError as e:
            raise renamed(e) from None
        self._model = model
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self._set_features(names, arr.shape[1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        model = self._check_fitted()
        arr = self._features(X)
        if arr.shape[0] == 1 and arr.flags.c_contiguous:
            return model.predict_proba_row(arr[0])[None, :]
        return model.predict_proba(arr)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        self._check_fitted()
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    @classmethod
    def _params_from_core(cls, params: Dict[str, Any]) -> Dict[str, Any]:
        return dict(_from_core_forest(params), criterion=params.get("impurity", "gini"))

    def _restore(self, model: Any) -> None:
        super()._restore(model)
        labels = model.labels
        self.classes_ = (
            np.arange(model.n_classes) if labels is None else np.asarray(json.loads(labels))
        )
        self.n_classes_ = model.n_classes


# The core keeps numeric class labels as 64-bit ints.
_LABEL_RANGE = (-(2**63), 2**63 - 1)


def _labels_json(classes: np.ndarray, y: np.ndarray) -> Optional[str]:
    if classes.dtype.kind == "b":
        return json.dumps([bool(c) for c in classes])
    if classes.dtype.kind in "iuf":
        if classes.dtype.kind in "iu" and np.array_equal(classes, np.arange(len(classes))):
            return None
        ints = [int(c) for c in classes]
        bad = next((c for c, i in zip(classes, ints)
                    if not _LABEL_RANGE[0] <= i <= _LABEL_RANGE[1]), None)
        if bad is not None:
            row = int(np.flatnonzero(y == bad)[0])
            reason = ("a numeric class label must be a whole number from -2^63 to 2^63 - 1; "
                      "use text labels (y.astype(str)) for larger ones")
            raise InvalidValueError(
                f"row {row}, column `y`: invalid value {str(bad)!r}: {reason}",
                row=row, column="y", value=str(bad), reason=reason,
            )
        return json.dumps(ints)
    return json.dumps([str(c) for c in classes])


class RandomForestRegressor(RegressorMixin, _Forest):
    """A random-forest regressor (scikit-learn API); same engine and defaults as
    :class:`RandomForestClassifier`, squared-error splits."""

    _compiled = _optocom.ForestRegressor
    _no_oob_reason = ("fitted with oob_score=True, but the out-of-bag R^2 is undefined: the "
                      "targets of the rows left out of the trees are constant (R^2 divides by "
                      "their variance), or fewer than two rows were left out of any tree")

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        max_depth: Optional[int] = None,
        min_samples_leaf: Any = "auto",
        max_features: Any = "sqrt",
        bootstrap: bool = False,
        max_samples: Optional[float] = 0.5,
        max_bins: int = 255,
        min_impurity_decrease: float = 0.0,
        oob_score: bool = False,
        n_jobs: Optional[int] = None,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.max_samples = max_samples
        self.max_bins = max_bins
        self.min_impurity_decrease = min_impurity_decrease
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "RandomForestRegressor":
        """Fits the forest; returns ``self``."""
        if sample_weight is not None:
            raise _bad("sample_weight", "...", "sample weights are not supported")
        arr, names = _frames.matrix(X)
        y = _frames.target(y)
        params = self._core_params(None)
        try:
            with _progress.bar(self.n_estimators, "RandomForestRegressor") as cb:
                model = _optocom.ForestRegressor.fit(arr, y, params, names, cb)
        except InvalidParameterError as e:
            raise renamed(e) from None
        self._model = model
        self._set_features(names, arr.shape[1])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, one per row."""
        model = self._check_fitted()
        arr = self._features(X)
        if arr.shape[0] == 1 and arr.flags.c_contiguous:
            return np.array([model.predict_row(arr[0])])
        return model.predict(arr)

    @classmethod
    def _params_from_core(cls, params: Dict[str, Any]) -> Dict[str, Any]:
        return _from_core_forest(params)
