"""Uplift (heterogeneous treatment effect) modelling with causalml's calling convention:
``fit(X, treatment, y)`` and ``predict(X, return_ci=False, alpha=0.05)``.

The model is optocom's honest causal forest (grf's gradient criterion) with per-row standard
errors from a bootstrap of little bags, so every effect comes with a confidence interval.
"""

from __future__ import annotations

import json
import numbers
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _frames, _optocom, _progress
from ._base import OptocomEstimator, dumps, jobs_of, renamed, seed_of
from .ensemble import _bad, _max_features
from .exceptions import InvalidParameterError, InvalidValueError

__all__ = ["UpliftForest"]

# Feature names for columns given by name: the names, a function giving them, or None.
_Names = Union[None, List[str], Callable[[], List[str]]]

# The core's defaults, the single source: the signature below spells them out, as
# scikit-learn's get_params and clone need.
_CORE_DEFAULTS: Dict[str, Any] = json.loads(_optocom.default_params("uplift_forest"))


def _alpha(alpha: Any) -> float:
    """``alpha`` checked under its own name (the core's check would name the ``level`` it
    becomes)."""
    if (isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real)
            or not 0.0 < alpha < 1.0):
        raise _bad("alpha", alpha, "must be in (0, 1)")
    return float(alpha)


