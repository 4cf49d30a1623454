"""The pijplijn long-format template: one observation per row, with our own column names,
as CSV or as XLSX (first sheet).

Partners fill it in (docs/import-template.md), and the content pack's seed figures use it
too. Every cell is validated against the cube's vocabularies; every problem is a typed
issue with its row and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from pijplijn import vocabulary as vocab
from pijplijn.coverage import Coverage, RegionCoverage
from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import (
    CellRangeIssue,
    CellTypeIssue,
    DuplicateRowIssue,
    EmptyFileIssue,
    FileIssue,
    ImportReport,
    MissingColumnIssue,
    RowPosition,
    UnknownCodeIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import (
    OBSERVATION_SCHEMA,
    DatasetInfo,
    ParsedSource,
    distinct_values,
    frame_regions,
    sha256_of,
)
from pijplijn.ingest.text import open_table
from pijplijn.periods import Period, PeriodError

LOADER = "template@1"

COLUMNS: tuple[str, ...] = (
    "measure",
    "period",
    "region",
    "institution",
    "stage",
    "level",
    "pathway",
    "sector",
    "gender",
    "origin_stage",
    "value",
    "flag",
    "subject",
    "section",
    "note",
)
REQUIRED: tuple[str, ...] = ("measure", "period", "region", "value")

_CHOICES: dict[str, tuple[str, ...]] = {
    "measure": vocab.MEASURES,
    "stage": vocab.STAGES,
    "level": vocab.LEVELS,
    "pathway": vocab.PATHWAYS,
    "gender": vocab.GENDERS,
    "origin_stage": vocab.ORIGIN_STAGES,
    "flag": vocab.CELL_FLAGS,
}
_IDENTITY = (
    "measure",
    "period",
    "region",
    "institution",
    "stage",
    "level",
    "pathway",
    "sector",
    "gender",
    "subject",
)


@dataclass(frozen=True)
class KnownCodes:
    """The region and institution codes a file may name."""

    regions: frozenset[str]
    institutions: frozenset[str]


def parse_template_csv(path: Path, info: DatasetInfo, known: KnownCodes) -> ParsedSource:
    """Parse a template file (CSV, or XLSX by its extension) into observations; problems go
    into the report."""
    report = ImportReport(file=path.name)
    parsed = ParsedSource(info=info, report=report)
    opened = _open_xlsx(path, report) if path.suffix.lower() == ".xlsx" else _open_csv(path, report)
    if opened is None:
        return parsed
    header, rows = opened
    header = [name.strip().lower() for name in header]
    for name in REQUIRED:
        if name not in header:
            report.add(
                MissingColumnIssue(
                    file=path.name, column=name, note=f"verwachte kolommen: {', '.join(COLUMNS)}"
                )
            )
    if not report.valid:
        return parsed
    records = list(_records(rows, header, path.name, known, report))
    report.stats["rows"] = len(records)
    if report.valid:
        parsed.observations = pl.DataFrame(records, schema=OBSERVATION_SCHEMA, orient="row")
    return parsed


_Rows = Iterator[tuple[RowPosition, list[str]]]


def _open_csv(path: Path, report: ImportReport) -> tuple[list[str], _Rows] | None:
    table = open_table(path, report)
    if table is None:
        return None
    return table.header, table.rows(report)


def _open_xlsx(path: Path, report: ImportReport) -> tuple[list[str], _Rows] | None:
    """Return the first sheet's header and rows; row numbers are the sheet's own rows."""
    if path.stat().st_size == 0:
        report.add(EmptyFileIssue(file=path.name))
        return None
    try:
        frame = pl.read_excel(path, sheet_id=1, infer_schema_length=0)
    except Exception as exc:  # fastexcel raises its own types for every kind of bad workbook
        report.add(FileIssue(file=path.name, note=f"geen leesbaar XLSX-bestand ({exc})"[:300]))
        return None
    header = [str(name) for name in frame.columns]

    def rows() -> _Rows:
        for index, cells in enumerate(frame.iter_rows(), start=2):
            values = ["" if cell is None else str(cell).strip() for cell in cells]
            if any(values):
                yield RowPosition(path.name, index), values

    return header, rows()


def parse(path: Path, context: ImportContext) -> ParsedSource:
    """Parse a partner's template file; its name (without extension) identifies the series."""
    info = template_info(
        path,
        f"template:{path.stem}",
        "partner",
        f"Partnerbestand {path.name}",
        f"file {path.name}",
        None,
    )
    known = KnownCodes(
        regions=frozenset(context.regions), institutions=frozenset(context.institutions)
    )
    parsed = parse_template_csv(path, info, known)
    parsed.info = replace(info, coverage=partner_coverage(parsed.observations, path.name))
    return parsed


