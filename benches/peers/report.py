"""Renders a run (run.py's dict) as BENCHMARKS.md, and the short summary for the README."""

from __future__ import annotations

import statistics

import models
import quality

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
        if entry.library != "optocom" or not entry.speed_ratios:
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
            "AUC vs true p (of true p)",
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
                    f"{q['auc_expected']:.4f} ({q['auc_expected_true']:.4f})" if "auc_expected" in q else "-",
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
            "AUUC vs true effect (oracle)",
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
                    f"{q['auuc_true']:.4f} ({q['auuc_true_oracle']:.4f})" if "auuc_true" in q else "-",
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


# Quality columns compared with every peer: (task, metric, direction, label, basis). The basis
# says what a column is measured against: "truth" (the generator's known truth, no outcome
# noise: the quality bar), "observed" (one draw of test outcomes: reported with the paired
# bootstrap standard error of the difference), "data" (the same data for every model) or "model"
# (a property of the model's intervals). Coverage counts as at or above a peer when it is at least
# the peer's or at least the nominal 95%.
QUALITY_COLUMNS = (
    ("purchase", "auc", "max", "AUC", "observed"),
    ("purchase", "auc_expected", "max", "AUC vs true p", "truth"),
    ("purchase", "brier", "min", "Brier", "observed"),
    ("purchase", "rmse_p", "min", "RMSE vs true p", "truth"),
    ("spend", "r2_actual", "max", "R² vs actual amount", "observed"),
    ("spend", "r2_expected", "max", "R² vs true expected amount", "truth"),
    ("kmeans", "inertia_train", "min", "inertia (train)", "data"),
    ("kmeans", "inertia_test", "min", "inertia (test)", "data"),
    ("uplift", "qini", "max", "Qini", "observed"),
    ("uplift", "auuc", "max", "AUUC", "observed"),
    ("uplift", "auuc_true", "max", "AUUC vs true effect", "truth"),
    ("uplift", "rmse_tau", "min", "RMSE vs true effect", "truth"),
    ("uplift", "coverage", "coverage", "coverage of true effect", "truth"),
    ("uplift", "width", "min", "mean interval width", "model"),
)
BASIS_LABEL = {"truth": "truth", "observed": "observed outcomes", "data": "same data", "model": "the model"}
NOMINAL_COVERAGE = 0.95


def _speed(p, o, phase):
    return med(p[phase]) / med(o[phase])


def _met(ok_: bool) -> str:
    return "met" if ok_ else "**NOT met**"


