"""Renders a run (run.py's dict) as BENCHMARKS.md, and the short summary for the README."""

from __future__ import annotations

import statistics

import models

TASK_TITLES = {
    "purchase": "Purchase probability: random forest classifier (8 features, y = amount >= 100)",
    "spend": "Spend: expected amount per appointment",
    "kmeans": "K-means (5 clusters, 10 inits) on the standardised appointment features",
    "uplift": "Uplift of campaign 1 on the response (doctors), 95% intervals",
}
TASK_UNITS = {"purchase": "appointments", "spend": "appointments", "kmeans": "appointments", "uplift": "doctors"}


# ---------------------------------------------------------------------------------------------
# Number formatting
# ---------------------------------------------------------------------------------------------


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def secs(s: float) -> str:
    if s != s:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    if s < 100:
        return f"{s:.2f} s"
    return f"{s:.0f} s"


def nbytes(b) -> str:
    if b is None:
        return "-"
    for unit, k in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if b >= k:
            return f"{b / k:.1f} {unit}"
    return f"{b} B"


def ratio(x: float) -> str:
    if x != x or x in (float("inf"), 0):
        return "-"
    if x < 1:
        return f"{x:.2f}x"
    return f"{x:.1f}x" if x < 100 else f"{x:.0f}x"


def num(x, digits=3) -> str:
    return "-" if x is None or x != x else f"{x:.{digits}f}"


def pct(x) -> str:
    return "-" if x is None or x != x else f"{100 * x:.1f}%"


def table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Pairing optocom with its reference peer
# ---------------------------------------------------------------------------------------------


def ok(results):
    return [r for r in results if "error" not in r]


def find(results, key, size):
    for r in ok(results):
        if r["model"] == key and r["size"] == size:
            return r
    return None


def reference_for(entry: models.Entry) -> list[models.Entry]:
    return [e for e in models.REGISTRY if e.task == entry.task and e.reference and e.threads == entry.threads] or [
        e for e in models.REGISTRY if e.task == entry.task and e.reference
    ]


def pairs(results):
    """(optocom result, reference peer result) for every size both were measured at."""
    out = []
    for r in ok(results):
        entry = models.BY_KEY[r["model"]]
        if entry.library != "optocom":
            continue
        for ref in reference_for(entry):
            p = find(results, ref.key, r["size"])
            if p is not None:
                out.append((r, p))
    return out


def total_uplift_s(r):
    return med(r["fit_s"]) + med(r["predict_s"])


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def speed_rows(rs):
    rows = []
    for r in rs:
        e = models.BY_KEY[r["model"]]
        # Child processes (joblib/loky workers) count only when they outgrew the process itself;
        # a short helper forked by a library (e.g. a CPU-count probe) inherits the parent's RSS.
        children = r.get("peak_rss_children_mb") or 0
        peak = f"{r['peak_rss_mb']:.0f} MB" + (
            f" (+ {children:.0f} MB in child processes)" if children > r["peak_rss_mb"] else ""
        )
        rows.append(
            [
                f"{r['n_train']:,} / {r['n_test']:,}",
                e.library,
                e.label,
                e.threads,
                f"{secs(med(r['fit_s']))} ({len(r['fit_s'])})",
                f"{secs(med(r['predict_s']))} ({len(r['predict_s'])})",
                f"{secs(med(r['latency_s']))} ({len(r['latency_s'])})",
                f"{r['rss_load_mb']:.0f} MB",
                peak,
                nbytes(r["model_bytes"]),
            ]
        )
    return rows


SPEED_HEADER = [
    "train / test",
    "library",
    "model",
    "threads",
    "fit (runs)",
    "predict test set (runs)",
    "1-row predict (calls)",
    "RSS after load",
    "peak RSS",
    "model on disk",
]


