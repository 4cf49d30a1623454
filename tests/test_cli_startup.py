"""Start-up (issue #19 point 1): a command imports only what it uses, nothing expensive runs
at import time, and the content pack is read once per version of its files.

These are behaviour tests (which modules a fresh process loads, what is computed, what is
read again); the start-up *time* is measured in bench/startup_bench.py, never here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pijplijn import yamlfile
from pijplijn.content import loader
from pijplijn.store.db import alembic_head_revision, head_revision

HEAVY = ("altair", "polars", "sqlalchemy", "alembic", "numpy", "vl_convert", "argon2")


def loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    last = done.stdout.strip().splitlines()[-1]
    return {name.partition(".")[0] for name in json.loads(last)}


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert set(HEAVY) & loaded_after("import pijplijn.cli") == set()


def test_help_builds_every_command_without_heavy_libraries() -> None:
    # --help makes Typer evaluate the signature of every command: their option types must
    # not need the engine either.
    code = (
        "import sys\nfrom pijplijn.cli import main\nsys.argv = ['pijplijn', '--help']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
    )
    assert set(HEAVY) & loaded_after(code) == set()


def test_datasets_loads_the_store_but_no_dataframes_charts_or_migrations(
    database_url: str,
) -> None:
    from pijplijn.store.db import open_engine, upgrade

    engine = open_engine(database_url)
    upgrade(engine)
    engine.dispose()
    code = (
        "import sys\nfrom pijplijn.cli import main\n"
        f"sys.argv = ['pijplijn', 'datasets', '--database', {database_url!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
    )
    loaded = loaded_after(code)
    assert "sqlalchemy" in loaded  # it does read the store
    assert {"altair", "polars", "alembic", "numpy", "vl_convert", "argon2"} & loaded == set()


def test_a_query_loads_the_cube_but_not_the_indicators_charts_or_migrations(
    database_url: str,
) -> None:
    from pijplijn.store.db import open_engine, upgrade

    engine = open_engine(database_url)
    upgrade(engine)
    engine.dispose()
    argv = ["query", "--measure", "enrolled", "--by", "period", "--database", database_url]
    code = (
        "import sys\nfrom pijplijn.cli import main\n"
        f"sys.argv = ['pijplijn', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 2, exc.code\n"
    )
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "pijplijn.engine.cube" in modules
    assert "geen waarnemingen" in done.stderr  # it did run the (empty) query
    heavy = {m.partition(".")[0] for m in modules} & {"altair", "alembic", "vl_convert", "argon2"}
    assert heavy == set()
    assert "pijplijn.engine.indicators" not in modules


def test_importing_the_accounts_computes_no_hash() -> None:
    code = (
        "import argon2\ncalls = []\noriginal = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(1) or original(self, *a)\n"
        "import pijplijn.accounts.users\nassert calls == [], calls\n"
        "from pijplijn.accounts.passwords import dummy_hash, verify_password\n"
        "assert not verify_password(dummy_hash(), 'wrong password, never the dummy')\n"
        "assert calls == [1] and dummy_hash() is dummy_hash()\n"
    )
    loaded_after(code)  # raises CalledProcessError when an assertion fails


def test_head_revision_agrees_with_alembic() -> None:
    assert head_revision() == alembic_head_revision() != ""


def test_yaml_is_read_with_the_c_parser_when_pyyaml_has_it() -> None:
    if yaml.__with_libyaml__:
        assert yamlfile.SafeLoader is yaml.CSafeLoader
    text = "a: 2019-01-01\nb: [1, x]\n"
    assert yamlfile.safe_load(text) == yaml.safe_load(text)
    root = yamlfile.compose("a:\n  b: 1\n")
    assert root is not None and root.value[0][1].value[0][1].start_mark.line == 1


def test_pack_is_cached_per_version_of_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "packs"
    shutil.copytree(loader.PACKS_ROOT / "twente", root / "twente")
    monkeypatch.setattr(loader, "PACKS_ROOT", root)
    first = loader.load_pack("twente")
    assert loader.load_pack("twente") is first  # unchanged files: not read again
    pack_file = root / "twente" / "pack.yaml"
    data = yaml.safe_load(pack_file.read_text("utf-8"))
    pack_file.write_text(
        pack_file.read_text("utf-8").replace(data["title"], data["title"] + " (bewerkt)"),
        "utf-8",
    )
    edited = loader.load_pack("twente")
    assert edited is not first
    assert edited.pack.title == data["title"] + " (bewerkt)"