def target_rows(run) -> list[list[str]]:
    """One row per target the issues set: (target, reference, measured, status)."""
    results, rows = run["results"], []
    tasks = run["tasks"]
    appt = max(run["config"]["appointments"]) if "purchase" in tasks else None
    if appt is not None:
        o = find(results, "optocom-rf-all", appt)
        p = find(results, "sklearn-rf-defaults-all", appt)
        at = f"{round(appt * 0.8):,} training rows"
        if o and p:
            ref = "scikit-learn `RandomForestClassifier(n_estimators=100, n_jobs=-1)`, both on all cores"
            f, pr = _speed(p, o, "fit_s"), _speed(p, o, "predict_s")
            rows.append([f"forest fit >= 20x faster ({at})", ref, ratio(f), _met(f >= 20)])
            rows.append([f"forest predict >= 50x faster ({at})", ref, ratio(pr), _met(pr >= 50)])
            s = p["model_bytes"] / o["model_bytes"]
            rows.append(
                [
                    f"model file <= 1/50 of scikit-learn's pickle ({at})",
                    ref,
                    f"{nbytes(o['model_bytes'])} vs {nbytes(p['model_bytes'])} (1/{s:.0f})",
                    _met(s >= 50),
                ]
            )
        if o:
            lat = med(o["latency_s"])
            rows.append([f"one-row predict <= 10 µs ({at})", "absolute, through the Python wheel", secs(lat), _met(lat <= 10e-6)])
            rows.append(
                [f"model file <= 60 MB ({at})", "absolute", nbytes(o["model_bytes"]), _met(o["model_bytes"] <= 60 * 1024**2)]
            )
        for threads in ("1", "all"):
            o, p = find(results, f"optocom-rf-{threads}", appt), find(results, f"sklearn-rf-matched-{threads}", appt)
            if o and p:
                rows.append(
                    [
                        f"(not a target) forest vs matched settings, threads {threads} ({at})",
                        "scikit-learn forest with optocom's settings (below)",
                        f"fit {ratio(_speed(p, o, 'fit_s'))}, predict {ratio(_speed(p, o, 'predict_s'))}, "
                        f"file 1/{p['model_bytes'] / o['model_bytes']:.1f}",
                        "-",
                    ]
                )
        if appt < 1_000_000:
            rows.append(["(the forest targets are set at 800,000 training rows)", "", f"largest here: {at}", "-"])
    if "spend" in tasks and appt is not None:
        for key in ("optocom-linreg", "optocom-forecaster"):
            o, p = find(results, key, appt), find(results, "sklearn-linreg", appt)
            if o and p and "quality" in o and "quality" in p:
                a, b = o["quality"]["r2_actual"], p["quality"]["r2_actual"]
                rows.append(
                    [
                        f"spend R² not below scikit-learn's ({models.BY_KEY[key].label}, {appt:,} appointments)",
                        "StandardScaler + LinearRegression, R² vs actual test amounts",
                        f"{a:.4f} vs {b:.4f}",
                        _met(a >= b),
                    ]
                )
    doc = max(run["config"]["doctors"]) if "uplift" in tasks else None
    if doc is not None:
        o = find(results, "optocom-uplift", doc)
        at = f"{doc:,} doctors"
        for key, need, label in (
            ("econml-cf-auto", 20, ">= 20x faster than EconML CausalForestDML (its defaults)"),
            ("econml-cf", None, "(not a target) vs CausalForestDML with RF nuisance"),
            ("causalml-urf", 1, "faster than causalml's uplift forest (which gives no intervals)"),
        ):
            p = find(results, key, doc)
            if o and p:
                x = total_uplift_s(p) / total_uplift_s(o)
                rows.append(
                    [
                        f"uplift fit + predict with intervals {label} ({at})",
                        f"{models.BY_KEY[key].library} {models.BY_KEY[key].label}, fit + predict",
                        ratio(x),
                        _met(x > need) if need == 1 else (_met(x >= need) if need else "-"),
                    ]
                )
        if o and "quality" in o:
            q = o["quality"]
            rows.append([f"95% intervals cover >= 93% of true effects ({at})", "generator's truth", pct(q.get("coverage")), _met(q.get("coverage", 0) >= 0.93)])
            for key in ("econml-cf-auto", "econml-cf"):
                p = find(results, key, doc)
                if p and "quality" in p and "width" in p["quality"]:
                    w, pw = q["width"], p["quality"]["width"]
                    rows.append(
                        [
                            f"mean interval width not above EconML's ({at})",
                            f"econml {models.BY_KEY[key].label}",
                            f"{w:.3f} vs {pw:.3f}",
                            _met(w <= pw),
                        ]
                    )
            p = find(results, "causalml-urf", doc)
            if p and "quality" in p:
                rows.append(
                    [
                        f"Qini at least causalml's ({at})",
                        "causalml UpliftRandomForestClassifier",
                        f"{q['qini']:.4f} vs {p['quality']['qini']:.4f}",
                        _met(q["qini"] >= p["quality"]["qini"]),
                    ]
                )
        if doc < 50_000:
            rows.append(["(the uplift targets are set at 50,000 doctors)", "", f"largest here: {at}", "-"])
    return rows


