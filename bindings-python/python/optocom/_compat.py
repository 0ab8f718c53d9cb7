"""scikit-learn compatibility without depending on scikit-learn.

When scikit-learn is installed, optocom's estimators derive from its ``BaseEstimator`` and
mixins, so ``clone``, ``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and the HTML repr
work exactly as for scikit-learn's own estimators. Without it, small stand-ins give the same
``get_params``/``set_params``/``score`` behaviour (the approach LightGBM and XGBoost take).
"""

from __future__ import annotations

import inspect
from typing import Any, Dict

import numpy as np

try:  # pragma: no cover - exercised in both environments by the test-suite
    from sklearn.base import BaseEstimator as _SkBase
    from sklearn.base import ClassifierMixin as _SkClassifier
    from sklearn.base import ClusterMixin as _SkCluster
    from sklearn.base import RegressorMixin as _SkRegressor

    HAVE_SKLEARN = True
except Exception:  # scikit-learn absent or broken
    HAVE_SKLEARN = False


if HAVE_SKLEARN:
    BaseEstimator = _SkBase
    ClassifierMixin = _SkClassifier
    RegressorMixin = _SkRegressor
    ClusterMixin = _SkCluster
else:

    class BaseEstimator:  # type: ignore[no-redef]
        """Minimal scikit-learn ``BaseEstimator``: parameters are the ``__init__`` arguments."""

        @classmethod
        def _get_param_names(cls) -> list:
            sig = inspect.signature(cls.__init__)
            return sorted(
                p.name
                for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            )

        def get_params(self, deep: bool = True) -> Dict[str, Any]:
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params: Any) -> "BaseEstimator":
            valid = self._get_param_names()
            for k, v in params.items():
                if k not in valid:
                    raise ValueError(
                        f"Invalid parameter {k!r} for estimator {type(self).__name__}. "
                        f"Valid parameters are: {valid!r}."
                    )
                setattr(self, k, v)
            return self

        def __repr__(self) -> str:
            defaults = {
                p.name: p.default
                for p in inspect.signature(type(self).__init__).parameters.values()
            }
            changed = [
                f"{k}={v!r}"
                for k, v in self.get_params().items()
                if not (k in defaults and _same(defaults[k], v))
            ]
            return f"{type(self).__name__}({', '.join(changed)})"

    class ClassifierMixin:  # type: ignore[no-redef]
        _estimator_type = "classifier"

        def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
            pred = self.predict(X)  # type: ignore[attr-defined]
            ok = (np.asarray(pred) == np.asarray(y)).astype(float)
            if sample_weight is None:
                return float(ok.mean())
            w = np.asarray(sample_weight, dtype=float)
            return float((ok * w).sum() / w.sum())

    class RegressorMixin:  # type: ignore[no-redef]
        _estimator_type = "regressor"

        def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
            y = np.asarray(y, dtype=float)
            pred = np.asarray(self.predict(X), dtype=float)  # type: ignore[attr-defined]
            w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, float)
            mean = (w * y).sum() / w.sum()
            ss_res = (w * (y - pred) ** 2).sum()
            ss_tot = (w * (y - mean) ** 2).sum()
            return float(1.0 - ss_res / ss_tot) if ss_tot > 0 else 0.0

    class ClusterMixin:  # type: ignore[no-redef]
        _estimator_type = "clusterer"

        def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
            self.fit(X)  # type: ignore[attr-defined]
            return self.labels_  # type: ignore[attr-defined]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:
        return False
