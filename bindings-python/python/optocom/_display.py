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


_FORMATS = {"probability": "{:.2f}", "expected_spend": "£{:.2f}", "expected_revenue": "£{:.2f}",
            "revenue_sd": "£{:.2f}"}


def _band_colour(band: Any) -> str:
    return BAND_COLOURS.get(str(band), "")


def _cell(column: str, v: Any) -> str:
    if column in _FORMATS and isinstance(v, (int, float)) and pd.notna(v):
        return _FORMATS[column].format(v)
    if isinstance(v, pd.Timestamp) and v == v.normalize():
        return v.date().isoformat()
    return str(v)


class BandTable:
    """The colour-coded patient table without jinja2 (which pandas' Styler needs): renders
    the same colours and formats as HTML. ``data`` is the scored frame."""

    def __init__(self, data: pd.DataFrame) -> None:
        self.data = data

    def to_html(self) -> str:
        cols = [str(c) for c in self.data.columns]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = []
        bands = self.data["value_band"] if "value_band" in self.data.columns else None
        for i, row in enumerate(self.data.itertuples(index=False, name=None)):
            colour = _band_colour(bands.iloc[i]) if bands is not None else ""
            style = f" style='background-color: {colour}'" if colour else ""
            cells = "".join(f"<td>{html.escape(_cell(c, v))}</td>" for c, v in zip(cols, row))
            body.append(f"<tr{style}>{cells}</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<optocom.BandTable {len(self.data)} rows>"


def style_bands(scored: Any) -> Any:
    """The colour-coded patient table for Jupyter: each patient row coloured by value band
    (high green, medium amber, low red), money as GBP. Accepts the frame
    :meth:`PurchaseForecaster.predict` returns (pandas or polars). Returns a pandas
    ``Styler`` when jinja2 is installed (pandas needs it for styling), otherwise a
    :class:`BandTable` with the same HTML colours."""
    if not isinstance(scored, pd.DataFrame):
        from ._frames import to_pandas

        scored = to_pandas(scored)
    try:
        import jinja2  # noqa: F401  (pandas' Styler renders with it)
    except ImportError:
        return BandTable(scored)

    def colour(row: pd.Series) -> list:
        c = _band_colour(row.get("value_band"))
        return [f"background-color: {c}" if c else ""] * len(row)

    fmt = {k: v for k, v in _FORMATS.items() if k in scored.columns}
    return scored.style.apply(colour, axis=1).format(fmt)
