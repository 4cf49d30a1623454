"""The schema, init, reference data and dataset loading."""

import dataclasses
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select

from pijplijn.content.loader import load_pack
from pijplijn.ingest.template import KnownCodes, parse_template_csv, template_info
from pijplijn.store.db import schema_revision, session_scope
from pijplijn.store.load import load_source
from pijplijn.store.models import Dataset, Observation, Region, RegionMember
from pijplijn.store.schema import metadata
from pijplijn.store.setup import initialise

TWENTE = [
    "GM0141",
    "GM0147",
    "GM1774",
    "GM0153",
    "GM0158",
    "GM0163",
    "GM0164",
    "GM1735",
    "GM0168",
    "GM0173",
    "GM1742",
    "GM0183",
    "GM1700",
    "GM0189",
]


def counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Dataset)) or 0,
            session.scalar(select(func.count()).select_from(Observation)) or 0,
        )


def test_migrations_match_the_models(empty_engine: Engine) -> None:
    initialise(empty_engine, load_pack("twente"), demo=False)
    with empty_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_init_twice_is_harmless(empty_engine: Engine) -> None:
    pack = load_pack("twente")
    first = initialise(empty_engine, pack, demo=True)
    assert first.revision_before is None
    # The two seed documents' tables and the pack's copy of ROA's national table.
    assert [load.status for _, load in first.demo] == ["loaded", "loaded", "loaded"]
    before = counts(empty_engine)
    second = initialise(empty_engine, pack, demo=True)
    assert second.revision_before == second.revision_after == schema_revision(empty_engine)
    assert [load.status for _, load in second.demo] == ["unchanged", "unchanged", "unchanged"]
    assert counts(empty_engine) == before


def test_twente_is_its_fourteen_gemeenten_in_overijssel(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        members = session.scalars(
            select(RegionMember.member_code).where(RegionMember.set_code == "twente")
        ).all()
        assert sorted(members) == sorted(TWENTE)
        twente = session.get(Region, "twente")
        # Twente declares COROP area Twente as its labour-market region: it lies in it.
        assert twente is not None and (twente.kind, twente.parent_code) == ("regioset", "CR12")
        corop = session.get(Region, "CR12")
        assert corop is not None and (corop.kind, corop.parent_code) == ("corop", "PV23")
        corop_members = session.scalars(
            select(RegionMember.member_code).where(RegionMember.set_code == "CR12")
        ).all()
        assert sorted(corop_members) == sorted(TWENTE)
        overijssel = session.get(Region, "PV23")
        assert overijssel is not None and overijssel.parent_code == "NL01"


def test_every_demo_observation_carries_its_section(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        without = session.scalar(
            select(func.count()).select_from(Observation).where(Observation.source_ref.is_(None))
        )
        sources = session.scalars(
            select(Dataset.source).where(Dataset.source_key.like("seed:%"))
        ).all()
    assert without == 0
    # The seed documents' tables name the document's section; the pack's ROA copy is a
    # published table, not a document, and is read by its own importer.
    assert sources and all("document " in s for s in sources)


def test_missing_cell_is_stored_as_missing_not_zero(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        cell = session.execute(
            select(Observation.value, Observation.flag).where(
                Observation.measure == "graduates",
                Observation.period == "2010",
                Observation.sector == "Combinatie bedrijf",
            )
        ).one()
    assert tuple(cell) == (None, "missing")


def test_newer_release_supersedes_older_for_its_periods(
    empty_engine: Engine, tmp_path: Path
) -> None:
    initialise(empty_engine, load_pack("twente"), demo=False)
    header = "measure,period,region,value\n"
    known = KnownCodes(regions=frozenset({"twente"}), institutions=frozenset())
    releases = []
    for name, body in [
        ("r1.csv", "enrolled,2018,twente,10\nenrolled,2019,twente,11\n"),
        ("r2.csv", "enrolled,2019,twente,12\nenrolled,2020,twente,13\n"),
    ]:
        path = tmp_path / name
        path.write_text(header + body, encoding="utf-8")
        info = dataclasses.replace(template_info(path, "partner:x", "P", "T", "S", None))
        releases.append(parse_template_csv(path, info, known))
    with session_scope(empty_engine) as session:
        old = load_source(session, releases[0])
        new = load_source(session, releases[1])
        assert new.superseded == [old.dataset_id]
        old_dataset = session.get(Dataset, old.dataset_id)
        assert old_dataset is not None and old_dataset.status == "partly-superseded"
        active = session.execute(
            select(Observation.period, Observation.value, Observation.dataset_id)
            .where(Observation.active.is_(True))
            .order_by(Observation.period)
        ).all()
        kept = session.scalar(select(func.count()).select_from(Observation))
    assert [tuple(r) for r in active] == [
        ("2018", 10.0, old.dataset_id),
        ("2019", 12.0, new.dataset_id),
        ("2020", 13.0, new.dataset_id),
    ]
    assert kept == 4  # the superseded 2019 value stays as history


def test_every_observation_belongs_to_a_dataset(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        orphans = session.scalar(
            select(func.count())
            .select_from(Observation)
            .outerjoin(Dataset, Dataset.id == Observation.dataset_id)
            .where(Dataset.id.is_(None))
        )
    assert orphans == 0
