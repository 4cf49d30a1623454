"""DUO open data: mbo deelnemers per instelling, plaats, kenniscentrum, sector, type mbo,
opleiding, niveau and geslacht (DUO's table "03").

One row per BRIN × TYPE MBO (BBL, BOLVT, BOLDT) × kwalificatieniveau × crebo, with a
``MAN<year>``, ``VROUW<year>`` and ``TOTAAL<year>`` column for each year the release covers
(detected from the header). Each MAN and VROUW cell becomes one ``enrolled`` observation with
its gender (both are left out when both are blank), and each TOTAAL that is not blank one with
gender None: DUO's published total, stored beside the parts and checked against them. The cube
sums the total, or the parts when broken down by gender (``store/load.py`` pairs them).

Rows are read and checked through ``TextTable.rows``; every check and the reshaping into the
long observation frame are vectorised in Polars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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
    Issue,
    MissingColumnIssue,
    RowIssue,
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
from pijplijn.periods import Period

KIND_NAME = "duo-mbo-deelnemers"
LOADER = f"{KIND_NAME}@2"
"""@2: TOTAAL is stored beside the parts (@1 kept it only where both parts were blank)."""
TITLE = (
    "03 deelnemers per instelling, plaats, kenniscentrum, sector, bedrijfstak, type mbo, "
    "opleiding, niveau, geslacht"
)
SOURCE = (
    "https://duo.nl/open_onderwijsdata/middelbaar-beroepsonderwijs/aantal-studenten/"
    "aantal-studenten-mbo-per-instelling.jsp"
)
LICENCE = "CC0 1.0"

BRIN = "BRIN NUMMER"
NAME = "INSTELLINGSNAAM"
PLACE = "PLAATSNAAM"
TYPE = "TYPE MBO"
LEVEL = "KWALIFICATIENIVEAU"
CREBO = "KWALIFICATIE CODE"
PROGRAMME = "KWALIFICATIE NAAM"
SECTOR = "MBO SECTOR"
DOMAIN = "DOMEIN"
SBB = "SECTORUNIT SBB"

REQUIRED: tuple[str, ...] = (BRIN, NAME, PLACE, TYPE, LEVEL, CREBO, PROGRAMME, SECTOR)
OPTIONAL: tuple[str, ...] = (DOMAIN, SBB)
"""Newer releases only; absent, the observations leave opleidingsdomein/subsector empty."""
YEAR_PREFIXES: tuple[str, ...] = ("MAN", "VROUW", "TOTAAL")
"""Each year has these three count columns, e.g. MAN2019, VROUW2019 and TOTAAL2019."""

PATHWAYS: dict[str, str] = {"BBL": "BBL", "BOLVT": "BOL", "BOLDT": "BOL"}
"""TYPE MBO → pathway. BOL voltijd and deeltijd are both BOL; BOLDT rows keep a note."""
PART_TIME_NOTE = "BOLDT (deeltijd)"
LEVELS: tuple[str, ...] = ("1", "2", "3", "4")
SUPPRESSED = "<5"
"""How DUO prints a suppressed small count (not seen in this table, but in its siblings)."""

_YEAR_COLUMN = re.compile(r"^(MAN|VROUW|TOTAAL)(\d{4})$")
_JOIN = "\x1f"
"""Unit separator: joins a row's stripped cells into one string that Polars splits again."""
_INDEX = "__row_index"
_ROW = "__row"


@dataclass(frozen=True)
class Layout:
    """Where the needed columns stand in the header, and the years the file covers."""

    index: dict[str, int]
    """Column name → position (first occurrence)."""
    years: tuple[int, ...]


def matches(header: list[str], file_name: str) -> bool:
    """True for a header with BRIN NUMMER, TYPE MBO, KWALIFICATIE CODE and a TOTAAL<yyyy>."""
    names = set(header)
    has_year = any(re.fullmatch(r"TOTAAL\d{4}", name) for name in names)
    return has_year and {BRIN, TYPE, CREBO} <= names


