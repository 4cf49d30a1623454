"""One error shape (RFC 9457 problem details) and one handler that picks HTML or JSON."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from pijplijn.errors import DatabaseError, PijplijnError

PROBLEM_TYPE = "about:blank"


class Problem(BaseModel):
    """RFC 9457 problem details: the one shape of every API error."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def _documented(status: int, description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented(400, "Ongeldige parameter"),
    404: _documented(404, "Bestaat niet"),
    503: _documented(503, "Database niet bereikbaar"),
}
"""The error responses every API route declares in the OpenAPI document."""


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """Return an RFC 9457 problem document for ``status`` with a Dutch ``detail``."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def _wants_html(request: Request) -> bool:
    """A page answers in HTML unless the request asks for JSON and not for HTML; the API
    always answers in JSON."""
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "").lower()
    return "json" not in accept or "text/html" in accept


BUSY_SECONDS = 5
"""The ``Retry-After`` of a 503 when no database connection was free in time."""


HtmlRenderer = Callable[[Request, dict[str, Any]], Response]


def install(app: FastAPI, render_html: HtmlRenderer) -> None:
    """Register the handlers: every error, from any route, leaves in the problem shape; pages
    show it through ``render_html``, the API as ``application/problem+json``."""

    def _respond(request: Request, body: dict[str, Any]) -> Response:
        if _wants_html(request):
            return render_html(request, body)
        return JSONResponse(body, status_code=body["status"], media_type="application/problem+json")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"'{request.url.path}' bestaat niet"
        response = _respond(request, problem(exc.status_code, detail, instance=request.url.path))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        lang = _language(request)
        errors = [
            {
                "parameter": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "message": validation_message(e, lang),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"parameter": "?", "message": "ongeldig"}
        detail = (
            f"invalid parameter '{first['parameter']}': {first['message']}"
            if lang == "en"
            else f"ongeldige parameter '{first['parameter']}': {first['message']}"
        )
        return _respond(request, problem(400, detail, errors=errors, instance=request.url.path))

    @app.exception_handler(PoolTimeout)
    async def busy(request: Request, exc: PoolTimeout) -> Response:
        # Every pooled connection stayed busy for the pool's timeout: say so at once rather
        # than queue the request behind the others.
        detail = "de server is even te druk; probeer het over een paar seconden opnieuw"
        response = _respond(request, problem(503, detail, instance=request.url.path))
        response.headers["Retry-After"] = str(BUSY_SECONDS)
        return response

    @app.exception_handler(PijplijnError)
    async def domain_error(request: Request, exc: PijplijnError) -> Response:
        status = 503 if isinstance(exc, DatabaseError) else 400
        return _respond(request, problem(status, str(exc), instance=request.url.path))


def _language(request: Request) -> str:
    """The page's language (as ``pages.common.language``); the API answers in Dutch unless
    ``?lang=en`` asks otherwise."""
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "nl"
    return "en" if asked == "en" else "nl"


_MESSAGES: dict[str, dict[str, str]] = {
    "literal_error": {"nl": "verwacht een van {expected}", "en": "expected one of {expected}"},
    "enum": {"nl": "verwacht een van {expected}", "en": "expected one of {expected}"},
    "string_pattern_mismatch": {
        "nl": "bevat tekens die hier niet mogen",
        "en": "contains characters that are not allowed here",
    },
    "string_too_long": {
        "nl": "is te lang (hoogstens {max_length} tekens)",
        "en": "is too long (at most {max_length} characters)",
    },
    "string_too_short": {
        "nl": "is te kort (minstens {min_length} tekens)",
        "en": "is too short (at least {min_length} characters)",
    },
    "int_parsing": {"nl": "verwacht een geheel getal", "en": "expected a whole number"},
    "float_parsing": {"nl": "verwacht een getal", "en": "expected a number"},
    "bool_parsing": {"nl": "verwacht ja of nee (true/false)", "en": "expected true or false"},
    "missing": {"nl": "ontbreekt", "en": "is missing"},
    "greater_than_equal": {"nl": "moet minstens {ge} zijn", "en": "must be at least {ge}"},
    "less_than_equal": {"nl": "mag hoogstens {le} zijn", "en": "must be at most {le}"},
    "greater_than": {"nl": "moet groter zijn dan {gt}", "en": "must be greater than {gt}"},
    "less_than": {"nl": "moet kleiner zijn dan {lt}", "en": "must be less than {lt}"},
}
"""Pydantic's validation errors by type, in Dutch and English (its own texts are English)."""


def validation_message(error: Any, lang: str) -> str:
    """Return a validation error's message in ``lang``, with what was expected."""
    template = _MESSAGES.get(str(error.get("type")), {}).get(lang)
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if "expected" in context:
        # Pydantic writes "'a', 'b' or 'c'"; the words between them follow the language.
        context["expected"] = context["expected"].replace(
            " or ", " of " if lang == "nl" else " or "
        )
    if template is None:
        return "ongeldige waarde" if lang == "nl" else "invalid value"
    try:
        return template.format(**context)
    except KeyError:
        return template.split(" {")[0]


def not_found(detail: str) -> StarletteHTTPException:
    """Return a 404 for a resource that does not exist, e.g. an unknown indicator id."""
    return StarletteHTTPException(status_code=404, detail=detail)
