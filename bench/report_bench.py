"""Benchmark: the annual report and the factsheets with all real data loaded, and the export of
the observations to Parquet and XLSX, with a 1-million-row Parquet export.

Run: .venv/bin/python bench/report_bench.py DATABASE_URL [--repeat N] [--part P]
(a store with every real file imported, e.g. as tests/conftest.py's real_url builds it;
``--part`` is ``sheets``, ``report``, ``export`` or ``all``). Each figure prints beside its
target and a peer measured in the same run; repeated figures give min / median / max.

- ``sheets``: a gemeente factsheet PDF from a cold process (``pijplijn factsheet``), beside
  ``python -c pass`` and ``pijplijn --help``; in one process with the data loaded and cold
  caches, a gemeente's and an institution's sheet (view + HTML + PDF, the first after a
  warm-up of the process's fonts and templates) and the batch of every Twente gemeente and
  institution (``pijplijn factsheet batch``'s function), beside the HTML render of a warm
  view. Targets: a factsheet < 2 s, the batch < 30 s.
- ``report``: the HTML and PDF report from a cold process (``pijplijn report``), beside
  ``python -c pass``. Targets: HTML < 5 s, PDF < 20 s.
- ``export``: the Parquet/XLSX export of the observations and of 1,000,000 rows with
  disclosure control, beside the same rows written unprotected. Target: 1 M rows < 3 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pijplijn.content.loader import load_pack
from pijplijn.engine import disclosure
from pijplijn.engine.cache import _SHARED
from pijplijn.engine.cells import observation_frame
from pijplijn.engine.indicators.evaluate import CACHE
from pijplijn.export.tables import Table, observations
from pijplijn.export.writers import write_parquet, write_xlsx
from pijplijn.store.db import open_engine, session_scope

PIJPLIJN = str(Path(sys.executable).with_name("pijplijn"))


def timed(label: str, target: float | None, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    goal = f"target < {target:g} s" if target else "peer"
    print(f"{label:<60} {seconds:7.2f} s   ({goal})", flush=True)
    return seconds


def cpu() -> float:
    """CPU seconds of this process and its finished children: on a shared machine the wall
    clock also counts the time spent waiting for a core, the CPU time does not."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def repeated(label: str, target: float | None, work: Callable[[], object], repeat: int) -> None:
    """Run ``work`` ``repeat`` times after clearing the caches; print min / median / max of
    the wall clock, and the median CPU time."""
    runs, cpus = [], []
    for _ in range(repeat):
        cold()
        start, used = time.perf_counter(), cpu()
        work()
        runs.append(time.perf_counter() - start)
        cpus.append(cpu() - used)
    goal = f"target < {target:g} s" if target else "peer"
    verdict = "" if not target else ("  ok" if statistics.median(runs) < target else "  MISSED")
    print(
        f"{label:<52} wall min {min(runs):6.2f} median {statistics.median(runs):6.2f} "
        f"max {max(runs):6.2f} s, CPU {statistics.median(cpus):6.2f} s  ({goal}){verdict}",
        flush=True,
    )


def process(*args: str) -> Callable[[], object]:
    """A whole process, run to its end; a failure stops the bench."""

    def run() -> object:
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()[-400:]}")
        return done

    return run


def cold() -> None:
    _SHARED.clear()
    CACHE.clear()