def partner_coverage(frame: pl.DataFrame, file_name: str) -> Coverage:
    """Return the coverage of a partner's file: in each region it names, only the partner's
    own organisations (the institutions it names, or the file's own figures)."""
    institutions = tuple(distinct_values(frame, "institution"))
    note = None if institutions else f"alleen de cijfers van partnerbestand {file_name}"
    return Coverage(
        regions=tuple(
            RegionCoverage(region, institutions=institutions, note=note)
            for region in frame_regions(frame)
        ),
        stages=tuple(distinct_values(frame, "stage")),
    )


def matches(header: list[str], file_name: str) -> bool:
    """True when the header has the template's required columns."""
    lowered = {h.lower() for h in header}
    return all(name in lowered for name in REQUIRED)


def template_info(
    path: Path,
    source_key: str,
    publisher: str,
    title: str,
    source: str,
    licence: str | None,
    coverage: Coverage | None = None,
) -> DatasetInfo:
    """Return the provenance of a template file (its sha256 identifies the release)."""
    return DatasetInfo(
        source_key=source_key,
        publisher=publisher,
        title=title,
        source=source,
        loader=LOADER,
        sha256=sha256_of(path),
        licence=licence,
        coverage=coverage,
    )


def _records(
    rows: _Rows, header: list[str], file: str, known: KnownCodes, report: ImportReport
) -> Iterator[tuple[object, ...]]:
    seen: dict[tuple[str, ...], int] = {}
    for position, cells in rows:
        row = dict(zip(header, cells, strict=True))
        record = _record(row, position, known, report)
        if record is None:
            continue
        identity = tuple(row.get(name, "") for name in _IDENTITY)
        if identity in seen:
            report.add(DuplicateRowIssue(file=file, row=position.row, first_row=seen[identity]))
            continue
        seen[identity] = position.row
        yield record


def _record(
    row: dict[str, str], at: RowPosition, known: KnownCodes, report: ImportReport
) -> tuple[object, ...] | None:
    """Return one observation tuple in OBSERVATION_SCHEMA order, or None after reporting."""
    errors_before = len(report.issues)
    for column, choices in _CHOICES.items():
        value = row.get(column, "")
        if (value or column == "measure") and value not in choices:
            report.add(
                UnknownCodeIssue.from_row(at, column, value, "een van " + ", ".join(choices))
            )
    try:
        period = Period.parse(row["period"])
    except PeriodError as exc:
        report.add(CellTypeIssue.from_row(at, "period", row["period"], "periode", str(exc)))
        period = None
    if row["region"] not in known.regions:
        report.add(
            UnknownCodeIssue.from_row(
                at,
                "region",
                row["region"],
                "een regiocode uit het contentpakket (bijv. twente, GM0153, PV23)",
            )
        )
    institution = row.get("institution", "")
    if institution and institution not in known.institutions:
        report.add(UnknownCodeIssue.from_row(at, "institution", institution, "een bekende BRIN"))
    number = _value(row, at, report)
    measure, flag = row["measure"], row.get("flag", "")
    if measure in vocab.PUBLISHED_MEASURES and not row.get("subject"):
        report.add(
            CellTypeIssue.from_row(
                at, "subject", "", "een subject-id: wat het gepubliceerde cijfer zegt"
            )
        )
    if not row["value"] and flag not in ("missing", "suppressed"):
        report.add(
            CellTypeIssue.from_row(
                at, "value", "", "een getal, of flag missing of suppressed bij een lege cel"
            )
        )
    if len(report.issues) > errors_before or period is None:
        return None
    unit = "share" if measure == "published_share" else "count"
    return (
        measure,
        str(period),
        period.unit.value,
        row["region"],
        None,
        institution or None,
        row.get("stage") or None,
        row.get("level") or None,
        row.get("pathway") or None,
        None,
        None,
        row.get("sector") or None,
        None,
        None,
        row.get("gender") or None,
        row.get("origin_stage") or None,
        None,
        number,
        flag or None,
        unit,
        row.get("subject") or None,
        row.get("section") or None,
        row.get("note") or None,
    )


def _value(row: dict[str, str], at: RowPosition, report: ImportReport) -> float | None:
    text = row["value"]
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        report.add(CellTypeIssue.from_row(at, "value", text, "getal (punt als decimaalteken)"))
        return None
    if value < 0 and row["measure"] != "published_share":
        report.add(CellRangeIssue.from_row(at, "value", text, "een aantal van 0 of meer"))
        return None
    return value


KIND = SourceKind(
    name="template",
    description="pijplijn-sjabloon (lang formaat), zie docs/import-template.md",
    parse=parse,
    matches=matches,
)
