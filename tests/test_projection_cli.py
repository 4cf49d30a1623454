"""``pijplijn project`` as a user runs it: JSON/CSV shapes, the table, one-line errors."""

import csv
import io
import json

from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_json_gives_state_period_value_low_high_scenario_per_series(demo_url: str) -> None:
    code, out, err = run(
        "project", "--horizon", "2014", "--draws", "200", "--format", "json", "--database", demo_url
    )
    assert code == 0, err
    records = json.loads(out)
    assert {"state", "period", "value", "low", "high", "scenario"} <= set(records[0])
    points = {(r["state"], r["period"]): r for r in records}
    assert points[("mbo-2:techniek", "2011")]["observed"] is True
    later = points[("mbo-2:techniek", "2014")]
    assert later["low"] <= later["value"] <= later["high"] and later["scenario"] == "basis"
    assert {r["period"] for r in records} == {"2011", "2012", "2013", "2014"}


def test_a_scenario_by_name_and_the_same_seed_give_the_same_figures(demo_url: str) -> None:
    args = ("project", "--horizon", "2015", "--draws", "100", "--seed", "3", "--format", "csv")
    code, first, _ = run(*args, "--scenario", "instroom-vmbo-techniek", "--database", demo_url)
    _, again, _ = run(*args, "--scenario", "instroom-vmbo-techniek", "--database", demo_url)
    _, basis, _ = run(*args, "--database", demo_url)
    assert code == 0 and first == again and first != basis
    rows = list(csv.DictReader(io.StringIO(first)))
    assert {row["scenario"] for row in rows} == {"instroom-vmbo-techniek"}


def test_rates_show_their_provenance(demo_url: str) -> None:
    code, out, _ = run(
        "project", "--rates", "--draws", "10", "--format", "json", "--database", demo_url
    )
    assert code == 0
    rates = {r["id"]: r for r in json.loads(out)}
    assert rates["hbo-mbo-4:techniek"]["subjects"] == ["mbo4-to-hbo-share"]
    assert (
        rates["hbo-mbo-4:techniek"]["kind"] == "published"
        and rates["hbo-mbo-4:techniek"]["datasets"]
    )
    assert rates["diploma-mbo:techniek"]["method"] == "calibrated"
    assert all(r["source"] for r in rates.values())
    code, table, _ = run("project", "--rates", "--draws", "10", "--database", demo_url)
    assert code == 0 and "diploma-mbo:techniek" in table and "calibrated" in table


def test_the_table_shows_the_pipeline_level_by_level_and_the_gap(labour_url: str) -> None:
    demo_url = labour_url  # the demo plus synthetic ROA demand for 2025-2030
    code, out, _ = run("project", "--horizon", "2016", "--draws", "100", "--database", demo_url)
    assert code == 0
    for label in (
        "vmbo-bb:techniek",
        "mbo-2:techniek ingeschreven",
        "gediplomeerden",
    ):
        assert label in out, label
    code, gap, _ = run(
        "project",
        "--gap",
        "--horizon",
        "2026",
        "--draws",
        "100",
        "--format",
        "json",
        "--database",
        demo_url,
    )
    assert code == 0
    assert all(g["coverage"] > 0 for g in json.loads(gap))
    assert {(g["level"], g["period"]) for g in json.loads(gap)} == {
        (level, year) for level in ("2", "3-4") for year in ("2025", "2026")
    }


def test_bad_input_is_one_line_with_exit_2(demo_url: str) -> None:
    cases = {
        ("--horizon", "2005"): "horizon 2005 ligt vóór het laatste datajaar 2011",
        ("--scenario", "nergens"): "onbekend scenario 'nergens'",
        ("--scenario", "bestaat-niet.yaml"): "scenariobestand 'bestaat-niet.yaml' bestaat niet",
        ("--trend", "exponentieel"): "onbekende trend 'exponentieel'",
        ("--draws", "0"): "draws moet tussen 1 en",
        ("--region", "GM9999"): "onbekende regio 'GM9999'",
    }
    for args, message in cases.items():
        code, _, err = run("project", *args, "--database", demo_url)
        assert code == 2, args
        assert message in err and len(err.strip().splitlines()) == 1, err
