"""optocom.KMeans: the scikit-learn contract, known answers, the golden fixture, persistence,
determinism and errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import optocom

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[2] / "fixtures"

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.cluster import KMeans as SkKMeans  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def blobs(seed: int = 0, n: int = 200, sd: float = 0.6):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 2.0], [0.0, 7.0, -3.0], [8.0, 8.0, 8.0]])
    X = np.vstack([rng.normal(c, sd, size=(n, 3)) for c in centres])
    truth = np.repeat(np.arange(len(centres)), n)
    return X, truth, centres


def test_recovers_separated_clusters_and_matches_sklearn_inertia():
    X, truth, centres = blobs()
    km = optocom.KMeans(4, random_state=0).fit(X)
    assert adjusted_rand_score(truth, km.labels_) == 1.0
    # every true centre has a fitted centre within 0.2
    d = np.linalg.norm(km.cluster_centers_[:, None, :] - centres[None], axis=2)
    assert d.min(axis=0).max() < 0.2
    sk = SkKMeans(4, n_init=10, random_state=0).fit(X)
    assert km.inertia_ == pytest.approx(sk.inertia_, rel=1e-6)


def test_sklearn_contract():
    X, _, _ = blobs(1, 60)
    km = optocom.KMeans(4, n_init=3, random_state=1)
    assert km.get_params()["n_clusters"] == 4
    assert clone(km).get_params() == km.get_params()
    assert km.fit(X) is km
    assert km.n_features_in_ == 3 and not hasattr(km, "feature_names_in_")
    assert np.array_equal(km.predict(X), km.labels_)
    assert np.array_equal(km.fit_predict(X), km.labels_)
    dist = km.transform(X)
    assert dist.shape == (len(X), 4)
    assert np.array_equal(dist.argmin(axis=1), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-9)
    with pytest.raises(ValueError, match="expecting 3 features"):
        km.predict(X[:, :2])
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    assert list(optocom.KMeans(4, random_state=0).fit(df).feature_names_in_) == ["a", "b", "c"]


def test_unfitted_and_bad_params():
    X, _, _ = blobs(2, 20)
    with pytest.raises(optocom.NotFittedError):
        optocom.KMeans().predict(X)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        optocom.KMeans().transform(X)
    with pytest.raises(optocom.InvalidParameterError, match="n_clusters"):
        optocom.KMeans(0).fit(X)
    with pytest.raises(optocom.InvalidParameterError, match="n_clusters"):
        optocom.KMeans(500).fit(X)  # more clusters than rows
    bad = X.copy()
    bad[5, 1] = np.inf
    with pytest.raises(optocom.InvalidValueError) as e:
        optocom.KMeans(2).fit(bad)
    assert (e.value.row, e.value.column) == (5, "x1")


def test_pipeline_and_grid_search():
    X, _, _ = blobs(3, 50)
    pipe = Pipeline([("scale", StandardScaler()), ("km", optocom.KMeans(random_state=0))])
    gs = GridSearchCV(pipe, {"km__n_clusters": [2, 4]}, cv=3).fit(X)
    assert gs.best_params_ == {"km__n_clusters": 4}  # score = -inertia, more clusters fit better


def test_same_seed_same_bits_and_seed_matters():
    X, _, _ = blobs(4, 80, sd=2.5)  # overlapping: the seed can change the answer
    a = optocom.KMeans(5, n_init=2, random_state=7).fit(X)
    b = optocom.KMeans(5, n_init=2, random_state=7).fit(X)
    assert np.array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.inertia_ == b.inertia_
    np.random.seed(11)
    c = optocom.KMeans(5, n_init=1).fit(X)
    np.random.seed(11)
    d = optocom.KMeans(5, n_init=1).fit(X)
    assert np.array_equal(c.cluster_centers_, d.cluster_centers_)


def test_persistence_round_trips(tmp_path):
    X, _, _ = blobs(5, 50)
    km = optocom.KMeans(4, random_state=0).fit(X)
    path = tmp_path / "km.json"
    km.save(path)
    for back in (optocom.load(path), optocom.KMeans.from_json(km.to_json()),
                 pickle.loads(pickle.dumps(km))):
        assert isinstance(back, optocom.KMeans)
        assert np.array_equal(back.predict(X), km.predict(X))
        assert np.array_equal(back.transform(X), km.transform(X))
        assert np.array_equal(back.labels_, km.labels_)
        assert back.get_params()["n_clusters"] == 4


def test_golden_fixture_reproduces_rust_outputs_exactly():
    model = optocom.load(FIXTURES / "golden_kmeans.json")
    X = pd.read_csv(FIXTURES / "golden_kmeans_input.csv").to_numpy()
    expected = pd.read_csv(FIXTURES / "golden_kmeans_expected.csv")
    assert np.array_equal(model.predict(X), expected["label"].to_numpy())
    dist = model.transform(X)
    cols = [c for c in expected.columns if c.startswith("d")]
    assert np.array_equal(dist, expected[cols].to_numpy())
