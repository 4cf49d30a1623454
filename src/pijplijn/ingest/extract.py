"""The content pack's extract of the open data: the publishers' figures aggregated to the
pack's region, its gemeenten and the regions it is compared with, shipped in the pack so that
a first start shows a live monitor (``pijplijn extract`` writes it; ``init --demo`` loads it).

Each publisher file is parsed by its own importer, so the extract's observations carry the
same measures, stages, sectors, flags and source keys as a full import. Then every row is
placed in one *bucket*:

- a gemeente of the pack's region set keeps its rows per institution (summed over
  programmes and locations), so institution goals and the region's figures stay whole;
- another region within the home province (a gemeente, a COROP area, the province itself)
  keeps its own rows, summed over institutions;
- a region in another province is summed into that province;
- a region in no province (the Netherlands, a landsdeel) keeps its own rows.

The buckets partition the country, so a sum over the region, the province or the Netherlands
gives what a full import gives. When the source publishes the Netherlands' own figure (CBS),
the rows outside the home province are left out: the published total is used as published,
never replaced by a sum of parts. Suppressed and missing cells stay rows of their own, with no
value: a sum over them carries the flag, as it does over the raw file.

A full import of the same source later supersedes the extract's dataset (same source key, the
same periods): nothing counts twice.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pijplijn.coverage import Coverage
from pijplijn.errors import ContentError
from pijplijn.ingest.issues import ImportReport
from pijplijn.ingest.records import (
    OBSERVATION_SCHEMA,
    CodeLabelRecord,
    DatasetInfo,
    InstitutionRecord,
    ParsedSource,
    conform,
)

EXTRACT_DIR = "extract"
MANIFEST = "manifest.json"
INSTITUTIONS = "institutions.csv"
LABELS = "labels.csv"
LOADER_PREFIX = "extract:"
"""A dataset loaded from the extract has loader ``extract:<importer>@<version>``."""

SOURCE_FILES: tuple[str, ...] = (
    "duo/vo_examenkandidaten_2019-2024.csv",
    "duo/mbo_deelnemers_2015-2019.csv",
    "duo/hbo_eerstejaars_2015-2019.csv",
    "duo/wo_eerstejaars_2015-2019.csv",
    "duo/hbo_gediplomeerden_2014-2018.csv",
    "duo/wo_gediplomeerden_2014-2018.csv",
    "cbs/80472ned_vacatures_sbi.csv",
    "cbs/vacatures_regio_provincie.csv",
    "cbs/83582ned_banen_corop.csv",
)
"""The publisher files the extract is derived from, relative to ``--from``: those whose
figures the pages show for the pack's region (the mbo, hbo/wo and vo stages, the vacancies per
province, the national vacancies per sector and the jobs per COROP area). ROA's demand is
in the pack's seed already."""

LABEL_FILES: tuple[str, ...] = (
    "cbs/80472ned_vacatures_metadata.csv",
    "cbs/sbi_sectoren_metadata.csv",
    "cbs/regios_metadata.csv",
)
"""CBS code lists: the titles of the SBI sectors and CBS regions the extract names."""

DETAIL_COLUMNS = ("programme_code", "programme_name", "source_ref")
"""Columns of a source's finest unit (a crebo or CROHO programme, a school location): summed
away in the extract."""

_KEY_COLUMNS = [c for c in OBSERVATION_SCHEMA if c != "value"]


@dataclass(frozen=True)
class Buckets:
    """Where each region's rows go (see the module docstring)."""

    detail: frozenset[str]
    """The gemeenten of the pack's region set: rows kept per institution."""
    home: frozenset[str]
    """Regions within the home province (and the province): rows kept, summed over
    institutions."""
    province_of: Mapping[str, str]
    """Other regions → the province they lie in."""
    national: str = "NL01"

    def of(self, code: str | None) -> tuple[str | None, bool]:
        """Return (bucket code, keeps institutions) for a row of region ``code``."""
        if code is None:
            return None, False
        if code in self.detail:
            return code, True
        if code in self.home:
            return code, False
        return self.province_of.get(code, code), False


@dataclass
class ExtractDataset:
    """One source's part of the extract: its provenance and its aggregated observations."""

    source_file: str
    source_sha256: str
    info: DatasetInfo
    observations: pl.DataFrame

    @property
    def file(self) -> str:
        return f"{self.info.source_key.replace(':', '_')}.csv.gz"


