"""Import benchmark: a national-scale DUO mbo deelnemers file, parsed and written to the store.

Generates a synthetic file in exactly DUO's format (the header of table 03, ``;``, CRLF,
blank-padded kenniscentrum fields, stray empty lines, blank cells for programmes not offered
in a year) into a temporary folder, then prints, beside their targets:

(a) Polars' own parse of the file (``pl.read_csv``): the baseline;
(b) pijplijn's parse (``duo_mbo.parse``: reading, validation, the long frame);
(c) the whole import into a fresh SQLite file (parse + ``load_source`` in one transaction);
(d) the same into PostgreSQL, when reachable (a fresh schema, dropped afterwards);
(e) the ratio whole import / Polars parse;
(f) peak resident memory.

Run from the repository root: ``.venv/bin/python bench/import_bench.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pijplijn.content.loader import load_pack
from pijplijn.errors import DatabaseError
from pijplijn.ingest import duo_mbo
from pijplijn.ingest.issues import ImportReport
from pijplijn.ingest.records import ParsedSource
from pijplijn.ingest.text import open_table
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.load import load_source
from pijplijn.store.reference import import_context
from pijplijn.store.setup import initialise

YEARS = tuple(range(2015, 2020))
FIXED_COLUMNS = (
    "BRIN NUMMER",
    "SOORTINS",
    "INSTELLINGSNAAM",
    "PLAATSNAAM",
    "TYPE MBO",
    "KWALIFICATIENIVEAU",
    "KWALIFICATIE CODE",
    "KWALIFICATIE NAAM",
    "MBO SECTOR",
    "DOMEIN",
    "SECTORUNIT SBB",
    "BRIN NUMMER KENNISCENTRUM",
    "NAAM KENNISCENTRUM",
)
HEADER = FIXED_COLUMNS + tuple(f"{g}{y}" for y in YEARS for g in ("MAN", "VROUW", "TOTAAL"))
DEFAULT_ROWS = 125_000
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

TARGET_RATIO = 3.0
TARGET_OBS_PER_S = 250_000
TARGET_MEMORY = 1 << 30

_PLACES = (
    "HENGELO OV",
    "ENSCHEDE",
    "ALMELO",
    "ZWOLLE",
    "APELDOORN",
    "AMSTERDAM",
    "ROTTERDAM",
    "UTRECHT",
    "GRONINGEN",
    "LEEUWARDEN",
    "'S-HERTOGENBOSCH",
    "EDE GLD",
    "MAASTRICHT",
    "EINDHOVEN",
    "TILBURG",
    "NIJMEGEN",
)
_TYPES = ("BBL", "BOLVT", "BOLDT")
_SECTORS = (
    ("techniek", "Techniek en procesindustrie", "Sectorunit techniek en gebouwde omgeving"),
    ("economie", "Economie en administratie", "Sectorunit zakelijke dienstverlening en veiligheid"),
    ("zorg en welzijn", "Zorg en welzijn", "Sectorunit zorg, welzijn en sport"),
    ("groen", "Voedsel, natuur en leefomgeving (EZ)", "Sectorunit voedsel, groen en gastvrijheid"),
    ("combinatie van sectoren", "niet toebedeeld aan Opleidingsdomeinen", "Bovensectoraal"),
)
_KENNISCENTRA = (("02PR", "Kenteq"), ("25DC", "Aequor"), ("    ", " " * 24))

T = TypeVar("T")


@dataclass(frozen=True)
class Synthetic:
    """A generated file and what it holds, counted while writing it."""

    path: Path
    rows: int
    observations: int
    bytes: int


def generate(path: Path, rows: int, seed: int = 20191001) -> Synthetic:
    """Write ``rows`` data rows in DUO's mbo deelnemers format; return the expected counts.

    Per row and year: 12% of years blank (the programme was not offered: no observation),
    0.5% with MAN blank (two observations, one missing), 0.3% with only TOTAAL (one
    observation), otherwise MAN, VROUW and their TOTAAL (two observations).
    """
    rng = random.Random(seed)
    institutions = [
        (
            f"{10 + i:02d}{chr(65 + i % 26)}{chr(65 + (i * 7) % 26)}",
            "AOC" if i % 9 == 0 else "ROC",
            f"Synthetisch ROC {i} (één)" if i % 5 == 0 else f"Synthetisch College {i}",
            _PLACES[i % len(_PLACES)],
        )
        for i in range(80)
    ]
    observations = 0
    lines = [";".join(HEADER)]
    for k in range(rows):
        brin, soort, name, place = institutions[k % len(institutions)]
        rest = k // len(institutions)
        crebo = 20000 + rest // len(_TYPES)
        sector, domein, sbb = _SECTORS[crebo % len(_SECTORS)]
        kc_brin, kc_name = _KENNISCENTRA[crebo % len(_KENNISCENTRA)]
        cells = [
            brin,
            soort,
            name,
            place,
            _TYPES[rest % len(_TYPES)],
            str(crebo % 4 + 1),
            str(crebo),
            f"Opleiding {crebo}",
            sector,
            domein,
            sbb,
            kc_brin,
            kc_name,
        ]
        for _year in YEARS:
            draw = rng.random()
            man, vrouw = rng.randrange(60), rng.randrange(60)
            if draw < 0.12:
                cells += ["", "", ""]
            elif draw < 0.125:
                cells += ["", str(vrouw), str(man + vrouw)]
                observations += 2
            elif draw < 0.128:
                cells += ["", "", str(man + vrouw)]
                observations += 1
            else:
                cells += [str(man), str(vrouw), str(man + vrouw)]
                observations += 2
        lines.append(";".join(cells))
        if k % 700 == 699:
            lines.append('""')
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    path.write_bytes(data)
    return Synthetic(path=path, rows=rows, observations=observations, bytes=len(data))


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """Return the action's result and its wall-clock time in seconds."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def parse_with_store(url: str, path: Path) -> ParsedSource:
    """Return the parsed file, with the import context read from the store at ``url``."""
    engine = open_engine(url)
    try:
        with session_scope(engine) as session:
            context = import_context(session, load_pack("twente"))
        return duo_mbo.parse(path, context)
    finally:
        engine.dispose()