def quality_table(task, rs):
    rows = []
    if task == "purchase":
        header = [
            "train / test",
            "library",
            "model",
            "threads",
            "AUC",
            "AUC - AUC of true p",
            "Brier",
            "Brier of true p",
            "RMSE vs true p",
        ]
        for r in rs:
            e, q = models.BY_KEY[r["model"]], r["quality"]
            rows.append(
                [
                    f"{r['n_train']:,} / {r['n_test']:,}",
                    e.library,
                    e.label,
                    e.threads,
                    num(q["auc"], 4),
                    f"{q['auc_gap']:+.4f}",
                    num(q["brier"], 4),
                    num(q["brier_true"], 4),
                    num(q["rmse_p"], 4),
                ]
            )
    elif task == "spend":
        header = [
            "train / test",
            "library",
            "model",
            "R² vs actual amount",
            "R² of the truth vs actual",
            "R² vs true expected amount",
        ]
        for r in rs:
            e, q = models.BY_KEY[r["model"]], r["quality"]
            rows.append(
                [
                    f"{r['n_train']:,} / {r['n_test']:,}",
                    e.library,
                    e.label,
                    num(q["r2_actual"], 4),
                    num(q["r2_actual_truth"], 4),
                    num(q["r2_expected"], 4),
                ]
            )
    elif task == "kmeans":
        header = ["train / test", "library", "model", "inertia (train)", "vs scikit-learn", "inertia (test)"]
        base = {r["size"]: r["quality"]["inertia_train"] for r in rs if r["model"] == "sklearn-kmeans"}
        for r in rs:
            e, q = models.BY_KEY[r["model"]], r["quality"]
            b = base.get(r["size"])
            rows.append(
                [
                    f"{r['n_train']:,} / {r['n_test']:,}",
                    e.library,
                    e.label,
                    f"{q['inertia_train']:,.0f}",
                    num(q["inertia_train"] / b, 4) if b else "-",
                    f"{q['inertia_test']:,.0f}" if "inertia_test" in q else "-",
                ]
            )
    else:
        header = [
            "train / test",
            "library",
            "model",
            "Qini (oracle)",
            "AUUC (oracle)",
            "RMSE vs true effect",
            "coverage of true effect",
            "mean interval width",
        ]
        for r in rs:
            e, q = models.BY_KEY[r["model"]], r["quality"]
            rows.append(
                [
                    f"{r['n_train']:,} / {r['n_test']:,}",
                    e.library,
                    e.label,
                    f"{q['qini']:.4f} ({q['qini_oracle']:.4f})",
                    f"{q['auuc']:.4f} ({q['auuc_oracle']:.4f})",
                    num(q["rmse_tau"], 4),
                    pct(q.get("coverage")),
                    num(q.get("width"), 3),
                ]
            )
    return table(header, rows)


def ratio_rows(results):
    rows = []
    for o, p in pairs(results):
        eo, ep = models.BY_KEY[o["model"]], models.BY_KEY[p["model"]]
        rows.append(
            [
                eo.task,
                f"{o['size']:,} {TASK_UNITS[eo.task]}",
                eo.threads,
                f"{ep.library} {ep.label}",
                ratio(med(p["fit_s"]) / med(o["fit_s"])),
                ratio(med(p["predict_s"]) / med(o["predict_s"])),
                ratio(med(p["latency_s"]) / med(o["latency_s"])),
                ratio(p["peak_rss_mb"] / o["peak_rss_mb"]),
                ratio(p["model_bytes"] / o["model_bytes"]) if o["model_bytes"] else "-",
            ]
        )
    return rows


RATIO_HEADER = [
    "task",
    "size",
    "threads",
    "peer",
    "fit faster",
    "predict faster",
    "1-row faster",
    "peak RSS smaller",
    "file smaller",
]