@dataclass
class Extract:
    """The extract: datasets, the institutions they name and the CBS code labels."""

    datasets: list[ExtractDataset] = field(default_factory=list)
    institutions: list[InstitutionRecord] = field(default_factory=list)
    labels: list[CodeLabelRecord] = field(default_factory=list)


def aggregate(frame: pl.DataFrame, buckets: Buckets) -> pl.DataFrame:
    """Return ``frame`` summed into ``buckets``: values of cells with no flag are added; each
    group of flagged cells (suppressed, missing) stays one row with no value."""
    if frame.height == 0:
        return conform(frame)
    has_institutions = frame.get_column("institution").null_count() < frame.height
    if has_institutions:
        frame = frame.with_columns([pl.lit(None, dtype=pl.Utf8).alias(c) for c in DETAIL_COLUMNS])
    published_national = (
        frame.filter(
            (pl.col("region_code") == buckets.national) & pl.col("institution").is_null()
        ).height
        > 0
    )
    codes = frame.get_column("region_code").unique().to_list()
    target = {c: buckets.of(c) for c in codes}
    keep_home = frozenset(buckets.detail | buckets.home)
    if published_national:
        wanted = [c for c in codes if c in keep_home or c == buckets.national]
        frame = frame.filter(pl.col("region_code").is_in(wanted))
    mapping = pl.DataFrame(
        {
            "region_code": [c for c in target if c is not None],
            "_bucket": [target[c][0] for c in target if c is not None],
            "_keeps": [target[c][1] for c in target if c is not None],
        },
        schema={"region_code": pl.Utf8, "_bucket": pl.Utf8, "_keeps": pl.Boolean},
    )
    placed = (
        frame.filter(pl.col("region_code").is_not_null())
        .join(mapping, on="region_code", how="left")
        .with_columns(
            pl.col("_bucket").alias("region_code"),
            pl.when(pl.col("_keeps"))
            .then(pl.col("institution"))
            .otherwise(pl.lit(None, dtype=pl.Utf8))
            .alias("institution"),
        )
        .drop("_bucket", "_keeps")
    )
    summed = placed.group_by(_KEY_COLUMNS, maintain_order=False).agg(
        pl.when(pl.col("value").is_not_null().any())
        .then(pl.col("value").sum())
        .otherwise(pl.lit(None, dtype=pl.Float64))
        .alias("value")
    )
    summed = summed.with_columns(pl.col("value").round(6))
    return conform(summed).sort(_KEY_COLUMNS, nulls_last=False)


def coverage_of(parsed: ParsedSource, frame: pl.DataFrame) -> Coverage | None:
    """The extract's coverage: the source's, narrowed to the regions the extract keeps."""
    raw = parsed.info.coverage
    if raw is None:
        return None
    regions = [r.region for r in raw.regions]
    if regions == ["NL01"]:
        return raw
    kept = sorted(frame.get_column("region_code").drop_nulls().unique().to_list())
    return Coverage.whole(kept, raw.stages, raw.region_basis)


# --- writing and reading the pack's files --------------------------------------------------


