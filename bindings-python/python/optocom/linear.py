"""Linear regression with the scikit-learn API: ordinary least squares with an intercept on
standardised features, fitted by optocom's core (the forecaster's spend model as an estimator
of its own). It computes what scikit-learn's ``make_pipeline(StandardScaler(),
LinearRegression())`` computes.

>>> import numpy as np, optocom
>>> X = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [5.0, 3.0]])
>>> reg = optocom.LinearRegression().fit(X, 3 + 2 * X[:, 0] - X[:, 1])
>>> np.round(reg.coef_, 9).tolist(), round(reg.intercept_, 9)
([2.0, -1.0], 3.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _frames, _optocom
from ._base import OptocomEstimator
from ._compat import RegressorMixin
from .ensemble import _bad

__all__ = ["LinearRegression"]


class LinearRegression(RegressorMixin, OptocomEstimator):
    """Ordinary least squares on standardised features (scikit-learn API): ``fit``,
    ``predict``, ``score`` (R^2), ``coef_`` and ``intercept_`` in the units of ``X`` (as
    scikit-learn's ``LinearRegression().fit(X, y)`` reports them), and
    ``standardised_coef_``/``standardised_intercept_`` on the standardised features (as the
    last step of scikit-learn's ``make_pipeline(StandardScaler(), LinearRegression())``), and
    that step's ``rank_`` and ``singular_`` (rank and singular values of the standardised
    design: a rank below ``n_features_in_`` flags collinear or constant columns).

    No parameters: the features are always standardised (mean and population standard
    deviation, as ``StandardScaler``) and an intercept is always fitted. A constant column
    gets coefficient 0 and never changes a prediction. Exactly collinear columns (a duplicated
    column, complementary 0/1 flags) get the minimum-norm coefficients, as scikit-learn's
    ``lstsq`` gives: a column and its copy share the coefficient equally. Sample weights are
    not supported.

    The GIL is released during fit and predict; a model saved here loads in every optocom
    runtime and predicts the same bits.
    """

    _compiled = _optocom.LinearModel

    def __init__(self) -> None:
        pass

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "LinearRegression":
        """Fits the coefficients; returns ``self``."""
        if sample_weight is not None:
            raise _bad("sample_weight", "...", "sample weights are not supported")
        arr, names = _frames.matrix(X)
        y = _frames.target(y)
        model = _optocom.LinearModel.fit(arr, y, names)
        self._restore(model)
        self._set_features(names, arr.shape[1])
        return self

    def _restore(self, model: Any) -> None:
        super()._restore(model)
        self.coef_ = model.coef()
        self.intercept_ = model.intercept
        self.standardised_coef_ = model.standardised_coef()
        self.standardised_intercept_ = model.standardised_intercept
        # scikit-learn's rank_ and singular_ of the standardised design (as in
        # make_pipeline(StandardScaler(), LinearRegression())); None for a model saved
        # before optocom stored them.
        self.rank_ = model.rank
        self.singular_ = model.singular()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, one per row."""
        model = self._check_fitted()
        arr = self._features(X)
        if arr.shape[0] == 1 and arr.flags.c_contiguous:
            return np.array([model.predict_row(arr[0])])
        return model.predict(arr)

    @classmethod
    def _from_model(cls, model: Any) -> "LinearRegression":
        est = cls()  # no parameters: the artifact's params are {}
        est._restore(model)
        return est