def quality_verdicts(run) -> list[dict]:
    """optocom against the best peer on every quality column, task, size and thread setting:
    one dict per comparison with its table `cells`, `basis`, `good` (at or above), `tie` (equal
    up to rounding), its `key`
    (the same for rows that differ only in thread setting and give the same values), and the
    difference from the best peer `diff` with its paired bootstrap standard error `se` over the
    test rows (quality.paired_se; None where the run has none)."""
    rows = []
    results = ok(run["results"])
    for task, metric, direction, label, basis in QUALITY_COLUMNS:
        for r in results:
            e = models.BY_KEY[r["model"]]
            if e.task != task or e.library != "optocom" or metric not in r.get("quality", {}):
                continue
            peers = [
                x
                for x in results
                if models.BY_KEY[x["model"]].task == task
                and models.BY_KEY[x["model"]].library != "optocom"
                and x["size"] == r["size"]
                and metric in x.get("quality", {})
            ]
            if not peers:
                continue
            mine = r["quality"][metric]
            tie = False
            if direction == "coverage":
                best = max(peers, key=lambda x: x["quality"][metric])
                good = mine >= min(best["quality"][metric], NOMINAL_COVERAGE)
                fmt = pct
            else:
                pick = max if direction == "max" else min
                best = pick(peers, key=lambda x: x["quality"][metric])
                theirs = best["quality"][metric]
                # Equal up to rounding (e.g. the same least-squares solution) counts as at or above.
                tie = abs(mine - theirs) <= 1e-9 * max(abs(mine), abs(theirs), 1e-300)
                good = tie or (mine >= theirs if direction == "max" else mine <= theirs)
                fmt = (lambda v: f"{v:,.0f}") if metric.startswith("inertia") else (lambda v: f"{v:.4f}")
            se = r["quality"].get("paired_se", {}).get(best["model"], {}).get(metric)
            diff = mine - best["quality"][metric]
            cells = [
                task,
                f"{r['size']:,}",
                e.threads,
                f"{e.label}: {label}",
                BASIS_LABEL[basis],
                fmt(mine),
                f"{fmt(best['quality'][metric])} ({models.BY_KEY[best['model']].library} {models.BY_KEY[best['model']].label})",
                f"{diff:+.4f} ({se:.4f})" if se is not None else "-",
                "at or above" if good else "**below**",
            ]
            key = (task, r["size"], metric, mine, best["quality"][metric])
            rows.append({"cells": cells, "basis": basis, "good": good, "tie": tie, "diff": diff, "se": se, "key": key})
    return rows


VERDICT_HEADER = [
    "task",
    "size",
    "threads",
    "optocom model: column",
    "measured against",
    "optocom",
    "best peer",
    "difference (bootstrap s.e.)",
    "verdict",
]


def verdict_tally(q: list[dict]) -> str:
    """How many distinct comparisons are at or above, overall and on the truth columns, and how
    far behind the observed-outcome ones below are, in standard errors of the difference. Rows
    that differ only in thread setting with the same values (optocom's forest predicts the
    same bits on one thread and on all) count once."""
    distinct = list({v["key"]: v for v in q}.values())
    truth = [v for v in distinct if v["basis"] == "truth"]
    text = (
        f"On this draw {sum(v['good'] for v in distinct)} of {len(distinct)} distinct comparisons are at or "
        f"above the best peer ({len(q)} rows: the one-thread and all-core forests give the same values); on the "
        f"columns measured against the generator's truth (the quality bar) {sum(v['good'] for v in truth)} "
        f"of {len(truth)}."
    )
    ties = [v for v in distinct if v["tie"]]
    if ties:
        text += f" {len(ties)} of the {len(distinct)} are ties (the same value as the peer's, e.g. the same least-squares fit)."
    behind = [v for v in distinct if not v["good"]]
    if behind:
        kinds = sorted({BASIS_LABEL[v["basis"]] for v in behind})
        text += f" The {len(behind)} below are on {' and '.join(kinds)}"
        if all(v["se"] for v in behind):
            z = max(abs(v["diff"]) / v["se"] for v in behind)
            text += f", each behind by at most {z:.1f} bootstrap standard errors of the difference"
        text += "."
    return text


