"""The generic reader of a layout from the registry (``ingest/layouts.yaml``), CSV or JSON.

Each data row gives its dimensions through the layout's columns (text as it stands, or a
code normalised through a code list) and one observation per value column: per year, per
gender × year, a fixed column such as BBL, or one long value column. DUO's ``<5`` is
``suppressed`` and a blank is ``missing``, both with value None; the source's own totals
(gender ``totaal``, a ``DIPTOTAAL`` column) are kept with gender NULL beside the parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.duo_ho import stage_from_file_name
from pijplijn.ingest.issues import (
    CellIssue,
    CellRangeIssue,
    CellTypeIssue,
    FileIssue,
    ImportReport,
    RowPosition,
    TableIssue,
    UnknownCodeIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.layouts import (
    TOTAL,
    Column,
    HeaderFit,
    Layout,
    code_lists,
    normalise,
    registry,
)
from pijplijn.ingest.records import (
    OBSERVATION_SCHEMA,
    DatasetInfo,
    InstitutionRecord,
    ParsedSource,
    RegionRecord,
    conform,
    sha256_of,
)
from pijplijn.ingest.tabular import Rows, open_rows
from pijplijn.periods import Period

LICENCE = "CC0 1.0"
_YEAR = re.compile(r"^(19|20)\d\d$")
_BRIN = re.compile(r"^\d{2}[A-Z]{2}$")
_GM_NUMBER = re.compile(r"^\d{1,4}$")
_COUNT = re.compile(r"^\d+$")
_NEGATIVE = re.compile(r"^-\d+([.,]\d+)?$")
_DIMS: tuple[str, ...] = tuple(
    c
    for c in OBSERVATION_SCHEMA
    if c not in ("measure", "period_unit", "value", "flag", "unit", "subject", "source_ref")
)
"""The observation columns a row and its value column fill in."""


@dataclass(frozen=True)
class ValueColumn:
    """A value column of the header: its index and the fields it fixes (period, gender...)."""

    index: int
    name: str
    fixed: dict[str, str | None]
    total: bool = False


@dataclass
class _Collected:
    rows: dict[str, list[object]] = field(default_factory=lambda: {d: [] for d in _DIMS})
    values: list[float | None] = field(default_factory=list)
    flags: list[str | None] = field(default_factory=list)
    regions: dict[str, RegionRecord] = field(default_factory=dict)
    institutions: dict[str, InstitutionRecord] = field(default_factory=dict)
    warned: set[tuple[str, str]] = field(default_factory=set)
    data_rows: int = 0


def parse(path: Path, context: ImportContext, layout: Layout) -> ParsedSource:
    """Return the observations of one file of ``layout``, with every problem reported."""
    report = ImportReport(file=path.name)
    source = open_rows(path, report)
    collected = _Collected()
    stages: set[str] = set()
    if source is not None:
        fit = layout.resolve(source.header)
        if not fit.fits:
            report.add(
                TableIssue(
                    file=path.name,
                    note=f"de kopregel past niet bij '{layout.name}': {fit.differences()}",
                )
            )
        else:
            _read(path, context, layout, fit, source, report, collected)
    stages = {str(s) for s in collected.rows["stage"] if s}
    residence = "residence" in collected.rows["region_basis"]
    parsed = ParsedSource(info=_info(path, layout, stages, residence), report=report)
    report.stats["rows"] = collected.data_rows
    if report.valid and collected.values:
        frame = _frame(layout, collected)
        parsed.observations = frame
        parsed.regions = list(collected.regions.values())
        parsed.institutions = list(collected.institutions.values())
        report.stats["observations"] = frame.height
    return parsed


def value_columns(
    layout: Layout, fit: HeaderFit, header: list[str], report: ImportReport
) -> list[ValueColumn]:
    """Return the header's value columns with what each fixes; report a year that is not one."""
    values = layout.values
    found: list[ValueColumn] = []
    for index in fit.value_columns:
        name = header[index]
        if values.column is not None:
            found.append(ValueColumn(index, name, {}))
            continue
        if values.pattern is None:
            spec = next(v for k, v in values.columns.items() if k.upper() == name.upper())
            found.append(ValueColumn(index, name, dict(spec)))
            continue
        match = values.pattern.match(re.sub(r"[\s_]+", " ", name.strip().upper()))
        if match is None:  # pragma: no cover - resolve() matched it with the same pattern
            continue
        year = match.group("year").strip()
        if not _YEAR.match(year):
            report.add(
                CellTypeIssue.from_row(
                    RowPosition(report.file, 1),
                    name,
                    year,
                    "een jaar in de kolomnaam, bijv. " + _year_example(layout),
                )
            )
            continue
        fixed: dict[str, str | None] = {"period": year}
        total = False
        if "gender" in values.pattern.groupindex:
            gender = values.gender[match.group("gender")]
            total = gender == TOTAL
            fixed["gender"] = None if total else gender
        found.append(ValueColumn(index, name, fixed, total))
    return found


