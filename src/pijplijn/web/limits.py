"""Limits on what one client can hold: the time to send a request body."""

from __future__ import annotations

import time

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
