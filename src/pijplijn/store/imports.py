"""``pijplijn import``: detect, parse and validate every file, then write them all in one
transaction, or nothing at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from pijplijn.content.loader import ContentPack
from pijplijn.errors import ContentError, PijplijnError
from pijplijn.ingest.kinds import SourceKind
from pijplijn.ingest.records import ParsedSource
from pijplijn.ingest.registry import KINDS, KindError, detect, kind_named
from pijplijn.store.db import refresh_statistics, session_scope
from pijplijn.store.load import LoadResult, load_source
from pijplijn.store.reference import import_context, upsert_regions
from pijplijn.vocabulary import DISCLOSURE_POLICIES

Progress = Callable[[str, Path], None]
"""Called with a phase ('lezen', 'schrijven') and the file, so a CLI can show progress."""


@dataclass
class ImportOutcome:
    """One file's import: its kind, whether it was detected, the parse and what was written."""

    path: Path
    kind: SourceKind
    detected: bool
    parsed: ParsedSource
    load: LoadResult | None = None
    suggested_kind: str | None = None
    """For a forced kind that does not fit: the kind the file's header does match."""


def plan_kinds(paths: list[Path], kind: str | None) -> list[tuple[Path, SourceKind, bool]]:
    """Return each file with its kind (forced or detected) and whether it was detected.

    Raises PijplijnError for a missing file or an undetectable kind, before anything is read.
    """
    for path in paths:
        if not path.is_file():
            raise PijplijnError(f"{path}: bestand bestaat niet")
    if kind is not None:
        forced = kind_named(kind)
        return [(path, forced, False) for path in paths]
    return [(path, detect(path), True) for path in paths]


@dataclass(frozen=True)
class Origin:
    """Where a downloaded file came from: its URL and when it was fetched."""

    url: str
    retrieved_at: datetime | None


def check_disclosure(policy: str | None) -> None:
    """Raise PijplijnError (one line) for a disclosure policy that is not a known one."""
    if policy is not None and policy not in DISCLOSURE_POLICIES:
        raise PijplijnError(
            f"onbekend openbaarheidsbeleid '{policy}' (--disclosure); "
            f"kies uit {', '.join(DISCLOSURE_POLICIES)}"
        )


def disclosure_for(pack: ContentPack, kind: str, override: str | None) -> str:
    """Return the policy a dataset of ``kind`` gets: ``override`` (the importer's choice), else
    the pack's default for the kind. Raises ContentError for a pack naming an unknown kind."""
    unknown = sorted(set(pack.pack.disclosure.kinds) - set(KINDS))
    if unknown:
        raise ContentError(
            f"{pack.root / 'pack.yaml'}: sleutel 'disclosure.kinds.{unknown[0]}': onbekende "
            f"soort; kies uit {', '.join(KINDS)}"
        )
    check_disclosure(override)
    return override or pack.pack.disclosure.for_kind(kind)


def import_files(
    engine: Engine,
    pack: ContentPack,
    paths: list[Path],
    kind: str | None = None,
    progress: Progress | None = None,
    origins: dict[Path, Origin] | None = None,
    disclosure: str | None = None,
) -> list[ImportOutcome]:
    """Parse every file; when all are valid, write them in one transaction.

    Files are parsed in order, and regions a file adds (e.g. gemeenten) are known to the
    files after it. Each dataset gets the disclosure policy ``disclosure`` (``open`` or
    ``protected``), else the pack's default for its kind. Returns the outcomes; ``load`` is
    None for every file when any is invalid.
    """
    check_disclosure(disclosure)
    outcomes: list[ImportOutcome] = []
    try:
        with session_scope(engine) as session:
            for path, source_kind, detected in plan_kinds(paths, kind):
                if progress:
                    progress("lezen", path)
                parsed = source_kind.parse(path, import_context(session, pack))
                parsed.info = replace(
                    parsed.info, disclosure=disclosure_for(pack, source_kind.name, disclosure)
                )
                if origins and path in origins:
                    parsed.info = replace(
                        parsed.info,
                        source=origins[path].url,
                        retrieved_at=origins[path].retrieved_at,
                    )
                outcome = ImportOutcome(path, source_kind, detected, parsed)
                if not detected and not parsed.report.valid:
                    outcome.suggested_kind = _suggest(path, source_kind)
                outcomes.append(outcome)
                if parsed.report.valid:
                    # Later files in this run may name regions this one defines.
                    upsert_regions(session, parsed.regions)
            if not all(o.parsed.report.valid for o in outcomes):
                raise _Invalid
            for outcome in outcomes:
                if progress:
                    progress("schrijven", outcome.path)
                outcome.load = load_source(session, outcome.parsed)
    except _Invalid:
        return outcomes  # session_scope rolled everything back: nothing is written
    if any(o.load and o.load.status == "loaded" for o in outcomes):
        refresh_statistics(engine)
    return outcomes


class _Invalid(Exception):
    """Raised inside the transaction to roll it back when any file is invalid."""


def _suggest(path: Path, forced: SourceKind) -> str | None:
    """Return the kind the file's header matches, when that is not the forced one."""
    try:
        found = detect(path)
    except KindError:
        return None
    return found.name if found.name != forced.name else None
