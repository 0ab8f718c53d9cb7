"""optocom.CampaignAnalytics: the campaign API's queries as a library. Metrics, trends and
rankings are recomputed here with pandas from the raw tables (difference in differences,
Welch interval, response rule) and must agree; filters and pagination behave as the
seed API's query parameters; uplift intervals cover the generator's true effects;
segmentation, recommendations and the streaming CSV export."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import optocom
from _domain_helpers import FIXTURES, write_xlsx

TABLES = ("doctors", "campaigns", "targeting", "rx")
CAMPAIGN_DIR = FIXTURES / "campaign"


@pytest.fixture(scope="module")
def ca():
    """The built-in sample data: 2,000 doctors, 4 randomised campaigns (seed 42)."""
    return optocom.CampaignAnalytics()


@pytest.fixture(scope="module")
def tables(ca):
    return ca.tables()


@pytest.fixture(scope="module")
def demo():
    return optocom.demo.campaigns(seed=3)


@pytest.fixture(scope="module")
def demo_ca(demo):
    return optocom.CampaignAnalytics(demo)


def by_hand(tables: dict, campaign_id: int, pre_periods: int = 6) -> pd.DataFrame:
    """Per-doctor pre/post mean monthly Rx of the campaign's product, the change and the
    response rule (at least +1 a month and +10%), from the raw tables with pandas: pre
    window the 6 months before the start month, post window the campaign's own months, a
    month without a record counts as zero."""
    camp = tables["campaigns"].set_index("campaign_id").loc[campaign_id]
    start = camp["start_date"].to_period("M")
    end = camp["end_date"].to_period("M")
    pre = pd.period_range(start - pre_periods, start - 1, freq="M")
    post = pd.period_range(start, end, freq="M")
    rx = tables["rx"][tables["rx"]["product"] == camp["product"]]
    month = rx["period"].dt.to_period("M")
    tg = tables["targeting"]
    tg = tg[tg["campaign_id"] == campaign_id].set_index("doctor_id")["campaign_target"].astype(bool)

    def window_sum(months):
        return rx[month.isin(months)].groupby("doctor_id")["count"].sum().reindex(tg.index, fill_value=0.0)

    pre_sum, post_sum = window_sum(pre), window_sum(post)
    df = pd.DataFrame({"targeted": tg,
                       "rx_pre": pre_sum / len(pre),
                       "rx_post": post_sum / len(post)})
    # The change and the rule in exact arithmetic on the (whole) window sums: a change of
    # exactly +1 a month or +10% is a response, whatever rounding the means carry.
    num = post_sum * len(pre) - pre_sum * len(post)  # change * len(pre) * len(post)
    df["rx_change"] = num / (len(pre) * len(post))
    df["responded"] = 10 * num >= np.maximum(10 * len(pre) * len(post), pre_sum * len(post))
    return df.join(tables["doctors"].set_index("doctor_id"))


# -- campaigns and metrics --------------------------------------------------------------


def test_default_sample_data(ca, tables):
    page = ca.campaigns()
    assert page.total == 4 and page.page == 1 and page.pages == 1
    summary = page.data
    assert list(summary["campaign_id"]) == [1, 2, 3, 4]
    n = len(tables["doctors"])
    assert n == 2000
    assert (summary["targeted_doctors"] + summary["control_doctors"] == n).all()
    assert "2000 doctors, 4 campaigns" in repr(ca)
    # the sample is the campaign generator with the default seed 42
    gen = optocom.demo.campaigns(seed=42)
    for name in TABLES:
        pd.testing.assert_frame_equal(tables[name], getattr(gen, name))
    other = optocom.CampaignAnalytics(seed=7).tables()["doctors"]
    assert not other.equals(tables["doctors"])


def test_campaign_list_filters_and_pages(ca, tables):
    cardiology = ca.campaigns(specialty="Cardiology").data
    n_cardio = int((tables["doctors"]["specialty"] == "Cardiology").sum())
    assert (cardiology["targeted_doctors"] + cardiology["control_doctors"] == n_cardio).all()
    p2 = ca.campaigns(page=2, per_page=3)
    assert (p2.total, p2.pages, len(p2)) == (4, 2, 1)
    assert p2.data["campaign_id"].tolist() == [4]
    nobody = ca.campaigns(specialty="Astrology")
    assert (nobody.total, nobody.pages, len(nobody)) == (0, 0, 0)  # as the core counts


@pytest.mark.parametrize("campaign_id", [1, 3])
def test_metrics_agree_with_the_raw_tables(ca, tables, campaign_id):
    stats = pytest.importorskip("scipy.stats")
    m = ca.metrics(campaign_id, confidence=0.95)
    h = by_hand(tables, campaign_id)
    t, c = h[h["targeted"]], h[~h["targeted"]]
    for group, g in (("targeted", t), ("control", c)):
        gm = m[group]
        assert gm["doctors"] == len(g)
        assert gm["responders"] == int(g["responded"].sum())
        assert gm["response_rate"] == pytest.approx(g["responded"].mean(), rel=1e-12)
        assert gm["mean_rx_pre"] == pytest.approx(g["rx_pre"].mean(), rel=1e-12)
        assert gm["mean_rx_post"] == pytest.approx(g["rx_post"].mean(), rel=1e-12)
        assert gm["mean_rx_change"] == pytest.approx(g["rx_change"].mean(), rel=1e-12)
        assert gm["sd_rx_change"] == pytest.approx(g["rx_change"].std(ddof=1), rel=1e-12)
    # difference in differences with Welch's standard error and t interval
    lift = m["lift"]
    did = (t["rx_post"].mean() - t["rx_pre"].mean()) - (c["rx_post"].mean() - c["rx_pre"].mean())
    assert lift["estimate"] == pytest.approx(did, rel=1e-10)
    vt, vc = t["rx_change"].var(ddof=1) / len(t), c["rx_change"].var(ddof=1) / len(c)
    se = math.sqrt(vt + vc)
    df = (vt + vc) ** 2 / (vt**2 / (len(t) - 1) + vc**2 / (len(c) - 1))
    assert lift["std_error"] == pytest.approx(se, rel=1e-10)
    assert lift["df"] == pytest.approx(df, rel=1e-10)
    q = stats.t.ppf(0.975, df)
    assert lift["ci_low"] == pytest.approx(did - q * se, rel=1e-8)
    assert lift["ci_high"] == pytest.approx(did + q * se, rel=1e-8)
    assert lift["ci_low"] <= lift["estimate"] <= lift["ci_high"]
    assert m["lift_pct"] == pytest.approx(100 * did / t["rx_pre"].mean(), rel=1e-10)
    # response-rate difference, unpooled Wald interval
    r = m["response_rate_diff"]
    pt, pc = t["responded"].mean(), c["responded"].mean()
    se_r = math.sqrt(pt * (1 - pt) / len(t) + pc * (1 - pc) / len(c))
    assert r["estimate"] == pytest.approx(pt - pc, rel=1e-12)
    assert r["ci_low"] == pytest.approx(pt - pc - stats.norm.ppf(0.975) * se_r, rel=1e-8)
    # randomised campaigns with a positive true effect: the lift is clearly positive
    assert lift["ci_low"] > 0 and r["ci_low"] > 0


def test_metrics_confidence_and_filters(ca, tables):
    wide = ca.metrics(2, confidence=0.99)["lift"]
    narrow = ca.metrics(2, confidence=0.80)["lift"]
    assert wide["estimate"] == narrow["estimate"]
    assert wide["ci_high"] - wide["ci_low"] > narrow["ci_high"] - narrow["ci_low"]
    h = by_hand(tables, 2)
    sel = h[h["province"].isin(["Ontario", "Quebec"]) & (h["tenure_years"] >= 10)]
    m = ca.metrics(2, province=["Ontario", "Quebec"], tenure_min=10)
    assert m["targeted"]["doctors"] == int(sel["targeted"].sum())
    assert m["control"]["doctors"] == int((~sel["targeted"]).sum())
    assert m["targeted"]["mean_rx_change"] == pytest.approx(
        sel.loc[sel["targeted"], "rx_change"].mean(), rel=1e-12)
    only_targeted = ca.metrics(2, campaign_target=True)
    assert only_targeted["control"]["doctors"] == 0 and only_targeted["lift"] is None
    with pytest.raises(optocom.InvalidParameterError):
        ca.metrics(2, confidence=1.5)
    with pytest.raises(optocom.InvalidParameterError):
        ca.metrics(2, tenure_min=20, tenure_max=10)
    with pytest.raises(optocom.EmptyInputError):
        ca.metrics(2, specialty="Astrology")


def test_metrics_on_the_small_fixture_by_hand():
    """fixtures/campaign: campaign 1 targets doctors 1 and 3 (controls 2 and 4). Doctor 1
    wrote 45 Product A prescriptions in Feb 2024 (pre window Sep 2023-Feb 2024) and 52 in
    Mar 2024 (post window Mar-May 2024): pre 45/6 = 7.5, post 52/3."""
    ca = optocom.CampaignAnalytics(CAMPAIGN_DIR)
    top = ca.top_responders(1).data.set_index("doctor_id")
    assert top.loc[1, "rx_pre"] == 7.5
    assert top.loc[1, "rx_post"] == pytest.approx(52 / 3, rel=1e-15)
    assert top.loc[3, "rx_post"] == pytest.approx(101 / 3, rel=1e-15)
    m = ca.metrics(1)
    assert m["window"]["pre_start"] == "2023-09-01" and m["window"]["post_end"] == "2024-05-31"
    assert m["targeted"]["mean_rx_change"] == pytest.approx(((52 / 3 - 7.5) + 101 / 3) / 2)
    # campaign 2 has one doctor per group: no interval can be estimated
    m2 = ca.metrics(2)
    assert m2["targeted"]["doctors"] == 1 and m2["lift"] is None
    assert m2["response_rate_diff"] is None


def test_rx_trend(ca, tables):
    trend = ca.rx_trend(1)
    assert len(trend) == 12
    assert trend["phase"].tolist() == ["pre"] * 6 + ["post"] * 6
    assert trend["period"].dt.day.eq(1).all()
    h = by_hand(tables, 1)
    assert (trend["targeted_doctors"] == h["targeted"].sum()).all()
    m = ca.metrics(1)
    pre, post = trend[trend["phase"] == "pre"], trend[trend["phase"] == "post"]
    assert pre["targeted_mean_rx"].mean() == pytest.approx(m["targeted"]["mean_rx_pre"], rel=1e-10)
    assert post["control_mean_rx"].mean() == pytest.approx(m["control"]["mean_rx_post"], rel=1e-10)
    np.testing.assert_allclose(trend["targeted_total_rx"],
                               trend["targeted_mean_rx"] * trend["targeted_doctors"], rtol=1e-12)
    assert ca.rx_trend(1, specialty="Astrology").empty


# -- top responders ---------------------------------------------------------------------


def test_top_responders_ranking_matches_the_raw_tables(ca, tables):
    h = by_hand(tables, 1).reset_index()
    expected = h.sort_values(["rx_change", "doctor_id"], ascending=[False, True])
    page = ca.top_responders(1, per_page=100)
    d = page.data
    assert page.total == len(h)
    assert d["doctor_id"].tolist() == expected["doctor_id"].head(100).tolist()
    np.testing.assert_allclose(d["rx_change"], expected["rx_change"].head(100), rtol=1e-12)
    assert (d["responded"].to_numpy() == expected["responded"].head(100).to_numpy()).all()
    assert (d["score"] == d["rx_change"]).all()


def test_top_responders_pagination(ca):
    per_page = 37
    first = ca.top_responders(1, per_page=per_page, specialty="Cardiology")
    total = first.total
    assert first.pages == math.ceil(total / per_page)
    pages = [ca.top_responders(1, page=p, per_page=per_page, specialty="Cardiology")
             for p in range(1, first.pages + 1)]
    sizes = [len(p) for p in pages]
    assert sizes[:-1] == [per_page] * (len(pages) - 1)
    assert sizes[-1] == total - per_page * (len(pages) - 1)
    everything = pd.concat([p.data for p in pages], ignore_index=True)
    assert len(everything) == total
    assert everything["doctor_id"].is_unique  # no overlap between pages
    assert everything["rank"].tolist() == list(range(1, total + 1))
    assert everything["score"].is_monotonic_decreasing
    assert all(p.page == i for i, p in enumerate(pages, start=1))
    beyond = ca.top_responders(1, page=first.pages + 1, per_page=per_page, specialty="Cardiology")
    assert len(beyond) == 0 and beyond.total == total
    assert len(ca.top_responders(1)) == 50  # the default page size
    with pytest.raises(optocom.InvalidParameterError) as e:
        ca.top_responders(1, per_page=501)
    assert e.value.parameter == "per_page"
    with pytest.raises(optocom.InvalidParameterError):
        ca.top_responders(1, page=0)


@pytest.mark.parametrize("filters", [
    dict(specialty="Oncology"),
    dict(specialty=["Cardiology", "Neurology"], province="Ontario"),
    dict(province=["Quebec", "Alberta"], tenure_min=5, tenure_max=15),
    dict(min_rx=100.0),
    dict(min_rx=50, max_rx=80, campaign_target=True),
    dict(campaign_target=False, specialty="general practice"),  # case-insensitive
])
def test_top_responders_filters_restrict_the_doctors(ca, tables, filters):
    page = ca.top_responders(2, per_page=500, **filters)
    h = by_hand(tables, 2).reset_index()
    keep = pd.Series(True, index=h.index)

    def many(v):
        return [v.lower()] if isinstance(v, str) else [x.lower() for x in v]

    if "specialty" in filters:
        keep &= h["specialty"].str.lower().isin(many(filters["specialty"]))
    if "province" in filters:
        keep &= h["province"].str.lower().isin(many(filters["province"]))
    if "tenure_min" in filters:
        keep &= h["tenure_years"] >= filters["tenure_min"]
    if "tenure_max" in filters:
        keep &= h["tenure_years"] <= filters["tenure_max"]
    if "min_rx" in filters:
        keep &= h["baseline_rx"] >= filters["min_rx"]
    if "max_rx" in filters:
        keep &= h["baseline_rx"] <= filters["max_rx"]
    if "campaign_target" in filters:
        keep &= h["targeted"] == filters["campaign_target"]
    expected = set(h.loc[keep, "doctor_id"])
    assert 0 < page.total < len(h)
    assert page.total == len(expected)
    everything = pd.concat([ca.top_responders(2, page=p, per_page=500, **filters).data
                            for p in range(1, page.pages + 1)])
    assert set(everything["doctor_id"]) == expected


def test_rank_by_an_uplift_frame(demo_ca):
    up = demo_ca.uplift(1)
    page = demo_ca.top_responders(1, rank_by=up, per_page=20)
    expected = up.sort_values(["effect", "doctor_id"], ascending=[False, True]).head(20)
    assert page.data["doctor_id"].tolist() == expected["doctor_id"].tolist()
    np.testing.assert_array_equal(page.data["score"], expected["effect"])
    # a mapping of a few doctors ranks only those
    scores = {5: 0.1, 9: 0.7, 2: 0.4}
    few = demo_ca.top_responders(1, rank_by=scores)
    assert few.total == 3 and few.data["doctor_id"].tolist() == [9, 2, 5]
    with pytest.raises(optocom.InvalidParameterError):
        demo_ca.top_responders(1, rank_by={1: float("nan")})


def test_filter_and_rank_by_arguments(ca, demo_ca, tmp_path):
    # the campaign API's plural names work as aliases
    a = ca.top_responders(1, specialties=["Cardiology", "Oncology"], provinces="Ontario")
    b = ca.top_responders(1, specialty=["Cardiology", "Oncology"], province="Ontario")
    assert a.total == b.total > 0
    pd.testing.assert_frame_equal(a.data, b.data)
    with pytest.raises(optocom.InvalidParameterError) as e:
        ca.top_responders(1, specialty="Oncology", specialties="Cardiology")
    assert e.value.parameter == "specialties"
    with pytest.raises(TypeError):
        ca.top_responders(1, speciality="Oncology")  # misspelt filters are not ignored
    for bad in (float("nan"), float("inf"), "x", True):
        with pytest.raises(optocom.InvalidParameterError) as e:
            ca.metrics(1, min_rx=bad)
        assert e.value.parameter == "min_rx"
    assert ca.metrics(1, min_rx=np.float32(5)) == ca.metrics(1, min_rx=5)  # numpy scalars
    assert (ca.top_responders(1, campaign_target=np.True_).total
            == ca.top_responders(1, campaign_target=True).total)
    # a wrongly typed value is named by its keyword, with its value
    with pytest.raises(optocom.InvalidParameterError) as e:
        ca.top_responders(1, campaign_target="yes")
    assert (e.value.parameter, e.value.value) == ("campaign_target", "'yes'")
    with pytest.raises(optocom.InvalidParameterError) as e:
        ca.top_responders(1, rank_by="uplift")
    assert e.value.parameter == "rank_by"
    with pytest.raises(optocom.InvalidParameterError):
        ca.top_responders(1, rank_by=pd.DataFrame({"doctor_id": [1], "score": [0.5]}))
    # the export ranks like top_responders, uplift frames included
    up = demo_ca.uplift(1)
    path = tmp_path / "by_uplift.csv"
    out = demo_ca.export_csv(path, "responders", campaign_id=1, rank_by=up)
    page = demo_ca.top_responders(1, rank_by=up, per_page=500)
    back = pd.read_csv(path)
    assert out["rows"] == len(up)
    assert back["doctor_id"].head(500).tolist() == page.data["doctor_id"].tolist()


def test_page_html(ca):
    page = ca.top_responders(1, per_page=10)
    html = page._repr_html_()
    assert f"page 1 of {page.pages}" in html and f"({page.total} rows)" in html
    assert str(page.data["doctor_id"].iloc[0]) in html


# -- uplift -----------------------------------------------------------------------------


def test_uplift_intervals(demo_ca, demo):
    up = demo_ca.uplift(1)
    assert list(up.columns) == ["doctor_id", "effect", "lower", "upper", "std_error", "treatment"]
    assert len(up) == len(demo.doctors) and up["doctor_id"].is_unique
    assert (up["lower"] <= up["effect"]).all() and (up["effect"] <= up["upper"]).all()
    assert (up["std_error"] > 0).all()
    # normal intervals: effect -/+ z * std_error (z = 1.96 at alpha = 0.05), clipped to
    # [-1, 1] since the effect on a response is a difference of probabilities
    half = 1.959963984540054 * up["std_error"]
    np.testing.assert_allclose(up["upper"], np.minimum(up["effect"] + half, 1.0), rtol=1e-9)
    np.testing.assert_allclose(up["lower"], np.maximum(up["effect"] - half, -1.0), rtol=1e-9,
                               atol=1e-15)
    assert (up["lower"] >= -1.0).all() and (up["upper"] <= 1.0).all()
    assert (up["upper"] == 1.0).sum() > 0  # this draw has bounds the clip acts on
    narrower = demo_ca.uplift(1, alpha=0.5)
    assert ((narrower["upper"] - narrower["lower"]) < (up["upper"] - up["lower"])).all()
    pd.testing.assert_series_equal(narrower["effect"], up["effect"])


@pytest.mark.parametrize("outcome,truth_col,min_cover,max_width,min_corr", [
    # Measured over 4 seeds x 2 campaigns at 2,000 doctors (in-sample): coverage of the true
    # effect by the 95% intervals 0.78-0.88 (response) and 0.76-0.84 (Rx change), mean width
    # 0.20-0.23 and 1.7-2.1, correlation with the truth 0.89-0.96 and 0.84-0.87. The forest's
    # smoothing bias keeps coverage under nominal at this size (the core's docs measure 91% /
    # 84% at 5,000 held-out doctors, 96% / 93% at 50,000).
    ("responded", "true_effect_response_prob", 0.75, 0.30, 0.85),
    ("rx_change", "true_effect_rx", 0.72, 2.6, 0.78),
])
def test_uplift_covers_the_demo_truth(demo_ca, demo, outcome, truth_col, min_cover, max_width, min_corr):
    up = demo_ca.uplift(1, outcome=outcome)
    truth = demo.truth[demo.truth["campaign_id"] == 1].set_index("doctor_id").loc[up["doctor_id"]]
    tau = truth[truth_col].to_numpy()
    covered = ((up["lower"].to_numpy() <= tau) & (tau <= up["upper"].to_numpy())).mean()
    assert covered >= min_cover, covered
    assert (up["upper"] - up["lower"]).mean() <= max_width  # not merely wide intervals
    assert np.corrcoef(up["effect"], tau)[0, 1] >= min_corr


def test_uplift_average_agrees_with_the_response_rate_difference(demo_ca):
    up, model = demo_ca.uplift(2, return_model=True)
    ate = model.average_effect()
    m = demo_ca.metrics(2)["response_rate_diff"]
    assert ate["estimate"] == pytest.approx(m["estimate"], abs=1e-9)  # both: difference in means
    assert abs(up["effect"].mean() - m["estimate"]) < 0.04


def test_uplift_table_matches_the_raw_tables(ca, tables):
    tab = ca.uplift_table(1)
    h = by_hand(tables, 1)
    assert tab["doctor_id"].tolist() == h.index.tolist()
    np.testing.assert_allclose(tab["rx_change"], h["rx_change"], rtol=1e-12, atol=1e-12)
    assert (tab["responded"].astype(bool).to_numpy() == h["responded"].to_numpy()).all()
    assert (tab["treatment"].astype(bool).to_numpy() == h["targeted"].to_numpy()).all()


def test_uplift_parameters(demo_ca):
    with pytest.raises(optocom.InvalidParameterError):
        demo_ca.uplift(1, outcome="revenue")
    a = demo_ca.uplift(1, random_state=5, n_estimators=50)
    b = demo_ca.uplift(1, random_state=5, n_estimators=50)
    pd.testing.assert_frame_equal(a, b)


def test_uplift_linear_correction_by_name_or_a_bad_value(demo_ca):
    _, by_name = demo_ca.uplift(1, n_estimators=20, linear_correction=["baseline_rx"], return_model=True)
    assert by_name.linear_columns_ == ["baseline_rx"]
    with pytest.raises(optocom.InvalidParameterError, match="linear_correction"):
        demo_ca.uplift(1, n_estimators=20, linear_correction=3)  # not a list: a typed error


def test_uplift_is_the_forest_fitted_on_the_uplift_table(demo_ca):
    up, model = demo_ca.uplift(1, n_estimators=40, return_model=True)
    tab = demo_ca.uplift_table(1)
    X = tab.drop(columns=["doctor_id", "treatment", "responded", "rx_change"])
    by_hand = optocom.UpliftForest(n_estimators=40, random_state=42).fit(
        X, tab["treatment"], tab["responded"])
    effect, lower, upper = by_hand.predict(X, return_ci=True)
    assert up["effect"].to_numpy().tobytes() == effect.tobytes()
    assert up["lower"].to_numpy().tobytes() == lower.tobytes()
    assert up["upper"].to_numpy().tobytes() == upper.tobytes()
    assert up["treatment"].tolist() == tab["treatment"].tolist()
    # The returned estimator is fitted on the table's columns and predicts like by_hand.
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.outcome_kind_ == "binary" and model.n_estimators == 40
    assert model.predict(X).tobytes() == effect.tobytes()


def test_a_forest_fitted_on_the_uplift_table_frame_scores_through_the_analytics(demo_ca):
    """The documented held-out route: fit ``UpliftForest`` on ``uplift_table``'s columns,
    then score the campaign with it; its one-hot columns are plain numbers to the forest,
    and are encoded by name."""
    tab = demo_ca.uplift_table(1)
    X = tab.drop(columns=["doctor_id", "treatment", "responded", "rx_change"])
    forest = optocom.UpliftForest(n_estimators=30, random_state=0).fit(X, tab["treatment"], tab["responded"])
    scored = demo_ca.uplift(1, model=forest)
    assert scored["doctor_id"].tolist() == tab["doctor_id"].tolist()
    effect, lower, upper = forest.predict(X, return_ci=True)
    np.testing.assert_array_equal(scored["effect"].to_numpy(), effect)
    np.testing.assert_array_equal(scored["lower"].to_numpy(), lower)


def test_a_pretrained_uplift_model_scores_without_refitting(demo, demo_ca, tmp_path):
    """The campaign API's pretrain-then-serve workflow: fit once, save, and later score the
    doctors (of the same or a newer snapshot of the data) with the loaded forest."""
    up, model = demo_ca.uplift(1, n_estimators=40, return_model=True)
    model.save(tmp_path / "uplift.json")
    pretrained = optocom.load(tmp_path / "uplift.json")
    again = demo_ca.uplift(1, model=pretrained)
    pd.testing.assert_frame_equal(again, up)
    scored, same = demo_ca.uplift(1, model=pretrained, alpha=0.1, return_model=True)
    assert same is pretrained
    pd.testing.assert_series_equal(scored["effect"], up["effect"])
    assert (scored["upper"] - scored["lower"] < up["upper"] - up["lower"]).all()

    # A later snapshot: one province's doctors have left, one doctor has a new specialty.
    # Its uplift table has other one-hot columns, so a forest fitted then cannot take it as
    # it is; scoring through the analytics encodes the doctors under the forest's columns.
    gone = demo.doctors["province"].iloc[0]
    doctors = demo.doctors[demo.doctors["province"] != gone].reset_index(drop=True)
    doctors.loc[0, "specialty"] = "Space Medicine"
    keep = set(doctors["doctor_id"])
    later = optocom.CampaignAnalytics(dict(
        doctors=doctors, campaigns=demo.campaigns,
        targeting=demo.targeting[demo.targeting["doctor_id"].isin(keep)],
        rx=demo.rx[demo.rx["doctor_id"].isin(keep)]))
    tab = later.uplift_table(1)
    assert list(tab.columns) != ["doctor_id", *pretrained.feature_names_in_, "treatment",
                                 "responded", "rx_change"]
    new = later.uplift(1, model=pretrained)
    assert new["doctor_id"].tolist() == tab["doctor_id"].tolist()
    before = up.set_index("doctor_id")["effect"]
    moved = doctors.loc[0, "doctor_id"]
    unchanged = new[new["doctor_id"] != moved]
    # Doctors whose features did not change keep their effect, bit for bit.
    assert (unchanged["effect"].to_numpy() == before.loc[unchanged["doctor_id"]].to_numpy()).all()

    # Refused: forest parameters with a model, another outcome, anything but a fitted forest,
    # a forest of other features.
    with pytest.raises(optocom.InvalidParameterError, match="n_estimators"):
        demo_ca.uplift(1, model=pretrained, n_estimators=10)
    with pytest.raises(optocom.InvalidParameterError, match="fitted for 'responded'"):
        demo_ca.uplift(1, model=pretrained, outcome="rx_change")
    with pytest.raises(optocom.InvalidParameterError, match="UpliftForest"):
        demo_ca.uplift(1, model="uplift.json")
    with pytest.raises(optocom.NotFittedError):
        demo_ca.uplift(1, model=optocom.UpliftForest())
    rng = np.random.default_rng(0)
    other = optocom.UpliftForest(n_estimators=20).fit(
        rng.normal(size=(200, 3)), rng.integers(0, 2, 200), rng.normal(size=200))
    with pytest.raises(optocom.SchemaMismatchError):
        demo_ca.uplift(1, model=other)
    with pytest.raises(optocom.NotFoundError):
        demo_ca.uplift(99, model=pretrained)


def test_uplift_outcome_sets_the_forest_kind_and_alpha_is_checked(demo_ca):
    rx, model = demo_ca.uplift(1, outcome="rx_change", n_estimators=20, return_model=True)
    assert model.outcome_kind_ == "continuous"
    for alpha in (0, 1, "0.05"):
        with pytest.raises(optocom.InvalidParameterError, match="alpha"):
            demo_ca.uplift(1, alpha=alpha)


# -- segmentation and recommendations ---------------------------------------------------


def test_a_pretrained_recommender_serves_what_recommend_gives(tmp_path):
    ca = optocom.CampaignAnalytics(seed=5)
    products = list(dict.fromkeys(ca.campaigns(per_page=500).data["product"]))
    rec = ca.recommender()
    assert rec.products == products and rec.n_doctors == len(ca.doctors)
    rec.save(tmp_path / "recommender.json")
    served = optocom.load(tmp_path / "recommender.json")
    assert isinstance(served, optocom.Recommender)
    for product in products:
        want = ca.recommend(product, 12, exclude=[1, 2], province="Ontario")
        got = served.recommend(product, 12, exclude=[1, 2], province="Ontario")
        pd.testing.assert_frame_equal(got, want)
    # With segments, the doctors carry them (as recommend does after segments()).
    ca.segments(k=3)
    seg_rec = ca.recommender(products[0])
    assert seg_rec.products == [products[0]]
    pd.testing.assert_frame_equal(seg_rec.recommend(products[0], 10), ca.recommend(products[0], 10))
    with pytest.raises(optocom.NotFoundError):
        ca.recommender(["NoSuchProduct"])
    with pytest.raises(optocom.InvalidParameterError, match="products"):
        ca.recommender([3])


def test_segments(ca, tables):
    seg = ca.segments(k_range=(2, 5))
    assert 2 <= seg.k <= 5
    assert seg.silhouettes["k"].tolist() == [2, 3, 4, 5]
    assert seg.k == int(seg.silhouettes.loc[seg.silhouettes["score"].idxmax(), "k"])
    a = seg.assignments
    assert sorted(a["doctor_id"]) == sorted(tables["doctors"]["doctor_id"])
    assert set(a["segment"]) == set(range(seg.k))
    p = seg.profiles
    assert p["size"].sum() == len(tables["doctors"])
    assert p["share"].sum() == pytest.approx(1.0)
    counts = a["segment"].value_counts().sort_index()
    assert p.set_index("segment")["size"].sort_index().tolist() == counts.tolist()
    # profile means are the means of the assigned doctors
    joined = a.merge(tables["doctors"], on="doctor_id")
    np.testing.assert_allclose(p.set_index("segment")["mean_tenure_years"].sort_index(),
                               joined.groupby("segment")["tenure_years"].mean(), rtol=1e-10)


def test_segments_fixed_k_and_validation(ca):
    seg = ca.segments(k=3)
    assert seg.k == 3 and seg.silhouettes["k"].tolist() == [3]
    with pytest.raises(optocom.InvalidParameterError):
        ca.segments(k_range=(5, 3))
    with pytest.raises(optocom.InvalidParameterError):
        ca.segments(k=0)


def test_segments_save_load_assign(ca, tmp_path):
    seg = ca.segments(k=4, random_state=1)
    path = tmp_path / "segments.json"
    seg.save(path)
    back = optocom.Segments.load(path)
    assert back.k == 4
    pd.testing.assert_frame_equal(back.profiles, seg.profiles)
    pd.testing.assert_frame_equal(back.assign(ca.doctors), seg.assignments)
    # No doctors: no assignments, with the same columns (not an "empty input" error).
    none = back.assign(ca.doctors.iloc[:0])
    assert len(none) == 0 and list(none.columns) == ["doctor_id", "segment"]


def test_golden_segmentation_fixture():
    """The committed segmentation (shared with the Rust/Node/WASM suites) assigns the
    committed segments."""
    seg = optocom.Segments.load(FIXTURES / "golden_segmentation.json")
    got = seg.assign(pd.read_csv(FIXTURES / "golden_doctors.csv"))
    expected = pd.read_csv(FIXTURES / "golden_segmentation_expected.csv")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_recommend(ca, tables):
    product = ca.campaigns().data["product"].iloc[0]
    rec = ca.recommend(product, n=15)
    assert len(rec) == 15 and rec["doctor_id"].is_unique
    assert set(rec["doctor_id"]) <= set(tables["doctors"]["doctor_id"])
    assert rec["score"].is_monotonic_decreasing
    excluded = rec["doctor_id"].head(5).tolist()
    again = ca.recommend(product, n=15, exclude=excluded)
    assert len(again) == 15 and not set(excluded) & set(again["doctor_id"])
    assert again["doctor_id"].head(10).tolist() == rec["doctor_id"].iloc[5:15].tolist()
    docs = tables["doctors"].set_index("doctor_id")
    filtered = ca.recommend(product, n=10, specialty="Oncology", province=["Ontario", "Quebec"],
                            tenure_min=10)
    assert len(filtered) == 10
    chosen = docs.loc[filtered["doctor_id"]]
    assert (chosen["specialty"] == "Oncology").all()
    assert chosen["province"].isin(["Ontario", "Quebec"]).all()
    assert (chosen["tenure_years"] >= 10).all()


def test_recommend_unknown_product(ca):
    with pytest.raises(optocom.NotFoundError) as e:
        ca.recommend("No Such Product")
    assert isinstance(e.value, LookupError)
    assert "No Such Product" in str(e.value)


# -- export -----------------------------------------------------------------------------


def test_export_doctors_streams_the_filtered_rows(ca, tables, tmp_path):
    path = tmp_path / "doctors.csv"
    out = ca.export_csv(path, specialty="Cardiology", min_rx=80)
    d = tables["doctors"]
    expected = d[(d["specialty"] == "Cardiology") & (d["baseline_rx"] >= 80)]
    assert out["rows"] == len(expected) > 0
    assert out["bytes"] == path.stat().st_size
    back = pd.read_csv(path)
    assert back["doctor_id"].tolist() == expected["doctor_id"].tolist()
    np.testing.assert_allclose(back["baseline_rx"], expected["baseline_rx"])


def test_export_responders(ca, tmp_path):
    path = tmp_path / "responders.csv"
    out = ca.export_csv(path, "responders", campaign_id=1, province="Ontario")
    page = ca.top_responders(1, per_page=500, province="Ontario")
    assert out["rows"] == page.total
    back = pd.read_csv(path)
    assert back["rank"].tolist() == list(range(1, page.total + 1))
    assert back["doctor_id"].head(500).tolist() == page.data["doctor_id"].tolist()
    with pytest.raises(optocom.InvalidParameterError):
        ca.export_csv(path, "responders")  # which campaign?
    with pytest.raises(optocom.InvalidParameterError):
        ca.export_csv(path, "patients")
    # a refused request leaves no empty file behind
    stray = tmp_path / "refused.csv"
    with pytest.raises(optocom.NotFoundError):
        ca.export_csv(stray, "responders", campaign_id=99)
    with pytest.raises(optocom.InvalidParameterError):
        ca.export_csv(stray, min_rx=5, max_rx=1)
    assert not stray.exists()


def test_export_guards_formula_like_cells(tmp_path):
    demo = optocom.demo.campaigns(n_doctors=200, n_campaigns=1, seed=1)
    docs = demo.doctors.copy()
    docs.loc[:6, "specialty"] = "=cmd|' /C calc'!A0"  # 7 rows
    docs.loc[7:9, "province"] = "+SUM(A1:A9)"  # 3 rows
    docs.loc[10, "province"] = "@risky"
    ca = optocom.CampaignAnalytics(dict(doctors=docs, campaigns=demo.campaigns,
                                        targeting=demo.targeting, rx=demo.rx))
    path = tmp_path / "guarded.csv"
    out = ca.export_csv(path)
    assert out["rows"] == 200 and out["guarded_cells"] == 11
    back = pd.read_csv(path)
    cells = pd.concat([back["specialty"], back["province"]])
    assert not cells.str.match(r"^[=+\-@]").any()  # nothing a spreadsheet would run
    assert (back["specialty"].head(7) == "'=cmd|' /C calc'!A0").all()
    raw = ca.export_csv(path, formula_guard=False)
    assert raw["guarded_cells"] == 0
    assert (pd.read_csv(path)["specialty"].head(7) == "=cmd|' /C calc'!A0").all()
    # filters still match the original value
    only = ca.export_csv(path, specialty="=cmd|' /C calc'!A0")
    assert only["rows"] == 7 and only["guarded_cells"] == 7


# -- errors and inputs ------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda ca: ca.metrics(99),
    lambda ca: ca.rx_trend(99),
    lambda ca: ca.top_responders(99),
    lambda ca: ca.uplift(99),
    lambda ca: ca.export_csv("unused.csv", "responders", campaign_id=99),
])
def test_unknown_campaign_is_not_found(ca, call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(optocom.NotFoundError) as e:
        call(ca)
    assert isinstance(e.value, LookupError) and "99" in str(e.value)


def _fixture_frames() -> dict:
    return {name: pd.read_csv(CAMPAIGN_DIR / f"{name}.csv") for name in TABLES}


def test_inputs_directory_dict_polars_and_workbook_agree(tmp_path):
    from_dir = optocom.CampaignAnalytics(CAMPAIGN_DIR)
    assert "5 doctors, 2 campaigns" in repr(from_dir)
    expected = from_dir.metrics(1)
    # DD/MM/YYYY dates and Y/N or 1/0 targeting flags are read the same way everywhere
    camps = from_dir.tables()["campaigns"]
    assert camps["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-01", "2024-09-01"]
    from_dict = optocom.CampaignAnalytics(_fixture_frames())
    assert from_dict.metrics(1) == expected
    pl = pytest.importorskip("polars")
    from_polars = optocom.CampaignAnalytics({k: pl.from_pandas(v) for k, v in _fixture_frames().items()})
    assert from_polars.metrics(1) == expected
    book = tmp_path / "campaigns.xlsx"
    write_xlsx({name: df.astype(str) for name, df in _fixture_frames().items()}, book)
    from_book = optocom.CampaignAnalytics(book)
    assert from_book.metrics(1) == expected


def test_missing_table_and_bad_values(tmp_path):
    frames = _fixture_frames()
    del frames["rx"]
    with pytest.raises(optocom.InvalidParameterError) as e:
        optocom.CampaignAnalytics(frames)
    assert "rx" in str(e.value)
    frames = _fixture_frames()
    frames["rx"].loc[3, "count"] = -5
    with pytest.raises(optocom.InvalidValueError) as e:
        optocom.CampaignAnalytics(frames)
    assert (e.value.row, e.value.column, e.value.value) == (3, "rx.count", "-5")
    lenient = optocom.CampaignAnalytics(frames, lenient=True)
    assert lenient.rejected_[["table", "row", "column", "value"]].values.tolist() == [
        ["rx", 3, "count", "-5"]]
    assert len(lenient.tables()["rx"]) == len(frames["rx"]) - 1
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    with pytest.raises(optocom.NotFoundError):
        optocom.CampaignAnalytics(empty_dir)
    one = tmp_path / "doctors.csv"
    one.write_text("doctor_id,specialty,province,tenure_years,baseline_rx\n1,A,B,1,1\n")
    with pytest.raises(optocom.InvalidParameterError, match="is one CSV file: campaign data is a folder"):
        optocom.CampaignAnalytics(one)


def test_lenient_mode_skips_a_bad_doctor_and_its_rows(tmp_path):
    frames = _fixture_frames()
    frames["doctors"].loc[2, "tenure_years"] = -3
    with pytest.raises(optocom.InvalidValueError) as e:
        optocom.CampaignAnalytics(frames)
    assert (e.value.row, e.value.column) == (2, "doctors.tenure_years")
    lenient = optocom.CampaignAnalytics(frames, lenient=True)
    assert 3 not in set(lenient.doctors["doctor_id"])
    tables = lenient.tables()
    for name in ("targeting", "rx"):
        assert 3 not in set(tables[name]["doctor_id"])
        assert len(tables[name]) == len(frames[name]) - 1
    # the bad row and the rows that depend on it, each with its table and why
    r = lenient.rejected_
    assert r[["table", "row", "column", "value"]].values.tolist() == [
        ["doctors", 2, "tenure_years", "-3"],
        ["targeting", 2, "doctor_id", "3"],
        ["rx", 3, "doctor_id", "3"],
    ]
    assert r["reason"].tolist()[1:] == ["doctor 3 was rejected"] * 2
    # the same analytics as on the data with doctor 3 and its rows deleted by hand
    by_hand = {k: v[v["doctor_id"] != 3] for k, v in _fixture_frames().items() if k != "campaigns"}
    by_hand["campaigns"] = frames["campaigns"]
    ref = optocom.CampaignAnalytics(by_hand)
    for c in (1, 2):
        assert lenient.metrics(c) == ref.metrics(c)
    # a folder of CSV files: the same rows go, positions are file lines
    folder = tmp_path / "bad_doctor"
    folder.mkdir()
    for name, df in frames.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    from_dir = optocom.CampaignAnalytics(folder, lenient=True)
    assert from_dir.metrics(1) == ref.metrics(1)
    assert from_dir.rejected_[["table", "line", "column"]].values.tolist() == [
        ["doctors", 4, "tenure_years"], ["targeting", 4, "doctor_id"], ["rx", 5, "doctor_id"]]


def test_recommend_reuses_its_recommender_without_changing_answers():
    """The recommender is kept between calls (rebuilt when the segmentation or parameters
    change): repeated, interleaved and segmented calls answer as a fresh object would."""
    cached = optocom.CampaignAnalytics()
    products = cached.campaigns().data["product"].unique().tolist()[:2]
    assert len(products) == 2

    def fresh(product, k=None):
        a = optocom.CampaignAnalytics()
        if k is not None:
            a.segments(k=k)
        return a.recommend(product, n=25)

    for p in products + products[::-1]:
        pd.testing.assert_frame_equal(cached.recommend(p, n=25), fresh(p))
    cached.segments(k=3)
    for p in products:
        pd.testing.assert_frame_equal(cached.recommend(p, n=25), fresh(p, 3))
    pd.testing.assert_frame_equal(
        cached.recommend(products[0], n=25, use_segments=False), fresh(products[0])
    )
    cached.segments(k=5)
    with_5 = cached.recommend(products[0], n=25)
    pd.testing.assert_frame_equal(with_5, fresh(products[0], 5))
    # The segments change the answer, so a stale recommender would be caught above.
    assert not with_5.equals(fresh(products[0], 3))


# -- empty results, int arguments, pickling, loading ------------------------------------------


def _same_columns(empty: pd.DataFrame, full: pd.DataFrame) -> None:
    assert len(empty) == 0 and len(full) > 0
    assert list(empty.columns) == list(full.columns)
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


def test_empty_results_keep_their_columns_and_dtypes(ca):
    from optocom import campaign

    product = ca.campaigns().data["product"].iloc[0]
    cases = [
        (ca.top_responders(1, page=999).data, ca.top_responders(1).data, campaign.RESPONDER_RECORD),
        (ca.top_responders(1, specialty="Nope").data, ca.top_responders(1).data, None),
        (ca.campaigns(page=99).data, ca.campaigns().data, campaign.CAMPAIGN_RECORD),
        (ca.rx_trend(1, specialty="Nope"), ca.rx_trend(1), campaign.RX_TREND_RECORD),
        (ca.recommend(product, specialty="Nope"), ca.recommend(product),
         campaign.RECOMMENDATION_RECORD),
        (ca.recommender().recommend(product, specialty="Nope"), ca.recommend(product), None),
        (ca.segments(1).silhouettes, ca.segments(k_range=(2, 3)).silhouettes,
         campaign.SILHOUETTE_RECORD),
    ]
    for empty, full, record in cases:
        _same_columns(empty, full)
        if record is not None:
            assert list(record) == list(full.columns)


@pytest.mark.parametrize("call, name", [
    (lambda ca: ca.campaigns(page=-1), "page"),
    (lambda ca: ca.campaigns(per_page=-5), "per_page"),
    (lambda ca: ca.campaigns(page=1.5), "page"),
    (lambda ca: ca.campaigns(page=2**64), "page"),
    (lambda ca: ca.campaigns(page=True), "page"),
    (lambda ca: ca.metrics(-1), "campaign_id"),
    (lambda ca: ca.rx_trend(-1), "campaign_id"),
    (lambda ca: ca.top_responders(-1), "campaign_id"),
    (lambda ca: ca.top_responders(1, page=-2), "page"),
    (lambda ca: ca.top_responders(1, per_page="10"), "per_page"),
    (lambda ca: ca.uplift_table(-1), "campaign_id"),
    (lambda ca: ca.uplift(-1), "campaign_id"),
    (lambda ca: ca.recommend("Cardiovex", -1), "n"),
    (lambda ca: ca.recommend("Cardiovex", exclude=[3, -1]), "exclude"),
    (lambda ca: ca.recommend("Cardiovex", exclude=[1.9]), "exclude"),
    (lambda ca: ca.recommender().recommend("Cardiovex", -1), "n"),
    (lambda ca: ca.export_csv("unused.csv", "responders", campaign_id=-1), "campaign_id"),
    (lambda ca: ca.segments(-1), "k"),
    (lambda ca: ca.segments(n_init=-1), "n_init"),
    (lambda ca: ca.segments(random_state=-1), "random_state"),
    (lambda ca: ca.segments(k_range=(-1, 3)), "k_range"),
    (lambda ca: optocom.CampaignAnalytics(seed=-1), "seed"),
])
def test_bad_int_arguments_are_named(ca, call, name):
    with pytest.raises(optocom.InvalidParameterError) as info:
        call(ca)
    assert info.value.parameter == name, str(info.value)


def test_whole_number_arguments_may_be_numpy_ints_or_whole_floats(ca):
    a = ca.campaigns(page=np.int64(2), per_page=np.uint8(2))
    b = ca.campaigns(page=2.0, per_page=2)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert (a.page, a.per_page) == (2, 2)


def test_rank_by_refuses_fractional_and_repeated_doctor_ids(ca):
    with pytest.raises(optocom.InvalidParameterError) as info:
        ca.top_responders(1, rank_by={1.9: 1.0, 2: 0.5})
    assert info.value.parameter == "rank_by" and "1.9" in str(info.value)
    twice = pd.DataFrame({"doctor_id": [1, 2, 1], "effect": [1.0, 0.5, 0.0]})
    with pytest.raises(optocom.InvalidParameterError, match="doctor 1 has two scores"):
        ca.top_responders(1, rank_by=twice)
    with pytest.raises(optocom.InvalidParameterError, match="not a number"):
        ca.top_responders(1, rank_by={1: "high"})
    whole_floats = ca.top_responders(1, rank_by={1.0: 1.0, 2.0: 0.5}).data
    ints = ca.top_responders(1, rank_by={1: 1.0, 2: 0.5}).data
    pd.testing.assert_frame_equal(whole_floats, ints)


def test_segments_load_errors_and_optocom_load_give_segments(ca, tmp_path):
    seg = ca.segments(k=3, random_state=2)
    path = tmp_path / "seg.json"
    seg.save(path)
    for loaded in (optocom.load(path), optocom.Segments.load(path),
                   optocom.Segments.from_json(seg.to_json()), optocom.from_json(seg.to_json())):
        assert type(loaded) is optocom.Segments and loaded.k == 3
        pd.testing.assert_frame_equal(loaded.profiles, seg.profiles)
        pd.testing.assert_frame_equal(loaded.assign(ca.doctors), seg.assignments)
    with pytest.raises(optocom.OptocomIOError) as info:
        optocom.Segments.load(tmp_path / "missing.json")
    assert info.value.filename == str(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(optocom.InvalidArtifactError):
        optocom.Segments.load(binary)


def test_segment_assignments_keep_the_doctors_index(ca):
    seg = ca.segments(k=3, random_state=2)
    doctors = ca.doctors.sample(frac=1.0, random_state=1)
    doctors.index = doctors.index + 1000
    got = seg.assign(doctors)
    assert got.index.equals(doctors.index)
    assert (got["doctor_id"] == doctors["doctor_id"]).all()


def test_analytics_segments_and_recommenders_pickle_and_deep_copy(demo):
    import copy
    import pickle

    ca = optocom.CampaignAnalytics(demo)
    seg = ca.segments(k=3, random_state=2)
    product = ca.campaigns().data["product"].iloc[0]
    rec = ca.recommender()
    for clone in (copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))):
        ca2 = clone(ca)
        assert ca2.metrics(1) == ca.metrics(1)
        pd.testing.assert_frame_equal(ca2.top_responders(1).data, ca.top_responders(1).data)
        pd.testing.assert_frame_equal(ca2.uplift_table(2), ca.uplift_table(2))
        # the copy keeps the segments, so its recommendations use them too
        pd.testing.assert_frame_equal(ca2.recommend(product), ca.recommend(product))
        seg2 = clone(seg)
        pd.testing.assert_frame_equal(seg2.assignments, seg.assignments)
        pd.testing.assert_frame_equal(seg2.assign(ca.doctors), seg.assign(ca.doctors))
        assert seg2.to_json() == seg.to_json()
        rec2 = clone(rec)
        assert rec2.to_json() == rec.to_json()
        pd.testing.assert_frame_equal(rec2.recommend(product, 30), rec.recommend(product, 30))


# -- argument checks, dtypes and indexes ---------------------------------------------------


@pytest.mark.parametrize("filters, name", [
    (dict(specialties="Cardiology,Oncology"), "specialties"),  # would match no doctor
    (dict(province="Ontario, Quebec"), "province"),
    (dict(specialty=""), "specialty"),
    (dict(provinces=["Ontario", " "]), "provinces"),
    (dict(specialty=5), "specialty"),
    (dict(specialty=b"Cardiology"), "specialty"),
    (dict(specialty=["Cardiology", None]), "specialty"),
    (dict(provinces=["Ontario", 3]), "provinces"),
    (dict(specialty=["Cardiology", float("nan")]), "specialty"),
    (dict(campaign_target=2), "campaign_target"),
    (dict(campaign_target=-1), "campaign_target"),
    (dict(campaign_target=1.0), "campaign_target"),
    (dict(campaign_target="True"), "campaign_target"),
])
def test_bad_filters_are_refused_by_name(ca, filters, name):
    for call in (lambda: ca.campaigns(**filters), lambda: ca.top_responders(1, **filters),
                 lambda: ca.metrics(1, **filters)):
        with pytest.raises(optocom.InvalidParameterError) as info:
            call()
        assert info.value.parameter == name, str(info.value)
    if "," in str(filters.get("specialties", filters.get("province", ""))):
        assert "list" in str(info.value)


def test_name_filters_take_one_name_or_a_list_and_campaign_target_takes_1_or_0(ca):
    one = ca.top_responders(1, specialty="Cardiology")
    assert one.total > 0
    for same in ("Cardiology", ["Cardiology"], ("cardiology",), np.array(["Cardiology"]),
                 pd.Series(["Cardiology"])):
        assert ca.top_responders(1, specialty=same).total == one.total
    assert ca.metrics(1, campaign_target=1) == ca.metrics(1, campaign_target=True)
    assert ca.metrics(1, campaign_target=0) == ca.metrics(1, campaign_target=False)
    assert (ca.top_responders(1, campaign_target=np.int64(1)).total
            == ca.top_responders(1, campaign_target=True).total)


def test_metrics_confidence_must_be_a_number(ca):
    for bad in ("0.9", True, None, [0.9]):
        with pytest.raises(optocom.InvalidParameterError) as info:
            ca.metrics(1, confidence=bad)
        assert info.value.parameter == "confidence", str(info.value)
    assert ca.metrics(1, confidence=np.float64(0.9)) == ca.metrics(1, confidence=0.9)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 10**400])
def test_uplift_scores_must_be_finite(ca, bad):
    with pytest.raises(optocom.InvalidParameterError) as info:
        ca.top_responders(1, rank_by={1: bad, 2: 0.5})
    assert info.value.parameter == "rank_by"
    assert "uplift scores must be finite" in str(info.value)


def test_results_with_an_empty_group_keep_their_dtypes(ca):
    """Trend months without control doctors have no control mean: NaN in a float64
    column, as in a trend with both groups (not None in an object column)."""
    both = ca.rx_trend(1)
    for target in (True, False, 1):
        one_group = ca.rx_trend(1, campaign_target=target)
        assert len(one_group) == len(both)
        assert one_group.dtypes.to_dict() == both.dtypes.to_dict()
    targeted = ca.rx_trend(1, campaign_target=True)
    assert targeted["control_mean_rx"].isna().all()
    assert (targeted["control_doctors"] == 0).all()


def test_segments_of_a_doctors_frame_are_on_its_index(demo):
    """Built from DataFrames, ``segments().assignments`` is on the doctors frame's index
    (without the rows lenient mode skipped), as ``Segments.assign`` is, so assigning it back
    to a filtered or shuffled frame aligns by doctor."""
    import pickle

    doctors = demo.doctors.sample(frac=1.0, random_state=5)
    doctors.index = doctors.index * 10 + 3
    doctors = doctors.astype({"tenure_years": object})
    doctors.loc[doctors.index[4], "tenure_years"] = "long"
    tables = dict(doctors=doctors, campaigns=demo.campaigns, targeting=demo.targeting, rx=demo.rx)
    ca = optocom.CampaignAnalytics(tables, lenient=True)
    assert ca.rejected_.query("table == 'doctors'")["row"].tolist() == [4]
    seg = ca.segments(k=3, random_state=2)
    got = seg.assignments.copy()
    kept = doctors.drop(index=doctors.index[4]).astype({"tenure_years": float})
    assert got.index.equals(kept.index)
    assert (got["doctor_id"] == kept["doctor_id"]).all()
    pd.testing.assert_frame_equal(got, seg.assign(kept))
    frame = kept.copy()
    frame["segment"] = got["segment"]
    by_id = got.set_index("doctor_id")["segment"]
    assert (frame["segment"] == frame["doctor_id"].map(by_id)).all()
    clone = pickle.loads(pickle.dumps(ca))
    pd.testing.assert_frame_equal(clone.segments(k=3, random_state=2).assignments, got)
    # sample data, a CampaignDemo and polars tables: a fresh range index
    for other in (optocom.CampaignAnalytics(demo),
                  optocom.CampaignAnalytics({k: pl_frame(v) for k, v in tables.items()},
                                            lenient=True)):
        a = other.segments(k=3, random_state=2).assignments
        assert a.index.equals(pd.RangeIndex(len(a)))


def pl_frame(df: pd.DataFrame):
    pl = pytest.importorskip("polars")
    return pl.from_pandas(df.astype({c: str for c in df.columns if df[c].dtype == object}))


def test_campaign_target_is_ignored_where_there_is_no_campaign(ca, tmp_path):
    """As documented: recommendations and the doctors export have no campaign to select
    targeted or control doctors by."""
    product = ca.campaigns().data["product"].iloc[0]
    pd.testing.assert_frame_equal(ca.recommend(product, campaign_target=True),
                                  ca.recommend(product))
    a = ca.export_csv(tmp_path / "a.csv", campaign_target=False)
    b = ca.export_csv(tmp_path / "b.csv")
    assert a == b and (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
