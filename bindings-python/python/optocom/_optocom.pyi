"""Type stubs of ``optocom._optocom``, the compiled half of the ``optocom`` package.

Every class wraps one core type; the scikit-learn and pandas-facing API is written in Python
on top (``optocom.ensemble``, ``optocom.uplift``, ...). Structured values cross as JSON text
(params, filters, reports); tables cross as typed columns ``[(name, kind, values)]`` with
kind ``"f"`` (float64 array), ``"i"`` (int64 array), ``"b"`` (bool array), ``"d"`` (int64
days since 1970-01-01) or ``"t"`` (list of ``str | None``). Matrices are float64 arrays,
borrowed without a copy whatever their layout. Long calls release the GIL.

``tests/test_stubs.py`` checks that this file and the compiled module name the same
functions, classes, methods, getters and parameters.
"""

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

_F64 = npt.NDArray[np.float64]
_U8 = npt.NDArray[np.uint8]
_I64 = npt.NDArray[np.int64]
_Path = Union[str, "os.PathLike[str]"]
_Columns = List[Tuple[str, str, Any]]
# Called as progress(done, total) from worker threads during long fits.
_Progress = Callable[[int, int], None]

__version__: str
# The core's defaults (every binding uses the same).
DEFAULT_LEVEL: float
DEFAULT_FORECAST_FREQ: str
DEFAULT_COMPARE_FREQ: str
DEFAULT_CONFIDENCE: float
DEFAULT_RECOMMENDATIONS: int
SAMPLE_SEED: int

class ForestClassifier:
    """A fitted random-forest classifier."""

    @staticmethod
    def fit(
        x: _F64,
        y: _I64,
        params: str,
        feature_names: Optional[List[str]] = None,
        labels: Optional[str] = None,
        progress: Optional[_Progress] = None,
    ) -> "ForestClassifier":
        """Fits on ``x`` and class indices ``y`` (0..k-1); ``params`` and ``labels`` are JSON."""
    def predict_proba(self, x: _F64) -> _F64:
        """Class probabilities, ``n_rows x n_classes``."""
    def predict_proba_row(self, row: _F64) -> _F64:
        """Probabilities of one row (no thread pool, no GIL release)."""
    def feature_importances(self) -> _F64:
        """Mean decrease in impurity per feature, summing to 1."""
    @property
    def n_classes(self) -> int: ...
    @property
    def n_features(self) -> int: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def labels(self) -> Optional[str]:
        """Class labels as JSON (``None`` when the classes are the indices)."""
    @property
    def oob_score(self) -> Optional[float]: ...
    @property
    def params(self) -> str:
        """The core parameters as JSON."""
    def to_json(self) -> str:
        """The model artifact (JSON envelope)."""
    @staticmethod
    def from_json(text: str) -> "ForestClassifier": ...
    def save(self, path: _Path) -> None: ...

