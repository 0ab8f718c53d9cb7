"""The saved doctor recommender: the golden fixture written by the Rust core loads in Python
and recommends the recorded doctors with the recorded scores, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optocom

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_golden_recommender_reproduces_rust_outputs_exactly(tmp_path):
    rec = optocom.load(FIXTURES / "golden_recommender.json")
    assert isinstance(rec, optocom.Recommender)
    assert "Cardiozen" in rec.products
    expected = pd.read_csv(FIXTURES / "golden_recommender_expected.csv", dtype={"score": str})
    got = rec.recommend("Cardiozen", len(expected))
    assert got["doctor_id"].tolist() == expected["doctor_id"].tolist()
    want = np.array([float(s) for s in expected["score"]])
    assert np.array_equal(got["score"].to_numpy(), want)
    # save from Python, load again: same answers
    rec.save(tmp_path / "rec.json")
    again = optocom.load(tmp_path / "rec.json").recommend("Cardiozen", len(expected))
    assert again.equals(got)


def test_recommender_exclude_filters_and_unknown_product():
    rec = optocom.load(FIXTURES / "golden_recommender.json")
    top = rec.recommend("Cardiozen", 5)
    skip = set(top["doctor_id"][:2])
    rest = rec.recommend("Cardiozen", 5, exclude=skip)
    assert not skip & set(rest["doctor_id"])
    with pytest.raises(optocom.NotFoundError):
        rec.recommend("NoSuchProduct", 3)
    with pytest.raises(optocom.InvalidParameterError):
        rec.recommend("Cardiozen", 0)
