"""Every call into the optocom Python wheel made by the peer benchmark, in one place.

If a name in the wheel changes, this is the only file to fix. Nothing else in
`benches/peers/` imports optocom.
"""

from __future__ import annotations

import os

import numpy as np
import optocom
import pandas as pd

# Column of `uplift_table` that are not features.
UPLIFT_NON_FEATURES = ("doctor_id", "treatment", "responded", "rx_change")


def version() -> str:
    return getattr(optocom, "__version__", "unknown")


# --------------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------------


def appointments(n_past: int, n_upcoming: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Past and upcoming appointments with the generator's truth columns.

    past: age ... high_prescription, amount, true_probability, true_expected_amount, ...
    upcoming: the same, amount empty, plus actual_amount.
    """
    past, upcoming = optocom.demo.appointments(n_past=n_past, n_upcoming=n_upcoming, seed=seed, truth=True)
    return past, upcoming


def campaign_uplift(n_doctors: int, seed: int, campaign_id: int) -> tuple[pd.DataFrame, list[str]]:
    """The uplift table of one campaign joined with the generator's truth.

    Returns (table, feature_names); the table has doctor_id, the features, treatment (0/1),
    responded (0/1), rx_change, true_effect_response_prob and true_effect_rx.
    """
    demo = optocom.demo.campaigns(n_doctors=n_doctors, n_campaigns=3, seed=seed)
    table = optocom.CampaignAnalytics(demo).uplift_table(campaign_id=campaign_id)
    features = [c for c in table.columns if c not in UPLIFT_NON_FEATURES]
    truth = demo.truth
    truth = truth[truth["campaign_id"] == campaign_id][["doctor_id", "true_effect_response_prob", "true_effect_rx"]]
    merged = table.merge(truth, on="doctor_id", how="left", validate="one_to_one")
    if merged["true_effect_response_prob"].isna().any():
        raise RuntimeError("optocom demo truth is missing doctors of the uplift table")
    return merged, features


# --------------------------------------------------------------------------------------------
# Models: each has fit(data), predict(data) -> dict of arrays, predict_one(data, i), save(path)
# --------------------------------------------------------------------------------------------


class _Base:
    model = None

    def save(self, path: str) -> int:
        self.model.save(path)
        return os.path.getsize(path)


class ForestClassifier(_Base):
    """optocom.RandomForestClassifier, optocom defaults apart from the tree count."""

    def __init__(self, n_estimators: int, n_jobs: int | None, seed: int):
        self.kw = dict(n_estimators=n_estimators, random_state=seed, n_jobs=n_jobs)

    def settings(self) -> str:
        return "optocom.RandomForestClassifier(" + ", ".join(f"{k}={v!r}" for k, v in self.kw.items()) + ")"

    def fit(self, d):
        self.model = optocom.RandomForestClassifier(**self.kw).fit(d["X_train"], d["y_train"])

    def predict(self, d):
        return {"proba": np.asarray(self.model.predict_proba(d["X_test"]))[:, 1]}

    def predict_one(self, d, i):
        return self.model.predict_proba(d["X_test"][i : i + 1])


class Forecaster(_Base):
    """optocom.PurchaseForecaster (hurdle model) on the past appointments frame."""

    def __init__(self, seed: int):
        self.seed = seed

    def settings(self) -> str:
        return f'optocom.PurchaseForecaster(random_state={self.seed}).fit(past).predict(test)["expected_revenue"]'

    def fit(self, d):
        self.model = optocom.PurchaseForecaster(random_state=self.seed).fit(d["past"])

    def predict(self, d):
        out = self.model.predict(d["upcoming"])
        return {"amount": np.asarray(out["expected_revenue"], dtype=float)}

    def predict_one(self, d, i):
        return self.model.predict(d["upcoming"].iloc[i : i + 1])


class Linear(_Base):
    """optocom.LinearRegression (least squares on standardised features) on the 8 features."""

    def settings(self) -> str:
        return "optocom.LinearRegression() on the 8 features -> amount (standardised inside)"

    def fit(self, d):
        self.model = optocom.LinearRegression().fit(d["X_train"], d["amount_train"])

    def predict(self, d):
        return {"amount": np.asarray(self.model.predict(d["X_test"]), dtype=float)}

    def predict_one(self, d, i):
        return self.model.predict(d["X_test"][i : i + 1])


class KMeans(_Base):
    def __init__(self, n_clusters: int, n_init: int, seed: int):
        self.kw = dict(n_clusters=n_clusters, n_init=n_init, random_state=seed)

    def settings(self) -> str:
        return "optocom.KMeans(" + ", ".join(f"{k}={v!r}" for k, v in self.kw.items()) + ")"

    def fit(self, d):
        self.model = optocom.KMeans(**self.kw).fit(d["Z_train"])

    def predict(self, d):
        out = {"labels": np.asarray(self.model.predict(d["Z_test"])), "inertia": np.float64(self.model.inertia_)}
        centers = getattr(self.model, "cluster_centers_", None)
        if centers is not None:
            out["centers"] = np.asarray(centers, dtype=float)
        return out

    def predict_one(self, d, i):
        return self.model.predict(d["Z_test"][i : i + 1])


class Uplift(_Base):
    """optocom.UpliftForest: effect with 95% intervals."""

    def __init__(self, n_estimators: int, n_jobs: int | None, seed: int):
        self.kw = dict(n_estimators=n_estimators, random_state=seed, n_jobs=n_jobs)

    def settings(self) -> str:
        return (
            "optocom.UpliftForest(" + ", ".join(f"{k}={v!r}" for k, v in self.kw.items()) + ")"
            "; predict(X, return_ci=True, alpha=0.05)"
        )

    def fit(self, d):
        self.model = optocom.UpliftForest(**self.kw).fit(d["X_train"], d["t_train"], d["y_train"])

    def predict(self, d):
        effect, lower, upper = self.model.predict(d["X_test"], return_ci=True, alpha=0.05)
        return {
            "effect": np.asarray(effect, dtype=float),
            "lower": np.asarray(lower, dtype=float),
            "upper": np.asarray(upper, dtype=float),
        }

    def predict_one(self, d, i):
        return self.model.predict(d["X_test"][i : i + 1], return_ci=True, alpha=0.05)
