"""Data in and out: every supported input (pandas, polars, pyarrow, NumPy in any layout and
dtype, nested lists, lists of dicts, dicts of columns, CSV and XLSX paths) reaches the core
with the same values, missing values are reported with their row and column, and results come
back as pandas, or polars when the input was polars."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from conftest import FIXTURES, write_xlsx

import optocom
from optocom import _frames

COLS = ["age", "tenure", "volume", "score"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    X = np.round(rng.normal(size=(300, 4)), 6)
    y = (X[:, 0] - X[:, 2] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def clf(data):
    X, y = data
    return optocom.RandomForestClassifier(n_estimators=20, random_state=0).fit(
        pd.DataFrame(X, columns=COLS), y
    )


def _inputs(X):
    df = pd.DataFrame(X, columns=COLS)
    return {
        "pandas": df,
        "polars": pl.from_pandas(df),
        "pyarrow": pa.Table.from_pandas(df, preserve_index=False),
        "records": df.to_dict("records"),
        "dict of columns": {c: df[c].tolist() for c in COLS},
    }


# -- matrices ----------------------------------------------------------------------------


def test_every_table_type_predicts_like_the_array(data, clf):
    X, _ = data
    expected = clf.predict_proba(pd.DataFrame(X, columns=COLS))
    for name, table in _inputs(X).items():
        got = clf.predict_proba(table)
        assert isinstance(got, np.ndarray), name
        assert got.tobytes() == expected.tobytes(), name


@pytest.mark.parametrize("name", ["pandas", "polars", "pyarrow", "records", "dict of columns"])
def test_every_table_type_fits_the_same_model_with_its_names(data, name):
    X, y = data
    table = _inputs(X)[name]
    m = optocom.RandomForestClassifier(n_estimators=20, random_state=0).fit(table, y)
    assert list(m.feature_names_in_) == COLS
    ref = optocom.RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    # Same values, same seed: the same forest whatever the container.
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert m.predict_proba(X).tobytes() == ref.predict_proba(X).tobytes()


def test_numpy_dtypes_and_layouts(data, clf):
    X, _ = data
    with pytest.warns(UserWarning):
        expected = clf.predict_proba(X)
    variants = {
        "fortran": np.asfortranarray(X),
        "list of lists": X.tolist(),
        "tuple of tuples": tuple(map(tuple, X.tolist())),
        "object": X.astype(object),
    }
    for name, v in variants.items():
        with pytest.warns(UserWarning):
            assert clf.predict_proba(v).tobytes() == expected.tobytes(), name
    # float32 is converted: identical to predicting on the float32 values in float64.
    f32 = X.astype(np.float32)
    with pytest.warns(UserWarning):
        assert clf.predict_proba(f32).tobytes() == clf.predict_proba(f32.astype(np.float64)).tobytes()
    ints = np.arange(12).reshape(3, 4)
    with pytest.warns(UserWarning):
        assert clf.predict_proba(ints).tobytes() == clf.predict_proba(ints.astype(float)).tobytes()


def test_float64_array_is_passed_through_untouched(data):
    X, _ = data
    for arr in (X, np.asfortranarray(X), X[::2], X[:, ::2]):
        out, names = _frames.matrix(arr)
        assert out is arr and names is None


def test_single_dtype_dataframe_is_not_copied(data):
    df = pd.DataFrame(data[0], columns=COLS)
    out, _ = _frames.matrix(df)
    assert np.shares_memory(out, df.to_numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda X: pd.DataFrame(X, columns=COLS),
        lambda X: pd.DataFrame(X, columns=COLS).astype({"volume": "Float64"}),
        lambda X: pl.from_pandas(pd.DataFrame(X, columns=COLS)),
        lambda X: pa.Table.from_pandas(pd.DataFrame(X, columns=COLS), preserve_index=False),
    ],
    ids=["pandas NaN", "pandas NA", "polars null", "pyarrow null"],
)
def test_missing_values_name_row_and_column(data, clf, make):
    X, _ = data
    Xm = X.copy()
    Xm[41, 2] = np.nan
    table = make(Xm)
    if isinstance(table, pl.DataFrame):
        table = table.with_columns(pl.col("volume").fill_nan(None))
        assert table["volume"].null_count() == 1
    with pytest.raises(optocom.InvalidValueError) as info:
        clf.predict(table)
    assert (info.value.row, info.value.column) == (41, "volume")
    y = (np.arange(len(X)) % 2).astype(int)
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.RandomForestClassifier(n_estimators=3).fit(table, y)
    assert (info.value.row, info.value.column) == (41, "volume")


@pytest.mark.parametrize(
    "table",
    [
        pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["1", "two", "3"]}),
        pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["1", "two", "3"]}),
        pa.table({"a": [1.0, 2.0, 3.0], "b": ["1", "two", "3"]}),
    ],
    ids=["pandas", "polars", "pyarrow"],
)
def test_text_cells_name_row_and_column(table):
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.RandomForestRegressor(n_estimators=3).fit(table, [1.0, 2.0, 3.0])
    assert (info.value.row, info.value.column, info.value.value) == (1, "b", "two")


def test_malformed_matrices():
    reg = optocom.RandomForestRegressor(n_estimators=3)
    with pytest.raises(optocom.ShapeMismatchError, match="equal length"):
        reg.fit([[1.0, 2.0], [3.0]], [1.0, 2.0])
    with pytest.raises(optocom.ShapeMismatchError, match="3 dimensions"):
        reg.fit(np.zeros((2, 2, 2)), [1.0, 2.0])
    with pytest.raises(optocom.InvalidValueError, match="Complex data"):
        reg.fit(np.ones((2, 2), dtype=complex), [1.0, 2.0])
    with pytest.raises(TypeError, match="sparse"):
        scipy_sparse = pytest.importorskip("scipy.sparse")
        reg.fit(scipy_sparse.csr_matrix(np.eye(3)), [1.0, 2.0, 3.0])


# -- tables (typed columns for the core) ---------------------------------------------------


def test_columns_kinds_and_missing_values():
    df = pd.DataFrame(
        {
            "f": [1.5, np.nan, 3.0],
            "i": np.array([1, 2, 3], dtype=np.int32),
            "i_na": pd.array([1, None, 3], dtype="Int64"),
            "b": [True, False, True],
            "b_na": pd.array([True, None, False], dtype="boolean"),
            "d": pd.to_datetime(["2024-01-02", None, "1969-12-31"]),
            "d_tz": pd.to_datetime(["2024-01-02 23:00", "2024-01-03 00:00", "2024-01-04 00:00"]).tz_localize("UTC"),
            "date_obj": [dt.date(2024, 1, 2), None, dt.date(2024, 3, 1)],
            "t": ["x", None, "z"],
            "cat": pd.Categorical(["a", "b", None]),
        }
    )
    cols = {name: (kind, values) for name, kind, values in _frames.columns(df)}
    assert cols["f"][0] == "f" and np.isnan(cols["f"][1][1])
    assert cols["i"][0] == "i" and cols["i"][1].dtype == np.int64
    assert cols["i_na"][0] == "f" and np.isnan(cols["i_na"][1][1])
    assert cols["b"][0] == "b" and cols["b"][1].tolist() == [True, False, True]
    assert cols["b_na"] == ("t", ["True", None, "False"])
    nat = np.iinfo(np.int64).min
    assert cols["d"][0] == "d" and cols["d"][1].tolist() == [19724, nat, -1]
    assert cols["d_tz"][0] == "d" and cols["d_tz"][1].tolist() == [19724, 19725, 19726]
    assert cols["date_obj"][0] == "d" and cols["date_obj"][1].tolist() == [19724, nat, 19783]
    assert cols["t"] == ("t", ["x", None, "z"])
    assert cols["cat"] == ("t", ["a", "b", None])
    for kind, values in cols.values():
        if kind != "t":
            assert values.flags.c_contiguous


def test_every_container_converts_to_the_same_frame():
    df = pd.DataFrame({"a": [1.0, 2.5], "b": ["x", "y"], "c": [True, False]})
    for other in (
        pl.from_pandas(df),
        pa.Table.from_pandas(df, preserve_index=False),
        df.to_dict("records"),
        df.to_dict("list"),
    ):
        got = _frames.to_pandas(other)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), df, check_dtype=False)
    with pytest.raises(TypeError, match="expected a pandas or polars DataFrame"):
        _frames.to_pandas(42)


def test_polars_dates_and_nulls_survive():
    s = pl.DataFrame({"d": [dt.date(2024, 1, 2), None], "n": [1, None], "t": ["a", None]})
    got = {name: (kind, v) for name, kind, v in _frames.columns(s)}
    assert got["d"][0] == "d" and got["d"][1][0] == 19724 and got["d"][1][1] == np.iinfo(np.int64).min
    assert got["n"][0] == "f" and np.isnan(got["n"][1][1])
    assert got["t"] == ("t", ["a", None])


def test_finish_returns_polars_on_request():
    df = pd.DataFrame({"a": [1, 2], "when": ["2024-01-02", "2024-02-03"], "t": ["x", "y"]})
    out = _frames.finish(df.copy(), dates=["when"])
    assert isinstance(out, pd.DataFrame) and out["when"].dtype.kind == "M"
    out = _frames.finish(df.copy(), dates=["when"], polars=True)
    assert isinstance(out, pl.DataFrame)
    assert out.schema["when"] == pl.Date and out["when"].to_list() == [dt.date(2024, 1, 2), dt.date(2024, 2, 3)]
    assert out["a"].to_list() == [1, 2] and out["t"].to_list() == ["x", "y"]


# -- appointment files and frames through the core's reader ---------------------------------


@pytest.fixture(scope="module")
def past_csv() -> Path:
    return FIXTURES / "appointments_past.csv"


@pytest.fixture(scope="module")
def reference(past_csv):
    return optocom.read_appointments(past_csv)


def test_read_appointments_from_a_csv_path(reference, past_csv):
    raw = pd.read_csv(past_csv)
    assert len(reference) == len(raw) and list(reference.columns) == list(raw.columns)
    assert reference["appointment_date"].dtype.kind == "M"
    assert reference["employed"].dtype == bool
    assert (reference["employed"] == (raw["employed"] == "Y")).all()
    np.testing.assert_array_equal(reference["amount"].to_numpy(), raw["amount"].to_numpy())
    assert optocom.read_appointments(str(past_csv)).equals(reference)


def test_read_appointments_from_every_container(reference, past_csv):
    raw = pd.read_csv(past_csv)
    for name, source in {
        "pandas": raw,
        "pyarrow": pa.Table.from_pandas(raw, preserve_index=False),
        "records": raw.to_dict("records"),
        "dict": raw.to_dict("list"),
    }.items():
        got = optocom.read_appointments(source)
        assert isinstance(got, pd.DataFrame), name
        pd.testing.assert_frame_equal(got, reference, obj=name)


def test_read_appointments_returns_polars_for_polars(reference, past_csv):
    got = optocom.read_appointments(pl.read_csv(past_csv))
    assert isinstance(got, pl.DataFrame)
    assert got.columns == list(reference.columns)
    assert got.schema["appointment_date"] == pl.Date
    assert got["appointment_date"].to_list() == [d.date() for d in reference["appointment_date"]]
    np.testing.assert_array_equal(got["age"].to_numpy(), reference["age"].to_numpy())


def test_read_appointments_from_xlsx(reference, past_csv, tmp_path):
    raw = pd.read_csv(past_csv, dtype=str)
    numeric = {"age", "days_since_last_purchase", "amount"}
    rows = [list(raw.columns)] + [
        [float(v) if c in numeric else v for c, v in zip(raw.columns, r)]
        for r in raw.itertuples(index=False)
    ]
    path = write_xlsx(tmp_path / "past.xlsx", rows)
    pd.testing.assert_frame_equal(optocom.read_appointments(path), reference)


def test_read_appointments_accepts_aliases_and_uk_dates(reference, past_csv, tmp_path):
    raw = pd.read_csv(past_csv, dtype=str)
    renamed = raw.rename(columns={"patient_id": "Patient No", "age": "Patient-Age", "amount": "Sales"})
    renamed["appointment_date"] = pd.to_datetime(raw["appointment_date"]).dt.strftime("%d/%m/%Y")
    path = tmp_path / "aliases.csv"
    renamed.to_csv(path, index=False)
    pd.testing.assert_frame_equal(optocom.read_appointments(path), reference)


def test_lenient_reading_skips_bad_rows(past_csv):
    raw = pd.read_csv(past_csv)
    raw["age"] = raw["age"].astype(object)
    raw.loc[[3, 10], "age"] = "unknown"
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.read_appointments(raw)
    assert (info.value.row, info.value.column) == (3, "age")
    got = optocom.read_appointments(raw, lenient=True)
    assert len(got) == len(raw) - 2
    assert set(raw.drop(index=[3, 10])["patient_id"]) == set(got["patient_id"])


def test_nullable_columns_report_the_gap(past_csv):
    raw = optocom.read_appointments(past_csv)
    flags = raw.astype({"employed": "boolean"})
    pd.testing.assert_frame_equal(optocom.read_appointments(flags), raw)
    flags.loc[5, "employed"] = pd.NA
    with pytest.raises(optocom.InvalidValueError, match="missing value") as info:
        optocom.read_appointments(flags)
    assert (info.value.row, info.value.column) == (5, "employed")


# -- columns that are not numeric, duplicate labels, non-numeric targets ----------------------

NUMBERS = [1.5, 2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(NUMBERS, dtype=object),
        pd.Series(pd.Categorical(NUMBERS)),
        pd.Series([str(v) for v in NUMBERS]),
        pd.Series([str(v) for v in NUMBERS], dtype="string"),
        pd.Series([decimal.Decimal(str(v)) for v in NUMBERS]),
        pl.Series([str(v) for v in NUMBERS]),
        pl.Series([str(v) for v in NUMBERS]).cast(pl.Categorical),
        pa.array([str(v) for v in NUMBERS]),
        pa.array([str(v) for v in NUMBERS]).dictionary_encode(),
        pa.array([decimal.Decimal(str(v)) for v in NUMBERS]),
    ],
    ids=["object", "categorical", "text", "string dtype", "decimal", "polars text",
         "polars categorical", "arrow text", "arrow dictionary", "arrow decimal"],
)
def test_columns_that_hold_numbers_are_converted(column):
    # Every cell converts, so X is the float matrix of those numbers: the same fit.
    a = [10.0, 20.0, 15.0, 30.0]
    y = [1.0, 3.0, 2.0, 5.0]
    if isinstance(column, pl.Series):
        X = pl.DataFrame({"a": a, "b": column})
    elif isinstance(column, (pa.Array, pa.ChunkedArray)):
        X = pa.table({"a": a, "b": column})
    else:
        X = pd.DataFrame({"a": a, "b": column})
    got = optocom.LinearRegression().fit(X, y)
    ref = optocom.LinearRegression().fit(pd.DataFrame({"a": a, "b": NUMBERS}), y)
    assert got.coef_.tobytes() == ref.coef_.tobytes()
    assert list(got.feature_names_in_) == ["a", "b"]


def test_a_missing_cell_of_an_object_column_is_reported_where_it_is():
    X = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": pd.Series([1, None, 3, 4], dtype=object)})
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.LinearRegression().fit(X, [1.0, 2, 3, 4])
    assert (info.value.row, info.value.column) == (1, "b")
    cat = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": pd.Categorical([1, 2, None, 4])})
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.LinearRegression().fit(cat, [1.0, 2, 3, 4])
    assert (info.value.row, info.value.column) == (2, "b")


def test_the_first_cell_that_is_not_a_number_is_named():
    X = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": ["1", "2.5", "", "x"]})
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.LinearRegression().fit(X, [1.0, 2, 3, 4])
    assert (info.value.row, info.value.column, info.value.value) == (2, "b", "")
    assert info.value.reason == "not a number"
    arr = np.array([[1.0, "2"], [3.0, "three"]], dtype=object)
    with pytest.raises(optocom.InvalidValueError) as info:
        optocom.LinearRegression().fit(arr, [1.0, 2.0])
    assert (info.value.row, info.value.column, info.value.value) == (1, "x1", "three")


def test_a_column_label_used_twice_is_a_duplicate_column():
    X = pd.DataFrame([[1.0, 2], [3, 5], [4, 4]], columns=["a", "a"])
    with pytest.raises(optocom.DuplicateColumnError) as info:
        optocom.LinearRegression().fit(X, [1.0, 2, 3])
    assert info.value.column == "a" and "(position 0) and \"a\" (position 1)" in str(info.value)
    table = pa.Table.from_arrays([pa.array([1.0, 2.0]), pa.array([3.0, 4.0])], names=["x", "x"])
    with pytest.raises(optocom.DuplicateColumnError):
        optocom.LinearRegression().fit(table, [1.0, 2.0])


def test_a_table_column_used_twice_is_a_duplicate_column(past_csv):
    past = optocom.read_appointments(past_csv)
    doubled = pd.concat([past, past[["age"]]], axis=1)
    for call in (lambda: optocom.read_appointments(doubled),
                 lambda: optocom.PurchaseForecaster(n_estimators=5).fit(doubled)):
        with pytest.raises(optocom.DuplicateColumnError) as info:
            call()
        assert info.value.column == "age" and f"(position {len(past.columns)})" in str(info.value)


@pytest.mark.parametrize("make", [
    lambda: optocom.RandomForestRegressor(n_estimators=3, random_state=0),
    lambda: optocom.LinearRegression(),
])
def test_a_target_that_is_not_numeric_names_the_row(make):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(optocom.InvalidValueError) as info:
        make().fit(X, [1.0, 2.0, "a", 3.0])
    assert (info.value.row, info.value.column, info.value.value) == (2, "y", "a")
    # text holding numbers and decimals are numbers, as in X
    got = make().fit(X, ["1", 2.0, decimal.Decimal(3), 4]).predict(X)
    ref = make().fit(X, [1.0, 2.0, 3.0, 4.0]).predict(X)
    assert got.tobytes() == ref.tobytes()
    with pytest.raises(optocom.InvalidValueError) as info:
        make().fit(X, pd.Series([1.0, None, 3.0, 4.0], dtype=object))
    assert (info.value.row, info.value.column) == (1, "y")


def test_read_appointments_keeps_the_index(past_csv):
    raw = pd.read_csv(past_csv)
    shuffled = raw.sample(frac=1.0, random_state=0)
    shuffled.index = shuffled.index * 10 + 7
    got = optocom.read_appointments(shuffled)
    assert got.index.equals(shuffled.index)
    assert (got["patient_id"] == shuffled["patient_id"].astype(str)).all()
    bad = shuffled.astype({"age": object})
    bad.loc[bad.index[4], "age"] = "unknown"
    lenient = optocom.read_appointments(bad, lenient=True)
    assert lenient.index.equals(bad.index.delete(4))
    assert (lenient["age"] == bad.drop(index=bad.index[4])["age"].astype(float)).all()


def test_object_columns_of_date_objects_keep_each_calendar_day():
    """Every value is looked at (not a sample of the first ones): date objects of any kind
    and time zone are each their own calendar day; mixed with text, the dates are sent as
    ISO text and the text as it is, for the core to read with its rule."""
    nat = np.iinfo(np.int64).min
    london = pd.Timestamp("2024-01-02 23:30", tz="Europe/London")
    tokyo = pd.Timestamp("2024-01-03 00:30", tz="Asia/Tokyo")
    dates = pd.Series([london, tokyo, dt.datetime(2024, 1, 4, 12), np.datetime64("2024-01-05"),
                       dt.date(2024, 1, 6), None], dtype=object)
    assert _frames.columns(pd.DataFrame({"d": dates}))[0][:2] == ("d", "d")
    assert _frames.columns(pd.DataFrame({"d": dates}))[0][2].tolist() == [
        19724, 19725, 19726, 19727, 19728, nat]
    mixed = pd.Series([pd.Timestamp("2024-01-02 10:00")] * 60 + ["03/01/2024", None, 5],
                      dtype=object)
    assert _frames.columns(pd.DataFrame({"d": mixed}))[0] == (
        "d", "t", ["2024-01-02"] * 60 + ["03/01/2024", None, "5"])
    text = pd.Series(["03/01/2024"] * 60 + [dt.date(2024, 1, 2)], dtype=object)
    assert _frames.columns(pd.DataFrame({"d": text}))[0] == (
        "d", "t", ["03/01/2024"] * 60 + ["2024-01-02"])


def test_result_dates_are_read_as_iso_8601_exactly():
    import warnings

    rows = [{"period": "2025-01-06", "n": 1}, {"period": "2025-01-13 00:00:00", "n": 2},
            {"period": "2025-01-20T00:00:00", "n": 3}, {"period": None, "n": 4}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _frames.records_frame(rows, dates=("period",))
    assert out["period"].tolist()[:3] == pd.to_datetime(
        ["2025-01-06", "2025-01-13", "2025-01-20"]).tolist()
    assert pd.isna(out["period"].iloc[3])


def test_null_fields_of_a_result_keep_the_prototypes_dtypes():
    """A number field that is null in every row (the core writes NaN as null) is float64
    NaN, not an object column of None; ints and text keep their dtypes."""
    proto = dict(day="1970-01-01", n=0, x=0.0, y=0.0, label="")
    rows = [dict(day="2025-01-06", n=1, x=None, y=1.5, label=None),
            dict(day="2025-01-07", n=2, x=None, y=None, label="b")]
    out = _frames.records_frame(rows, dates=("day",), prototype=proto)
    empty = _frames.records_frame([], dates=("day",), prototype=proto)
    assert out.dtypes.to_dict() == empty.dtypes.to_dict()
    assert out["x"].isna().all() and out["y"].tolist()[0] == 1.5 and np.isnan(out["y"].iloc[1])
    assert out["n"].tolist() == [1, 2] and out["label"].tolist()[1] == "b"
    polars = _frames.records_frame(rows, dates=("day",), prototype=proto, polars=True)
    assert polars.schema["x"] == pl.Float64


def test_read_appointments_returns_the_rejected_rows_when_asked(past_csv):
    raw = pd.read_csv(past_csv)
    raw["age"] = raw["age"].astype(object)
    raw.loc[[3, 10], "age"] = "unknown"
    got, rejected = optocom.read_appointments(raw, lenient=True, return_rejected=True)
    pd.testing.assert_frame_equal(got, optocom.read_appointments(raw, lenient=True))
    assert rejected[["table", "row", "column", "value"]].values.tolist() == [
        ["appointments", 3, "age", "unknown"], ["appointments", 10, "age", "unknown"]]
    assert rejected["reason"].str.len().gt(0).all()
    clean = pd.read_csv(past_csv)
    got, rejected = optocom.read_appointments(clean, return_rejected=True)
    assert len(got) == len(clean) and len(rejected) == 0
    assert list(rejected.columns) == ["table", "row", "line", "sheet", "column", "value", "reason"]
