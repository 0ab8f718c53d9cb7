"""``optocom.UpliftForest``: causalml's calling convention (``fit(X, treatment, y)``,
``predict(X, return_ci=False, alpha=0.05)``), the scikit-learn parameter contract, interval
coverage of the generator's true effects, and determinism."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning
from sklearn.exceptions import NotFittedError as SkNotFittedError

import optocom


def small(**kw):
    kw.setdefault("n_estimators", 40)
    kw.setdefault("random_state", 0)
    return optocom.UpliftForest(**kw)


@pytest.fixture(scope="module")
def campaign():
    """Campaign 1 of the seeded campaign generator at 4,000 doctors: the uplift table (as
    ``CampaignAnalytics`` builds it) and each doctor's true conditional effects."""
    demo = optocom.demo.campaigns(n_doctors=4000, seed=2026)
    tab = optocom.CampaignAnalytics(demo).uplift_table(1)
    truth = demo.truth[demo.truth["campaign_id"] == 1].set_index("doctor_id")
    truth = truth.loc[tab["doctor_id"]]
    X = tab.drop(columns=["doctor_id", "treatment", "responded", "rx_change"])
    return X, tab, truth


@pytest.fixture(scope="module")
def response_model(campaign):
    X, tab, _ = campaign
    return optocom.UpliftForest(random_state=0).fit(X, tab["treatment"], tab["responded"])


# -- calling convention -------------------------------------------------------------------


def test_fit_returns_self_and_predict_returns_one_effect_per_row(uplift_data):
    X, t, y, _ = uplift_data
    m = small()
    assert m.fit(X, t, y) is m
    effect = m.predict(X)
    assert isinstance(effect, np.ndarray) and effect.shape == (len(X),)
    assert m.n_features_in_ == X.shape[1]
    assert not hasattr(m, "feature_names_in_")
    assert m.outcome_kind_ == "binary"


def test_return_ci_gives_effect_lower_upper(uplift_data):
    X, t, y, _ = uplift_data
    m = small().fit(X, t, y)
    out = m.predict(X, return_ci=True)
    assert isinstance(out, tuple) and len(out) == 3
    effect, lower, upper = out
    assert effect.tobytes() == m.predict(X).tobytes()
    assert np.all(lower <= effect) and np.all(effect <= upper)
    # Normal intervals from the per-row standard error, alpha=0.05 by default.
    se = m.predict_std(X)
    np.testing.assert_allclose(upper - effect, norm.ppf(0.975) * se, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(effect - lower, norm.ppf(0.975) * se, rtol=1e-9, atol=1e-12)
    explicit = m.predict(X, return_ci=True, alpha=0.05)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(out, explicit))


def test_alpha_changes_width_monotonically(uplift_data):
    X, t, y, _ = uplift_data
    m = small().fit(X, t, y)
    widths = []
    for alpha in (0.01, 0.05, 0.1, 0.2, 0.5):
        effect, lower, upper = m.predict(X, return_ci=True, alpha=alpha)
        assert np.all(lower <= effect) and np.all(effect <= upper)
        widths.append(upper - lower)
    for wider, narrower in zip(widths, widths[1:]):
        assert np.all(wider >= narrower)
        assert np.mean(wider) > np.mean(narrower)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5])
def test_alpha_outside_zero_one_is_rejected(uplift_data, alpha):
    X, t, y, _ = uplift_data
    m = small().fit(X, t, y)
    with pytest.raises(optocom.InvalidParameterError, match="alpha") as info:
        m.predict(X, return_ci=True, alpha=alpha)
    assert info.value.parameter == "alpha"
    with pytest.raises(optocom.InvalidParameterError) as info:
        m.average_effect(alpha=alpha)
    assert (info.value.parameter, info.value.value) == ("alpha", repr(alpha)), str(info.value)


def test_a_target_that_is_not_numeric_names_the_row(uplift_data):
    X, t, y, _ = uplift_data
    bad = y.astype(object)
    bad[5] = "yes"
    with pytest.raises(optocom.InvalidValueError) as info:
        small().fit(X, t, bad)
    assert (info.value.row, info.value.column, info.value.value) == (5, "y", "yes")


