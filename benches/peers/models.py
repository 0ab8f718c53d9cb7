"""The measured models: the peers' settings and the registry of every (task, model) pair.

Every model object has `fit(data)`, `predict(data) -> dict of arrays`, `predict_one(data, i)`
(one test row), `save(path) -> bytes on disk` and `settings() -> str`. The peers are saved
as `pickle.dumps(model)`; optocom models by their own `save(path)` (see optocom_adapter.py).
Libraries are imported inside the factories so that a worker process loads only the one
it measures (its RSS after loading the data stays comparable).
"""

from __future__ import annotations

import math
import os
import pickle
from dataclasses import dataclass
from typing import Callable

import numpy as np

SEED = 0
FOREST_TREES = 100
UPLIFT_TREES = 300  # optocom's UpliftForest default; a multiple of EconML's subforest_size 4
KMEANS_CLUSTERS = 5
KMEANS_INIT = 10


def matched_min_samples_leaf(n_train: int) -> int:
    """optocom's `min_samples_leaf="auto"`: max(5, round(sqrt(m))), m = rows per tree = n/2."""
    return max(5, round(math.sqrt(0.5 * n_train)))


def _call(name: str, kw: dict) -> str:
    return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in kw.items()) + ")"


class _Pickled:
    model = None

    def save(self, path: str) -> int:
        # Streamed to a file: the same bytes as pickle.dumps, without holding them in memory.
        with open(path, "wb") as f:
            pickle.dump(self.model, f, protocol=pickle.HIGHEST_PROTOCOL)
        return os.path.getsize(path)


# --------------------------------------------------------------------------------------------
# Peers
# --------------------------------------------------------------------------------------------


class SkForest(_Pickled):
    def __init__(self, kw: dict):
        self.kw = kw

    def settings(self) -> str:
        return _call("sklearn.ensemble.RandomForestClassifier", self.kw)

    def fit(self, d):
        from sklearn.ensemble import RandomForestClassifier

        self.model = RandomForestClassifier(**self.kw).fit(d["X_train"], d["y_train"])

    def predict(self, d):
        return {"proba": self.model.predict_proba(d["X_test"])[:, 1]}

    def predict_one(self, d, i):
        return self.model.predict_proba(d["X_test"][i : i + 1])


def sk_forest_matched(n_jobs: int) -> Callable[[int], SkForest]:
    # sklearn has no subsampling without replacement: max_samples=0.5 with bootstrap=True
    # draws n/2 rows *with* replacement (about 39% of the rows distinct). min_samples_leaf
    # counts distinct rows in sklearn (bootstrap is done through sample weights).
    return lambda n: SkForest(
        dict(
            n_estimators=FOREST_TREES,
            max_features="sqrt",
            bootstrap=True,
            max_samples=0.5,
            min_samples_leaf=matched_min_samples_leaf(n),
            random_state=SEED,
            n_jobs=n_jobs,
        )
    )


def sk_forest_defaults(n_jobs: int) -> Callable[[int], SkForest]:
    return lambda n: SkForest(dict(n_estimators=FOREST_TREES, random_state=SEED, n_jobs=n_jobs))


class SkLinear(_Pickled):
    def settings(self) -> str:
        return "sklearn Pipeline(StandardScaler(), LinearRegression()) on the 8 features -> amount"

    def fit(self, d):
        from sklearn.linear_model import LinearRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model = make_pipeline(StandardScaler(), LinearRegression()).fit(d["X_train"], d["amount_train"])

    def predict(self, d):
        return {"amount": self.model.predict(d["X_test"])}

    def predict_one(self, d, i):
        return self.model.predict(d["X_test"][i : i + 1])


class SkKMeans(_Pickled):
    kw = dict(n_clusters=KMEANS_CLUSTERS, n_init=KMEANS_INIT, random_state=SEED)

    def settings(self) -> str:
        return _call("sklearn.cluster.KMeans", self.kw)

    def fit(self, d):
        from sklearn.cluster import KMeans

        self.model = KMeans(**self.kw).fit(d["Z_train"])

    def predict(self, d):
        return {
            "labels": self.model.predict(d["Z_test"]),
            "inertia": np.float64(self.model.inertia_),
            "centers": self.model.cluster_centers_,
        }

    def predict_one(self, d, i):
        return self.model.predict(d["Z_test"][i : i + 1])


