"""Load benchmark (issue #13): ``pijplijn serve --workers 2`` on SQLite and PostgreSQL with the
national data, 16 client threads for 30 s over a mix of public pages and API calls.

Prints, per database, one row each for:
- ``/api/health`` (no database work): the baseline of the stack, measured in the same run;
- the warm mix (pages and API calls, every path fetched once per worker beforehand);
- the same mix right after one register edit (a participation created through the API with a
  personal token), which raises the data version and so empties every cached result;
with requests/s, p50, p95, p99 and max latency, errors (status >= 400 or no answer within
10 s), and the workers' resident memory before and after.

Targets (issue #13): warm p95 < 300 ms, p99 < 1 s, 0 errors, RSS growth < 50 MB; right after
an edit p99 < 2 s.

Run from the repository root: ``.venv/bin/python bench/load_bench.py [--seconds 30]
[--postgres URL] [--database URL]`` (``--database``: a store loaded with the same files
before, used as it is, to compare changes without importing again). Needs ../shared/data;
PostgreSQL (a fresh schema, dropped afterwards) from ``--postgres`` or
``PIJPLIJN_TEST_DATABASE_URL``, skipped when neither is set.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FILES = [
    "geo/koppelcodes_gemeenten.csv",
    "duo/mbo_deelnemers_2015-2019.csv",
    "duo/hbo_eerstejaars_2015-2019.csv",
    "duo/wo_eerstejaars_2015-2019.csv",
    "duo/vo_examenkandidaten_2019-2024.csv",
    "cbs/vacatures_regio_provincie.csv",
]
PAGES = ["/", "/pijplijn", "/indicatoren", "/doelen", "/bronnen", "/scenarios"]
API = [
    "/api/v1/regions",
    "/api/v1/datasets",
    "/api/v1/goals",
    "/api/v1/observations?measure=enrolled&stage=mbo&region=twente&by=period,sector",
    "/api/v1/observations?measure=enrolled&stage=mbo&region=twente&by=period,gender",
    "/api/v1/observations?measure=first_year&stage=hbo&region=twente&by=period",
]
PIJPLIJN = ROOT / ".venv" / "bin" / "pijplijn"


def mix(url: str) -> list[str]:
    """The public pages, the API calls, and every indicator's page and Twente values."""
    answer = httpx.get(url + "/api/v1/indicators", timeout=60).json()
    records = answer["data"] if isinstance(answer, dict) else answer
    ids = [item["id"] for item in records]
    per_indicator = [f"/indicatoren/{i}" for i in ids[:6]] + [
        f"/api/v1/indicators/{i}/values?region=twente" for i in ids
    ]
    return PAGES + API + per_indicator


Result = tuple[list[float], int, dict[str, list[float]]]
"""All latencies (s), the number of errors, and the latencies per path."""


def load(url: str, paths: list[str], seconds: float, clients: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """Fetch ``paths`` in turn from ``clients`` threads for ``seconds``; put a Result on
    ``out``."""
    deadline = time.perf_counter() + seconds
    turn = iter(range(10**9))

    def client_loop() -> tuple[list[tuple[str, float]], int]:
        latencies: list[tuple[str, float]] = []
        errors = 0
        with httpx.Client(base_url=url, timeout=10) as client:
            while time.perf_counter() < deadline:
                path = paths[next(turn) % len(paths)]
                started = time.perf_counter()
                try:
                    errors += client.get(path).status_code >= 400
                except httpx.HTTPError:
                    errors += 1
                latencies.append((path, time.perf_counter() - started))
        return latencies, errors

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: client_loop(), range(clients)))
    per_path: dict[str, list[float]] = {}
    for latencies, _ in results:
        for path, latency in latencies:
            per_path.setdefault(path, []).append(latency)
    everything = [x for r in results for _, x in r[0]]
    out.put((everything, sum(r[1] for r in results), per_path))


def measure(url: str, paths: list[str], seconds: float, clients: int) -> Result:
    """Run ``load`` in a second process (so the client's GIL is not the server's limit)."""
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    process = mp.Process(target=load, args=(url, paths, seconds, clients, queue))
    process.start()
    result: Result = queue.get()
    process.join()
    return result


def slowest(result: Result, count: int = 5) -> str:
    """The ``count`` paths with the highest p95, with their p95 and max in ms."""
    lines = []
    for path, latencies in result[2].items():
        q95 = _quantiles(latencies)[94]
        lines.append((q95, f"    {path[:70]:<70} n={len(latencies):4d} p95 {q95 * 1000:7.1f} "
                           f"max {max(latencies) * 1000:7.1f}"))  # fmt: skip
    return "\n".join(line for _, line in sorted(lines, reverse=True)[:count])


def _quantiles(latencies: list[float]) -> list[float]:
    if len(latencies) > 1:
        return statistics.quantiles(latencies, n=100, method="inclusive")
    return [latencies[0] if latencies else 0.0] * 99


def workers_of(pid: int) -> list[int]:
    """The Uvicorn worker processes under the server process ``pid`` (spawned children)."""
    found = []
    for child in _children(pid):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(child)
    return found


def _children(pid: int) -> Iterator[int]:
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            yield int(child)
            yield from _children(int(child))


