"""Test fixtures: fresh databases on SQLite or PostgreSQL, the demo store, the shared data.

Set ``PIJPLIJN_TEST_DATABASE_URL=postgresql+psycopg://...`` to run the suite on PostgreSQL:
every test database is then a fresh schema in that database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from pijplijn.content.loader import load_pack
from pijplijn.store.db import open_engine
from pijplijn.store.setup import initialise

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TEST_DATABASE_URL = os.environ.get("PIJPLIJN_TEST_DATABASE_URL")
# pytest-xdist starts its workers with COLUMNS=80. Rich fixes a console's width at COLUMNS when
# the console is made (the CLI's, on its first import), so the tests that ask the CLI for a wider
# table (CliRunner's env COLUMNS) would get 80 columns in a worker and their own width without one.
os.environ.pop("COLUMNS", None)
# `init --demo` through the CLI loads the seed figures only, as the demo fixtures do: the
# pack's extract of the open data is loaded where a test asks for it (tests/test_extract.py).
os.environ.setdefault("PIJPLIJN_DEMO_EXTRACT", "0")


def shared_path(*parts: str) -> Path:
    """Return a path under ../shared; skip when absent, unless CI requires it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("PIJPLIJN_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"{path} is missing and PIJPLIJN_REQUIRE_SHARED_DATA=1")
        pytest.skip(f"{path} is absent (a clone without ../shared)")
    return path


def _fresh_url(tmp_path: Path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'pijplijn.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (the real DUO and CBS files); skips when absent unless CI requires it."""
    return shared_path("data")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """../shared/seeds (the requirement documents)."""
    return shared_path("seeds")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of the kind under test."""
    yield from _fresh_url(tmp_path)


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of a database initialised with the demo data, shared by read-only tests."""
    for url in _fresh_url(tmp_path_factory.mktemp("demo")):
        engine = open_engine(url)
        initialise(engine, load_pack("twente"), demo=True)
        engine.dispose()
        yield url


SYNTHETIC = Path(__file__).parent / "synthetic"


@pytest.fixture(scope="session")
def labour_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data plus the synthetic ROA AIS fixture (regional technical demand)."""
    from pijplijn.store.imports import import_files

    for url in _fresh_url(tmp_path_factory.mktemp("labour")):
        engine = open_engine(url)
        pack = load_pack("twente")
        initialise(engine, pack, demo=True)
        outcome = import_files(engine, pack, [SYNTHETIC / "roa_ais_synthetic.csv"])
        assert outcome[0].load is not None, outcome[0].parsed.report.summary()
        engine.dispose()
        yield url


REAL_FILES = (
    "geo/koppelcodes_gemeenten.csv",
    "duo/mbo_deelnemers_2015-2019.csv",
    "duo/hbo_eerstejaars_2015-2019.csv",
    "duo/wo_eerstejaars_2015-2019.csv",
    "duo/vo_examenkandidaten_2019-2024.csv",
    "cbs/80472ned_vacatures_metadata.csv",
    "cbs/80472ned_vacatures_sbi.csv",
    "cbs/regios_metadata.csv",
    "cbs/sbi_sectoren_metadata.csv",
    "cbs/vacatures_regio_provincie.csv",
    "cbs/83582ned_banen_corop.csv",
    "duo/hbo_gediplomeerden_2014-2018.csv",
    "duo/wo_gediplomeerden_2014-2018.csv",
    "roa/roa_ais2030_nationaal_brc.csv",
)


@pytest.fixture(scope="session")
def real_files(shared_data: Path) -> list[Path]:
    """Every real file in ../shared/data that pijplijn imports, gemeenten first."""
    return [shared_data / name for name in REAL_FILES]


@pytest.fixture(scope="session")
def real_url(tmp_path_factory: pytest.TempPathFactory, real_files: list[Path]) -> Iterator[str]:
    """A database with the demo data and every real file in ../shared/data imported."""
    from pijplijn.store.imports import import_files

    for url in _fresh_url(tmp_path_factory.mktemp("real")):
        engine = open_engine(url)
        pack = load_pack("twente")
        initialise(engine, pack, demo=True)
        outcomes = import_files(engine, pack, real_files)
        invalid = [o.parsed.report.summary() for o in outcomes if not o.parsed.report.valid]
        assert invalid == []
        engine.dispose()
        yield url


@pytest.fixture
def real_engine(real_url: str) -> Iterator[Engine]:
    engine = open_engine(real_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_engine(demo_url: str) -> Iterator[Engine]:
    engine = open_engine(demo_url)
    yield engine
    engine.dispose()


# Tests that time a live server (answers within N seconds under load) run one after another in
# one worker, so they never share the machine with each other's servers.
TIMED_LIVE_MODULES = {"test_live_server", "test_uploads_kill"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (decision 0013): each test module stays in one worker, so its module
    fixtures (a real-data store, a rendered report) are built once; the timed live-server
    modules share one group."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else item.nodeid
        group = "timed-live" if module in TIMED_LIVE_MODULES else module
        item.add_marker(pytest.mark.xdist_group(group))
