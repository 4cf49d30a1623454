"""Scenarios: saved, named and versioned in the database, shown and compared side by side."""

import json
from pathlib import Path

from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()

SCENARIO = """\
name: bbl-en-vmbo
title: Meer BBL en meer vmbo techniek
description: Twee hefbomen uit de agenda, later en sneller.
levers:
  - lever: deelname-bbl
    start: 2013
    ramp_years: 2
  - kind: inflow
    targets: ["vmbo-*:techniek"]
    change: {change}
    start: 2012
"""


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_save_list_show_and_versions(database_url: str, tmp_path: Path) -> None:
    assert run("init", "--demo", "--database", database_url)[0] == 0
    first = write(tmp_path, SCENARIO.format(change=0.1))
    code, out, err = run("scenarios", "save", str(first), "--database", database_url)
    assert code == 0, err
    assert "Scenario bbl-en-vmbo opgeslagen als versie 1" in out
    second = write(tmp_path, SCENARIO.format(change=0.2), "tweede.yaml")
    assert "als versie 2" in run("scenarios", "save", str(second), "--database", database_url)[1]

    code, out, _ = run("scenarios", "list", "--format", "json", "--database", database_url)
    listed = json.loads(out)
    saved = [(s["name"], s["version"]) for s in listed if s["origin"] == "database"]
    assert saved == [("bbl-en-vmbo", 2), ("bbl-en-vmbo", 1)]
    assert {"techniek-agenda", "instroom-vmbo-techniek"} <= {s["name"] for s in listed}

    code, out, _ = run(
        "scenarios", "show", "bbl-en-vmbo", "--format", "json", "--database", database_url
    )
    levers = json.loads(out)
    assert [lever["change"] for lever in levers] == [
        0.1,
        0.2,
    ]  # newest version; pack lever resolved
    assert levers[0]["targets"] == ["mbo-*:BBL:techniek"] and levers[0]["start"] == 2013
    code, out, _ = run(
        "scenarios",
        "show",
        "bbl-en-vmbo",
        "--version",
        "1",
        "--format",
        "json",
        "--database",
        database_url,
    )
    assert json.loads(out)[1]["change"] == 0.1
    code, table, _ = run("scenarios", "show", "techniek-agenda", "--database", database_url)
    assert code == 0 and "+10% instroom vmbo techniek" in table


def test_compare_gives_the_difference_per_year_with_intervals(
    database_url: str, tmp_path: Path
) -> None:
    assert run("init", "--demo", "--database", database_url)[0] == 0
    run(
        "scenarios",
        "save",
        str(write(tmp_path, SCENARIO.format(change=0.1))),
        "--database",
        database_url,
    )
    code, out, err = run(
        "scenarios",
        "compare",
        "basis",
        "bbl-en-vmbo",
        "--horizon",
        "2016",
        "--draws",
        "200",
        "--format",
        "json",
        "--database",
        database_url,
    )
    assert code == 0, err
    rows = {(d["state"], d["period"]): d for d in json.loads(out)}
    bbl = rows[("mbo-2:BBL:techniek", "2016")]
    assert bbl["b"] > bbl["a"] and bbl["low"] > 0 and bbl["low_95"] <= bbl["difference"]
    assert rows[("mbo-2:techniek", "2012")]["difference"] == 0.0  # nothing changes before
    code, table, _ = run(
        "scenarios",
        "compare",
        "basis",
        "techniek-agenda",
        "--horizon",
        "2014",
        "--draws",
        "100",
        "--database",
        database_url,
    )
    assert code == 0 and "techniek-agenda" in table and "min" in table


def test_a_bad_scenario_is_refused_naming_lever_and_field_and_nothing_is_saved(
    database_url: str, tmp_path: Path
) -> None:
    assert run("init", "--demo", "--database", database_url)[0] == 0
    bad = SCENARIO.format(change=0.1).replace('["vmbo-*:techniek"]', '["vmbo-xx:techniek"]')
    code, _, err = run("scenarios", "save", str(write(tmp_path, bad)), "--database", database_url)
    assert code == 2
    assert "hefboom '2', veld 'targets': onbekende toestand 'vmbo-xx:techniek'" in err
    over = SCENARIO.format(change=0.1).replace(
        "  - lever: deelname-bbl\n", "  - lever: doorstroom-mbo-hbo-techniek\n    change: 1.5\n"
    )
    code, _, err = run(
        "scenarios", "save", str(write(tmp_path, over, "te-veel.yaml")), "--database", database_url
    )
    assert code == 2 and "kans 'hbo-mbo-4:techniek' is 1,125" in err
    code, out, _ = run("scenarios", "list", "--format", "json", "--database", database_url)
    assert not [s for s in json.loads(out) if s["origin"] == "database"]
    assert run("scenarios", "list", "extra", "--database", database_url)[0] == 2
    code, _, err = run("scenarios", "rename", "--database", database_url)
    assert code == 2 and "onbekende actie 'rename'" in err
