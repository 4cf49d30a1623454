"""The register services: audit trail, optimistic locking, archive/restore, revert, rights,
seeding, and the indicators and goal computed from the register."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from pijplijn.accounts.rights import SYSTEM, Actor
from pijplijn.content.indicators import RegisterTerm
from pijplijn.content.loader import load_pack
from pijplijn.engine.goals.scorecard import goal_status
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import evaluate
from pijplijn.engine.register import projects_per_goal, reach_per_programme_line, register_figures
from pijplijn.register import service
from pijplijn.register.audit import history, values
from pijplijn.register.errors import ConflictError, ForbiddenError, InputError
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.register_models import AuditRecord, Organisation, Participation, Project
from pijplijn.store.setup import initialise
from register_helpers import HTSM_COMPANY, SCHOOL, add_organisation, project_id


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A fresh demo store per test (the register tests write)."""
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    yield engine
    engine.dispose()


def audit_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditRecord)) or 0


def test_demo_seeds_the_named_projects_without_participation(engine: Engine) -> None:
    with session_scope(engine) as session:
        codes = set(session.scalars(select(Project.code)))
        participations = session.scalar(select(func.count()).select_from(Participation))
        seeded = history(session, "project")
    assert {
        "jetnet",
        "technasia",
        "first-lego-league",
        "vtb",
        "mae-meisjes-techniek-college",
    } <= codes
    assert participations == 0
    assert {r.actor for r in seeded} == {"seed"} and len(seeded) == len(codes)


def test_seeding_twice_adds_nothing(engine: Engine) -> None:
    before = audit_count(engine)
    result = initialise(engine, load_pack("twente"), demo=True)
    assert result.projects_created == 0 and audit_count(engine) == before


def test_update_writes_before_and_after(engine: Engine) -> None:
    org = add_organisation(engine)
    with session_scope(engine) as session:
        record = service.update(
            session, SYSTEM, "organisation", org, 1, {**HTSM_COMPANY, "size_class": "250+"}
        )
        assert record.version == 2
    with session_scope(engine) as session:
        last = history(session, "organisation", org)
    assert [r.action for r in last] == ["update", "create"]
    before, after = values(last[0].before), values(last[0].after)
    assert before is not None and after is not None
    assert (before["size_class"], after["size_class"]) == ("50-249", "250+")
    assert (before["version"], after["version"]) == (1, 2)
    assert last[0].actor == "cli"


def test_stale_version_is_a_conflict_and_writes_nothing(engine: Engine) -> None:
    org = add_organisation(engine)
    with session_scope(engine) as session:
        service.update(session, SYSTEM, "organisation", org, 1, {**HTSM_COMPANY, "name": "A"})
    count = audit_count(engine)
    with pytest.raises(ConflictError, match="versie 2.*versie 1"), session_scope(engine) as session:
        service.update(session, SYSTEM, "organisation", org, 1, {**HTSM_COMPANY, "name": "B"})
    with session_scope(engine) as session:
        stored = session.get(Organisation, org)
        assert stored is not None and (stored.name, stored.version) == ("A", 2)
    assert audit_count(engine) == count


def test_two_editors_at_once_the_second_gets_a_conflict(engine: Engine) -> None:
    # Both read version 1; the first commits; the second's conditional UPDATE matches no row.
    org = add_organisation(engine)
    from sqlalchemy.orm import sessionmaker

    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as first, factory() as second:
        a = first.get(Organisation, org)
        b = second.get(Organisation, org)
        assert a is not None and b is not None and a.version == b.version == 1
        service.update(first, SYSTEM, "organisation", org, 1, {**HTSM_COMPANY, "name": "Eerste"})
        first.commit()
        with pytest.raises(ConflictError):
            service.update(
                second, SYSTEM, "organisation", org, 1, {**HTSM_COMPANY, "name": "Tweede"}
            )
        second.rollback()
    with session_scope(engine) as session:
        stored = session.get(Organisation, org)
        assert stored is not None and stored.name == "Eerste"


def test_archive_and_restore_keep_the_record(engine: Engine) -> None:
    org = add_organisation(engine)
    with session_scope(engine) as session:
        service.archive(session, SYSTEM, "organisation", org, 1)
    with session_scope(engine) as session:
        assert [o.id for o in service.active(session, "organisation")] == []
        stored = session.get(Organisation, org)
        assert stored is not None and stored.archived_at is not None
        service.restore(session, SYSTEM, "organisation", org, 2)
    with session_scope(engine) as session:
        assert [o.id for o in service.active(session, "organisation")] == [org]
        actions = [r.action for r in history(session, "organisation", org)]
    assert actions == ["restore", "archive", "create"]


