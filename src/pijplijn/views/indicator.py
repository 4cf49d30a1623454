"""The values table of one indicator: what ``pijplijn indicator --format csv``, the API's
``/api/v1/indicators/{id}/values?format=csv|xlsx`` and the page's download all give."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pijplijn.views.render import ViewTable

LEADING = ("indicator", "region", "period")
"""The columns every values table starts with; the breakdown keys and the rest follow."""


def value_row(record: dict[str, Any]) -> dict[str, Any]:
    """Return one value record as a table row: the inputs left out (they are the JSON's),
    sources and notes as one text each."""
    row = {k: v for k, v in record.items() if k not in ("inputs", "sources", "notes")}
    row["sources"] = "; ".join(
        f"{s['source_key']} (dataset {s['dataset']})" for s in record.get("sources", [])
    )
    row["notes"] = "; ".join(record.get("notes", []))
    return row


def values_table(indicator_id: str, records: Iterable[dict[str, Any]]) -> ViewTable:
    """Return the indicator's value records (``IndicatorValues.records()``, of one or more
    regions) as one table; its columns are every key any row has, in first-seen order."""
    rows = [value_row(r) for r in records]
    columns = list(LEADING)
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return ViewTable(name=f"indicator-{indicator_id}", columns=columns, rows=rows)
