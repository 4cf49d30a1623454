"""Against a live ``pijplijn serve --workers 2`` on loopback (SQLite, or PostgreSQL with
PIJPLIJN_TEST_DATABASE_URL): concurrent logins are all answered while /api/health stays up,
the lockout holds under concurrency, zip bombs are refused without the worker's memory
growing, a slow body is cut off, and X-Forwarded-For is not trusted.

Each test sends from its own loopback address (127.0.0.N), so the per-address throttle of
one test does not decide another's."""

from __future__ import annotations

import io
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from admin_helpers import _LOGIN_CSRF, EMAILS, PASSWORD, SECRET, World, build_world
from conftest import _fresh_url
from pijplijn.accounts.rights import SYSTEM
from pijplijn.accounts.tokens import create_token
from pijplijn.accounts.users import create_user
from pijplijn.store.account_models import LoginAttempt, User
from pijplijn.store.db import session_scope

HANG = 10.0
"""Seconds after which a request counts as hanging (issue #13's bound): before the fix,
requests hung for minutes and the worker needed SIGKILL."""
HEAD_TIMEOUT = 2.0
"""The server's ``--timeout-headers`` in these tests."""


@dataclass
class Live:
    base: str
    pid: int
    world: World


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    for url in _fresh_url(folder):
        world = build_world(url, folder / "uploads")
        (folder / "uploads").mkdir(exist_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "PIJPLIJN_SECRET_KEY": SECRET,
            "PIJPLIJN_UPLOAD_DIR": str(folder / "uploads"),
        }
        command = [sys.executable, "-m", "pijplijn", "serve", "--workers", "2"]
        command += ["--port", str(port), "--database", url, "--timeout-body", "2"]
        command += ["--timeout-headers", str(HEAD_TIMEOUT)]
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server)
            yield Live(base, server.pid, world)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            world.engine.dispose()


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert server.poll() is None, "pijplijn serve stopped"
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer /api/health within 240 s")


def _client(live: Live, address: str) -> httpx.Client:
    # A new connection per request: on a busy machine a client thread may sit longer than
    # the server's keep-alive timeout between two requests, and a reused connection the
    # server has just closed is reset (the client's race, not the server's answer).
    transport = httpx.HTTPTransport(
        local_address=address, limits=httpx.Limits(max_keepalive_connections=0)
    )
    return httpx.Client(base_url=live.base, transport=transport, timeout=HANG)


def _attempt(live: Live, address: str, email: str, password: str) -> int:
    with _client(live, address) as client:
        form = client.get("/inloggen")
        token = _LOGIN_CSRF.search(form.text)
        assert token is not None
        data = {"email": email, "password": password, "csrf": token.group(1), "next": "/beheer"}
        return client.post("/inloggen", data=data).status_code


def test_100_concurrent_logins_are_answered_and_health_stays_up(live: Live) -> None:
    stop = threading.Event()
    health: list[int] = []

    def watch() -> None:
        with httpx.Client(base_url=live.base, timeout=HANG) as client:
            while not stop.is_set():
                health.append(client.get("/api/health").status_code)
                time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    emails = [EMAILS["lezer"], *(f"onbekend-{n}@example.nl" for n in range(4))]
    seconds: list[float] = []

    def attempt(i: int) -> int:
        started = time.monotonic()
        status = _attempt(
            live,
            "127.0.0.2",
            emails[i % len(emails)],
            PASSWORD if i % 10 == 0 else f"fout wachtwoord {i}",
        )
        seconds.append(time.monotonic() - started)
        return status

    try:
        with ThreadPoolExecutor(100) as pool:
            statuses = list(pool.map(attempt, range(100)))
    finally:
        stop.set()
        watcher.join()
    print(f"100 logins: {Counter(statuses)}, slowest form and post {max(seconds):.2f} s")
    # Every request answered (a hang raises httpx.ReadTimeout) with a login outcome.
    assert set(statuses) <= {303, 401, 429}, Counter(statuses)
    assert Counter(statuses)[429] > 0  # the address's throttle took effect
    assert health and set(health) == {200}


