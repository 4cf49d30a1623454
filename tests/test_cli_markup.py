"""What files and users supply is printed as plain text by every command, never read as Rich
markup (issue #12, point 6): a CSV cell holding ``[/]`` once ended ``pijplijn import`` in a
MarkupError traceback. All files here are synthetic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()
MARKUP = ("[/]", "[bold]", "[link=x]")
TEMPLATE = "measure,period,region,value\n"


def run(*args: str) -> tuple[int, str, str, BaseException | None]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr, result.exception


@pytest.fixture
def db(database_url: str) -> str:
    assert run("init", "--database", database_url)[0] == 0
    return database_url


def test_import_lists_cells_holding_markup_literally_and_exits_2(db: str, tmp_path: Path) -> None:
    path = tmp_path / "[bold]partner[link=x].csv"
    path.write_text(
        TEMPLATE
        + "[/],2019,twente,10\n"  # an unknown measure
        + "enrolled,2019,[bold],10\n"  # an unknown region
        + "enrolled,2019,twente,[link=x]\n",  # a value that is not a number
        encoding="utf-8",
    )
    code, out, err, exception = run("import", str(path), "--database", db)
    assert code == 2
    assert isinstance(exception, SystemExit)  # typer.Exit(2), not a MarkupError
    assert "Traceback" not in out + err
    lines = err.splitlines()
    for row, column, value in (
        (2, "measure", "[/]"),
        (3, "region", "[bold]"),
        (4, "value", "[link=x]"),
    ):
        (line,) = [line for line in lines if f"rij {row}, kolom '{column}'" in line]
        assert f"'{value}'" in line and line.lstrip().startswith("fout "), line
    assert path.name in out
    assert "niets geladen" in err
    code, out, _, _ = run("datasets", "--format", "json", "--database", db)
    assert json.loads(out) == []


def test_the_installed_command_prints_no_traceback_on_such_a_file(db: str, tmp_path: Path) -> None:
    path = tmp_path / "markup.csv"
    path.write_text(TEMPLATE + "enrolled,2019,twente,[/]\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pijplijn", "import", str(path), "--database", db],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "MarkupError" not in done.stderr
    assert "'[/]'" in done.stderr


@pytest.mark.parametrize("value", MARKUP)
def test_errors_naming_a_value_print_it_literally(db: str, value: str) -> None:
    code, out, err, exception = run(
        "query", "--measure", "enrolled", "--region", value, "--database", db
    )
    assert code == 2 and isinstance(exception, SystemExit)
    assert f"onbekende regio '{value}'" in err


def test_tables_print_names_from_files_literally(db: str, tmp_path: Path) -> None:
    # A gemeenten list (the koppelcodes layout) whose names hold markup.
    path = tmp_path / "gemeenten.csv"
    path.write_text(
        "gemeentCode;gemeenteNaam;veiligheidsRegioCode;veiligheidsRegioNaam;provincieCode;"
        "Provincie;Land\n"
        "GM0999;[bold]Nergens[/];VR05;Twente;PV23;Overijssel;NL\n",
        encoding="utf-8",
    )
    code, out, err, _ = run("import", str(path), "--database", db)
    assert code == 0, err
    code, out, err, exception = run("regions", "--database", db)
    assert code == 0 and exception is None, err
    assert "[bold]Nergens[/]" in out
