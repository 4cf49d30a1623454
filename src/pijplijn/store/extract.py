"""The pack's extract of the open data: derived from the publisher files with the store's
reference data (``pijplijn extract``), and loaded with the seed figures (``init --demo``).
The aggregation rules are in ``ingest/extract.py``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.errors import PijplijnError
from pijplijn.ingest import extract as ex
from pijplijn.ingest.records import CodeLabelRecord, DatasetInfo, InstitutionRecord, sha256_of
from pijplijn.ingest.registry import detect
from pijplijn.store.db import open_engine, session_scope, upgrade
from pijplijn.store.load import LoadResult, load_source
from pijplijn.store.models import Region
from pijplijn.store.reference import import_context, sync_reference, upsert_regions


def buckets(session: Session, pack: ContentPack) -> ex.Buckets:
    """Return the extract's buckets for the pack's default region set: its gemeenten, the
    province they lie in, and every other region's province."""
    wanted = pack.pack.default_region
    members = next((s.members for s in pack.region_sets if s.code == wanted), None)
    if not members:
        raise PijplijnError(f"pakket {pack.name}: regioset '{wanted}' heeft geen gemeenten")
    parents: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for code, parent, kind in session.execute(select(Region.code, Region.parent_code, Region.kind)):
        kinds[code] = kind
        if parent is not None:
            parents[code] = parent

    def province(code: str) -> str | None:
        seen = [code]
        while kinds.get(seen[-1]) != "provincie":
            parent = parents.get(seen[-1])
            if parent is None or parent in seen:
                return None
            seen.append(parent)
        return seen[-1]

    homes = {province(m) for m in members}
    if len(homes) != 1 or None in homes:
        raise PijplijnError(
            f"pakket {pack.name}: de gemeenten van '{wanted}' liggen niet in één provincie"
        )
    home = homes.pop()
    assert home is not None
    province_of = {c: p for c in kinds if (p := province(c)) is not None}
    inside_home = frozenset(c for c, p in province_of.items() if p == home)
    return ex.Buckets(
        detail=frozenset(members),
        home=inside_home - frozenset(members),
        province_of={c: p for c, p in province_of.items() if p != home},
    )


def derive_extract(source: Path, pack: ContentPack) -> ex.Extract:
    """Parse the publisher files under ``source`` with their importers (in a scratch
    database holding only the reference data) and aggregate them into the pack's extract.

    Raises PijplijnError naming the file when one is absent or does not validate.
    """
    missing = [
        name for name in (*ex.SOURCE_FILES, *ex.LABEL_FILES) if not (source / name).is_file()
    ]
    if missing:
        raise PijplijnError(
            f"{source / missing[0]}: bestand bestaat niet (nodig voor het uittreksel)"
        )
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_engine(f"sqlite:///{Path(scratch) / 'extract.db'}")
        try:
            upgrade(engine)
            with session_scope(engine) as session:
                sync_reference(session, pack)
                return _derive(session, source, pack)
        finally:
            engine.dispose()


def _derive(session: Session, source: Path, pack: ContentPack) -> ex.Extract:
    placed = buckets(session, pack)
    extract = ex.Extract()
    institutions: dict[str, InstitutionRecord] = {}
    for name in ex.SOURCE_FILES:
        path = source / name
        parsed = detect(path).parse(path, import_context(session, pack))
        if not parsed.report.valid:
            raise PijplijnError(f"{path}: ongeldig: {parsed.report.summary()}")
        upsert_regions(session, parsed.regions)
        frame = ex.aggregate(parsed.observations, placed)
        info = parsed.info
        coverage = ex.coverage_of(parsed, frame)
        extract.datasets.append(
            ex.ExtractDataset(
                source_file=name,
                source_sha256=sha256_of(path),
                info=DatasetInfo(
                    source_key=info.source_key,
                    publisher=info.publisher,
                    title=f"{info.title} (uittreksel {pack.pack.title})",
                    source=info.source,
                    loader=info.loader,
                    sha256="",
                    licence=info.licence,
                    coverage=coverage,
                ),
                observations=frame,
            )
        )
        for record in parsed.institutions:
            known = institutions.get(record.brin)
            if known is None or (known.gemeente_code is None and record.gemeente_code):
                institutions[record.brin] = record
    used = {
        code
        for d in extract.datasets
        for code in d.observations.get_column("institution").drop_nulls().unique().to_list()
    }
    extract.institutions = [institutions[b] for b in sorted(used) if b in institutions]
    codes = {
        code
        for d in extract.datasets
        for column in ("sector", "region_code")
        for code in d.observations.get_column(column).drop_nulls().unique().to_list()
    }
    labels: dict[tuple[str, str], CodeLabelRecord] = {}
    for name in ex.LABEL_FILES:
        path = source / name
        parsed = detect(path).parse(path, import_context(session, pack))
        for label in parsed.code_labels:
            if label.code in codes:
                labels[(label.scheme, label.code)] = label
    extract.labels = [labels[k] for k in sorted(labels)]
    return extract


def load_extract(engine: Engine, pack: ContentPack) -> list[tuple[str, LoadResult]]:
    """Load the pack's extract (when it ships one), each dataset under its source's own key,
    so a full import of the source later supersedes it. Loaded before, it changes nothing."""
    if not ex.has_extract(pack.root):
        return []
    loaded = []
    with session_scope(engine) as session:
        for parsed in ex.read(pack.root):
            result = load_source(session, parsed)
            loaded.append((f"{ex.EXTRACT_DIR}/{Path(parsed.report.file).name}", result))
    return loaded