def test_concurrent_wrong_attempts_lock_the_account_before_any_success(live: Live) -> None:
    email = "gelijktijdig@example.nl"
    with session_scope(live.world.engine) as session:
        create_user(session, SYSTEM, email, PASSWORD, "lezer")
    with ThreadPoolExecutor(20) as pool:
        wrong = Counter(
            pool.map(lambda i: _attempt(live, "127.0.0.3", email, f"fout {i}"), range(20))
        )
    # Counted and checked under one lock: at most the policy's five passwords are checked
    # (a login refused as "too many at once" counts as a failure too), the rest refused.
    assert wrong[401] <= 5 and wrong[401] + wrong[429] == 20, wrong
    assert _attempt(live, "127.0.0.3", email, PASSWORD) == 429
    assert _attempt(live, "127.0.0.4", email, PASSWORD) == 429  # the account, not the address


def test_x_forwarded_for_from_a_client_is_not_trusted(live: Live) -> None:
    with _client(live, "127.0.0.5") as client:
        form = client.get("/inloggen")
        token = _LOGIN_CSRF.search(form.text)
        assert token is not None
        data = {"email": "xff@example.nl", "password": "x", "csrf": token.group(1)}
        client.post("/inloggen", data=data, headers={"X-Forwarded-For": "203.0.113.9"})
    with session_scope(live.world.engine) as session:
        ips = set(
            session.scalars(select(LoginAttempt.ip).where(LoginAttempt.email == "xff@example.nl"))
        )
    assert ips == {"127.0.0.5"}


def test_a_trickled_request_body_is_cut_off(live: Live) -> None:
    with socket.create_connection(("127.0.0.1", int(live.base.rsplit(":", 1)[1]))) as sock:
        sock.settimeout(HANG)
        sock.sendall(
            b"POST /inloggen HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nem"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408")


def test_slowloris_connections_are_closed_and_health_answers_throughout(live: Live) -> None:
    """50 connections each send a request head one byte every 0.3 s: each is answered 408
    and closed once its head is HEAD_TIMEOUT late, and /api/health answers meanwhile."""
    port = int(live.base.rsplit(":", 1)[1])
    head = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Traag: " + b"a" * 10_000
    sockets = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", port), timeout=HANG)
        sock.setblocking(False)
        sockets.append(sock)
    opened = time.monotonic()
    closed: dict[int, float] = {}
    answers: list[bytes] = []
    health: list[float] = []
    position = 0
    with httpx.Client(base_url=live.base, timeout=HANG) as client:
        while len(closed) < len(sockets) and time.monotonic() - opened < 6 * HEAD_TIMEOUT:
            for index, sock in enumerate(sockets):
                if index in closed:
                    continue
                try:
                    sock.send(head[position : position + 1])
                    answer = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:  # reset: closed by the server
                    closed[index] = time.monotonic() - opened
                    continue
                answers.append(answer)
                closed[index] = time.monotonic() - opened
            position += 1
            started = time.monotonic()
            assert client.get("/api/health").status_code == 200
            health.append(time.monotonic() - started)
            time.sleep(0.3)
    for sock in sockets:
        sock.close()
    assert len(closed) == len(sockets), f"{len(sockets) - len(closed)} slow connections open"
    # Closed after the head timeout (not by accident before it), within a margin for a
    # busy machine; the ones that got a word in were told why.
    assert min(closed.values()) >= HEAD_TIMEOUT * 0.9, closed
    assert max(closed.values()) < 4 * HEAD_TIMEOUT, closed
    assert all(a == b"" or a.startswith(b"HTTP/1.1 408") for a in answers), answers[:3]
    assert health and max(health) < HANG


def test_a_slow_head_after_a_kept_alive_response_is_cut_off_too(live: Live) -> None:
    with socket.create_connection(("127.0.0.1", int(live.base.rsplit(":", 1)[1]))) as sock:
        sock.settimeout(HANG)
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b"}"):  # the whole JSON answer, however it is split
            chunk = sock.recv(4096)
            assert chunk, first
            first += chunk
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHo")  # and never the rest
        answer = sock.recv(4096)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert HEAD_TIMEOUT * 0.9 <= waited < 4 * HEAD_TIMEOUT


# --- containers -----------------------------------------------------------------------------


