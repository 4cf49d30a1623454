"""Issue #14 point 4: flows between stages as indicators, on synthetic DUO files.

The instroom and vo exam files in tests/fixtures/layouts are synthetic (see its README); the
expected rates are computed here from those files by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from pijplijn.cli.app import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.goals.scorecard import goal_status
from pijplijn.engine.indicators import Catalog, indicator_values
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)
INSTROOM = FIXTURES / "synthetic_mbo_instroom_2023.csv"
EXAMS = FIXTURES / "synthetic_vo_examens_2022-2023.csv"
TECHNIEK_HOOFDGROEPEN = {"Elektrotechniek en installatietechniek", "ICT"}
"""The fixture's hoofdgroepen that techniek@2021 counts as techniek."""


def table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def intake(origins: set[str], techniek: bool | None = None) -> int:
    """INSTROOM MBO of the instroom fixture from these VOOROPLEIDING VO values (<5 left out)."""
    return sum(
        int(row["INSTROOM MBO"])
        for row in table(INSTROOM)
        if row["VOOROPLEIDING VO"] in origins
        and row["INSTROOM MBO"].isdigit()
        and (techniek is None or (row["HOOFDGROEP NAAM"] in TECHNIEK_HOOFDGROEPEN) == techniek)
    )


def passes(leerwegen: set[str]) -> int:
    """GESLAAGDEN 2022-2023 (MAN + VROUW) of the exam fixture for these vmbo leerwegen."""
    return sum(
        int(row[f"GESLAAGDEN SCHOOLJAAR 2022-2023 - {gender}"])
        for row in table(EXAMS)
        if row["OPLEIDINGSNAAM"].split(" - ")[0] in leerwegen
        for gender in ("MAN", "VROUW")
    )


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    initialise(empty_engine, PACK, demo=False)
    files = [
        FIXTURES / "synthetic_gemeenten.csv",
        FIXTURES / "synthetic_mbo_studenten_instelling.csv",  # places 27YU in Hengelo
        EXAMS,
        INSTROOM,
    ]
    outcomes = import_files(empty_engine, PACK, files)
    assert [o.parsed.report.issues for o in outcomes] == [[], [], [], []]
    return empty_engine


def value(engine: Engine, indicator: str) -> tuple[float | None, str | None]:
    with session_scope(engine) as session:
        result = indicator_values(session, CATALOG, indicator, "twente", periods=["2023"])
    [only] = result.values
    return only.value, only.flag


def test_vmbo_tg_to_mbo_rate_is_the_hand_computed_one(engine: Engine) -> None:
    numerator = intake({"VMBO-TL", "VMBO-GL"})
    denominator = passes({"VMBO T", "VMBO G"})
    assert (numerator, denominator) == (328, 538)  # the fixture, summed by hand
    rate, flag = value(engine, "doorstroom-vmbo-tg-mbo")
    assert rate == pytest.approx(numerator / denominator)
    assert flag == "suppressed"  # one VMBO-TL cell is <5: the rate says so
    assert value(engine, "instroom-mbo-vmbo-tg")[0] == numerator


def test_vmbo_to_technical_mbo(engine: Engine) -> None:
    numerator = intake({"VMBO-TL", "VMBO-GL", "VMBO-KB"}, techniek=True)
    denominator = passes({"VMBO T", "VMBO G", "VMBO K"})
    assert value(engine, "instroom-mbo-techniek-vmbo")[0] == numerator
    assert value(engine, "doorstroom-vmbo-mbo-techniek")[0] == pytest.approx(
        numerator / denominator
    )


def test_the_22_percent_doorstroom_is_measured_on_the_flows(engine: Engine) -> None:
    origins = {"VMBO-TL", "VMBO-GL"}
    expected = intake(origins, techniek=True) / intake(origins)
    assert value(engine, "vmbo-tl-doorstroom-mbo-techniek")[0] == pytest.approx(expected)
    assert value(engine, "vmbo-tl-doorstromers-mbo-techniek")[0] == intake(origins, True)


def test_the_projection_calibrates_its_vo_to_mbo_rates_from_the_flows(
    database_url: str, empty_engine: Engine
) -> None:
    initialise(empty_engine, PACK, demo=True)
    files = [FIXTURES / "synthetic_gemeenten.csv", EXAMS, INSTROOM]
    assert all(o.parsed.report.valid for o in import_files(empty_engine, PACK, files))
    result = CliRunner().invoke(
        app, ["project", "--rates", "--format", "json", "--database", database_url]
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    rates = {r["id"]: r for r in json.loads(result.stdout)}
    gl = rates["mbo-vmbo-gl:overig"]
    assert gl["method"] == "calibrated" and gl["source"].startswith("uit de doorstroom")
    assert gl["value"] == pytest.approx(intake({"VMBO-GL"}) / passes({"VMBO G"}), abs=1e-4)
    choice = rates["mbo-techniek-vmbo-tl:overig"]
    expected = intake({"VMBO-TL"}, techniek=True) / intake({"VMBO-TL"})
    assert choice["method"] == "calibrated"
    assert choice["value"] == pytest.approx(expected, abs=1e-4)
    # The flows do not tell the pupils' vmbo sector: a rate per vmbo domain stays the prior.
    assert rates["mbo-techniek-vmbo-gl:techniek"]["method"] == "prior"
    assert rates["mbo-vmbo-bb:overig"]["method"] == "prior"  # no vmbo-bb flows loaded


def test_the_flow_goal_is_measured_on_the_flows_with_its_definition(
    empty_engine: Engine,
) -> None:
    initialise(empty_engine, PACK, demo=True)
    files = [FIXTURES / "synthetic_gemeenten.csv", EXAMS, INSTROOM]
    assert all(o.parsed.report.valid for o in import_files(empty_engine, PACK, files))
    goal = next(g for g in PACK.goals if g.id == "tta-mbo-instroom-vmbo-tg")
    with session_scope(empty_engine) as session:
        status = goal_status(session, CATALOG, goal)
    points = {p.period: p for p in status.measurements}
    assert points["2023"].value == intake({"VMBO-TL", "VMBO-GL"}, techniek=True)
    assert points["2023"].definition is not None
    assert points["2023"].definition.startswith("vanaf 2021-01-01: som(transitions")
    assert "vanuit vmbo-gl, vmbo-tl, vmbo-gt" in points["2023"].definition
    assert points["2011"].definition is not None
    assert points["2011"].definition.startswith("vanaf 2007-01-01")
