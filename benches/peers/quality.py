"""Quality of each model's test predictions against the generator's truth.

Computed in the parent process from the predictions the workers saved, so the metric code
(scikit-learn, causalml) never runs inside a measured process.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def purchase(d: dict, p: dict) -> dict:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y, truth, proba = d["y_test"], d["p_test"], p["proba"]
    auc, auc_true = roc_auc_score(y, proba), roc_auc_score(y, truth)
    return {
        "auc": auc,
        "auc_true": auc_true,
        "auc_gap": auc - auc_true,
        "brier": brier_score_loss(y, proba),
        "brier_true": brier_score_loss(y, truth),
        "rmse_p": float(np.sqrt(np.mean((proba - truth) ** 2))),
    }


def spend(d: dict, p: dict) -> dict:
    from sklearn.metrics import r2_score

    pred = p["amount"]
    return {
        "r2_actual": r2_score(d["amount_test"], pred),
        "r2_actual_truth": r2_score(d["amount_test"], d["expected_amount_test"]),
        "r2_expected": r2_score(d["expected_amount_test"], pred),
    }


def kmeans(d: dict, p: dict) -> dict:
    out = {"inertia_train": float(p["inertia"])}
    if "centers" in p:
        z = d["Z_test"]
        c = p["centers"]
        d2 = ((z[:, None, :] - c[None, :, :]) ** 2).sum(axis=2) if len(z) * len(c) < 5e7 else None
        if d2 is None:
            d2 = np.stack([((z - ci) ** 2).sum(axis=1) for ci in c], axis=1)
        out["inertia_test"] = float(d2.min(axis=1).sum())
    return out


def uplift(d: dict, preds: dict[str, dict]) -> dict[str, dict]:
    """Qini and AUUC (causalml's normalised definitions, observed test outcomes), the same for
    the oracle ranking by the true effect, RMSE against the true effect and, for models with
    intervals, coverage of the true effect and mean width. One call for all models."""
    from causalml.metrics import auuc_score, qini_score

    tau = d["tau_test"]
    frame = pd.DataFrame({"y": d["y_test"].astype(float), "w": d["t_test"].astype(int), "oracle": tau})
    for key, p in preds.items():
        frame[key] = p["effect"]
    # No true-effect column is passed: the curves use the observed outcomes.
    qini = qini_score(frame, outcome_col="y", treatment_col="w", treatment_effect_col="_none_")
    auuc = auuc_score(frame, outcome_col="y", treatment_col="w", treatment_effect_col="_none_")
    out = {}
    for key, p in preds.items():
        r = {
            "qini": float(qini[key]),
            "auuc": float(auuc[key]),
            "qini_oracle": float(qini["oracle"]),
            "auuc_oracle": float(auuc["oracle"]),
            "rmse_tau": float(np.sqrt(np.mean((p["effect"] - tau) ** 2))),
        }
        if "lower" in p:
            r["coverage"] = float(np.mean((p["lower"] <= tau) & (tau <= p["upper"])))
            r["width"] = float(np.mean(p["upper"] - p["lower"]))
        out[key] = r
    return out