def test_treatment_encodings_give_the_same_model(uplift_data):
    X, t, y, _ = uplift_data
    base = small().fit(X, t, y).predict(X)
    encodings = {
        "bool": (t.astype(bool), {}),
        "float": (t.astype(float), {}),
        "labels": (np.where(t == 1, "treatment", "control"), {"control_name": "control"}),
        "pandas": (pd.Series(t), {}),
    }
    for name, (treatment, kw) in encodings.items():
        got = small(**kw).fit(X, treatment, y).predict(X)
        assert got.tobytes() == base.tobytes(), name
    with pytest.warns(DataConversionWarning, match="column-vector treatment"):
        got = small().fit(X, t.reshape(-1, 1), y).predict(X)
    assert got.tobytes() == base.tobytes()


def test_treatment_problems_name_what_is_wrong(uplift_data):
    X, t, y, _ = uplift_data
    three = t + (np.arange(len(t)) % 2) * t  # groups 0, 1 and 2
    with pytest.raises(optocom.InvalidValueError, match="2 treatment groups") as info:
        small().fit(X, three, y)
    assert info.value.column == "treatment"
    labels = np.where(t == 1, "treatment", "control")
    with pytest.raises(optocom.InvalidValueError, match="control_name"):
        small().fit(X, labels, y)  # control_name defaults to 0
    tf = t.astype(float)
    tf[17] = np.nan
    with pytest.raises(optocom.InvalidValueError) as info:
        small().fit(X, tf, y)
    assert (info.value.row, info.value.column) == (17, "treatment")
    with pytest.raises(optocom.DegenerateTargetError, match="one treatment group"):
        small().fit(X, np.zeros_like(t), y)
    with pytest.raises(optocom.ShapeMismatchError, match="treatment has 10"):
        small().fit(X, t[:10], y)
    with pytest.raises(optocom.ShapeMismatchError, match="y has 10"):
        small().fit(X, t, y[:10])


def test_outcome_kind_auto_binary_continuous(uplift_data):
    X, t, y, _ = uplift_data
    assert small().fit(X, t, y).outcome_kind_ == "binary"
    assert small().fit(X, t, y * 2.5).outcome_kind_ == "continuous"
    assert small(outcome="continuous").fit(X, t, y).outcome_kind_ == "continuous"
    with pytest.raises(optocom.InvalidValueError, match="binary outcome must be 0 or 1") as info:
        small(outcome="binary").fit(X, t, y * 2.5)
    assert info.value.column == "y" and info.value.row == int(np.flatnonzero(y)[0])
    with pytest.raises(optocom.InvalidParameterError, match="outcome"):
        small(outcome="poisson").fit(X, t, y)


def test_binary_effects_and_bounds_are_clipped_to_minus_one_one():
    # Treated respond with probability min(1, 1.5 x0), controls never: the true effect
    # saturates at 1, where the local-linear plane overshoots it unless clipped.
    rng = np.random.default_rng(17)
    X = rng.uniform(size=(2000, 3))
    t = rng.integers(0, 2, 2000)
    y = ((rng.uniform(size=2000) < np.minimum(1.0, 1.5 * X[:, 0])) & (t == 1)).astype(float)
    binary = small(outcome="binary", n_estimators=100).fit(X, t, y)
    raw = small(outcome="continuous", n_estimators=100).fit(X, t, y)
    unclipped = raw.predict(X)
    assert (unclipped > 1.0).sum() > 0, "the plane must overshoot for the test to bite"
    effect, lower, upper = binary.predict(X, return_ci=True)
    assert effect.tobytes() == np.clip(unclipped, -1.0, 1.0).tobytes()
    assert binary.predict_std(X).tobytes() == raw.predict_std(X).tobytes()
    assert np.all((-1.0 <= lower) & (lower <= effect) & (effect <= upper) & (upper <= 1.0))
    ate = binary.average_effect()
    assert -1.0 <= ate["ci_low"] <= ate["estimate"] <= ate["ci_high"] <= 1.0


def test_recovers_a_known_effect_and_average(uplift_data):
    X, t, y, effect = uplift_data
    m = small(n_estimators=200).fit(X, t, y)
    est = m.predict(X)
    # 0.3 where x0 > 0, none elsewhere: the two halves are told apart.
    assert est[effect > 0].mean() - est[effect == 0].mean() > 0.15
    assert np.corrcoef(est, effect)[0, 1] > 0.6
    avg = m.average_effect()
    assert set(avg) >= {"estimate", "std_error", "ci_low", "ci_high"}
    observed = y[t == 1].mean() - y[t == 0].mean()
    assert avg["estimate"] == pytest.approx(observed, abs=1e-12)  # difference in arm means
    assert avg["ci_low"] < effect.mean() < avg["ci_high"]
    narrow = m.average_effect(alpha=0.5)
    assert avg["ci_low"] < narrow["ci_low"] < narrow["ci_high"] < avg["ci_high"]
    imp = m.feature_importances_
    assert imp.sum() == pytest.approx(1.0) and np.argmax(imp) == 0