class ForestRegressor:
    """A fitted random-forest regressor."""

    @staticmethod
    def fit(
        x: _F64,
        y: _F64,
        params: str,
        feature_names: Optional[List[str]] = None,
        progress: Optional[_Progress] = None,
    ) -> "ForestRegressor": ...
    def predict(self, x: _F64) -> _F64: ...
    def predict_row(self, row: _F64) -> float: ...
    def feature_importances(self) -> _F64: ...
    @property
    def n_features(self) -> int: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def oob_score(self) -> Optional[float]: ...
    @property
    def params(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "ForestRegressor": ...
    def save(self, path: _Path) -> None: ...

class KMeansModel:
    """A fitted k-means model."""

    @staticmethod
    def fit(
        x: _F64, params: str, feature_names: Optional[List[str]] = None
    ) -> "KMeansModel": ...
    def predict(self, x: _F64) -> _I64:
        """Nearest centroid of each row."""
    def transform(self, x: _F64) -> _F64:
        """Euclidean distance of each row to each centroid."""
    def score(self, x: _F64) -> float:
        """Minus the inertia of ``x``."""
    def centroids(self) -> _F64: ...
    def labels(self) -> _I64:
        """Training labels (empty for a loaded model whose artifact does not keep them)."""
    @property
    def inertia(self) -> float: ...
    @property
    def n_clusters(self) -> int: ...
    @property
    def n_features(self) -> int: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def params(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "KMeansModel": ...
    def save(self, path: _Path) -> None: ...

class LinearModel:
    """A fitted linear regression on standardised features."""

    @staticmethod
    def fit(
        x: _F64, y: _F64, feature_names: Optional[List[str]] = None
    ) -> "LinearModel": ...
    def predict(self, x: _F64) -> _F64:
        """Predictions, one per row."""
    def predict_row(self, row: _F64) -> float:
        """Prediction for one row."""
    def coef(self) -> _F64:
        """Coefficients in the units of ``x``."""
    def standardised_coef(self) -> _F64:
        """Coefficients on the standardised features."""
    @property
    def intercept(self) -> float:
        """Intercept in the units of ``x``."""
    @property
    def standardised_intercept(self) -> float:
        """Intercept on the standardised features."""
    @property
    def rank(self) -> Optional[int]:
        """Rank of the standardised design (None for a model saved before it was stored)."""
    def singular(self) -> Optional[_F64]:
        """Singular values of the standardised design, largest first (None as for rank)."""
    @property
    def n_features(self) -> int: ...
    @property
    def feature_names(self) -> List[str]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "LinearModel": ...
    def save(self, path: _Path) -> None: ...

class UpliftModel:
    """A fitted honest causal forest with per-row standard errors."""

    @staticmethod
    def fit(
        x: _F64,
        treatment: _U8,
        y: _F64,
        outcome: str,
        params: str,
        feature_names: Optional[List[str]] = None,
        progress: Optional[_Progress] = None,
        host: Optional[str] = None,
    ) -> "UpliftModel":
        """``treatment`` is 0/1; ``outcome`` is ``"binary"`` or ``"continuous"``; ``host``
        is a JSON object kept in the artifact (the wrapper's ``control_name``...)."""
    def predict(self, x: _F64) -> Tuple[_F64, _F64]:
        """``(effect, std_error)`` per row."""
    def predict_interval(self, x: _F64, level: float) -> Tuple[_F64, _F64, _F64]:
        """``(effect, lower, upper)`` per row at confidence ``level``."""
    def average_effect(self, level: float) -> str:
        """Average effect with its interval, as JSON."""
    def feature_importances(self) -> _F64: ...
    @property
    def outcome(self) -> str: ...
    @property
    def n_features(self) -> int: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def linear_columns(self) -> List[int]:
        """Column indices of the local-linear correction (empty: none)."""
    @property
    def params(self) -> str: ...
    @property
    def host(self) -> str:
        """The artifact's ``host`` object, as JSON (``"{}"`` when none)."""
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "UpliftModel": ...
    def save(self, path: _Path) -> None: ...

class PurchaseModel:
    """A fitted purchase forecaster (hurdle model)."""

    @staticmethod
    def fit(
        past: Union[_Path, _Columns], params: str, lenient: bool = False,
        host: Optional[str] = None,
    ) -> Tuple["PurchaseModel", str]:
        """The model and the rejected rows (JSON); ``host`` is a JSON object kept in the
        artifact (the wrapper's ``lenient``)."""
    def score(
        self, upcoming: Union[_Path, _Columns], lenient: bool = False
    ) -> Tuple[Dict[str, Any], str]:
        """Typed columns and the rejected rows (JSON); ``actual_amount`` only when the input
        has an amount column (a file: when some row has an amount)."""
    def predict_patient(self, patient: str) -> str: ...
    def forecast(
        self, upcoming: Union[_Path, _Columns], freq: Optional[str], level: float
    ) -> str:
        """``freq`` None: the core's default (weekly)."""
    def forecast_total(self, upcoming: Union[_Path, _Columns], level: float) -> str: ...
    def compare(self, past: Union[_Path, _Columns], freq: Optional[str], level: float) -> str:
        """``freq`` None: the core's default (monthly)."""
    @property
    def report(self) -> str: ...
    def report_text(self) -> str: ...
    @property
    def info(self) -> str: ...
    @property
    def params(self) -> str: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def host(self) -> str:
        """The artifact's ``host`` object, as JSON (``"{}"`` when none)."""
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "PurchaseModel": ...
    def save(self, path: _Path) -> None: ...

class CampaignModel:
    """Campaign data and its analytics. ``CampaignModel``, ``SegmentationModel`` and
    ``RecommenderModel`` pickle (and deep-copy) through their JSON (``__reduce__``)."""

    @staticmethod
    def from_tables(
        doctors: _Columns,
        campaigns: _Columns,
        targeting: _Columns,
        rx: _Columns,
        outcome: Optional[str] = None,
        lenient: bool = False,
    ) -> Tuple["CampaignModel", str]: ...
    @staticmethod
    def from_path(
        path: _Path, outcome: Optional[str] = None, lenient: bool = False
    ) -> Tuple["CampaignModel", str]: ...
    @staticmethod
    def sample(seed: int) -> "CampaignModel": ...
    def to_json(self) -> str:
        """The data and outcome rule as JSON (what pickling stores)."""
    @staticmethod
    def from_json(text: str) -> "CampaignModel":
        """Analytics rebuilt from :meth:`to_json`'s text."""
    def table(self, name: str) -> str:
        """One table (``doctors``, ``campaigns``, ``targeting``, ``rx``) as JSON records."""
    def counts(self) -> Tuple[int, int, int, int]:
        """Rows of the doctors, campaigns, targeting and rx tables."""
    def campaigns(self, filter: str, page: int, per_page: int) -> str: ...
    def metrics(self, campaign_id: int, filter: str, confidence: float) -> str: ...
    def rx_trend(self, campaign_id: int, filter: str) -> str: ...
    def top_responders(
        self, campaign_id: int, filter: str, rank_by: str, page: int, per_page: int
    ) -> str: ...
    def uplift_table(
        self, campaign_id: int
    ) -> Tuple[List[int], List[str], _F64, _U8, _U8, _F64]:
        """``(doctor_ids, feature_names, features, treatment, responded, rx_change)``."""
    def uplift(
        self,
        campaign_id: int,
        params: str,
        outcome: str,
        level: float,
        progress: Optional[_Progress] = None,
    ) -> Tuple["UpliftModel", str]:
        """A forest fitted on the campaign and its rows (JSON)."""
    def score_uplift(self, model: "UpliftModel", campaign_id: int, level: float) -> str:
        """The campaign's doctors scored by a fitted forest (rows JSON)."""
    def product_recommender(
        self,
        params: str,
        products: Sequence[str],
        segmentation: Optional["SegmentationModel"] = None,
    ) -> "RecommenderModel":
        """A recommender that knows ``products`` (every promoted product when empty)."""
    def segment(self, params: str) -> "SegmentationModel": ...
    def recommend(
        self,
        product: str,
        n: int,
        filter: str,
        exclude: Sequence[int],
        params: str,
        segmentation: Optional["SegmentationModel"] = None,
    ) -> str: ...
    def export_csv(
        self,
        path: _Path,
        what: str,
        filter: str,
        campaign_id: Optional[int] = None,
        rank_by: Optional[str] = None,
        formula_guard: bool = True,
    ) -> str: ...

class SegmentationModel:
    """A fitted doctor segmentation."""

    @property
    def k(self) -> int: ...
    def profiles(self) -> str: ...
    def silhouettes(self) -> str: ...
    def centroids(self) -> Tuple[List[List[float]], List[str]]: ...
    def assign(self, doctors: _Columns) -> Tuple[List[int], List[int]]: ...
    def segment_of(self, doctor_id: int) -> Optional[int]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "SegmentationModel": ...
    def save(self, path: _Path) -> None: ...

class RecommenderModel:
    """A fitted content-based doctor recommender."""

    def recommend(self, product: str, n: int, filter: str, exclude: List[int]) -> str: ...
    def products(self) -> List[str]: ...
    @property
    def n_doctors(self) -> int: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "RecommenderModel": ...
    def save(self, path: _Path) -> None: ...

def read_appointments(
    source: Union[_Path, _Columns], lenient: bool = False, allow_empty: bool = False,
    require_amount: bool = False,
) -> Tuple[Dict[str, Any], str]:
    """Appointments as typed columns, and the rejected rows (JSON); ``allow_empty`` reads
    input without data rows as zero rows; ``require_amount`` makes a row without an amount
    a bad row (past appointments)."""

def demo_appointments(
    params: str, truth: bool = False
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Seeded ``(past, upcoming)`` appointments as typed columns."""

def demo_campaigns(params: str) -> Tuple[CampaignModel, str]:
    """Seeded campaign data and the truth (JSON list)."""

def default_params(kind: str) -> str:
    """The core's default parameters of a model kind (JSON)."""

def model_from_json(
    text: str,
) -> Union[
    ForestClassifier,
    ForestRegressor,
    KMeansModel,
    LinearModel,
    UpliftModel,
    PurchaseModel,
    SegmentationModel,
    RecommenderModel,
]:
    """A compiled model from an artifact, whatever its kind."""

def model_status(path: _Path) -> str:
    """Kind, versions, training facts and params of a saved model (JSON)."""
