"""Forms for the goals the programme office sets itself: list, create, edit, archive,
restore (``/beheer/doelen``). Every change goes through ``register.goals``, which checks the
beheerder's right again, validates like the goals file, writes the audit record and enforces
the version the edit was based on (a stale one gives the 409 page, keeping what was typed).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.regions import region_names
from pijplijn.register import goals as service
from pijplijn.register.errors import ConflictError, InputError
from pijplijn.register.goals import GOAL_FIELDS, MAX_PARTNERS, TARGET_RULES, TRENDS, PartnerRow
from pijplijn.store.goal_models import Goal
from pijplijn.store.models import Region
from pijplijn.store.register_models import Organisation
from pijplijn.web.admin.common import form_int, page, see_other, writing
from pijplijn.web.admin.fields import Choice, FormState
from pijplijn.web.auth import FormDep, Login, check_csrf, require
from pijplijn.web.deps import CatalogDep, SessionDep
from pijplijn.web.i18n import term

router = APIRouter(include_in_schema=False)

BASE = "/beheer/doelen"
Read = Annotated[Login, Depends(require("read", "goal"))]
Create = Annotated[Login, Depends(require("create", "goal"))]
Edit = Annotated[Login, Depends(require("edit", "goal"))]
Archive = Annotated[Login, Depends(require("archive", "goal"))]
Restore = Annotated[Login, Depends(require("restore", "goal"))]
REGION_KINDS = ("regioset", "arbeidsmarktregio", "corop", "provincie", "land")
"""The regions a goal can be set for, in this order in the form (gemeenten are many and
rarely a pact's region; the goals file accepts them)."""
EMPTY_ROWS = 2


def read_goal_form(form: FormData) -> dict[str, Any]:
    """Return the posted goal form as the service's values (text as typed, partner rows)."""
    values: dict[str, Any] = {}
    for spec in GOAL_FIELDS:
        raw = form.get(spec.name)
        if spec.widget == "checkbox":
            values[spec.name] = raw is not None
        else:
            values[spec.name] = (raw if isinstance(raw, str) else "")[:4000]
    rows = []
    for index in range(MAX_PARTNERS):
        organisation = form.get(f"partner_{index}")
        share = form.get(f"share_{index}")
        rows.append(
            PartnerRow(
                organisation if isinstance(organisation, str) else "",
                (share if isinstance(share, str) else "")[:32],
            )
        )
    values["partners"] = rows
    given = form.get("id")
    values["id"] = given[:100] if isinstance(given, str) else ""
    return values


def _choices(session: Session, catalog: Catalog) -> dict[str, list[Choice]]:
    regions = session.scalars(select(Region).where(Region.kind.in_(REGION_KINDS)))
    order = {kind: i for i, kind in enumerate(REGION_KINDS)}
    organisations = session.scalars(
        select(Organisation).where(Organisation.archived_at.is_(None)).order_by(Organisation.name)
    )
    return {
        "indicator": sorted(
            (
                Choice(s.id, f"{s.title} — {term('nl', 'unit', s.unit)}")
                for s in catalog.summaries()
            ),
            key=lambda c: c.label.lower(),
        ),
        "region": [
            Choice(r.code, f"{r.name} ({r.kind})")
            for r in sorted(regions, key=lambda r: (order[r.kind], r.name))
        ],
        "target_rule": [Choice(k, v) for k, v in TARGET_RULES.items()],
        "trend": [Choice(k, v) for k, v in TRENDS.items()],
        "partner": [Choice(str(o.id), f"{o.name} ({o.kind})") for o in organisations],
    }


def _form(
    request: Request,
    session: Session,
    catalog: Catalog,
    login: Login,
    state: FormState,
    goal: dict[str, Any] | None = None,
    conflict: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    state.choices = _choices(session, catalog)
    rows = list(state.values.get("partners") or [])
    rows = [r for r in rows if r.organisation_id or r.share]
    rows += [PartnerRow("", "")] * max(EMPTY_ROWS, 3 - len(rows))
    return page(
        request,
        "admin/goal_form.html",
        login,
        {
            "fields": GOAL_FIELDS,
            "state": state,
            "rows": rows[:MAX_PARTNERS],
            "goal": goal,
            "conflict": conflict,
        },
        status_code=status_code,
    )


def _refused(values: dict[str, Any], exc: InputError) -> FormState:
    problems: dict[str, list[str]] = {}
    for problem in exc.problems:
        problems.setdefault(problem.field, []).append(problem.message)
    return FormState(values, problems)


def _meta(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.id,
        "version": goal.version,
        "archived": goal.archived_at is not None,
        "origin": goal.origin,
        "programme": goal.programme,
        "title": goal.title,
    }


def _fresh(request: Request, goal_id: str) -> dict[str, Any]:
    """The goal as stored now, read in a new session (the request's may be older)."""
    with writing(request) as fresh:
        goal = service.get(fresh, goal_id)
        return {**_meta(goal), "values": service.form_values(fresh, goal)}


@router.get(BASE, name="goal-list")
def list_page(request: Request, session: SessionDep, catalog: CatalogDep, login: Read) -> Response:
    goals = list(
        session.scalars(select(Goal).order_by(Goal.archived_at.is_not(None), Goal.position))
    )
    return page(
        request,
        "admin/goal_list.html",
        login,
        {
            "office": [g for g in goals if g.origin == service.OFFICE],
            "history": [g for g in goals if g.origin != service.OFFICE],
            "saved": request.query_params.get("opgeslagen", "")[:100],
            "titles": {s.id: s.title for s in catalog.summaries()},
            "regions": region_names(session),
        },
    )


@router.get(f"{BASE}/nieuw", name="goal-new")
def new_form(request: Request, session: SessionDep, catalog: CatalogDep, login: Create) -> Response:
    return _form(request, session, catalog, login, FormState({"trend": "linear"}))


@router.post(BASE, name="goal-create")
def create_goal(
    request: Request, session: SessionDep, catalog: CatalogDep, login: Create, form: FormDep
) -> Response:
    check_csrf(login, form)
    values = read_goal_form(form)
    try:
        with writing(request) as write:
            goal_id = service.create(write, login.actor, catalog.indicators, values).id
    except InputError as exc:
        return _form(request, session, catalog, login, _refused(values, exc), status_code=400)
    return see_other(f"{BASE}?opgeslagen={goal_id}")


@router.get(f"{BASE}/{{goal_id}}", name="goal-form")
def edit_form(
    request: Request, goal_id: str, session: SessionDep, catalog: CatalogDep, login: Edit
) -> Response:
    goal = service.get(session, goal_id)
    state = FormState(service.form_values(session, goal))
    return _form(request, session, catalog, login, state, goal=_meta(goal))


@router.post(f"{BASE}/{{goal_id}}", name="goal-update")
def update_goal(
    request: Request,
    goal_id: str,
    session: SessionDep,
    catalog: CatalogDep,
    login: Edit,
    form: FormDep,
) -> Response:
    check_csrf(login, form)
    values = read_goal_form(form)
    expected = form_int(form.get("expected_version")) or 0
    try:
        with writing(request) as write:
            service.update(write, login.actor, catalog.indicators, goal_id, expected, values)
    except InputError as exc:
        current = _fresh(request, goal_id)
        meta = {**current, "version": expected or current["version"]}
        return _form(
            request, session, catalog, login, _refused(values, exc), goal=meta, status_code=400
        )
    except ConflictError as exc:
        # Keep what the user typed; show what the goal holds now, and base a second try on
        # the current version.
        current = _fresh(request, goal_id)
        return _form(
            request,
            session,
            catalog,
            login,
            FormState(values),
            goal=current,
            conflict={"message": str(exc), "current": current["values"]},
            status_code=409,
        )
    return see_other(f"{BASE}?opgeslagen={goal_id}")


def _change(
    request: Request,
    goal_id: str,
    login: Login,
    form: FormData,
    action: Literal["archive", "restore"],
) -> Response:
    check_csrf(login, form)
    expected = form_int(form.get("expected_version")) or 0
    try:
        with writing(request) as write:
            if action == "archive":
                service.archive(write, login.actor, goal_id, expected)
            else:
                service.restore(write, login.actor, goal_id, expected)
    except InputError as exc:
        return page(
            request,
            "error.html",
            login,
            {"problem": {"status": 400, "title": "Ongeldige invoer", "detail": str(exc)}},
            status_code=400,
        )
    return see_other(f"{BASE}?opgeslagen={goal_id}")


@router.post(f"{BASE}/{{goal_id}}/archiveren", name="goal-archive")
def archive_goal(request: Request, goal_id: str, login: Archive, form: FormDep) -> Response:
    return _change(request, goal_id, login, form, "archive")


@router.post(f"{BASE}/{{goal_id}}/herstellen", name="goal-restore")
def restore_goal(request: Request, goal_id: str, login: Restore, form: FormDep) -> Response:
    return _change(request, goal_id, login, form, "restore")
