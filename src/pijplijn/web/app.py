"""The FastAPI application factory. Workers share nothing but the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn import __version__
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, require_schema, schema_revision, session_scope

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None


class HomeView(BaseModel):
    """The home page: the loaded datasets with their provenance."""

    datasets: list[DatasetSummary]


def home_view(session: Session) -> HomeView:
    """Return what the home page shows."""
    return HomeView(datasets=list_datasets(session))


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session, in one transaction, on the app's database."""
    with session_scope(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the app for the configured database (``PIJPLIJN_DATABASE_URL`` or default)."""
    settings = settings or Settings()
    engine = open_engine(settings.resolved_database_url())
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
    )
    app.state.engine = engine

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/api/health", response_model=Health, tags=["status"])
    def health() -> Health:
        """Is the app up, and which database and schema does it use?"""
        return Health(
            status="ok",
            version=__version__,
            database=engine.dialect.name,
            schema_revision=schema_revision(engine),
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, db: SessionDep) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "home.html", {"view": home_view(db)})

    return app
