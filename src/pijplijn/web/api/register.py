"""Register writes on the API, for scripts with a personal API token
(``Authorization: Bearer pl_...``). A browser session cookie is not accepted here: the API
has no CSRF token, so only a header a page cannot set authorises a write."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from pijplijn.accounts.rights import Actor, Resource
from pijplijn.register import service
from pijplijn.register.errors import InputError
from pijplijn.web.auth import Login, require
from pijplijn.web.deps import SessionDep
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/register", tags=["register"])


def _own(_: Session, __: Request, actor: Actor) -> Resource:
    return Resource(kind="participation", organisation_id=actor.organisation_id)


class Created(BaseModel):
    id: int
    version: int


@router.post(
    "/participation",
    status_code=201,
    response_model=Created,
    responses={
        **ERROR_RESPONSES,
        401: ERROR_RESPONSES[400] | {"description": "Geen of ongeldig API-token"},
        403: ERROR_RESPONSES[400] | {"description": "Geen recht"},
    },
)
def create_participation(
    session: SessionDep,
    login: Annotated[Login, Depends(require("create", "participation", _own))],
    data: Annotated[dict[str, Any], Body(examples=[{"organisation_id": 1, "project_id": 2}])],
) -> Created:
    """Register a participation (a redacteur: of its own organisation). The body has the
    fields of the partner template as ids: organisation_id, project_id, period, role,
    pupils, students, teachers, companies, note. Needs an API token."""
    if login.session is not None:
        raise HTTPException(status_code=403, detail="de API schrijft alleen met een API-token")
    # The request's own transaction: the token check noted its last use there, and
    # service.create writes nothing before it refuses an input.
    try:
        record = service.create(session, login.actor, "participation", data)
        session.flush()
    except InputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return Created(id=record.id, version=record.version)
