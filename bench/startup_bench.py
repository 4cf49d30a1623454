"""Start-up benchmark (issue #19): whole processes, each beside its peers from the same run.

Measures, as separate processes started one after another (interleaved, so that the load of
the shared machine drifts alike over every command):

- ``python -c pass``: the floor of any Python command;
- ``pijplijn --help`` (target < 0.4 s);
- ``pijplijn datasets`` (target < 0.4 s);
- the typical query ``pijplijn query --measure enrolled --region twente --stage mbo --by
  period,domain --classification techniek@2019`` on a store holding the koppelcodes file and
  the DUO mbo file, against the same aggregation done by DuckDB's Python API on the raw CSV in
  its own process (target: ≤ 1.5× DuckDB).

The DuckDB peer reads ``mbo_deelnemers_2015-2019.csv``, unpivots the MAN/VROUW columns per
year (TOTAAL where both parts are blank, as the importer stores it), keeps the institutions
whose head office lies in the region (the place names the store attributes to the region's
gemeenten: the one input the peer is given), classifies with the rules of techniek@2019 in a
CASE and sums per year and domain. The bench checks that both give the same figures.

Prints min / median / max of ``--repeat`` runs (default 7). Needs the bench extra
(``pip install -e '.[bench]'``) and ../shared/data. Run from the repository root:
``.venv/bin/python bench/startup_bench.py [--repeat N] [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_START_S = 0.4
TARGET_RATIO = 1.5
MBO_FILE = "duo/mbo_deelnemers_2015-2019.csv"
GEMEENTEN_FILE = "geo/koppelcodes_gemeenten.csv"
QUERY = [
    "query",
    "--measure",
    "enrolled",
    "--region",
    "twente",
    "--stage",
    "mbo",
    "--by",
    "period,domain",
    "--classification",
    "techniek@2019",
]

# The rules of techniek@2019 for mbo (content/twente/classifications.yaml), as DuckDB SQL.
DUCKDB_SQL = """
WITH raw AS (
    SELECT * FROM read_csv(?, delim=';', header=true, all_varchar=true, null_padding=true)
    WHERE "PLAATSNAAM" IN (SELECT unnest(?::VARCHAR[]))
),
long AS (
    UNPIVOT raw ON COLUMNS('^(MAN|VROUW|TOTAAL)[0-9]{4}$') INTO NAME col VALUE cell
),
cells AS (
    SELECT "MBO SECTOR" AS sector, "DOMEIN" AS domein, "KWALIFICATIE CODE" AS code,
           "BRIN NUMMER" AS brin, "TYPE MBO" AS type, "KWALIFICATIENIVEAU" AS level,
           "SECTORUNIT SBB" AS unit, "BRIN NUMMER KENNISCENTRUM" AS kc,
           regexp_extract(col, '^[A-Z]+') AS part, right(col, 4) AS period,
           TRY_CAST(trim(cell) AS BIGINT) AS value
    FROM long
),
counted AS (
    SELECT sector, domein, period,
           CASE WHEN max(value) FILTER (WHERE part <> 'TOTAAL') IS NULL
                THEN max(value) FILTER (WHERE part = 'TOTAAL')
                ELSE sum(value) FILTER (WHERE part <> 'TOTAAL') END AS value
    FROM cells
    GROUP BY brin, code, type, level, sector, domein, unit, kc, period
)
SELECT period,
       CASE WHEN lower(sector) = 'techniek'
              OR domein IN ('Informatie en communicatietechnologie',
                            'Transport, scheepvaart en logistiek')
            THEN 'techniek' ELSE 'overig' END AS domain,
       sum(value) AS value
FROM counted WHERE value IS NOT NULL
GROUP BY ALL ORDER BY period, domain
"""
DUCKDB_SCRIPT = f"""
import json, sys
import duckdb
rows = duckdb.connect().execute({DUCKDB_SQL!r}, [sys.argv[1], json.loads(sys.argv[2])]).fetchall()
print(json.dumps([[p, d, int(v)] for p, d, v in rows]))
"""


def pijplijn() -> list[str]:
    """The installed ``pijplijn`` script beside this interpreter."""
    return [str(Path(sys.executable).with_name("pijplijn"))]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run one process to its end; return its wall time and its stdout."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])}… failed ({done.returncode}): {done.stderr}")
    return seconds, done.stdout


def prepare(folder: Path, data: Path, env: dict[str, str]) -> list[str]:
    """A store with the gemeenten and the mbo file; returns the region's head-office places."""
    run([*pijplijn(), "init"], env)
    run([*pijplijn(), "import", str(data / GEMEENTEN_FILE), str(data / MBO_FILE)], env)
    import sqlite3

    from pijplijn.content.loader import load_pack

    members = next(s.members for s in load_pack("twente").region_sets if s.code == "twente")
    with sqlite3.connect(folder / "bench.db") as connection:
        marks = ",".join("?" * len(members))
        rows = connection.execute(
            f"SELECT DISTINCT place FROM institution WHERE gemeente_code IN ({marks})",  # noqa: S608
            members,
        ).fetchall()
    return sorted(place for (place,) in rows if place)


