"""``pijplijn indicator ID --benchmark``: the benchmark view as a table, CSV or JSON (the
same view as the API's ``/api/v1/indicators/{id}/benchmark`` and the indicator page)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from rich.table import Table

from pijplijn.cli.app import OutputFormat, out, styled
from pijplijn.numbers import format_number, points

if TYPE_CHECKING:
    from pijplijn.views.benchmark import BenchmarkView


def print_benchmark(view: BenchmarkView, format: OutputFormat) -> None:
    """Write ``view`` in ``format``: a table with the headline, the comparison and the
    method; the view's table as CSV; or the whole view (without the chart) as JSON."""
    from pijplijn.views.render import to_csv

    if format is OutputFormat.csv:
        sys.stdout.write(to_csv(view.table()))
        return
    if format is OutputFormat.json:
        data = view.model_dump(mode="json", exclude={"chart"})
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    b = view.benchmark
    out.print(styled((view.headline, "bold")))
    change = points if b.unit == "share" else None
    table = Table("plaats", "regio", f"waarde {b.period}", f"verandering sinds {b.base_period}")
    table.add_column("")
    for r in sorted(b.regions, key=lambda r: (r.rank is None, r.rank or 0, r.name)):
        mark = "◆ deze regio" if r.highlighted else "● vergelijkbaar" if r.comparable else ""
        table.add_row(
            "" if r.rank is None else str(r.rank),
            r.name,
            format_number(r.value, b.unit, flag=r.flag) if r.value is not None else "geen cijfer",
            (change(r.change) if change else format_number(r.change, b.unit, signed=True))
            if r.change is not None
            else "",
            mark,
        )
    out.print(table)
    out.print(view.comparison)
    out.print(styled(("Beschrijvend: ", "bold"), f"{b.label}."))
    out.print(styled(("Methode: ", "bold"), b.method))
    if b.without_data:
        out.print(f"Zonder eigen cijfer in {b.period}: {', '.join(b.without_data)}.")
