"""Two writers on one SQLite file: WAL and a busy timeout let them take turns; a writer that
waits too long stops with one line and exit 2, never a traceback; ANALYZE after the commit
never turns a saved import into a failure."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pijplijn.store.db import open_engine, refresh_statistics, session_scope
from pijplijn.store.models import Dataset

TEMPLATE = "measure,period,region,value\n"


def _pijplijn(*args: str, busy: float = 30.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIJPLIJN_SQLITE_BUSY_TIMEOUT": str(busy)}
    return subprocess.run(
        [sys.executable, "-m", "pijplijn", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert _pijplijn("init", "--database", url).returncode == 0
    return url


def _files(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        path = tmp_path / f"cijfers-{number}.csv"
        rows = "".join(
            f"enrolled,{2000 + year},twente,{number * 100 + year}\n" for year in range(20)
        )
        path.write_text(TEMPLATE + rows, encoding="utf-8")
        paths.append(path)
    return paths


def _datasets(url: str) -> int:
    engine = open_engine(url)
    with session_scope(engine) as session:
        count = session.scalar(select(func.count()).select_from(Dataset)) or 0
    engine.dispose()
    return count


def test_two_imports_at_once_both_succeed_or_one_stops_with_one_line(
    sqlite_url: str, tmp_path: Path
) -> None:
    first, second = _files(tmp_path, 2)
    before = _datasets(sqlite_url)
    command = [sys.executable, "-m", "pijplijn", "import"]
    processes = [
        subprocess.Popen(
            [*command, str(path), "--database", sqlite_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in (first, second)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in processes]
    for code, _, err in results:
        assert "Traceback" not in err
        assert code == 0 or (code == 2 and len(err.strip().splitlines()) == 1 and "bezet" in err)
    assert _datasets(sqlite_url) == before + sum(code == 0 for code, _, _ in results)


def test_a_writer_locked_out_for_the_busy_timeout_gets_one_line_and_nothing_is_written(
    sqlite_url: str, tmp_path: Path
) -> None:
    (path,) = _files(tmp_path, 1)
    before = _datasets(sqlite_url)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
    try:
        locked = _pijplijn("import", str(path), "--database", sqlite_url, busy=1)
    finally:
        holder.rollback()
        holder.close()
    assert locked.returncode == 2, locked.stderr
    assert "Traceback" not in locked.stderr
    assert locked.stderr.strip().splitlines() == [
        "fout: de database is bezet: een ander proces (een andere import?) schrijft erin; er "
        "is niets opgeslagen, probeer het opnieuw als dat klaar is"
    ]
    assert _datasets(sqlite_url) == before
    saved = _pijplijn("import", str(path), "--database", sqlite_url)
    assert saved.returncode == 0, saved.stderr
    assert _datasets(sqlite_url) == before + 1


def test_analyze_after_the_commit_gives_way_to_another_writer(sqlite_url: str) -> None:
    engine = open_engine(sqlite_url)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert refresh_statistics(engine) is False  # gave up after its short wait, no error
    finally:
        holder.rollback()
        holder.close()
    assert refresh_statistics(engine) is True
    engine.dispose()