def _year_example(layout: Layout) -> str:
    pattern = layout.values.pattern.pattern if layout.values.pattern else ""
    if "DIP" in pattern:
        return "DIPMAN2021"
    return "JAAR_2021" if "JAAR" in pattern else "2021"


def _read(
    path: Path,
    context: ImportContext,
    layout: Layout,
    fit: HeaderFit,
    source: Rows,
    report: ImportReport,
    into: _Collected,
) -> None:
    columns = value_columns(layout, fit, source.header, report)
    file_period = None
    if layout.period_from_file_name is not None:
        match = layout.period_from_file_name.search(path.name)
        if match is None:
            report.add(
                FileIssue(
                    file=path.name,
                    note="het jaar staat niet in de bestandsnaam; verwacht bijv. "
                    f"{layout.name}_2023.csv (dit bestand heeft geen jaarkolom)",
                )
            )
            return
        file_period = match.group("year")
    if not report.valid:
        return
    reader = _RowReader(layout, fit, context, report, stage_from_file_name(path.name))
    for at, cells in source.rows:
        into.data_rows += 1
        dims = reader.dimensions(at, cells, into)
        if dims is None:
            continue
        if file_period is not None:
            dims["period"] = file_period
        for column in columns:
            _add_value(at, column, cells[column.index], dims, into, report)


