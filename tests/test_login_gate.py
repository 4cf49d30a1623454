"""The login gate (web/limits.py): a bounded queue whose length follows the measured pace of
logins, so that every login post is answered within the wait plus one login's time."""

from __future__ import annotations

import asyncio
import time

from starlette.types import Message, Receive, Scope, Send

from pijplijn.web.limits import LoginGate

LOGIN = {"type": "http", "method": "POST", "path": "/inloggen"}


def _slow_login(seconds: float) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(seconds)  # stands for argon2 in the thread pool
        await send({"type": "http.response.start", "status": 303, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def _post(gate: LoginGate) -> tuple[int, float]:
    started = time.monotonic()
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await gate(dict(LOGIN), receive, send)
    return statuses[0], time.monotonic() - started


def _flood(gate: LoginGate, count: int) -> list[tuple[int, float]]:
    async def run() -> list[tuple[int, float]]:
        return list(await asyncio.gather(*(_post(gate) for _ in range(count))))

    return asyncio.run(run())


def test_a_flood_is_answered_within_the_wait_plus_one_login() -> None:
    # Logins of 0.4 s, two at a time, a wait of 1 s: about two rounds fit in the wait.
    gate = LoginGate(_slow_login(0.4), slots=2, wait=1.0, queue=50)  # type: ignore[arg-type]
    gate.took = 0.4
    answers = _flood(gate, 40)
    statuses = [status for status, _ in answers]
    assert 2 <= statuses.count(303) <= 8, statuses
    assert statuses.count(303) + statuses.count(429) == 40
    assert max(seconds for _, seconds in answers) < 1.0 + 0.4 + 0.3
    # The refused ones were refused at once, not after waiting.
    refused = sorted(seconds for status, seconds in answers if status == 429)
    assert refused[len(refused) // 2] < 0.1


def test_slow_logins_shorten_the_queue() -> None:
    # When a login takes longer than the whole wait, only a free slot lets one in.
    gate = LoginGate(_slow_login(1.2), slots=2, wait=1.0, queue=50)  # type: ignore[arg-type]
    for _ in range(4):  # a few logins measured: the first guess (0.5 s) is forgotten
        assert [s for s, _ in _flood(gate, 2)] == [303, 303]
    assert gate.took > 1.0
    answers = _flood(gate, 20)
    statuses = [status for status, _ in answers]
    assert statuses.count(303) == 2, statuses
    assert max(seconds for _, seconds in answers) < 1.2 + 0.3


def test_the_queue_bound_holds_however_fast_logins_are() -> None:
    gate = LoginGate(_slow_login(0.05), slots=2, wait=10.0, queue=3)  # type: ignore[arg-type]
    gate.took = 0.01
    statuses = [status for status, _ in _flood(gate, 30)]
    assert statuses.count(303) == 2 + 3, statuses


def test_other_requests_pass_untouched() -> None:
    gate = LoginGate(_slow_login(0.0), slots=1, wait=0.1, queue=0)  # type: ignore[arg-type]
    gate.admitted = 1  # every slot taken

    async def one(scope: Scope) -> int:
        statuses: list[int] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await gate(scope, receive, send)
        return statuses[0]

    assert asyncio.run(one({"type": "http", "method": "GET", "path": "/inloggen"})) == 303
    assert asyncio.run(one({"type": "http", "method": "POST", "path": "/beheer"})) == 303
    assert asyncio.run(one(dict(LOGIN))) == 429
