"""Whole answers of public GETs kept per data version, for anonymous visitors.

A warm page still costs its rendering: templates, chart specs localised, JSON encoded (10 to
90 ms of one core per request). Under 16 clients on a shared machine that rendering was
the bench's p95, not the engine. An anonymous visitor's answer depends only on the request
(host, path, query, the ``lang`` cookie, ``Accept``), the data (the whole data version,
register included), the disclosure threshold and the day; this middleware keeps the answer
under exactly that key, bounded in bytes (``PIJPLIJN_PAGE_CACHE_MAX_BYTES``), least
recently used first out.

Never kept: a request with any cookie but ``lang`` (a login session, the login form's CSRF
cookie) or an ``Authorization`` header; an answer other than 200, one that sets a cookie,
one built from a stale engine result (``Cache-Control: no-cache`` without an ETag,
conditional.py), and
anything outside the public pages and the API. /api/health is never kept: it reports the
database as it is now.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pijplijn.engine.suppression import threshold
from pijplijn.engine.version import data_version

MAX_AGE = 300.0
"""Seconds an answer is kept at most, whatever the version: a page may show an age in
years or a verdict by today's date, so nothing is kept across a long stretch."""
_SKIPPED = ("/static/", "/api/health", "/inloggen", "/uitloggen", "/beheer", "/account")


@dataclass
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored: float

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class PageCache:
    """Pure ASGI middleware keeping anonymous GET answers per data version (module doc)."""

    def __init__(self, app: ASGIApp, engine: Engine, max_bytes: int) -> None:
        self.app = app
        self.engine = engine
        self.max_bytes = max_bytes
        self.bytes = 0
        self._answers: OrderedDict[tuple[object, ...], _Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._request_key(scope) if self.max_bytes > 0 else None
        if key is None:
            await self.app(scope, receive, send)
            return
        # One primary-key read, in the thread pool: with every pooled connection busy it
        # waits for one, and the event loop must not wait with it.
        version = await run_in_threadpool(self._version)
        if version is None:
            await self.app(scope, receive, send)
            return
        # The disclosure threshold is read from the environment at each use.
        full_key = (*key, version, date.today().isoformat(), threshold())
        answer = self._get(full_key)
        if answer is not None and _revalidated(scope, answer):
            # The client holds this very answer (If-None-Match on its ETag): 304, as the route
            # itself would answer.
            kept = [(k, v) for k, v in answer.headers if k in _NOT_MODIFIED_HEADERS]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        if answer is not None:
            # A copy: the middleware outside changes the header list it is given.
            await send({"type": "http.response.start", "status": answer.status,
                        "headers": list(answer.headers)})  # fmt: skip
            await send({"type": "http.response.body", "body": answer.body})
            return
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        keep = True

        async def send_and_keep(message: Message) -> None:
            nonlocal status, headers, keep
            if message["type"] == "http.response.start":
                # Copied now: the middleware outside (compression, security headers) changes
                # the message's header list in place once it is sent on.
                status, headers = message["status"], list(message.get("headers", []))
                keep = _keepable(message)
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and status:
                    self._put(
                        full_key, _Answer(status, headers, b"".join(chunks), time.monotonic())
                    )
            await send(message)

        await self.app(scope, receive, send_and_keep)

    def _request_key(self, scope: Scope) -> tuple[object, ...] | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if path.startswith(_SKIPPED):
            return None
        lang = accept = host = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                return None
            if name == b"cookie":
                for part in value.split(b";"):
                    cookie, _, content = part.strip().partition(b"=")
                    if cookie != b"lang":
                        return None
                    lang = content
            elif name == b"accept":
                accept = value
            elif name == b"host":
                host = value  # an answer may carry absolute links
        return (scope.get("scheme"), host, path, scope.get("query_string", b""), lang, accept)

    def _version(self) -> str | None:
        try:
            with Session(self.engine) as session:
                return data_version(session)
        except SQLAlchemyError:
            return None  # let the route report the database problem

    def _get(self, key: tuple[object, ...]) -> _Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                return None
            if time.monotonic() - answer.stored > MAX_AGE:
                self._drop(key)
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def _put(self, key: tuple[object, ...], answer: _Answer) -> None:
        if answer.size > self.max_bytes // 8:
            return  # one answer may not push out most of the others
        with self._lock:
            self._drop(key)
            self._answers[key] = answer
            self.bytes += answer.size
            while self.bytes > self.max_bytes and self._answers:
                _, old = self._answers.popitem(last=False)
                self.bytes -= old.size

    def _drop(self, key: tuple[object, ...]) -> None:
        old = self._answers.pop(key, None)
        if old is not None:
            self.bytes -= old.size


_NOT_MODIFIED_HEADERS = {b"etag", b"cache-control", b"vary", b"expires", b"last-modified"}


def _revalidated(scope: Scope, answer: _Answer) -> bool:
    """Does the request's If-None-Match name the kept answer's ETag (weak or strong)?"""
    etag = next((v for k, v in answer.headers if k == b"etag"), None)
    asked = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
    if etag is None or asked is None:
        return False
    tags = {t.strip().removeprefix(b"W/") for t in asked.split(b",")}
    return b"*" in tags or etag.removeprefix(b"W/") in tags


def _keepable(start: Message) -> bool:
    if start["status"] != 200:
        return False
    headers = dict(start.get("headers", []))
    if b"set-cookie" in headers or b"no-store" in headers.get(b"cache-control", b""):
        return False  # private
    # Built from a stale result: StaleResults took its ETag away and asks for no-cache (the
    # API's fresh answers ask for no-cache too, with their ETag, to be revalidated).
    return not (b"no-cache" in headers.get(b"cache-control", b"") and b"etag" not in headers)
