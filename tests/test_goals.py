"""Goals: validation of a goals file, the trend, the status thresholds, and the scorecard on
the demo and on the real data."""

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content import loader
from pijplijn.content.goals import load_goals
from pijplijn.content.loader import load_pack
from pijplijn.engine.goals import scorecard, stored_goals
from pijplijn.engine.goals.status import Evidence, Measured, Status, judge
from pijplijn.engine.goals.trend import Projection, project
from pijplijn.engine.indicators import Catalog
from pijplijn.errors import ContentError, QueryError
from pijplijn.periods import Period
from pijplijn.store.db import session_scope
from pijplijn.store.goal_models import Goal, GoalPartner
from pijplijn.store.setup import initialise

PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)
SEED = PACK.root / "seed" / "regiovisie.csv"
TTA = [
    "tta-instroom-vmbo-techniek",
    "tta-mbo-instroom-vmbo-tg",
    "tta-doorstroom-mbo-hbo-techniek",
    "tta-participatie-meisjes",
    "tta-deelname-bbl",
    "tta-deelname-duaal-hbo",
    "tta-bedrijvenparticipatie",
]

GOALS = """\
goals:
  - id: test-doel
    programme: test
    theme: test
    title: {nl: test, en: test}
    indicator: mbo-techniek-studenten
    region: twente
    filters: {institution: 27YU}
    baseline: {period: "2011"}
    target: {rule: relative, change: 0.1}
    deadline: 2016-12-31
    partners:
      - {name: A, kind: onderwijs, share: 60}
      - {name: B, kind: ondernemers, share: 40}
    source: test
"""


def goals_file(tmp_path: Path, old: str = "", new: str = "") -> Path:
    path = tmp_path / "goals.yaml"
    path.write_text(GOALS.replace(old, new) if old else GOALS, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("share: 40", "share: 30", 13, "tellen op tot 90% (60 + 30); verwacht 100%"),
        (
            "deadline: 2016-12-31",
            "deadline: 2010-12-31",
            11,
            "ligt niet na het begin van de basisperiode 2011",
        ),
        ("{institution: 27YU}", "{stage: mbo}", 8, "staat selectie op 'stage' niet toe"),
        ("indicator: mbo-techniek-studenten", "indicator: mbo-studenten", 6, "onbekende indicator"),
        (
            "{rule: relative, change: 0.1}",
            "{rule: relative, value: 0.1}",
            10,
            "vraagt precies één van change",
        ),
        ("region: twente", "region: twent", 7, "onbekende regio 'twent'"),
        ('{period: "2011"}', '{period: "2011", value: 5}', 9, "vraagt een 'source'"),
    ],
)
def test_bad_goals_name_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    path = goals_file(tmp_path, old, new)
    with pytest.raises(ContentError) as caught:
        load_goals(path, PACK.indicators, PACK.region_codes())
    assert str(caught.value).startswith(f"{path}, regel {line}: doel 'test-doel': ")
    assert message in str(caught.value)


def test_a_good_goals_file_loads(tmp_path: Path) -> None:
    (goal,) = load_goals(goals_file(tmp_path), PACK.indicators, PACK.region_codes())
    assert goal.target.target_value(100) == pytest.approx(110)
    assert [p.share for p in goal.partners] == [60, 40]


def test_linear_trend_and_interval() -> None:
    points = [(date(2011, 1, 1), 10.0), (date(2012, 1, 1), 12.1), (date(2013, 1, 1), 13.9)]
    p = project(points, date(2016, 1, 1))
    assert p.slope == pytest.approx(1.95)
    assert p.value == pytest.approx(12.0 + 1.95 * 4, abs=0.05)
    assert p.low is not None and p.high is not None and p.low < p.value < p.high
    wider = project(points, date(2020, 1, 1))
    assert wider.high is not None and wider.low is not None
    assert wider.high - wider.low > p.high - p.low
    damped = project(points, date(2016, 1, 1), "damped")
    assert damped.value is not None and damped.value < p.value


