"""CBS StatLine: any table as a CSV export. Its metadata: ``cbs_metadata.py``.

Two kinds:

- ``cbs``: a StatLine table export: ``ID``, ``Perioden``, the dimension key columns (regions
  ``RegioS``/``Regios``, the SBI sector key ``Bedrijfskenmerken`` or
  ``BedrijfstakkenBranchesSBI2008``, any other dimension), and one column per measure
  (``OpenstaandeVacatures_1``, ``BanenVanWerknemersInDecember_1``...: StatLine numbers its
  measure keys). The content pack maps the measures it uses to cube measures with their unit
  (``cbs_measures.yaml``: vacancies, jobs, labour volume); an unmapped measure is loaded under
  its CBS name (``cbs:<key>``, unit ``unknown``) and the report says so. Other dimensions are
  kept as breakdowns in ``subsector`` (``Dimension=key``; their titles come from the table's
  metadata). StatLine prints ``.`` for unknown and blank for "cannot occur": both are stored
  as ``missing``; ``x`` (secret) is ``suppressed``.
- ``cbs-odata``: the same table as StatLine's OData API gives it (``TypedDataSet``: a JSON
  object ``{"value": [records]}`` or a list of records with the same keys; ``null`` is missing).
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

from pijplijn.ingest.context import CbsMeasure, ImportContext
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
    UnmappedMeasureIssue,
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
from pijplijn.ingest.tabular import Rows, open_rows
from pijplijn.periods import Period, PeriodError

NAME = "cbs"
LICENCE = "CC BY 4.0"
ODATA = "https://opendata.cbs.nl/ODataApi/odata/"

ID_COLUMN = "ID"
PERIOD_COLUMN = "Perioden"
REGION_COLUMNS: tuple[str, ...] = ("RegioS", "Regios", "Regio")
SECTOR_COLUMNS: tuple[str, ...] = ("Bedrijfskenmerken", "BedrijfstakkenBranchesSBI2008")
_MEASURE_KEY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9]*?)_\d+$")
"""StatLine numbers its measure (topic) keys: ``BanenVanWerknemersInDecember_1``."""
UNMAPPED_PREFIX = "cbs:"
MAX_MEASURE = 32
LANDSDELEN = {
    "LD01": "Noord-Nederland",
    "LD02": "Oost-Nederland",
    "LD03": "West-Nederland",
    "LD04": "Zuid-Nederland",
}
"""CBS's four landsdelen: the store's content packs have no such regions, so tables bring them."""

TABLE_ID = re.compile(r"(?<![0-9])(\d{5}(?:ned|eng))", re.IGNORECASE)
_TABLE_TITLES = {
    "80472ned": "Vacatures; SBI 2008; naar economische activiteit en bedrijfsgrootte",
    "83582ned": "Banen van werknemers in december; SBI 2008, regio",
}
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

    sector: str | None
    region: str | None
    measures: dict[str, CbsMeasure]
    """Column → measure, in header order."""
    dimensions: tuple[str, ...] = ()
    """Other dimension key columns, kept as breakdowns."""


def parse(path: Path, context: ImportContext) -> ParsedSource:
    """Parse a StatLine table into one observation per measure column and row: the measure
    the pack maps it to (e.g. ``vacancies_open``, ``jobs``, in the pack's unit, as printed) or
    ``cbs:<key>``, per SBI key (``sector``), other dimension keys (``subsector``), region
    (``reported``; NL01 for a national table) and quarter or year.

    Every problem goes into the report; when it is invalid the observation frame is empty.
    """
    report = ImportReport(file=path.name)
    parsed = ParsedSource(info=_table_info(path, regional=False), report=report)
    table = open_rows(path, report)
    if table is None:
        return parsed
    layout = _layout(table.header, context, report)
    if layout is None:
        return parsed
    vacancies = any(m.measure.startswith("vacancies") for m in layout.measures.values())
    parsed.info = _table_info(path, regional=layout.region is not None, vacancies=vacancies)
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


def _table_info(path: Path, *, regional: bool, vacancies: bool = True) -> DatasetInfo:
    """Provenance; the source key is ``cbs:<table id>`` when the file name carries the id
    (``80472ned_...``), else derived from the columns (``cbs:vacatures-regio`` or ``-sbi``
    for a vacancy table, ``cbs:<file name>`` for any other)."""
    found = TABLE_ID.search(path.name)
    if not found and not vacancies:
        return DatasetInfo(
            source_key=f"{NAME}:{re.sub(r'[^a-z0-9]+', '-', path.stem.lower()).strip('-')}"[:100],
            publisher="CBS",
            title=f"CBS StatLine-tabel (tabelnummer onbekend): {path.name}",
            source=f"CBS StatLine (tabelnummer onbekend), bestand {path.name}",
            loader=f"{NAME}@1",
            sha256=sha256_of(path),
            licence=LICENCE,
        )
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


def _layout(header: list[str], context: ImportContext, report: ImportReport) -> Layout | None:
    """Return the table's layout, or None after reporting missing columns.

    A column is a measure when the pack maps it or StatLine numbered it (``_1``); every other
    column is a dimension key."""
    for name in (ID_COLUMN, PERIOD_COLUMN):
        if name not in header:
            report.add(MissingColumnIssue(file=report.file, column=name))
    sector = next((name for name in SECTOR_COLUMNS if name in header), None)
    region = next((name for name in REGION_COLUMNS if name in header), None)
    measures: dict[str, CbsMeasure] = {}
    dimensions: list[str] = []
    for name in header:
        if name in (ID_COLUMN, PERIOD_COLUMN, region, sector):
            continue
        found = _mapped(name, context)
        numbered = _MEASURE_KEY.match(name)
        if found is not None:
            measures[name] = found
        elif numbered:
            kept = (UNMAPPED_PREFIX + numbered["key"])[:MAX_MEASURE]
            measures[name] = CbsMeasure(measure=kept, unit="unknown")
            report.warn(
                UnmappedMeasureIssue(
                    file=report.file,
                    column=name,
                    measure=kept,
                    note="eenheid onbekend: zie de tabel bij CBS; voeg de maat toe aan "
                    "cbs_measures.yaml van het contentpakket om hem te gebruiken",
                )
            )
        else:
            dimensions.append(name)
    if not measures:
        known = ", ".join(context.cbs_measures) or "geen maten in het contentpakket"
        report.add(
            MissingColumnIssue(
                file=report.file,
                column=next(iter(context.cbs_measures), "OpenstaandeVacatures"),
                note=f"geen maatkolom: verwacht een genummerde StatLine-maat (zoals "
                f"BanenVanWerknemersInDecember_1) of een maat van het pakket ({known})",
            )
        )
    if not report.valid:
        return None
    return Layout(sector=sector, region=region, measures=measures, dimensions=tuple(dimensions))


def _mapped(column: str, context: ImportContext) -> CbsMeasure | None:
    """Return the pack's mapping of a measure column: its key (without ``_1``) equals or
    starts with a key of ``cbs_measures.yaml``, longest key first."""
    numbered = _MEASURE_KEY.match(column)
    key = numbered["key"] if numbered else column
    for name in sorted(context.cbs_measures, key=len, reverse=True):
        if key == name or key.startswith(name):
            return context.cbs_measures[name]
    return None


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

    def read(self, table: Rows) -> None:
        """Collect the rows' keys and measure cells into ``columns``."""
        index = {name: i for i, name in enumerate(table.header)}
        keys = ("_row", "sector", "subsector", "region_code", "period", "period_unit")
        self.columns = {key: [] for key in (*keys, *self.layout.measures)}
        seen: dict[tuple[str, ...], int] = {}
        for at, cells in table.rows:
            sector = cells[index[self.layout.sector]] if self.layout.sector else None
            region = cells[index[self.layout.region]] if self.layout.region else "NL01"
            text = cells[index[PERIOD_COLUMN]]
            others = [f"{name}={cells[index[name]]}" for name in self.layout.dimensions]
            identity = (sector or "", region, text, *others)
            if identity in seen:
                self.report.add(
                    DuplicateRowIssue(file=at.file, row=at.row, first_row=seen[identity])
                )
                continue
            seen[identity] = at.row
            if self.layout.sector and not sector:
                self.report.add(
                    UnknownCodeIssue.from_row(
                        at, self.layout.sector, "", "een SBI-sleutel zoals T001081"
                    )
                )
            self._check_region(region, at)
            period = self._period(text, at)
            values = (
                at.row,
                sector,
                "; ".join(others) or None,
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
                    self.layout.region or REGION_COLUMNS[0],
                    code,
                    "een CBS-regiocode die de opslag kent "
                    "(NL01, LD01-LD04, PV20-PV31, CR01-CR40, CR99, GM....)",
                )
            )


