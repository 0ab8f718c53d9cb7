"""Rich HTML for Jupyter: the forecaster, its report, pages of results, estimators, and the
colour-coded patient table."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

BAND_COLOURS = {"high": "#c6efce", "medium": "#ffeb9c", "low": "#ffc7ce"}


def _table(rows: list) -> str:
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<table>{body}</table>"


def _fmt(v: Any, spec: str = ".3f") -> str:
    return "n/a" if v is None else format(v, spec)


def report_html(report: Any) -> str:
    d = report.to_dict()
    rows = [
        ("training rows / hold-out", f"{d['n_train']} / {d['n_holdout']}"),
        ("threshold (GBP)", d["threshold"]),
        ("purchase rate", _fmt(d["purchase_rate"])),
        ("AUC (hold-out)", _fmt(d["auc"])),
        ("Brier", _fmt(d["brier"], ".4f")),
        ("spend R^2", _fmt(d["spend_r2"])),
        ("revenue R^2", _fmt(d["revenue_r2"])),
        ("revenue MAE (GBP)", _fmt(d["revenue_mae"], ".2f")),
    ]
    imp = "".join(
        f"<tr><td>{html.escape(str(n))}</td><td>{v:.3f}</td></tr>" for n, v in d["feature_importances"]
    )
    return (
        "<div><b>optocom purchase model: training report</b>"
        + _table(rows)
        + f"<details><summary>feature importances</summary><table>{imp}</table></details></div>"
    )


def forecaster_html(model: Any) -> str:
    head = f"<b>{html.escape(repr(model))}</b>"
    if model._model is None:
        return f"<div>{head}</div>"
    return f"<div>{head}{report_html(model.report())}</div>"


def page_html(page: Any) -> str:
    data = page.data
    inner = data.to_html(max_rows=20) if isinstance(data, pd.DataFrame) else html.escape(repr(data))
    return f"<div><b>page {page.page} of {page.pages}</b> ({page.total} rows)</div>{inner}"


def estimator_html(est: Any) -> str:
    return f"<pre>{html.escape(repr(est))}</pre>"


def style_bands(scored: pd.DataFrame) -> Any:
    """A pandas Styler colouring each patient row by value band (high green, medium amber,
    low red), for Jupyter."""

    def colour(row: pd.Series) -> list:
        c = BAND_COLOURS.get(str(row.get("value_band")), "")
        return [f"background-color: {c}" if c else ""] * len(row)

    return scored.style.apply(colour, axis=1).format(
        {"probability": "{:.2f}", "expected_spend": "£{:.2f}", "expected_revenue": "£{:.2f}",
         "revenue_sd": "£{:.2f}"}
    )
