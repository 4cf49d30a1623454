"""Web benchmark: the app on 127.0.0.1 with the national data, under a bounded load from a
second process over loopback.

Reports requests/s, p50/p95/p99 latency and errors for: the overview and pipeline pages, an
indicator API call answered from the ETag (cached: 304), computed from the engine's result
cache, and cold (a distinct query each time: the first evaluation per gemeente and province),
and a scenario recomputation (the Scenario's page with a new slider position each request).
Targets (issue 6): cached API >= 500 req/s, page p95 < 100 ms, scenario recomputation p95 <
150 ms, 0 errors. The baseline printed beside them is the /api/health endpoint (no database
work) measured in the same run: the ceiling of the stack.

Run from the repository root: ``.venv/bin/python bench/web_bench.py [--seconds 5]``.
Needs ../shared/data (the real DUO and CBS files).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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
    "cbs/80472ned_vacatures_sbi.csv",
    "cbs/vacatures_regio_provincie.csv",
]
API = "/api/v1/indicators/mbo-aandeel-techniek/values?region=twente"
OBSERVATIONS = "/api/v1/observations?measure=enrolled&stage=mbo&region=twente&by=period,sector"
GEMEENTEN = [
    "GM0141", "GM0147", "GM1774", "GM0153", "GM0158", "GM0163", "GM0164",
    "GM1735", "GM0168", "GM0173", "GM1742", "GM0183", "GM1700", "GM0189",
]  # fmt: skip
PROVINCES = [f"PV{n}" for n in range(20, 32)]


def load(
    url: str,
    paths: list[str],
    seconds: float,
    workers: int,
    etag: bool,
    out: mp.Queue,  # type: ignore[type-arg]
) -> None:
    """Hit ``paths`` (in turn) from ``workers`` threads for ``seconds``; put (latencies,
    errors) on out."""
    deadline = time.perf_counter() + seconds
    turn = iter(range(10**9))

    def worker() -> tuple[list[float], int]:
        latencies, errors = [], 0
        with httpx.Client(base_url=url, timeout=10) as client:
            headers = {}
            if etag:
                headers["If-None-Match"] = client.get(paths[0]).headers.get("etag", "")
            while time.perf_counter() < deadline:
                path = paths[next(turn) % len(paths)]
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code >= 400
        return latencies, errors

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda _: worker(), range(workers)))
    out.put(([x for r in results for x in r[0]], sum(r[1] for r in results)))


def measure(
    url: str, path: str | list[str], seconds: float, workers: int, etag: bool = False
) -> str:
    paths = [path] if isinstance(path, str) else path
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    process = mp.Process(target=load, args=(url, paths, seconds, workers, etag, queue))
    process.start()
    latencies, errors = queue.get()
    process.join()
    return report(latencies, errors, seconds)


def report(latencies: list[float], errors: int, seconds: float) -> str:
    q = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / seconds
    return (
        f"{rate:8.0f} req/s  p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  "
        f"p99 {q[98] * 1000:6.1f} ms  errors {errors}"
    )


def cold(url: str) -> str:
    """Time the first evaluation of the indicator for every gemeente of Twente and every
    province, one after another (nothing cached: each is a new query)."""
    latencies, errors = [], 0
    started_all = time.perf_counter()
    with httpx.Client(base_url=url, timeout=60) as client:
        for region in GEMEENTEN + PROVINCES:
            started = time.perf_counter()
            response = client.get(f"/api/v1/indicators/mbo-aandeel-techniek/values?region={region}")
            latencies.append(time.perf_counter() - started)
            errors += response.status_code >= 400
    return report(latencies, errors, time.perf_counter() - started_all)


def wrk(url: str, path: str, seconds: float, etag: str | None = None) -> str:
    """Return wrk's requests/s for ``path`` (a C load generator: not limited by Python)."""
    if shutil.which("wrk") is None:
        return "wrk not installed (apt-get install wrk)"
    header = ["-H", f"If-None-Match: {etag}"] if etag else []
    done = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{int(seconds)}s", *header, url + path],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return (
        f"{float(found[1]) if found else 0:8.0f} req/s (wrk, 16 connections), "
        f"non-2xx/3xx {errors[1] if errors else 0}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=8, help="client threads")
    parser.add_argument("--server-workers", type=int, default=2, help="Uvicorn workers")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url_db = f"sqlite:///{folder / 'bench.db'}"
    pijplijn = [str(ROOT / ".venv" / "bin" / "pijplijn")]
    subprocess.run(
        [*pijplijn, "init", "--demo", "--database", url_db], check=True, capture_output=True
    )
    subprocess.run(
        [*pijplijn, "import", *(str(SHARED / f) for f in FILES), "--database", url_db],
        check=True,
        capture_output=True,
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*pijplijn, "serve", "--port", str(port), "--database", url_db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        for _ in range(4 * args.server_workers):  # warm up every worker's caches
            for path in ("/", "/pijplijn", API, OBSERVATIONS, "/scenarios"):
                httpx.get(url + path, timeout=60)
        print(
            f"server: {args.server_workers} Uvicorn workers, {args.workers} client threads, "
            f"{args.seconds} s each"
        )
        seconds, workers = args.seconds, args.workers
        print(f"baseline /api/health            {measure(url, '/api/health', seconds, workers)}")
        page = "   target p95 < 100 ms"
        print(f"overview page /                 {measure(url, '/', seconds, workers)}{page}")
        print(
            f"pipeline page /pijplijn         {measure(url, '/pijplijn', seconds, workers)}{page}"
        )
        cached = measure(url, API, seconds, workers, etag=True)
        print(f"indicator API cached (ETag 304) {cached}   target >= 500 req/s")
        print(f"indicator API (engine cache)    {measure(url, API, seconds, workers)}")
        print(f"indicator API cold, 26 regions  {cold(url)}")
        print(f"observations API (engine cache) {measure(url, OBSERVATIONS, seconds, workers)}")
        sliders = [f"/scenarios?instroom-vmbo-techniek={v}" for v in range(1, 301)]
        print(
            f"scenario recomputation          {measure(url, sliders, seconds, 2)}"
            "   target p95 < 150 ms"
        )
        etag = httpx.get(url + API).headers["etag"]
        print(f"wrk /api/health: {wrk(url, '/api/health', args.seconds)}")
        print(f"wrk API cached:  {wrk(url, API, args.seconds, etag)}   target >= 500 req/s")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