class CausalmlForest(_Pickled):
    # causalml's own defaults (max_depth=5, min_samples_leaf=100, min_samples_treatment=10,
    # max_features=10, evaluationFunction="KL") apart from the tree count and threads.
    kw = dict(control_name="0", n_estimators=UPLIFT_TREES, random_state=SEED, n_jobs=-1)

    def settings(self) -> str:
        return _call("causalml UpliftRandomForestClassifier", self.kw) + "; treatment as '0'/'1'"

    def fit(self, d):
        from causalml.inference.tree import UpliftRandomForestClassifier

        t = d["t_train"].astype(int).astype(str)
        self.model = UpliftRandomForestClassifier(**self.kw)
        self.model.fit(d["X_train"], t, d["y_train"].astype(int))

    def predict(self, d):
        return {"effect": np.asarray(self.model.predict(d["X_test"]), dtype=float).reshape(len(d["X_test"]), -1)[:, 0]}

    def predict_one(self, d, i):
        return self.model.predict(d["X_test"][i : i + 1])


class EconmlForest(_Pickled):
    def __init__(self, tuned: bool):
        self.tuned = tuned

    def _kw(self) -> dict:
        return dict(discrete_treatment=True, n_estimators=UPLIFT_TREES, random_state=SEED, n_jobs=-1)

    def settings(self) -> str:
        if self.tuned:
            nuis = (
                "model_y=RandomForestRegressor(n_estimators=100, min_samples_leaf=20, n_jobs=-1), "
                "model_t=DummyClassifier(strategy='prior') [treatment is randomised], "
            )
        else:
            nuis = "model_y='auto', model_t='auto' [EconML's default model selection], "
        return (
            "econml.dml.CausalForestDML("
            + nuis
            + ", ".join(f"{k}={v!r}" for k, v in self._kw().items())
            + "); effect_inference(X).conf_int(alpha=0.05) [BLB intervals]"
        )

    def fit(self, d):
        from econml.dml import CausalForestDML

        kw = self._kw()
        if self.tuned:
            from sklearn.dummy import DummyClassifier
            from sklearn.ensemble import RandomForestRegressor

            kw["model_y"] = RandomForestRegressor(n_estimators=100, min_samples_leaf=20, random_state=SEED, n_jobs=-1)
            kw["model_t"] = DummyClassifier(strategy="prior")
        self.model = CausalForestDML(**kw)
        self.model.fit(d["y_train"].astype(float), d["t_train"].astype(int), X=d["X_train"])

    def _infer(self, X):
        inf = self.model.effect_inference(X)
        lo, hi = inf.conf_int(alpha=0.05)
        return np.ravel(inf.point_estimate), np.ravel(lo), np.ravel(hi)

    def predict(self, d):
        e, lo, hi = self._infer(d["X_test"])
        return {"effect": e, "lower": lo, "upper": hi}

    def predict_one(self, d, i):
        return self._infer(d["X_test"][i : i + 1])


# --------------------------------------------------------------------------------------------
# optocom (through optocom_adapter.py, imported only when measured)
# --------------------------------------------------------------------------------------------


def _opto(kind: str, **kw):
    def make(n_train: int):
        import optocom_adapter as oa

        return getattr(oa, kind)(**kw)

    return make


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    key: str
    task: str  # purchase | spend | kmeans | uplift
    library: str  # optocom | scikit-learn | causalml | econml
    label: str  # short name in the tables
    threads: str  # "1" or "all"
    make: Callable[[int], object]  # n_train -> model object
    imports: tuple[str, ...]  # modules the worker imports before loading the data
    reference: bool = False  # a peer optocom's speed ratios are shown against (summary and ratios)
    speed_ratios: bool = True  # False: a different model from the peers (quality comparison only)


OPTOCOM = ("optocom_adapter",)
SK_FOREST = ("sklearn.ensemble",)
ECONML = ("econml.dml", "sklearn.ensemble", "sklearn.dummy")

