"""Bulk import of participation from the partner template, and fuzzing of the register's
validators: clear typed issues, no crash, no partial writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from pijplijn.accounts.rights import SYSTEM, Actor
from pijplijn.content.loader import load_pack
from pijplijn.register import service
from pijplijn.register.bulk import TEMPLATE, import_participation
from pijplijn.register.errors import InputError
from pijplijn.register.inputs import OrganisationInput, ParticipationInput, validate_input
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.register_models import AuditRecord, Organisation, Participation
from pijplijn.store.setup import initialise
from register_helpers import SCHOOL, add_organisation

HEADER = "organisation,project,period,role,pupils,students,teachers,companies,note\n"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    add_organisation(engine)  # KvK 12345678
    add_organisation(engine, **SCHOOL)
    yield engine
    engine.dispose()


def run(engine: Engine, tmp_path: Path, body: str, actor: Actor = SYSTEM) -> Any:
    path = tmp_path / "deelname.csv"
    path.write_text(body, encoding="utf-8")
    with session_scope(engine) as session:
        return import_participation(session, actor, path)


def participations(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Participation)) or 0


def test_the_shipped_template_imports(engine: Engine, tmp_path: Path) -> None:
    add_organisation(engine, **{**SCHOOL, "name": "Voorbeeldschool Enschede"})
    result = run(engine, tmp_path, TEMPLATE.read_text(encoding="utf-8"))
    assert result.report.valid, result.report.summary()
    assert len(result.created) == 2
    with session_scope(engine) as session:
        school = session.get(Participation, result.created[1])
        assert school is not None and (school.pupils, school.students) == (35, None)


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    body = HEADER + (
        "12345678,jetnet,2024,partner,10,,,,\n"
        "99999999,jetnet,2024,,,,,,\n"
        "12345678,onbekend-project,2024,,,,,,\n"
        "12345678,jetnet,2024KW01,,,,,,\n"
        "12345678,technasia,2024,baas,,,,,\n"
        "12345678,technasia,2024,,tien,,,,\n"
        "12345678,jetnet,2024,partner,11,,,,\n"
    )
    result = run(engine, tmp_path, body)
    assert result.report.flatten(["row", "column", "code"]) == [
        [3, "organisation", "unknown-code"],
        [4, "project", "unknown-code"],
        [5, "period", "cell-range"],
        [6, "role", "cell-range"],
        [7, "pupils", "cell-type"],
        [8, None, "duplicate-row"],
    ]
    assert result.created == [] and participations(engine) == 0


def test_missing_column_and_binary_file(engine: Engine, tmp_path: Path) -> None:
    result = run(engine, tmp_path, "organisation,period\n12345678,2024\n")
    assert result.report.flatten(["column", "code"]) == [["project", "missing-column"]]
    path = tmp_path / "x.csv"
    path.write_bytes(b"PK\x03\x04rest")
    with session_scope(engine) as session:
        binary = import_participation(session, SYSTEM, path)
    assert [i.code for i in binary.report.issues] == ["binary-file"]


def test_redacteur_uploads_only_its_own_organisation(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        own = session.scalar(select(Organisation.id).where(Organisation.kvk == "12345678"))
    redacteur = Actor(label="r@x.nl", role="redacteur", user_id=5, organisation_id=own)
    body = HEADER + "12345678,jetnet,2024,,,,,,\nHet Stedelijk Lyceum,jetnet,2024,,,,,,\n"
    result = run(engine, tmp_path, body, redacteur)
    assert result.report.flatten(["row", "column", "expected"]) == [
        [3, "organisation", "uw eigen organisatie"]
    ]
    assert participations(engine) == 0


# --- fuzzing -----------------------------------------------------------------------------

CELL = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ROW = st.lists(CELL, min_size=9, max_size=9)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, min_size=1, max_size=4))
def test_fuzzed_template_never_crashes_or_half_writes(
    engine: Engine, tmp_path: Path, rows: list[list[str]]
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    before = participations(engine)
    result = run(engine, tmp_path, buffer.getvalue())
    after = participations(engine)
    if result.report.valid:
        assert after == before + len(result.created)
    else:
        assert after == before and result.created == []
        assert all(issue.message() for issue in result.report.issues)


ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), CELL)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(list(OrganisationInput.model_fields) + ["x"]), ANY))
def test_fuzzed_organisation_input_gives_input_error_or_a_valid_model(data: dict[str, Any]) -> None:
    try:
        valid = validate_input(OrganisationInput, "organisatie", data)
    except InputError as exc:
        assert exc.problems and str(exc).startswith("organisatie: veld '")
        return
    assert valid.kind in ("ondernemers", "onderwijs", "onderzoek", "overheid")
    assert valid.kvk is None or (len(valid.kvk) == 8 and valid.kvk.isdigit())


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(list(ParticipationInput.model_fields)), ANY))
def test_fuzzed_participation_input(data: dict[str, Any]) -> None:
    try:
        valid = validate_input(ParticipationInput, "deelname", data)
    except InputError as exc:
        assert exc.problems
        return
    assert all(
        v is None or 0 <= v <= 10_000_000
        for v in (valid.pupils, valid.students, valid.teachers, valid.companies)
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(list(OrganisationInput.model_fields)), ANY))
def test_fuzzed_service_create_writes_all_or_nothing(engine: Engine, data: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        before = session.scalar(select(func.count()).select_from(AuditRecord))
    try:
        with session_scope(engine) as session:
            service.create(session, SYSTEM, "organisation", data)
        written = 1
    except InputError:
        written = 0
    with session_scope(engine) as session:
        assert (
            session.scalar(select(func.count()).select_from(AuditRecord)) == (before or 0) + written
        )