def whole_import(url: str, path: Path) -> tuple[int, float, float]:
    """Initialise a fresh store at ``url`` (untimed), then import the file.

    Returns (observations written, seconds for parse + write, seconds for the write alone).
    """
    engine = open_engine(url)
    try:
        initialise(engine, load_pack("twente"), demo=False)
        start = time.perf_counter()
        with session_scope(engine) as session:
            context = import_context(session, load_pack("twente"))
            parsed = duo_mbo.parse(path, context)
            if not parsed.report.valid:
                raise SystemExit(f"synthetic file did not validate: {parsed.report.summary()}")
            write_start = time.perf_counter()
            result = load_source(session, parsed)
        end = time.perf_counter()
        return result.rows, end - start, end - write_start
    finally:
        engine.dispose()


@contextmanager
def postgres_schema(url: str) -> Iterator[str | None]:
    """Yield a URL for a fresh schema in the database at ``url`` (dropped afterwards), or
    None when it cannot be reached."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"(d) PostgreSQL: skipped, {url} not reachable ({type(exc).__name__})")
        yield None
        return
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def peak_rss() -> int:
    """Return this process's peak resident set size in bytes (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def best_of(runs: int, action: Callable[[], T]) -> tuple[T, float]:
    """Return the action's last result and its fastest wall-clock time over ``runs`` runs."""
    result, fastest = timed(action)
    for _ in range(runs - 1):
        del result  # keep one result alive at a time: peak memory is measured too
        result, seconds = timed(action)
        fastest = min(fastest, seconds)
    return result, fastest


