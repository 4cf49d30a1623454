"""CBS StatLine: vacancy tables (CSV exports). Their metadata: ``cbs_metadata.py``.

Two kinds:

- ``cbs``: a StatLine table export: ``ID``, the SBI sector key (``Bedrijfskenmerken`` or
  ``BedrijfstakkenBranchesSBI2008``), optionally ``Regios``, ``Perioden``, and one column per
  measure (``OpenstaandeVacatures_1``...). Values are thousands of vacancies, kept as printed.
  StatLine prints ``.`` for unknown and blank for "cannot occur": both are stored as
  ``missing``; ``x`` (secret) is ``suppressed``.
- ``cbs-metadata``: a table's metadata export (blocks ``TableInfos``, ``DataProperties`` and one
  per dimension, each a small CSV under a line naming it) or a plain ``Key,Title`` code list.
  It yields code labels (e.g. SBI ``T001081`` → *A-U Alle economische activiteiten*), no
  observations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
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
    UnknownCodeIssue,
    UnusedColumnIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import (
    DatasetInfo,
    ParsedSource,
    RegionRecord,
    conform,
    regional_coverage,
    sha256_of,
)
from pijplijn.ingest.text import TextTable, open_table
from pijplijn.periods import Period, PeriodError

NAME = "cbs"
LICENCE = "CC BY 4.0"
ODATA = "https://opendata.cbs.nl/ODataApi/odata/"

ID_COLUMN = "ID"
PERIOD_COLUMN = "Perioden"
REGION_COLUMN = "Regios"
SECTOR_COLUMNS: tuple[str, ...] = ("Bedrijfskenmerken", "BedrijfstakkenBranchesSBI2008")
MEASURE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("OpenstaandeVacatures", "vacancies_open"),
    ("OntstaneVacatures", "vacancies_new"),
    ("VervuldeVacatures", "vacancies_filled"),
)
_YEAR_NOTES = {
    "vacancies_open": "jaarcijfer: gewogen gemiddelde van de kwartalen",
    "vacancies_new": "jaarcijfer: totaal van de vier kwartalen",
    "vacancies_filled": "jaarcijfer: totaal van de vier kwartalen",
}
LANDSDELEN = {
    "LD01": "Noord-Nederland",
    "LD02": "Oost-Nederland",
    "LD03": "West-Nederland",
    "LD04": "Zuid-Nederland",
}
"""CBS's four landsdelen: the store's content packs have no such regions, so tables bring them."""

TABLE_ID = re.compile(r"(?<![0-9])(\d{5}(?:ned|eng))", re.IGNORECASE)
_TABLE_TITLES = {"80472ned": "Vacatures; SBI 2008; naar economische activiteit en bedrijfsgrootte"}
LANDSDEEL = re.compile(r"^LD\d\d$")
_NUMBER = r"^\d+(\.\d+)?$"
_NEGATIVE = r"^-\d+([.,]\d+)?$"
_MISSING = ("", ".")
_SECRET = "x"


def matches(header: list[str], file_name: str) -> bool:
    """True for a StatLine table export: it has ``ID`` and ``Perioden`` columns."""
    return ID_COLUMN in header and PERIOD_COLUMN in header


@dataclass(frozen=True)
class Layout:
    """Which columns of a table hold what."""

    sector: str
    region: str | None
    measures: dict[str, str]
    """Column → measure, in header order."""


def parse(path: Path, context: ImportContext) -> ParsedSource:
    """Parse a StatLine vacancy table into observations of ``vacancies_open``,
    ``vacancies_new`` and ``vacancies_filled`` (unit ``thousand``, as printed), per SBI key
    (``sector``), region (``reported``; NL01 for a national table) and quarter or year.

    Every problem goes into the report; when it is invalid the observation frame is empty.
    """
    report = ImportReport(file=path.name)
    parsed = ParsedSource(info=_table_info(path, regional=False), report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    layout = _layout(table.header, report)
    if layout is None:
        return parsed
    parsed.info = _table_info(path, regional=layout.region is not None)
    rows = _TableRows(layout=layout, context=context, report=report)
    rows.read(table)
    report.stats["rows"] = len(rows.columns["_row"])
    if not rows.columns["_row"] and report.valid:
        report.add(TableIssue(file=report.file, note="het bestand bevat geen gegevensrijen"))
    frame = _observations(rows, layout, report)
    parsed.regions = [
        RegionRecord(code, LANDSDELEN.get(code, code), "landsdeel", "NL01")
        for code in sorted(rows.landsdelen)
    ]
    if report.valid:
        parsed.observations = frame
        # A StatLine table states its figures for whole regions (vacancies where the
        # establishment is).
        parsed.info = replace(parsed.info, coverage=regional_coverage(frame, "establishment"))
        report.stats["observations"] = frame.height
    return parsed


def _table_info(path: Path, *, regional: bool) -> DatasetInfo:
    """Provenance; the source key is ``cbs:<table id>`` when the file name carries the id
    (``80472ned_...``), else derived from the columns (``cbs:vacatures-regio`` or ``-sbi``)."""
    found = TABLE_ID.search(path.name)
    if found:
        table_id = found[1].lower()
        key = f"{NAME}:{table_id}"
        title = _TABLE_TITLES.get(table_id, f"CBS StatLine-tabel {table_id}")
        source = ODATA + table_id
    else:
        kind = "regio" if regional else "sbi"
        key = f"{NAME}:vacatures-{kind}"
        title = (
            "Openstaande vacatures naar SBI 2008 en regio" if regional else "Vacatures; SBI 2008"
        )
        source = f"CBS StatLine (tabelnummer onbekend), bestand {path.name}"
    return DatasetInfo(
        source_key=key,
        publisher="CBS",
        title=title,
        source=source,
        loader=f"{NAME}@1",
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def _layout(header: list[str], report: ImportReport) -> Layout | None:
    """Return the table's layout, or None after reporting missing columns."""
    for name in (ID_COLUMN, PERIOD_COLUMN):
        if name not in header:
            report.add(MissingColumnIssue(file=report.file, column=name))
    sectors = [name for name in SECTOR_COLUMNS if name in header]
    if not sectors:
        report.add(
            MissingColumnIssue(
                file=report.file, column=SECTOR_COLUMNS[0], note=f"of {SECTOR_COLUMNS[1]}"
            )
        )
    measures: dict[str, str] = {}
    for name in header:
        if name in (ID_COLUMN, PERIOD_COLUMN, REGION_COLUMN, *sectors):
            continue
        measure = next((m for prefix, m in MEASURE_PREFIXES if name.startswith(prefix)), None)
        if measure is None:
            report.warn(UnusedColumnIssue(file=report.file, column=name))
        else:
            measures[name] = measure
    if not measures:
        report.add(
            MissingColumnIssue(
                file=report.file,
                column=MEASURE_PREFIXES[0][0],
                note="geen vacaturekolom: verwacht "
                + ", ".join(prefix for prefix, _ in MEASURE_PREFIXES),
            )
        )
    if not report.valid:
        return None
    region = REGION_COLUMN if REGION_COLUMN in header else None
    return Layout(sector=sectors[0], region=region, measures=measures)