def test_revert_to_an_earlier_audit_record(engine: Engine) -> None:
    org = add_organisation(engine)
    with session_scope(engine) as session:
        created = history(session, "organisation", org)[0].id
        service.update(session, SYSTEM, "organisation", org, 1, {**HTSM_COMPANY, "name": "Nieuw"})
    with session_scope(engine) as session:
        record = service.revert(session, SYSTEM, created, 2)
        assert (record.name, record.version) == (HTSM_COMPANY["name"], 3)
    with session_scope(engine) as session:
        last = history(session, "organisation", org)[0]
    assert last.action == "revert"
    assert json.loads(last.before or "{}")["name"] == "Nieuw"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kvk": "1234567"}, "kvk"),
        ({"kvk": "1234567a"}, "kvk"),
        ({"kind": "bedrijf"}, "kind"),
        ({"size_class": "groot"}, "size_class"),
        ({"name": "   "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"gemeente_code": "GM9999"}, "gemeente_code"),
        ({"gemeente_code": "twente"}, "gemeente_code"),
    ],
)
def test_bad_organisation_input_names_the_field(
    engine: Engine, change: dict[str, str], field: str
) -> None:
    with pytest.raises(InputError) as caught, session_scope(engine) as session:
        service.create(session, SYSTEM, "organisation", {**HTSM_COMPANY, **change})
    assert caught.value.problems[0].field == field
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_redacteur_edits_only_its_own_organisations_participation(engine: Engine) -> None:
    own, other = add_organisation(engine), add_organisation(engine, **SCHOOL)
    jetnet = project_id(engine, "jetnet")
    redacteur = Actor(label="r@example.nl", role="redacteur", user_id=7, organisation_id=own)
    row = {"organisation_id": own, "project_id": jetnet, "period": "2024", "pupils": 30}
    with session_scope(engine) as session:
        made = service.create(session, redacteur, "participation", row)
    with pytest.raises(ForbiddenError), session_scope(engine) as session:
        service.create(session, redacteur, "participation", {**row, "organisation_id": other})
    with pytest.raises(ForbiddenError), session_scope(engine) as session:
        service.update(
            session, redacteur, "participation", made.id, 1, {**row, "organisation_id": other}
        )
    with pytest.raises(ForbiddenError), session_scope(engine) as session:
        service.update(session, redacteur, "organisation", own, 1, HTSM_COMPANY)
    with session_scope(engine) as session:
        record = session.get(Participation, made.id)
        assert record is not None and (record.organisation_id, record.version) == (own, 1)
        assert history(session, "participation", made.id)[0].user_id == 7


def test_company_participation_indicator_follows_the_register(engine: Engine) -> None:
    pack = load_pack("twente")
    catalog = Catalog(pack.indicators)
    indicator = catalog.get("bedrijvenparticipatie-register")
    goal = next(g for g in pack.goals if g.id == "tt-bedrijvenparticipatie-register")
    with session_scope(engine) as session:
        assert evaluate(session, indicator, "twente").values == []
        assert goal_status(session, catalog, goal).latest is None
    company = add_organisation(engine)
    add_organisation(engine, name="Voorbeeldbedrijf", kvk=None, voorbeeld=True)
    example = add_organisation(engine, name="Tweede bedrijf", kvk="87654321", voorbeeld=True)
    jetnet = project_id(engine, "jetnet")
    with session_scope(engine) as session:
        for org in (company, example):
            service.create(
                session,
                SYSTEM,
                "participation",
                {"organisation_id": org, "project_id": jetnet, "period": "2024-2025"},
            )
    with session_scope(engine) as session:
        result = evaluate(session, indicator, "twente")
        [value] = result.values
        status = goal_status(session, catalog, goal)
    assert (value.period, value.value, value.flag) == ("2024", 1 / 1800, "estimated")
    assert status.latest is not None and status.latest.value == pytest.approx(1 / 1800)
    with session_scope(engine) as session:
        term = RegisterTerm(count="organisations", kind="ondernemers", include_voorbeeld=True)
        figures = register_figures(session, term, "twente", None)
    assert figures[("2024", None)].value == 2


def test_unknown_reach_is_not_zero(engine: Engine) -> None:
    school = add_organisation(engine, **SCHOOL)
    jetnet, lego = project_id(engine, "jetnet"), project_id(engine, "first-lego-league")
    with session_scope(engine) as session:
        for project, pupils in ((jetnet, 40), (lego, None)):
            service.create(
                session,
                SYSTEM,
                "participation",
                {
                    "organisation_id": school,
                    "project_id": project,
                    "period": "2023",
                    "pupils": pupils,
                },
            )
    catalog = Catalog(load_pack("twente").indicators)
    with session_scope(engine) as session:
        [value] = evaluate(session, catalog.get("bereik-leerlingen-register"), "twente").values
        [line] = reach_per_programme_line(session, "twente")
    assert (value.value, value.flag) == (40, "missing")
    assert (line.programme_line, line.pupils, line.teachers, line.unknown) == (
        "pl1-instroom-onderwijs",
        40,
        None,
        {"pupils": 1, "students": 2, "teachers": 2, "companies": 2},
    )


def test_projects_per_goal_follow_the_theme(engine: Engine) -> None:
    with session_scope(engine) as session:
        per_goal = {g.goal: g.projects for g in projects_per_goal(session)}
    assert "Jetnet" in per_goal["tta-instroom-vmbo-techniek"]
    assert "Jetnet" not in per_goal["tta-deelname-bbl"]
    assert "Centrum voor Innovatief Vakmanschap HTSM Oost" in per_goal["tta-deelname-bbl"]
    assert per_goal["tt2020-bedrijvenparticipatie-hightech-groot"] == []
