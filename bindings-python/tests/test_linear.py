"""optocom.LinearRegression: the same least squares as numpy and scikit-learn's
``make_pipeline(StandardScaler(), LinearRegression())``, the scikit-learn contract,
persistence, constant columns, typed errors and GIL release."""

from __future__ import annotations

import pickle
import threading
import time

import numpy as np
import pandas as pd
import pytest

import optocom

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LinearRegression as SkLinear  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils import estimator_checks as sk_checks  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

BETA = np.array([3.0, -0.25, 40.0, -7.0, 0.5])
FEATURES = ["age", "days_since_last_purchase", "employed", "benefits", "driver", "vdu_user",
            "varifocal", "high_prescription"]


def linear_data(n: int, seed: int, noise: float = 2.0):
    """Columns in very different units (and offsets), ``y = 12 + X @ BETA + noise``."""
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 100.0, 0.01, 10.0, 1.0])
    X = rng.normal(size=(n, len(BETA))) * scales + np.array([40.0, 300.0, 0.5, -5.0, 0.0])
    X[:, 4] = (X[:, 4] > 0).astype(float)  # a 0/1 flag
    y = 12.0 + X @ BETA + rng.normal(scale=noise, size=n)
    return X, y


def sk_pipeline():
    return make_pipeline(StandardScaler(), SkLinear())


# -- the same numbers as numpy and scikit-learn -----------------------------------------


def test_coefficients_equal_numpy_lstsq():
    X, y = linear_data(500, seed=1)
    reg = optocom.LinearRegression().fit(X, y)
    A = np.column_stack([X, np.ones(len(X))])
    sol, *_ = np.linalg.lstsq(A, y, rcond=None)
    np.testing.assert_allclose(reg.coef_, sol[:-1], rtol=1e-9)
    np.testing.assert_allclose(reg.intercept_, sol[-1], rtol=1e-9)
    assert reg.coef_.shape == (5,) and isinstance(reg.intercept_, float)
    # without noise the fit recovers the generating function
    X0, y0 = linear_data(60, seed=1, noise=0.0)
    exact = optocom.LinearRegression().fit(X0, y0)
    np.testing.assert_allclose(exact.coef_, BETA, rtol=1e-9)
    assert exact.intercept_ == pytest.approx(12.0, rel=1e-9)


def test_predictions_and_standardised_coefficients_equal_sklearn_pipeline():
    X, y = linear_data(800, seed=2)
    Xt, _ = linear_data(300, seed=3)
    reg = optocom.LinearRegression().fit(X, y)
    pipe = sk_pipeline().fit(X, y)
    np.testing.assert_allclose(reg.predict(Xt), pipe.predict(Xt), rtol=1e-9)
    np.testing.assert_allclose(reg.standardised_coef_, pipe[-1].coef_, rtol=1e-9)
    np.testing.assert_allclose(reg.standardised_intercept_, pipe[-1].intercept_, rtol=1e-9)
    assert reg.standardised_intercept_ == pytest.approx(y.mean(), rel=1e-12)
    # scikit-learn's LinearRegression on the raw columns reports the same coef_/intercept_
    raw = SkLinear().fit(X, y)
    np.testing.assert_allclose(reg.coef_, raw.coef_, rtol=1e-9)
    np.testing.assert_allclose(reg.intercept_, raw.intercept_, rtol=1e-9)


def test_demo_spend_task_matches_sklearn_as_the_peer_benchmark_runs_it():
    past, upcoming = optocom.demo.appointments(n_past=3000, n_upcoming=500, seed=5, truth=True)
    X, Xt = past[FEATURES], upcoming[FEATURES]
    reg = optocom.LinearRegression().fit(X, past["amount"])
    pipe = sk_pipeline().fit(X.to_numpy(), past["amount"].to_numpy())
    assert list(reg.feature_names_in_) == FEATURES and reg.n_features_in_ == 8
    np.testing.assert_allclose(reg.predict(Xt), pipe.predict(Xt.to_numpy()), rtol=1e-9)
    actual = upcoming["actual_amount"].to_numpy()
    assert reg.score(Xt, actual) == pytest.approx(r2_score(actual, reg.predict(Xt)), abs=1e-12)
    assert reg.score(Xt, actual) == pytest.approx(pipe.score(Xt.to_numpy(), actual), rel=1e-9)


