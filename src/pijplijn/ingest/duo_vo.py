"""DUO open onderwijsdata: exam candidates and passes in vo (vmbo, havo, vwo).

The file has one row per school location (VESTIGINGSCODE) and opleiding (e.g.
"VMBO B - techniek", "HAVO - N&T"), and per school year and gender three columns:
EXAMENKANDIDATEN, GESLAAGDEN and SLAAGPERC. The school years are read from the header.

What is stored, per school year, measure (``exam_candidates``, ``exam_passed``) and gender:

- MAN and VROUW, always: ``<5`` is value None with flag ``suppressed`` (never 0), a blank cell
  is value None with flag ``missing``;
- TOTAAL, DUO's published total, whenever it is not blank, as an observation of its own with
  gender None beside the parts. DUO prints the total unsuppressed where only a part is small
  (MAN ``<5``, VROUW 11, TOTAAL 14), so the total carries what the parts do not; the cube sums
  the total, or the parts when broken down by gender (``store/load.py`` pairs them);
- SLAAGPERC never: it is derived from the two counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import (
    CellIssue,
    CellRangeIssue,
    CellTypeIssue,
    DuplicateRowIssue,
    ImportReport,
    MissingColumnIssue,
    RowPosition,
    TableIssue,
    TotalMismatchIssue,
    UnknownCodeIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import (
    DatasetInfo,
    InstitutionRecord,
    ParsedSource,
    conform,
    national_coverage,
    sha256_of,
)
from pijplijn.ingest.text import TextTable, open_table
from pijplijn.periods import Period, PeriodError

NAME = "duo-vo-examens"
LOADER = f"{NAME}@2"
"""@2: TOTAAL is stored beside the parts wherever DUO printed it (@1 dropped it mostly)."""
SOURCE = "https://duo.nl/open_onderwijsdata/voortgezet-onderwijs/examens/examens-vmbo-havo-vwo.jsp"
LICENCE = "CC0 1.0"

BRIN = "INSTELLINGSCODE"
LOCATION = "VESTIGINGSCODE"
SCHOOL_NAME = "INSTELLINGSNAAM VESTIGING"
GEMEENTE = "GEMEENTENAAM"
SCHOOL_TYPE = "ONDERWIJSTYPE VO"
INSPECTION_CODE = "INSPECTIECODE"
PROGRAMME = "OPLEIDINGSNAAM"
REQUIRED: tuple[str, ...] = (BRIN, LOCATION, SCHOOL_NAME, GEMEENTE, SCHOOL_TYPE, PROGRAMME)
OPTIONAL: tuple[str, ...] = (INSPECTION_CODE,)

_YEAR_COLUMN = re.compile(
    r"^(EXAMENKANDIDATEN|GESLAAGDEN|SLAAGPERC) SCHOOLJAAR (\S+) - (MAN|VROUW|TOTAAL)$"
)
_MEASURES = {"EXAMENKANDIDATEN": "exam_candidates", "GESLAAGDEN": "exam_passed"}
_GENDERS = {"MAN": "man", "VROUW": "vrouw", "TOTAAL": "totaal"}
_BRIN = re.compile(r"^\d{2}[A-Z]{2}$")
_COUNT = r"^\d+$"
_NEGATIVE = r"^-\d+([.,]\d+)?$"
SUPPRESSED = "<5"

_STAGE_BY_TYPE = {"HAVO": "havo", "VWO": "vwo"}
_VMBO_LEERWEG = {
    "B": "vmbo-bb",
    "BB": "vmbo-bb",
    "BL": "vmbo-bb",
    # Leerwerktraject: a variant of the basisberoepsgerichte leerweg (WVO), so counted as bb.
    "LWT": "vmbo-bb",
    "K": "vmbo-kb",
    "KB": "vmbo-kb",
    "KL": "vmbo-kb",
    "G": "vmbo-gl",
    "GL": "vmbo-gl",
    "T": "vmbo-tl",
    "TL": "vmbo-tl",
    # Combined gemengde/theoretische leerweg: the file cannot split it, so it goes to gl.
    "G/T": "vmbo-gl",
    "GT": "vmbo-gl",
    "GL/TL": "vmbo-gl",
}
_STAGE_EXPECTED = "VMBO, HAVO of VWO (bij VMBO met leerweg B, K, G, T of LWT)"


@dataclass(frozen=True)
class CountColumn:
    """A count column of the header: which measure, school year and gender it holds."""

    name: str
    measure: str
    period: str
    gender: str
    """``man``, ``vrouw`` or ``totaal``."""


def matches(header: list[str], file_name: str) -> bool:
    """True for DUO's vo examenkandidaten file (the file name does not matter)."""
    return (
        BRIN in header
        and PROGRAMME in header
        and any(name.startswith("EXAMENKANDIDATEN SCHOOLJAAR") for name in header)
    )


