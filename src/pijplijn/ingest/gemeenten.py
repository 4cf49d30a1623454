"""A list of gemeenten with their province: the CBS municipal classification.

Accepts the layouts of CBS 'Gebieden in Nederland' (GemeentecodeGM; Gemeentenaam;
ProvinciecodePV) and of the common koppeltabel (gemeentCode or gemeenteCode; gemeenteNaam;
provincieCode). It adds regions, no observations: importers then attribute places to these
gemeenten by name.
"""

from __future__ import annotations

import re
from pathlib import Path

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import ImportReport, MissingColumnIssue, UnknownCodeIssue
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import DatasetInfo, ParsedSource, RegionRecord, sha256_of
from pijplijn.ingest.text import open_table

NAME = "gemeenten"
_CODE = ("gemeentecodegm", "gemeentcode", "gemeentecode")
_NAME = ("gemeentenaam",)
_PROVINCE = ("provinciecodepv", "provinciecode")
_GM = re.compile(r"^GM\d{4}$")
_PV = re.compile(r"^PV\d{2}$")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.lower() for h in header]
    return next((lowered.index(n) for n in names if n in lowered), None)


def matches(header: list[str], file_name: str) -> bool:
    """True for a gemeente list: a gemeente code, name and province code column."""
    return all(_find(header, n) is not None for n in (_CODE, _NAME, _PROVINCE))


def parse(path: Path, context: ImportContext) -> ParsedSource:
    """Return the gemeenten of the file as RegionRecords (parent: their province)."""
    report = ImportReport(file=path.name)
    info = DatasetInfo(
        source_key=NAME,
        publisher="CBS",
        title="Gemeentelijke indeling",
        source=f"file {path.name} (CBS gemeentelijke indeling)",
        loader=f"{NAME}@1",
        sha256=sha256_of(path),
        licence="CC BY 4.0",
    )
    parsed = ParsedSource(info=info, report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    columns = [_find(table.header, n) for n in (_CODE, _NAME, _PROVINCE)]
    for found, names in zip(columns, (_CODE, _NAME, _PROVINCE), strict=True):
        if found is None:
            report.add(
                MissingColumnIssue(
                    file=path.name, column=names[0], note=f"of een van {', '.join(names[1:])}"
                )
            )
    if not report.valid:
        return parsed
    code_at, name_at, province_at = (c for c in columns if c is not None)
    for position, cells in table.rows(report):
        code, name, province = cells[code_at], cells[name_at], cells[province_at]
        if not _GM.match(code):
            report.add(
                UnknownCodeIssue.from_row(
                    position, table.header[code_at], code, "een gemeentecode als GM0153"
                )
            )
        if not _PV.match(province) or province not in context.regions:
            report.add(
                UnknownCodeIssue.from_row(
                    position, table.header[province_at], province, "een provinciecode als PV23"
                )
            )
        if report.valid:
            parsed.regions.append(RegionRecord(code, name, "gemeente", province))
    report.stats["regions"] = len(parsed.regions)
    return parsed


KIND = SourceKind(
    name=NAME, description="gemeenten met hun provincie (CBS)", parse=parse, matches=matches
)
