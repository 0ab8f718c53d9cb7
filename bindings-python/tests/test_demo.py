"""optocom.demo: the seeded generators (appointments with their known truth, campaign data
with the true effects) return DataFrames; same seed same frames; the truth columns follow
the documented model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import optocom

APPOINTMENT_COLUMNS = ["patient_id", "appointment_date", "age", "days_since_last_purchase",
                       "employed", "benefits", "driver", "vdu_user", "varifocal",
                       "high_prescription"]
TRUTH = ["true_probability", "true_expected_spend", "true_expected_amount",
         "true_amount_variance"]


@pytest.fixture(scope="module")
def with_truth():
    return optocom.demo.appointments(n_past=3000, n_upcoming=500, seed=11, truth=True)


def test_appointments_sizes_columns_and_dtypes():
    past, up = optocom.demo.appointments(n_past=1234, n_upcoming=321, seed=1)
    assert len(past) == 1234 and len(up) == 321
    assert list(past.columns) == APPOINTMENT_COLUMNS + ["amount"]
    assert list(up.columns) == APPOINTMENT_COLUMNS  # no amount before the visit
    assert past["appointment_date"].dtype.kind == "M"
    assert all(past[c].dtype == bool for c in APPOINTMENT_COLUMNS[4:])
    assert past["amount"].notna().all() and (past["amount"] >= 0).all()
    assert past["patient_id"].is_unique and not set(past["patient_id"]) & set(up["patient_id"])
    assert past["appointment_date"].is_monotonic_increasing
    assert past["age"].between(0, 120).all() and (past["days_since_last_purchase"] >= 0).all()


def test_default_sizes_are_the_core_generators():
    past, up = optocom.demo.appointments()
    assert (len(past), len(up)) == (10_000, 1_000)


def test_calendar_follows_the_documented_practice():
    """Past visits fall in the past_days before start_date, upcoming ones in the
    upcoming_days from it; the practice is closed on Sundays, 25-26 December and 1 January."""
    past, up = optocom.demo.appointments(n_past=6000, n_upcoming=2000, seed=2,
                                         start_date="2025-03-03", past_days=400,
                                         upcoming_days=300)
    start = pd.Timestamp("2025-03-03")
    assert past["appointment_date"].min() >= start - pd.Timedelta(days=400)
    assert past["appointment_date"].max() < start
    assert up["appointment_date"].min() >= start
    assert up["appointment_date"].max() < start + pd.Timedelta(days=300)
    dates = pd.concat([past["appointment_date"], up["appointment_date"]])
    assert not (dates.dt.day_of_week == 6).any()
    md = set(zip(dates.dt.month, dates.dt.day))
    assert not md & {(12, 25), (12, 26), (1, 1)}
    # Saturdays open (weight 0.6 against 1.0 on weekdays)
    sat = (dates.dt.day_of_week == 5).sum() / (dates.dt.day_of_week == 2).sum()
    assert 0.45 < sat < 0.75


def test_same_seed_same_frames_different_seed_different():
    a = optocom.demo.appointments(n_past=800, n_upcoming=100, seed=5, truth=True)
    b = optocom.demo.appointments(n_past=800, n_upcoming=100, seed=5, truth=True)
    c = optocom.demo.appointments(n_past=800, n_upcoming=100, seed=6, truth=True)
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    assert not a[0]["amount"].equals(c[0]["amount"])
    assert not a[1]["age"].equals(c[1]["age"])


def test_truth_columns_only_with_truth(with_truth):
    past, up = optocom.demo.appointments(n_past=100, n_upcoming=10, seed=11)
    assert not [c for c in past.columns if c.startswith("true_")]
    assert "actual_amount" not in up.columns
    tp, tu = with_truth
    assert list(tp.columns) == APPOINTMENT_COLUMNS + ["amount"] + TRUTH
    assert list(tu.columns) == APPOINTMENT_COLUMNS + TRUTH + ["actual_amount"]
    assert "actual_amount" not in tp.columns  # past rows carry their amount already
    assert tu["actual_amount"].notna().all() and (tu["actual_amount"] >= 0).all()
    # the truth does not change the rows themselves
    same_seed = optocom.demo.appointments(n_past=3000, n_upcoming=500, seed=11)
    pd.testing.assert_frame_equal(tp[same_seed[0].columns], same_seed[0])


def _documented_truth(df: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The hurdle model of optocom_core::data::demo's module docs, written out again."""
    ind = lambda s: s.astype(float)  # noqa: E731
    logistic = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    vf, hr, ben = ind(df.varifocal), ind(df.high_prescription), ind(df.benefits)
    emp, drv, vdu = ind(df.employed), ind(df.driver), ind(df.vdu_user)
    child, senior = ind(df.age < 16), ind(df.age >= 60)
    d = df.days_since_last_purchase
    g = np.where(d <= 0, 0.28, -0.73 + 0.97 * logistic((d - 540.0) / 70.0))
    eta = (-0.76 + 0.68 * vf + 0.45 * hr - 0.45 * ben + 0.20 * emp + 0.12 * drv + 0.20 * vdu
           - 0.25 * child + g + 0.25 * vf * vdu + 0.28 * ben * hr + 0.16 * drv * senior)
    p = logistic(eta)
    mu = 85.0 * np.exp(0.62 * vf + 0.30 * hr - 0.45 * ben + 0.12 * emp + 0.08 * vdu
                       + 0.005 * np.maximum(df.age - 40.0, 0.0) - 0.15 * child)
    t = threshold
    lo, hi = 0.05 * t, 0.60 * t
    s1 = 0.3 * (lo + hi) / 2.0
    s2 = 0.3 * (hi**3 - lo**3) / (3.0 * (hi - lo))
    spend = t + mu
    mean = p * spend + (1 - p) * s1
    var = p * (spend**2 + mu**2 / 2.0) + (1 - p) * s2 - mean**2
    return pd.DataFrame(dict(true_probability=p, true_expected_spend=spend,
                             true_expected_amount=mean, true_amount_variance=var))


