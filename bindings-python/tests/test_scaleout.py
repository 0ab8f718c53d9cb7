"""Scoring inside a distributed engine (Dask): ``examples/python/dask_scoring.py`` scores a
Dask DataFrame with ``map_partitions`` and a broadcast model, and the result must equal
single-process ``model.predict`` on the same rows exactly, under every scheduler."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import optocom
from _domain_helpers import EXAMPLES, env_with_package, period_key

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

SCRIPT = EXAMPLES / "python" / "dask_scoring.py"


@pytest.fixture(scope="module")
def example():
    """The example as an importable module: Dask hashes the task function by its module
    and worker processes import it by name (``sys.path`` is passed on to them)."""
    path = str(SCRIPT.parent)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("dask_scoring")


@pytest.fixture(scope="module")
def data():
    past, up = optocom.demo.appointments(n_past=3000, n_upcoming=5000, seed=21, upcoming_days=120)
    model = optocom.PurchaseForecaster(random_state=3).fit(past)
    return model, up


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_map_partitions_scores_equal_single_process_predict(example, data, scheduler):
    model, up = data
    ddf = dd.from_pandas(up, npartitions=7)
    lazy = example.score(ddf, model)
    assert lazy.npartitions == 7
    got = lazy.compute(scheduler=scheduler)
    expected = model.predict(up)
    assert len(got) == len(up)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)  # bit for bit


def test_the_model_is_broadcast_once_not_copied_per_partition(example, data):
    model, up = data
    lazy = example.score(dd.from_pandas(up, npartitions=5), model)
    graph = dict(lazy.__dask_graph__())
    artifact = model.to_json()
    holders = [k for k, v in graph.items() if artifact in repr(v)]
    # one node holds the artifact; the 5 scoring tasks refer to it by key
    assert len(holders) == 1
    assert len(graph) == 2 * 5 + 1  # 5 input partitions, 5 scoring tasks, 1 model
    scoring = [v for k, v in graph.items() if "score_partition" in str(k)]
    assert len(scoring) == 5
    deps = [getattr(t, "dependencies", None) for t in scoring]
    if all(d is not None for d in deps):
        assert all(holders[0] in d for d in deps)


def test_processes_scheduler_ships_the_artifact_to_other_processes(example, data):
    """Separate worker processes rebuild the model from the artifact (no shared memory)."""
    model, up = data
    part = up.iloc[:1500]
    got = example.score(dd.from_pandas(part, npartitions=2), model).compute(scheduler="processes")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), model.predict(part))


def test_empty_partitions_keep_the_schema(example, data):
    model, up = data
    ddf = dd.from_pandas(up, npartitions=6)
    # only the first partition has rows left after this filter
    first_rows = up["appointment_date"] <= up["appointment_date"].iloc[len(up) // 8]
    filtered = ddf[ddf["appointment_date"] <= up["appointment_date"].iloc[len(up) // 8]]
    got = example.score(filtered, model).compute(scheduler="sync")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), model.predict(up[first_rows]))
    assert list(got.columns) == list(model.predict(up.head(1)).columns)


def test_pickled_estimator_broadcast_also_works(data):
    """The other way to ship the model: the estimator itself (pickling goes through the
    same artifact JSON)."""
    model, up = data
    assert pickle.loads(pickle.dumps(model)).to_json() == model.to_json()
    meta = model.predict(up.head(1)).iloc[:0]
    shared = dask.delayed(model, pure=True)
    got = dd.from_pandas(up, npartitions=4).map_partitions(
        lambda part, m: m.predict(part), shared, meta=meta).compute(scheduler="threads")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), model.predict(up))


def test_distributed_weekly_totals_match_the_forecast(example, data):
    model, up = data
    scored = example.score(dd.from_pandas(up, npartitions=4), model)
    scored = scored.assign(week=scored["appointment_date"].map_partitions(period_key, "W"))
    weekly = scored.groupby("week")["expected_revenue"].sum().compute(scheduler="threads")
    f = model.forecast(up, freq="W").set_index("period_start")
    np.testing.assert_allclose(weekly.sort_index().to_numpy(),
                               f.loc[weekly.sort_index().index, "expected_revenue"].to_numpy(),
                               rtol=1e-10)
    assert f["appointments"].sum() == len(up)


def test_example_script_runs(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--rows", "20000", "--partitions", "4"],
                         capture_output=True, text=True, cwd=tmp_path, env=env_with_package(),
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Scored 20000 appointments in 4 partitions" in out.stdout
    assert "Identical to model.predict on one machine: True" in out.stdout
