"""k-means clustering with the scikit-learn API (k-means++ initialisation, ``n_init`` seeded
runs, by linfa in optocom's core; assignment to the nearest centroid is computed by optocom
so a saved model assigns exactly as the fitted one)."""

from __future__ import annotations

import numbers
from typing import Any, Dict

import numpy as np

from . import _frames, _optocom
from ._base import OptocomEstimator, dumps, renamed, seed_of
from ._compat import ClusterMixin
from .ensemble import _bad
from .exceptions import InvalidParameterError

__all__ = ["KMeans"]


class KMeans(ClusterMixin, OptocomEstimator):
    """k-means (scikit-learn API): ``fit``, ``predict``, ``fit_predict``, ``transform``
    (distances to the centroids), ``score`` (minus the inertia), ``cluster_centers_``,
    ``labels_``, ``inertia_``. Defaults are the core's (8 clusters, 10 runs, 300 iterations,
    tolerance 1e-4)."""

    _compiled = _optocom.KMeansModel

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        n_init: int = 10,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Any = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "KMeans":
        """Fits the centroids; returns ``self``."""
        if sample_weight is not None:
            raise _bad("sample_weight", "...", "sample weights are not supported")
        for name in ("n_clusters", "n_init", "max_iter"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise _bad(name, v, "must be a positive int")
        arr, names = _frames.matrix(X)
        params = dumps(
            dict(n_clusters=self.n_clusters, n_init=self.n_init, max_iter=self.max_iter,
                 tolerance=self.tol, seed=seed_of(self.random_state))
        )
        try:
            model = _optocom.KMeansModel.fit(arr, params, names)
        except InvalidParameterError as e:
            raise renamed(e) from None
        self._restore(model)
        self._set_features(names, arr.shape[1])
        return self

    def _restore(self, model: Any) -> None:
        super()._restore(model)
        self.cluster_centers_ = model.centroids()
        self.inertia_ = model.inertia
        labels = model.labels()
        if len(labels):
            self.labels_ = labels

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest centroid of each row."""
        return self._check_fitted().predict(self._features(X))

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distance of each row to each centroid."""
        return self._check_fitted().transform(self._features(X))

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).transform(X)

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        return self.fit(X, sample_weight=sample_weight).labels_

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the sum of squared distances of ``X`` to its nearest centroids."""
        return self._check_fitted().score(self._features(X))

    @classmethod
    def _params_from_core(cls, p: Dict[str, Any]) -> Dict[str, Any]:
        return dict(n_clusters=p["n_clusters"], n_init=p["n_init"], max_iter=p["max_iter"],
                    tol=p["tolerance"], random_state=p["seed"])
