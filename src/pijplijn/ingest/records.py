"""What a parser hands to the store: dataset provenance and a frame of observations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pijplijn.coverage import Coverage
from pijplijn.ingest.issues import ImportReport

OBSERVATION_SCHEMA: dict[str, type[pl.DataType]] = {
    "measure": pl.Utf8,
    "period": pl.Utf8,
    "period_unit": pl.Utf8,
    "region_code": pl.Utf8,
    "region_basis": pl.Utf8,
    "institution": pl.Utf8,
    "stage": pl.Utf8,
    "level": pl.Utf8,
    "pathway": pl.Utf8,
    "programme_code": pl.Utf8,
    "programme_name": pl.Utf8,
    "sector": pl.Utf8,
    "subsector": pl.Utf8,
    "opleidingsdomein": pl.Utf8,
    "gender": pl.Utf8,
    "origin_stage": pl.Utf8,
    "origin_sector": pl.Utf8,
    "value": pl.Float64,
    "flag": pl.Utf8,
    "unit": pl.Utf8,
    "subject": pl.Utf8,
    "source_ref": pl.Utf8,
    "note": pl.Utf8,
}
"""Columns of an observation frame, in the order the store writes them."""


def empty_observations() -> pl.DataFrame:
    """Return an observation frame with no rows."""
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with exactly the observation columns, adding absent ones as null."""
    missing = [
        pl.lit(None, dtype=t).alias(c)
        for c, t in OBSERVATION_SCHEMA.items()
        if c not in frame.columns
    ]
    return frame.with_columns(missing).select(
        [pl.col(c).cast(t) for c, t in OBSERVATION_SCHEMA.items()]
    )


def distinct_values(frame: pl.DataFrame, column: str) -> list[str]:
    """Return the distinct non-null values of a frame's column, sorted."""
    if frame.height == 0:
        return []
    return sorted(frame.get_column(column).drop_nulls().unique().to_list())


def frame_regions(frame: pl.DataFrame) -> list[str]:
    """Return the region codes of an observation frame, sorted."""
    return distinct_values(frame, "region_code")


def national_coverage(frame: pl.DataFrame, region_basis: str) -> Coverage:
    """Return the coverage of a national file (DUO's open data): the whole of the
    Netherlands (NL01) for the stages it has."""
    return Coverage.whole(["NL01"], distinct_values(frame, "stage"), region_basis)


def regional_coverage(frame: pl.DataFrame, region_basis: str) -> Coverage:
    """Return the coverage of a table that states its figures for whole regions (CBS
    StatLine): each region it names, completely."""
    return Coverage.whole(frame_regions(frame), distinct_values(frame, "stage"), region_basis)


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class DatasetInfo:
    """Provenance of one release of a source."""

    source_key: str
    publisher: str
    title: str
    source: str
    loader: str
    sha256: str
    licence: str | None = None
    retrieved_at: datetime | None = None
    disclosure: str = "open"
    """The disclosure policy (vocabulary.DISCLOSURE_POLICIES): set by the import from the
    pack's default for the kind, or the importer's choice, never by the parser."""
    coverage: Coverage | None = None
    """What the release covers (regions, stages, periods, region basis); None for a file
    without observations (reference data, code lists)."""


@dataclass(frozen=True)
class InstitutionRecord:
    """An institution as a source names it."""

    brin: str
    name: str
    kind: str | None = None
    place: str | None = None
    gemeente_code: str | None = None
    region_basis: str | None = None


@dataclass(frozen=True)
class RegionRecord:
    """A region as a source names it (e.g. a gemeente with its province)."""

    code: str
    name: str
    kind: str
    parent_code: str | None = None


@dataclass(frozen=True)
class CodeLabelRecord:
    """A code and its title in a code list (``scheme``, e.g. ``sbi2008`` or ``cbs-regio``)."""

    scheme: str
    code: str
    label: str


@dataclass
class ParsedSource:
    """A parsed source: write it only when ``report.valid``."""

    info: DatasetInfo
    report: ImportReport
    observations: pl.DataFrame = field(default_factory=empty_observations)
    institutions: list[InstitutionRecord] = field(default_factory=list)
    regions: list[RegionRecord] = field(default_factory=list)
    code_labels: list[CodeLabelRecord] = field(default_factory=list)