# -- quality on the campaign generator (known truth) --------------------------------------


def test_response_intervals_cover_the_true_effects(campaign, response_model):
    X, _, truth = campaign
    true = truth["true_effect_response_prob"].to_numpy()
    effect, lower, upper = response_model.predict(X, return_ci=True)
    cover95 = np.mean((lower <= true) & (true <= upper))
    # Measured 0.922 (the module docs report 93.4% held out at 5k doctors; nominal 0.95 is
    # reached as n grows). A broken variance (e.g. zero) covers almost nothing.
    assert cover95 >= 0.85, cover95
    _, lo80, hi80 = response_model.predict(X, return_ci=True, alpha=0.2)
    cover80 = np.mean((lo80 <= true) & (true <= hi80))
    assert 0.65 <= cover80 < cover95, cover80  # measured 0.810
    # The ranking is informative: correlation with the truth, RMSE well below its spread.
    assert np.corrcoef(effect, true)[0, 1] > 0.9
    assert np.sqrt(np.mean((effect - true) ** 2)) < 0.5 * true.std()


def test_rx_change_intervals_cover_the_true_effects(campaign):
    X, tab, truth = campaign
    m = optocom.UpliftForest(random_state=0).fit(X, tab["treatment"], tab["rx_change"])
    assert m.outcome_kind_ == "continuous"
    true = truth["true_effect_rx"].to_numpy()
    effect, lower, upper = m.predict(X, return_ci=True)
    cover = np.mean((lower <= true) & (true <= upper))
    # The heavy-tailed Rx effect converges more slowly (measured 0.887; module docs: 89.1%
    # held out at 5k doctors).
    assert cover >= 0.75, cover
    assert np.corrcoef(effect, true)[0, 1] > 0.7


def test_average_effect_covers_the_true_mean_effect(campaign, response_model):
    _, _, truth = campaign
    avg = response_model.average_effect()
    assert avg["ci_low"] < truth["true_effect_response_prob"].mean() < avg["ci_high"]


def test_local_linear_correction_uses_the_continuous_columns_and_cuts_the_error(campaign):
    X, tab, truth = campaign
    true = truth["true_effect_response_prob"].to_numpy()
    t, y = tab["treatment"], tab["responded"]
    auto = optocom.UpliftForest(random_state=0).fit(X, t, y)
    # "auto": the three continuous columns, not the one-hot specialty/province columns
    assert auto.linear_columns_ == ["tenure_years", "baseline_rx", "pre_rx_mean"]
    off = optocom.UpliftForest(random_state=0, linear_correction="off").fit(X, t, y)
    assert off.linear_columns_ == []
    rmse = {
        name: float(np.sqrt(np.mean((m.predict(X) - true) ** 2)))
        for name, m in (("auto", auto), ("off", off))
    }
    # The effect is smooth in tenure and volume: the local plane removes smoothing bias.
    # Measured 0.0668 vs 0.0694 (honest, in-sample, 4,000 doctors; held out: the module
    # docs). A wrong design matrix or sign makes the correction far worse than none.
    assert rmse["auto"] < 0.98 * rmse["off"], rmse
    # by name or by index: the same forest, bit for bit
    by_name = optocom.UpliftForest(random_state=0, linear_correction=["baseline_rx"]).fit(X, t, y)
    by_index = optocom.UpliftForest(random_state=0, linear_correction=[1]).fit(X, t, y)
    assert by_name.linear_columns_ == ["baseline_rx"]
    assert by_name.predict(X).tobytes() == by_index.predict(X).tobytes()
    # a huge penalty removes the slopes: the uncorrected estimate, up to rounding
    stiff = optocom.UpliftForest(random_state=0, linear_penalty=1e12).fit(X, t, y)
    np.testing.assert_allclose(stiff.predict(X), off.predict(X), atol=1e-9)
    # it persists with the forest
    back = optocom.UpliftForest.from_json(auto.to_json())
    assert back.linear_columns_ == auto.linear_columns_
    assert back.predict(X).tobytes() == auto.predict(X).tobytes()


