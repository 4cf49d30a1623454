"""``pijplijn init``: bring the schema up to date, sync the pack's reference data and
optionally load its demo (seed) datasets, all in one transaction per step."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from pijplijn.content.loader import ContentPack
from pijplijn.errors import PijplijnError
from pijplijn.ingest.template import KnownCodes, parse_template_csv, template_info
from pijplijn.store.db import session_scope, upgrade
from pijplijn.store.load import LoadResult, load_source
from pijplijn.store.models import Dataset, Institution, Region
from pijplijn.store.reference import sync_reference


class SeedError(PijplijnError):
    """A seed file of the content pack does not validate (a packaging bug)."""


@dataclass
class InitResult:
    """What ``init`` did: schema revisions before and after, and each demo dataset's load."""

    revision_before: str | None
    revision_after: str
    demo: list[tuple[str, LoadResult]] = field(default_factory=list)


def initialise(engine: Engine, pack: ContentPack, demo: bool) -> InitResult:
    """Create or upgrade the schema, sync reference data and, with ``demo``, load the seeds.

    Running it twice changes nothing the second time.
    """
    before, after = upgrade(engine)
    with session_scope(engine) as session:
        sync_reference(session, pack)
    result = InitResult(revision_before=before, revision_after=after)
    if demo:
        result.demo = load_demo(engine, pack)
    return result


def load_demo(engine: Engine, pack: ContentPack) -> list[tuple[str, LoadResult]]:
    """Load every seed dataset of the pack; return (file name, load result) per dataset."""
    loaded = []
    with session_scope(engine) as session:
        known = KnownCodes(
            regions=frozenset(session.scalars(select(Region.code))),
            institutions=frozenset(session.scalars(select(Institution.brin))),
        )
        for seed in pack.seed_datasets:
            path = pack.seed_path(seed)
            info = template_info(
                path, seed.source_key, seed.publisher, seed.title, seed.source, seed.licence
            )
            parsed = parse_template_csv(path, info, known)
            if not parsed.report.valid:
                raise SeedError(
                    f"seedbestand van pakket {pack.name} is ongeldig: {parsed.report.summary()}"
                )
            loaded.append((seed.file, load_source(session, parsed)))
    return loaded


def has_data(engine: Engine) -> bool:
    """Return True when at least one dataset is loaded."""
    with session_scope(engine) as session:
        return session.scalar(select(Dataset.id).limit(1)) is not None