def forge_sizes(data: bytes, claimed: int) -> bytes:
    """Return the zip with every member's unpacked size, in its local header and in the
    directory, rewritten to ``claimed`` bytes (what a forged file does)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    for member in members:
        struct.pack_into("<I", out, member.header_offset + 22, claimed)
    end = data.rfind(b"PK\x05\x06")
    count, _, offset = struct.unpack("<HII", data[end + 10 : end + 20])
    position = offset
    for _ in range(count):
        assert out[position : position + 4] == b"PK\x01\x02"
        struct.pack_into("<I", out, position + 24, claimed)
        lengths = struct.unpack("<HHH", out[position + 28 : position + 34])
        position += 46 + sum(lengths)
    return bytes(out)


def _sheet_with_rows(rows: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet><dimension ref="A1"/><sheetData>')
            block = b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 10_001)
            )
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _zeros_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as strings:
            for _ in range(300):
                strings.write(b"\0" * (1024 * 1024))
    return buffer.getvalue()


def _worker_rss(pid: int) -> dict[int, int]:
    """Resident memory (kB) of each Uvicorn worker under the server process."""
    found: dict[int, int] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").iterdir():
            pending += [int(c) for c in (task / "children").read_text().split()]
        if current == pid:
            continue
        cmdline = Path(f"/proc/{current}/cmdline").read_bytes()
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            status = Path(f"/proc/{current}/status").read_text()
            found[current] = int(status.split("VmRSS:")[1].split()[0])
    return found


def _large_csv() -> bytes:
    """About 49 MB of DUO-shaped lines (issue #13: such a preview blocked a worker 25 s)."""
    header = ";".join(f"KOLOM {n}" for n in range(12)) + "\n"
    line = ";".join(["0363", "AMSTERDAM", "2019", "12"] + ["7"] * 8) + "\n"
    return (header + line * 1_250_000).encode("utf-8")


def test_forged_prefixed_and_lying_zips_are_refused_without_memory_growth(live: Live) -> None:
    files = {
        "vervalst.xlsx": forge_sizes(_sheet_with_rows(600_000), 1000),
        "voorvoegsel.xlsx": b"JUNK" + _zeros_bomb(),
        "liegt.xlsx": forge_sizes(_zeros_bomb(), 100),
        "groot.csv": _large_csv(),
    }
    with session_scope(live.world.engine) as session:
        create_user(session, SYSTEM, "bestanden@example.nl", PASSWORD, "beheerder")
    with _client(live, "127.0.0.6") as client:
        form = client.get("/inloggen")
        token = _LOGIN_CSRF.search(form.text)
        assert token is not None
        data = {"email": "bestanden@example.nl", "password": PASSWORD, "csrf": token.group(1)}
        assert client.post("/inloggen", data=data).status_code == 303
        page = client.get("/beheer/bestanden")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        before = _worker_rss(live.pid)
        answers = {}
        for name, content in files.items():
            started = time.monotonic()
            response = client.post(
                "/beheer/bestanden",
                data={"csrf": csrf},
                files={"file": (name, content, "application/octet-stream")},
            )
            answers[name] = (response.status_code, response.text, time.monotonic() - started)
        after = _worker_rss(live.pid)
    print({name: round(a[2], 2) for name, a in answers.items()})  # seconds, for the record
    assert answers["vervalst.xlsx"][0] == 400 and "500,000 rijen" in answers["vervalst.xlsx"][1]
    assert answers["voorvoegsel.xlsx"][0] == 400 and "zipbom" in answers["voorvoegsel.xlsx"][1]
    assert answers["liegt.xlsx"][0] == 400 and "zipbom" in answers["liegt.xlsx"][1]
    assert answers["groot.csv"][0] == 400 and "te groot om te lezen" in answers["groot.csv"][1]
    # The zips are refused within 2 s each. The CSV's scan refuses it at once by its size
    # (tests/test_uploads.py), but sending 49 MB over loopback to a worker on a shared,
    # busy machine takes seconds by itself: bounded here by HANG.
    seconds = {n: round(a[2], 2) for n, a in answers.items()}
    assert all(seconds[n] < 2.0 for n in files if n.endswith(".xlsx")), seconds
    assert seconds["groot.csv"] < HANG, seconds
    growth = max(after.get(pid, 0) - rss for pid, rss in before.items())
    assert growth < 100 * 1024, (before, after)


# --- after an edit --------------------------------------------------------------------------

EDIT_CLIENTS = 16
EDIT_SECONDS = 10.0
EDIT_P99 = 2.0
"""Seconds: the issue's bound on the 99th percentile right after one register edit."""
PUBLIC_PAGES = ["/", "/pijplijn", "/indicatoren", "/doelen", "/bronnen", "/scenarios"]
PUBLIC_API = ["/api/v1/regions", "/api/v1/datasets", "/api/v1/goals", "/api/v1/overview"]


def _public_mix(live: Live) -> list[str]:
    """The public pages and API lists, and every indicator's page and Twente values (those
    of an indicator with a register term read the register)."""
    answer = httpx.get(live.base + "/api/v1/indicators", timeout=60).json()
    ids = [item["id"] for item in (answer["data"] if isinstance(answer, dict) else answer)]
    return (
        PUBLIC_PAGES
        + PUBLIC_API
        + [f"/indicatoren/{i}" for i in ids]
        + [f"/api/v1/indicators/{i}/values?region=twente" for i in ids]
    )


def _hammer(live: Live, paths: list[str], seconds: float) -> list[tuple[str, float, int]]:
    """EDIT_CLIENTS threads fetching ``paths`` in turn for ``seconds``: (path, seconds,
    status) of every request; a request with no answer within HANG counts as status 0."""
    deadline = time.monotonic() + seconds
    turn = iter(range(10**9))
    lock = threading.Lock()

    def client_loop(n: int) -> list[tuple[str, float, int]]:
        done = []
        with _client(live, f"127.0.0.{20 + n}") as client:
            while time.monotonic() < deadline:
                with lock:
                    path = paths[next(turn) % len(paths)]
                started = time.monotonic()
                try:
                    status = client.get(path).status_code
                except httpx.TimeoutException:
                    status = 0
                done.append((path, time.monotonic() - started, status))
        return done

    with ThreadPoolExecutor(EDIT_CLIENTS) as pool:
        return [r for rs in pool.map(client_loop, range(EDIT_CLIENTS)) for r in rs]


def _p99(results: list[tuple[str, float, int]]) -> float:
    seconds = sorted(s for _, s, _ in results)
    return seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]


