"""``pijplijn import --explain``: what a file is and how it would load, without writing.

The file is detected and parsed exactly as an import would (with no store: regions by name
stay unplaced), and the explanation lists the layout, which header column goes where in the
cube, the periods, the row count, and any problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import ImportReport
from pijplijn.ingest.layouts import registry
from pijplijn.ingest.registry import detect, kind_named, sniff_header


@dataclass
class Explanation:
    """How one file would be imported."""

    file: str
    kind: str
    title: str
    mapping: list[tuple[str, str]] = field(default_factory=list)
    """(header column, where it goes), in header order."""
    periods: list[str] = field(default_factory=list)
    rows: int = 0
    observations: int = 0
    report: ImportReport | None = None

    def lines(self) -> list[str]:
        """Return the explanation as plain lines (Dutch)."""
        text = [f"{self.file}: indeling {self.kind} ({self.title})"]
        text += [f"  {column} → {target}" for column, target in self.mapping]
        text.append(f"  perioden: {', '.join(self.periods) or 'geen'}")
        text.append(f"  rijen: {self.rows}, waarnemingen: {self.observations}")
        return text


def explain(
    path: Path, kind: str | None = None, context: ImportContext | None = None
) -> Explanation:
    """Return how ``path`` would load; raises KindError when its header fits no layout.

    ``context`` is what the importer may know (the caller builds it from the content pack,
    without opening a store); gemeenten it does not know stay unplaced."""
    source_kind = kind_named(kind) if kind else detect(path)
    parsed = source_kind.parse(path, context or ImportContext())
    base = source_kind.name.removesuffix("-json")
    layout = registry().get(base)
    explanation = Explanation(
        file=path.name,
        kind=source_kind.name,
        title=layout.title if layout else source_kind.description,
        rows=int(parsed.report.stats.get("rows", 0)),
        observations=parsed.observations.height,
        report=parsed.report,
    )
    if not parsed.observations.is_empty():
        explanation.periods = sorted(
            str(p) for p in parsed.observations.get_column("period").unique().to_list()
        )
    if layout is not None:
        header, _json = sniff_header(path)
        fit = layout.resolve(header)
        by_index = {index: name for name, index in fit.mapping.items()}
        columns = {c.name: c for c in layout.columns}
        for index, name in enumerate(header):
            if layout.importer is not None:
                explanation.mapping.append((name, f"gelezen door {layout.importer}"))
            elif index in by_index:
                explanation.mapping.append((name, columns[by_index[index]].describe()))
            elif index in fit.value_columns:
                explanation.mapping.append((name, f"waarde ({layout.measure})"))
            else:
                explanation.mapping.append((name, "niet geladen"))
    return explanation
