"""DUO's hoger-onderwijs tables, hbo and wo: eerstejaars, ingeschrevenen and gediplomeerden.

DUO publishes each as a wide table: one row per gemeente (of the teaching location) x
instelling (BRIN) x CROHO opleiding x opleidingsvorm x geslacht, and one column per year.
The eerstejaars and ingeschrevenen tables share a header (with ``TYPE HOGER ONDERWIJS``); the
gediplomeerden table has ``SOORT DIPLOMA`` ("hbo bachelor", "wo master", ...) instead.

A year column ``2019`` is DUO's studiejaar that starts in 2019 (peildatum 1 October 2019,
diplomas of 2019-2020). The period is kept as the year DUO prints, with unit ``year``, so the
series reads as DUO publishes it.

Two formats are read by the same ``parse``: the CSV as DUO ships it (``;``, CRLF, Latin-1 or
UTF-8), and the same table as a JSON list of records with the CSV headers as keys
(``[{"PROVINCIE": "Drenthe", ..., "2015": 31}, ...]``). A file whose first character is ``[``
or ``{`` is read as JSON. In JSON, row numbers are the 1-based record index + 1: the first
record is "row 2", as the first data line under a CSV header would be.

Whether a row is hbo or wo comes from the file name (a token ``hbo`` or ``wo``), else from
the degree type ("wo master"; "associate degree" is hbo), else from the CROHO code range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import (
    CellRangeIssue,
    CellTypeIssue,
    DuplicateRowIssue,
    ImportReport,
    MissingColumnIssue,
    RowIssue,
    RowPosition,
    UnknownCodeIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import (
    DatasetInfo,
    InstitutionRecord,
    ParsedSource,
    RegionRecord,
    conform,
    national_coverage,
    sha256_of,
)
from pijplijn.ingest.tabular import open_rows
from pijplijn.periods import Period

PROVINCE = "PROVINCIE"
GM_NUMBER = "GEMEENTENUMMER"
GM_NAME = "GEMEENTENAAM"
BRIN = "BRIN NUMMER ACTUEEL"
INSTITUTION_NAME = "INSTELLINGSNAAM ACTUEEL"
SECTOR = "CROHO ONDERDEEL"
SUBSECTOR = "CROHO SUBONDERDEEL"
PROGRAMME_CODE = "OPLEIDINGSCODE ACTUEEL"
PROGRAMME_NAME = "OPLEIDINGSNAAM ACTUEEL"
FORM = "OPLEIDINGSVORM"
GENDER = "GESLACHT"
TYPE_HO = "TYPE HOGER ONDERWIJS"
DIPLOMA = "SOORT DIPLOMA"
COMMON_COLUMNS: tuple[str, ...] = (
    PROVINCE,
    GM_NUMBER,
    GM_NAME,
    BRIN,
    INSTITUTION_NAME,
    SECTOR,
    SUBSECTOR,
    PROGRAMME_CODE,
    PROGRAMME_NAME,
    FORM,
    GENDER,
)
LICENCE = "CC0 1.0"
_DUO = "https://duo.nl/open_onderwijsdata/hoger-onderwijs/aantal-studenten/"


@dataclass(frozen=True)
class HoTable:
    """One of DUO's three ho tables: what it measures and where DUO publishes it."""

    slug: str
    measure: str
    type_column: str
    title: str
    """The publisher's title, completed with the stage ('hbo', 'wo' or 'hbo en wo')."""
    sources: dict[str, str]
    """Stage → DUO's page for the table."""

    @property
    def name(self) -> str:
        """The kind name, e.g. ``duo-ho-eerstejaars``."""
        return f"duo-ho-{self.slug}"


EERSTEJAARS = HoTable(
    "eerstejaars",
    "first_year",
    TYPE_HO,
    "Eerstejaars ingeschrevenen",
    {"": "https://www.duo.nl/open_onderwijsdata/databestanden/ho/ingeschreven/"},
)
INGESCHREVENEN = HoTable(
    "ingeschrevenen",
    "enrolled",
    TYPE_HO,
    "Ingeschrevenen",
    {"hbo": _DUO + "studenten-hbo.jsp", "wo": _DUO + "studenten-wo.jsp", "": _DUO},
)
GEDIPLOMEERDEN = HoTable(
    "gediplomeerden",
    "graduates",
    DIPLOMA,
    "Gediplomeerden",
    {"hbo": _DUO + "afgestudeerden-hbo.jsp", "wo": _DUO + "afgestudeerden-wo.jsp", "": _DUO},
)

