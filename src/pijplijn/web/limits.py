"""Limits on what one client can hold: the time to send a request head and body."""

from __future__ import annotations

import asyncio
import time

import anyio
import h11
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol


class BodyTimeout:
    """Pure ASGI middleware: a request body must arrive whole within ``seconds`` of the
    first read, else 408 (the connection is then closed, its body being unread). A client
    trickling a body byte by byte (slowloris) holds a connection for that long at most."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline: float | None = None

        async def receive_in_time() -> Message:
            nonlocal deadline
            if deadline is None:
                deadline = time.monotonic() + self.seconds
            with anyio.move_on_after(max(0.0, deadline - time.monotonic())) as scope_:
                message = await receive()
            if scope_.cancelled_caught:
                raise HTTPException(
                    status_code=408,
                    detail=f"de body van het verzoek kwam niet binnen {self.seconds:g} seconden",
                )
            return message

        await self.app(scope, receive_in_time, send)


def header_timeout() -> float:
    """Seconds a connection gets to send a whole request head
    (``PIJPLIJN_REQUEST_HEADER_TIMEOUT``, set by ``pijplijn serve --timeout-headers``)."""
    from pijplijn.settings import Settings

    return float(Settings().request_header_timeout)


class HeaderTimeoutProtocol(H11Protocol):
    """Uvicorn's h11 protocol with a deadline on the request head.

    Uvicorn arms no timer on a new connection and cancels its keep-alive timer on the
    first byte, so a client that sends its headers one byte at a time (slowloris) holds a
    connection, and a file descriptor, for as long as it likes; ``--timeout-keep-alive``
    and ``h11_max_incomplete_event_size`` (a size, not a time) do not bound it. Here a
    timer runs from the moment a connection waits for a request (opened, or idle after a
    response) until the whole head has arrived; when it fires first, the connection is
    answered 408 and closed. The body has its own deadline (BodyTimeout)."""

    seconds: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm_head_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is complete
            self._cancel_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            if HeaderTimeoutProtocol.seconds is None:
                HeaderTimeoutProtocol.seconds = header_timeout()
            self._head_timer = self.loop.call_later(
                HeaderTimeoutProtocol.seconds, self._head_too_slow
            )

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return  # a request is under way: its body and response have their own bounds
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        self.transport.close()


_BUSY_PAGE = (
    b'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
    b"<title>Even geduld</title></head><body><main><h1>Te veel inlogpogingen tegelijk</h1>"
    b"<p>Probeer het over een paar seconden opnieuw.</p>"
    b'<p><a href="/inloggen">Terug naar inloggen</a></p></main></body></html>'
)


class LoginGate:
    """Pure ASGI middleware: at most ``slots`` login posts of this worker are in the thread
    pool at once; the others wait on the event loop (holding no thread and no
    connection) for up to ``wait`` seconds, then get 429 with ``Retry-After``.

    A login's password check runs in one of two argon2 slots per process and waits up to
    3 s for one (accounts/passwords.py). Without this gate, a flood of 100 logins filled
    the thread pool with posts waiting for those slots, so the login page, the other
    pages and every plain-def route queued behind them for tens of seconds. A post refused
    here has had no password checked: it tells an attacker nothing and needs no count."""

    def __init__(
        self, app: ASGIApp, slots: int, wait: float, paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.slots = slots
        self.wait = wait
        self.paths = paths or frozenset({"/inloggen"})
        self._gate: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if self._gate is None:  # made on the worker's own event loop
            self._gate = asyncio.Semaphore(self.slots)
        try:
            await asyncio.wait_for(self._gate.acquire(), self.wait)
        except TimeoutError:
            await _busy(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._gate.release()


async def _busy(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(_BUSY_PAGE)).encode()),
                (b"retry-after", b"5"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _BUSY_PAGE})
