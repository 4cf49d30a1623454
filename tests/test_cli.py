"""The command line as a user runs it: output shapes, and one-line errors with exit 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("pijplijn ")
    for command in ["init", "query", "datasets", "regions", "serve"]:
        code, out, _ = run(command, "--help")
        assert code == 0 and "--database" in out, command


def test_init_demo_then_query_json(database_url: str) -> None:
    code, out, _ = run("init", "--demo", "--database", database_url)
    assert code == 0 and "waarnemingen geladen (dataset" in out
    code, out, _ = run("init", "--demo", "--database", database_url)
    assert code == 0 and "al geladen, niets veranderd" in out
    code, out, _ = run(
        "query",
        "--measure",
        "graduates",
        "--institution",
        "27YU",
        "--by",
        "period",
        "--format",
        "json",
        "--database",
        database_url,
    )
    assert code == 0
    assert json.loads(out) == [
        {"measure": "graduates", "period": "2007", "value": 1657, "flag": None},
        {"measure": "graduates", "period": "2008", "value": 1836, "flag": None},
        {"measure": "graduates", "period": "2009", "value": 2007, "flag": None},
        {"measure": "graduates", "period": "2010", "value": 2281, "flag": "missing"},
        {"measure": "graduates", "period": "2011", "value": 3073, "flag": None},
    ]


def test_query_csv_and_table(demo_url: str) -> None:
    code, out, _ = run(
        "query",
        "-m",
        "enrolled",
        "--institution",
        "27yu",
        "--period",
        "2011",
        "--by",
        "sector",
        "--format",
        "csv",
        "--database",
        demo_url,
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "measure,period,sector,value,flag"
    assert "enrolled,2011,Transport en logistiek,1624," in lines
    code, out, _ = run("query", "-m", "enrolled", "--period", "2010", "--database", demo_url)
    assert code == 0 and "8844" in out


def test_datasets_json_has_provenance(demo_url: str) -> None:
    code, out, _ = run("datasets", "--format", "json", "--database", demo_url)
    records = json.loads(out)
    assert code == 0
    assert {r["source_key"] for r in records} == {
        "seed:regiovisie-twente-techniek",
        "seed:techniekpact-twente-2017",
        "roa:ais2030-brc",
    }
    # The seed documents' tables come in the template; the pack's copy of ROA's national
    # table through ROA's own importer.
    assert all(len(r["sha256"]) == 64 for r in records)
    assert {r["source_key"]: r["loader"].split("@")[0] for r in records} == {
        "seed:regiovisie-twente-techniek": "template",
        "seed:techniekpact-twente-2017": "template",
        "roa:ais2030-brc": "roa-brc",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "-m", "leerlingen"], "onbekende maat 'leerlingen'"),
        (["query", "-m", "enrolled", "--by", "period,kleur"], "onbekende dimensie 'kleur'"),
        (["query", "-m", "enrolled", "--region", "Twenthe"], "onbekende regio 'Twenthe'"),
        (["query", "-m", "enrolled", "--period", "2011/12/13"], "geen periode"),
        (["query", "-m", "enrolled", "--institution", "00AA"], "onbekende instelling"),
        (["query", "-m", "enrolled", "--period", "1990"], "geen waarnemingen"),
    ],
)
def test_query_errors_are_one_line_with_exit_2(
    demo_url: str, args: list[str], message: str
) -> None:
    code, out, err = run(*args, "--database", demo_url)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("geen-url", "ongeldige database-URL"),
        ("mysql+nodriver://x@localhost/db", "onbekend databasetype"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "niet bereiken"),
        ("sqlite:////nonexistent-folder/x.db", "bestaat niet"),
    ],
)
def test_database_errors(url: str, message: str) -> None:
    code, _, err = run("datasets", "--database", url)
    assert code == 2 and message in err and "Traceback" not in err


def test_commands_on_a_database_without_schema_say_run_init(database_url: str) -> None:
    code, _, err = run("query", "-m", "enrolled", "--database", database_url)
    assert code == 2 and "pijplijn init" in err


def test_installed_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PIJPLIJN_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "pijplijn", "query", "-m", "enrolled"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("fout: ") and "Traceback" not in done.stderr


def test_the_embedded_default_is_created_on_first_use(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIJPLIJN_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-m", "pijplijn", "init", "--demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "pijplijn" / "pijplijn.db").is_file()