def test_too_few_points_is_said_not_guessed() -> None:
    p = project([(date(2011, 1, 1), 1.0), (date(2015, 1, 1), 2.0)], date(2016, 12, 31))
    assert (p.value, p.low, p.high) == (None, None, None)
    assert p.note.startswith("te weinig data")


def evidence(**changes: object) -> Evidence:
    base: dict[str, object] = {
        "baseline": 100.0,
        "baseline_period": "2011",
        "target": 110.0,
        "relative": True,
        "upward": True,
        "expired": False,
        "measured": (Measured("2014", 104.0, comparable=True),),
        "at_deadline": False,
        "next_after": None,
        "later": None,
        "projection": Projection(
            method="linear", at=date(2016, 1, 1), points=4, value=111.0, low=105.0, high=117.0
        ),
    }
    return Evidence(**{**base, **changes})  # type: ignore[arg-type]


def proj(value: float, low: float, high: float) -> Projection:
    return Projection(
        method="linear", at=date(2016, 1, 1), points=4, value=value, low=low, high=high
    )


def at(value: float, period: str = "2014", comparable: bool = True) -> tuple[Measured, ...]:
    return (Measured(period, value, comparable, "" if comparable else "breuk in 2013: bron"),)


TOO_FEW = Projection(method="linear", at=date(2016, 1, 1), points=2, note="te weinig data")


@pytest.mark.parametrize(
    ("changes", "status", "final"),
    [
        ({}, Status.ON_TRACK, False),
        ({"projection": proj(108, 104, 112)}, Status.AT_RISK, False),
        ({"projection": proj(104, 101, 107)}, Status.OFF_TRACK, False),
        ({"measured": at(110.0)}, Status.ACHIEVED, False),
        ({"measured": at(106.0), "at_deadline": True}, Status.OFF_TRACK, False),
        ({"target": None}, Status.NOT_ASSESSABLE, False),
        ({"measured": ()}, Status.NO_DATA, False),
        ({"measured": (), "baseline": 120.0}, Status.ACHIEVED, False),
        ({"projection": TOO_FEW}, Status.NOT_ASSESSABLE, False),
        ({"measured": at(120.0, comparable=False)}, Status.NOT_COMPARABLE, False),
        ({"measured": at(120.0, comparable=False), "relative": False}, Status.ACHIEVED, False),
        (
            {"upward": False, "target": 90.0, "measured": at(95.0), "projection": proj(92, 88, 96)},
            Status.AT_RISK,
            False,
        ),
        # Past the deadline: a final verdict.
        (
            {"expired": True, "measured": at(111.0, "2016"), "at_deadline": True},
            Status.ACHIEVED,
            True,
        ),
        (
            {"expired": True, "measured": at(106.0, "2016"), "at_deadline": True},
            Status.MISSED,
            True,
        ),
        ({"expired": True}, Status.NOT_ASSESSABLE, True),
        ({"expired": True, "measured": at(111.0)}, Status.ACHIEVED, True),
        ({"expired": True, "measured": ()}, Status.NOT_ASSESSABLE, True),
        (
            {"expired": True, "measured": (), "next_after": at(106.0, "2017")[0]},
            Status.MISSED,
            True,
        ),
        (
            {"expired": True, "measured": at(120.0, "2016", comparable=False), "at_deadline": True},
            Status.NOT_ASSESSABLE,
            True,
        ),
    ],
)
def test_status_thresholds(changes: dict[str, object], status: Status, final: bool) -> None:
    judgement = judge(evidence(**changes))
    assert (judgement.status, judgement.final) == (status, final)
    measured = changes.get("measured", evidence().measured)
    if judgement.judged_on is not None:
        assert judgement.judged_on in {m.period for m in measured} | {"2017"}  # type: ignore[attr-defined]
    if status is Status.NOT_ASSESSABLE and changes.get("measured") is not None:
        assert "niet vergelijkbaar" in judgement.reason or not changes["measured"]