def targets(run) -> str:
    results = run["results"]
    lines = []
    appt = max(run["config"]["appointments"]) if "purchase" in run["tasks"] else None
    if appt is not None:
        for threads in ("1", "all"):
            o, p = find(results, f"optocom-rf-{threads}", appt), find(results, f"sklearn-rf-matched-{threads}", appt)
            if o and p:
                f, pr = med(p["fit_s"]) / med(o["fit_s"]), med(p["predict_s"]) / med(o["predict_s"])
                lines.append(
                    f"- Forest at {o['n_train']:,} training rows, threads {threads}: fit {ratio(f)} "
                    f"(target >= 20x: {'met' if f >= 20 else 'NOT met'}), predict {ratio(pr)} "
                    f"(target >= 50x: {'met' if pr >= 50 else 'NOT met'})."
                )
                s = p["model_bytes"] / o["model_bytes"]
                frac = f"1/{s:.0f}" if s >= 1 else f"{1 / s:.1f} times larger"
                lines.append(
                    f"- Model file at {o['n_train']:,} rows, threads {threads}: {nbytes(o['model_bytes'])} vs "
                    f"{nbytes(p['model_bytes'])} pickled, {frac} (target <= 1/50: "
                    f"{'met' if s >= 50 else 'NOT met'})."
                )
        if appt < 1_000_000:
            lines.append(
                f"- (The forest targets are set at 800,000 training rows; this run's largest is {round(appt * 0.8):,}.)"
            )
    doc = max(run["config"]["doctors"]) if "uplift" in run["tasks"] else None
    if doc is not None:
        o = find(results, "optocom-uplift", doc)
        for key in ("econml-cf", "econml-cf-auto"):
            p = find(results, key, doc)
            if o and p:
                x = total_uplift_s(p) / total_uplift_s(o)
                lines.append(
                    f"- Uplift with intervals (fit + predict with CI) at {doc:,} doctors vs "
                    f"{models.BY_KEY[key].label}: {ratio(x)} (target >= 20x: {'met' if x >= 20 else 'NOT met'})."
                )
        if doc < 50_000:
            lines.append(f"- (The uplift target is set at 50,000 doctors; this run's largest is {doc:,}.)")
    # Quality at or above every peer, per task and size.
    for task, metric, better in (
        ("purchase", "auc", max),
        ("purchase", "brier", min),
        ("spend", "r2_expected", max),
        ("kmeans", "inertia_train", min),
        ("uplift", "qini", max),
        ("uplift", "rmse_tau", min),
    ):
        for r in ok(results):
            e = models.BY_KEY[r["model"]]
            if e.task != task or e.library != "optocom":
                continue
            peers = [
                x
                for x in ok(results)
                if models.BY_KEY[x["model"]].task == task
                and models.BY_KEY[x["model"]].library != "optocom"
                and x["size"] == r["size"]
            ]
            if not peers:
                continue
            best = better(peers, key=lambda x: x["quality"][metric])
            mine, theirs = r["quality"][metric], best["quality"][metric]
            good = mine >= theirs if better is max else mine <= theirs
            lines.append(
                f"- Quality, {task} `{metric}` at {r['size']:,} (threads {e.threads}): optocom {mine:.4g}, "
                f"best peer {theirs:.4g} ({models.BY_KEY[best['model']].library} "
                f"{models.BY_KEY[best['model']].label}): {'at or above' if good else 'BELOW'}."
            )
    return "\n".join(lines) if lines else "_optocom was not measured in this run._"


def settings_section(run) -> str:
    seen, lines = set(), []
    for r in ok(run["results"]):
        if r["model"] in seen:
            continue
        seen.add(r["model"])
        e = models.BY_KEY[r["model"]]
        s = r["settings"]
        if r["model"].startswith("sklearn-rf-matched"):
            s = s.replace(
                f"min_samples_leaf={models.matched_min_samples_leaf(r['n_train'])}",
                "min_samples_leaf=max(5, round(sqrt(n_train / 2)))",
            )
        lines.append(f"- `{e.key}` ({e.library}, threads {e.threads}): `{s}`")
    return "\n".join(lines)