def test_params_the_core_does_not_keep_survive_save_and_load(campaign, tmp_path):
    X, tab, _ = campaign
    labels = np.where(tab["treatment"] == 1, "mailed", "holdout")
    kw = dict(control_name="holdout", outcome="binary", linear_correction=["baseline_rx"])
    m = small(**kw).fit(X, labels, tab["responded"])
    m.save(tmp_path / "u.json")
    for back in (optocom.UpliftForest.load(tmp_path / "u.json"), optocom.load(tmp_path / "u.json"),
                 optocom.UpliftForest.from_json(m.to_json()), optocom.from_json(m.to_json())):
        assert type(back) is optocom.UpliftForest
        assert back.get_params() == m.get_params()
        assert back.predict(X).tobytes() == m.predict(X).tobytes()
        # refitting the loaded forest's params on the same labels gives the same forest
        again = clone(back).fit(X, labels, tab["responded"])
        assert again.predict(X).tobytes() == m.predict(X).tobytes()
    # a NumPy label comes back as the equal Python value; a date is not kept (it would come
    # back as text and no longer match the treatment column), so the default shows
    days = np.where(tab["treatment"] == 1, 2, 7)
    m = small(control_name=np.int64(7)).fit(X, days, tab["responded"])
    assert optocom.UpliftForest.from_json(m.to_json()).control_name == 7
    m = small(outcome="continuous").fit(X, tab["treatment"], tab["responded"])
    assert optocom.UpliftForest.from_json(m.to_json()).get_params() == m.get_params()
    assert "host" not in json.loads(optocom.RandomForestRegressor(n_estimators=2).fit(
        X, tab["responded"]).to_json())


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(linear_correction="on"), "linear_correction"),
        (dict(linear_correction=["nope"]), "not a column of X"),
        (dict(linear_correction=[0, 0]), "listed twice"),
        (dict(linear_correction=[99]), "out of range"),
        (dict(linear_correction=list(range(9))), "at most 8"),
        (dict(linear_correction=[-1]), "non-negative"),
        (dict(linear_penalty=0.0), "linear_penalty"),
        (dict(linear_penalty=float("nan")), "linear_penalty"),
    ],
)
def test_bad_linear_correction_is_named(campaign, kw, match):
    X, tab, _ = campaign
    with pytest.raises(optocom.InvalidParameterError, match=match):
        small(**kw).fit(X, tab["treatment"], tab["responded"])


def test_raw_arrays_auto_correct_only_continuous_columns(uplift_data):
    X, t, y, _ = uplift_data
    flags = (X[:, :1] > 0).astype(float)  # a 0/1 column is not corrected
    m = small().fit(np.hstack([X, flags]), t, y)
    assert m.linear_columns_ == [0, 1, 2]
    wide = np.random.default_rng(0).normal(size=(len(X), 9))  # more than 8: none
    assert small().fit(wide, t, y).linear_columns_ == []


def test_dataframe_features_keep_their_names(campaign, response_model):
    X, _, _ = campaign
    assert list(response_model.feature_names_in_) == list(X.columns)
    with pytest.raises(optocom.SchemaMismatchError):
        response_model.predict(X[X.columns[::-1]])


# -- scikit-learn parameter contract -----------------------------------------------------


def test_get_params_set_params_clone(uplift_data):
    X, t, y, _ = uplift_data
    m = optocom.UpliftForest()
    defaults = m.get_params()
    assert defaults["n_estimators"] == 300 and defaults["min_samples_leaf"] == 5
    assert defaults["linear_correction"] == "auto" and defaults["linear_penalty"] == 0.1
    assert m.set_params(n_estimators=20, ci_group_size=4, control_name="c") is m
    assert m.get_params() == dict(defaults, n_estimators=20, ci_group_size=4, control_name="c")
    fitted = small(min_samples_leaf=3).fit(X, t, y)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    with pytest.raises(SkNotFittedError):
        copy.predict(X)
    assert copy.fit(X, t, y).predict(X).tobytes() == fitted.predict(X).tobytes()


def test_unfitted_use_raises_not_fitted(uplift_data, tmp_path):
    X, _, _, _ = uplift_data
    m = optocom.UpliftForest()
    for call in (
        lambda: m.predict(X),
        lambda: m.predict(X, return_ci=True),
        lambda: m.predict_std(X),
        lambda: m.average_effect(),
        lambda: m.feature_importances_,
        lambda: m.outcome_kind_,
        lambda: m.save(tmp_path / "u.json"),
    ):
        with pytest.raises(optocom.NotFittedError) as info:
            call()
        assert isinstance(info.value, SkNotFittedError) and isinstance(info.value, ValueError)


def test_wrong_feature_count(uplift_data):
    X, t, y, _ = uplift_data
    m = small().fit(X, t, y)
    with pytest.raises(ValueError, match="X has 2 features, but UpliftForest is expecting 3"):
        m.predict(X[:, :2])