@dataclass
class _TableRows:
    """Reads and checks the dimension keys of each row, caching per distinct key."""

    layout: Layout
    context: ImportContext
    report: ImportReport
    columns: dict[str, list[object]] = field(default_factory=dict)
    landsdelen: set[str] = field(default_factory=set)
    _periods: dict[str, Period | None] = field(default_factory=dict)
    _regions: dict[str, bool] = field(default_factory=dict)

    def read(self, table: TextTable) -> None:
        """Collect the rows' keys and measure cells into ``columns``."""
        index = {name: i for i, name in enumerate(table.header)}
        keys = ("_row", "sector", "region_code", "period", "period_unit")
        self.columns = {key: [] for key in (*keys, *self.layout.measures)}
        seen: dict[tuple[str, str, str], int] = {}
        for at, cells in table.rows(self.report):
            sector = cells[index[self.layout.sector]]
            region = cells[index[self.layout.region]] if self.layout.region else "NL01"
            text = cells[index[PERIOD_COLUMN]]
            identity = (sector, region, text)
            if identity in seen:
                self.report.add(
                    DuplicateRowIssue(file=at.file, row=at.row, first_row=seen[identity])
                )
                continue
            seen[identity] = at.row
            if not sector:
                self.report.add(
                    UnknownCodeIssue.from_row(
                        at, self.layout.sector, sector, "een SBI-sleutel zoals T001081"
                    )
                )
            self._check_region(region, at)
            period = self._period(text, at)
            values = (
                at.row,
                sector,
                region,
                str(period) if period else None,
                period.unit.value if period else None,
            )
            for key, value in zip(keys, values, strict=True):
                self.columns[key].append(value)
            for name in self.layout.measures:
                self.columns[name].append(cells[index[name]])

    def _period(self, text: str, at: RowPosition) -> Period | None:
        if text not in self._periods:
            try:
                self._periods[text] = Period.parse(text)
            except PeriodError:
                self._periods[text] = None
        period = self._periods[text]
        if period is None:
            self.report.add(
                CellTypeIssue.from_row(
                    at, PERIOD_COLUMN, text, "een periode zoals 2011KW01 (kwartaal) of 2011JJ00"
                )
            )
        return period

    def _check_region(self, code: str, at: RowPosition) -> None:
        if code not in self._regions:
            landsdeel = bool(LANDSDEEL.match(code))
            if landsdeel:
                self.landsdelen.add(code)
            self._regions[code] = code == "NL01" or code in self.context.regions or landsdeel
        if not self._regions[code]:
            self.report.add(
                UnknownCodeIssue.from_row(
                    at,
                    REGION_COLUMN,
                    code,
                    "een CBS-regiocode die de opslag kent (NL01, LD01-LD04, PV20-PV31, GM....)",
                )
            )


