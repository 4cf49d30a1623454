"""Forms for the register: organisations, projects and participation (list, create, edit,
archive, restore). Every change goes through ``register.service``, which checks the rights
again, validates, writes the audit record and enforces the version the edit was based on."""

# No ``from __future__ import annotations`` here: the routes are made in a loop and their
# dependency annotations must be evaluated at definition time, from the enclosing function.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from pijplijn.accounts.rights import Action, Actor, Resource
from pijplijn.register import service
from pijplijn.register.errors import ConflictError, InputError
from pijplijn.register.service import Entity
from pijplijn.store.register_models import Organisation, Participation, Project
from pijplijn.web.admin.common import form_int, page, see_other, writing
from pijplijn.web.admin.fields import (
    FIELDS,
    FormState,
    choices,
    read_form,
    record_values,
    service_data,
)
from pijplijn.web.auth import FormDep, Login, ResourceLoader, check_csrf, require
from pijplijn.web.deps import SessionDep

router = APIRouter(include_in_schema=False)

SEGMENTS: dict[str, Entity] = {
    "organisaties": "organisation",
    "projecten": "project",
    "deelname": "participation",
}
"""The URL segment (Dutch) of each entity's pages under ``/beheer``."""
LIST_LIMIT = 2000
"""Rows on a list page; more than the register will hold for years."""


def _record_id(request: Request) -> int:
    return int(request.path_params["record_id"])


def _resource(entity: Entity, per_record: bool) -> ResourceLoader:
    """Return the loader of the resource a route acts on: for participation, the
    organisation of the record (or, for a new record, the actor's own)."""

    def load(session: Session, request: Request, actor: Actor) -> Resource:
        if entity != "participation":
            return Resource(kind=entity)
        if not per_record:
            return Resource(kind=entity, organisation_id=actor.organisation_id)
        record = service.get(session, entity, _record_id(request))
        return Resource(kind=entity, organisation_id=record.organisation_id)  # type: ignore[union-attr]

    return load


def _rows(session: Session, entity: Entity, login: Login) -> list[Any]:
    model = service.KINDS[entity].model
    statement = select(model).order_by(model.archived_at.is_not(None), model.id).limit(LIST_LIMIT)
    if entity == "participation" and login.actor.role == "redacteur":
        statement = statement.where(Participation.organisation_id == login.actor.organisation_id)
    return list(session.scalars(statement))


def _names(session: Session) -> dict[str, dict[int, str]]:
    return {
        "organisation": {o.id: o.name for o in session.scalars(select(Organisation))},
        "project": {p.id: p.name for p in session.scalars(select(Project))},
    }