_YEAR = re.compile(r"^\d{4}$")
_GM_NUMBER = re.compile(r"^\d{1,4}$")
_BRIN = re.compile(r"^\d{2}[A-Z]{2}$")
_CROHO = re.compile(r"^\d{5}$")
_PATHWAYS = ("voltijd", "deeltijd", "duaal")
_GENDERS = ("man", "vrouw")
# CROHO code ranges, checked against DUO's 2015-2019 files: hbo bachelor 3xxxx, hbo master
# 4xxxx, associate degree 8xxxx; wo bachelor 5xxxx, wo master and postmaster 6xxxx.
_STAGE_BY_CODE_DIGIT = {"3": "hbo", "4": "hbo", "8": "hbo", "5": "wo", "6": "wo"}
# A hogeschool can offer a wo programme (Hanze, HvA, BUas in the wo file); its kind stays hbo.
_HOGESCHOOL = re.compile(r"hogeschool|hogescholen|applied sciences", re.IGNORECASE)
_DIMENSIONS: tuple[str, ...] = (
    "row",
    "region_code",
    "institution",
    "stage",
    "level",
    "pathway",
    "programme_code",
    "programme_name",
    "sector",
    "subsector",
    "gender",
)


@dataclass
class _Collected:
    """What the row pass gathers: per valid row its dimensions then its raw count cells (in
    ``_DIMENSIONS`` + year order), and the reference records."""

    rows: list[tuple[object, ...]] = field(default_factory=list)
    regions: dict[str, RegionRecord] = field(default_factory=dict)
    institutions: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    seen: dict[tuple[str, ...], int] = field(default_factory=dict)
    unknown_types: set[str] = field(default_factory=set)


def parse(path: Path, context: ImportContext, table: HoTable = EERSTEJAARS) -> ParsedSource:
    """Return the observations of one DUO ho table (CSV or JSON) with its problems reported.

    Counts are persons (unit ``count``), one observation per row and year column; a blank
    cell is ``missing`` and DUO's ``<5`` is ``suppressed``, both with value None. Also
    returns a RegionRecord per gemeente and an InstitutionRecord per BRIN. When the report is
    invalid the observations and records are empty.
    """
    report = ImportReport(file=path.name)
    source = open_rows(path, report)
    collected = _Collected()
    years: list[str] = []
    if source is not None:
        years = _check_header(source.header, table, report) or []
    if source is not None and years:
        file_stage = stage_from_file_name(path.name)
        reader = _RowReader(source.header, table, context, report, file_stage)
        for at, cells in source.rows:
            reader.read(at, cells, collected)
    stages = sorted({str(d[3]) for d in collected.rows})
    parsed = ParsedSource(info=_info(path, table, stages), report=report)
    report.stats["rows"] = len(collected.rows)
    if not report.valid or not years:
        return parsed
    frame = _observations(collected, years, table.measure, report)
    if report.valid:
        parsed.observations = frame
        # Every hbo or wo programme in the Netherlands, placed in the gemeente DUO reports
        # for the institution's location.
        parsed.info = replace(parsed.info, coverage=national_coverage(frame, "establishment"))
        parsed.regions = list(collected.regions.values())
        parsed.institutions = _institutions(collected)
        report.stats["observations"] = frame.height
    return parsed


def parse_eerstejaars(path: Path, context: ImportContext) -> ParsedSource:
    """Return the observations (measure ``first_year``) of a DUO eerstejaars table."""
    return parse(path, context, EERSTEJAARS)


def parse_ingeschrevenen(path: Path, context: ImportContext) -> ParsedSource:
    """Return the observations (measure ``enrolled``) of a DUO ingeschrevenen table."""
    return parse(path, context, INGESCHREVENEN)


def parse_gediplomeerden(path: Path, context: ImportContext) -> ParsedSource:
    """Return the observations (measure ``graduates``) of a DUO gediplomeerden table."""
    return parse(path, context, GEDIPLOMEERDEN)


