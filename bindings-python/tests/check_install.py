"""Run in a fresh venv where only the optocom wheel was installed (by `make test-python`):
checks that the install pulled in nothing beyond numpy and pandas (and pandas' own
dependencies), and that optocom works without scikit-learn, polars, pyarrow or tqdm."""

import importlib.metadata as md
import sys

ALLOWED = {
    "optocom", "numpy", "pandas",
    # pandas' own dependencies
    "python-dateutil", "pytz", "tzdata", "six",
    # the venv's own tools
    "pip", "setuptools", "wheel",
}

installed = {d.metadata["Name"].lower().replace("_", "-") for d in md.distributions()}
extra = sorted(installed - ALLOWED)
if extra:
    sys.exit(f"installing the optocom wheel pulled in more than numpy and pandas: {extra}")

import numpy as np  # noqa: E402

import optocom  # noqa: E402

for mod in ("sklearn", "polars", "pyarrow", "tqdm", "matplotlib"):
    assert mod not in sys.modules, f"import optocom imported {mod}"

# The scikit-learn API works without scikit-learn (fallback base classes).
rng = np.random.default_rng(0)
X = rng.normal(size=(400, 3))
y = (X[:, 0] > 0).astype(int)
clf = optocom.RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
assert clf.get_params()["n_estimators"] == 20
assert clf.set_params(n_estimators=10) is clf and clf.n_estimators == 10
assert 0.8 < clf.score(X, y) <= 1.0
try:
    optocom.RandomForestClassifier().predict(X)
except optocom.NotFittedError as e:
    assert isinstance(e, ValueError) and isinstance(e, AttributeError)
else:
    sys.exit("an unfitted predict did not raise NotFittedError")
t = 1.0 + 2.0 * X[:, 0] - X[:, 1]
reg = optocom.LinearRegression().fit(X, t)
assert reg.get_params() == {} and abs(reg.score(X, t) - 1.0) < 1e-12
assert np.allclose(reg.coef_, [2.0, -1.0, 0.0]) and abs(reg.intercept_ - 1.0) < 1e-12

past, upcoming = optocom.demo.appointments(n_past=2000, n_upcoming=200, seed=1)
scored = optocom.PurchaseForecaster(random_state=0).fit(past).predict(upcoming)
assert len(scored) == len(upcoming)
assert scored["probability"].between(0, 1).all()
print(f"ok: wheel-only install has {sorted(installed)}; optocom {optocom.__version__} works")