def dataset_info(path: Path) -> DatasetInfo:
    """Return the provenance of one release (its sha256 identifies it)."""
    return DatasetInfo(
        source_key=KIND_NAME,
        publisher="DUO",
        title=TITLE,
        source=SOURCE,
        loader=LOADER,
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def parse(path: Path, context: ImportContext) -> ParsedSource:
    """Return the file's enrolments as observations (counts of students, per calendar year
    of the 1 October count), its institutions, and every problem in the report."""
    report = ImportReport(file=path.name)
    parsed = ParsedSource(info=dataset_info(path), report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    layout = _layout(table.header, report)
    if layout is None:
        return parsed
    frame = _read(table, layout, report)
    if frame is None:
        return parsed
    report.stats["rows"] = frame.height
    for issue in _check(frame, layout, path.name, report.cap):
        report.add(issue)
    _in_file_order(report.issues, layout)
    if not report.valid:
        return parsed
    gemeenten = _attribute_places(frame, context, path.name, report)
    parsed.institutions = _institutions(frame, gemeenten)
    parsed.observations = _observations(frame, layout, gemeenten, path.name, report)
    # A national file: every mbo student in the Netherlands, placed by head office.
    parsed.info = replace(
        parsed.info, coverage=national_coverage(parsed.observations, "head-office")
    )
    report.stats["observations"] = parsed.observations.height
    flags = parsed.observations.get_column("flag")
    report.stats["missing"] = int((flags == "missing").sum())
    report.stats["suppressed"] = int((flags == "suppressed").sum())
    return parsed


def _layout(header: list[str], report: ImportReport) -> Layout | None:
    """Return the header's layout, or None after reporting each missing column."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(name, position)
    years = sorted({int(m[2]) for name in index if (m := _YEAR_COLUMN.match(name))})
    expected = ", ".join((*REQUIRED, "MAN<jaar>", "VROUW<jaar>", "TOTAAL<jaar>"))
    missing = [name for name in REQUIRED if name not in index]
    missing += [f"{g}{y}" for y in years for g in YEAR_PREFIXES if f"{g}{y}" not in index]
    if not years:
        missing.append("TOTAAL<jaar>")
    for name in missing:
        report.add(
            MissingColumnIssue(
                file=report.file, column=name, note=f"verwachte kolommen: {expected}"
            )
        )
    return None if missing else Layout(index=index, years=tuple(years))


def _needed(layout: Layout) -> list[str]:
    """Return the columns the parser reads, in header order."""
    names = [*REQUIRED, *(n for n in OPTIONAL if n in layout.index)]
    names += [f"{g}{y}" for y in layout.years for g in YEAR_PREFIXES]
    return sorted(names, key=layout.index.__getitem__)


def _read(table: TextTable, layout: Layout, report: ImportReport) -> pl.DataFrame | None:
    """Return the data rows as a frame of stripped strings (blank = ""), with each row's
    physical line number in ``__row`` and its position in ``__row_index``; None, after
    reporting why, when there is no usable row. Rows of the wrong length are left out (and
    reported by ``TextTable.rows``).

    Each row is joined into one string and split by Polars: far cheaper than building a
    Python list per row, which also makes the garbage collector rescan millions of objects.
    """
    rows: list[int] = []
    lines: list[str] = []
    join = _JOIN.join
    for position, cells in table.rows(report):
        rows.append(position.row)
        lines.append(join(cells))
    if not rows:
        if report.valid:
            report.add(
                TableIssue(
                    file=report.file, note="het bestand heeft geen gegevensrijen (afgekapt?)"
                )
            )
        return None
    width = len(table.header)
    joined = pl.Series("line", lines, dtype=pl.Utf8)
    odd = (joined.str.count_matches(_JOIN, literal=True) != width - 1).arg_true()
    for at in odd.head(report.cap + 1).to_list():
        report.add(
            RowIssue(file=report.file, row=rows[at], note="een cel bevat het stuurteken U+001F")
        )
    if odd.len():
        return None
    names = [f"_{i}" for i in range(width)]
    split = joined.str.split_exact(_JOIN, width - 1).struct.rename_fields(names)
    columns = pl.DataFrame({"line": split}).unnest("line")
    return columns.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias(_INDEX),
        pl.Series(_ROW, rows, dtype=pl.Int64),
        *(pl.col(f"_{layout.index[name]}").alias(name) for name in _needed(layout)),
    )


def _check(frame: pl.DataFrame, layout: Layout, file: str, cap: int) -> list[Issue]:
    """Return the blocking issues of every row (at most ``cap + 1`` per check), in file order."""
    codes: list[tuple[str, str, type[CellIssue], str]] = [
        (BRIN, r"^\d{2}[A-Z]{2}$", UnknownCodeIssue, "een BRIN-nummer: 2 cijfers en 2 letters"),
        (TYPE, _one_of(PATHWAYS), UnknownCodeIssue, "een van " + ", ".join(PATHWAYS)),
        (CREBO, r"^\d{5}$", UnknownCodeIssue, "een crebocode van 5 cijfers"),
        (LEVEL, _one_of(LEVELS), CellRangeIssue, "een kwalificatieniveau " + ", ".join(LEVELS)),
    ]
    issues: list[Issue] = []
    for column, pattern, kind, expected in codes:
        bad = frame.filter(~pl.col(column).str.contains(pattern))
        issues += _cell_issues(bad, column, kind, expected, file, cap)
    for column in (f"{g}{y}" for y in layout.years for g in YEAR_PREFIXES):
        bad = frame.filter(~pl.col(column).str.contains(r"^\d*$") & (pl.col(column) != SUPPRESSED))
        negative = bad.filter(pl.col(column).str.contains(r"^-\d+$"))
        issues += _cell_issues(
            negative, column, CellRangeIssue, "een aantal van 0 of meer", file, cap
        )
        other = bad.filter(~pl.col(column).str.contains(r"^-\d+$"))
        expected = f"een geheel aantal, {SUPPRESSED} of een lege cel"
        issues += _cell_issues(other, column, CellTypeIssue, expected, file, cap)
    issues += _duplicates(frame, file, cap)
    _in_file_order(issues, layout)
    return issues


def _in_file_order(issues: list[Issue], layout: Layout) -> None:
    """Sort ``issues`` in place by row, then by their column's place in the header."""

    def position(issue: Issue) -> tuple[int, int]:
        row = issue.row if isinstance(issue, RowIssue) else 0
        column = layout.index.get(issue.column, -1) if isinstance(issue, CellIssue) else -1
        return row, column

    issues.sort(key=position)


def _one_of(choices: Iterable[str]) -> str:
    """Return a regular expression matching exactly one of ``choices``."""
    return "^(" + "|".join(re.escape(choice) for choice in choices) + ")$"


def _cell_issues(
    bad: pl.DataFrame, column: str, kind: type[CellIssue], expected: str, file: str, cap: int
) -> list[Issue]:
    """Return one ``kind`` issue per row of ``bad`` (at most ``cap + 1``)."""
    return [
        kind.from_row(RowPosition(file, row), column, value, expected)
        for row, value in bad.head(cap + 1).select(_ROW, column).iter_rows()
    ]


def _duplicates(frame: pl.DataFrame, file: str, cap: int) -> list[Issue]:
    """Return a DuplicateRowIssue for each repeat of (BRIN, TYPE MBO, crebo, niveau, place)."""
    key = [BRIN, TYPE, CREBO, LEVEL, PLACE]
    repeats = frame.select(pl.col(_ROW), pl.col(_ROW).min().over(key).alias("first")).filter(
        pl.col(_ROW) != pl.col("first")
    )
    return [
        DuplicateRowIssue(
            file=file,
            row=row,
            first_row=first,
            note="dezelfde BRIN, TYPE MBO, KWALIFICATIE CODE, KWALIFICATIENIVEAU en PLAATSNAAM",
        )
        for row, first in repeats.head(cap + 1).iter_rows()
    ]


def _attribute_places(
    frame: pl.DataFrame, context: ImportContext, file: str, report: ImportReport
) -> dict[str, str | None]:
    """Return PLAATSNAAM → GM code (None when unknown), warning once per unknown place.

    DUO's PLAATSNAAM in this table is the place of the institution's head office, not of the
    location where the students are taught: hence region_basis "head-office".
    """
    firsts = frame.group_by(PLACE).agg(pl.col(_ROW).min()).sort(_ROW)
    gemeenten: dict[str, str | None] = {}
    for place, row in firsts.iter_rows():
        gemeenten[place] = context.gemeente_for_place(place) if place else None
        if gemeenten[place] is None:
            report.warn(
                UnknownCodeIssue.from_row(
                    RowPosition(file, row),
                    PLACE,
                    place,
                    "een plaats in een bekende gemeente",
                    "de waarnemingen van deze plaats tellen alleen mee voor heel Nederland (NL01)",
                )
            )
    return gemeenten


def _institutions(frame: pl.DataFrame, gemeenten: dict[str, str | None]) -> list[InstitutionRecord]:
    """Return one record per BRIN, with the name and place of its first row."""
    firsts = frame.group_by(BRIN, maintain_order=True).agg(
        pl.col(NAME).first(), pl.col(PLACE).first()
    )
    return [
        InstitutionRecord(
            brin=brin,
            name=name,
            kind="mbo",
            place=place or None,
            gemeente_code=gemeenten.get(place),
            region_basis="head-office" if gemeenten.get(place) else None,
        )
        for brin, name, place in firsts.iter_rows()
    ]


def _observations(
    frame: pl.DataFrame,
    layout: Layout,
    gemeenten: dict[str, str | None],
    file: str,
    report: ImportReport,
) -> pl.DataFrame:
    """Return the long observation frame: one row per MAN or VROUW cell of a year the
    programme existed (unless both are blank), and one per TOTAAL that is not blank."""
    counts = _year_counts(frame, layout)
    for issue in _total_mismatches(counts, file, report.cap):
        report.warn(issue)
    # Both parts blank beside a TOTAAL: the total alone (gender null), not two missing parts.
    no_parts = (pl.col("MAN") == "") & (pl.col("VROUW") == "")
    long = counts.select(
        _INDEX,
        "period",
        pl.when(~no_parts).then(pl.col("MAN")).alias("man"),
        pl.when(~no_parts).then(pl.col("VROUW")).alias("vrouw"),
        pl.when(pl.col("TOTAAL") != "").then(pl.col("TOTAAL")).alias("total"),
    ).unpivot(index=[_INDEX, "period"], variable_name="gender", value_name="cell")
    long = long.filter(pl.col("cell").is_not_null())
    cell = pl.col("cell")
    values = long.select(
        _INDEX,
        "period",
        pl.when(pl.col("gender") == "total").then(None).otherwise(pl.col("gender")).alias("gender"),
        pl.when((cell == "") | (cell == SUPPRESSED))
        .then(None)
        .otherwise(cell)
        .cast(pl.Float64)
        .alias("value"),
        pl.when(cell == "")
        .then(pl.lit("missing"))
        .when(cell == SUPPRESSED)
        .then(pl.lit("suppressed"))
        .alias("flag"),
    )
    dimensions = _dimensions(frame, gemeenten)
    joined = dimensions.gather(values.get_column(_INDEX)).hstack(values.drop(_INDEX))
    return conform(
        joined.with_columns(
            pl.lit("enrolled").alias("measure"),
            pl.lit(Period.parse(str(layout.years[0])).unit.value).alias("period_unit"),
            pl.lit("mbo").alias("stage"),
            pl.lit("count").alias("unit"),
        )
    )


def _year_counts(frame: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """Return one row per data row and year with its MAN, VROUW and TOTAAL cells, leaving out
    years in which all three are blank.

    DUO leaves all three cells of a year blank when the programme had no students that year
    (it was not offered, or not yet or no longer): that is no observation at all, not a
    missing one, so nothing is stored for it. A blank beside a filled cell is missing.
    """
    years = [
        frame.select(
            _INDEX,
            _ROW,
            pl.lit(str(Period.parse(str(year)))).alias("period"),
            pl.lit(str(year)).alias("year"),
            *(pl.col(f"{g}{year}").alias(g) for g in YEAR_PREFIXES),
        )
        for year in layout.years
    ]
    blank = pl.all_horizontal(pl.col(g) == "" for g in YEAR_PREFIXES)
    return pl.concat(years).filter(~blank)


def _total_mismatches(counts: pl.DataFrame, file: str, cap: int) -> list[Issue]:
    """Return a TotalMismatchIssue (a warning) where MAN + VROUW differs from TOTAAL."""
    known = pl.all_horizontal(pl.col(g).str.contains(r"^\d+$") for g in YEAR_PREFIXES)
    parts = pl.col("MAN").cast(pl.Int64) + pl.col("VROUW").cast(pl.Int64)
    wrong = (
        counts.filter(known)
        .filter(parts != pl.col("TOTAAL").cast(pl.Int64))
        .sort(_ROW, "year")
        .head(cap + 1)
    )
    return [
        TotalMismatchIssue.from_row(
            RowPosition(file, row), f"TOTAAL{year}", total, f"MAN + VROUW = {man} + {vrouw}"
        )
        for row, year, man, vrouw, total in wrong.select(
            _ROW, "year", "MAN", "VROUW", "TOTAAL"
        ).iter_rows()
    ]


def _dimensions(frame: pl.DataFrame, gemeenten: dict[str, str | None]) -> pl.DataFrame:
    """Return each data row's observation dimensions, in row order (a blank label is null)."""
    region = pl.col(PLACE).replace_strict(gemeenten, default=None, return_dtype=pl.Utf8)
    labels = {
        "programme_name": PROGRAMME,
        "sector": SECTOR,
        "opleidingsdomein": DOMAIN,
        "subsector": SBB,
    }
    return frame.select(
        region.fill_null("NL01").alias("region_code"),
        pl.when(region.is_null())
        .then(pl.lit("unattributed"))
        .otherwise(pl.lit("head-office"))
        .alias("region_basis"),
        pl.col(BRIN).alias("institution"),
        pl.col(LEVEL).alias("level"),
        pl.col(TYPE).replace_strict(PATHWAYS, return_dtype=pl.Utf8).alias("pathway"),
        pl.col(CREBO).alias("programme_code"),
        *(_label(frame, source).alias(target) for target, source in labels.items()),
        pl.when(pl.col(TYPE) == "BOLDT").then(pl.lit(PART_TIME_NOTE)).alias("note"),
    )


def _label(frame: pl.DataFrame, column: str) -> pl.Expr:
    """Return the column's text with blanks as null; all null when the release lacks it."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.Utf8)
    return pl.when(pl.col(column) != "").then(pl.col(column))


KIND = SourceKind(
    name=KIND_NAME,
    description="DUO open data: mbo-deelnemers per instelling, opleiding, niveau en geslacht",
    parse=parse,
    matches=matches,
)
