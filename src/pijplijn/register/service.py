"""Create, update, archive, restore and revert register records.

Every function checks the actor's rights, validates against the store, writes the change and
its audit record in the caller's transaction (``store.db.session_scope``), and returns the
record. ``update`` and ``revert`` take the version the edit was based on: when the record has
changed since, they raise ConflictError and write nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pijplijn.accounts.rights import Action, Actor, Resource, can
from pijplijn.periods import Period
from pijplijn.register.audit import now, record_change, snapshot, values
from pijplijn.register.errors import (
    ConflictError,
    FieldProblem,
    ForbiddenError,
    InputError,
    NotFoundError,
)
from pijplijn.register.inputs import (
    OrganisationInput,
    ParticipationInput,
    ProjectInput,
    validate_input,
)
from pijplijn.store.models import Region
from pijplijn.store.register_models import (
    AuditRecord,
    Organisation,
    Participation,
    ProgrammeLine,
    Project,
    Theme,
)

Entity = Literal["organisation", "project", "participation"]
RegisterRecord = Organisation | Project | Participation
RegisterInput = OrganisationInput | ProjectInput | ParticipationInput


@dataclass(frozen=True)
class _Kind:
    model: type[RegisterRecord]
    input: type[RegisterInput]
    title: str


KINDS: dict[str, _Kind] = {
    "organisation": _Kind(Organisation, OrganisationInput, "organisatie"),
    "project": _Kind(Project, ProjectInput, "project"),
    "participation": _Kind(Participation, ParticipationInput, "deelname"),
}


def create(session: Session, actor: Actor, entity: Entity, data: dict[str, Any]) -> RegisterRecord:
    """Validate ``data``, add a new record of ``entity`` and its audit record; return it."""
    kind = KINDS[entity]
    valid = validate_input(kind.input, kind.title, data)
    _require(actor, "create", entity, _organisation_of(valid))
    _check_references(session, entity, valid)
    record = kind.model(**_columns(valid), version=1)
    session.add(record)
    session.flush()
    record_change(session, actor, entity, record.id, "create", None, snapshot(record))
    return record


def get(session: Session, entity: Entity, record_id: int) -> RegisterRecord:
    """Return the record (archived or not); raise NotFoundError."""
    record = cast(RegisterRecord | None, session.get(KINDS[entity].model, record_id))
    if record is None:
        raise NotFoundError(f"{KINDS[entity].title} {record_id} bestaat niet")
    return record


def update(
    session: Session,
    actor: Actor,
    entity: Entity,
    record_id: int,
    expected_version: int,
    data: dict[str, Any],
) -> RegisterRecord:
    """Replace the record's values with ``data`` if it is still at ``expected_version``;
    return the record at its new version. Raises ConflictError, InputError, ForbiddenError."""
    return _change(session, actor, entity, record_id, expected_version, data, "update")


def archive(
    session: Session, actor: Actor, entity: Entity, record_id: int, expected_version: int
) -> RegisterRecord:
    """Archive the record (nothing is deleted); return it."""
    record = _locked(session, entity, record_id, expected_version)
    _require(actor, "archive", entity, _organisation_of(record))
    if record.archived_at is not None:
        raise InputError(KINDS[entity].title, [FieldProblem("archived_at", "is al gearchiveerd")])
    before = snapshot(record)
    record.archived_at = now()
    _flush(session, entity, record_id, expected_version)
    record_change(session, actor, entity, record_id, "archive", before, snapshot(record))
    return record


def restore(
    session: Session, actor: Actor, entity: Entity, record_id: int, expected_version: int
) -> RegisterRecord:
    """Bring an archived record back; return it."""
    record = _locked(session, entity, record_id, expected_version)
    _require(actor, "restore", entity, _organisation_of(record))
    if record.archived_at is None:
        raise InputError(KINDS[entity].title, [FieldProblem("archived_at", "is niet gearchiveerd")])
    before = snapshot(record)
    record.archived_at = None
    _flush(session, entity, record_id, expected_version)
    record_change(session, actor, entity, record_id, "restore", before, snapshot(record))
    return record


def revert(session: Session, actor: Actor, audit_id: int, expected_version: int) -> RegisterRecord:
    """Set a record back to the values it had right after audit record ``audit_id``;
    return it. The revert is itself audited (action ``revert``)."""
    audit = session.get(AuditRecord, audit_id)
    if audit is None or audit.entity not in KINDS:
        raise NotFoundError(f"auditregel {audit_id} bestaat niet of hoort niet bij het register")
    entity: Entity = audit.entity  # type: ignore[assignment]
    _require(actor, "revert", entity, None)
    earlier = values(audit.after) or values(audit.before) or {}
    fields = KINDS[entity].input.model_fields
    data = {name: earlier[name] for name in fields if name in earlier}
    if entity == "project":
        data["themes"] = json.loads(data.get("themes") or "[]")
    return _change(session, actor, entity, int(audit.entity_id), expected_version, data, "revert")


def active(session: Session, entity: Entity, *, include_voorbeeld: bool = True) -> list[Any]:
    """Return the records of ``entity`` that are not archived, by id."""
    model = KINDS[entity].model
    statement = select(model).where(model.archived_at.is_(None)).order_by(model.id)
    if not include_voorbeeld:
        statement = statement.where(model.voorbeeld.is_(False))
    return list(session.scalars(statement))


def _change(
    session: Session,
    actor: Actor,
    entity: Entity,
    record_id: int,
    expected_version: int,
    data: dict[str, Any],
    action: Literal["update", "revert"],
) -> RegisterRecord:
    kind = KINDS[entity]
    record = _locked(session, entity, record_id, expected_version)
    valid = validate_input(kind.input, kind.title, data)
    verb: Action = "edit" if action == "update" else "revert"
    _require(actor, verb, entity, _organisation_of(record))
    _require(actor, verb, entity, _organisation_of(valid))
    _check_references(session, entity, valid, record_id)
    before = snapshot(record)
    for name, value in _columns(valid).items():
        if getattr(record, name) != value:
            setattr(record, name, value)
    if not session.is_modified(record):
        return record
    _flush(session, entity, record_id, expected_version)
    record_change(session, actor, entity, record_id, action, before, snapshot(record))
    return record


def _locked(
    session: Session, entity: Entity, record_id: int, expected_version: int
) -> RegisterRecord:
    record = get(session, entity, record_id)
    if record.version != expected_version:
        raise ConflictError(KINDS[entity].title, record_id, expected_version, record.version)
    return record


def _flush(session: Session, entity: Entity, record_id: int, expected_version: int) -> None:
    # The mapper's version_id_col makes the UPDATE conditional on the version read: a
    # concurrent writer that committed in between makes it match no row.
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(
            KINDS[entity].title, record_id, expected_version, expected_version + 1
        ) from None


def _require(actor: Actor, action: Action, entity: Entity, organisation_id: int | None) -> None:
    if not can(actor, action, Resource(kind=entity, organisation_id=organisation_id)):
        raise ForbiddenError(
            f"{actor.label} ({actor.role}) mag geen '{action}' op {KINDS[entity].title}"
            + (f" van organisatie {organisation_id}" if organisation_id is not None else "")
        )


def _organisation_of(item: Any) -> int | None:
    return getattr(item, "organisation_id", None)


def _columns(valid: RegisterInput) -> dict[str, Any]:
    data = valid.model_dump()
    if isinstance(valid, ProjectInput):
        data["themes"] = json.dumps(sorted(set(valid.themes)))
    return data


def _check_references(
    session: Session, entity: Entity, valid: RegisterInput, record_id: int | None = None
) -> None:
    title = KINDS[entity].title
    problems: list[FieldProblem] = []
    if isinstance(valid, OrganisationInput) and valid.gemeente_code is not None:
        region = session.get(Region, valid.gemeente_code)
        if region is None or region.kind != "gemeente":
            problems.append(FieldProblem("gemeente_code", "verwacht een gemeentecode (GM....)"))
    if isinstance(valid, OrganisationInput) and valid.kvk is not None:
        holders = session.scalars(
            select(Organisation.id).where(
                Organisation.kvk == valid.kvk, Organisation.archived_at.is_(None)
            )
        ).all()
        if [h for h in holders if h != record_id]:
            problems.append(FieldProblem("kvk", "een andere organisatie heeft dit KvK-nummer al"))
    if isinstance(valid, ProjectInput):
        line = valid.programme_line_code
        if line is not None and session.get(ProgrammeLine, line) is None:
            problems.append(FieldProblem("programme_line_code", "onbekende programmalijn"))
        for code in valid.themes:
            if session.get(Theme, code) is None:
                problems.append(FieldProblem("themes", f"onbekend thema '{code}'"))
        start, end = valid.period_start, valid.period_end
        if start and end and Period.parse(end).start < Period.parse(start).start:
            problems.append(FieldProblem("period_end", "ligt voor het begin"))
    if isinstance(valid, ParticipationInput):
        organisation = session.get(Organisation, valid.organisation_id)
        if organisation is None or organisation.archived_at is not None:
            problems.append(
                FieldProblem("organisation_id", "onbekende of gearchiveerde organisatie")
            )
        project = session.get(Project, valid.project_id)
        if project is None or project.archived_at is not None:
            problems.append(FieldProblem("project_id", "onbekend of gearchiveerd project"))
    if problems:
        raise InputError(title, problems)
