"""Tables from delimited text or from a JSON list of records, as one stream of rows.

DUO publishes some tables both as CSV and as JSON records with the CSV headers as keys. Both
give the same ``Rows``: a header and (position, cells) pairs. In JSON, record n (1-based) is
row n + 1, as if it stood under a header line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pijplijn.ingest.issues import (
    CellTypeIssue,
    FileIssue,
    ImportReport,
    MissingKeyIssue,
    RowIssue,
    RowPosition,
    TableIssue,
)
from pijplijn.ingest.text import decode, open_table


@dataclass
class Rows:
    """A table's header and its data rows, from CSV or JSON alike."""

    header: list[str]
    rows: Iterator[tuple[RowPosition, list[str]]]


def open_rows(path: Path, report: ImportReport) -> Rows | None:
    """Return the header and rows of a CSV or JSON file, or None after reporting why not."""
    raw = path.read_bytes()
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return _open_json(raw, report)
    table = open_table(path, report)
    return None if table is None else Rows(table.header, table.rows(report))


def _open_json(raw: bytes, report: ImportReport) -> Rows | None:
    """Return the rows of a JSON list of records, keyed by the first record's keys."""
    text = decode(raw, report)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.add(
            FileIssue(
                file=report.file,
                note=f"geen geldige JSON ({exc.msg}, regel {exc.lineno}, kolom {exc.colno}); "
                "verwacht een lijst van records",
            )
        )
        return None
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]  # an OData response (CBS TypedDataSet): {"value": [records]}
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        found = _json_shape(data)
        report.add(
            TableIssue(
                file=report.file,
                note=f"verwacht een JSON-lijst van records ([{{...}}, ...]), gevonden {found}",
            )
        )
        return None
    header = [str(key).strip() for key in data[0]]
    return Rows(header, _json_rows(data, header, report))


def _json_shape(data: object) -> str:
    if data == []:
        return "een lege lijst"
    if isinstance(data, list):
        return "een lijst waarvan het eerste element geen record is"
    return "één object" if isinstance(data, dict) else "een losse waarde"


def _json_rows(
    data: list[Any], header: list[str], report: ImportReport
) -> Iterator[tuple[RowPosition, list[str]]]:
    """Yield each record as cells in header order; record n (1-based) is row n + 1."""
    for number, record in enumerate(data, start=2):
        at = RowPosition(report.file, number)
        if not isinstance(record, dict):
            report.add(RowIssue(file=report.file, row=number, note="dit record is geen object"))
            continue
        values = {str(key).strip(): value for key, value in record.items()}
        extra = [key for key in values if key not in header]
        if extra:
            # One shape for every record: a key the first record lacks would be dropped unseen.
            note = (
                f"record {number - 1} heeft een andere vorm dan record 1: de sleutel "
                f"'{extra[0]}' staat niet in het eerste record; verwacht de sleutels "
                f"{', '.join(header)}"
            )
            report.add(RowIssue(file=report.file, row=number, note=note))
            continue
        cells = [_json_cell(at, key, values, report) for key in header]
        if all(cell is not None for cell in cells):
            yield at, [cell or "" for cell in cells]


def _json_cell(
    at: RowPosition, key: str, values: dict[str, Any], report: ImportReport
) -> str | None:
    """Return a record's value as stripped text, or None after reporting it."""
    if key not in values:
        report.add(MissingKeyIssue.from_row(at, key, "", f"de sleutel '{key}'"))
        return None
    value = values[key]
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    report.add(CellTypeIssue.from_row(at, key, json.dumps(value), "tekst of een getal"))
    return None