def assert_same_spectrum(reg, pipe):
    """rank_ and singular_ as scikit-learn's LinearRegression reports them after
    StandardScaler (singular values of the standardised, centred design)."""
    assert reg.rank_ == pipe[-1].rank_
    np.testing.assert_allclose(reg.singular_, pipe[-1].singular_, rtol=1e-9, atol=1e-9)


def test_constant_column_gets_zero_coefficient_and_matches_sklearn():
    X, y = linear_data(200, seed=4)
    X = np.column_stack([X, np.full(len(X), 0.1)])  # 0.1 * n / n is not exactly 0.1
    reg = optocom.LinearRegression().fit(X, y)
    assert reg.coef_[-1] == 0.0 and reg.standardised_coef_[-1] == 0.0
    assert np.all(np.isfinite(reg.coef_))
    pipe = sk_pipeline().fit(X, y)
    np.testing.assert_allclose(reg.predict(X), pipe.predict(X), rtol=1e-9)
    assert_same_spectrum(reg, pipe)
    assert reg.rank_ == X.shape[1] - 1 and reg.singular_[-1] == 0.0
    # its value never changes a prediction
    far = X.copy()
    far[:, -1] = 1e300
    assert reg.predict(far).tobytes() == reg.predict(X).tobytes()
    # every column constant: the mean of y
    flat = optocom.LinearRegression().fit(np.ones((5, 2)), [1.0, 2.0, 3.0, 4.0, 10.0])
    assert flat.predict([[7.0, -3.0]])[0] == 4.0 and list(flat.coef_) == [0.0, 0.0]


def test_fewer_rows_than_columns_gives_sklearns_minimum_norm_solution():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(4, 7)), rng.normal(size=4)
    reg = optocom.LinearRegression().fit(X, y)
    pipe = sk_pipeline().fit(X, y)
    np.testing.assert_allclose(reg.standardised_coef_, pipe[-1].coef_, rtol=1e-9)
    assert_same_spectrum(reg, pipe)
    assert reg.rank_ == 3 and len(reg.singular_) == 4  # four centred rows span three directions
    Xt = rng.normal(size=(5, 7))
    np.testing.assert_allclose(reg.predict(Xt), pipe.predict(Xt), rtol=1e-9)


@pytest.mark.parametrize("kind", ["duplicate", "complement", "sum"])
def test_collinear_columns_get_sklearns_minimum_norm_solution(kind):
    rng = np.random.default_rng(8)
    X, y = linear_data(120, seed=7, noise=0.3)
    flag = (rng.random(120) < 0.3).astype(float)
    extra = {
        "duplicate": [X[:, 0]],
        "complement": [flag, 1.0 - flag],  # e.g. employed and benefits in a small practice
        "sum": [X[:, 0] + 2.0 * X[:, 1]],
    }[kind]
    Xc = np.column_stack([X, *extra])
    reg = optocom.LinearRegression().fit(Xc, y)
    pipe = sk_pipeline().fit(Xc, y)
    np.testing.assert_allclose(reg.standardised_coef_, pipe[-1].coef_, rtol=1e-7, atol=1e-9)
    assert_same_spectrum(reg, pipe)
    assert reg.rank_ == Xc.shape[1] - 1
    assert np.abs(reg.coef_).max() < 1e3
    Xt = np.column_stack([rng.normal(size=(20, X.shape[1])), *[e[:20] for e in extra]])
    np.testing.assert_allclose(reg.predict(Xt), pipe.predict(Xt), rtol=1e-9, atol=1e-9)
    if kind == "duplicate":
        assert reg.coef_[0] == pytest.approx(reg.coef_[-1], rel=1e-9)


# -- scikit-learn contract --------------------------------------------------------------


