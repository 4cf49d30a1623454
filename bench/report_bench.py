"""Benchmark: the full HTML and PDF report for Twente with all real data loaded, and the export
of the observations to Parquet and XLSX, with a 1-million-row Parquet export.

Run: .venv/bin/python bench/report_bench.py DATABASE_URL   (a store with every real file
imported, e.g. as tests/conftest.py's real_url builds it). Prints each figure next to its
target from one run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from pijplijn.content.loader import load_pack
from pijplijn.engine import disclosure
from pijplijn.engine.cache import _SHARED
from pijplijn.engine.cells import observation_frame
from pijplijn.engine.indicators.evaluate import CACHE
from pijplijn.export.tables import Table, observations
from pijplijn.export.writers import write_parquet, write_xlsx
from pijplijn.report.render import to_html, to_pdf
from pijplijn.report.view import report_view
from pijplijn.store.db import open_engine, session_scope


def timed(label: str, target: float | None, work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    goal = f"target < {target:.0f} s" if target else "no target"
    print(f"{label:<52} {seconds:7.2f} s   ({goal})")
    return seconds


def cold() -> None:
    _SHARED.clear()
    CACHE.clear()


def main(url: str) -> None:
    pack = load_pack("twente")
    engine = open_engine(url)
    out = Path(tempfile.mkdtemp())
    with session_scope(engine) as session:
        cold()
        timed(
            "HTML report, Twente, cold caches",
            5,
            lambda: (out / "m.html").write_text(
                to_html(report_view(session, pack, "twente", None, "nl")), "utf-8"
            ),
        )
        warm = report_view(session, pack, "twente", None, "nl")
        timed("  baseline: HTML from a warm view (templates only)", None, lambda: to_html(warm))
        cold()
        timed(
            "PDF report, Twente, cold caches",
            20,
            lambda: to_pdf(
                to_html(report_view(session, pack, "twente", None, "nl")), out / "m.pdf"
            ),
        )
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
        "  baseline: the same 1,000,000 rows written unprotected",
        None,
        lambda: write_parquet([Table("observations", "", million, {})], out / "pq1m-raw"),
    )
    print(f"store read rate: {n / max(1e-9, _read_seconds(url)):,.0f} rows/s (see above)")


def _read_seconds(url: str) -> float:
    engine = open_engine(url)
    with session_scope(engine) as session:
        start = time.perf_counter()
        observation_frame(session)
        return time.perf_counter() - start


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///pijplijn.db")
