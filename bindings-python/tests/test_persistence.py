"""Persistence through the one artifact format: save/load, to_json/from_json and pickle give
the same predictions bit for bit; the committed golden fixtures (shared with the Rust, Node
and WASM suites) load and reproduce their recorded outputs exactly; artifact text written
here is read back by the compiled core unchanged."""

from __future__ import annotations

import contextlib
import csv
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, logistic_data

import optocom
from optocom import _optocom


def _fitted():
    data = logistic_data(400, seed=31)
    cols = [f"f{i}" for i in range(data.X.shape[1])]
    df = pd.DataFrame(data.X, columns=cols)
    t = (np.arange(len(data.y)) % 2).astype(int)
    return {
        "classifier-int": optocom.RandomForestClassifier(n_estimators=8, random_state=1).fit(data.X, data.y),
        "classifier-str": optocom.RandomForestClassifier(
            n_estimators=8, random_state=1, criterion="entropy", max_depth=5
        ).fit(df, np.where(data.y == 1, "buy", "skip")),
        "classifier-bool": optocom.RandomForestClassifier(n_estimators=8, random_state=1).fit(data.X, data.y == 1),
        "classifier-3": optocom.RandomForestClassifier(
            n_estimators=8, random_state=1, bootstrap=True, max_samples=None, min_samples_leaf=3
        ).fit(data.X, np.digitize(data.p, [0.33, 0.66]) * 10),
        "regressor": optocom.RandomForestRegressor(
            n_estimators=8, random_state=2, max_features=0.5, oob_score=True
        ).fit(df, data.p),
        "uplift": optocom.UpliftForest(n_estimators=10, random_state=3).fit(df, t, data.y),
    }


NAMES = ["classifier-int", "classifier-str", "classifier-bool", "classifier-3", "regressor", "uplift"]
X_NEW = logistic_data(50, seed=32).X


@pytest.fixture(scope="module")
def fitted():
    models = _fitted()
    assert sorted(models) == sorted(NAMES)
    return models


def _outputs(est):
    if isinstance(est, optocom.UpliftForest):
        return np.concatenate(est.predict(X_NEW, return_ci=True))
    if isinstance(est, optocom.RandomForestClassifier):
        return est.predict_proba(X_NEW)
    return est.predict(X_NEW)


def _same_model(a, b):
    assert type(a) is type(b)
    with _quiet():
        assert _outputs(a).tobytes() == _outputs(b).tobytes()
    assert a.n_features_in_ == b.n_features_in_
    assert hasattr(a, "feature_names_in_") == hasattr(b, "feature_names_in_")
    if hasattr(a, "feature_names_in_"):
        assert list(a.feature_names_in_) == list(b.feature_names_in_)
    if hasattr(a, "classes_"):
        assert np.array_equal(a.classes_, b.classes_) and a.classes_.dtype.kind == b.classes_.dtype.kind
        with _quiet():
            assert np.array_equal(a.predict(X_NEW), b.predict(X_NEW))
    assert a.feature_importances_.tobytes() == b.feature_importances_.tobytes()


