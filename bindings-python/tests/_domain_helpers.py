"""Helpers shared by the domain test files (test_purchase, test_campaign, test_demo,
test_examples, test_scaleout). Fixtures live in the test files themselves."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
EXAMPLES = REPO / "examples"

FLAGS = ["employed", "benefits", "driver", "vdu_user", "varifocal", "high_prescription"]

# Column headers of a practice-management export, all aliases the core accepts.
UK_HEADERS = {
    "patient_id": "Patient ID",
    "appointment_date": "Date",
    "age": "Age",
    "days_since_last_purchase": "Days Since Purchase",
    "employed": "Employed",
    "benefits": "Benefits",
    "driver": "Driver",
    "vdu_user": "VDU",
    "varifocal": "Varifocal",
    "high_prescription": "High Rx",
    "amount": "Sales",
}


def uk_export(df: pd.DataFrame) -> pd.DataFrame:
    """The demo frame as a practice system exports it: alias headers, DD/MM/YYYY text
    dates, Y/N text flags."""
    out = df[[c for c in UK_HEADERS if c in df.columns]].copy()
    out["appointment_date"] = df["appointment_date"].dt.strftime("%d/%m/%Y")
    for c in FLAGS:
        out[c] = np.where(df[c], "Y", "N")
    return out.rename(columns=UK_HEADERS)


def write_xlsx(sheets: "dict[str, pd.DataFrame]", path: Path) -> None:
    """Writes DataFrames as sheets of an .xlsx workbook with openpyxl or xlsxwriter; skips
    the calling test when neither is installed."""
    engine = None
    for name in ("openpyxl", "xlsxwriter"):
        try:
            __import__(name)
            engine = name
            break
        except ImportError:
            continue
    if engine is None:
        pytest.skip("writing an .xlsx needs openpyxl or xlsxwriter (neither is installed)")
    with pd.ExcelWriter(path, engine=engine) as w:
        for name, df in sheets.items():
            df.to_excel(w, sheet_name=name, index=False)


def period_key(dates: pd.Series, freq: str) -> pd.Series:
    """First day of the day/week (Monday)/calendar month of each date, computed by pandas
    independently of optocom."""
    if freq == "D":
        return dates.dt.normalize()
    if freq == "W":
        return dates.dt.normalize() - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    return dates.dt.to_period("M").dt.start_time


def binomial_margin(p: float, n: int, sds: float = 3.0) -> float:
    """``sds`` binomial standard errors of a proportion ``p`` over ``n`` trials."""
    return sds * math.sqrt(p * (1.0 - p) / n)


def to_pandas(df: Any) -> pd.DataFrame:
    return df if isinstance(df, pd.DataFrame) else df.to_pandas()


def env_with_package() -> "dict[str, str]":
    """The environment for a subprocess running this interpreter, headless matplotlib."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env.setdefault("PYTHONHASHSEED", "0")
    return env
