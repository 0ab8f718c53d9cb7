"""The benchmark data: made once per size by optocom's generators, saved as files, loaded by
every worker, so every library sees the same rows.

Appointments of size N: `n_past = 0.8 N` past appointments train, `N - n_past` upcoming ones
test (with the generator's truth: purchase probability, expected amount). Doctors of size D:
the campaign-1 uplift table of `optocom.demo.campaigns(n_doctors=D)`, split 70/30 into train
and test doctors, with the true conditional effect on the response probability.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

APPOINTMENT_SEED = 7
CAMPAIGN_SEED = 7
CAMPAIGN_ID = 1
SPLIT_SEED = 11
TRAIN_SHARE = 0.8  # appointments: past / (past + upcoming)
DOCTOR_TEST_SHARE = 0.3
THRESHOLD = 100.0  # a qualifying purchase: amount >= GBP 100

FEATURES = [
    "age",
    "days_since_last_purchase",
    "employed",
    "benefits",
    "driver",
    "vdu_user",
    "varifocal",
    "high_prescription",
]


def appointment_paths(root: str, n: int) -> dict:
    base = os.path.join(root, f"appointments_{n}")
    return {"npz": base + ".npz", "past": base + "_past.pkl", "upcoming": base + "_upcoming.pkl"}


def doctor_paths(root: str, n: int) -> dict:
    return {"npz": os.path.join(root, f"doctors_{n}.npz")}


def _features(df: pd.DataFrame) -> np.ndarray:
    return np.ascontiguousarray(df[FEATURES].to_numpy(dtype=np.float64))


def appointment_split(n: int, seed: int = APPOINTMENT_SEED) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """N appointments from generator seed `seed`: `0.8 N` past ones (train) and the upcoming
    rest (test, with the generator's truth), as arrays; and the two frames."""
    import optocom_adapter as oa

    n_past = int(round(TRAIN_SHARE * n))
    past, upcoming = oa.appointments(n_past=n_past, n_upcoming=n - n_past, seed=seed)
    x_train, x_test = _features(past), _features(upcoming)
    amount_train = past["amount"].to_numpy(dtype=np.float64)
    amount_test = upcoming["actual_amount"].to_numpy(dtype=np.float64)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    arrays = {
        "X_train": x_train,
        "y_train": (amount_train >= THRESHOLD).astype(np.int64),
        "amount_train": amount_train,
        "X_test": x_test,
        "y_test": (amount_test >= THRESHOLD).astype(np.int64),
        "amount_test": amount_test,
        "p_test": upcoming["true_probability"].to_numpy(dtype=np.float64),
        "expected_amount_test": upcoming["true_expected_amount"].to_numpy(dtype=np.float64),
        "Z_train": (x_train - mean) / std,
        "Z_test": (x_test - mean) / std,
    }
    return arrays, past, upcoming


def make_appointments(root: str, n: int) -> dict:
    """Generates N appointments with optocom and writes the arrays and frames; returns facts."""
    arrays, past, upcoming = appointment_split(n)
    paths = appointment_paths(root, n)
    np.savez(paths["npz"], **arrays)
    past.to_pickle(paths["past"])
    upcoming.to_pickle(paths["upcoming"])
    rate = float(arrays["y_train"].mean())
    return {"n_train": len(past), "n_test": len(upcoming), "purchase_rate": rate}


def doctor_split(n: int, seed: int = CAMPAIGN_SEED) -> tuple[dict, dict]:
    """The campaign-1 uplift table of N doctors from generator seed `seed`, split 70/30 into
    train and test doctors (split seed fixed), as arrays; and a summary of the whole table."""
    import optocom_adapter as oa

    table, features = oa.campaign_uplift(n_doctors=n, seed=seed, campaign_id=CAMPAIGN_ID)
    x = np.ascontiguousarray(table[features].to_numpy(dtype=np.float64))
    t = table["treatment"].to_numpy(dtype=np.int64)
    y = table["responded"].to_numpy(dtype=np.int64)
    tau = table["true_effect_response_prob"].to_numpy(dtype=np.float64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(table))
    n_test = int(round(DOCTOR_TEST_SHARE * len(table)))
    te, tr = np.sort(order[:n_test]), np.sort(order[n_test:])
    arrays = {
        "X_train": x[tr],
        "t_train": t[tr],
        "y_train": y[tr],
        "X_test": x[te],
        "t_test": t[te],
        "y_test": y[te],
        "tau_test": tau[te],
        "feature_names": np.array(features),
    }
    summary = {
        "n_rows": len(table),
        "n_train": len(tr),
        "n_test": len(te),
        "n_features": len(features),
        "treated_share": float(t.mean()),
        "response_rate": float(y.mean()),
        "mean_true_effect": float(tau.mean()),
    }
    return arrays, summary


def make_doctors(root: str, n: int) -> dict:
    """Generates the campaign uplift table of N doctors with optocom and writes the split."""
    arrays, summary = doctor_split(n)
    np.savez(doctor_paths(root, n)["npz"], **arrays)
    return summary


def load(task: str, root: str, size: int, need_frames: bool = False) -> dict:
    """The arrays a worker needs (frames too for the optocom forecaster)."""
    if task == "uplift":
        with np.load(doctor_paths(root, size)["npz"]) as z:
            return {k: z[k] for k in z.files}
    paths = appointment_paths(root, size)
    with np.load(paths["npz"]) as z:
        d = {k: z[k] for k in z.files}
    if need_frames:
        d["past"] = pd.read_pickle(paths["past"])
        d["upcoming"] = pd.read_pickle(paths["upcoming"])
    return d


def write_meta(root: str, meta: dict) -> None:
    with open(os.path.join(root, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


def read_meta(root: str) -> dict:
    with open(os.path.join(root, "meta.json")) as f:
        return json.load(f)