def test_sklearn_contract_and_model_selection():
    X, y = linear_data(300, seed=8)
    reg = optocom.LinearRegression()
    assert reg.get_params() == {} and clone(reg).get_params() == {}
    assert repr(reg) == "LinearRegression()"
    assert reg.fit(X, y) is reg
    assert reg.n_features_in_ == 5 and not hasattr(reg, "feature_names_in_")
    ours = cross_val_score(optocom.LinearRegression(), X, y, cv=4)
    theirs = cross_val_score(sk_pipeline(), X, y, cv=4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    pipe = make_pipeline(StandardScaler(), optocom.LinearRegression()).fit(X, y)
    np.testing.assert_allclose(pipe.predict(X), reg.predict(X), rtol=1e-9)
    one = reg.predict(X[3:4])  # one row takes the no-allocation path: same bits
    assert one.tobytes() == reg.predict(X)[3:4].tobytes()


def test_unfitted_and_sample_weight():
    X, y = linear_data(20, seed=9)
    with pytest.raises(optocom.NotFittedError):
        optocom.LinearRegression().predict(X)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(optocom.LinearRegression())
    assert not hasattr(optocom.LinearRegression(), "coef_")  # as scikit-learn's own
    with pytest.raises(optocom.InvalidParameterError, match="sample weights"):
        optocom.LinearRegression().fit(X, y, sample_weight=np.ones(len(y)))


# Checks from scikit-learn's own suite, the regressor subset test_forest.py runs, plus the
# one-sample fit (a least-squares fit on one row is its mean). Not picked, as for the forests:
# sample weights (refused), the exact wording of the core's empty-input messages, sparse tags.
SKLEARN_CHECKS = [
    "check_estimators_dtypes",
    "check_fit_score_takes_y",
    "check_estimators_fit_returns_self",
    "check_complex_data",
    "check_dtype_object",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_dict_unchanged",
    "check_fit2d_predict1d",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_fit1d",
    "check_methods_subset_invariance",
    "check_methods_sample_order_invariance",
    "check_get_params_invariance",
    "check_set_params",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_fit_check_is_fitted",
    "check_estimators_unfitted",
    "check_fit_idempotent",
    "check_supervised_y_2d",
    "check_supervised_y_no_nan",
    "check_requires_y_none",
    "check_estimators_pickle",
    "check_dataframe_column_names_consistency",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_parameters_default_constructible",
    "check_no_attributes_set_in_init",
    "check_regressors_train",
    "check_regressor_data_not_an_array",
    "check_regressors_int",
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("check", SKLEARN_CHECKS)
def test_sklearn_estimator_check(check):
    fn = getattr(sk_checks, check, None)
    if fn is None:
        pytest.skip(f"{check} is not in this scikit-learn version")
    fn("LinearRegression", optocom.LinearRegression())


# -- persistence ------------------------------------------------------------------------


def test_round_trips_predict_the_same_bits(tmp_path):
    X, y = linear_data(150, seed=10)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d", "e"])
    reg = optocom.LinearRegression().fit(df, y)
    path = tmp_path / "linear.json"
    reg.save(path)
    text = reg.to_json()
    assert path.read_text(encoding="utf-8") == text
    assert optocom.model_status(path)["kind"] == "linear_regression"
    backs = [optocom.load(path), optocom.LinearRegression.from_json(text), optocom.from_json(text),
             pickle.loads(pickle.dumps(reg))]
    assert reg.__getstate__()["_artifact"] == text
    for back in backs:
        assert isinstance(back, optocom.LinearRegression)
        assert back.predict(df).tobytes() == reg.predict(df).tobytes()
        assert back.coef_.tobytes() == reg.coef_.tobytes()
        assert back.intercept_ == reg.intercept_
        assert back.standardised_coef_.tobytes() == reg.standardised_coef_.tobytes()
        assert list(back.feature_names_in_) == ["a", "b", "c", "d", "e"]
        assert back.n_features_in_ == 5
        assert back.rank_ == reg.rank_ == 5
        assert back.singular_.tobytes() == reg.singular_.tobytes()
        assert back.to_json() == text


def test_a_saved_linear_model_is_not_read_as_another_kind():
    X, y = linear_data(30, seed=11)
    text = optocom.LinearRegression().fit(X, y).to_json()
    with pytest.raises(optocom.InvalidArtifactError, match="linear_regression"):
        optocom.KMeans.from_json(text)


# -- typed errors -----------------------------------------------------------------------


def test_nan_in_x_names_row_and_column():
    X, y = linear_data(40, seed=12)
    bad = X.copy()
    bad[7, 3] = np.nan
    with pytest.raises(optocom.InvalidValueError) as e:
        optocom.LinearRegression().fit(bad, y)
    assert (e.value.row, e.value.column, e.value.value) == (7, "x3", "NaN")
    assert isinstance(e.value, ValueError)
    df = pd.DataFrame(bad, columns=list("abcde"))
    with pytest.raises(optocom.InvalidValueError) as e:
        optocom.LinearRegression().fit(df, y)
    assert (e.value.row, e.value.column) == (7, "d")
    reg = optocom.LinearRegression().fit(X, y)
    inf = X[:10].copy()
    inf[2, 0] = -np.inf
    with pytest.raises(optocom.InvalidValueError) as e:
        reg.predict(inf)
    assert (e.value.row, e.value.column, e.value.value) == (2, "x0", "-inf")


def test_non_finite_y_names_its_row():
    X, y = linear_data(40, seed=13)
    y = y.copy()
    y[11] = np.inf
    with pytest.raises(optocom.InvalidValueError) as e:
        optocom.LinearRegression().fit(X, y)
    assert (e.value.row, e.value.column, e.value.value) == (11, "y", "inf")


def test_shape_errors_are_typed():
    X, y = linear_data(40, seed=14)
    with pytest.raises(optocom.ShapeMismatchError, match="y length: expected 40, found 39"):
        optocom.LinearRegression().fit(X, y[:-1])
    reg = optocom.LinearRegression().fit(X, y)
    with pytest.raises(optocom.ShapeMismatchError, match="X has 4 features, but LinearRegression is expecting 5"):
        reg.predict(X[:, :4])
    # the compiled model checks too (any caller, not only the estimator)
    with pytest.raises(optocom.ShapeMismatchError) as e:
        reg._model.predict(np.ascontiguousarray(X[:, :4]))
    assert e.value.code == "shape_mismatch"
    with pytest.raises(optocom.ShapeMismatchError):
        reg._model.predict_row(np.zeros(6))


def test_empty_input_is_typed():
    with pytest.raises(optocom.EmptyInputError, match="no rows"):
        optocom.LinearRegression().fit(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(optocom.EmptyInputError, match="no columns"):
        optocom.LinearRegression().fit(np.zeros((3, 0)), np.zeros(3))


# -- GIL release ------------------------------------------------------------------------


def test_gil_is_released_during_fit_and_predict():
    X, y = linear_data(200_000, seed=15)
    X = np.column_stack([X, np.random.default_rng(16).normal(size=(len(X), 15))])
    big = np.tile(X, (4, 1))
    reg = optocom.LinearRegression()
    for fn in (lambda: reg.fit(X, y), lambda: reg.predict(big)):
        stamps, window = [], {}

        def work():
            window["start"] = time.perf_counter()
            fn()
            window["end"] = time.perf_counter()

        th = threading.Thread(target=work)
        th.start()
        while th.is_alive():
            stamps.append(time.perf_counter())
        th.join()
        inside = [t for t in stamps if window["start"] <= t <= window["end"]]
        duration = window["end"] - window["start"]
        edges = [window["start"]] + inside + [window["end"]]
        stall = max(b - a for a, b in zip(edges, edges[1:]))
        assert duration > 0.01, "too short to measure"
        # Holding the GIL would stall this thread for the whole call.
        assert len(inside) > 100 and stall < 0.5 * duration, (len(inside), stall, duration)
