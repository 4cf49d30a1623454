"""What the admin pages share: rendering with the login and its CSRF token, the write
transaction, redirects and small form readers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session

from pijplijn.store.db import session_scope
from pijplijn.web.auth import Login
from pijplijn.web.pages.common import render


def page(
    request: Request,
    template: str,
    login: Login,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    """Render an admin page; every form on it gets the session's CSRF token as ``csrf``."""
    csrf = login.session.csrf if login.session else ""
    response = render(
        request, template, {"login": login, "csrf": csrf, **context}, status_code=status_code
    )
    # Forms and tokens are personal: never cache them anywhere.
    response.headers["Cache-Control"] = "no-store"
    return response


def see_other(location: str) -> Response:
    """A 303 redirect after a successful POST (so a reload does not post again)."""
    return Response(status_code=303, headers={"Location": location})


@contextmanager
def writing(request: Request) -> Iterator[Session]:
    """A transaction of its own for a change: committed when the block ends, rolled back on
    any error, so a refused change leaves the request's reading session usable."""
    with session_scope(request.app.state.engine) as session:
        yield session


def form_int(value: object) -> int | None:
    """Return a form value as an int, or None when it is absent or not a whole number."""
    text = value.strip() if isinstance(value, str) else ""
    # ASCII only: "²".isdigit() is True, but int("²") fails.
    if text.isascii() and text.isdigit() and len(text) < 12:
        return int(text)
    return None