def stage_from_file_name(file_name: str) -> str | None:
    """Return 'hbo' or 'wo' when the file name has exactly one of them as a word, else None."""
    tokens = set(re.split(r"[^a-z0-9]+", file_name.lower()))
    found = [stage for stage in ("hbo", "wo") if stage in tokens]
    return found[0] if len(found) == 1 else None


def stage_from_type(value: str) -> str | None:
    """Return the stage a degree type names ('wo master' → wo; an associate degree is hbo)."""
    words = value.lower().split()
    if "wo" in words:
        return "wo"
    if "hbo" in words or "associate" in words:
        return "hbo"
    return None


def stage_from_code(code: str) -> str | None:
    """Return the stage of a CROHO code by its range (hbo 3/4/8xxxx, wo 5/6xxxx), or None."""
    return _STAGE_BY_CODE_DIGIT.get(code[:1]) if _CROHO.match(code) else None


def level_from_type(value: str) -> str | None:
    """Return ad, bachelor or master for a degree type, or None for anything else.

    A wo doctoraal (the degree before bachelor-master) is a master's level degree. A
    postmaster is not a degree level of the cube, so it stays None.
    """
    text = value.lower()
    words = text.split()
    if "associate degree" in text:
        return "ad"
    if "bachelor" in words:
        return "bachelor"
    if "master" in words or "doctoraal" in words:
        return "master"
    return None


class _RowReader:
    """Validates one data row at a time and gathers it into a ``_Collected``."""

    def __init__(
        self,
        header: list[str],
        table: HoTable,
        context: ImportContext,
        report: ImportReport,
        file_stage: str | None,
    ) -> None:
        self.index = {name.upper(): i for i, name in enumerate(header)}
        self.years = [i for i, name in enumerate(header) if _YEAR.match(name)]
        self.table = table
        self.context = context
        self.report = report
        self.file_stage = file_stage
        self.warned = False
        """True once a row's stage has been found to contradict the file name."""

    def read(self, at: RowPosition, cells: list[str], into: _Collected) -> None:
        """Validate a row; add its dimensions and count cells to ``into`` when it is valid."""
        cell = {name: cells[i] for name, i in self.index.items()}
        before = len(self.report.issues)
        province = self._province(at, cell[PROVINCE])
        region = self._code(at, GM_NUMBER, cell[GM_NUMBER], _GM_NUMBER, "1 tot 4 cijfers (0153)")
        brin = self._code(at, BRIN, cell[BRIN].upper(), _BRIN, "2 cijfers en 2 letters (23AH)")
        code = self._code(at, PROGRAMME_CODE, cell[PROGRAMME_CODE], _CROHO, "5 cijfers (34267)")
        gender = self._choice(at, GENDER, cell[GENDER].lower(), _GENDERS, "man of vrouw")
        form = cell[FORM].lower().removesuffix(" onderwijs")
        pathway = self._choice(at, FORM, form, _PATHWAYS, "voltijd/deeltijd/duaal onderwijs")
        type_value = cell[self.table.type_column.upper()]
        stage = self._stage(at, type_value, code) if code else None
        if len(self.report.issues) > before or not (province and region and brin and stage):
            return
        gemeente = "GM" + region.zfill(4)
        identity = (gemeente, brin, str(code), form, str(gender), type_value)
        if identity in into.seen:
            self.report.add(
                DuplicateRowIssue(file=at.file, row=at.row, first_row=into.seen[identity])
            )
            return
        into.seen[identity] = at.row
        into.regions.setdefault(
            gemeente, RegionRecord(gemeente, cell[GM_NAME], "gemeente", province)
        )
        _name, stages = into.institutions.setdefault(brin, (cell[INSTITUTION_NAME], set()))
        stages.add(stage)
        level = self._level(at, type_value, into)
        into.rows.append(
            (at.row, gemeente, brin, stage, level, pathway, code)
            + tuple(cell[c] or None for c in (PROGRAMME_NAME, SECTOR, SUBSECTOR))
            + (gender, *(cells[i] for i in self.years))
        )

    def _province(self, at: RowPosition, name: str) -> str | None:
        code = self.context.province_for_name(name)
        if code is None:
            self._unknown(at, PROVINCE, name, "een provincienaam (bijv. Overijssel)")
        return code

    def _code(
        self, at: RowPosition, column: str, value: str, pattern: re.Pattern[str], form: str
    ) -> str | None:
        if pattern.match(value):
            return value
        self._unknown(at, column, value, f"een code van {form}")
        return None

    def _choice(
        self, at: RowPosition, column: str, value: str, choices: tuple[str, ...], what: str
    ) -> str | None:
        if value in choices:
            return value
        self._unknown(at, column, value, what)
        return None

    def _unknown(self, at: RowPosition, column: str, value: str, expected: str) -> None:
        self.report.add(UnknownCodeIssue.from_row(at, column, value, expected))

    def _stage(self, at: RowPosition, type_value: str, code: str) -> str | None:
        from_row = stage_from_type(type_value) or stage_from_code(code)
        if self.file_stage and from_row and from_row != self.file_stage and not self.warned:
            # The file name decides, but a wo code in an "hbo" file suggests a misnamed file.
            self.warned = True
            self.report.warn(
                UnknownCodeIssue.from_row(
                    at,
                    PROGRAMME_CODE,
                    code,
                    f"een opleiding van het {self.file_stage}, zoals de bestandsnaam zegt",
                    f"deze opleiding hoort bij het {from_row}; klopt de bestandsnaam?",
                )
            )
        stage = self.file_stage or from_row
        if stage is None:
            self.report.add(
                UnknownCodeIssue.from_row(
                    at,
                    PROGRAMME_CODE,
                    code,
                    "een CROHO-code van het hbo (3xxxx, 4xxxx, 8xxxx) of wo (5xxxx, 6xxxx)",
                    "hbo of wo is niet te bepalen: zet hbo of wo in de bestandsnaam",
                )
            )
        return stage

    def _level(self, at: RowPosition, type_value: str, into: _Collected) -> str | None:
        level = level_from_type(type_value)
        if level is None and type_value not in into.unknown_types:
            into.unknown_types.add(type_value)
            self.report.warn(
                UnknownCodeIssue.from_row(
                    at,
                    self.table.type_column,
                    type_value,
                    "associate degree, bachelor of master",
                    "het niveau blijft leeg voor alle rijen met deze waarde",
                )
            )
        return level


