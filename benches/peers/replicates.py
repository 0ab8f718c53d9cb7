"""Uplift quality over several independent data draws: optocom's UpliftForest against EconML's
CausalForestDML (RF nuisance), with the same settings as the peer benchmark.

The peer benchmark (run.py) scores every model on one draw of the campaign generator; a Qini
difference of 0.001 there is within the noise of that draw. This script repeats the uplift
comparison on several generator seeds (the benchmark's seed 7 first) and reports, per size,
the mean of each quality column and the mean paired difference optocom - EconML with its
standard error over draws. Quality only: no timing (models are fitted in this process).

    python benches/peers/replicates.py [--doctors 5000,50000] [--seeds 7,1,2,3,4,5] [--out benches/peers/REPLICATES.md]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import datasets  # noqa: E402
import models  # noqa: E402
import quality  # noqa: E402

PEERS = ("optocom-uplift", "econml-cf")
COLUMNS = [
    ("qini", "Qini", "higher"),
    ("auuc", "AUUC", "higher"),
    ("rmse_tau", "RMSE vs true effect", "lower"),
    ("coverage", "coverage of true effect", "higher, up to 95%"),
    ("width", "mean interval width", "lower"),
]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--doctors", default="5000,50000", help="comma-separated doctor counts")
    ap.add_argument("--seeds", default="7,1,2,3,4,5", help="comma-separated generator seeds (7: the benchmark's)")
    ap.add_argument("--out", default=os.path.join(HERE, "REPLICATES.md"), help="the Markdown report to write")
    return ap.parse_args(argv)


def ints(s: str) -> list[int]:
    return [int(v.replace("_", "")) for v in s.split(",") if v.strip()]


def one_draw(n: int, seed: int) -> dict[str, dict]:
    d, _ = datasets.doctor_split(n, seed)
    preds = {}
    for key in PEERS:
        model = models.BY_KEY[key].make(len(d["X_train"]))
        model.fit(d)
        preds[key] = model.predict(d)
    return quality.uplift(d, preds)


def report(args, results: dict, seconds: float) -> str:
    from importlib.metadata import version

    labels = {k: f"{models.BY_KEY[k].library} {models.BY_KEY[k].label}" for k in PEERS}
    lines = [
        "# Uplift quality over several data draws",
        "",
        f"Command: `python benches/peers/replicates.py --doctors {args.doctors} --seeds {args.seeds}` "
        f"({seconds / 60:.1f} min; {platform.python_version()}, optocom {version('optocom')}, "
        f"econml {version('econml')}, scikit-learn {version('scikit-learn')}).",
        "",
        "Each draw: `optocom.demo.campaigns(n_doctors=N, n_campaigns=3, seed=s)`, campaign 1, outcome "
        "`responded`, the benchmark's 70/30 split (seed 11) and model settings (BENCHMARKS.md, Settings). "
        "Seed 7 is the draw BENCHMARKS.md reports. Differences are optocom minus EconML per draw; "
        "`+-` is the standard error of their mean over draws.",
        "",
    ]
    for n, per_seed in results.items():
        seeds = list(per_seed)
        lines += [f"## {n:,} doctors ({len(seeds)} draws)", ""]
        lines.append("| column | better | " + " | ".join(labels[k] for k in PEERS) + " | difference (+- s.e.) |")
        lines.append("|---|---|" + "---|" * len(PEERS) + "---|")
        for col, name, better in COLUMNS:
            vals = {k: np.array([per_seed[s][k][col] for s in seeds]) for k in PEERS}
            diff = vals[PEERS[0]] - vals[PEERS[1]]
            se = diff.std(ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else float("nan")
            pct = col == "coverage"
            fmt = (lambda v: f"{100 * v:.1f}%") if pct else (lambda v: f"{v:.4f}")
            dfmt = (lambda v: f"{100 * v:+.1f} pt") if pct else (lambda v: f"{v:+.4f}")
            sfmt = (lambda v: f"{100 * v:.1f} pt") if pct else (lambda v: f"{v:.4f}")
            lines.append(
                f"| {name} | {better} | "
                + " | ".join(fmt(vals[k].mean()) for k in PEERS)
                + f" | {dfmt(diff.mean())} +- {sfmt(se)} |"
            )
        lines += ["", "Per draw (optocom / EconML):", ""]
        lines.append("| seed | " + " | ".join(name for _, name, _ in COLUMNS) + " |")
        lines.append("|---|" + "---|" * len(COLUMNS))
        for s in seeds:
            cells = []
            for col, _, _ in COLUMNS:
                a, b = per_seed[s][PEERS[0]][col], per_seed[s][PEERS[1]][col]
                cells.append(f"{100 * a:.1f}% / {100 * b:.1f}%" if col == "coverage" else f"{a:.4f} / {b:.4f}")
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.time()
    results: dict[int, dict[int, dict]] = {}
    for n in ints(args.doctors):
        results[n] = {}
        for s in ints(args.seeds):
            t = time.time()
            results[n][s] = one_draw(n, s)
            q = results[n][s]
            print(
                f"  {n:>7,} doctors seed {s}: "
                + "  ".join(f"{c} {q[PEERS[0]][c]:.4f}/{q[PEERS[1]][c]:.4f}" for c, _, _ in COLUMNS)
                + f"  ({time.time() - t:.1f} s)",
                flush=True,
            )
    text = report(args, results, time.time() - t0)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