def add_routes(segment: str, entity: Entity) -> None:
    """Add the list, form and change routes of one entity to ``router``."""
    base = f"/beheer/{segment}"
    read = Annotated[Login, Depends(require("read", entity))]
    create = Annotated[Login, Depends(require("create", entity, _resource(entity, False)))]
    edit = Annotated[Login, Depends(require("edit", entity, _resource(entity, True)))]
    archive = Annotated[Login, Depends(require("archive", entity, _resource(entity, True)))]
    restore = Annotated[Login, Depends(require("restore", entity, _resource(entity, True)))]

    def form_page(
        request: Request,
        session: Session,
        login: Login,
        state: FormState,
        record: Any = None,
        conflict: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response:
        state.choices = choices(session, entity, login.actor)
        return page(
            request,
            "admin/record_form.html",
            login,
            {
                "entity": entity,
                "segment": segment,
                "fields": FIELDS[entity],
                "state": state,
                "record": record,
                "conflict": conflict,
            },
            status_code=status_code,
        )

    @router.get(base, name=f"{entity}-list")
    def list_page(request: Request, session: SessionDep, login: read) -> Response:
        return page(
            request,
            "admin/record_list.html",
            login,
            {
                "entity": entity,
                "segment": segment,
                "rows": _rows(session, entity, login),
                "names": _names(session),
                "may": _may(login, entity),
            },
        )

    @router.get(f"{base}/nieuw", name=f"{entity}-new")
    def new_form(request: Request, session: SessionDep, login: create) -> Response:
        values: dict[str, Any] = {}
        if entity == "participation" and login.actor.organisation_id:
            values["organisation_id"] = str(login.actor.organisation_id)
        return form_page(request, session, login, FormState(values))

    @router.post(base, name=f"{entity}-create")
    def create_record(
        request: Request, session: SessionDep, login: create, form: FormDep
    ) -> Response:
        check_csrf(login, form)
        values = read_form(entity, form, {k: form.getlist(k) for k in form})
        try:
            with writing(request) as write:
                record = service.create(write, login.actor, entity, service_data(entity, values))
                record_id = record.id
        except InputError as exc:
            return form_page(request, session, login, _refused(values, exc), status_code=400)
        return see_other(f"{base}?opgeslagen={record_id}")

    @router.get(f"{base}/{{record_id:int}}", name=f"{entity}-form")
    def edit_form(request: Request, record_id: int, session: SessionDep, login: edit) -> Response:
        record = service.get(session, entity, record_id)
        state = FormState(record_values(entity, record))
        return form_page(request, session, login, state, record=_meta(record))

    @router.post(f"{base}/{{record_id:int}}", name=f"{entity}-update")
    def update_record(
        request: Request, record_id: int, session: SessionDep, login: edit, form: FormDep
    ) -> Response:
        check_csrf(login, form)
        values = read_form(entity, form, {k: form.getlist(k) for k in form})
        expected = form_int(form.get("expected_version"))
        data = service_data(entity, values)
        try:
            with writing(request) as write:
                service.update(write, login.actor, entity, record_id, expected or 0, data)
        except InputError as exc:
            record = _fresh(request, entity, record_id)
            meta = {**record, "version": expected or record["version"]}
            return form_page(
                request, session, login, _refused(values, exc), record=meta, status_code=400
            )
        except ConflictError as exc:
            # Keep everything the user typed; show what the record holds now, and base a
            # second try on the current version.
            current = _fresh(request, entity, record_id)
            return form_page(
                request,
                session,
                login,
                FormState(values),
                record=current,
                conflict={"message": str(exc), "current": current["values"]},
                status_code=409,
            )
        return see_other(f"{base}?opgeslagen={record_id}")

    def _change(
        request: Request, record_id: int, login: Login, form: FormData, action: Action
    ) -> Response:
        check_csrf(login, form)
        expected = form_int(form.get("expected_version")) or 0
        with writing(request) as write:
            if action == "archive":
                service.archive(write, login.actor, entity, record_id, expected)
            else:
                service.restore(write, login.actor, entity, record_id, expected)
        return see_other(f"{base}?opgeslagen={record_id}")

    @router.post(f"{base}/{{record_id:int}}/archiveren", name=f"{entity}-archive")
    def archive_record(request: Request, record_id: int, login: archive, form: FormDep) -> Response:
        return _change(request, record_id, login, form, "archive")

    @router.post(f"{base}/{{record_id:int}}/herstellen", name=f"{entity}-restore")
    def restore_record(request: Request, record_id: int, login: restore, form: FormDep) -> Response:
        return _change(request, record_id, login, form, "restore")


def _may(login: Login, entity: Entity) -> dict[str, bool]:
    """What the list page offers (the routes check again): by role, for the own records."""
    from pijplijn.accounts.rights import can

    own = Resource(kind=entity, organisation_id=login.actor.organisation_id)
    return {a: can(login.actor, a, own) for a in ("create", "edit", "archive", "restore")}


def _meta(record: Any) -> dict[str, Any]:
    return {"id": record.id, "version": record.version, "archived": record.archived_at is not None}


def _fresh(request: Request, entity: Entity, record_id: int) -> dict[str, Any]:
    """The record as stored now, read in a new session (the request's may hold an older
    copy)."""
    with writing(request) as fresh:
        record = service.get(fresh, entity, record_id)
        return {**_meta(record), "values": record_values(entity, record)}


def _refused(values: dict[str, Any], exc: InputError) -> FormState:
    problems: dict[str, list[str]] = {}
    for problem in exc.problems:
        name = problem.field.split(".")[0]
        problems.setdefault(name, []).append(problem.message)
    return FormState(values, problems)


for _segment, _entity in SEGMENTS.items():
    add_routes(_segment, _entity)
