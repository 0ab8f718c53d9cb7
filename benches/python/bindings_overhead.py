"""Python-binding overhead, measured side by side in one process on the same data:

* predict_proba on 100k rows from Python vs the same core call timed inside Rust
  (`_native_predict_seconds`, no Python in the loop), interleaved run by run so machine noise
  hits both alike; medians and their ratio;
* one-row predict_proba latency from Python (median over many calls).

Run with `make bench-python` (builds the wheel into a venv first). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics as st
import time

import numpy as np

import optocom


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--train", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--single", type=int, default=20_000)
    a = ap.parse_args()

    past, _ = optocom.demo.appointments(n_past=a.train + a.rows, n_upcoming=1, seed=7)
    feats = ["age", "days_since_last_purchase", "employed", "benefits", "driver", "vdu_user",
             "varifocal", "high_prescription"]
    X = past[feats].to_numpy(dtype=np.float64)
    y = (past["amount"].to_numpy() >= 100).astype(int)
    Xtr, ytr, Xte = X[: a.train], y[: a.train], np.ascontiguousarray(X[a.train:])
    clf = optocom.RandomForestClassifier(n_estimators=100, random_state=0).fit(Xtr, ytr)

    native, python = [], []
    clf.predict_proba(Xte)  # warm up
    for _ in range(a.repeats):
        native.extend(clf._model._native_predict_seconds(Xte, 1))
        t = time.perf_counter()
        clf.predict_proba(Xte)
        python.append(time.perf_counter() - t)

    row = Xte[:1]
    for _ in range(1000):
        clf.predict_proba(row)
    lat = []
    for i in range(a.single):
        r = Xte[i % len(Xte): i % len(Xte) + 1]
        t = time.perf_counter()
        clf.predict_proba(r)
        lat.append(time.perf_counter() - t)

    n, p = st.median(native), st.median(python)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, optocom {optocom.__version__}")
    print(f"command: make bench-python  (rows={a.rows}, train={a.train}, repeats={a.repeats})\n")
    print("| measure | median | note |")
    print("|---|---|---|")
    print(f"| predict_proba {a.rows:,} rows, Rust-native | {n * 1e3:.1f} ms | timed inside the extension |")
    print(f"| predict_proba {a.rows:,} rows, from Python | {p * 1e3:.1f} ms | "
          f"ratio Python / native = {p / n:.3f} |")
    print(f"| predict_proba 1 row, from Python | {st.median(lat) * 1e6:.1f} us | "
          f"p90 {np.percentile(lat, 90) * 1e6:.1f} us over {a.single:,} calls |")


if __name__ == "__main__":
    main()
