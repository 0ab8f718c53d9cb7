"""Shared test data for the optocom Python suite.

Data sets are small, seeded and drawn from models whose truth is known, so tests can compare
what optocom learns with what it should learn (not with numbers recorded from a previous
run). The golden fixtures in the repository's ``fixtures/`` are shared with the Rust, Node
and WASM suites.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class Logistic:
    """Features, labels drawn from a known logistic model, and the true probabilities."""

    X: np.ndarray
    y: np.ndarray
    p: np.ndarray


def logistic_data(n: int, seed: int, n_noise: int = 3) -> Logistic:
    """``P(y=1 | x) = sigmoid(1.5 x0 - x1 + x0 x2)``; ``n_noise`` extra pure-noise features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3 + n_noise))
    p = sigmoid(1.5 * X[:, 0] - X[:, 1] + X[:, 0] * X[:, 2])
    y = (rng.random(n) < p).astype(np.int64)
    return Logistic(X, y, p)


@pytest.fixture(scope="session")
def logistic() -> Logistic:
    return logistic_data(1500, seed=1)


@pytest.fixture(scope="session")
def regression() -> tuple:
    """``y = 2 sin(x0) + x1^2 + N(0, 0.3^2)`` with two noise features: ``(X, y, f(X))``."""
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, size=(1500, 4))
    f = 2 * np.sin(X[:, 0]) + X[:, 1] ** 2
    return X, f + rng.normal(scale=0.3, size=len(f)), f


@pytest.fixture(scope="session")
def uplift_data() -> tuple:
    """A small randomised experiment: ``(X, treatment, y, true_effect)``, the effect 0.3 on
    the response probability where x0 > 0 and none elsewhere."""
    rng = np.random.default_rng(3)
    n = 1200
    X = rng.normal(size=(n, 3))
    t = rng.integers(0, 2, n)
    effect = np.where(X[:, 0] > 0, 0.3, 0.0)
    p = 0.2 + 0.1 * (X[:, 1] > 0) + effect * t
    y = (rng.random(n) < p).astype(np.int64)
    return X, t, y, effect


# -- XLSX without a spreadsheet library --------------------------------------------------


def _cell_ref(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], sheet: str = "Sheet1") -> Path:
    """Writes a minimal one-sheet XLSX workbook (numbers as numbers, everything else as
    inline strings): enough for the core's calamine reader, without openpyxl."""
    cells = []
    for i, row in enumerate(rows):
        out = []
        for j, v in enumerate(row):
            ref = _cell_ref(i, j)
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                out.append(f'<c r="{ref}"><v>{v!r}</v></c>' if isinstance(v, float) else f'<c r="{ref}"><v>{v}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        cells.append(f'<row r="{i + 1}">{"".join(out)}</row>')
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(cells)}</sheetData></worksheet>'
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path