class _RowReader:
    """Turns one data row into its dimensions, reporting each cell that is wrong."""

    def __init__(
        self,
        layout: Layout,
        fit: HeaderFit,
        context: ImportContext,
        report: ImportReport,
        file_stage: str | None,
    ) -> None:
        self.layout = layout
        self.present = [(c, fit.mapping[c.name]) for c in layout.columns if c.name in fit.mapping]
        self.region_column = next((c for c, _ in self.present if c.to == "region"), None)
        self.seat = next(
            (
                (c, i)
                for c, i in self.present
                if c.to == "region" and c.basis == "head-office" and c.form == "gemeentenummer"
            ),
            None,
        )
        """The column with the institution's own gemeente, where the file has one."""
        self.context = context
        self.report = report
        self.file_stage = file_stage
        self.codes = code_lists()

    def dimensions(
        self, at: RowPosition, cells: list[str], into: _Collected
    ) -> dict[str, object] | None:
        before = len(self.report.issues)
        dims: dict[str, object] = {d: None for d in _DIMS}
        names: dict[str, str] = {}
        total = False
        for column, index in self.present:
            value = cells[index].strip()
            if column.coded:
                total = self._coded(at, column, value, dims) or total
            elif column.to in ("region_name", "province_name", "institution_name", "place"):
                names[column.to] = value
            elif column.to == "period":
                dims["period"] = self._period(at, column, value)
            elif column.to == "institution":
                dims["institution"] = self._brin(at, column, value)
            elif column.to == "region":
                if column is self.region_column:
                    self._region(at, column, value, dims, into)
            elif column.to is not None:
                dims[column.to] = value or None
        dims["stage"] = self.layout.stage or dims["stage"] or self.file_stage
        if dims["stage"] is None:
            self.report.add(_stage_issue(at, self.layout.name))
        if len(self.report.issues) > before:
            return None
        if self.region_column is None:
            self._institution_region(dims)
        self._records(dims, names, cells, into)
        dims["total"] = total
        return dims

    def _coded(self, at: RowPosition, column: Column, value: str, dims: dict[str, object]) -> bool:
        """Set the column's coded fields; return True when the value is the source's total."""
        total = False
        for target, name in column.coded:
            entry = normalise(self.codes[name], value)
            if entry is None:
                expected = ", ".join(sorted({e.value for e in self.codes[name] if e.value}))
                self.report.add(
                    UnknownCodeIssue.from_row(at, column.name, value, f"een van: {expected}")
                )
                return False
            total = total or entry.total
            if dims[target] is None:
                dims[target] = entry.value
        return total

    def _period(self, at: RowPosition, column: Column, value: str) -> str | None:
        if _YEAR.match(value):
            return value
        self.report.add(CellTypeIssue.from_row(at, column.name, value, "een jaar, bijv. 2023"))
        return None

    def _brin(self, at: RowPosition, column: Column, value: str) -> str | None:
        code = value.upper()
        if _BRIN.match(code):
            return code
        self.report.add(
            UnknownCodeIssue.from_row(
                at, column.name, value, "een instellingscode van 2 cijfers en 2 letters (27YU)"
            )
        )
        return None

    def _region(
        self,
        at: RowPosition,
        column: Column,
        value: str,
        dims: dict[str, object],
        into: _Collected,
    ) -> None:
        code: str | None = None
        if column.form == "gemeentenummer":
            if not _GM_NUMBER.match(value):
                self.report.add(
                    UnknownCodeIssue.from_row(
                        at, column.name, value, "een gemeentenummer van 1 tot 4 cijfers (0153)"
                    )
                )
                return
            code = "GM" + value.zfill(4)
        elif column.form == "gemeente":
            code = self.context.gemeente_for_place(value) if value else None
        else:
            code = self.context.province_for_name(value) if value else None
        if code is None:
            if (column.name, value) not in into.warned:
                into.warned.add((column.name, value))
                self.report.warn(
                    UnknownCodeIssue.from_row(
                        at,
                        column.name,
                        value,
                        f"een bekende {column.form}",
                        "telt alleen mee voor Nederland (NL01); laad eerst de gemeentelijst",
                    )
                )
            dims["region_code"], dims["region_basis"] = "NL01", "unattributed"
            return
        dims["region_code"], dims["region_basis"] = code, column.basis

    def _institution_region(self, dims: dict[str, object]) -> None:
        """No region column: the institution's known gemeente (its head office), else NL01."""
        brin = dims["institution"]
        gemeente = self.context.institutions.get(str(brin)) if brin else None
        if gemeente:
            dims["region_code"], dims["region_basis"] = gemeente, "head-office"
        else:
            dims["region_code"], dims["region_basis"] = "NL01", "unattributed"

    def _records(
        self, dims: dict[str, object], names: dict[str, str], cells: list[str], into: _Collected
    ) -> None:
        region = dims["region_code"]
        if (
            self.region_column is not None
            and self.region_column.form == "gemeentenummer"
            and isinstance(region, str)
            and names.get("region_name")
            and region not in into.regions
        ):
            province = self.context.province_for_name(names.get("province_name", ""))
            into.regions[region] = RegionRecord(region, names["region_name"], "gemeente", province)
        brin = dims["institution"]
        if isinstance(brin, str) and brin not in into.institutions:
            seat = self._seat(cells, dims)
            into.institutions[brin] = InstitutionRecord(
                brin=brin,
                name=names.get("institution_name") or brin,
                kind=str(dims["stage"]) if dims["stage"] else None,
                place=names.get("place") or None,
                gemeente_code=seat,
                region_basis="head-office" if seat else None,
            )

    def _seat(self, cells: list[str], dims: dict[str, object]) -> str | None:
        """The institution's own gemeente: its column, or the row's head-office region."""
        if self.seat is not None:
            value = cells[self.seat[1]].strip()
            return "GM" + value.zfill(4) if _GM_NUMBER.match(value) else None
        if dims["region_basis"] == "head-office" and self.region_column is not None:
            return str(dims["region_code"])
        return None