@contextlib.contextmanager
def _quiet():
    """Predicting on an array with a model fitted on a DataFrame warns; not the point here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize("name", NAMES)
def test_save_and_load(fitted, name, tmp_path):
    est = fitted[name]
    path = tmp_path / "model.json"
    est.save(path)
    loaded = optocom.load(path)
    _same_model(est, loaded)
    assert optocom.load(str(path)).get_params() == loaded.get_params()
    assert path.read_text(encoding="utf-8") == est.to_json()
    # the class's own load gives the same estimator, and refuses another kind
    by_class = type(est).load(path)
    _same_model(est, by_class)
    assert by_class.get_params() == loaded.get_params()
    other = optocom.LinearRegression if not isinstance(est, optocom.LinearRegression) else optocom.KMeans
    with pytest.raises(optocom.InvalidArtifactError, match="expected a"):
        other.load(path)


@pytest.mark.parametrize("name", NAMES)
def test_to_json_from_json(fitted, name):
    est = fitted[name]
    text = est.to_json()
    assert text == est.to_json()  # deterministic
    for back in (type(est).from_json(text), optocom.from_json(text)):
        _same_model(est, back)
        assert back.to_json() == text  # byte-identical round trip
        # Core parameters survive (random_state was an int, n_jobs None).
        core = {k: v for k, v in est.get_params().items() if k not in ("control_name", "outcome")}
        assert {k: back.get_params()[k] for k in core} == core


@pytest.mark.parametrize("name", NAMES)
def test_pickle_goes_through_the_artifact(fitted, name):
    est = fitted[name]
    state = est.__getstate__()
    assert state["_artifact"] == est.to_json()
    assert not any(type(v).__module__ == "optocom._optocom" for v in state.values())
    back = pickle.loads(pickle.dumps(est))
    _same_model(est, back)
    assert back.get_params() == est.get_params()  # pickle keeps Python-only params too


@pytest.mark.parametrize("cls", [optocom.RandomForestClassifier, optocom.RandomForestRegressor, optocom.UpliftForest])
def test_pickle_unfitted(cls):
    est = cls(n_estimators=12, random_state=4)
    back = pickle.loads(pickle.dumps(est))
    assert back.get_params() == est.get_params()
    with pytest.raises(optocom.NotFittedError):
        back.predict(X_NEW)


def test_random_state_none_is_saved_as_the_seed_drawn(tmp_path):
    data = logistic_data(200, seed=33)
    np.random.seed(7)
    est = optocom.RandomForestRegressor(n_estimators=4).fit(data.X, data.p)
    seed = optocom.from_json(est.to_json()).random_state
    assert isinstance(seed, int)
    again = optocom.RandomForestRegressor(n_estimators=4, random_state=seed).fit(data.X, data.p)
    assert again.predict(X_NEW).tobytes() == est.predict(X_NEW).tobytes()


def test_envelope_is_the_documented_format(fitted, tmp_path):
    est = fitted["regressor"]
    env = json.loads(est.to_json())
    assert env["format"] == "optocom-model"
    assert env["format_version"].split(".")[0] == "1"
    assert env["kind"] == "random_forest_regressor"
    assert env["params"]["n_trees"] == 8 and env["params"]["seed"] == 2  # core names
    assert [f["name"] for f in env["feature_schema"]["features"]] == list(est.feature_names_in_)
    assert env["info"]["n_rows"] == 400 and env["info"]["n_features"] == 6
    path = tmp_path / "m.json"
    est.save(path)
    status = optocom.model_status(path)
    assert status["kind"] == "random_forest_regressor"
    assert status["format_version"] == env["format_version"]
    assert status["info"] == env["info"] and status["params"] == env["params"]
    assert status["path"] == str(path)


def test_kinds_load_as_their_estimators(fitted):
    kinds = {
        "classifier-int": ("random_forest_classifier", optocom.RandomForestClassifier),
        "regressor": ("random_forest_regressor", optocom.RandomForestRegressor),
        "uplift": ("uplift_forest", optocom.UpliftForest),
    }
    for name, (kind, cls) in kinds.items():
        text = fitted[name].to_json()
        assert json.loads(text)["kind"] == kind
        assert type(optocom.from_json(text)) is cls


def test_python_artifact_text_is_read_by_the_compiled_core(fitted):
    # The text a Python user saves is exactly what the core's reader gets: the compiled
    # model read from it predicts the same bits without the Python wrapper in between.
    for name in ("classifier-int", "regressor", "uplift"):
        est = fitted[name]
        core = _optocom.model_from_json(est.to_json())
        X = np.ascontiguousarray(X_NEW)
        with _quiet():
            if name == "uplift":
                got, want = core.predict(X)[0], est.predict(X_NEW)
            elif name == "regressor":
                got, want = core.predict(X), est.predict(X_NEW)
            else:
                got, want = core.predict_proba(X), est.predict_proba(X_NEW)
        assert got.tobytes() == want.tobytes(), name


# -- golden fixtures (shared with every runtime) ---------------------------------------------


def _csv(name):
    with open(FIXTURES / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _golden_uplift_inputs(model, expected_name="golden_uplift_expected.csv"):
    """The golden doctors encoded like the core's ``encode_doctors``: numeric tenure,
    baseline and pre-period Rx, then one-hot ``specialty=``/``province=`` levels, in the
    model's feature order (see core/tests/it/golden.rs)."""
    doctors = {int(r["doctor_id"]): r for r in _csv("golden_doctors.csv")}
    expected = _csv(expected_name)
    rows = []
    for e in expected:
        d = doctors[int(e["doctor_id"])]
        row = []
        for name in model.feature_names_in_:
            if name in ("tenure_years", "baseline_rx"):
                row.append(float(d[name]))
            elif name == "pre_rx_mean":
                row.append(float(e["pre_rx_mean"]))
            else:
                source, level = name.split("=", 1)
                row.append(1.0 if d[source] == level else 0.0)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(model.feature_names_in_)), expected