@pytest.mark.parametrize(
    "params, name",
    [
        ({"n_estimators": 0}, "n_estimators"),
        ({"n_estimators": 21}, "n_estimators"),  # not a multiple of ci_group_size
        ({"min_samples_leaf": 0}, "min_samples_leaf"),
        ({"ci_group_size": 0}, "ci_group_size"),
        ({"sample_fraction": 0.0}, "sample_fraction"),
        ({"sample_fraction": 1.5}, "sample_fraction"),
        ({"max_depth": 0}, "max_depth"),
        ({"random_state": -3}, "random_state"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"center_trees": 1}, "center_trees"),
        ({"center_trees": -1}, "center_trees"),
    ],
)
def test_invalid_parameters_name_the_estimator_parameter(uplift_data, params, name):
    X, t, y, _ = uplift_data
    with pytest.raises(optocom.InvalidParameterError) as info:
        small(**params).fit(X, t, y)
    assert info.value.parameter == name
    assert f"`{name}`" in str(info.value)


# -- determinism and threads -------------------------------------------------------------


def test_local_centering_is_on_by_default_and_helps_on_the_campaign(campaign):
    """``center_trees`` (grf's local centering) is a real parameter: 0 centres on the mean
    only, the default 50 centres on an out-of-bag regression forest, and on the campaign
    generator the centred forest is at least as close to the true effects."""
    X, tab, truth = campaign
    tau = truth["true_effect_response_prob"].to_numpy()
    assert optocom.UpliftForest().get_params()["center_trees"] == 50
    rmse = {}
    for ct in (0, 50):
        m = optocom.UpliftForest(center_trees=ct, random_state=0).fit(X, tab["treatment"], tab["responded"])
        rmse[ct] = float(np.sqrt(np.mean((m.predict(X) - tau) ** 2)))
        back = optocom.UpliftForest.from_json(m.to_json())
        assert back.get_params()["center_trees"] == ct
    assert rmse[50] != rmse[0]
    assert rmse[50] <= rmse[0] * 1.02, rmse


def test_same_seed_same_bits_and_n_jobs_never_matters(uplift_data):
    X, t, y, _ = uplift_data
    outs = [
        np.concatenate(small(random_state=5, n_jobs=j).fit(X, t, y).predict(X, return_ci=True))
        for j in (1, 2, None)
    ]
    assert outs[0].tobytes() == outs[1].tobytes() == outs[2].tobytes()
    other = np.concatenate(small(random_state=6).fit(X, t, y).predict(X, return_ci=True))
    assert not np.array_equal(outs[0], other)


def test_random_state_none_follows_numpy_global_seed(uplift_data):
    X, t, y, _ = uplift_data
    np.random.seed(42)
    a = small(random_state=None).fit(X, t, y).predict(X)
    np.random.seed(42)
    b = small(random_state=None).fit(X, t, y).predict(X)
    assert a.tobytes() == b.tobytes()


def test_gil_is_released_during_fit(campaign):
    X, tab, _ = campaign
    m = optocom.UpliftForest(n_jobs=1, random_state=0)
    stamps, window = [], {}

    def work():
        window["start"] = time.perf_counter()
        m.fit(X, tab["treatment"], tab["responded"])
        window["end"] = time.perf_counter()

    th = threading.Thread(target=work)
    th.start()
    while th.is_alive():
        stamps.append(time.perf_counter())
    th.join()
    inside = [s for s in stamps if window["start"] <= s <= window["end"]]
    edges = [window["start"]] + inside + [window["end"]]
    duration = window["end"] - window["start"]
    assert duration > 0.05
    assert max(b - a for a, b in zip(edges, edges[1:])) < 0.5 * duration


def test_concurrent_predicts_agree(campaign, response_model):
    X, _, _ = campaign
    expected = np.concatenate(response_model.predict(X, return_ci=True))
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda _: np.concatenate(response_model.predict(X, return_ci=True)), range(6)))
    assert all(g.tobytes() == expected.tobytes() for g in got)


def test_python_defaults_are_the_cores():
    """The estimator's signature defaults (scikit-learn needs them spelled out) must be the
    core's, so neither side can drift."""
    from optocom import _optocom

    core = json.loads(_optocom.default_params("uplift_forest"))
    ours = json.loads(optocom.UpliftForest()._core_params())
    for k in ("n_trees", "min_samples_leaf", "max_depth", "max_features", "sample_fraction",
              "honesty", "ci_group_size", "center_trees"):
        assert ours[k] == core[k], k
