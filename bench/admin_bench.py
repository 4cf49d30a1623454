"""Admin benchmark: what logging in and the register forms cost, in-process (TestClient), on
the demo store with one participation record per request added.

Reports p50/p95 latency for: a login through the form (argon2id verification plus the
throttling query), an admin list page (session check, rights, the list), a participation
created through the form (CSRF, rights, validation, audit record, commit) and the edit form.
Targets (issue 6's page budget, applied to the admin pages): page p95 < 100 ms, a form post
p95 < 150 ms, a login < 500 ms. The baseline printed beside them is ``/api/health`` in the same
run: the ceiling of the stack without database work.

Run from the repository root: ``.venv/bin/python bench/admin_bench.py [--requests 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def timed(action: Callable[[], object], count: int) -> list[float]:
    """Return the milliseconds of ``count`` runs of ``action``."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float], target: str) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{name:<34} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   {target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    count = parser.parse_args().requests

    from admin_helpers import EMAILS, PASSWORD, build_world, log_in, login_attempt

    folder = Path(tempfile.mkdtemp(prefix="pijplijn-admin-bench-"))
    world = build_world(f"sqlite:///{folder / 'bench.db'}", folder / "uploads")
    with world.client() as client:
        report("baseline GET /api/health", timed(lambda: client.get("/api/health"), count), "")
        logins = timed(lambda: login_attempt(client, EMAILS["beheerder"], PASSWORD), 20)
        report("login (form, argon2id)", logins, "target < 500 ms")
        csrf = log_in(client, EMAILS["redacteur_own"])

        def page(path: str) -> Callable[[], None]:
            def get() -> None:
                response = client.get(path, follow_redirects=False)
                assert response.status_code == 200, (path, response.status_code)

            return get

        for path in ("/beheer/deelname", "/beheer/deelname/nieuw"):
            report(f"GET {path}", timed(page(path), count), "target p95 < 100 ms")
        years = iter(range(10_000))

        def create() -> None:
            response = client.post(
                "/beheer/deelname",
                data={
                    "organisation_id": str(world.org_a),
                    "project_id": str(world.project),
                    "period": str(1000 + next(years)),
                    "pupils": "12",
                    "csrf": csrf,
                },
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text[-500:]

        report("POST /beheer/deelname (create)", timed(create, count), "target p95 < 150 ms")
    world.engine.dispose()


if __name__ == "__main__":
    main()
