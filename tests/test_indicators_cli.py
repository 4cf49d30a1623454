"""The indicator and goal commands as a user runs them: output shapes, and one-line errors
with exit 2."""

import json
from pathlib import Path

from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.goals.status import Status

runner = CliRunner()
PACK = load_pack("twente")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_indicators_lists_the_catalogue() -> None:
    code, out, _ = run("indicators", "--format", "json")
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == [i.id for i in PACK.indicators]
    code, out, _ = run("indicators")
    assert code == 0 and "mbo-techniek-sector-aandeel" in out
    code, out, _ = run("indicators", "--format", "csv")
    assert out.splitlines()[0].startswith("id,group,title")


def test_indicator_json_records(demo_url: str) -> None:
    code, out, _ = run(
        "indicator",
        "mbo-techniek-groei",
        "--region",
        "twente",
        "--period",
        "2010",
        "--by",
        "sector",
        "--where",
        "institution=27YU",
        "--format",
        "json",
        "--database",
        demo_url,
    )
    assert code == 0
    records = json.loads(out)
    transport = next(r for r in records if r["sector"] == "Transport en logistiek")
    assert list(transport)[:8] == [
        "indicator",
        "region",
        "period",
        "sector",
        "value",
        "unit",
        "flag",
        "sources",
    ]
    assert (transport["indicator"], transport["region"], transport["period"]) == (
        "mbo-techniek-groei",
        "twente",
        "2010",
    )
    assert (transport["value"], transport["unit"], transport["flag"]) == (1643, "count", None)
    assert transport["sources"][0]["source_key"] == "seed:regiovisie-twente-techniek"
    assert transport["classification"] == "techniek@2011"
    assert [i["role"] for i in transport["inputs"]] == ["numerator", "numerator.base"]


def test_indicator_table_and_csv(demo_url: str) -> None:
    code, out, _ = run("indicator", "vmbo-tl-doorstroom-mbo-techniek", "--database", demo_url)
    assert code == 0 and "22,0%" in out and "seed:regiovisie-twente-techniek" in out
    code, out, _ = run(
        "indicator",
        "mbo-techniek-diplomas",
        "--period",
        "2010",
        "--format",
        "csv",
        "--database",
        demo_url,
    )
    header, row = out.splitlines()
    assert header.split(",")[:6] == ["indicator", "region", "period", "value", "unit", "flag"]
    assert row.startswith("mbo-techniek-diplomas,twente,2010,2281.0,count,missing")


def test_bad_input_is_one_line_and_exit_2(demo_url: str) -> None:
    for args, message in [
        (("--by", "gender"), "staat uitsplitsen naar 'gender' niet toe"),
        (("--where", "institution"), "verwacht DIMENSIE=WAARDE"),
        (("--period", "2019KW01"), "telt per jaar, niet per kwartaal"),
        (("--region", "mars"), "onbekende regio 'mars'"),
    ]:
        code, out, err = run(
            "indicator", "mbo-techniek-sector-aandeel", *args, "--database", demo_url
        )
        assert code == 2, args
        assert err.startswith("fout: ") and message in err and len(err.strip().splitlines()) == 1
    code, _, err = run("indicator", "geen-indicator", "--database", demo_url)
    assert code == 2 and "onbekende indicator 'geen-indicator'" in err


def test_goals_json_shape(demo_url: str) -> None:
    code, out, _ = run("goals", "--format", "json", "--database", demo_url)
    assert code == 0
    goals = json.loads(out)
    assert len(goals) == len(PACK.goals)
    for goal in goals:
        assert {
            "id",
            "title",
            "baseline",
            "target",
            "latest",
            "progress",
            "projected",
            "status",
            "status_reason",
            "final",
            "verdict_date",
            "judged_on",
            "progress_note",
            "breaks",
            "partners",
        } <= set(goal)
    assert {g["status"] for g in goals} <= {s.value for s in Status}
    # Every deadline of the demo's goals has passed: each has a final verdict at it.
    assert all(g["final"] and g["verdict_date"] == g["target"]["deadline"] for g in goals)
    assert {g["status"] for g in goals} <= {"achieved", "missed", "not assessable"}


def test_goals_table_says_where_shares_are_provisional(demo_url: str) -> None:
    code, out, _ = run("goals", "--database", demo_url)
    assert code == 0
    assert "verdeling nog niet vastgesteld" in out and "te weinig data" in out
    assert out.count("tta-") >= 7


def test_a_goals_file_whose_shares_do_not_sum_to_100_exits_2(demo_url: str, tmp_path: Path) -> None:
    text = (PACK.root / "goals.yaml").read_text(encoding="utf-8")
    path = tmp_path / "goals.yaml"
    path.write_text(
        text.replace("kind: ondernemers, share: 100}", "kind: ondernemers, share: 90}", 1),
        encoding="utf-8",
    )
    code, _, err = run("goals", "--file", str(path), "--database", demo_url)
    assert code == 2
    assert err.startswith(f"fout: {path}, regel ") and "verwacht 100%" in err
    path.write_text(
        text.replace("deadline: 2016-12-31", "deadline: 2010-06-30", 1), encoding="utf-8"
    )
    code, _, err = run("goals", "--file", str(path), "--database", demo_url)
    assert code == 2 and "ligt niet na het begin van de basisperiode 2011" in err


def test_a_catalogue_file_with_an_unknown_measure_exits_2(tmp_path: Path) -> None:
    text = (PACK.root / "indicators.yaml").read_text(encoding="utf-8")
    path = tmp_path / "indicators.yaml"
    path.write_text(text.replace("measure: graduates", "measure: diplomas", 1), encoding="utf-8")
    line = (
        path.read_text(encoding="utf-8")
        .splitlines()
        .index(
            next(
                x for x in path.read_text(encoding="utf-8").splitlines() if "measure: diplomas" in x
            )
        )
        + 1
    )
    code, _, err = run("indicators", "--file", str(path))
    assert code == 2
    assert f"{path}, regel {line}:" in err and "onbekende maat 'diplomas'" in err
