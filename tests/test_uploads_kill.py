"""Kill the server in the middle of an upload: nothing is half-written. A real ``pijplijn
serve`` runs in a subprocess and is killed with SIGKILL (no clean-up can run) while a DUO
file is half sent, and again while its confirmed import is being written."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from admin_helpers import EMAILS, PASSWORD, SECRET, World, build_world
from conftest import _fresh_url
from pijplijn.accounts.sessions import read_session
from pijplijn.engine.version import data_version
from pijplijn.store.db import session_scope
from pijplijn.store.models import Dataset, Observation

DUO_FILE = ("duo", "mbo_deelnemers_2015-2019.csv")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("kill")
    for url in _fresh_url(folder):
        world = build_world(url, folder / "uploads")
        yield world
        world.engine.dispose()


class Server:
    """``pijplijn serve`` in its own process group, on a free port."""

    def __init__(self, world: World) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {
            **os.environ,
            "PIJPLIJN_SECRET_KEY": SECRET,
            "PIJPLIJN_UPLOAD_DIR": str(world.upload_dir),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pijplijn", "serve", "--port", str(self.port)]
            + ["--database", world.url],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.kill()
        raise AssertionError("pijplijn serve did not start")

    def kill(self) -> None:
        """SIGKILL, the way a crash or an OOM kill ends a server: no handler runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _log_in(server: Server) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.base, timeout=60)
    page = client.get("/inloggen").text
    token = page.split('action="/inloggen"')[1].split('name="csrf" value="')[1].split('"')[0]
    response = client.post(
        "/inloggen",
        data={"email": EMAILS["beheerder"], "password": PASSWORD, "csrf": token},
    )
    assert response.status_code in (200, 303)
    data = read_session(SECRET, client.cookies["pijplijn_session"])
    assert data is not None
    return client, data.csrf


def _store(world: World) -> tuple[int, int, str]:
    with session_scope(world.engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Dataset)) or 0),
            int(session.scalar(select(func.count()).select_from(Observation)) or 0),
            data_version(session),
        )


def _multipart(csrf: str, name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "pijplijn-kill-test"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def test_killed_mid_upload_and_mid_confirm_leaves_nothing_half_written(
    world: World, shared_data: Path
) -> None:
    content = shared_data.joinpath(*DUO_FILE).read_bytes()
    before = _store(world)
    # 1. Half an upload, then SIGKILL.
    server = Server(world)
    try:
        client, csrf = _log_in(server)
        body, boundary = _multipart(csrf, DUO_FILE[1], content)
        request = (
            f"POST /beheer/bestanden HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Cookie: pijplijn_session={client.cookies['pijplijn_session']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(request + body[: len(body) // 2])
            time.sleep(1.0)
            server.kill()
    finally:
        if server.process.poll() is None:
            server.kill()
    assert _store(world) == before
    assert not list(world.upload_dir.rglob("meta.json")), "a half upload looks complete"
    assert not [p for p in world.upload_dir.rglob("*") if p.name == DUO_FILE[1]]
    # 2. A whole upload and its preview, then SIGKILL while the confirmed import runs (it
    # parses for about 0.2 s and writes for about 1 s on a laptop; the delays aim inside the
    # write and are tried in turn until one kill lands before the commit).
    # A file imported completely cannot be tried again (it would be 'unchanged'), so each
    # attempt uses another file.
    outcomes = []
    for delay, name in KILL_PLAN:
        outcomes.append(_kill_during_confirm(world, shared_data / "duo" / name, delay))
        if outcomes[-1] == "nothing":
            break
    assert "nothing" in outcomes, outcomes


KILL_PLAN = (
    (0.5, "mbo_deelnemers_2015-2019.csv"),
    (0.3, "vo_examenkandidaten_2019-2024.csv"),
    (0.15, "hbo_eerstejaars_2015-2019.csv"),
)
"""Seconds between sending the confirmation and the SIGKILL, and the file to import."""


def _kill_during_confirm(world: World, path: Path, delay: float) -> str:
    """Upload, preview, confirm and SIGKILL after ``delay``; check the store is whole and
    return 'nothing' (the import was not written) or 'all' (it was, completely)."""
    before = _store(world)
    server = Server(world)
    try:
        client, csrf = _log_in(server)
        preview = client.post(
            "/beheer/bestanden",
            data={"csrf": csrf},
            files={"file": (path.name, path.read_bytes(), "text/csv")},
        )
        assert preview.status_code == 200, preview.text[-1500:]
        assert _store(world) == before  # the preview wrote nothing
        upload_id = preview.text.split("/beheer/bestanden/")[1].split("/bevestigen")[0]
        thread = threading.Thread(
            target=_ignore_errors,
            args=(client, f"/beheer/bestanden/{upload_id}/bevestigen", csrf),
            daemon=True,
        )
        thread.start()
        time.sleep(delay)
        server.kill()
        thread.join(timeout=30)
    finally:
        if server.process.poll() is None:
            server.kill()
    datasets, observations, _ = _store(world)
    with session_scope(world.engine) as session:
        declared = sum(d.row_count for d in session.scalars(select(Dataset)))
    # All or nothing: either the dataset is not there at all, or all of its rows are.
    assert observations == declared
    if datasets == before[0]:
        assert observations == before[1]
        return "nothing"
    assert datasets == before[0] + 1
    return "all"


def _ignore_errors(client: httpx.Client, url: str, csrf: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        client.post(url, data={"csrf": csrf, "kind": ""})