def test_after_one_register_edit_16_clients_get_p99_under_2_s(live: Live) -> None:
    """A register edit raises the register's version: only the results that read the
    register (the scorecard, indicators with a register term) are recomputed, once per
    worker, while the other requests get the previous result (within the stale bound)."""
    paths = _public_mix(live)
    # Every path warm in both workers (the kernel hands connections to either): fetched
    # from several clients at once until a whole round is quick.
    for _ in range(6):
        with ThreadPoolExecutor(4) as pool:
            times = list(pool.map(lambda p: _timed_get(live, p), paths * 2))
        if max(times) < 0.5:
            break
    with session_scope(live.world.engine) as session:
        user = session.get(User, live.world.user_ids["beheerder"])
        assert user is not None
        secret = create_token(session, user, "na een wijziging").secret
    record = {"organisation_id": live.world.org_a, "project_id": live.world.project}
    edit = httpx.post(
        live.base + "/api/v1/register/participation",
        headers={"Authorization": f"Bearer {secret}"},
        json={**record, "period": "2024", "pupils": 12},
        timeout=HANG,
    )
    assert edit.status_code == 201, edit.text[:300]
    results = _hammer(live, paths, EDIT_SECONDS)
    slowest = sorted(results, key=lambda r: -r[1])[:5]
    print(f"{len(results)} requests, p99 {_p99(results):.2f} s, slowest {slowest}")
    assert {status for _, _, status in results} == {200}, Counter(s for _, _, s in results)
    assert _p99(results) < EDIT_P99, slowest
    # Within the stale bound the new result is there: the scorecard's answer carries the
    # new version's ETag again (a stale answer has none).
    goals = httpx.get(live.base + "/api/v1/goals", timeout=HANG)
    assert goals.status_code == 200 and "etag" in goals.headers, goals.headers


def _timed_get(live: Live, path: str) -> float:
    started = time.monotonic()
    assert httpx.get(live.base + path, timeout=60).status_code == 200, path
    return time.monotonic() - started
