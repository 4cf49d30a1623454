"""The admin start page, users (beheerder: create, disable, enable, change role) and the
audit trail (beheerder: filter, see before/after, set a record back to an earlier state)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.accounts.passwords import PasswordPolicyError
from pijplijn.accounts.rights import ROLES, Resource, can
from pijplijn.accounts.users import UserError, create_user, list_users, set_disabled, set_role
from pijplijn.register import service
from pijplijn.register.audit import history, values
from pijplijn.register.errors import NotFoundError
from pijplijn.store.account_models import User
from pijplijn.store.register_models import AuditRecord, Organisation
from pijplijn.web.admin.common import form_int, page, see_other, writing
from pijplijn.web.auth import FormDep, Login, check_csrf, require
from pijplijn.web.deps import SessionDep

router = APIRouter(include_in_schema=False)

AnyRegisterReader = Annotated[Login, Depends(require("read", "organisation"))]
ManageUsers = Annotated[Login, Depends(require("manage", "user"))]
ReadAudit = Annotated[Login, Depends(require("read", "audit"))]
Revert = Annotated[Login, Depends(require("revert", "audit"))]
AUDIT_ENTITIES = ("organisation", "project", "participation", "user", "goal")
ENTITY_PATTERN = r"^(organisation|project|participation|user|goal)$"
AUDIT_LIMIT = 500
"""Audit records on one page; narrow with the filters for older ones."""


@router.get("/beheer")
def admin_index(request: Request, login: AnyRegisterReader) -> Response:
    actor = login.actor
    may = {
        "organisations": can(actor, "create", Resource(kind="organisation")),
        "participation": can(
            actor, "create", Resource(kind="participation", organisation_id=actor.organisation_id)
        ),
        "datasets": can(actor, "upload", Resource(kind="dataset")),
        "users": can(actor, "manage", Resource(kind="user")),
        "audit": can(actor, "read", Resource(kind="audit")),
        "goals": can(actor, "create", Resource(kind="goal")),
    }
    return page(request, "admin/index.html", login, {"may": may})


def _organisations(session: Session) -> list[Organisation]:
    statement = select(Organisation).where(Organisation.archived_at.is_(None))
    return list(session.scalars(statement.order_by(Organisation.name)))


def _users_page(
    request: Request,
    session: Session,
    login: Login,
    extra: dict[str, Any],
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "admin/users.html",
        login,
        {
            "users": list_users(session),
            "roles": ROLES,
            "organisations": _organisations(session),
            "typed": {},
            **extra,
        },
        status_code=status_code,
    )


@router.get("/beheer/gebruikers")
def users_page(request: Request, session: SessionDep, login: ManageUsers) -> Response:
    return _users_page(request, session, login, {})


@router.post("/beheer/gebruikers")
def add_user(request: Request, session: SessionDep, login: ManageUsers, form: FormDep) -> Response:
    check_csrf(login, form)
    typed = {k: str(form.get(k, ""))[:254] for k in ("email", "name", "role", "organisation_id")}
    try:
        with writing(request) as write:
            create_user(
                write,
                login.actor,
                typed["email"],
                str(form.get("password", "")),
                typed["role"],
                typed["name"],
                form_int(typed["organisation_id"]),
            )
    except (UserError, PasswordPolicyError) as exc:
        # The password is never echoed back; everything else the user typed is kept.
        return _users_page(
            request, session, login, {"message": str(exc), "typed": typed}, status_code=400
        )
    return see_other("/beheer/gebruikers?opgeslagen=1")


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"gebruiker {user_id} bestaat niet")
    return user


@router.post("/beheer/gebruikers/{user_id:int}/uitschakelen")
def disable_user(request: Request, user_id: int, login: ManageUsers, form: FormDep) -> Response:
    check_csrf(login, form)
    with writing(request) as write:
        set_disabled(write, login.actor, _user(write, user_id), True)
    return see_other("/beheer/gebruikers?opgeslagen=1")


@router.post("/beheer/gebruikers/{user_id:int}/inschakelen")
def enable_user(request: Request, user_id: int, login: ManageUsers, form: FormDep) -> Response:
    check_csrf(login, form)
    with writing(request) as write:
        set_disabled(write, login.actor, _user(write, user_id), False)
    return see_other("/beheer/gebruikers?opgeslagen=1")


@router.post("/beheer/gebruikers/{user_id:int}/rol")
def change_role(
    request: Request, user_id: int, session: SessionDep, login: ManageUsers, form: FormDep
) -> Response:
    check_csrf(login, form)
    role = str(form.get("role", ""))[:16]
    try:
        with writing(request) as write:
            set_role(
                write,
                login.actor,
                _user(write, user_id),
                role,
                form_int(form.get("organisation_id")),
            )
    except UserError as exc:
        return _users_page(request, session, login, {"message": str(exc)}, status_code=400)
    return see_other("/beheer/gebruikers?opgeslagen=1")


@router.get("/beheer/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    login: ReadAudit,
    entity: Annotated[str | None, Query(pattern=ENTITY_PATTERN)] = None,
    record: Annotated[str | None, Query(alias="id", pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")] = None,
) -> Response:
    records = history(session, entity or None, record)[:AUDIT_LIMIT]
    current: dict[tuple[str, str], int] = {}
    for item in records:
        key = (item.entity, item.entity_id)
        if key not in current and item.entity in service.KINDS:
            found = session.get(service.KINDS[item.entity].model, int(item.entity_id))
            if found is not None:
                current[key] = int(found.version)  # type: ignore[attr-defined]
    return page(
        request,
        "admin/audit.html",
        login,
        {
            "records": [_audit_row(item) for item in records],
            "entities": AUDIT_ENTITIES,
            "entity": entity or "",
            "record": record or "",
            "versions": current,
        },
    )


def _audit_row(item: AuditRecord) -> dict[str, Any]:
    before, after = values(item.before) or {}, values(item.after) or {}
    skip = {"version", "id"}
    changed = [
        (name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if name not in skip and before.get(name) != after.get(name)
    ]
    return {"record": item, "changed": changed}


@router.post("/beheer/audit/{audit_id:int}/terugzetten")
def revert(request: Request, audit_id: int, login: Revert, form: FormDep) -> Response:
    check_csrf(login, form)
    expected = form_int(form.get("expected_version")) or 0
    with writing(request) as write:
        record = service.revert(write, login.actor, audit_id, expected)
        target = f"/beheer/audit?entity={_entity_of(write, audit_id)}&id={record.id}"
    return see_other(target)


def _entity_of(session: Session, audit_id: int) -> str:
    item = session.get(AuditRecord, audit_id)
    return item.entity if item else ""
