"""Quality of each model's test predictions against the generator's truth.

Computed in the parent process from the predictions the workers saved, so the metric code
(scikit-learn, causalml) never runs inside a measured process.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def expected_auc(score: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC of `score` against the truth instead of one draw of outcomes: every ordered pair
    (i, j), i != j, counts with the probability p_i (1 - p_j) that i is a positive and j a
    negative, `sum p_i (1 - p_j) [s_i > s_j] (ties 1/2) / sum p_i (1 - p_j)`. It is the AUC's
    limit as the outcomes are redrawn (a ratio of expectations), so it has no outcome noise: the
    truth's own score is the best any ranking can reach. O(n log n) by one sort.

    Checked against the O(n^2) pair sum (equal to 1e-15) and the mean of `roc_auc_score` over
    4,000 outcome draws (within 3e-4) on 3,000 tied scores."""
    score, p = np.asarray(score, float), np.asarray(p, float)
    if not (np.isfinite(score).all() and np.isfinite(p).all()):
        raise ValueError("expected_auc: scores and probabilities must be finite")
    order = np.argsort(score, kind="stable")
    s, q = score[order], 1.0 - p[order]
    cum = np.concatenate([[0.0], np.cumsum(q)])
    lo, hi = np.searchsorted(s, s, side="left"), np.searchsorted(s, s, side="right")
    below, tied = cum[lo], cum[hi] - cum[lo] - q  # weight of negatives scored lower / equal (not i)
    num = float(np.sum(p[order] * (below + 0.5 * tied)))
    den = float(p.sum() * (1.0 - p).sum() - np.sum(p * (1.0 - p)))
    return num / den if den > 0 else float("nan")  # no pair can be positive-negative


def purchase(d: dict, p: dict) -> dict:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y, truth, proba = d["y_test"], d["p_test"], p["proba"]
    auc, auc_true = roc_auc_score(y, proba), roc_auc_score(y, truth)
    return {
        "auc": auc,
        "auc_true": auc_true,
        "auc_gap": auc - auc_true,
        "auc_expected": expected_auc(proba, truth),
        "auc_expected_true": expected_auc(truth, truth),
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
    """Qini and AUUC (causalml's normalised definitions, observed test outcomes), AUUC against
    the true effect (causalml's `treatment_effect_col`: the cumulative gain sums the true effects
    of the doctors ranked first, so it has no outcome noise), each also for the oracle ranking by
    the true effect, RMSE against the true effect and, for models with intervals, coverage of the
    true effect and mean width. One call for all models.

    causalml ranks tied scores in the order of the rows (no half credit as in an AUC), which
    matters only for models with few distinct scores (not the forests here).

    Qini against the true effect is left out: causalml scales that curve by the number of
    treated doctors among the first k, which puts the random assignment's noise back; without
    it the curve is the AUUC's."""
    from causalml.metrics import auuc_score, qini_score

    tau = d["tau_test"]
    frame = pd.DataFrame({"y": d["y_test"].astype(float), "w": d["t_test"].astype(int), "oracle": tau})
    for key, p in preds.items():
        frame[key] = p["effect"]
    # No true-effect column is passed: the curves use the observed outcomes.
    qini = qini_score(frame, outcome_col="y", treatment_col="w", treatment_effect_col="_none_")
    auuc = auuc_score(frame, outcome_col="y", treatment_col="w", treatment_effect_col="_none_")
    truth = frame.assign(_tau=tau)
    auuc_true = auuc_score(truth, outcome_col="y", treatment_col="w", treatment_effect_col="_tau")
    out = {}
    for key, p in preds.items():
        r = {
            "qini": float(qini[key]),
            "auuc": float(auuc[key]),
            "auuc_true": float(auuc_true[key]),
            "qini_oracle": float(qini["oracle"]),
            "auuc_oracle": float(auuc["oracle"]),
            "auuc_true_oracle": float(auuc_true["oracle"]),
            "rmse_tau": float(np.sqrt(np.mean((p["effect"] - tau) ** 2))),
        }
        if "lower" in p:
            r["coverage"] = float(np.mean((p["lower"] <= tau) & (tau <= p["upper"])))
            r["width"] = float(np.mean(p["upper"] - p["lower"]))
        out[key] = r
    return out


# The quality columns that depend on which test rows are scored, per task. The optocom - peer
# differences on them get a paired bootstrap standard error over the test rows (it covers the
# test sample and its outcomes, not a new training draw: replicates.py repeats whole draws).
RESAMPLED = {
    "purchase": ("auc", "auc_expected", "brier", "rmse_p"),
    "spend": ("r2_actual", "r2_expected"),
    "uplift": ("qini", "auuc", "auuc_true", "rmse_tau", "coverage", "width"),
}
BOOTSTRAP_REPS = 200
BOOTSTRAP_SEED = 0


def resampled(task: str, d: dict, preds: dict[str, dict], idx: np.ndarray) -> dict[str, dict[str, float]]:
    """Every model's quality on the test rows `idx` (repeats allowed): purchase(), spend() and
    uplift() on those rows."""
    if task not in RESAMPLED:
        return {}
    sub = {k: v[idx] for k, v in d.items() if k.endswith("_test")}  # every test-row array
    models_on = {k: {c: v[idx] for c, v in p.items()} for k, p in preds.items()}
    if task == "uplift":
        return uplift({**d, **sub}, models_on)
    fn = purchase if task == "purchase" else spend
    return {k: fn({**d, **sub}, p) for k, p in models_on.items()}


def paired_se(task: str, d: dict, preds: dict[str, dict], mine: list[str]) -> dict[str, dict[str, dict]]:
    """For each model in `mine` and each other model: the standard error of the difference
    (mine - other) on each RESAMPLED column both have, from a paired bootstrap of the test rows
    (both scored on the same resampled rows; BOOTSTRAP_REPS resamples, fixed seed). Empty when
    the task has no such columns or there is nothing to compare."""
    others = [k for k in preds if k not in mine]
    if task not in RESAMPLED or not others or not any(k in preds for k in mine):
        return {}
    n = len(d["y_test"]) if "y_test" in d else len(d["amount_test"])
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = [resampled(task, d, preds, rng.integers(0, n, n)) for _ in range(BOOTSTRAP_REPS)]
    out: dict[str, dict[str, dict]] = {}
    for o in (k for k in mine if k in preds):
        out[o] = {}
        for peer in others:
            cols = [m for m in RESAMPLED[task] if m in draws[0][o] and m in draws[0][peer]]
            out[o][peer] = {m: float(np.std([x[o][m] - x[peer][m] for x in draws], ddof=1)) for m in cols}
    return out
