"""Logging in and out, and the user's own account page with personal API tokens."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from pijplijn.accounts.rights import Actor, Resource
from pijplijn.accounts.sessions import new_session
from pijplijn.accounts.throttle import ATTEMPTS_GATE
from pijplijn.accounts.tokens import create_token, revoke_token, tokens_of
from pijplijn.accounts.users import check_login, record_login
from pijplijn.register.errors import NotFoundError
from pijplijn.store.account_models import ApiToken, User
from pijplijn.store.db import session_scope
from pijplijn.web.admin.common import page, see_other, writing
from pijplijn.web.auth import (
    LOGIN_CSRF_COOKIE,
    FormDep,
    Login,
    check_csrf,
    clear_session_cookie,
    new_login_csrf,
    require,
    set_session_cookie,
)
from pijplijn.web.deps import SessionDep
from pijplijn.web.pages.common import render

router = APIRouter(include_in_schema=False)


_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.~%=&?-]{0,500}$")


def safe_next(target: object) -> str:
    """Return where to go after login: a plain local path only (no scheme, no ``//host``,
    no backslash, space or control character a browser might fold into one), else /beheer."""
    if isinstance(target, str) and _LOCAL_PATH.match(target):
        return target
    return "/beheer"


def _login_page(
    request: Request, email: str, target: str, message: str = "", status_code: int = 200
) -> Response:
    # Reuse the browser's login token, so two open login tabs both work.
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    token = existing if re.fullmatch(r"[A-Za-z0-9_-]{32}", existing) else new_login_csrf()
    response = render(
        request,
        "account/login.html",
        {"email": email, "next": target, "message": message, "csrf": token},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/inloggen")
def login_form(request: Request) -> Response:
    return _login_page(request, "", safe_next(request.query_params.get("next")))


async def _login_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=10)


@router.post("/inloggen")
def login(request: Request, form: Annotated[FormData, Depends(_login_form)]) -> Response:
    # A plain function: FastAPI runs it in the thread pool, so argon2 and the database
    # never block the event loop (that serves /api/health and every other request).
    submitted, cookie = form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (isinstance(submitted, str) and cookie and secrets.compare_digest(submitted, cookie)):
        raise HTTPException(status_code=403, detail="CSRF-token ontbreekt of klopt niet")
    email = str(form.get("email", ""))[:254]
    password = str(form.get("password", ""))
    target = safe_next(form.get("next"))
    ip = request.client.host if request.client else "onbekend"
    engine = request.app.state.engine
    checked = check_login(engine, email, password, ip)
    # Counted, checked and recorded in one short transaction, committed before the lock
    # is let go (accounts/throttle.py).
    with ATTEMPTS_GATE, session_scope(engine) as session:
        result = record_login(session, checked)
        user = (result.user.id, result.user.version) if result.user else None
    if result.retry_after is not None:
        refused = _login_page(request, email, target, result.reason, status_code=429)
        refused.headers["Retry-After"] = str(result.retry_after)
        return refused
    if user is None:
        return _login_page(request, email, target, result.reason, status_code=401)
    # A new random session id and CSRF secret at every login: a session id planted before
    # login (session fixation) is never reused.
    response = see_other(target)
    set_session_cookie(request, response, new_session(*user))
    return response


def _own_tokens(_: Session, __: Request, actor: Actor) -> Resource:
    return Resource(kind="token", owner_user_id=actor.user_id)


def _token_of_path(session: Session, request: Request, _: Actor) -> Resource:
    token = session.get(ApiToken, int(request.path_params["token_id"]))
    if token is None:
        raise NotFoundError(f"token {request.path_params['token_id']} bestaat niet")
    return Resource(kind="token", owner_user_id=token.user_id)


OwnTokens = Annotated[Login, Depends(require("read", "token", _own_tokens))]
ManageOwnTokens = Annotated[Login, Depends(require("create", "token", _own_tokens))]
ManageToken = Annotated[Login, Depends(require("edit", "token", _token_of_path))]


@router.post("/uitloggen")
def logout(request: Request, login: OwnTokens, form: FormDep) -> Response:
    check_csrf(login, form)
    # The cookie is stateless: raising the user's version is what ends the session on the
    # server too (and the user's other sessions), so a copied cookie stops working.
    with writing(request) as session:
        user = session.get(User, login.user.id)
        if user is not None:
            user.version += 1
    response = see_other("/")
    clear_session_cookie(response)
    return response


def _account_page(
    request: Request, session: Session, login: Login, extra: dict[str, Any]
) -> Response:
    return page(
        request,
        "account/account.html",
        login,
        {"tokens": tokens_of(session, login.user.id), **extra},
    )


@router.get("/account")
def account(request: Request, session: SessionDep, login: OwnTokens) -> Response:
    return _account_page(request, session, login, {})


@router.post("/account/tokens")
def new_token(
    request: Request, session: SessionDep, login: ManageOwnTokens, form: FormDep
) -> Response:
    check_csrf(login, form)
    with writing(request) as write:
        user = write.get(User, login.user.id)
        assert user is not None
        made = create_token(write, user, str(form.get("name", ""))[:100])
        secret = made.secret
    # Shown this once, on this page (no-store); only its hash is kept.
    return _account_page(request, session, login, {"new_secret": secret})


@router.post("/account/tokens/{token_id:int}/intrekken")
def revoke(request: Request, token_id: int, login: ManageToken, form: FormDep) -> Response:
    check_csrf(login, form)
    with writing(request) as write:
        revoke_token(write, token_id)
    return see_other("/account")