def in_process(folder: Path, data: Path, places: list[str], repeat: int) -> dict[str, list[float]]:
    """The typical query inside one process, without start-up: pijplijn's cube query on the
    store (cold caches) and DuckDB's aggregation of the raw CSV (a new connection each)."""
    import duckdb

    from pijplijn.engine.cache import _SHARED
    from pijplijn.engine.cube import CubeQuery, query
    from pijplijn.store.db import open_engine, session_scope

    q = CubeQuery(
        measure="enrolled",
        region="twente",
        stage="mbo",
        by=("period", "domain"),
        classification="techniek@2019",
    )
    engine = open_engine(f"sqlite:///{folder / 'bench.db'}")
    times: dict[str, list[float]] = {"cube query in-process": [], "duckdb in-process": []}
    for _ in range(repeat):
        _SHARED.clear()
        start = time.perf_counter()
        with session_scope(engine) as session:
            query(session, q)
        times["cube query in-process"].append(time.perf_counter() - start)
        start = time.perf_counter()
        duckdb.connect().execute(DUCKDB_SQL, [str(data / MBO_FILE), places]).fetchall()
        times["duckdb in-process"].append(time.perf_counter() - start)
    engine.dispose()
    return times


def figures_of_query(stdout: str) -> list[list[object]]:
    reader = csv.DictReader(io.StringIO(stdout))
    return [[r["period"], r["domain"], int(float(r["value"]))] for r in reader]


def line(label: str, times: list[float], note: str = "") -> None:
    print(
        f"{label:<34} min {min(times):6.3f} s  median {statistics.median(times):6.3f} s  "
        f"max {max(times):6.3f} s  {note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = {**os.environ, "PIJPLIJN_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"}
        places = prepare(folder, args.data, env)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "pijplijn --help": [*pijplijn(), "--help"],
            "pijplijn datasets": [*pijplijn(), "datasets"],
            "pijplijn query (typical)": [*pijplijn(), *QUERY, "--format", "csv"],
            "duckdb on the raw CSV": [
                sys.executable,
                "-c",
                DUCKDB_SCRIPT,
                str(args.data / MBO_FILE),
                json.dumps(places),
            ],
        }
        times: dict[str, list[float]] = {label: [] for label in commands}
        outputs: dict[str, str] = {}
        for label, argv in commands.items():  # one warm-up each: the OS file cache
            outputs[label] = run(argv, env)[1]
        for _ in range(args.repeat):
            for label, argv in commands.items():
                times[label].append(run(argv, env)[0])
        inside = in_process(folder, args.data, places, args.repeat)
    ours = figures_of_query(outputs["pijplijn query (typical)"])
    peer = json.loads(outputs["duckdb on the raw CSV"])
    same = ours == peer
    median = {label: statistics.median(t) for label, t in times.items()}
    ratio = median["pijplijn query (typical)"] / median["duckdb on the raw CSV"]
    print(
        f"{os.cpu_count()} CPUs, load average {load:.2f} at the start; {args.repeat} runs each, "
        f"interleaved; region places given to DuckDB: {', '.join(places)}"
    )
    line("python -c pass", times["python -c pass"], "(floor)")
    for label in ("pijplijn --help", "pijplijn datasets"):
        line(label, times[label], f"(target < {TARGET_START_S} s)")
    line(
        "pijplijn query (typical)",
        times["pijplijn query (typical)"],
        f"= {ratio:.2f}× DuckDB by the medians (target ≤ {TARGET_RATIO}×)",
    )
    line("duckdb on the raw CSV", times["duckdb on the raw CSV"], "(peer)")
    for label, seconds in inside.items():
        line(label, seconds, "(no start-up: the aggregation alone)")
    print(f"same figures as DuckDB: {'yes' if same else 'NO'} ({len(ours)} rows)")
    if not same:
        print(f"  pijplijn: {ours}\n  duckdb:   {peer}", file=sys.stderr)
    missed = [
        name
        for name, ok in (
            ("--help", median["pijplijn --help"] < TARGET_START_S),
            ("datasets", median["pijplijn datasets"] < TARGET_START_S),
            ("query", ratio <= TARGET_RATIO),
            ("figures", same),
        )
        if not ok
    ]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)


if __name__ == "__main__":
    main()