class UpliftForest(OptocomEstimator):
    """Honest causal forest for the effect of a binary treatment (campaign targeting) on an
    outcome (response, Rx change), with confidence intervals.

    ``treatment`` may be 0/1, booleans, or group labels with ``control_name`` naming the
    control group (causalml's convention; exactly one treatment group). ``outcome="auto"``
    treats a 0/1 ``y`` as binary (effects are differences in probability) and anything else
    as continuous.

    ``save``/``to_json`` keep ``control_name`` (a number, text or bool), ``outcome`` and a
    ``linear_correction`` given as a list of columns in the artifact, so a loaded forest's
    ``get_params()`` is the fitted one's (a forest loaded by Node or the browser and saved
    again there loses them; its predictions do not change).

    Defaults are the core's (grf's): 300 trees, at least 5 treated and 5 control split rows
    per leaf, half the rows per tree (a little bag's whole half-sample), honest splitting,
    bootstrap of little bags in groups of 2, outcomes centred by the out-of-bag predictions
    of a 50-tree regression forest (grf's local centering; ``center_trees=0`` centres on the
    mean only), and a local-linear correction of the effect.

    ``linear_correction``: the columns in which the effect at a point is read off a local
    plane rather than a local mean (grf's local linear forests, Friedberg et al. 2020), which
    removes the forest's smoothing bias along smooth features. ``"auto"`` (default) takes
    the continuous columns (more than two distinct values; 0/1 and one-hot columns are left
    out) when there are at most 8 of them, else none; ``"off"`` none; or a list of at most 8
    column indices, or column names when ``X`` is a DataFrame. ``linear_penalty`` is the
    ridge penalty on the standardised local slopes (default 0.1, grf's ``ll.lambda``; larger
    moves towards the uncorrected estimate). ``linear_columns_`` names the columns used.
    """

    _compiled = _optocom.UpliftModel

    def __init__(
        self,
        n_estimators: int = _CORE_DEFAULTS["n_trees"],
        *,
        min_samples_leaf: int = _CORE_DEFAULTS["min_samples_leaf"],
        max_depth: Optional[int] = None,
        max_features: Any = None,
        sample_fraction: float = _CORE_DEFAULTS["sample_fraction"],
        honesty: bool = _CORE_DEFAULTS["honesty"],
        ci_group_size: int = _CORE_DEFAULTS["ci_group_size"],
        center_trees: int = _CORE_DEFAULTS["center_trees"],
        linear_correction: Union[str, Sequence[Union[int, str]]] = "auto",
        linear_penalty: float = _CORE_DEFAULTS["linear_penalty"],
        control_name: Any = 0,
        outcome: str = "auto",
        n_jobs: Optional[int] = None,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.max_features = max_features
        self.sample_fraction = sample_fraction
        self.honesty = honesty
        self.ci_group_size = ci_group_size
        self.center_trees = center_trees
        self.linear_correction = linear_correction
        self.linear_penalty = linear_penalty
        self.control_name = control_name
        self.outcome = outcome
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _linear(self, names: _Names) -> Union[str, List[int]]:
        """The core's ``linear_correction``: column names become indices into ``names`` (a
        list, or a function giving it, called only when a name is given)."""
        lc = self.linear_correction
        if isinstance(lc, str):
            return lc  # "auto", "off" or refused by the core, which names the parameter
        try:
            cols = list(lc)
        except TypeError:
            raise _bad("linear_correction", lc, "must be 'auto', 'off' or a list of columns") from None
        out = []
        for c in cols:
            if isinstance(c, str):
                if callable(names):
                    names = names()
                if names is None or c not in names:
                    known = "X has no column names" if names is None else f"columns: {', '.join(names)}"
                    raise _bad("linear_correction", c, f"is not a column of X ({known})")
                out.append(names.index(c))
            elif isinstance(c, numbers.Integral) and not isinstance(c, bool) and c >= 0:
                out.append(int(c))
            else:
                raise _bad("linear_correction", c, "columns are non-negative ints or column names")
        return out

    def _core_params(self, names: _Names = None) -> str:
        for name in ("n_estimators", "min_samples_leaf", "ci_group_size"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise _bad(name, v, "must be a positive int")
        ct = self.center_trees
        if not isinstance(ct, numbers.Integral) or isinstance(ct, bool) or ct < 0 or ct == 1:
            raise _bad("center_trees", ct, "must be 0 (centre on the mean) or an int >= 2")
        return dumps(
            {
                "n_trees": self.n_estimators,
                "min_samples_leaf": self.min_samples_leaf,
                "max_depth": self.max_depth,
                "max_features": _max_features(self.max_features),
                "sample_fraction": self.sample_fraction,
                "honesty": bool(self.honesty),
                "ci_group_size": self.ci_group_size,
                "center_trees": int(ct),
                "linear_correction": self._linear(names),
                "linear_penalty": self.linear_penalty,
                "seed": seed_of(self.random_state),
                "n_jobs": jobs_of(self.n_jobs),
            }
        )

    def _treatment(self, treatment: Any, n: int) -> np.ndarray:
        t = _frames.vector(treatment, "treatment")
        if len(t) != n:
            raise _frames.ShapeMismatchError(f"X has {n} rows but treatment has {len(t)}")
        if t.dtype.kind == "b":
            return t.astype(np.uint8)
        missing = _frames.missing_mask(t)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise InvalidValueError(
                f"row {row}, column `treatment`: invalid value {str(t[row])!r}: the treatment "
                "group is missing",
                row=row,
                column="treatment",
                value=str(t[row]),
                reason="the treatment group is missing",
            )
        control = t == self.control_name
        groups = np.unique(t[~control])
        if len(groups) > 1:
            raise InvalidValueError(
                f"treatment has {len(groups)} treatment groups ({', '.join(map(str, groups[:5]))}); "
                "UpliftForest estimates one treatment against the control "
                f"(control_name={self.control_name!r})",
                column="treatment",
                reason="more than one treatment group",
            )
        return (~control).astype(np.uint8)

    def fit(self, X: Any, treatment: Any, y: Any) -> "UpliftForest":
        """Fits the forest; returns ``self``."""
        arr, names = _frames.matrix(X)
        t = self._treatment(treatment, arr.shape[0])
        y = _frames.target(y)
        if len(y) != arr.shape[0]:
            raise _frames.ShapeMismatchError(f"X has {arr.shape[0]} rows but y has {len(y)}")
        if self.outcome == "auto":
            kind = "binary" if np.all(np.isin(y, (0.0, 1.0))) else "continuous"
        elif self.outcome in ("binary", "continuous"):
            kind = self.outcome
        else:
            raise _bad("outcome", self.outcome, "must be 'auto', 'binary' or 'continuous'")
        try:
            with _progress.bar(self.n_estimators, "UpliftForest") as cb:
                model = _optocom.UpliftModel.fit(
                    arr, t, y, kind, self._core_params(names), names, cb, self._host()
                )
        except InvalidParameterError as e:
            raise renamed(e) from None
        self._model = model
        self._set_features(names, arr.shape[1])
        return self

    def predict(
        self, X: Any, return_ci: bool = False, alpha: float = 0.05
    ) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Estimated effect per row; with ``return_ci=True``, ``(effect, lower, upper)`` of the
        ``1 - alpha`` confidence interval. For a binary outcome the effect is a difference of
        probabilities: effects and bounds are clipped to ``[-1, 1]``."""
        model = self._check_fitted()
        arr = self._features(X)
        if not return_ci:
            return model.predict(arr)[0]
        return model.predict_interval(arr, 1.0 - _alpha(alpha))

    def predict_std(self, X: Any) -> np.ndarray:
        """Standard error of the estimated effect per row."""
        model = self._check_fitted()
        return model.predict(self._features(X))[1]

    def average_effect(self, alpha: float = 0.05) -> Dict[str, float]:
        """Average effect over the training rows (difference in arm means) with its
        ``1 - alpha`` interval: ``{estimate, std_error, ci_low, ci_high}``."""
        model = self._check_fitted()
        return json.loads(model.average_effect(1.0 - _alpha(alpha)))

    @property
    def feature_importances_(self) -> np.ndarray:
        """Split-gain importances (summing to 1)."""
        return self._check_fitted().feature_importances()

    @property
    def linear_columns_(self) -> List[Any]:
        """The columns of the local-linear correction (names when fitted on a DataFrame,
        else indices; empty when none)."""
        model = self._check_fitted()
        names = self.__dict__.get("feature_names_in_")
        cols = model.linear_columns
        return [str(names[c]) for c in cols] if names is not None else list(cols)

    @property
    def outcome_kind_(self) -> str:
        """``"binary"`` or ``"continuous"``: how ``y`` was treated."""
        return self._check_fitted().outcome

    def _host(self) -> Optional[str]:
        """The params the core does not keep and that differ from their defaults, for the
        artifact's ``host`` object (none: the artifact is the one every runtime writes):
        values that come back equal from JSON only (a date ``control_name`` would come back
        as text and no longer match the treatment column, so it is not kept)."""
        host: Dict[str, Any] = {}
        if self.outcome != "auto":
            host["outcome"] = self.outcome
        cn = self.control_name
        if isinstance(cn, np.generic):
            cn = cn.item()
        if (isinstance(cn, (str, bool, int, float)) and not (isinstance(cn, float) and cn != cn)
                and not (type(cn) is int and cn == 0)):
            host["control_name"] = cn
        lc = self.linear_correction
        if not isinstance(lc, str):
            host["linear_correction"] = [c if isinstance(c, str) else int(c) for c in lc]
        return dumps(host, "host") if host else None

    @classmethod
    def _from_model(cls, model: Any) -> "UpliftForest":
        est = super()._from_model(model)
        host = json.loads(model.host)
        for name in ("control_name", "outcome", "linear_correction"):
            if name in host:
                setattr(est, name, host[name])
        return est

    @classmethod
    def _params_from_core(cls, p: Dict[str, Any]) -> Dict[str, Any]:
        mf = p["max_features"]
        return dict(
            n_estimators=p["n_trees"],
            min_samples_leaf=p["min_samples_leaf"],
            max_depth=p["max_depth"],
            max_features=None if mf == "all" else ("sqrt" if mf == "sqrt" else next(iter(mf.values()))),
            sample_fraction=p["sample_fraction"],
            honesty=p["honesty"],
            ci_group_size=p["ci_group_size"],
            center_trees=p["center_trees"],
            linear_correction=p["linear_correction"],
            linear_penalty=p["linear_penalty"],
            n_jobs=p["n_jobs"],
            random_state=p["seed"],
        )
