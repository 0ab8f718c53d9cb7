"""Errors: one ``optocom.OptocomError`` subclass per core error category, each also the
built-in exception callers expect, raised by real triggers with their structured attributes;
and no Rust panic ever reaching Python."""

from __future__ import annotations

import base64
import errno
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, write_xlsx

import optocom
from optocom import exceptions

# class -> the built-in exception it must also be (callers' existing `except` clauses).
BUILTIN_BASE = {
    "InvalidParameterError": ValueError,
    "InvalidValueError": ValueError,
    "MissingColumnError": ValueError,
    "DuplicateColumnError": ValueError,
    "EmptyInputError": ValueError,
    "DegenerateTargetError": ValueError,
    "ShapeMismatchError": ValueError,
    "SchemaMismatchError": ValueError,
    "UnsupportedVersionError": ValueError,
    "InvalidArtifactError": ValueError,
    "NotFoundError": LookupError,
    "WorkbookError": ValueError,
    "CancelledError": Exception,
    "OptocomIOError": OSError,
    "NotFittedError": ValueError,
    "InternalError": RuntimeError,
}


def test_every_category_has_a_class_exported_at_top_level():
    assert set(exceptions.__all__) == {"OptocomError", *BUILTIN_BASE}
    for name in exceptions.__all__:
        assert getattr(optocom, name) is getattr(exceptions, name)
        assert name in optocom.__all__


@pytest.mark.parametrize("name, base", sorted(BUILTIN_BASE.items()))
def test_hierarchy(name, base):
    cls = getattr(optocom, name)
    assert issubclass(cls, optocom.OptocomError)
    assert issubclass(cls, base)
    assert issubclass(optocom.OptocomError, Exception)


def test_codes_are_distinct_strings():
    codes = [getattr(optocom, n).code for n in exceptions.__all__]
    assert all(isinstance(c, str) and c for c in codes)
    assert len(set(codes)) == len(codes)


def test_not_fitted_is_sklearns_too():
    from sklearn.exceptions import NotFittedError

    assert issubclass(optocom.NotFittedError, NotFittedError)
    assert issubclass(optocom.NotFittedError, AttributeError)  # hasattr-style probing works


# -- real triggers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(200, 3))


@pytest.fixture(scope="module")
def fitted(X):
    return optocom.RandomForestRegressor(n_estimators=4, random_state=0).fit(X, X[:, 0])


@pytest.fixture(scope="module")
def past():
    return pd.read_csv(FIXTURES / "appointments_past.csv")


def _raised(fn):
    with pytest.raises(optocom.OptocomError) as info:
        fn()
    e = info.value
    assert e.code == type(e).code  # the Rust mapping picked the class of the core's code
    assert "\n" not in str(e) or isinstance(e, optocom.SchemaMismatchError)
    return e


def test_invalid_parameter_checked_in_python_and_in_the_core(X):
    e = _raised(lambda: optocom.RandomForestRegressor(n_estimators=0).fit(X, X[:, 0]))
    assert type(e) is optocom.InvalidParameterError
    assert e.parameter == "n_estimators" and "positive" in e.reason
    # Out of the core's range: the core's message, with the estimator's parameter name.
    e = _raised(lambda: optocom.RandomForestRegressor(n_estimators=10**9).fit(X, X[:, 0]))
    assert type(e) is optocom.InvalidParameterError
    assert e.parameter == "n_estimators" and e.value == str(10**9)
    assert "`n_estimators`" in str(e) and "n_trees" not in str(e)
    e = _raised(lambda: optocom.RandomForestRegressor(max_bins=1).fit(X, X[:, 0]))
    assert e.parameter == "max_bins" and "between 2 and 255" in e.reason
    e = _raised(lambda: optocom.RandomForestRegressor(max_samples=2.0).fit(X, X[:, 0]))
    assert e.parameter == "max_samples"


