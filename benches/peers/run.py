#!/usr/bin/env python3
"""optocom against scikit-learn, causalml and EconML, measured side by side in one run.

    python benches/peers/run.py --quick --out BENCHMARKS.md     # small sizes, a few minutes
    python benches/peers/run.py --out BENCHMARKS.md             # full sizes (about an hour)

Data come from optocom's own generators (one draw per size, shared by every library, saved
as files in a data directory). Each (model, size) is measured in its own subprocess
(worker.py) so its peak RSS is its own. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import datasets  # noqa: E402
import models  # noqa: E402
import quality  # noqa: E402
import report  # noqa: E402

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS")

MODES = {
    # sizes, fit/predict repeats, time budget per repeated phase (s), single-row calls, their budget (s)
    "quick": dict(
        appointments=[10_000], doctors=[5_000], repeats=3, budget=20.0, latency_calls=200, latency_budget=5.0
    ),
    "full": dict(
        appointments=[10_000, 100_000, 1_000_000],
        doctors=[5_000, 50_000],
        repeats=5,
        budget=120.0,
        latency_calls=1000,
        latency_budget=30.0,
    ),
}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and fewer repeats (under 5 minutes)")
    ap.add_argument("--out", default="BENCHMARKS.md", help="the Markdown report to write")
    ap.add_argument("--json", help="also write the raw measurements to this JSON file")
    ap.add_argument("--appointments", help="comma-separated appointment counts (overrides the mode)")
    ap.add_argument("--doctors", help="comma-separated doctor counts (overrides the mode)")
    ap.add_argument("--repeats", type=int, help="fit/predict repeats (overrides the mode)")
    ap.add_argument("--tasks", default=",".join(models.TASKS), help="subset of " + ",".join(models.TASKS))
    ap.add_argument(
        "--libraries", default="optocom,scikit-learn,causalml,econml", help="subset of libraries to measure"
    )
    ap.add_argument("--data-dir", help="keep the generated data here, or reuse it if already there")
    ap.add_argument("--render", metavar="JSON", help="only re-render --out from a --json file of an earlier run")
    return ap.parse_args(argv)


def ints(s: str) -> list[int]:
    return [int(v.replace("_", "")) for v in s.split(",") if v.strip()]


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("optocom", "numpy", "pandas", "scipy", "scikit-learn", "causalml", "econml", "joblib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo") as f:
            mem_gb = int(f.readline().split()[1]) / 1024**2
    except OSError:
        pass
    osname = platform.platform()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb, "os": osname, "kernel": platform.release()}


def make_data(root: str, appointments: list[int], doctors: list[int], tasks: set[str]) -> dict:
    """Generates every size once (or reuses what `root` already holds)."""
    meta_path = os.path.join(root, "meta.json")
    meta = datasets.read_meta(root) if os.path.exists(meta_path) else {"appointments": {}, "doctors": {}}
    need_appt = tasks & {"purchase", "spend", "kmeans"}
    missing = [n for n in appointments if need_appt and str(n) not in meta["appointments"]]
    missing += [n for n in doctors if "uplift" in tasks and str(n) not in meta["doctors"]]
    if missing:
        import optocom_adapter

        meta["optocom_version"] = optocom_adapter.version()
    for n in appointments if need_appt else []:
        if str(n) not in meta["appointments"]:
            t0 = time.perf_counter()
            facts = datasets.make_appointments(root, n)
            facts["generate_s"] = time.perf_counter() - t0
            meta["appointments"][str(n)] = facts
            print(f"  data: {n:,} appointments ({facts['generate_s']:.1f} s)", flush=True)
    for n in doctors if "uplift" in tasks else []:
        if str(n) not in meta["doctors"]:
            t0 = time.perf_counter()
            facts = datasets.make_doctors(root, n)
            facts["generate_s"] = time.perf_counter() - t0
            meta["doctors"][str(n)] = facts
            print(f"  data: {n:,} doctors ({facts['generate_s']:.1f} s)", flush=True)
    meta["generator"] = {
        "appointments": f"optocom.demo.appointments(n_past=round({datasets.TRAIN_SHARE} N), "
        f"n_upcoming=N - n_past, seed={datasets.APPOINTMENT_SEED}, truth=True); "
        f"train = past, test = upcoming; purchase = amount >= {datasets.THRESHOLD:g}",
        "doctors": f"optocom.demo.campaigns(n_doctors=N, n_campaigns=3, seed={datasets.CAMPAIGN_SEED}); "
        f"CampaignAnalytics(demo).uplift_table(campaign_id={datasets.CAMPAIGN_ID}), outcome `responded`; "
        f"random {round(100 * (1 - datasets.DOCTOR_TEST_SHARE))}/{round(100 * datasets.DOCTOR_TEST_SHARE)} "
        f"train/test split of the doctors (seed {datasets.SPLIT_SEED})",
    }
    datasets.write_meta(root, meta)
    return meta


def measure(entry: models.Entry, size: int, root: str, work: str, cfg: dict) -> dict:
    """Runs one worker process and returns its result (or the error)."""
    tag = f"{entry.key}_{size}"
    spec = {
        "model": entry.key,
        "size": size,
        "data_dir": root,
        "tmp_dir": work,
        "pred_path": os.path.join(work, tag + ".pred.npz"),
        "repeats": cfg["repeats"],
        "budget": cfg["budget"],
        "latency_calls": cfg["latency_calls"],
        "latency_budget": cfg["latency_budget"],
        "thread_vars": list(THREAD_VARS),
    }
    spec_path = os.path.join(work, tag + ".spec.json")
    result_path = os.path.join(work, tag + ".result.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    env = dict(os.environ)
    env["PYTHONWARNINGS"] = "ignore"
    for var in THREAD_VARS:
        env.pop(var, None)
        if entry.threads == "1":
            env[var] = "1"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "worker.py"), spec_path, result_path],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not os.path.exists(result_path):
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        return {"model": entry.key, "size": size, "error": f"exit {proc.returncode}: {tail}", "wall_s": wall}
    with open(result_path) as f:
        res = json.load(f)
    res["wall_s"] = wall
    return res


def attach_quality(results: list[dict], root: str) -> None:
    import numpy as np

    by_group: dict[tuple, list[dict]] = {}
    for r in results:
        if "error" in r:
            continue
        entry = models.BY_KEY[r["model"]]
        by_group.setdefault((entry.task, r["size"]), []).append(r)
    for (task, size), group in by_group.items():
        d = datasets.load(task, root, size)
        preds = {}
        for r in group:
            with np.load(r["pred_path"]) as z:
                preds[r["model"]] = {k: z[k] for k in z.files}
        if task == "uplift":
            q = quality.uplift(d, preds)
            for r in group:
                r["quality"] = q[r["model"]]
        else:
            fn = getattr(quality, task)
            for r in group:
                r["quality"] = fn(d, preds[r["model"]])
        mine = [r["model"] for r in group if models.BY_KEY[r["model"]].library == "optocom"]
        try:
            se = quality.paired_se(task, d, preds, mine)
        except Exception as e:  # e.g. a resample with one class at a tiny size: the run keeps its measurements
            print(f"  {task} {size:,}: no bootstrap standard errors ({type(e).__name__}: {e})", flush=True)
            se = {}
        for r in group:
            if r["model"] in se:
                r["quality"]["paired_se"] = se[r["model"]]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        with open(args.render) as f:
            run = json.load(f)
        with open(args.out, "w") as f:
            f.write(report.render(run))
        print(report.summary(run))
        return 0
    mode = "quick" if args.quick else "full"
    cfg = dict(MODES[mode])
    if args.appointments:
        cfg["appointments"] = ints(args.appointments)
    if args.doctors:
        cfg["doctors"] = ints(args.doctors)
    if args.repeats:
        cfg["repeats"] = args.repeats
    tasks = {t.strip() for t in args.tasks.split(",") if t.strip()}
    libraries = {x.strip() for x in args.libraries.split(",") if x.strip()}
    unknown = (tasks - set(models.TASKS)) | (libraries - {e.library for e in models.REGISTRY})
    if unknown:
        print(f"unknown task or library: {sorted(unknown)}", file=sys.stderr)
        return 2

    started = time.time()
    t_run = time.perf_counter()
    work = tempfile.mkdtemp(prefix="optocom-peers-")
    root = args.data_dir or os.path.join(work, "data")
    os.makedirs(root, exist_ok=True)
    print(f"optocom peer benchmark, {mode} mode; data in {root}", flush=True)
    meta = make_data(root, cfg["appointments"], cfg["doctors"], tasks)

    results = []
    for task in models.TASKS:
        if task not in tasks:
            continue
        sizes = cfg["doctors"] if task == "uplift" else cfg["appointments"]
        for size in sizes:
            for entry in models.REGISTRY:
                if entry.task != task or entry.library not in libraries:
                    continue
                res = measure(entry, size, root, work, cfg)
                results.append(res)
                if "error" in res:
                    print(
                        f"  {task:8s} {size:>9,} {entry.key:24s} FAILED ({res['wall_s']:.1f} s)\n{res['error']}",
                        flush=True,
                    )
                else:
                    fit = sorted(res["fit_s"])[len(res["fit_s"]) // 2]
                    print(
                        f"  {task:8s} {size:>9,} {entry.key:24s} fit {fit:8.3f} s  "
                        f"peak {res['peak_rss_mb']:7.0f} MB  ({res['wall_s']:.1f} s)",
                        flush=True,
                    )

    attach_quality(results, root)
    command = "python benches/peers/run.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else list(argv))
    )
    run = {
        "mode": mode,
        "config": cfg,
        "tasks": sorted(tasks),
        "libraries": sorted(libraries),
        "command": command,
        "started": time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(started)),
        "runtime_s": time.perf_counter() - t_run,
        "machine": machine(),
        "versions": versions(),
        "data": meta,
        "results": results,
    }
    text = report.render(run)
    with open(args.out, "w") as f:
        f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(run, f, indent=1, default=float)
    shutil.rmtree(work, ignore_errors=True)
    print(f"\nwrote {args.out} in {run['runtime_s']:.0f} s\n")
    print(report.summary(run))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