@pytest.mark.parametrize("threshold", [100.0, 150.0])
def test_truth_is_the_documented_model(threshold):
    past, up = optocom.demo.appointments(n_past=2000, n_upcoming=300, seed=4, truth=True,
                                         threshold=threshold)
    for df in (past, up):
        expected = _documented_truth(df, threshold)
        for c in TRUTH:
            np.testing.assert_allclose(df[c], expected[c], rtol=1e-9, err_msg=c)


def test_outcomes_agree_with_the_truth(with_truth):
    """Sampled amounts against the true model: the qualifying-purchase rate and the mean
    amount are within four standard errors of their true means (the truth's own
    variances give the standard errors)."""
    past, up = with_truth
    for df, amount in ((past, past["amount"]), (up, up["actual_amount"])):
        n = len(df)
        bought = (amount >= 100.0).astype(float)
        p = df["true_probability"]
        se_rate = np.sqrt((p * (1 - p)).sum()) / n
        assert abs(bought.mean() - p.mean()) < 4 * se_rate
        se_mean = np.sqrt(df["true_amount_variance"].sum()) / n
        assert abs(amount.mean() - df["true_expected_amount"].mean()) < 4 * se_mean
        # amounts of a qualifying purchase are above the threshold, others below 60% of it
        assert ((amount >= 100.0) | (amount < 60.0 + 0.005)).all()


def test_polars_output():
    pl = pytest.importorskip("polars")
    past, up = optocom.demo.appointments(n_past=300, n_upcoming=40, seed=9, truth=True,
                                         output="polars")
    assert isinstance(past, pl.DataFrame) and isinstance(up, pl.DataFrame)
    assert past.schema["appointment_date"] == pl.Date
    assert past.schema["employed"] == pl.Boolean
    assert "amount" not in up.columns and "actual_amount" in up.columns
    pd_past, pd_up = optocom.demo.appointments(n_past=300, n_upcoming=40, seed=9, truth=True)
    assert past.columns == list(pd_past.columns) and up.columns == list(pd_up.columns)
    np.testing.assert_array_equal(past["amount"].to_numpy(), pd_past["amount"].to_numpy())
    assert past["patient_id"].to_list() == pd_past["patient_id"].tolist()
    assert [d.isoformat() for d in up["appointment_date"].to_list()] == \
        pd_up["appointment_date"].dt.strftime("%Y-%m-%d").tolist()


@pytest.mark.parametrize("bad", [dict(upcoming_days=0), dict(threshold=-5.0),
                                 dict(past_days=5000), dict(output="excel")])
def test_bad_parameters(bad):
    with pytest.raises(optocom.InvalidParameterError):
        optocom.demo.appointments(n_past=10, n_upcoming=10, **bad)


# -- campaigns --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def camp():
    return optocom.demo.campaigns(n_doctors=400, n_campaigns=3, seed=8)


def test_campaigns_sizes_and_tables(camp):
    assert len(camp.doctors) == 400 and len(camp.campaigns) == 3
    assert list(camp.doctors.columns) == ["doctor_id", "specialty", "province", "tenure_years",
                                          "baseline_rx"]
    assert camp.doctors["doctor_id"].is_unique
    # every doctor is randomised into or out of every campaign
    assert len(camp.targeting) == 400 * 3
    assert camp.targeting.groupby("campaign_id")["doctor_id"].nunique().eq(400).all()
    assert camp.targeting["campaign_target"].dtype == bool
    assert set(camp.rx["doctor_id"]) <= set(camp.doctors["doctor_id"])
    assert set(camp.rx["product"]) == set(camp.campaigns["product"])
    assert camp.rx["period"].dt.day.eq(1).all()  # monthly records
    assert (camp.rx["count"] >= 0).all()
    assert (camp.campaigns["start_date"] <= camp.campaigns["end_date"]).all()
    assert "400 doctors, 3 campaigns" in repr(camp)


