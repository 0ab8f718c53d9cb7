"""One measurement in its own process: `python worker.py SPEC.json RESULT.json`.

Loads the data, then fits (median of repeats), predicts the test set (median of repeats),
times single-row predictions, reads the peak RSS (VmHWM), then saves the model (file size) and the
test predictions (for the quality figures the parent computes). The peak RSS is read before
the model is serialised, so pickling buffers do not count.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def status_mb(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def rss_now_mb() -> float:
    return status_mb("VmRSS")


def timed_repeats(fn, repeats: int, budget: float) -> list[float]:
    """Runs fn at least once and up to `repeats` times while the total stays under `budget` s."""
    times: list[float] = []
    total = 0.0
    while len(times) < repeats:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        total += dt
        if total + dt > budget:
            break
    return times


def main(spec_path: str, result_path: str) -> None:
    with open(spec_path) as f:
        spec = json.load(f)
    import numpy as np

    import datasets
    import models

    entry = models.BY_KEY[spec["model"]]
    import importlib

    for name in entry.imports:  # so that "RSS after load" includes the library itself
        importlib.import_module(name)
    need_frames = entry.key == "optocom-forecaster"  # the only model that reads the DataFrames
    data = datasets.load(entry.task, spec["data_dir"], spec["size"], need_frames=need_frames)
    n_train = len(data["X_train"])
    n_test = len(data["X_test"])
    rss_load = rss_now_mb()

    holder: dict = {}

    def fit_once():
        holder.pop("m", None)  # free the previous model before the next fit
        m = entry.make(n_train)
        m.fit(data)
        holder["m"] = m

    fit_times = timed_repeats(fit_once, spec["repeats"], spec["budget"])
    model = holder["m"]
    rss_fitted = rss_now_mb()

    preds: dict = {}

    def predict_once():
        preds.clear()
        preds.update(model.predict(data))

    predict_times = timed_repeats(predict_once, spec["repeats"], spec["budget"])

    # Single-row latency: a few warm-up calls, then up to latency_calls calls (time-boxed).
    for i in range(3):
        model.predict_one(data, i % n_test)
    lat: list[float] = []
    t_start = time.perf_counter()
    for i in range(spec["latency_calls"]):
        t0 = time.perf_counter()
        model.predict_one(data, i % n_test)
        lat.append(time.perf_counter() - t0)
        if len(lat) >= 20 and time.perf_counter() - t_start > spec["latency_budget"]:
            break

    # Peak RSS of this process: VmHWM, the high-water mark of its own address space. (On Linux
    # getrusage's ru_maxrss survives execve, so a worker would report at least the parent's peak
    # at spawn time; it is kept in the raw results as ru_maxrss_mb.)
    peak_self = status_mb("VmHWM")
    ru_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0

    model_bytes = model.save(os.path.join(spec["tmp_dir"], spec["model"] + ".model"))
    os.remove(os.path.join(spec["tmp_dir"], spec["model"] + ".model"))
    np.savez(spec["pred_path"], **{k: np.asarray(v) for k, v in preds.items()})

    result = {
        "model": spec["model"],
        "size": spec["size"],
        "n_train": n_train,
        "n_test": n_test,
        "settings": model.settings(),
        "fit_s": fit_times,
        "predict_s": predict_times,
        "latency_s": lat,
        "rss_load_mb": rss_load,
        "rss_fitted_mb": rss_fitted,
        "peak_rss_mb": peak_self,
        "ru_maxrss_mb": ru_maxrss,
        "peak_rss_children_mb": peak_children,
        "model_bytes": model_bytes,
        "threads_env": {k: os.environ.get(k) for k in spec["thread_vars"]},
        "pred_path": spec["pred_path"],
    }
    with open(result_path, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