def render(extract: Extract) -> dict[str, str]:
    """Return the extract's files by name: a CSV per dataset, the institutions, the labels
    and the manifest with each dataset's provenance. Deterministic: the same publisher
    files give the same bytes."""
    files: dict[str, str] = {}
    manifest: list[dict[str, Any]] = []
    for dataset in extract.datasets:
        text = _frame_csv(dataset.observations)
        files[dataset.file] = text
        info = dataset.info
        frame = dataset.observations
        periods = sorted(frame.get_column("period").drop_nulls().unique().to_list())
        manifest.append(
            {
                "file": dataset.file,
                "source_key": info.source_key,
                "publisher": info.publisher,
                "title": info.title,
                "source": info.source,
                "licence": info.licence,
                "loader": LOADER_PREFIX + info.loader,
                "derived_from": {"file": dataset.source_file, "sha256": dataset.source_sha256},
                "periods": periods,
                "rows": frame.height,
                "coverage": json.loads(info.coverage.to_json()) if info.coverage else None,
                "region_basis": info.coverage.region_basis if info.coverage else None,
                "sha256_csv": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            }
        )
    files[INSTITUTIONS] = _rows_csv(
        ["brin", "name", "kind", "place", "gemeente_code"],
        [[i.brin, i.name, i.kind, i.place, i.gemeente_code] for i in extract.institutions],
    )
    files[LABELS] = _rows_csv(
        ["scheme", "code", "label"], [[x.scheme, x.code, x.label] for x in extract.labels]
    )
    files[MANIFEST] = (
        json.dumps(
            {
                "about": (
                    "Uittreksel van de open data van DUO (CC0 1.0) en CBS (CC BY 4.0), "
                    "opgeteld naar de regio van het pakket, haar gemeenten, de provincie en "
                    "Nederland; gemaakt door `pijplijn extract` (docs/content-packs.md)."
                ),
                "datasets": manifest,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    return files


def write(files: Mapping[str, str], folder: Path) -> None:
    """Write the extract's files into ``folder`` (the datasets gzipped, with no time stamp),
    removing the files of an older extract."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*.csv"), *folder.glob("*.csv.gz")]:
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        data = text.encode("utf-8")
        if name.endswith(".gz"):
            data = gzip.compress(data, compresslevel=9, mtime=0)
        (folder / name).write_bytes(data)


def shipped(folder: Path) -> dict[str, str]:
    """Return the extract's files in ``folder`` as text by name (the datasets unzipped): what
    ``render`` gave when they were written."""
    files: dict[str, str] = {}
    for path in sorted([*folder.glob("*.csv"), *folder.glob("*.csv.gz"), folder / MANIFEST]):
        if path.is_file():
            files[path.name] = _text(path)
    return files


def _text(path: Path) -> str:
    raw = _read_bytes(path)
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ContentError(f"{path}: geen leesbaar gzip-bestand ({exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"{path}: geen UTF-8 ({exc})") from None


def has_extract(root: Path) -> bool:
    """True when the pack at ``root`` ships an extract."""
    return (root / EXTRACT_DIR / MANIFEST).is_file()


def read(root: Path) -> list[ParsedSource]:
    """Return the pack's extract as parsed sources ready for the store, the institutions and
    code labels attached to the first. Raises ContentError naming the file when a file of
    the extract is unreadable or altered (its sha256 no longer the manifest's)."""
    folder = root / EXTRACT_DIR
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ContentError(f"{manifest_path}: geen leesbaar manifest ({exc})") from None
    parsed: list[ParsedSource] = []
    for entry in manifest["datasets"]:
        path = folder / entry["file"]
        raw = _text(path).encode("utf-8")
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256_csv"]:
            raise ContentError(
                f"{path}: sha256 {digest[:12]}… wijkt af van het manifest; "
                "maak het uittreksel opnieuw met `pijplijn extract`"
            )
        coverage = (
            Coverage.from_json(json.dumps(entry["coverage"]), entry["region_basis"])
            if entry["coverage"]
            else None
        )
        info = DatasetInfo(
            source_key=entry["source_key"],
            publisher=entry["publisher"],
            title=entry["title"],
            source=entry["source"],
            loader=entry["loader"],
            sha256=digest,
            licence=entry["licence"],
            coverage=coverage,
        )
        parsed.append(
            ParsedSource(
                info=info, report=ImportReport(file=str(path)), observations=_read_frame(raw)
            )
        )
    if parsed:
        parsed[0].institutions = [
            InstitutionRecord(
                brin=r["brin"],
                name=r["name"],
                kind=r["kind"] or None,
                place=r["place"] or None,
                gemeente_code=r["gemeente_code"] or None,
            )
            for r in _dict_rows(folder / INSTITUTIONS)
        ]
        parsed[0].code_labels = [
            CodeLabelRecord(scheme=r["scheme"], code=r["code"], label=r["label"])
            for r in _dict_rows(folder / LABELS)
        ]
    return parsed


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ContentError(f"{path}: niet leesbaar ({exc})") from None


def _read_frame(raw: bytes) -> pl.DataFrame:
    header = raw.split(b"\n", 1)[0].decode("utf-8").split(",")
    schema = {c: (pl.Float64 if c == "value" else pl.Utf8) for c in header}
    frame = pl.read_csv(io.BytesIO(raw), schema=schema)
    return conform(frame)


def _dict_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(path))))


def _frame_csv(frame: pl.DataFrame) -> str:
    columns = [c for c in OBSERVATION_SCHEMA if frame.get_column(c).null_count() < frame.height]
    rows = [[_cell(v) for v in row] for row in frame.select(columns).iter_rows()]
    return _rows_csv(columns, rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _rows_csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else _cell(v) for v in row] for row in rows])
    return out.getvalue()