def test_campaign_truth_matches_targeting(camp):
    t = camp.truth
    assert len(t) == 400 * 3
    assert {"doctor_id", "campaign_id", "targeted", "true_effect_rx",
            "true_effect_response_prob"} <= set(t.columns)
    merged = t.merge(camp.targeting, on=["doctor_id", "campaign_id"])
    assert len(merged) == len(t)
    assert (merged["targeted"] == merged["campaign_target"]).all()
    np.testing.assert_allclose(t["true_effect_response_prob"],
                               t["p_response_treated"] - t["p_response_control"], atol=1e-12)
    assert t["p_response_treated"].between(0, 1).all()
    assert t["true_effect_response_prob"].mean() > 0.05  # campaigns work on average


def test_campaigns_same_seed_same_data():
    a = optocom.demo.campaigns(n_doctors=150, n_campaigns=2, seed=3)
    b = optocom.demo.campaigns(n_doctors=150, n_campaigns=2, seed=3)
    c = optocom.demo.campaigns(n_doctors=150, n_campaigns=2, seed=4)
    for name in ("doctors", "campaigns", "targeting", "rx", "truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.doctors.equals(c.doctors)


def test_effect_scale_zero_means_no_campaign_effect():
    demo = optocom.demo.campaigns(n_doctors=300, n_campaigns=1, seed=2, effect_scale=0.0)
    assert (demo.truth["true_effect_rx"] == 0).all()
    assert demo.truth["true_effect_response_prob"].abs().max() < 1e-12


def test_campaign_demo_feeds_campaign_analytics(camp):
    ca = optocom.CampaignAnalytics(camp)
    summary = ca.campaigns().data
    targeted = camp.targeting.groupby("campaign_id")["campaign_target"].sum()
    assert summary.set_index("campaign_id")["targeted_doctors"].equals(
        targeted.rename("targeted_doctors").astype(summary["targeted_doctors"].dtype))


def test_campaign_demo_bad_parameters():
    with pytest.raises(optocom.InvalidParameterError):
        optocom.demo.campaigns(n_doctors=100, target_share=1.5)
    with pytest.raises(optocom.InvalidParameterError):
        optocom.demo.campaigns(n_doctors=100, n_campaigns=0)


@pytest.mark.parametrize("bad", ["x", "2025-13-45", object()])
def test_a_start_date_that_is_not_a_date_is_named(bad):
    with pytest.raises(optocom.InvalidParameterError) as info:
        optocom.demo.appointments(n_past=10, n_upcoming=2, start_date=bad)
    assert info.value.parameter == "start_date"


def test_bad_generator_arguments_are_named_by_their_keyword():
    for call, name in ((lambda: optocom.demo.appointments(n_past=-1), "n_past"),
                       (lambda: optocom.demo.appointments(seed=-1), "seed"),
                       (lambda: optocom.demo.campaigns(n_doctors=-1), "n_doctors")):
        with pytest.raises(optocom.InvalidParameterError) as info:
            call()
        assert info.value.parameter == name, str(info.value)


def test_generator_counts_and_seeds_are_whole_numbers_and_other_numbers_finite():
    camp = optocom.demo.campaigns(n_doctors=200.0, n_campaigns=2.0, seed=np.int64(1))
    assert (len(camp.doctors), len(camp.campaigns)) == (200, 2)
    past, up = optocom.demo.appointments(n_past=50.0, n_upcoming=np.uint16(5), seed=1.0,
                                         past_days=30.0)
    assert (len(past), len(up)) == (50, 5)
    ref = optocom.demo.appointments(n_past=50, n_upcoming=5, seed=1, past_days=30)
    pd.testing.assert_frame_equal(past, ref[0])
    cases = [
        (lambda: optocom.demo.campaigns(seed=2**64), "seed", "must be below 2^64"),
        (lambda: optocom.demo.campaigns(n_doctors=10.5), "n_doctors", "must be a whole number"),
        (lambda: optocom.demo.campaigns(n_campaigns=True), "n_campaigns", "not a bool"),
        (lambda: optocom.demo.appointments(upcoming_days="7"), "upcoming_days", "whole number"),
        (lambda: optocom.demo.campaigns(effect_scale=np.nan), "effect_scale", "must be finite"),
        (lambda: optocom.demo.campaigns(target_share=np.inf), "target_share", "must be finite"),
        (lambda: optocom.demo.campaigns(target_share="0.5"), "target_share", "must be a number"),
        (lambda: optocom.demo.appointments(threshold=float("nan")), "threshold", "must be finite"),
    ]
    for call, name, reason in cases:
        with pytest.raises(optocom.InvalidParameterError) as info:
            call()
        assert info.value.parameter == name, str(info.value)
        assert reason in str(info.value), str(info.value)
        assert "e+19" not in str(info.value)
