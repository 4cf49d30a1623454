"""Who is asking, and may they: the session cookie, API tokens, CSRF and the one rights
dependency every register and admin route goes through.

Rights are decided by ``accounts.rights.can`` only; this module finds the actor (a signed
session cookie, or ``Authorization: Bearer pl_...`` on the API) and the resource, and turns
"no" into 401 (not logged in: pages redirect to the login page) or 403.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from pijplijn.accounts.rights import Action, Actor, Resource, ResourceKind, can
from pijplijn.accounts.sessions import SessionData, csrf_matches, read_session, sign_session
from pijplijn.accounts.tokens import verify_token
from pijplijn.accounts.users import actor_of
from pijplijn.register.errors import ConflictError, ForbiddenError, NotFoundError
from pijplijn.store.account_models import User
from pijplijn.store.db import session_scope
from pijplijn.web.pages.common import TEMPLATES, render_error
from pijplijn.web.problems import problem

SESSION_COOKIE = "pijplijn_session"
LOGIN_CSRF_COOKIE = "pijplijn_login_csrf"
"""Before login there is no session: the login form's CSRF token is a double-submit cookie."""
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Login:
    """A logged-in user: the stored user, the actor the services take, and the session
    (None when authenticated by an API token, which needs no CSRF token)."""

    user: User
    actor: Actor
    session: SessionData | None


class NotLoggedIn(HTTPException):
    """401: pages answer it with a redirect to the login page."""

    def __init__(self) -> None:
        super().__init__(status_code=401, detail="u moet ingelogd zijn")


def secret_key(request: Request) -> str:
    """Return the app's session-signing key."""
    return str(request.app.state.secret_key)


def cookie_session(request: Request) -> SessionData | None:
    """Return the signed session in the request's cookie, or None (absent, forged, expired).
    Checks the signature only; ``current_login`` also checks the user."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value or len(value) > 4096:
        return None
    return read_session(secret_key(request), value, request.app.state.settings.session_max_age)


def current_login(request: Request, session: Session) -> Login | None:
    """Return the login of the request, or None: a Bearer token on ``/api/``, else the
    session cookie of an enabled user whose version has not changed since login."""
    header = request.headers.get("authorization", "")
    if request.url.path.startswith("/api/") and header.lower().startswith("bearer "):
        user = verify_token(session, header[7:].strip())
        return None if user is None else Login(user, actor_of(user), None)
    data = cookie_session(request)
    if data is None:
        return None
    user = session.get(User, data.user_id)
    # A password reset, disable or role change raises the version: older sessions end.
    if user is None or user.disabled or user.version != data.user_version:
        return None
    return Login(user, actor_of(user), data)


ResourceLoader = Callable[[Session, Request, Actor], Resource]


def require(
    action: Action, kind: ResourceKind, loader: ResourceLoader | None = None
) -> Callable[..., Login]:
    """Return a dependency that gives the request's Login when ``can(actor, action,
    resource)``; the resource is ``loader(session, request, actor)``, or the bare ``kind``.
    Raises 401 when nobody is logged in and 403 when the actor may not."""

    def dependency(request: Request) -> Login:
        # A short transaction of its own (a token's last use is noted in it): the connection
        # is back in the pool before the handler reads a slow upload or hashes a password.
        with session_scope(request.app.state.engine) as session:
            login = current_login(request, session)
            if login is None:
                raise NotLoggedIn()
            resource = loader(session, request, login.actor) if loader else Resource(kind=kind)
        if not can(login.actor, action, resource):
            raise HTTPException(
                status_code=403, detail=f"u ({login.actor.role}) mag dit niet ({action})"
            )
        request.state.login = login
        return login

    return dependency


def require_login() -> Callable[..., Login]:
    """Return a dependency that gives the Login of any logged-in user (401 otherwise); for
    pages about the user's own account, where the resource is the user itself."""

    def dependency(request: Request) -> Login:
        with session_scope(request.app.state.engine) as session:
            login = current_login(request, session)
        if login is None:
            raise NotLoggedIn()
        request.state.login = login
        return login

    return dependency


def check_csrf(login: Login, form: Mapping[str, Any]) -> None:
    """Raise 403 unless the form carries the session's CSRF token. A token-authenticated API
    call has no session and no cookie, so nothing to forge."""
    if login.session is None:
        return
    submitted = form.get(CSRF_FIELD)
    if not isinstance(submitted, str) or not csrf_matches(login.session, submitted):
        raise HTTPException(status_code=403, detail="CSRF-token ontbreekt of klopt niet")


async def form_data(request: Request) -> FormData:
    """The request's url-encoded form (no files, at most 200 fields), read on the event
    loop, so that the handler itself can be a plain function run in the thread pool: every
    database call, password hash and parse then happens off the loop."""
    return await request.form(max_files=0, max_fields=200)


FormDep = Annotated[FormData, Depends(form_data)]


def set_session_cookie(request: Request, response: Response, data: SessionData) -> None:
    """Put a signed session in an httpOnly, SameSite=Lax cookie (Secure over https)."""
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(secret_key(request), data),
        max_age=request.app.state.settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def nav_session(request: Request) -> SessionData | None:
    """The signed session for the menu (login/logout links and the logout form's token).
    Display only: every protected route checks the user again through ``require``."""
    try:
        return cookie_session(request)
    except AttributeError:  # an app without a key (never in create_app)
        return None


TEMPLATES.env.globals["nav_session"] = nav_session


def install_errors(app: FastAPI) -> None:
    """Register handlers: 401 on a page redirects to the login page; the register's
    ForbiddenError, NotFoundError and ConflictError become 403, 404 and 409 problems."""

    def respond(request: Request, status: int, detail: str) -> Response:
        body = problem(status, detail, instance=request.url.path)
        if request.url.path.startswith("/api/"):
            return JSONResponse(body, status_code=status, media_type="application/problem+json")
        return render_error(request, body)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if request.url.path.startswith("/api/"):
            response = respond(request, 401, exc.detail)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        target = request.url.path if request.method == "GET" else "/beheer"
        return Response(status_code=303, headers={"Location": f"/inloggen?next={quote(target)}"})

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, exc: ForbiddenError) -> Response:
        return respond(request, 403, str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return respond(request, 404, str(exc))

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        return respond(request, 409, str(exc))