def _stage_issue(at: RowPosition, layout: str) -> CellIssue:
    """The stage (hbo or wo) of a row cannot be told."""
    return UnknownCodeIssue.from_row(
        at,
        "<fase>",
        "",
        "hbo of wo",
        f"de fase is niet te bepalen uit de rij; zet hbo of wo in de bestandsnaam ({layout})",
    )


def _add_value(
    at: RowPosition,
    column: ValueColumn,
    raw: str,
    dims: dict[str, object],
    into: _Collected,
    report: ImportReport,
) -> None:
    """Add one observation for a value cell, or report the cell."""
    raw = raw.strip()
    total = column.total or bool(dims["total"])
    value: float | None = None
    flag: str | None = None
    if _COUNT.match(raw):
        value = float(raw)
    elif raw == "":
        flag = "missing"
    elif raw == "<5" and not total:
        flag = "suppressed"
    elif raw == "<5":
        report.add(
            CellTypeIssue.from_row(
                at, column.name, raw, "een aantal: een totaal is nooit <5 (alleen delen zijn dat)"
            )
        )
        return
    elif _NEGATIVE.match(raw):
        report.add(CellRangeIssue.from_row(at, column.name, raw, "een aantal van 0 of meer"))
        return
    else:
        report.add(CellTypeIssue.from_row(at, column.name, raw, "een geheel aantal, leeg of <5"))
        return
    for name in _DIMS:
        into.rows[name].append(column.fixed[name] if name in column.fixed else dims[name])
    into.values.append(value)
    into.flags.append(flag)


def _frame(layout: Layout, collected: _Collected) -> pl.DataFrame:
    frame = pl.DataFrame(
        {**collected.rows, "value": collected.values, "flag": collected.flags},
        schema={**{d: pl.Utf8 for d in _DIMS}, "value": pl.Float64, "flag": pl.Utf8},
    )
    periods = {p: str(Period.parse(p)) for p in frame.get_column("period").unique().to_list()}
    return conform(
        frame.with_columns(
            measure=pl.lit(layout.measure),
            period=pl.col("period").replace_strict(periods),
            period_unit=pl.lit("year"),
            unit=pl.lit("count"),
        )
    )


def _info(path: Path, layout: Layout, stages: set[str], residence: bool) -> DatasetInfo:
    """Provenance; an hbo-only or wo-only ho file keeps the older importers' series
    (``duo-hbo-eerstejaars``), so a new release supersedes the old one for its periods. A file
    by place of residence is a series of its own (``...-woonplaats``): it counts the same
    students as the one by institution, and the cube picks one basis (engine/cube.py). DUO's
    two mbo datasets by residence (per instelling and per sectorkamer) count the same students
    too: they share one series (``residence_key``), so a newer file supersedes the other for
    the years it covers instead of adding to it."""
    key = layout.source_key
    if residence and layout.residence_key:
        key = layout.residence_key
    elif residence and not key.endswith("-woonplaats"):
        key += "-woonplaats"
    if key.startswith("duo-ho-") and len(stages) == 1:
        key = key.replace("duo-ho-", f"duo-{next(iter(stages))}-", 1)
    return DatasetInfo(
        source_key=key,
        publisher=layout.publisher,
        title=layout.title,
        source=layout.source,
        loader=f"{layout.name}@1",
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def kinds(layout: Layout) -> tuple[SourceKind, SourceKind]:
    """Return the layout's kinds: ``NAME`` (CSV) and ``NAME-json`` (DUO's JSON records)."""

    def parse_layout(path: Path, context: ImportContext) -> ParsedSource:
        return parse(path, context, layout)

    def matches(header: list[str], file_name: str) -> bool:
        return layout.fits_name(file_name) and layout.resolve(header).fits

    description = f"{layout.publisher} {layout.title.lower()}"
    return (
        SourceKind(layout.name, description, parse_layout, matches),
        SourceKind(
            f"{layout.name}-json", description + " (JSON)", parse_layout, matches, json=True
        ),
    )


def layout_kinds() -> list[SourceKind]:
    """Return the kinds of every layout the generic reader reads (not the older importers')."""
    return [
        kind for layout in registry().values() if layout.importer is None for kind in kinds(layout)
    ]