def _check_header(header: list[str], table: HoTable, report: ImportReport) -> list[str] | None:
    """Return the year columns, or None after reporting each missing column."""
    present = {name.upper() for name in header}
    expected = (*COMMON_COLUMNS, table.type_column)
    for column in expected:
        if column not in present:
            report.add(
                MissingColumnIssue(
                    file=report.file,
                    column=column,
                    note=f"verwachte kolommen: {', '.join(expected)}",
                )
            )
    years = [name for name in header if _YEAR.match(name)]
    used = [name.upper() for name in header if name.upper() in expected or _YEAR.match(name)]
    for column in sorted({name for name in used if used.count(name) > 1}):
        note = f"de kolom '{column}' staat twee keer in de kopregel"
        report.add(RowIssue(file=report.file, row=1, note=note))
    if not years:
        report.add(
            MissingColumnIssue(
                file=report.file, column="<jaar>", note="verwacht een kolom per jaar, bijv. 2019"
            )
        )
    return years if report.valid else None


def _observations(
    collected: _Collected, years: list[str], measure: str, report: ImportReport
) -> pl.DataFrame:
    """Return the long observation frame; report counts that are not whole numbers ≥ 0."""
    wide = pl.DataFrame(
        collected.rows,
        schema={"row": pl.Int64, **{d: pl.Utf8 for d in _DIMENSIONS[1:]}}
        | {y: pl.Utf8 for y in years},
        orient="row",
    )
    long = wide.unpivot(index=list(_DIMENSIONS), on=years, variable_name="period", value_name="raw")
    raw = pl.col("raw").fill_null("")
    whole = raw.str.contains(r"^\d+$")
    blank, suppressed = raw == "", raw == "<5"
    _report_counts(long.filter(~(whole | blank | suppressed)), report)
    periods = {year: Period.parse(year) for year in years}
    return conform(
        long.with_columns(
            measure=pl.lit(measure),
            period=pl.col("period").replace_strict({y: str(p) for y, p in periods.items()}),
            period_unit=pl.lit(periods[years[0]].unit.value),
            region_basis=pl.lit("reported"),
            unit=pl.lit("count"),
            value=pl.when(whole).then(raw.cast(pl.Float64, strict=False)),
            flag=pl.when(blank).then(pl.lit("missing")).when(suppressed).then(pl.lit("suppressed")),
        )
    )