def _observations(rows: _TableRows, layout: Layout, report: ImportReport) -> pl.DataFrame:
    """Return the long observation frame, after reporting cells that are not a figure."""
    keys = {"_row": pl.Int64, "sector": pl.Utf8, "region_code": pl.Utf8}
    keys |= {"period": pl.Utf8, "period_unit": pl.Utf8}
    wide = pl.DataFrame(rows.columns, schema={**keys, **dict.fromkeys(layout.measures, pl.Utf8)})
    measures = pl.DataFrame(
        {
            "column": list(layout.measures),
            "measure": list(layout.measures.values()),
            "_order": list(range(len(layout.measures))),
        }
    )
    cells = (
        wide.unpivot(index=list(keys), variable_name="column", value_name="text")
        .join(measures, on="column")
        .with_columns(
            pl.when(pl.col("text").str.contains(_NUMBER))
            .then(pl.col("text").cast(pl.Float64, strict=False))
            .alias("value")
        )
    )
    _report_bad_cells(cells, report)
    frame = cells.with_columns(
        pl.when(pl.col("text").is_in(_MISSING))
        .then(pl.lit("missing"))
        .when(pl.col("text") == _SECRET)
        .then(pl.lit("suppressed"))
        .alias("flag"),
        pl.when(pl.col("period_unit") == "year")
        .then(pl.col("measure").replace_strict(_YEAR_NOTES, default=None))
        .alias("note"),
        pl.lit("reported").alias("region_basis"),
        pl.lit("thousand").alias("unit"),
    )
    return conform(frame.sort(["_row", "_order"]))


def _report_bad_cells(cells: pl.DataFrame, report: ImportReport) -> None:
    """Report every measure cell that is neither a number, ``.``, ``x`` nor blank."""
    bad = cells.filter(
        pl.col("value").is_null() & ~pl.col("text").is_in([*_MISSING, _SECRET])
    ).sort(["_row", "_order"])
    for row, column, text in bad.select("_row", "column", "text").iter_rows():
        at = RowPosition(report.file, row)
        issue: CellIssue
        if re.match(_NEGATIVE, text):
            issue = CellRangeIssue.from_row(at, column, text, "een aantal van 0 of meer")
        else:
            expected = "een getal (punt als decimaalteken), '.' (onbekend) of 'x' (geheim)"
            issue = CellTypeIssue.from_row(at, column, text, expected)
        report.add(issue)


KIND = SourceKind(
    name=NAME,
    description="CBS StatLine: vacatures (x 1.000) naar SBI 2008, regio en periode",
    parse=parse,
    matches=matches,
)