def seed_value(measure: str, period: str) -> float:
    with SEED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sum(
        float(r["value"])
        for r in rows
        if (r["measure"], r["period"]) == (measure, period) and r["value"]
    )


def test_scorecard_on_the_demo_data(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        card = scorecard(session, CATALOG)
    goals = {g.id: g for g in card.goals}
    assert [g.id for g in card.goals if g.programme.startswith("Twente Techniek Agenda")] == TTA
    assert all(g.target.deadline == date(2016, 12, 31) for g in card.goals if g.id in TTA)
    bbl = goals["tta-deelname-bbl"]
    assert bbl.baseline.computed and bbl.baseline.value == pytest.approx(
        0.61 * seed_value("enrolled", "2011")
    )
    assert bbl.target.value == pytest.approx(bbl.baseline.value * 1.1)
    # The demo holds no DUO data after 2011, and the deadline has passed: a final verdict.
    assert (bbl.status, bbl.final, bbl.progress) == (Status.NOT_ASSESSABLE, True, None)
    assert bbl.verdict_date == date(2016, 12, 31) and bbl.judged_on is None
    doorstroom = goals["tta-doorstroom-mbo-hbo-techniek"]
    assert doorstroom.baseline.value == pytest.approx(seed_value("graduates", "2011") * 0.2 * 0.45)
    assert goals["tta-deelname-duaal-hbo"].target.value is None
    vmbo = goals["tta-instroom-vmbo-techniek"]
    assert (vmbo.baseline.value, vmbo.latest and vmbo.latest.period) == (664, "2011")
    assert vmbo.progress is None and vmbo.progress_note == "geen meting na de basisperiode"
    shared = [p for g in card.goals for p in g.partners if p.provisional]
    assert shared and all(p.note == "verdeling nog niet vastgesteld" for p in shared)
    assert all(sum(p.share for p in g.partners) == pytest.approx(100) for g in card.goals)
    companies = goals["tta-bedrijvenparticipatie"]
    assert [(p.share, p.provisional) for p in companies.partners] == [(100, False)]
    assert companies.latest is not None and companies.latest.after_deadline
    # Its one measurement (2017) lies in the year right after the deadline and reaches 50%.
    sme = seed_share("techniekpact2017.csv", "hightech-sme-participating-share", "2017")
    assert companies.judged_on is not None
    assert (companies.judged_on.period, companies.judged_on.value) == ("2017", sme)
    expected = Status.ACHIEVED if sme >= 0.5 else Status.MISSED
    assert (companies.status, companies.final) == (expected, True)
    assert "de periode na de deadline" in companies.status_reason
    for goal in (
        "tt2020-bedrijvenparticipatie-hightech-groot",
        "tt2020-bedrijvenparticipatie-hightech-mkb",
    ):
        # Only the 2017 baseline measurement: nothing to judge the 2020 deadline on.
        assert goals[goal].status is Status.NOT_ASSESSABLE and goals[goal].target.provisional
        assert "alleen de basismeting (2017)" in goals[goal].status_reason


def seed_share(name: str, subject: str, period: str) -> float:
    with (PACK.root / "seed" / name).open(encoding="utf-8") as handle:
        found = [
            float(r["value"])
            for r in csv.DictReader(handle)
            if (r["subject"], r["period"]) == (subject, period)
        ]
    assert len(found) == 1
    return found[0]


def test_scorecard_before_a_deadline_keeps_the_trend_status(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        card = scorecard(session, CATALOG, today=date(2016, 6, 1))
    goals = {g.id: g for g in card.goals}
    assert not any(g.final for g in card.goals)
    assert goals["tta-deelname-bbl"].status is Status.NO_DATA
    assert goals["tt2020-bedrijvenparticipatie-hightech-mkb"].status is Status.ACHIEVED


def test_sub_targets_split_the_change(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        card = scorecard(session, CATALOG)
    goal = next(g for g in card.goals if g.id == "tta-mbo-instroom-vmbo-tg")
    assert goal.baseline.value == 263
    assert [p.sub_target for p in goal.partners] == pytest.approx([263 * 0.25 / 2] * 2)
    assert {p.sub_target_kind for p in goal.partners} == {"verandering"}


def test_scorecard_on_the_real_data(real_engine: Engine, shared_data: Path) -> None:
    with (shared_data / "duo" / "mbo_deelnemers_2015-2019.csv").open(encoding="utf-8") as f:
        rows = [
            {k.strip(): (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(f, delimiter=";")
            if any(r.values())
        ]
    bbl_2016 = sum(
        float(r["MAN2016"] or 0) + float(r["VROUW2016"] or 0)
        for r in rows
        if (r["BRIN NUMMER"], r["TYPE MBO"], r["MBO SECTOR"]) == ("27YU", "BBL", "techniek")
    )
    with session_scope(real_engine) as session:
        card = scorecard(session, CATALOG)
    goals = {g.id: g for g in card.goals}
    bbl = goals["tta-deelname-bbl"]
    assert bbl.latest is not None and (bbl.latest.period, bbl.latest.value) == ("2016", bbl_2016)
    # The 2011 baseline comes from the Regiovisie, 2015-2016 from DUO: a series break, so no
    # progress percentage and no verdict against a target derived from that baseline.
    assert (bbl.status, bbl.final, bbl.progress) == (Status.NOT_ASSESSABLE, True, None)
    assert "niet vergelijkbaar" in bbl.status_reason and "breuk in 2015" in bbl.status_reason
    assert bbl.judged_on is not None and bbl.judged_on.period == "2016"
    assert [b.period for b in bbl.breaks][:1] == ["2015"]
    # The trend uses only the DUO years, on one definition.
    assert bbl.projected.points == 2 and bbl.projected.value is None
    girls = goals["tta-participatie-meisjes"]
    assert (girls.status, girls.progress) == (Status.NOT_ASSESSABLE, None)
    assert "ingevoerd" in girls.status_reason and "DUO" in girls.status_reason
    vmbo = goals["tta-instroom-vmbo-techniek"]
    assert vmbo.status is Status.NOT_ASSESSABLE and vmbo.latest is not None
    assert (vmbo.latest.period, vmbo.latest.after_deadline) == ("2019-2020", True)
    assert "2019-2020" in vmbo.status_reason and "niet vergelijkbaar" in vmbo.status_reason
    assert vmbo.progress is None


def test_a_goal_across_a_classification_change_is_judged_on_one_version(
    real_engine: Engine, shared_data: Path, tmp_path: Path
) -> None:
    """A running goal on mbo techniek from 2018: the 2018 baseline is re-classified with the
    2019 version (ICT and transport programmes count), as the 2019 measurement is."""
    with (shared_data / "duo" / "mbo_deelnemers_2015-2019.csv").open(encoding="utf-8") as f:
        rows = [
            {k.strip(): (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(f, delimiter=";")
            if any(r.values())
        ]
    domains = {"Informatie en communicatietechnologie", "Transport, scheepvaart en logistiek"}

    def total(year: int, new: bool) -> float:
        return sum(
            float(r[f"MAN{year}"] or 0) + float(r[f"VROUW{year}"] or 0)
            for r in rows
            if r["BRIN NUMMER"] == "27YU"
            and (r["MBO SECTOR"] == "techniek" or (new and r["DOMEIN"] in domains))
        )

    path = goals_file(tmp_path, 'baseline: {period: "2011"}', 'baseline: {period: "2018"}')
    path.write_text(
        path.read_text(encoding="utf-8").replace("deadline: 2016-12-31", "deadline: 2030-12-31"),
        encoding="utf-8",
    )
    goal = load_goals(path, PACK.indicators, PACK.region_codes())
    with session_scope(real_engine) as session:
        (status,) = scorecard(session, CATALOG, goal, today=date(2024, 1, 1)).goals
    assert status.restated_on == "techniek@2019" and not status.final
    assert status.baseline.value == total(2018, new=True) != total(2018, new=False)
    assert status.latest is not None and status.latest.value == total(2019, new=True)
    assert status.progress == pytest.approx(
        (total(2019, True) - total(2018, True)) / (0.1 * total(2018, True))
    )


def test_every_goal_has_a_status_its_measurements_support(real_engine: Engine) -> None:
    """No goal with a measurement after its baseline says geen data; every goal whose
    deadline has passed has a final verdict with the measurement it was judged on; progress
    is a number only when baseline and measurement are on one definition."""
    with session_scope(real_engine) as session:
        card = scorecard(session, CATALOG)
    final = {Status.ACHIEVED, Status.MISSED, Status.NOT_ASSESSABLE}
    for g in card.goals:
        start = Period.parse(g.baseline.period)
        after = [p for p in g.measurements if Period.parse(p.period) > start]
        if after:
            assert g.status is not Status.NO_DATA, g.id
        if g.target.deadline < date.today():
            assert g.final and g.status in final and g.verdict_date == g.target.deadline, g.id
        if g.status in (Status.ACHIEVED, Status.MISSED) and g.final:
            assert g.judged_on is not None and g.judged_on in g.measurements, g.id
        if g.judged_on is not None:
            assert g.judged_on.period in g.status_reason, g.id
        if g.progress is not None:
            assert g.latest is not None and g.latest.entered != g.baseline.computed
            assert not [
                b
                for b in g.breaks
                if start < Period.parse(b.period) <= Period.parse(g.latest.period)
            ], g.id
            assert abs(g.progress) < 5, g.id


def test_goals_are_seeded_once(empty_engine: Engine) -> None:
    initialise(empty_engine, PACK, demo=True)

    def snapshot() -> list[tuple[object, ...]]:
        with session_scope(empty_engine) as session:
            goals = [
                (g.id, g.title, g.baseline_value, g.target_change)
                for g in session.scalars(select(Goal).order_by(Goal.id))
            ]
            partners = session.execute(
                select(GoalPartner.id, GoalPartner.name, GoalPartner.share).order_by(GoalPartner.id)
            ).all()
            return [*goals, *map(tuple, partners)]

    first = snapshot()
    assert len([row for row in first if len(row) == 4]) == len(PACK.goals)
    result = initialise(empty_engine, PACK, demo=True)
    assert result.goals == len(PACK.goals)
    assert snapshot() == first
    with session_scope(empty_engine) as session:
        assert [g.id for g in stored_goals(session)] == [g.id for g in PACK.goals]
        assert session.scalar(select(func.count()).select_from(GoalPartner)) == sum(
            len(g.partners) for g in PACK.goals
        )


def test_scorecard_without_goals_says_what_to_do(empty_engine: Engine) -> None:
    initialise(empty_engine, PACK, demo=False)
    with session_scope(empty_engine) as session, pytest.raises(QueryError, match="init --demo"):
        scorecard(session, CATALOG)


def test_init_stops_on_a_pack_whose_goal_shares_do_not_add_up(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(PACK.root, tmp_path / "twente")
    goals = tmp_path / "twente" / "goals.yaml"
    lines = goals.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "share: 50" in line)
    lines[at] = lines[at].replace("share: 50", "share: 45")
    goals.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(loader, "PACKS_ROOT", tmp_path)
    result = CliRunner().invoke(app, ["init", "--demo", "--database", database_url])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"fout: {goals}, regel {at + 1}: doel 'tta-instroom-vmbo-techniek'"
    )
    assert "tellen op tot 95% (45 + 50); verwacht 100%" in result.stderr
