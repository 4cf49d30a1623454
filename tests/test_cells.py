"""Spreadsheet-safe cells (OWASP CSV injection): formulas neutralised, numbers untouched."""

from __future__ import annotations

import polars as pl
import pytest

from pijplijn.cells import safe_frame, safe_record, safe_text


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3", "-3"),  # a plain number runs nothing
        ("+31.5", "+31.5"),
        ("-1,5e3", "-1,5e3"),
        ("Hengelo", "Hengelo"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_text(text: str, safe: str) -> None:
    assert safe_text(text) == safe


def test_records_and_frames_change_text_only() -> None:
    assert safe_record({"title": "=A1", "value": -5, "flag": None}) == {
        "title": "'=A1",
        "value": -5,
        "flag": None,
    }
    frame = pl.DataFrame({"title": ["=A1", "x", None, "-7"], "value": [-1.5, 2.0, None, 3.0]})
    safe = safe_frame(frame)
    assert safe["title"].to_list() == ["'=A1", "x", None, "-7"]
    assert safe["value"].to_list() == [-1.5, 2.0, None, 3.0]
    assert safe.schema == frame.schema
