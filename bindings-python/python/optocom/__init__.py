"""optocom: fast, embeddable machine learning for optometry purchase forecasting and pharma
campaign analytics, with scikit-learn-compatible estimators and pandas/polars in and out.

The models, their defaults and their saved format are those of the Rust core
(``optocom-core``): a model saved here loads in Rust, Node and the browser and predicts the
same bits.
"""

from __future__ import annotations

from . import _optocom, demo
from ._display import style_bands
from ._progress import config
from .campaign import CampaignAnalytics, Page, Recommender, Segments
from .cluster import KMeans
from .ensemble import RandomForestClassifier, RandomForestRegressor
from .io import from_json, load, model_status, read_appointments
from .linear import LinearRegression
from .purchase import PurchaseForecaster, Report
from .uplift import UpliftForest
from .exceptions import (
    CancelledError,
    DegenerateTargetError,
    DuplicateColumnError,
    EmptyInputError,
    InternalError,
    InvalidArtifactError,
    InvalidParameterError,
    InvalidValueError,
    MissingColumnError,
    NotFittedError,
    NotFoundError,
    OptocomError,
    OptocomIOError,
    SchemaMismatchError,
    ShapeMismatchError,
    UnsupportedVersionError,
    WorkbookError,
)

__version__: str = _optocom.__version__

__all__ = [
    "RandomForestClassifier",
    "RandomForestRegressor",
    "LinearRegression",
    "KMeans",
    "UpliftForest",
    "PurchaseForecaster",
    "Report",
    "CampaignAnalytics",
    "Page",
    "Segments",
    "Recommender",
    "demo",
    "load",
    "from_json",
    "model_status",
    "read_appointments",
    "style_bands",
    "config",
    "OptocomError",
    "InvalidParameterError",
    "InvalidValueError",
    "MissingColumnError",
    "DuplicateColumnError",
    "EmptyInputError",
    "DegenerateTargetError",
    "ShapeMismatchError",
    "SchemaMismatchError",
    "UnsupportedVersionError",
    "InvalidArtifactError",
    "NotFoundError",
    "WorkbookError",
    "CancelledError",
    "OptocomIOError",
    "NotFittedError",
    "InternalError",
]
