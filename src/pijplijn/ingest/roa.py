"""ROA's Arbeidsmarktinformatiesysteem (AIS): demand until the end of a forecast period.

Two kinds:

- ``roa-ais``: ROA's own file, ``AIStot2030_Arbeidsmarktinformatie_editie2026.csv``
  (DataverseNL doi:10.34894/DVQTOG): ``;``-separated, decimal commas, cp1252, exactly the 20
  columns of ``AIS_COLUMNS``. One row is one figure of one *thema* (vervangingsvraag,
  uitbreidingsvraag, baanopeningen, ITKB, huidige spanning) for one region (``indeling``
  Nederland / Provincie / Arbeidsmarktregio, ``regionaam`` its name) and one occupation
  (``aggregatieniveau`` Beroep: ``waarde`` the BRC 2014 code, ``detailniveau`` its name) or
  education (``aggregatieniveau`` Opleiding: ``onderwerp`` the ONR 2019 level such as
  "mbo 2", ``naamonderwerp`` the sector such as "techniek"). How the columns are read follows
  their names and ROA's toelichting (datafile 674140); check a new edition against it.
  Below national level ROA gives some figures only as a label (*typering*): the label is
  kept as the label (in ``note``), never turned into a number.
- ``roa-brc``: the national table per BRC 2014 beroepsgroep that another project derived from
  that file (``roa_ais2030_nationaal_brc.csv``, see its SOURCE.md): treated as published
  figures with that provenance.

Counts are stored as published: the total over the forecast period, at its first year, with
the period in the note; shares over the period as ``replacement_rate``/``expansion_rate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.issues import (
    CellTypeIssue,
    ImportReport,
    MissingColumnIssue,
    RowPosition,
    TableIssue,
    UnknownCodeIssue,
)
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import DatasetInfo, ParsedSource, conform, sha256_of
from pijplijn.reference.labour_regions import arbeidsmarktregio_code

LICENCE = "CC BY 4.0"
SOURCE = "ROA (2026), AIS tot 2030, editie 2026, DataverseNL, https://doi.org/10.34894/DVQTOG"
FORECAST = ("2025", "2030")
"""The forecast period of editie 2026: figures are totals over 2025-2030."""
PERIOD_NOTE = "ROA-prognose 2025-2030: totaal over zes jaar"

AIS_COLUMNS: tuple[str, ...] = (
    "waarderegionaam",
    "regionaam",
    "indeling",
    "aggregatieniveau",
    "waarde",
    "detailniveau",
    "waardetopic",
    "thema",
    "waardevariabel",
    "onderwerp",
    "waardebelang",
    "naamonderwerp",
    "aantal",
    "perc",
    "totaal6jrperc",
    "gemjaarlijksperc",
    "indicator",
    "typering",
    "sorteerdummy",
    "versie",
)
_THEMES: tuple[tuple[str, str, str | None], ...] = (
    # (thema starts with, count measure, rate measure)
    ("vervanging", "replacement_demand", "replacement_rate"),
    ("uitbreiding", "expansion_demand", "expansion_rate"),
    ("baanopening", "job_openings", None),
    ("itkb", "bottleneck_indicator", None),
    ("knelpunt", "bottleneck_indicator", None),
    ("huidige", "tightness_indicator", None),
)
_INDICATORS = {"bottleneck_indicator", "tightness_indicator"}
_LEVEL = re.compile(r"^\s*(mbo)\s*([1-4])\s*$|^\s*(hbo|wo)\b", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def matches_ais(header: list[str], file_name: str) -> bool:
    """True for ROA's AIS file: it has ROA's region, thema and typering columns."""
    return {"waarderegionaam", "regionaam", "thema", "typering", "aantal"} <= set(header)


def matches_brc(header: list[str], file_name: str) -> bool:
    """True for the derived national table per BRC beroepsgroep."""
    return header[:2] == ["brc_beroepsgroep", "vervangingsvraag_aantal"]


def _info(path: Path, key: str, loader: str, title: str, source: str) -> DatasetInfo:
    return DatasetInfo(
        source_key=key,
        publisher="ROA (Researchcentrum voor Onderwijs en Arbeidsmarkt)",
        title=title,
        source=source,
        loader=loader,
        sha256=sha256_of(path),
        licence=LICENCE,
    )


def _number(text: str) -> float | None:
    """Return the figure of a cell with a decimal comma or point; None when not a number."""
    text = text.strip()
    return float(text.replace(",", ".")) if _NUMBER.match(text) else None


@dataclass
class _Reader:
    context: ImportContext
    report: ImportReport

    def region(self, at: RowPosition, kind: str, name: str) -> str | None:
        kind_lower = kind.strip().lower()
        code: str | None
        if kind_lower in ("nederland", "land", "nl"):
            code = "NL01"
        elif kind_lower.startswith("provincie"):
            code = self.context.province_for_name(name)
        elif kind_lower.startswith("arbeidsmarktregio"):
            candidate = arbeidsmarktregio_code(name)
            code = candidate if candidate in self.context.regions else None
        else:
            self.report.add(
                UnknownCodeIssue.from_row(
                    at, "indeling", kind, "Nederland, Provincie of Arbeidsmarktregio"
                )
            )
            return None
        if code is None:
            self.report.add(
                UnknownCodeIssue.from_row(
                    at,
                    "regionaam",
                    name,
                    f"de naam van een {kind_lower} die de opslag kent "
                    "(bijv. Overijssel, Twente; zie 'pijplijn regions')",
                )
            )
        return code

    def number(self, at: RowPosition, column: str, text: str) -> tuple[float | None, bool]:
        """Return (value, ok): blank is (None, True); a non-number is reported."""
        if not text.strip():
            return None, True
        value = _number(text)
        if value is None:
            self.report.add(
                CellTypeIssue.from_row(
                    at, column, text, "een getal (decimaalkomma of -punt) of leeg"
                )
            )
            return None, False
        return value, True


def parse_ais(path: Path, context: ImportContext) -> ParsedSource:
    """Parse ROA's AIS file into demand, rate and indicator observations per region and
    occupation (``sector``: BRC code, ``programme_name``: its name) or education (``stage``,
    ``level``, ``opleidingsdomein``: ROA's sector, e.g. techniek)."""
    from pijplijn.ingest.text import open_table

    report = ImportReport(file=path.name)
    info = _info(
        path,
        "roa:ais2030",
        "roa-ais@1",
        "AIS tot 2030 - Arbeidsmarktinformatie, editie 2026",
        SOURCE,
    )
    parsed = ParsedSource(info=info, report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    for column in AIS_COLUMNS:
        if column not in table.header:
            report.add(MissingColumnIssue(file=report.file, column=column))
    if not report.valid:
        return parsed
    index = {name: i for i, name in enumerate(table.header)}
    reader = _Reader(context, report)
    records: list[dict[str, object]] = []
    for at, cells in table.rows(report):
        row = {name: cells[index[name]] for name in AIS_COLUMNS}
        records += _ais_records(reader, at, row)
    report.stats["rows"] = len({r["_row"] for r in records})
    if not records and report.valid:
        report.add(TableIssue(file=report.file, note="het bestand bevat geen gegevensrijen"))
    if report.valid:
        frame = pl.DataFrame(records, infer_schema_length=None).drop("_row")
        parsed.observations = conform(frame)
        report.stats["observations"] = parsed.observations.height
    return parsed


def _ais_records(reader: _Reader, at: RowPosition, row: dict[str, str]) -> list[dict[str, object]]:
    theme = row["thema"].strip().lower()
    found = next((t for t in _THEMES if theme.startswith(t[0])), None)
    if found is None:
        reader.report.add(
            UnknownCodeIssue.from_row(
                at,
                "thema",
                row["thema"],
                "vervangingsvraag, uitbreidingsvraag, baanopeningen, ITKB of huidige spanning",
            )
        )
        return []
    region = reader.region(at, row["indeling"], row["regionaam"])
    numbers = {
        c: reader.number(at, c, row[c]) for c in ("aantal", "perc", "totaal6jrperc", "indicator")
    }
    if region is None or not all(ok for _, ok in numbers.values()):
        return []
    base: dict[str, object] = {
        "_row": at.row,
        "period": FORECAST[0],
        "period_unit": "year",
        "region_code": region,
        "region_basis": "reported",
        "source_ref": f"{row['thema'].strip()} (rij {at.row})",
    }
    kind = row["aggregatieniveau"].strip().lower()
    if kind.startswith("beroep"):
        base |= {"sector": row["waarde"].strip(), "programme_name": row["detailniveau"].strip()}
    elif kind.startswith("opleiding"):
        level = _LEVEL.match(row["onderwerp"])
        if level is None:
            reader.report.add(
                CellTypeIssue.from_row(
                    at, "onderwerp", row["onderwerp"], "een ONR-niveau zoals 'mbo 2', 'hbo' of 'wo'"
                )
            )
            return []
        stage = (level[1] or level[3]).lower()
        base |= {
            "stage": stage,
            "level": level[2],
            "opleidingsdomein": row["naamonderwerp"].strip().lower() or None,
            "programme_code": row["waarde"].strip() or None,
            "programme_name": row["detailniveau"].strip() or None,
        }
    else:
        reader.report.add(
            UnknownCodeIssue.from_row(
                at, "aggregatieniveau", row["aggregatieniveau"], "Beroep of Opleiding"
            )
        )
        return []
    count_measure, rate_measure = found[1], found[2]
    label = row["typering"].strip()
    note_label = f"typering: {label}" if label else None
    out: list[dict[str, object]] = []
    if count_measure in _INDICATORS:
        value = numbers["indicator"][0]
        out.append(
            base | {"measure": count_measure, "value": value, "unit": "count", "note": note_label}
        )
        return out
    count = numbers["aantal"][0]
    note = "; ".join(n for n in (PERIOD_NOTE, note_label) if n)
    out.append(base | {"measure": count_measure, "value": count, "unit": "count", "note": note})
    rate = numbers["totaal6jrperc"][0]
    if rate_measure is not None and rate is not None:
        out.append(
            base
            | {"measure": rate_measure, "value": rate / 100, "unit": "share", "note": PERIOD_NOTE}
        )
    return out


_BRC_COLUMNS = {
    "vervangingsvraag_aantal": ("replacement_demand", "count"),
    "vervangingsvraag_perc_6jr": ("replacement_rate", "share"),
    "uitbreidingsvraag_aantal": ("expansion_demand", "count"),
    "uitbreidingsvraag_perc_6jr": ("expansion_rate", "share"),
    "baanopeningen_aantal": ("job_openings", "count"),
    "itkb_indicator": ("bottleneck_indicator", "count"),
    "huidige_spanning_indicator": ("tightness_indicator", "count"),
}
_BRC_LABELS = {
    "itkb_indicator": "itkb_typering",
    "huidige_spanning_indicator": "huidige_spanning_typering",
}
BRC_TOTAL = "999999"
"""The table's unlabelled row over all beroepen (see SOURCE.md)."""


def parse_brc(path: Path, context: ImportContext) -> ParsedSource:
    """Parse the national table per BRC beroepsgroep (region NL01, period 2025, the BRC code
    in ``sector``; shares as fractions; ITKB and tightness labels kept in ``note``)."""
    from pijplijn.ingest.text import open_table

    report = ImportReport(file=path.name)
    info = _info(
        path,
        "roa:ais2030-brc",
        "roa-brc@1",
        "AIS tot 2030, editie 2026: landelijke cijfers per BRC-beroepsgroep (afgeleide tabel)",
        f"{SOURCE}; per beroepsgroep afgeleid door het project Jobsy "
        "(github.com/dennisbemer1007-pixel/Jobsy, Jobsy.Core/Data/Occupations/outlook.json, "
        "commit 0f304b4f)",
    )
    parsed = ParsedSource(info=info, report=report)
    table = open_table(path, report)
    if table is None:
        return parsed
    needed = ["brc_beroepsgroep", *_BRC_COLUMNS, *_BRC_LABELS.values()]
    for column in needed:
        if column not in table.header:
            report.add(MissingColumnIssue(file=report.file, column=column))
    if not report.valid:
        return parsed
    index = {name: i for i, name in enumerate(table.header)}
    reader = _Reader(context, report)
    records: list[dict[str, object]] = []
    for at, cells in table.rows(report):
        code = cells[index["brc_beroepsgroep"]]
        if not re.match(r"^\d{4}$|^999999$", code):
            report.add(
                CellTypeIssue.from_row(
                    at, "brc_beroepsgroep", code, "een BRC-code van vier cijfers"
                )
            )
            continue
        for column, (measure, unit) in _BRC_COLUMNS.items():
            value, ok = reader.number(at, column, cells[index[column]])
            label_column = _BRC_LABELS.get(column)
            label = cells[index[label_column]] if label_column else ""
            if not ok or (value is None and not label):
                continue
            if unit == "share" and value is not None:
                value /= 100
            notes = [PERIOD_NOTE] if measure not in _INDICATORS else []
            if label:
                notes.append(f"typering: {label}")
            records.append(
                {
                    "measure": measure,
                    "period": FORECAST[0],
                    "period_unit": "year",
                    "region_code": "NL01",
                    "region_basis": "reported",
                    "sector": code,
                    "value": value,
                    "unit": unit,
                    "note": "; ".join(notes) or None,
                    "source_ref": column,
                }
            )
    report.stats["rows"] = len({r["sector"] for r in records})
    if not records and report.valid:
        report.add(TableIssue(file=report.file, note="het bestand bevat geen gegevensrijen"))
    if report.valid:
        parsed.observations = conform(pl.DataFrame(records, infer_schema_length=None))
        report.stats["observations"] = parsed.observations.height
    return parsed


AIS_KIND = SourceKind(
    name="roa-ais",
    description="ROA AIS: vervangings- en uitbreidingsvraag, knelpunten en spanning per regio, "
    "beroep en opleiding",
    parse=parse_ais,
    matches=matches_ais,
)
BRC_KIND = SourceKind(
    name="roa-brc",
    description="ROA AIS tot 2030: landelijke cijfers per BRC-beroepsgroep (afgeleide tabel)",
    parse=parse_brc,
    matches=matches_brc,
)


def derive_pack_table(raw: Path, prefix: str) -> str:
    """Return the content pack's copy of the national table per BRC beroepsgroep: the header,
    the rows of the beroepsgroepen whose code starts with ``prefix`` (the technical
    occupations) and the total row ``999999``, cell for cell as in ``raw``, LF line ends.

    The pack ships this subset so that ``init --demo`` has ROA's national demand figures; a
    test re-derives it from the raw file and fails on drift (``pijplijn labour
    --derive-pack``)."""
    lines = raw.read_text(encoding="utf-8").splitlines()
    if not lines or not matches_brc(lines[0].split(","), raw.name):
        raise ValueError(
            f"{raw.name}: regel 1 is niet de kopregel van de ROA-tabel per BRC-beroepsgroep "
            "(verwacht brc_beroepsgroep,vervangingsvraag_aantal,...)"
        )
    kept = [
        line
        for line in lines[1:]
        if (code := line.split(",", 1)[0]) == BRC_TOTAL
        or (len(code) == 4 and code.startswith(prefix))
    ]
    return "\n".join([lines[0], *kept]) + "\n"
