"""Conditional GETs of the API answered before routing.

Every list of the API carries an ETag made by ``negotiate.etag_for`` from the data version and
the request (path, query, Accept). A client that sends that ETag back in ``If-None-Match``
gets a 304 here, from one primary-key read, without routing, dependencies or a worker thread:
the same answer the route would give, at a fraction of the cost.

Every GET under /api/v1/ is public and read-only (writes are POSTs with a token), so answering
before the routes' rights checks gives nothing away; a private GET would have to be left out
here.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pijplijn.engine.cache import STALE
from pijplijn.engine.version import data_version
from pijplijn.web.negotiate import etag_for

PREFIX = "/api/v1/"


class ConditionalGet:
    """Pure ASGI middleware: a GET under /api/v1/ whose If-None-Match equals the current ETag
    gets a 304 at once; anything else (and any database error) goes to the app unchanged."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(PREFIX)
        ):
            request = Request(scope)
            sent = request.headers.get("if-none-match")
            # In the thread pool: with every pooled connection busy, the read waits for one,
            # and the event loop must not wait with it.
            if sent and sent == await run_in_threadpool(self._etag, request):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 304,
                        "headers": [(b"etag", sent.encode("latin-1"))],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)

    def _etag(self, request: Request) -> str | None:
        try:
            # One primary-key read (about 0.3 ms), done inline: cheaper than a thread hop.
            with Session(self.engine) as session:
                version = data_version(session)
        except SQLAlchemyError:
            return None  # let the route report the database problem
        return etag_for(request, version)


class StaleResults:
    """Pure ASGI middleware: a response built from a stale cached result (served while the
    new one is computed, ``engine/cache.py``) gets no ETag and ``Cache-Control: no-cache``,
    so no client or proxy keeps it as the answer of the new data version."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        marker = [False]
        STALE.set(marker)

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and marker[0]:
                headers = MutableHeaders(scope=message)
                if "etag" in headers:
                    del headers["etag"]
                headers["Cache-Control"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_marked)