def read_rows(path: Path) -> int:
    """Return the number of rows ``TextTable.rows`` yields: the shared reader's own cost."""
    report = ImportReport(file=path.name)
    table = open_table(path, report)
    assert table is not None
    return sum(1 for _ in table.rows(report))


def bench_parse(work: Path, synthetic: Synthetic, polars_s: float) -> None:
    """Print (b): pijplijn's parse, and the shared reader's part of it."""
    url = f"sqlite:///{work / 'context.db'}"
    engine = open_engine(url)
    initialise(engine, load_pack("twente"), demo=False)
    engine.dispose()
    parsed, parse_s = best_of(3, lambda: parse_with_store(url, synthetic.path))
    count = parsed.observations.height
    if count != synthetic.observations:
        raise SystemExit(f"parser made {count:,} observations, expected {synthetic.observations:,}")
    _, reader_s = best_of(3, lambda: read_rows(synthetic.path))
    print(
        f"(b) pijplijn parse: {parse_s:.3f} s, {count / parse_s:,.0f} obs/s, "
        f"{parse_s / polars_s:.1f}x Polars; of which the shared reader (open_table + "
        f"TextTable.rows) {reader_s:.3f} s = {reader_s / polars_s:.1f}x Polars"
    )


def bench_sqlite(work: Path, synthetic: Synthetic) -> float:
    """Print (c): the whole import into a fresh SQLite file; return its seconds."""
    rows, total_s, write_s = whole_import(f"sqlite:///{work / 'bench.db'}", synthetic.path)
    rate = rows / total_s
    print(
        f"(c) whole import into SQLite: {total_s:.2f} s (write {write_s:.2f} s = "
        f"{rows / write_s:,.0f} obs/s), {rate:,.0f} obs/s   "
        f"target >= {TARGET_OBS_PER_S:,}: {verdict(rate >= TARGET_OBS_PER_S)}"
    )
    return total_s


def bench_postgres(synthetic: Synthetic) -> None:
    """Print (d): the whole import into a fresh PostgreSQL schema, when one is reachable."""
    url = os.environ.get("PIJPLIJN_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    with postgres_schema(url) as scoped:
        if scoped is None:
            return
        try:
            rows, total_s, write_s = whole_import(scoped, synthetic.path)
        except DatabaseError as exc:
            print(f"(d) PostgreSQL: skipped ({exc})")
            return
        print(
            f"(d) whole import into PostgreSQL: {total_s:.2f} s (write {write_s:.2f} s = "
            f"{rows / write_s:,.0f} obs/s), {rows / total_s:,.0f} obs/s"
        )


def main() -> None:
    options = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    options.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="data rows to generate")
    options.add_argument("--no-postgres", action="store_true", help="skip (d)")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="pijplijn-bench-") as folder:
        work = Path(folder)
        synthetic, seconds = timed(lambda: generate(work / "mbo_deelnemers.csv", args.rows))
        print(
            f"synthetic file: {synthetic.rows:,} rows, {synthetic.bytes / 1e6:.1f} MB, "
            f"{synthetic.observations:,} observations expected ({seconds:.1f} s to write)"
        )
        height, polars_s = best_of(3, lambda: pl.read_csv(synthetic.path, separator=";").height)
        print(f"(a) Polars parse (baseline): {polars_s:.3f} s ({height:,} rows incl. empty lines)")
        bench_parse(work, synthetic, polars_s)
        sqlite_s = bench_sqlite(work, synthetic)
        if not args.no_postgres:
            bench_postgres(synthetic)
        ratio = sqlite_s / polars_s
        print(
            f"(e) whole import (SQLite) / Polars parse: {ratio:.1f}x   "
            f"target <= {TARGET_RATIO:g}: {verdict(ratio <= TARGET_RATIO)}"
        )
        peak = peak_rss()
        print(
            f"(f) peak RSS: {peak / (1 << 20):,.0f} MiB   "
            f"target < {TARGET_MEMORY >> 20:,} MiB: {verdict(peak < TARGET_MEMORY)}"
        )


if __name__ == "__main__":
    main()