def render(run) -> str:
    v, m, cfg = run["versions"], run["machine"], run["config"]
    out = [
        "# Benchmarks: optocom against scikit-learn, causalml and EconML",
        "",
        f"Generated by `benches/peers/run.py` ({run['mode']} mode) on {run['started']}; the whole run took "
        f"{run['runtime_s'] / 60:.1f} min. Every number below comes from that one run: the same data for "
        "every library, each model measured in its own process.",
        "",
        "```sh",
        run["command"],
        "```",
        "",
        "## Summary",
        "",
        summary(run),
        "",
        "## Targets",
        "",
        targets(run),
        "",
    ]
    failed = [r for r in run["results"] if "error" in r]
    if failed:
        out += ["## Failed measurements", ""]
        for r in failed:
            out += [f"- `{r['model']}` at {r['size']:,}:", "", "```", r["error"], "```", ""]
    for task in models.TASKS:
        rs = [r for r in ok(run["results"]) if models.BY_KEY[r["model"]].task == task]
        if not rs:
            continue
        out += [
            f"## {TASK_TITLES[task]}",
            "",
            "Speed and memory:",
            "",
            table(SPEED_HEADER, speed_rows(rs)),
            "",
            "Quality on the test set, against the generator's truth:",
            "",
            quality_table(task, rs),
            "",
        ]
    out += [
        "## How it is measured",
        "",
        "- **Data**: "
        + run["data"]["generator"]["appointments"]
        + ". Doctors: "
        + run["data"]["generator"]["doctors"]
        + ". Generated once per size; every library reads the same files.",
        f"- **Process**: one subprocess per (model, size). Fit and predict times are medians of up to "
        f"{cfg['repeats']} runs (runs in brackets; fewer when a phase would exceed {cfg['budget']:.0f} s). "
        f"Single-row latency is the median of up to {cfg['latency_calls']} calls of the same predict call on one "
        f"test row (at most {cfg['latency_budget']:.0f} s of calls), after 3 warm-up calls; for the uplift models "
        "that call includes the interval where the model gives one.",
        "- **Memory**: *RSS after load* is the process's resident memory once the libraries are imported and the data "
        "loaded; *peak RSS* is the process's high-water mark (`VmHWM` of `/proc/self/status`) after fitting, "
        "predicting and the single-row calls, before the model is serialised. Their difference is the fit's and the "
        "model's own footprint. (`getrusage(RUSAGE_SELF).ru_maxrss` is not used: on Linux it survives `execve`, so a "
        "worker would inherit the parent's peak; it is kept in the raw JSON.)",
        "- **Model on disk**: bytes of `pickle.dumps(model, protocol=5)` for the peers; the file written by "
        "`model.save(path)` for optocom.",
        "- **Threads**: `1` rows set the model's `n_jobs=1` and `OMP_NUM_THREADS`, `MKL_NUM_THREADS`, "
        "`OPENBLAS_NUM_THREADS`, `RAYON_NUM_THREADS` to 1; `all` rows use `n_jobs=-1` (peers) or `n_jobs=None` "
        f"(optocom) with those variables unset, i.e. all {m['cores']} cores.",
        "- **Quality**: purchase: ROC AUC and Brier score of the predicted probability on the test outcomes, next to "
        "the same for the generator's true probability (the best any model can do). Spend: R² of the predicted "
        "amount against the actual test amounts and against the generator's expected amount. K-means: inertia "
        "(sum of squared distances to the nearest centre) on the training set, as reported by the model, and on "
        "the test set from its centres. Uplift: Qini and AUUC as causalml defines them (`causalml.metrics."
        "qini_score` / `auuc_score`, normalised, observed test outcomes), in brackets the same scores for the "
        "ranking by the true effect; RMSE of the estimated effect on the response probability against the "
        "generator's true conditional effect; share of test doctors whose 95% interval covers the true effect, "
        "and the mean interval width. causalml's uplift forest gives no intervals.",
        "",
        "### Settings",
        "",
        settings_section(run),
        "",
        "Why these settings: the *matched* scikit-learn forest copies optocom's defaults as far as scikit-learn "
        'allows (`max_features="sqrt"`, each tree on half the rows, leaves of at least max(5, sqrt(rows per '
        "tree)) rows). scikit-learn cannot subsample without replacement, so `bootstrap=True, max_samples=0.5` "
        "draws half the rows *with* replacement, and it splits on exact thresholds where optocom uses 255 "
        "histogram bins. The speed and size targets are taken against this forest; scikit-learn's own defaults "
        "(bootstrap of all rows, leaves of 1, fully grown trees) are shown too. EconML's causal forest is run "
        "with a random-forest outcome model and the constant propensity that a randomised campaign has (faster "
        "than, and as accurate as, its default `'auto'` nuisance model selection, which is shown too); its "
        "intervals are its default bootstrap of little bags, the method optocom uses. causalml's uplift forest "
        "keeps its own defaults apart from the tree count (300, as optocom's and EconML's forests).",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gb']:.0f} GB; {m['os']} (kernel {m['kernel']})"
        if m["memory_gb"]
        else f"- CPU: {m['cpu']}, {m['cores']} cores; {m['os']}",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
        f"- optocom in the data generator: {run['data'].get('optocom_version', v.get('optocom'))}",
        "",
    ]
    return "\n".join(out)


def summary(run) -> str:
    """The short ratio table for the README: optocom against its reference peer at the largest size."""
    ps = pairs(run["results"])
    if not ps:
        return "_optocom was not measured in this run; peers only._"
    best = {}
    for o, p in ps:
        k = (o["model"], p["model"])
        if k not in best or o["size"] > best[k][0]["size"]:
            best[k] = (o, p)
    rows = []
    for o, p in best.values():
        eo, ep = models.BY_KEY[o["model"]], models.BY_KEY[p["model"]]
        if eo.task == "uplift":
            speed = ratio(total_uplift_s(p) / total_uplift_s(o)) + " (fit + predict with CI)"
        else:
            fit, pred = med(p["fit_s"]) / med(o["fit_s"]), med(p["predict_s"]) / med(o["predict_s"])
            speed = f"{ratio(fit)} fit, {ratio(pred)} predict"
        rows.append(
            [
                eo.task,
                f"{o['size']:,} {TASK_UNITS[eo.task]}",
                eo.threads,
                f"{ep.library} {ep.label}",
                speed,
                ratio(p["model_bytes"] / o["model_bytes"]) if o["model_bytes"] else "-",
                ratio(p["peak_rss_mb"] / o["peak_rss_mb"]),
            ]
        )
    return table(["task", "size", "threads", "against", "optocom faster", "file smaller", "peak RSS smaller"], rows)