def sheets(url: str, out: Path, repeat: int) -> None:
    from pijplijn.report.factsheet import to_html, write, write_batch
    from pijplijn.report.pdf import pdf_bytes
    from pijplijn.views.factsheet import gemeente_sheet
    from pijplijn.views.instelling import instelling_sheet

    pack = load_pack("twente")
    print("-- factsheets, from a cold process", flush=True)
    repeated("  peer: python -c pass", None, process(sys.executable, "-c", "pass"), repeat)
    repeated("  peer: pijplijn --help", None, process(PIJPLIJN, "--help"), repeat)
    sheet_pdf = str(out / "enschede.pdf")
    cli = (PIJPLIJN, "factsheet", "gemeente", "Enschede", "--out", sheet_pdf, "--database", url)
    repeated("pijplijn factsheet gemeente Enschede --out .pdf", None, process(*cli), repeat)
    print("-- factsheets, in one process with the data loaded, cold caches", flush=True)
    engine = open_engine(url)
    with session_scope(engine) as session:
        # The process's one-time costs (templates, WeasyPrint and its fonts) apart.
        pdf_bytes(to_html(gemeente_sheet(session, pack, "Hengelo"), pack.pack.title))
        repeated(
            "factsheet gemeente Enschede: view + HTML + PDF",
            2,
            lambda: write(gemeente_sheet(session, pack, "Enschede"), "x", out / "e.pdf"),
            repeat,
        )
        repeated(
            "factsheet instelling 27YU: view + HTML + PDF",
            2,
            lambda: write(instelling_sheet(session, pack, "27YU"), "x", out / "i.pdf"),
            repeat,
        )
        warm = gemeente_sheet(session, pack, "Enschede")
        repeated("  peer: HTML of a warm gemeente view", None, lambda: to_html(warm, "x"), repeat)
        names: list[str] = []
        repeated(
            "batch: 14 gemeenten + their institutions, PDF zip",
            30,
            lambda: names.extend(write_batch(session, pack, out / "sheets.zip")),
            max(1, repeat // 3),
        )
        print(f"  (the batch wrote {len(set(names))} sheets)", flush=True)
    engine.dispose()


def report(url: str, out: Path, repeat: int) -> None:
    print("-- annual report, from a cold process", flush=True)
    repeated("  peer: python -c pass", None, process(sys.executable, "-c", "pass"), repeat)
    for suffix, target in (("html", 5), ("pdf", 20)):
        cli = (PIJPLIJN, "report", "--out", str(out / f"m.{suffix}"), "--database", url)
        repeated(f"pijplijn report --out monitor.{suffix}", target, process(*cli), repeat)


def export(url: str, out: Path) -> None:
    print("-- exports", flush=True)
    engine = open_engine(url)
    with session_scope(engine) as session:
        frame = observation_frame(session)
        n = frame.height
        timed(f"read {n:,} observations from the store", None, lambda: observation_frame(session))
        table: list[Table] = []
        timed(
            f"Parquet export of {n:,} observations (read+protect+write)",
            None,
            lambda: table.append(observations(session)) or write_parquet(table[-1:], out / "pq"),
        )
        timed(
            f"XLSX export of {n:,} observations",
            None,
            lambda: write_xlsx(table[-1:], out / "obs.xlsx"),
        )
    # A million rows: the real observations repeated with shifted periods (distinct cells,
    # the same mix of small counts), as a national table of that size would hold.
    copies = -(-1_000_000 // n)
    million = pl.concat(
        [frame.with_columns(pl.col("period") + f"#{k}") for k in range(copies)]
    ).head(1_000_000)
    limit = disclosure.threshold()

    def export_million() -> None:
        # Every row treated as protected: the most the rule can cost.
        hidden = disclosure.suppressed_cells(million, limit)
        protected = million.with_columns(
            pl.when(hidden).then(None).otherwise(pl.col("value")).alias("value")
        )
        write_parquet([Table("observations", "", protected, {})], out / "pq1m")

    timed("Parquet export of 1,000,000 observations (protect+write)", 3, export_million)
    timed(
        "  peer: the same 1,000,000 rows written unprotected",
        None,
        lambda: write_parquet([Table("observations", "", million, {})], out / "pq1m-raw"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", default="sqlite:///pijplijn.db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part", choices=("sheets", "report", "export", "all"), default="all")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp())
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores (wall > CPU: waiting for one)")
    if args.part in ("sheets", "all"):
        sheets(args.url, out, args.repeat)
    if args.part in ("report", "all"):
        report(args.url, out, args.repeat)
    if args.part in ("export", "all"):
        export(args.url, out)


if __name__ == "__main__":
    main()