def parse(path: Path, context: ImportContext) -> ParsedSource:
    """Parse the file into observations of ``exam_candidates`` and ``exam_passed`` (counts of
    pupils, unit ``count``, per school year), with one InstitutionRecord per BRIN.

    Every problem goes into the report; when it is invalid the observation frame is empty.
    """
    report = ImportReport(file=path.name)
    info = _info(path, [])
    parsed = ParsedSource(info=info, report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    columns = _count_columns(table.header, report)
    if not report.valid:
        return parsed
    parsed.info = _info(path, sorted({c.period for c in columns}))
    rows = _read_rows(table, columns, context, report)
    report.stats["rows"] = rows.attributes.height
    if rows.attributes.height == 0 and report.valid:
        report.add(TableIssue(file=report.file, note="het bestand bevat geen gegevensrijen"))
    frame = _observations(rows, columns, report)
    parsed.institutions = [
        InstitutionRecord(brin=brin, name=name, kind="vo") for brin, name in rows.names.items()
    ]
    if report.valid:
        parsed.observations = frame
        # Every vo school location in the Netherlands, placed where the location is.
        parsed.info = replace(parsed.info, coverage=national_coverage(frame, "establishment"))
        report.stats["observations"] = frame.height
    return parsed


def _info(path: Path, periods: list[str]) -> DatasetInfo:
    span = f" {periods[0][:4]}-{periods[-1][-4:]}" if periods else ""
    return DatasetInfo(
        source_key=NAME,
        publisher="DUO",
        title=f"Examenkandidaten en geslaagden{span}",
        source=SOURCE,
        loader=LOADER,
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def _count_columns(header: list[str], report: ImportReport) -> list[CountColumn]:
    """Return the EXAMENKANDIDATEN and GESLAAGDEN columns of every school year in the header,
    after reporting missing columns, a bad school year and columns that are not loaded."""
    for name in REQUIRED:
        if name not in header:
            report.add(MissingColumnIssue(file=report.file, column=name))
    years: dict[str, str] = {}
    for name in header:
        match = _YEAR_COLUMN.match(name)
        if match is None:
            if name not in REQUIRED + OPTIONAL:
                report.warn(TableIssue(file=report.file, note=f"kolom '{name}' wordt niet geladen"))
            continue
        try:
            years.setdefault(match[2], str(Period.parse(match[2])))
        except PeriodError as exc:
            at_header = RowPosition(report.file, 1)
            report.add(
                CellTypeIssue.from_row(at_header, name, match[2], "een schooljaar", str(exc))
            )
    if not years:
        report.add(
            MissingColumnIssue(
                file=report.file,
                column="EXAMENKANDIDATEN SCHOOLJAAR 2019-2020 - MAN",
                note="geen enkele schooljaarkolom gevonden",
            )
        )
    columns = []
    for year, period in years.items():
        for prefix, measure in _MEASURES.items():
            for suffix, gender in _GENDERS.items():
                name = f"{prefix} SCHOOLJAAR {year} - {suffix}"
                if name in header:
                    columns.append(CountColumn(name, measure, period, gender))
                else:
                    report.add(MissingColumnIssue(file=report.file, column=name))
    return columns


@dataclass
class _Rows:
    """The data rows: per-row attributes, the count cells as text, and BRIN → first name."""

    attributes: pl.DataFrame
    counts: pl.DataFrame
    names: dict[str, str]


@dataclass
class _RowReader:
    """Validates the per-row fields, caching what is looked up per distinct value."""

    context: ImportContext
    report: ImportReport
    places: dict[str, tuple[str, str]]
    stages: dict[tuple[str, str], str | None]

    def region(self, place: str, at: RowPosition) -> tuple[str, str]:
        """Return (region code, basis) for a place; warn once per place that is unknown."""
        if place not in self.places:
            code = self.context.gemeente_for_place(place) if place else None
            if code is None:
                self.report.warn(
                    UnknownCodeIssue.from_row(
                        at,
                        GEMEENTE,
                        place,
                        "een gemeentenaam die de opslag kent",
                        "de rijen van deze gemeente tellen alleen mee voor Nederland (NL01)",
                    )
                )
                self.places[place] = ("NL01", "unattributed")
            else:
                self.places[place] = (code, "establishment")
        return self.places[place]

    def stage(self, school_type: str, programme: str, at: RowPosition) -> str | None:
        """Return the stage of a row, or None after reporting why it is unknown."""
        key = (school_type, programme)
        if key not in self.stages:
            self.stages[key] = stage_for(school_type, programme)
        stage = self.stages[key]
        if stage is None:
            column, value = SCHOOL_TYPE, school_type
            if school_type.strip().upper() == "VMBO":
                column, value = PROGRAMME, programme
            self.report.add(UnknownCodeIssue.from_row(at, column, value, _STAGE_EXPECTED))
        return stage


def stage_for(school_type: str, programme: str) -> str | None:
    """Return the stage for ONDERWIJSTYPE VO and OPLEIDINGSNAAM, or None when unknown.

    DUO prints the onderwijstype as VMBO, HAVO or VWO and the vmbo leerweg in the opleiding
    ("VMBO B - techniek"); a leerweg in the onderwijstype itself ("VMBO GL") is read too.
    """
    words = re.split(r"[\s-]+", school_type.strip().upper())
    if len(words) == 1 and words[0] in _STAGE_BY_TYPE:
        return _STAGE_BY_TYPE[words[0]]
    if words[0] != "VMBO":
        return None
    if len(words) == 1:
        words = re.split(r"\s+", programme.split(" - ", 1)[0].strip().upper())
        if words[0] != "VMBO":
            return None
    return _VMBO_LEERWEG.get("".join(words[1:]))


def sector_of(programme: str) -> str | None:
    """Return the part of OPLEIDINGSNAAM after ' - ' (the sector or profiel), or None."""
    if " - " not in programme:
        return None
    return programme.split(" - ", 1)[1].strip() or None


def _read_rows(
    table: TextTable, columns: list[CountColumn], context: ImportContext, report: ImportReport
) -> _Rows:
    index = {name: i for i, name in enumerate(table.header)}
    code_at = index.get(INSPECTION_CODE)
    reader = _RowReader(context, report, {}, {})
    attributes: dict[str, list[object]] = {
        key: []
        for key in (
            "_row",
            "institution",
            "source_ref",
            "programme_code",
            "programme_name",
            "stage",
            "sector",
            "region_code",
            "region_basis",
        )
    }
    counts: dict[str, list[str]] = {c.name: [] for c in columns}
    names: dict[str, str] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for at, cells in table.rows(report):
        brin, location, programme = (cells[index[c]] for c in (BRIN, LOCATION, PROGRAMME))
        identity = (brin, location, programme)
        if identity in seen:
            report.add(DuplicateRowIssue(file=at.file, row=at.row, first_row=seen[identity]))
            continue
        seen[identity] = at.row
        if not _BRIN.match(brin):
            report.add(
                UnknownCodeIssue.from_row(at, BRIN, brin, "een BRIN: 2 cijfers en 2 letters")
            )
        names.setdefault(brin, cells[index[SCHOOL_NAME]])
        region_code, basis = reader.region(cells[index[GEMEENTE]], at)
        values = (
            at.row,
            brin,
            location or None,
            (cells[code_at] or None) if code_at is not None else None,
            programme,
            reader.stage(cells[index[SCHOOL_TYPE]], programme, at),
            sector_of(programme),
            region_code,
            basis,
        )
        for key, value in zip(attributes, values, strict=True):
            attributes[key].append(value)
        for column in columns:
            counts[column.name].append(cells[index[column.name]])
    return _Rows(
        attributes=pl.DataFrame(
            attributes, schema={k: pl.Int64 if k == "_row" else pl.Utf8 for k in attributes}
        ),
        counts=pl.DataFrame(
            {"_row": attributes["_row"], **counts},
            schema={"_row": pl.Int64, **{name: pl.Utf8 for name in counts}},
        ),
        names=names,
    )


def _observations(rows: _Rows, columns: list[CountColumn], report: ImportReport) -> pl.DataFrame:
    """Return the long observation frame; report bad cells and warn on totals that differ."""
    layout = pl.DataFrame(
        {
            "column": [c.name for c in columns],
            "_order": list(range(len(columns))),
            "measure": [c.measure for c in columns],
            "period": [c.period for c in columns],
            "gender": [c.gender for c in columns],
        }
    )
    cells = (
        rows.counts.unpivot(index="_row", variable_name="column", value_name="text")
        .join(layout, on="column")
        .with_columns(
            pl.when(pl.col("text").str.contains(_COUNT))
            .then(pl.col("text").cast(pl.Float64, strict=False))
            .alias("value")
        )
    )
    _report_bad_cells(cells, report)
    _report_total_mismatches(cells, report)
    frame = cells.with_columns(
        # A school year whose count cells are all blank: the programme had no candidates at
        # this location that year (it started later, or stopped). That is no observation,
        # not a missing one, so nothing is stored for it.
        (pl.col("text") == "").all().over(["_row", "period"]).alias("_year_blank"),
    ).filter(~pl.col("_year_blank") & ((pl.col("gender") != "totaal") | (pl.col("text") != "")))
    frame = frame.join(rows.attributes, on="_row").with_columns(
        pl.when(pl.col("gender") == "totaal")
        .then(None)
        .otherwise(pl.col("gender"))
        .alias("gender"),
        pl.when(pl.col("text") == SUPPRESSED)
        .then(pl.lit("suppressed"))
        .when(pl.col("text") == "")
        .then(pl.lit("missing"))
        .alias("flag"),
        pl.lit("school_year").alias("period_unit"),
        pl.lit("count").alias("unit"),
    )
    return conform(frame.sort(["_row", "period", "_order"]))


def _report_bad_cells(cells: pl.DataFrame, report: ImportReport) -> None:
    """Report every count cell that is neither a count, ``<5`` nor blank."""
    bad = cells.filter(
        pl.col("value").is_null() & (pl.col("text") != "") & (pl.col("text") != SUPPRESSED)
    ).sort(["_row", "_order"])
    for row, column, text in bad.select("_row", "column", "text").iter_rows():
        at = RowPosition(report.file, row)
        issue: CellIssue
        if re.match(_NEGATIVE, text):
            issue = CellRangeIssue.from_row(at, column, text, "een aantal van 0 of meer")
        else:
            issue = CellTypeIssue.from_row(at, column, text, "een aantal (geheel getal) of <5")
        report.add(issue)


def _report_total_mismatches(cells: pl.DataFrame, report: ImportReport) -> None:
    """Warn where MAN + VROUW differs from TOTAAL while all three are numbers."""
    keys = ["_row", "measure", "period"]

    def part(gender: str) -> pl.DataFrame:
        return cells.filter(pl.col("gender") == gender).select(*keys, pl.col("value").alias(gender))

    totals = cells.filter(pl.col("gender") == "totaal").select(
        *keys, pl.col("value").alias("totaal"), "column", "_order"
    )
    differing = (
        totals.join(part("man"), on=keys)
        .join(part("vrouw"), on=keys)
        .filter(pl.col("man") + pl.col("vrouw") != pl.col("totaal"))
        .sort(["_row", "_order"])
    )
    for row, column, man, vrouw, total in differing.select(
        "_row", "column", "man", "vrouw", "totaal"
    ).iter_rows():
        report.warn(
            TotalMismatchIssue.from_row(
                RowPosition(report.file, row),
                column,
                f"{total:.0f}",
                f"MAN + VROUW = {man:.0f} + {vrouw:.0f} = {man + vrouw:.0f}",
            )
        )


KIND = SourceKind(
    name=NAME,
    description="DUO: examenkandidaten en geslaagden vo per vestiging en opleiding",
    parse=parse,
    matches=matches,
)