def targets(run) -> str:
    rows = target_rows(run)
    out = []
    if rows:
        out += [table(["target (from the issues)", "against", "measured", "status"], rows), ""]
    q = quality_verdicts(run)
    if q:
        text = (
            "Quality, optocom against the best peer on each quality column. " + verdict_tally(q) + " Coverage "
            f"counts as at or above when it reaches the peer's or the nominal {NOMINAL_COVERAGE:.0%}. *Truth*: "
            "scored against the generator's true probability, expected amount or effect (no outcome noise); "
            "*observed outcomes*: scored on one draw of test outcomes."
        )
        if any(v["se"] is not None for v in q):
            text += (
                " In brackets: the standard error of optocom minus the peer from a paired bootstrap of the test "
                f"rows ({quality.BOOTSTRAP_REPS} resamples). It covers the test sample and its outcomes, not a "
                "new training draw; REPLICATES.md repeats whole draws for the uplift forest (both EconML set-ups, "
                "5k and 50k doctors) and the purchase forest (matched scikit-learn forest, 10k appointments)."
            )
        out += [text, "", table(VERDICT_HEADER, [v["cells"] for v in q])]
    return "\n".join(out) if out else "_optocom was not measured in this run._"


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
        "the same for the generator's true probability (the best any model can do), and the AUC against the true "
        "probability: every pair of test appointments counts with the probability that the first buys and the "
        "second does not (`quality.expected_auc`), the AUC's limit over redrawn outcomes. Spend: R² of the "
        "predicted amount against the actual test amounts and against the generator's expected amount. K-means: "
        "inertia (sum of squared distances to the nearest centre) on the training set, as reported by the model, "
        "and on the test set from its centres. Uplift: Qini and AUUC as causalml defines them (`causalml.metrics."
        "qini_score` / `auuc_score`, normalised, observed test outcomes), in brackets the same scores for the "
        "ranking by the true effect; AUUC against the true effect (`auuc_score` with the true effect as "
        "`treatment_effect_col`: the cumulative gain adds up the true effects of the doctors ranked first); RMSE of "
        "the estimated effect on the response probability against the generator's true conditional effect; share "
        "of test doctors whose 95% interval covers the true effect, and the mean interval width. causalml's "
        "uplift forest gives no intervals.",
        "- **Truth and noise**: the columns scored against the generator's truth (AUC vs true p, RMSE vs true p, "
        "R² vs true expected amount, AUUC vs true effect, RMSE vs true effect, coverage) carry no outcome noise; "
        "they are the quality bar (the standards measure quality bars against the generators' known truth). "
        "The columns scored on observed test outcomes (AUC, Brier, R² vs actual amount, Qini, AUUC) also carry "
        "the noise of one draw of outcomes. Every optocom - peer difference that depends on the test rows gets "
        f"the standard error of a paired bootstrap of those rows ({quality.BOOTSTRAP_REPS} resamples; "
        "`quality.paired_se`); it does not cover a new training draw. `benches/peers/replicates.py` "
        "(REPLICATES.md) repeats whole draws for the uplift forest against both EconML set-ups (5k and 50k "
        "doctors) and the purchase forest against the matched scikit-learn forest (10k appointments).",
        "",
        "### Settings",
        "",
        settings_section(run),
        "",
        "Why these settings: the *matched* scikit-learn forest copies optocom's defaults as far as scikit-learn "
        'allows (`max_features="sqrt"`, each tree on half the rows, leaves of at least max(5, sqrt(rows per '
        "tree)) rows). scikit-learn cannot subsample without replacement, so `bootstrap=True, max_samples=0.5` "
        "draws half the rows *with* replacement, and it splits on exact thresholds where optocom uses 255 "
        "histogram bins. This is the like-for-like comparison of the two engines. The issues' speed and size "
        "targets are set against scikit-learn's own defaults (`RandomForestClassifier(n_estimators=100, "
        "n_jobs=-1)`: bootstrap of all rows, leaves of 1, fully grown trees), the forest the seed system "
        "ships, which is what a user switching to optocom replaces; both are shown. EconML's causal forest "
        "runs with its defaults (`'auto'` nuisance model selection; the uplift speed target is set against it) "
        "and with a random-forest outcome model and the constant propensity that a randomised campaign has "
        "(faster, and as accurate); its intervals are its default bootstrap of little bags, the method "
        "optocom uses. causalml's uplift forest "
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