REGISTRY: list[Entry] = [
    # Purchase probability: random forest classifier.
    Entry(
        "optocom-rf-1",
        "purchase",
        "optocom",
        "RandomForestClassifier",
        "1",
        _opto("ForestClassifier", n_estimators=FOREST_TREES, n_jobs=1, seed=SEED),
        OPTOCOM,
    ),
    Entry(
        "sklearn-rf-matched-1",
        "purchase",
        "scikit-learn",
        "RandomForestClassifier (matched)",
        "1",
        sk_forest_matched(1),
        SK_FOREST,
        reference=True,
    ),
    Entry(
        "optocom-rf-all",
        "purchase",
        "optocom",
        "RandomForestClassifier",
        "all",
        _opto("ForestClassifier", n_estimators=FOREST_TREES, n_jobs=None, seed=SEED),
        OPTOCOM,
    ),
    Entry(
        "sklearn-rf-matched-all",
        "purchase",
        "scikit-learn",
        "RandomForestClassifier (matched)",
        "all",
        sk_forest_matched(-1),
        SK_FOREST,
        reference=True,
    ),
    Entry(
        "sklearn-rf-defaults-1",
        "purchase",
        "scikit-learn",
        "RandomForestClassifier (sklearn defaults)",
        "1",
        sk_forest_defaults(1),
        SK_FOREST,
        reference=True,
    ),
    Entry(
        "sklearn-rf-defaults-all",
        "purchase",
        "scikit-learn",
        "RandomForestClassifier (sklearn defaults)",
        "all",
        sk_forest_defaults(-1),
        SK_FOREST,
        reference=True,
    ),
    # Spend: expected amount per appointment.
    # The forecaster is a hurdle model (a forest and a linear model), not a linear regression:
    # its row is there for the quality comparison; speed ratios are taken for optocom-linreg.
    Entry(
        "optocom-forecaster",
        "spend",
        "optocom",
        "PurchaseForecaster (hurdle)",
        "all",
        _opto("Forecaster", seed=SEED),
        OPTOCOM,
        speed_ratios=False,
    ),
    Entry("optocom-linreg", "spend", "optocom", "LinearRegression (standardised)", "all", _opto("Linear"), OPTOCOM),
    Entry(
        "sklearn-linreg",
        "spend",
        "scikit-learn",
        "StandardScaler + LinearRegression",
        "all",
        lambda n: SkLinear(),
        ("sklearn.linear_model", "sklearn.pipeline", "sklearn.preprocessing"),
        reference=True,
    ),
    # K-means on the standardised appointment features.
    Entry(
        "optocom-kmeans",
        "kmeans",
        "optocom",
        "KMeans",
        "all",
        _opto("KMeans", n_clusters=KMEANS_CLUSTERS, n_init=KMEANS_INIT, seed=SEED),
        OPTOCOM,
    ),
    Entry(
        "sklearn-kmeans",
        "kmeans",
        "scikit-learn",
        "KMeans",
        "all",
        lambda n: SkKMeans(),
        ("sklearn.cluster",),
        reference=True,
    ),
    # Uplift of campaign 1 on the binary response.
    Entry(
        "optocom-uplift",
        "uplift",
        "optocom",
        "UpliftForest (95% CI)",
        "all",
        _opto("Uplift", n_estimators=UPLIFT_TREES, n_jobs=None, seed=SEED),
        OPTOCOM,
    ),
    Entry(
        "econml-cf",
        "uplift",
        "econml",
        "CausalForestDML (95% CI; RF nuisance)",
        "all",
        lambda n: EconmlForest(tuned=True),
        ECONML,
        reference=True,
    ),
    Entry(
        "econml-cf-auto",
        "uplift",
        "econml",
        "CausalForestDML (95% CI; auto nuisance)",
        "all",
        lambda n: EconmlForest(tuned=False),
        ECONML,
        reference=True,
    ),
    Entry(
        "causalml-urf",
        "uplift",
        "causalml",
        "UpliftRandomForestClassifier (no CI)",
        "all",
        lambda n: CausalmlForest(),
        ("causalml.inference.tree",),
        reference=True,
    ),
]

BY_KEY = {e.key: e for e in REGISTRY}
TASKS = ("purchase", "spend", "kmeans", "uplift")
