"""A goal's measurement that the engine flags inexact (a sum with a suppressed cell, an
estimate) prints with its flag on /doelen, in `pijplijn goals` and in the report, as the rest of
the site prints lower bounds and approximate values: a suppressed count as ``≥ 568``, an
estimated share as ``≈ 80,0%``; never as a bare number that reads as exact."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.goals import scorecard
from pijplijn.engine.goals.scorecard import GoalStatus
from pijplijn.engine.indicators import Catalog
from pijplijn.report.render import ENVIRONMENT
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.web.app import create_app

PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)


def dutch(value: float, unit: str) -> str:
    """The value as a Dutch reader writes it, worked out here rather than by pijplijn."""
    if unit == "share":
        shown = Decimal(repr(100 * value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{shown}".replace(".", ",") + "%"
    whole = int(Decimal(repr(value)).quantize(Decimal("1"), ROUND_HALF_UP))
    return f"{whole:,}".replace(",", ".")


def expected(goal: GoalStatus) -> str:
    """``2017: ≈ 80,0%`` or ``2019-2020: ≥ 568``: the lower-bound sign for a count with a
    suppressed part, the approximate sign for any other inexact value."""
    latest = goal.latest
    assert latest is not None
    sign = "≥" if goal.unit == "count" and latest.flag == "suppressed" else "≈"
    return f"{latest.period}: {sign} {dutch(latest.value, goal.unit)}"


def inexact(engine: Engine) -> list[GoalStatus]:
    with session_scope(engine) as session:
        card = scorecard(session, CATALOG)
    return [g for g in card.goals if g.latest is not None and not g.latest.exact]


def _text(html: str) -> str:
    """The text a reader sees: inline tags (a traced span) join, block tags separate."""
    inline = re.sub(r"</?(?:span|small|strong|abbr|a)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def check_everywhere(url: str, goals: list[GoalStatus]) -> None:
    with TestClient(create_app(Settings(database_url=url))) as client:
        page = _text(client.get("/doelen").text)
    # Rich fixes a console's width when it is made with COLUMNS set (the CLI's console is made
    # on its first import, perhaps by another test module in this worker): set it here.
    from pijplijn.cli.app import out

    width = out._width
    out._width = 300
    try:
        result = CliRunner().invoke(app, ["goals", "--database", url], env={"COLUMNS": "300"})
    finally:
        out._width = width
    assert result.exit_code == 0, result.output
    cli = " ".join(result.stdout.replace("│", " ").split())
    for goal in goals:
        shown = expected(goal)
        bare = f"{goal.latest.period}: {dutch(goal.latest.value, goal.unit)}"  # type: ignore[union-attr]
        assert shown in page, (goal.id, shown)
        assert bare not in page, (goal.id, bare)
        assert shown in cli, (goal.id, shown)
        assert bare not in cli, (goal.id, bare)


@pytest.fixture(scope="module")
def demo_goals(demo_url: str) -> Iterator[list[GoalStatus]]:
    engine = open_engine(demo_url)
    yield inexact(engine)
    engine.dispose()


def test_an_estimated_share_prints_as_approximate_on_the_demo(
    demo_url: str, demo_goals: list[GoalStatus]
) -> None:
    # The demo's Techniekpact 2020 goal on large hightech companies is measured on an
    # estimate (80% of them participate, "naar schatting"): the seed flags it estimated.
    assert [g.id for g in demo_goals] == ["tt2020-bedrijvenparticipatie-hightech-groot"]
    assert demo_goals[0].latest is not None and demo_goals[0].latest.flag == "estimated"
    assert expected(demo_goals[0]) == "2017: ≈ 80,0%"
    check_everywhere(demo_url, demo_goals)


def test_a_suppressed_count_prints_as_a_lower_bound_on_the_real_data(
    real_url: str, real_engine: Engine
) -> None:
    goals = inexact(real_engine)
    suppressed = [g for g in goals if g.unit == "count" and g.latest and g.latest.flag]
    assert [g.id for g in suppressed] == ["tta-instroom-vmbo-techniek"]
    assert expected(suppressed[0]).startswith(f"{suppressed[0].latest.period}: ≥ ")  # type: ignore[union-attr]
    check_everywhere(real_url, goals)


def test_the_report_s_goal_table_prints_the_flag(demo_goals: list[GoalStatus]) -> None:
    template = ENVIRONMENT.from_string(
        '{% from "_goal.html" import goal_table %}{{ goal_table(g, _, "nl") }}'
    )
    for goal in demo_goals:
        html = template.render(g=goal, _=lambda key: key)
        assert expected(goal) in _text(html)