@pytest.mark.parametrize(
    "model_name, expected_name",
    [
        ("golden_uplift_forest.json", "golden_uplift_expected.csv"),
        # saved when each leaf held its difference in means: still loads, same predictions
        ("golden_uplift_forest_v0_1.json", "golden_uplift_v0_1_expected.csv"),
        # saved before the local-linear correction: still loads, same predictions
        ("golden_uplift_forest_v0_2.json", "golden_uplift_v0_2_expected.csv"),
    ],
)
def test_golden_uplift_forest_reproduces_recorded_effects(model_name, expected_name):
    model = optocom.load(FIXTURES / model_name)
    assert isinstance(model, optocom.UpliftForest)
    # The params say how the forest was fitted: the old ones had no correction.
    old = model_name != "golden_uplift_forest.json"
    assert model.get_params()["linear_correction"] == ("off" if old else "auto")
    assert (len(model.linear_columns_) == 0) == old
    X, expected = _golden_uplift_inputs(model, expected_name)
    assert len(X) == 600 and model.n_features_in_ == 23
    effect = model.predict(X)
    std = model.predict_std(X)
    want_effect = np.array([float(e["effect"]) for e in expected])
    want_std = np.array([float(e["std_error"]) for e in expected])
    mismatched = np.flatnonzero(effect.view(np.uint64) != want_effect.view(np.uint64))
    assert mismatched.size == 0, f"effects differ at doctors {mismatched[:5]}"
    assert std.tobytes() == want_std.tobytes()
    # The interval is built from the same numbers.
    e, lo, hi = model.predict(X, return_ci=True, alpha=0.1)
    assert e.tobytes() == want_effect.tobytes()
    assert np.all(lo <= e) and np.all(e <= hi)


@pytest.mark.parametrize(
    "name",
    [
        "golden_uplift_forest.json",
        "golden_purchase_forecaster.json",
        "golden_segmentation.json",
    ],
)
def test_golden_artifacts_round_trip_byte_for_byte(name):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    model = _optocom.model_from_json(text)
    assert model.to_json() == text.rstrip("\n")
    assert optocom.model_status(FIXTURES / name)["kind"] == json.loads(text)["kind"]


def test_golden_recommender_loads_as_a_recommender():
    # (bit-exact recommendations are checked in test_recommender.py)
    rec = optocom.load(FIXTURES / "golden_recommender.json")
    assert isinstance(rec, optocom.Recommender) and rec.n_doctors > 0


def test_loaded_golden_model_saves_the_same_file(tmp_path):
    model = optocom.load(FIXTURES / "golden_uplift_forest.json")
    model.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text(encoding="utf-8").rstrip("\n") == (
        FIXTURES / "golden_uplift_forest.json"
    ).read_text(encoding="utf-8").rstrip("\n")


def test_all_cores_is_saved_without_this_machines_core_count():
    data = logistic_data(200, seed=34)
    est = optocom.RandomForestRegressor(n_estimators=4, random_state=0, n_jobs=-1).fit(data.X, data.p)
    assert json.loads(est.to_json())["params"]["n_jobs"] is None
    assert optocom.from_json(est.to_json()).n_jobs is None  # None and -1 both mean all cores
    two = optocom.RandomForestRegressor(n_estimators=4, random_state=0, n_jobs=2).fit(data.X, data.p)
    assert json.loads(two.to_json())["params"]["n_jobs"] == 2
