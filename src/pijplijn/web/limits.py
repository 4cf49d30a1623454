"""Limits on what one client can hold: the time to send a request head and body."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import anyio
import h11
from anyio import to_thread
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
        pool at once; at most ``queue`` more wait on the event loop (holding no thread and no
        connection), and only while their turn is expected within ``wait`` seconds. Every
        other login post gets 429 with ``Retry-After`` at once, and a waiting one that is
        still not let in after ``wait`` seconds gets it then.

        A login's password check runs in one of two argon2 slots per process
        (accounts/passwords.py). Without this gate, a flood of 100 logins filled the thread pool
        with posts waiting for those slots, so the login page, the other pages and every
        plain-def route queued behind them for tens of seconds. A queue bounded only by a wait
        was not enough on a busy machine: when argon2 takes seconds instead of a tenth of one,
        a post let in after nearly ``wait`` seconds still needs its own argon2 time, and its
        answer came after 14 s. So the gate measures how long a login takes here and now (a
        moving average of the admitted ones) and lets a post queue only when the posts ahead of
        it are expected to be through in time: the slower the machine, the shorter the queue,
        and an answer within ``wait`` plus one login's time, whatever the load. A post refused
        here has had no password checked, so it tells an attacker nothing; it is still counted
    as a failure of its account and address (``count_refused``), or twenty simultaneous wrong
    attempts of which the gate let three through would not lock the account."""

    def __init__(
        self,
        app: ASGIApp,
        slots: int,
        wait: float,
        queue: int = 8,
        paths: frozenset[str] = frozenset(),
        count_refused: Callable[[str, str], None] | None = None,
    ) -> None:
        self.app = app
        self.count_refused = count_refused
        """Records a refused post's e-mail address and client address as a failed attempt
        (in the thread pool, before the answer): refused or checked, each wrong attempt
        of a flood counts towards the account's lockout."""
        self.slots = slots
        self.wait = wait
        self.queue = queue
        self.paths = paths or frozenset({"/inloggen"})
        self._gate: asyncio.Semaphore | None = None
        self.admitted = 0
        """Posts let in and not yet answered: running, or waiting for a slot."""
        self.took = FIRST_GUESS
        """A moving average of the seconds an admitted login post takes."""

    def admits(self) -> bool:
        """Whether a new post may wait for a slot: a slot is free, or the queue is short
        enough for its turn to come within ``wait`` at the measured pace."""
        ahead = self.admitted - self.slots  # posts waiting before this one
        if ahead < 0:
            return True
        if ahead >= self.queue:
            return False
        # A slot comes free once per login's time per slot: this post's turn comes after
        # the rounds in which those ahead of it and the running ones go through.
        rounds = ahead // self.slots + 1
        return rounds * self.took <= self.wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if self._gate is None:  # made on the worker's own event loop
            self._gate = asyncio.Semaphore(self.slots)
        if not self.admits():
            await self._refuse(scope, receive, send)
            return
        self.admitted += 1
        try:
            try:
                await asyncio.wait_for(self._gate.acquire(), self.wait)
            except TimeoutError:
                await self._refuse(scope, receive, send)
                return
            started = time.monotonic()
            try:
                await self.app(scope, receive, send)
            finally:
                self._gate.release()
                took = time.monotonic() - started
                self.took = (1 - PACE_WEIGHT) * self.took + PACE_WEIGHT * took
        finally:
            self.admitted -= 1

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.count_refused is not None:
            email = await _email_of(receive)
            client = scope.get("client")
            if email:
                with contextlib.suppress(Exception):  # the answer is 429 either way
                    await to_thread.run_sync(
                        self.count_refused, email, client[0] if client else "onbekend"
                    )
        await _busy(send)


async def _email_of(receive: Receive) -> str:
    """The ``email`` field of a login form's body (at most 8 KB, read for 2 s at most)."""
    body = b""
    with anyio.move_on_after(2.0):
        while len(body) <= 8192:
            message = await receive()
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
    values = parse_qs(body[:8192].decode("latin-1"), max_num_fields=10)
    return values.get("email", [""])[0].strip().lower()[:254]


FIRST_GUESS = 1.0
"""Seconds a login post is taken to need before one has been measured (argon2id with
argon2-cffi's defaults takes about 0.1 s on an idle core and 1.2 s at a load average of 17
on two cores): on the cautious side, so a first flood queues little."""
PACE_WEIGHT = 0.3
"""The weight of the latest login's time in the moving average: three or four slow logins
shorten the queue."""


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
