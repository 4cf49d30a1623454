"""``pijplijn import --explain``: what a file is and how it would load, without writing.

The file is detected and parsed exactly as an import would (with no store: regions by name
stay unplaced), and the explanation lists the layout, which header column goes where in the
cube, the periods, the row count, and any problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pijplijn.content.loader import ContentPack
from pijplijn.ingest.context import CbsMeasure, ImportContext, normalise_place
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
        # An older layout is read by its own importer: its entry in layouts.yaml declares
        # where that importer puts each column.
        by = f" (gelezen door {layout.importer})" if layout.importer else ""
        for index, name in enumerate(header):
            if index in by_index:
                target = columns[by_index[index]].describe()
            elif index in fit.value_columns:
                target = f"waarde ({layout.values.note or layout.measure})"
            else:
                target = layout.others or "niet geladen"
            explanation.mapping.append((name, target + by))
    return explanation


def reference_context(pack: ContentPack) -> ImportContext:
    """What an explanation may know without a store: the core's reference regions (NL01,
    provinces, gemeenten, COROP areas with CR99, arbeidsmarktregio's), the pack's regions and
    places, and the pack's CBS measures; the same names ``store.reference.import_context``
    builds from a store after ``pijplijn init``. Institutions stay unknown."""
    from pijplijn.reference.labour_regions import (
        COROP_UNKNOWN,
        PROVINCE_ALIASES,
        load_labour_regions,
    )

    reference = load_labour_regions()
    names: dict[str, dict[str, str]] = {"provincie": {}, "gemeente": {}}
    kinds = {"NL01": "land", COROP_UNKNOWN[0]: "corop"}
    labels = {"land:nederland": "NL01"}
    suffix = {"corop": "CR", "arbeidsmarktregio": "AM"}
    for code, (name, _) in reference.gemeenten.items():
        names["gemeente"][normalise_place(name)] = code
        kinds[code] = "gemeente"
        labels[f"gemeente:{name.lower()}"] = code
    for code, name in reference.provinces.items():
        for text in (name, *PROVINCE_ALIASES.get(code, ())):
            names["provincie"][normalise_place(text)] = code
        kinds[code] = "provincie"
        labels[f"provincie:{name.lower()}"] = code
    for area in reference.regions:
        kinds[area.code] = area.kind
        labels[f"{area.kind}:{area.name.lower()} ({suffix[area.kind].lower()})"] = area.code
    for region in pack.regions:
        if region.kind in names:
            for name in (region.name, *region.aliases):
                names[region.kind][normalise_place(name)] = region.code
    kinds.update({r.code: r.kind for r in pack.regions})
    known = set(kinds)
    names["gemeente"].update({normalise_place(p): c for p, c in pack.places.items() if c in known})
    return ImportContext(
        regions=kinds,
        gemeente_by_name=names["gemeente"],
        province_by_name=names["provincie"],
        region_names=labels,
        cbs_measures={
            key: CbsMeasure(m.measure, m.unit, m.note, m.year_note)
            for key, m in pack.cbs_measures.items()
        },
    )