def _report_counts(bad: pl.DataFrame, report: ImportReport) -> None:
    for item in bad.sort("row", "period").iter_rows(named=True):
        at = RowPosition(report.file, item["row"])
        value, column = item["raw"], item["period"]
        if re.match(r"^-\d+([.,]\d+)?$", value):
            report.add(CellRangeIssue.from_row(at, column, value, "een aantal van 0 of meer"))
        else:
            report.add(CellTypeIssue.from_row(at, column, value, "een geheel aantal, leeg of <5"))


def _institutions(collected: _Collected) -> list[InstitutionRecord]:
    """Return an InstitutionRecord per BRIN; its own gemeente is not in these tables."""
    records = []
    for brin, (name, stages) in collected.institutions.items():
        if _HOGESCHOOL.search(name):
            kind: str | None = "hbo"
        else:
            kind = next(iter(stages)) if len(stages) == 1 else None
        records.append(InstitutionRecord(brin=brin, name=name, kind=kind))
    return records


def _info(path: Path, table: HoTable, stages: list[str]) -> DatasetInfo:
    """Return the provenance; the source key names the stage so hbo and wo don't supersede
    each other (``duo-hbo-eerstejaars``), or is the kind name for a mixed or empty file."""
    stage = stages[0] if len(stages) == 1 else ""
    return DatasetInfo(
        source_key=f"duo-{stage}-{table.slug}" if stage else table.name,
        publisher="DUO",
        title=f"{table.title} {stage or 'hbo en wo'}",
        source=table.sources.get(stage, table.sources[""]),
        loader=f"{table.name}@1",
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def _base_match(header: list[str]) -> bool:
    present = {name.upper() for name in header}
    return {SECTOR, PROGRAMME_CODE, GENDER} <= present


def _name_says(file_name: str) -> str | None:
    """Return which same-header table a file name names: eerstejaars wins over
    ingeschrevenen ('03b eerstejaars ingeschrevenen hbo'); None when it names neither."""
    text = re.sub(r"[^a-z0-9]+", " ", file_name.lower())
    if re.search(r"eerste ?jaars|1e ?jaars", text):
        return "eerstejaars"
    if "ingeschreven" in text:
        return "ingeschrevenen"
    return None


def _matches(table: HoTable) -> Callable[[list[str], str], bool]:
    def matches(header: list[str], file_name: str) -> bool:
        if not _base_match(header):
            return False
        has_diploma = DIPLOMA in {name.upper() for name in header}
        if table is GEDIPLOMEERDEN:
            return has_diploma
        return not has_diploma and _name_says(file_name) == table.slug

    return matches


def _kinds(
    table: HoTable, parser: Callable[[Path, ImportContext], ParsedSource]
) -> list[SourceKind]:
    description = f"DUO {table.title.lower()} hbo/wo per gemeente, BRIN en CROHO-opleiding"
    return [
        SourceKind(table.name, description, parser, _matches(table)),
        SourceKind(
            f"{table.name}-json", description + " (JSON)", parser, _matches(table), json=True
        ),
    ]


KINDS: tuple[SourceKind, ...] = (
    *_kinds(EERSTEJAARS, parse_eerstejaars),
    *_kinds(INGESCHREVENEN, parse_ingeschrevenen),
    *_kinds(GEDIPLOMEERDEN, parse_gediplomeerden),
)
"""Each table as CSV (``duo-ho-eerstejaars``) and as JSON (``duo-ho-eerstejaars-json``,
``json=True``): distinct names, because the registry keys kinds by name. Both parse either
format, so ``--kind duo-ho-eerstejaars`` also reads a JSON file."""