def rss_mb(pids: list[int]) -> str:
    """Resident memory of each process, in MB."""
    values = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                values.append(int(line.split()[1]) // 1024)
    return "/".join(str(v) for v in values) or "?"


def row(name: str, result: Result, seconds: float, rss: str) -> str:
    latencies, errors, _ = result
    q = _quantiles(latencies)
    return (
        f"{name:<22} {len(latencies) / seconds:7.1f} {q[49] * 1000:8.1f} {q[94] * 1000:8.1f} "
        f"{q[98] * 1000:8.1f} {max(latencies, default=0) * 1000:8.1f} {errors:6d}  {rss}"
    )


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def prepare(url: str, fresh: bool = True) -> tuple[str, dict[str, object]]:
    """Load the demo and the national files into ``url`` (unless not ``fresh``: loaded
    before); return a beheerder's API token and a participation record to post."""
    if not fresh:
        return _token(url)
    env = {**os.environ, "PIJPLIJN_DATABASE_URL": url}
    subprocess.run([PIJPLIJN, "init", "--demo"], check=True, capture_output=True, env=env)
    files = [str(SHARED / f) for f in FILES]
    subprocess.run([PIJPLIJN, "import", *files], check=True, capture_output=True, env=env)
    return _token(url)


def _token(url: str) -> tuple[str, dict[str, object]]:
    # Through pijplijn's own services, as a script of the programme office would.
    from sqlalchemy import select

    from pijplijn.accounts.rights import SYSTEM
    from pijplijn.accounts.tokens import create_token
    from pijplijn.accounts.users import create_user
    from pijplijn.register import service
    from pijplijn.store.db import open_engine, session_scope
    from pijplijn.store.register_models import Project

    engine = open_engine(url)
    with session_scope(engine) as session:
        run = uuid.uuid4().int % 10**8
        user = create_user(
            session, SYSTEM, f"bench-{run}@example.nl", "paarse olifant op de fiets", "beheerder"
        )
        secret = create_token(session, user, "bench").secret
        company = {"name": f"Bench {run} B.V.", "kind": "ondernemers", "size_class": "50-249",
                   "sector": "HTSM", "gemeente_code": "GM0153", "kvk": f"{run:08d}"}  # fmt: skip
        organisation = service.create(session, SYSTEM, "organisation", company).id
        project = session.scalars(select(Project.id)).first()
    engine.dispose()
    record = {"organisation_id": organisation, "project_id": project, "period": "2024"}
    return secret, {**record, "pupils": 7}


def edit(url: str, token: str, record: dict[str, object]) -> None:
    """One register edit: a participation created through the API."""
    response = httpx.post(
        url + "/api/v1/register/participation",
        headers={"Authorization": f"Bearer {token}"},
        json=record,
        timeout=30,
    )
    if response.status_code != 201:
        raise SystemExit(f"edit failed: {response.status_code} {response.text[:300]}")


@contextmanager
def served(url: str, workers: int) -> Iterator[tuple[str, int]]:
    """Run ``pijplijn serve`` on a free loopback port; yield its URL and pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [PIJPLIJN, "serve", "--port", str(port), "--workers", str(workers), "--database", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not answer /api/health within 300 s")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run(
    label: str, url: str, seconds: float, clients: int, workers: int, fresh: bool = True
) -> None:
    token, record = prepare(url, fresh)
    with served(url, workers) as (base, pid):
        paths = mix(base)
        for _ in range(2 * workers):  # every worker warm
            for path in paths:
                httpx.get(base + path, timeout=60)
        pids = workers_of(pid)
        print(f"\n{label}: {workers} workers, {clients} clients, {len(paths)} paths in the mix, "
              f"load average {_load_average()}")  # fmt: skip
        print(f"{'':<22} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8} {'errors':>6}  RSS MB before -> after")  # fmt: skip
        before = rss_mb(pids)
        health = measure(base, ["/api/health"], min(seconds, 10), clients)
        print(
            row("/api/health (baseline)", health, min(seconds, 10), f"{before} -> {rss_mb(pids)}")
        )
        before = rss_mb(pids)
        warm = measure(base, paths, seconds, clients)
        print(row("mix, warm", warm, seconds, f"{before} -> {rss_mb(pids)}"))
        print(slowest(warm))
        before = rss_mb(pids)
        edit(base, token, record)
        after_edit = measure(base, paths, min(seconds, 15), clients)
        print(
            row("mix, after an edit", after_edit, min(seconds, 15), f"{before} -> {rss_mb(pids)}")
        )
        print(slowest(after_edit))
        print(f"load average (the machine is shared): {_load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("PIJPLIJN_TEST_DATABASE_URL"))
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--database", help="a store loaded before (by an earlier run's files): no import"
    )
    args = parser.parse_args()
    if args.database:
        name = "PostgreSQL" if args.database.startswith("postgresql") else "SQLite"
        run(name, args.database, args.seconds, args.clients, args.workers, fresh=False)
        return
    if args.only != "postgresql":
        folder = Path(tempfile.mkdtemp())
        run("SQLite", f"sqlite:///{folder / 'bench.db'}", args.seconds, args.clients, args.workers)
    if args.postgres and args.only != "sqlite":
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            run(
                "PostgreSQL",
                url.render_as_string(hide_password=False),
                args.seconds,
                args.clients,
                args.workers,
            )
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
