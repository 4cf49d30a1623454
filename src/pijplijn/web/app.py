"""The FastAPI application factory. Workers share nothing but the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pijplijn import __version__
from pijplijn.engine import cache
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, require_schema, schema_revision
from pijplijn.web import auth, problems
from pijplijn.web.admin import people, register, uploads
from pijplijn.web.api import cube as cube_api
from pijplijn.web.api import monitor as monitor_api
from pijplijn.web.api import projections as projections_api
from pijplijn.web.api import register as register_api
from pijplijn.web.conditional import ConditionalGet, StaleResults
from pijplijn.web.limits import BodyTimeout
from pijplijn.web.pages import (
    account,
    goals,
    indicators,
    overview,
    pipeline,
    scenarios,
    sources,
)
from pijplijn.web.pages.common import render_error, vega_bundle

STATIC = Path(__file__).parent / "static"

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


class SecurityHeaders:
    """Pure ASGI middleware adding SECURITY_HEADERS to every response (Starlette's
    BaseHTTPMiddleware costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        docs_url="/api/docs",
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
    app.include_router(overview.router)
    app.include_router(sources.router)
    app.include_router(pipeline.router)
    app.include_router(goals.router)
    app.include_router(indicators.router)
    app.include_router(scenarios.router)
    app.include_router(account.router)
    app.include_router(people.router)
    # The upload routes come before the register's: '/beheer/deelname/upload' is not a record.
    app.include_router(uploads.router)
    app.include_router(register.router)
    app.include_router(register_api.router)

    cache.configure(settings.cache_max_bytes, settings.cache_max_stale)
    app.add_middleware(StaleResults)
    app.add_middleware(BodyTimeout, seconds=settings.request_body_timeout)
    app.add_middleware(ConditionalGet, engine=engine)
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

    @app.get("/static/vega-embed.js", include_in_schema=False)
    def vega_embed() -> Response:
        # Served by the app itself from vl-convert's bundle: no CDN, works offline.
        return Response(
            vega_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # Mounted last: a mount matches its whole prefix, so the route above must come first.
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
