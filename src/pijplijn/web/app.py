"""The FastAPI application factory. Workers share nothing but the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response as StarletteResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pijplijn import __version__
from pijplijn.engine import cache
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, require_schema, schema_revision
from pijplijn.web import auth, problems
from pijplijn.web.admin import goals as admin_goals
from pijplijn.web.admin import people, register, uploads
from pijplijn.web.api import cube as cube_api
from pijplijn.web.api import labour as labour_api
from pijplijn.web.api import monitor as monitor_api
from pijplijn.web.api import projections as projections_api
from pijplijn.web.api import register as register_api
from pijplijn.web.conditional import ConditionalGet, StaleResults
from pijplijn.web.limits import BodyTimeout, LoginGate
from pijplijn.web.pages import (
    account,
    embed,
    gemeenten,
    goals,
    indicators,
    overview,
    pipeline,
    scenarios,
    sources,
)
from pijplijn.web.pages import labour as labour_page
from pijplijn.web.pages.common import render, render_error, vega_bundle, vega_bundle_gzip

STATIC = Path(__file__).parent / "static"
SWAGGER_UI = Path(str(files("fastapi_offline") / "static"))
"""Swagger UI 5 (which reads OpenAPI 3.1) as fastapi-offline bundles it; we serve only its
files, through our own page (decision 0012)."""

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
"""No inline script and no eval: charts run Vega's expression interpreter (``ast: true`` in
``static/app.js``). Inline *styles* are allowed: Vega's SVG renderer writes style attributes."""

EMBED_HEADERS = {
    **{k: v for k, v in SECURITY_HEADERS.items() if k != "X-Frame-Options"},
    "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"].replace(
        "frame-ancestors 'none'", "frame-ancestors *"
    ),
}
"""The headers of ``/embed/`` (a chart for an iframe on a partner's site): any site may frame
it; every other path keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``."""


def security_headers(path: str) -> dict[str, str]:
    """The security headers of a response to ``path``."""
    return EMBED_HEADERS if path.startswith(embed.PREFIX) else SECURITY_HEADERS


class SecurityHeaders:
    """Pure ASGI middleware adding SECURITY_HEADERS to every response (Starlette's
    BaseHTTPMiddleware costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        chosen = security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in chosen.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


YEAR = 365 * 86400
IMMUTABLE = f"public, max-age={YEAR}, immutable"
"""For an asset URL with a version key (``?v=``, see ``asset_url``): a new release has a new
key, so the browser may keep the file for a year without asking again."""
REVALIDATE = "public, max-age=3600"


def _asset_cache_control(scope: Scope) -> str:
    return IMMUTABLE if b"v=" in scope.get("query_string", b"") else REVALIDATE


class StaticAssets(StaticFiles):
    """The app's static files with long-lived caching for versioned URLs."""

    async def get_response(self, path: str, scope: Scope) -> StarletteResponse:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = _asset_cache_control(scope)
        return response


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the app for the configured database (``PIJPLIJN_DATABASE_URL`` or default)."""
    settings = settings or Settings()
    engine = open_engine(
        settings.resolved_database_url(),
        busy_timeout=settings.sqlite_busy_timeout,
        pool_timeout=settings.db_pool_timeout,
    )
    require_schema(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="pijplijn",
        version=__version__,
        lifespan=lifespan,
        # The docs page is our own (below): Swagger UI from a package, no CDN, no inline script.
        docs_url=None,
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
        description="Open API van de Techniekpact-monitor: kubus, indicatoren, "
        "doelen en projecties, met herkomst bij elk cijfer.",
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.secret_key = settings.resolved_secret_key()
    app.state.upload_dir = settings.resolved_upload_dir()
    problems.install(app, render_error)
    auth.install_errors(app)
    app.include_router(cube_api.router)
    app.include_router(monitor_api.router)
    app.include_router(projections_api.router)
    app.include_router(labour_api.router)
    app.include_router(labour_page.router)
    app.include_router(overview.router)
    app.include_router(overview.api)
    app.include_router(sources.router)
    app.include_router(gemeenten.router)
    app.include_router(pipeline.router)
    app.include_router(pipeline.api)
    app.include_router(goals.router)
    app.include_router(indicators.router)
    app.include_router(scenarios.router)
    app.include_router(embed.router)
    app.include_router(account.router)
    app.include_router(people.router)
    # The upload routes come before the register's: '/beheer/deelname/upload' is not a record.
    app.include_router(uploads.router)
    app.include_router(register.router)
    app.include_router(admin_goals.router)
    app.include_router(register_api.router)

    cache.configure(settings.cache_max_bytes, settings.cache_max_stale)
    app.add_middleware(StaleResults)
    app.add_middleware(BodyTimeout, seconds=settings.request_body_timeout)
    app.add_middleware(LoginGate, slots=settings.login_slots, wait=settings.login_wait)
    app.add_middleware(ConditionalGet, engine=engine)
    # Pages, JSON, CSV and static files go out compressed; an already-encoded response (the
    # pre-compressed chart bundle) passes through untouched.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    # Added last, so outermost: a 304 from ConditionalGet gets the headers too.
    app.add_middleware(SecurityHeaders)

    @app.get("/api/health", response_model=Health, tags=["status"])
    def health() -> Health:
        """Is the app up, and which database and schema does it use?"""
        return Health(
            status="ok",
            version=__version__,
            database=engine.dialect.name,
            schema_revision=schema_revision(engine),
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=301, headers={"Location": "/static/favicon.svg"})

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        """The API's operations, rendered by Swagger UI served from this app."""
        return render(request, "api_docs.html", {"title": "API"})

    @app.get("/static/vega-embed.js", include_in_schema=False)
    def vega_embed(request: Request) -> Response:
        # Served by the app itself from vl-convert's bundle: no CDN, works offline.
        headers = {
            "Cache-Control": _asset_cache_control(request.scope),
            "Vary": "Accept-Encoding",
        }
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(vega_bundle_gzip(), media_type="text/javascript", headers=headers)
        return Response(vega_bundle(), media_type="text/javascript", headers=headers)

    # Mounted last: a mount matches its whole prefix, so the routes above must come first.
    app.mount(
        "/static/swagger-ui",
        StaticAssets(directory=SWAGGER_UI),
        name="swagger-ui",
    )
    app.mount("/static", StaticAssets(directory=STATIC), name="static")
    return app
