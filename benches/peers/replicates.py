"""Quality over several independent data draws, with the peer benchmark's settings: optocom's
UpliftForest against EconML's CausalForestDML (RF nuisance, and its defaults) on doctors, and optocom's
RandomForestClassifier against scikit-learn's matched forest on appointments.

The peer benchmark (run.py) scores every model on one draw of each generator; a Qini
difference of 0.001, or an AUC difference of 0.002 on 2,000 test appointments, is within the
noise of that draw. This script repeats those comparisons on several generator seeds (the
benchmark's seed 7 first) and reports, per size, the mean of each quality column and the mean
paired difference optocom - peer with its standard error over draws. Quality only: no timing
(models are fitted in this process).

    python benches/peers/replicates.py [--doctors 5000,50000] [--appointments 10000]
        [--seeds 7,1,2,3,4,5] [--out benches/peers/REPLICATES.md]
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

UPLIFT_PEERS = ("optocom-uplift", "econml-cf", "econml-cf-auto")
# optocom against each EconML set-up: the benchmark's best peer is either, column by column.
UPLIFT_PAIRS = (("optocom-uplift", "econml-cf"), ("optocom-uplift", "econml-cf-auto"))
UPLIFT_COLUMNS = [
    ("qini", "Qini", "higher"),
    ("auuc", "AUUC", "higher"),
    ("auuc_true", "AUUC vs true effect", "higher"),
    ("rmse_tau", "RMSE vs true effect", "lower"),
    ("coverage", "coverage of true effect", "higher, up to 95%"),
    ("width", "mean interval width", "lower"),
]
PURCHASE_PEERS = ("optocom-rf-all", "sklearn-rf-matched-all")
PURCHASE_COLUMNS = [
    ("auc", "AUC", "higher"),
    ("auc_expected", "AUC vs true p", "higher"),
    ("brier", "Brier", "lower"),
    ("rmse_p", "RMSE vs true p", "lower"),
]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--doctors", default="5000,50000", help="comma-separated doctor counts")
    ap.add_argument("--appointments", default="10000", help="comma-separated appointment counts ('' for none)")
    ap.add_argument("--seeds", default="7,1,2,3,4,5", help="comma-separated generator seeds (7: the benchmark's)")
    ap.add_argument("--out", default=os.path.join(HERE, "REPLICATES.md"), help="the Markdown report to write")
    return ap.parse_args(argv)


def ints(s: str) -> list[int]:
    return [int(v.replace("_", "")) for v in s.split(",") if v.strip()]


def uplift_draw(n: int, seed: int) -> dict[str, dict]:
    d, _ = datasets.doctor_split(n, seed)
    preds = {}
    for key in UPLIFT_PEERS:
        model = models.BY_KEY[key].make(len(d["X_train"]))
        model.fit(d)
        preds[key] = model.predict(d)
    return quality.uplift(d, preds)


def purchase_draw(n: int, seed: int) -> dict[str, dict]:
    d, _, _ = datasets.appointment_split(n, seed)
    out = {}
    for key in PURCHASE_PEERS:
        model = models.BY_KEY[key].make(len(d["X_train"]))
        model.fit(d)
        out[key] = quality.purchase(d, model.predict(d))
    return out


def section(title: str, per_seed: dict, peers: tuple, columns: list) -> list[str]:
    """One size: the mean table and the per-draw table."""
    labels = [f"{models.BY_KEY[k].library} {models.BY_KEY[k].label}" for k in peers]
    seeds = list(per_seed)
    lines = [f"## {title} ({len(seeds)} draws)", ""]
    lines.append("| column | better | " + " | ".join(labels) + " | difference (+- s.e.) |")
    lines.append("|---|---|" + "---|" * len(peers) + "---|")
    for col, name, better in columns:
        vals = {k: np.array([per_seed[s][k][col] for s in seeds]) for k in peers}
        diff = vals[peers[0]] - vals[peers[1]]
        se = diff.std(ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else float("nan")
        pct = col == "coverage"
        fmt = (lambda v: f"{100 * v:.1f}%") if pct else (lambda v: f"{v:.4f}")
        dfmt = (lambda v: f"{100 * v:+.1f} pt") if pct else (lambda v: f"{v:+.4f}")
        sfmt = (lambda v: f"{100 * v:.1f} pt") if pct else (lambda v: f"{v:.4f}")
        lines.append(
            f"| {name} | {better} | "
            + " | ".join(fmt(vals[k].mean()) for k in peers)
            + f" | {dfmt(diff.mean())} +- {sfmt(se)} |"
        )
    lines += ["", f"Per draw ({' / '.join(models.BY_KEY[k].library for k in peers)}):", ""]
    lines.append("| seed | " + " | ".join(name for _, name, _ in columns) + " |")
    lines.append("|---|" + "---|" * len(columns))
    for s in seeds:
        cells = []
        for col, _, _ in columns:
            a, b = per_seed[s][peers[0]][col], per_seed[s][peers[1]][col]
            cells.append(f"{100 * a:.1f}% / {100 * b:.1f}%" if col == "coverage" else f"{a:.4f} / {b:.4f}")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def report(args, uplift: dict, purchase: dict, seconds: float) -> str:
    from importlib.metadata import version

    lines = [
        "# Quality over several data draws",
        "",
        f"Command: `python benches/peers/replicates.py --doctors {args.doctors} "
        f"--appointments {args.appointments} --seeds {args.seeds}` "
        f"({seconds / 60:.1f} min; {platform.python_version()}, optocom {version('optocom')}, "
        f"econml {version('econml')}, scikit-learn {version('scikit-learn')}).",
        "",
        "Doctors, each draw: `optocom.demo.campaigns(n_doctors=N, n_campaigns=3, seed=s)`, campaign 1, "
        "outcome `responded`, the benchmark's 70/30 split (seed 11). Appointments, each draw: "
        "`optocom.demo.appointments(n_past=0.8 N, n_upcoming=0.2 N, seed=s)`, purchase = amount >= 100, "
        "train on the past, test on the upcoming. Model settings as in the benchmark (BENCHMARKS.md, "
        "Settings). Seed 7 is the draw BENCHMARKS.md reports. Differences are optocom minus the peer "
        "per draw; `+-` is the standard error of their mean over draws. Qini, AUUC, AUC and Brier are scored on "
        "the draw's observed test outcomes; *vs true effect* and *vs true p* against the generator's truth "
        "(BENCHMARKS.md, How it is measured).",
        "",
    ]
    for n, per_seed in uplift.items():
        for pair in UPLIFT_PAIRS:
            title = f"Uplift, {n:,} doctors, against {models.BY_KEY[pair[1]].label}"
            lines += section(title, per_seed, pair, UPLIFT_COLUMNS)
    for n, per_seed in purchase.items():
        lines += section(f"Purchase, {n:,} appointments", per_seed, PURCHASE_PEERS, PURCHASE_COLUMNS)
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.time()
    tasks = [
        ("doctors", ints(args.doctors), uplift_draw, UPLIFT_PEERS, UPLIFT_COLUMNS),
        ("appointments", ints(args.appointments), purchase_draw, PURCHASE_PEERS, PURCHASE_COLUMNS),
    ]
    results: dict[str, dict[int, dict[int, dict]]] = {}
    for what, sizes, draw, peers, columns in tasks:
        results[what] = {}
        for n in sizes:
            results[what][n] = {}
            for s in ints(args.seeds):
                t = time.time()
                q = results[what][n][s] = draw(n, s)
                print(
                    f"  {n:>9,} {what} seed {s}: "
                    + "  ".join(f"{c} " + "/".join(f"{q[p][c]:.4f}" for p in peers) for c, _, _ in columns)
                    + f"  ({time.time() - t:.1f} s)",
                    flush=True,
                )
    text = report(args, results["doctors"], results["appointments"], time.time() - t0)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