def _observations(rows: _TableRows, layout: Layout, report: ImportReport) -> pl.DataFrame:
    """Return the long observation frame, after reporting cells that are not a figure."""
    keys = {"_row": pl.Int64, "sector": pl.Utf8, "subsector": pl.Utf8, "region_code": pl.Utf8}
    keys |= {"period": pl.Utf8, "period_unit": pl.Utf8}
    wide = pl.DataFrame(rows.columns, schema={**keys, **dict.fromkeys(layout.measures, pl.Utf8)})
    mapped = list(layout.measures.values())
    measures = pl.DataFrame(
        {
            "column": list(layout.measures),
            "measure": [m.measure for m in mapped],
            "unit": [m.unit for m in mapped],
            "_note": [m.note for m in mapped],
            "_year_note": [m.year_note for m in mapped],
            "_order": list(range(len(mapped))),
        },
        schema_overrides={"_note": pl.Utf8, "_year_note": pl.Utf8},
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
        pl.when((pl.col("period_unit") == "year") & pl.col("_year_note").is_not_null())
        .then(pl.col("_year_note"))
        .otherwise(pl.col("_note"))
        .alias("note"),
        pl.lit("reported").alias("region_basis"),
        pl.col("column").alias("source_ref"),
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


ODATA_KIND = SourceKind(
    name="cbs-odata",
    description="CBS StatLine-tabel (OData TypedDataSet, JSON): als cbs",
    parse=parse,
    matches=matches,
    json=True,
)
KIND = SourceKind(
    name=NAME,
    description="CBS StatLine-tabel (CSV): maten per regio, SBI 2008, periode en andere dimensies",
    parse=parse,
    matches=matches,
)