@pytest.mark.parametrize("bad, shown", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_non_finite_feature_names_row_and_column(X, bad, shown):
    Xb = X.copy()
    Xb[17, 2] = bad
    e = _raised(lambda: optocom.RandomForestRegressor(n_estimators=4).fit(Xb, X[:, 0]))
    assert type(e) is optocom.InvalidValueError
    assert (e.row, e.column, e.value) == (17, "x2", shown)
    assert "row 17" in str(e) and "`x2`" in str(e)
    df = pd.DataFrame(Xb, columns=["age", "tenure", "volume"])
    e = _raised(lambda: optocom.RandomForestRegressor(n_estimators=4).fit(df, X[:, 0]))
    assert (e.row, e.column) == (17, "volume")


def test_nan_at_predict_time_names_the_fitted_column(X, fitted):
    Xb = X[:5].copy()
    Xb[3, 1] = np.nan
    e = _raised(lambda: fitted.predict(Xb))
    assert type(e) is optocom.InvalidValueError and (e.row, e.column) == (3, "x1")


def test_non_numeric_dataframe_column_names_the_cell(X):
    df = pd.DataFrame(X, columns=["a", "b", "c"]).astype({"b": object})
    df.loc[5, "b"] = "oops"
    e = _raised(lambda: optocom.RandomForestRegressor(n_estimators=4).fit(df, X[:, 0]))
    assert type(e) is optocom.InvalidValueError
    assert (e.row, e.column, e.value) == (5, "b", "oops")


def test_non_finite_target_names_the_row(X):
    y = X[:, 0].copy()
    y[9] = np.nan
    for est in (optocom.RandomForestRegressor(n_estimators=4), optocom.RandomForestClassifier(n_estimators=4)):
        e = _raised(lambda: est.fit(X, y))
        assert type(e) is optocom.InvalidValueError and (e.row, e.column) == (9, "y")


def test_empty_input(X):
    e = _raised(lambda: optocom.RandomForestRegressor().fit(X[:0], X[:0, 0]))
    assert type(e) is optocom.EmptyInputError and "no rows" in str(e)
    e = _raised(lambda: optocom.RandomForestRegressor().fit(np.empty((10, 0)), np.zeros(10)))
    assert type(e) is optocom.EmptyInputError and "no columns" in str(e)


def test_one_class_is_a_degenerate_target(X):
    e = _raised(lambda: optocom.RandomForestClassifier().fit(X, np.ones(len(X), dtype=int)))
    assert type(e) is optocom.DegenerateTargetError and "2 distinct classes" in str(e)


def test_shape_mismatches(X, fitted):
    e = _raised(lambda: optocom.RandomForestRegressor().fit(X, X[:50, 0]))
    assert type(e) is optocom.ShapeMismatchError and "expected 200, found 50" in str(e)
    e = _raised(lambda: fitted.predict(X[:, :2]))
    assert type(e) is optocom.ShapeMismatchError
    e = _raised(lambda: optocom.RandomForestRegressor().fit(X[:, 0], X[:, 0]))
    assert type(e) is optocom.ShapeMismatchError and "Reshape your data" in str(e)


def test_schema_mismatch(X):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    m = optocom.RandomForestRegressor(n_estimators=4).fit(df, X[:, 0])
    e = _raised(lambda: m.predict(df[["c", "b", "a"]]))
    assert type(e) is optocom.SchemaMismatchError


def test_artifact_errors(fitted):
    text = fitted.to_json()
    env = json.loads(text)
    e = _raised(lambda: optocom.from_json(text[: len(text) // 2]))
    assert type(e) is optocom.InvalidArtifactError and "not valid JSON" in str(e)
    wrong_kind = _raised(lambda: optocom.RandomForestClassifier.from_json(text))
    assert type(wrong_kind) is optocom.InvalidArtifactError
    assert "random_forest_regressor" in str(wrong_kind)
    future = dict(env, format_version="2.0")
    e = _raised(lambda: optocom.from_json(json.dumps(future)))
    assert type(e) is optocom.UnsupportedVersionError and "2.0" in str(e)
    # A newer minor version of the same major is read.
    minor = dict(env, format_version="1.9")
    assert optocom.from_json(json.dumps(minor)).predict(np.zeros((1, 3))).shape == (1,)


def test_corrupted_model_state_is_refused_not_crashed(fitted):
    env = json.loads(fitted.to_json())
    tree = env["state"]["forest"]["trees"][0]
    child = np.frombuffer(base64.b64decode(tree["child"]), dtype="<u4").copy()
    child[0] = 1_000_000
    feature = np.frombuffer(base64.b64decode(tree["feature"]), dtype="<u2").copy()
    feature[0] = 500
    corruptions = {
        "bad base64": ("threshold", "!!!"),
        "short leaf table": ("leaf_values", base64.b64encode(np.array([1.0], "<f8").tobytes()).decode()),
        "child out of range": ("child", base64.b64encode(child.tobytes()).decode()),
        "feature out of range": ("feature", base64.b64encode(feature.tobytes()).decode()),
    }
    for name, (field, value) in corruptions.items():
        bad = json.loads(json.dumps(env))
        bad["state"]["forest"]["trees"][0] = dict(tree, **{field: value})
        e = _raised(lambda: optocom.from_json(json.dumps(bad)).predict(np.zeros((2, 3))))
        assert type(e) is optocom.InvalidArtifactError, name
    bad = json.loads(json.dumps(env))
    bad["state"]["forest"]["trees"] = []
    assert type(_raised(lambda: optocom.from_json(json.dumps(bad)))) is optocom.InvalidArtifactError


def test_unknown_campaign_is_not_found():
    e = _raised(lambda: optocom.CampaignAnalytics().metrics(999_999))
    assert type(e) is optocom.NotFoundError and isinstance(e, LookupError)
    assert "999999" in str(e)


def test_missing_and_duplicate_columns(past):
    e = _raised(lambda: optocom.read_appointments(past.drop(columns=["age"])))
    assert type(e) is optocom.MissingColumnError
    assert e.column == "age" and "patient_id" in e.found and "age" not in e.found
    dup = past.assign(Patient_Age=past["age"])  # an alias of `age`
    e = _raised(lambda: optocom.read_appointments(dup))
    assert type(e) is optocom.DuplicateColumnError and e.column == "age"


def test_bad_value_in_a_csv_file_names_record_and_line(tmp_path):
    lines = (FIXTURES / "appointments_past.csv").read_text().splitlines()
    cells = lines[3].split(",")
    cells[2] = "abc"  # age of the third record
    lines[3] = ",".join(cells)
    path = tmp_path / "past.csv"
    path.write_text("\n".join(lines) + "\n")
    e = _raised(lambda: optocom.read_appointments(path))
    assert type(e) is optocom.InvalidValueError
    assert (e.row, e.line, e.column, e.value) == (2, 4, "age", "abc")


def test_bad_value_in_a_workbook_names_sheet_and_excel_row(tmp_path, past):
    rows = [list(past.columns)] + past.astype(object).values.tolist()
    rows[3][2] = "abc"
    path = write_xlsx(tmp_path / "past.xlsx", rows, sheet="Visits")
    e = _raised(lambda: optocom.read_appointments(path))
    assert type(e) is optocom.InvalidValueError
    assert (e.sheet, e.line, e.column, e.value) == ("Visits", 4, "age", "abc")
    assert e.row is None
    assert "sheet `Visits` row 4" in str(e)


def test_unreadable_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip archive")
    e = _raised(lambda: optocom.read_appointments(path))
    assert type(e) is optocom.WorkbookError and isinstance(e, ValueError)


def test_io_errors_carry_errno(tmp_path, fitted):
    missing = tmp_path / "nowhere" / "model.json"
    absent = tmp_path / "absent.csv"
    export_to = tmp_path / "nowhere" / "doctors.csv"
    for fn, path in (
        (lambda: optocom.load(missing), missing),
        (lambda: optocom.model_status(missing), missing),
        (lambda: fitted.save(missing), missing),
        (lambda: optocom.read_appointments(absent), absent),
        (lambda: optocom.CampaignAnalytics().export_csv(export_to), export_to),
    ):
        e = _raised(fn)
        assert type(e) is optocom.OptocomIOError
        assert isinstance(e, OSError) and e.errno == errno.ENOENT
        # every error on a file names it, in the message and as OSError.filename
        assert e.filename == str(path) and str(path) in str(e), str(e)


def test_not_a_text_file_is_an_invalid_artifact(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00binary")
    assert type(_raised(lambda: optocom.load(path))) is optocom.InvalidArtifactError


def test_exceptions_survive_pickling(past):
    # joblib (n_jobs in cross_val_score) sends worker exceptions back pickled.
    with pytest.raises(optocom.MissingColumnError) as info:
        optocom.read_appointments(past.drop(columns=["age"]))
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is optocom.MissingColumnError
    assert (str(back), back.column, back.found, back.code) == (
        str(info.value), "age", info.value.found, "missing_column")


# -- no panic reaches Python ----------------------------------------------------------------


def test_hostile_inputs_raise_optocom_errors_never_a_panic(X, fitted):
    """Each call is refused with an OptocomError; a Rust panic would surface as pyo3's
    PanicException (a BaseException) or crash the process."""
    compiled = optocom._optocom
    reg = fitted._model
    cases = [
        lambda: reg.predict_row(np.zeros(0)),
        lambda: reg.predict_row(np.zeros(50)),
        lambda: reg.predict(np.zeros((3, 0))),
        lambda: compiled.ForestClassifier.fit(X, np.full(len(X), -1), "{}"),
        lambda: compiled.ForestClassifier.fit(X, np.zeros(len(X), dtype=np.int64), "{}", None, '["a"]'),
        lambda: compiled.ForestRegressor.fit(X, X[:, 0].copy(), '{"n_trees": "many"}'),
        lambda: compiled.ForestRegressor.fit(X, X[:, 0].copy(), '{"max_features": {"fraction": 0.0}}'),
        lambda: compiled.ForestRegressor.fit(X, X[:, 0].copy(), "{}", ["only_one_name"]),
        lambda: compiled.UpliftModel.fit(X, np.full(len(X), 2, dtype=np.uint8), X[:, 0].copy(), "continuous", "{}"),
        lambda: compiled.UpliftModel.fit(X, np.zeros(len(X), dtype=np.uint8), X[:, 0].copy(), "binary", "{}"),
        lambda: compiled.model_from_json("[" * 100_000),
        lambda: compiled.model_from_json('{"format": "optocom-model"}'),
        lambda: compiled.model_status("/"),
        lambda: compiled.default_params("no_such_model"),
        lambda: compiled.demo_campaigns(json.dumps({"n_doctors": 0})),
        lambda: compiled.read_appointments([("appointment_date", "d", np.array([2**62]))]),
    ]
    for i, case in enumerate(cases):
        try:
            case()
        except optocom.OptocomError as e:
            assert not isinstance(e, optocom.InternalError), (i, e)
        except BaseException as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f"case {i} raised {type(e).__module__}.{type(e).__name__}: {e}")
        else:
            pytest.fail(f"case {i} was accepted")


def test_internal_error_is_what_a_caught_panic_becomes():
    # The guard in src/error.rs turns a panic into this class; no public input is known to
    # panic (see test above), so only its contract is checked here.
    e = optocom.InternalError("internal error in optocom (please report it): boom")
    assert isinstance(e, RuntimeError) and e.code == "internal"
    assert str(e).startswith("internal error in optocom")
