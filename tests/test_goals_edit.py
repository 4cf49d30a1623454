"""Goals the programme office sets itself (issue 18 point 6): create, edit with a stale
version, archive and restore through the web and the CLI; every step audited; the scorecard,
/doelen, the API and the report show a change at once; bad input is refused per field with
nothing written.

The store is the demo store of the web tests (two organisations, one user per role) with the
real DUO mbo file imported, so a goal on mbo technical students in Twente has measurements.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from admin_helpers import EMAILS, World, log_in, world_fixture
from conftest import _fresh_url, shared_path
from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.store.db import session_scope
from pijplijn.store.goal_models import Goal, GoalPartner
from pijplijn.store.imports import import_files
from pijplijn.store.register_models import AuditRecord, Organisation

INDICATOR = "mbo-techniek-studenten"
TREND_STATUSES = {"op koers", "risico", "niet op koers", "gehaald"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("goals_edit")
    data = shared_path("data")
    for world in world_fixture(_fresh_url(folder), folder / "uploads"):
        files = [data / "geo/koppelcodes_gemeenten.csv", data / "duo/mbo_deelnemers_2015-2019.csv"]
        outcomes = import_files(world.engine, load_pack("twente"), files)
        assert all(o.parsed.report.valid for o in outcomes)
        yield world


@pytest.fixture
def beheerder(world: World) -> Iterator[tuple[TestClient, str]]:
    with world.client() as client:
        yield client, log_in(client, EMAILS["beheerder"])


def _form(world: World, csrf: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf": csrf,
        "title": "Meer mbo-studenten techniek in 2030",
        "programme": "Techniekagenda Twente 2030",
        "indicator": INDICATOR,
        "region": "twente",
        "baseline_period": "2015",
        "target_rule": "absolute",
        "target_value": "7.500",
        "deadline": "2030-12-31",
        "milestones": "2027-12-31=7.000",
        "trend": "linear",
        "partner_0": str(world.org_a),
        "share_0": "60",
        "partner_1": str(world.org_b),
        "share_1": "40",
        "shares_agreed": "1",
        "source": "Besluit Strategy Board, 2026",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def _counts(world: World) -> tuple[int, int, int]:
    with session_scope(world.engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Goal)) or 0,
            session.scalar(select(func.count()).select_from(GoalPartner)) or 0,
            session.scalar(select(func.count()).select_from(AuditRecord)) or 0,
        )


def _trail(world: World, goal_id: str) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    with session_scope(world.engine) as session:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.entity == "goal", AuditRecord.entity_id == goal_id)
            .order_by(AuditRecord.id)
        )
        return [
            (r.action, r.actor, json.loads(r.before or "{}"), json.loads(r.after or "{}"))
            for r in rows
        ]


def _article(page: str, goal_id: str) -> str:
    start = page.index(f'id="{goal_id}"')
    return page[start : page.index("</article>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _raw_mbo_technical_students_2015() -> int:
    """Students in DUO sector 'techniek' at the Twente locations of the mbo file, 2015."""
    places = {"ENSCHEDE", "HENGELO OV", "ALMELO", "OLDENZAAL", "HAAKSBERGEN", "RIJSSEN"}
    path = shared_path("data", "duo", "mbo_deelnemers_2015-2019.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.DictReader(handle, delimiter=";")
        return sum(
            int(r["TOTAAL2015"] or 0)
            for r in rows
            if r["MBO SECTOR"] == "techniek" and r["PLAATSNAAM"] in places
        )


def test_a_beheerder_adds_a_2030_goal_and_it_shows_at_once_everywhere(
    world: World, beheerder: tuple[TestClient, str]
) -> None:
    client, csrf = beheerder
    # Every reader of goals is computed (and cached) before the goal exists.
    before_api = client.get("/api/v1/goals").json()["data"]
    assert "Doelen van het programmabureau" in client.get("/doelen").text
    form = client.get("/beheer/doelen/nieuw")
    assert form.status_code == 200 and 'name="csrf"' in form.text
    # Names, not codes: the indicator, the region and the partners are chosen by name.
    assert "Studenten mbo techniek — aantal" in form.text and "Twente (regioset)" in form.text
    assert "Voorbeeld Precisietechniek B.V." in form.text

    response = client.post("/beheer/doelen", data=_form(world, csrf), follow_redirects=False)
    assert response.status_code == 303, _text(response.text)[:800]
    goal_id = response.headers["location"].split("opgeslagen=")[1]
    assert goal_id == "meer-mbo-studenten-techniek-in-2030"

    page = client.get("/doelen").text
    article = _text(_article(page, goal_id))
    after_api = client.get("/api/v1/goals").json()["data"]
    mine = next(g for g in after_api if g["id"] == goal_id)
    assert len(after_api) == len(before_api) + 1
    assert mine["origin"] == "office" and mine["version"] == 1
    assert mine["status_label"] in TREND_STATUSES, mine["status_reason"]
    assert mine["status_label"] in article and "Meer mbo-studenten techniek in 2030" in article
    assert mine["target"]["value"] == 7500 and mine["target"]["deadline"] == "2030-12-31"
    assert mine["baseline"]["computed"] is True and mine["baseline"]["period"] == "2015"
    # The dated intermediate target, on the page and on the chart's target line.
    assert mine["target"]["milestones"] == [{"by": "2027-12-31", "value": 7000, "source": ""}]
    assert "Tussendoelen 7.000 uiterlijk 2027-12-31" in article
    # The office's goal comes before the history, which is shown as such.
    assert page.index(f'id="{goal_id}"') < page.index("Geschiedenis")
    assert "Twente Techniek Agenda &#39;11-&#39;16, afgerond" in page
    # Partner shares name the register's organisations, with their sub-target in the
    # indicator's unit: share × (target − baseline).
    partners = {p["name"]: p for p in mine["partners"]}
    to_go = 7500 - mine["baseline"]["value"]
    assert partners["Voorbeeld Precisietechniek B.V."]["share"] == 60
    assert partners["Voorbeeld Precisietechniek B.V."]["sub_target"] == pytest.approx(0.6 * to_go)
    assert partners["Voorbeeld Precisietechniek B.V."]["organisation_id"] == world.org_a
    assert mine["split_note"] is None
    assert client.get(f"/api/v1/goals/{goal_id}").status_code == 200

    with session_scope(world.engine) as session:
        card = scorecard(session, Catalog(load_pack("twente").indicators))
        assert [g.id for g in card.goals][0] == goal_id
        from pijplijn.report.view import report_view

        report = report_view(session, load_pack("twente"), "twente", None, "nl")
        assert goal_id in [g.id for g in report.card.goals]

    trail = _trail(world, goal_id)
    assert [(action, actor) for action, actor, _, _ in trail] == [("create", EMAILS["beheerder"])]
    assert trail[0][3]["target_value"] == 7500 and len(trail[0][3]["partners"]) == 2


def test_edit_with_a_stale_version_is_a_409_and_writes_nothing(
    world: World, beheerder: tuple[TestClient, str]
) -> None:
    client, csrf = beheerder
    form = _form(world, csrf, title="Stale-test doel", target_value="8000")
    created = client.post("/beheer/doelen", data=form, follow_redirects=False)
    goal_id = created.headers["location"].split("opgeslagen=")[1]
    edit = client.get(f"/beheer/doelen/{goal_id}")
    assert edit.status_code == 200 and 'name="expected_version" value="1"' in edit.text
    # The values are shown as the form reads them back.
    assert 'value="8000"' in edit.text and 'value="60"' in edit.text

    first = client.post(
        f"/beheer/doelen/{goal_id}",
        data={**form, "expected_version": "1", "target_value": "8200"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    counts = _counts(world)
    stale = client.post(
        f"/beheer/doelen/{goal_id}",
        data={**form, "expected_version": "1", "target_value": "9999"},
        follow_redirects=False,
    )
    assert stale.status_code == 409
    assert "intussen door iemand anders gewijzigd" in stale.text
    # What the user typed is kept; the next try is based on the current version.
    assert 'value="9999"' in stale.text and 'name="expected_version" value="2"' in stale.text
    assert _counts(world) == counts
    with session_scope(world.engine) as session:
        goal = session.get(Goal, goal_id)
        assert goal is not None and (goal.version, goal.target_value) == (2, 8200)

    # Changing only the partners' split is a change too: a new version, audited.
    again = client.post(
        f"/beheer/doelen/{goal_id}",
        data={
            **form,
            "expected_version": "2",
            "target_value": "8200",
            "share_0": "50",
            "share_1": "50",
        },
        follow_redirects=False,
    )
    assert again.status_code == 303
    trail = _trail(world, goal_id)
    assert [t[0] for t in trail] == ["create", "update", "update"]
    assert (trail[1][2]["target_value"], trail[1][3]["target_value"]) == (8000, 8200)
    assert [p["share"] for p in trail[2][3]["partners"]] == [50, 50]
    assert trail[2][3]["version"] == 3


def test_archive_and_restore_through_the_web_are_audited_and_seen_at_once(
    world: World, beheerder: tuple[TestClient, str]
) -> None:
    client, csrf = beheerder
    form = _form(world, csrf, title="Archief-test doel")
    goal_id = (
        client.post("/beheer/doelen", data=form, follow_redirects=False)
        .headers["location"]
        .split("opgeslagen=")[1]
    )
    assert f'id="{goal_id}"' in client.get("/doelen").text

    archived = client.post(
        f"/beheer/doelen/{goal_id}/archiveren",
        data={"csrf": csrf, "expected_version": "1"},
        follow_redirects=False,
    )
    assert archived.status_code == 303
    assert f'id="{goal_id}"' not in client.get("/doelen").text
    assert goal_id not in [g["id"] for g in client.get("/api/v1/goals").json()["data"]]
    assert client.get(f"/api/v1/goals/{goal_id}").status_code == 404
    listing = client.get("/beheer/doelen").text
    assert f"/beheer/doelen/{goal_id}/herstellen" in listing

    stale = client.post(
        f"/beheer/doelen/{goal_id}/herstellen",
        data={"csrf": csrf, "expected_version": "1"},
        follow_redirects=False,
    )
    assert stale.status_code == 409
    restored = client.post(
        f"/beheer/doelen/{goal_id}/herstellen",
        data={"csrf": csrf, "expected_version": "2"},
        follow_redirects=False,
    )
    assert restored.status_code == 303
    assert f'id="{goal_id}"' in client.get("/doelen").text
    trail = _trail(world, goal_id)
    assert [t[0] for t in trail] == ["create", "archive", "restore"]
    assert trail[1][2]["archived_at"] is None and trail[1][3]["archived_at"] is not None
    assert trail[2][3]["archived_at"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"share_1": "30"}, "partners", "tellen op tot 90% (60 + 30); verwacht 100%"),
        ({"deadline": "2014-12-31"}, "deadline", "ligt niet na het begin van de basisperiode"),
        ({"indicator": "bestaat-niet"}, "indicator", "onbekende indicator 'bestaat-niet'"),
        ({"filters": "gemeente=GM0153"}, "filters", "staat selectie op 'gemeente' niet toe"),
        ({"baseline_value": "664"}, "baseline_source", "vraagt een 'source'"),
        ({"target_value": "veel"}, "target_value", "'veel' is geen getal"),
        ({"deadline": "31-12-2030"}, "deadline", "verwacht jjjj-mm-dd"),
        ({"milestones": "2031-12-31=7000"}, "milestones", "ligt niet tussen het begin"),
        ({"milestones": "eind 2027: 7000"}, "milestones", "verwacht DATUM=WAARDE"),
        (
            {"partner_0": "", "share_0": "", "partner_1": "", "share_1": ""},
            "partners",
            "minstens één partner",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    world: World,
    beheerder: tuple[TestClient, str],
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    client, csrf = beheerder
    counts = _counts(world)
    response = client.post(
        "/beheer/doelen",
        data=_form(world, csrf, title="Fout doel", **changes),
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert _counts(world) == counts
    problem = re.search(rf'<p class="field-problem" id="err-{field}">([^<]*)</p>', response.text)
    assert problem is not None, _text(response.text)[-1500:]
    assert message in problem.group(1).replace("&#39;", "'")
    # What was typed stays in the form.
    assert 'value="Fout doel"' in response.text


def test_a_split_not_agreed_is_said_once_not_per_partner(
    world: World, beheerder: tuple[TestClient, str]
) -> None:
    client, csrf = beheerder
    form = _form(world, csrf, title="Doel zonder verdeling", share_0="", share_1="")
    del form["shares_agreed"]
    goal_id = (
        client.post("/beheer/doelen", data=form, follow_redirects=False)
        .headers["location"]
        .split("opgeslagen=")[1]
    )
    mine = client.get(f"/api/v1/goals/{goal_id}").json()["data"]
    mine = mine[0] if isinstance(mine, list) else mine
    assert [p["share"] for p in mine["partners"]] == [50, 50]
    assert mine["split_note"] == "verdeling nog niet vastgesteld"
    article = _article(client.get("/doelen").text, goal_id)
    assert article.count("verdeling nog niet vastgesteld") == 1


def test_the_pack_s_goals_are_read_only_history(
    world: World, beheerder: tuple[TestClient, str]
) -> None:
    client, csrf = beheerder
    pack_goal = "tt-bedrijvenparticipatie-register"
    counts = _counts(world)
    form = client.get(f"/beheer/doelen/{pack_goal}")
    assert (
        form.status_code == 200
        and "alleen te lezen" in form.text
        and "<fieldset disabled" in form.text
    )
    refused = client.post(
        f"/beheer/doelen/{pack_goal}",
        data=_form(world, csrf, expected_version="1"),
        follow_redirects=False,
    )
    assert refused.status_code == 400 and "geschiedenis, alleen te lezen" in refused.text
    archive = client.post(
        f"/beheer/doelen/{pack_goal}/archiveren",
        data={"csrf": csrf, "expected_version": "1"},
        follow_redirects=False,
    )
    assert archive.status_code == 400
    assert _counts(world) == counts


def test_only_a_beheerder_with_the_csrf_token_may_change_goals(world: World) -> None:
    counts = _counts(world)
    for role in ("lezer", "redacteur_own"):
        with world.client() as client:
            csrf = log_in(client, EMAILS[role])
            assert client.get("/beheer/doelen/nieuw").status_code == 403
            posted = client.post("/beheer/doelen", data=_form(world, csrf), follow_redirects=False)
            assert posted.status_code == 403, role
    with world.client() as client:
        log_in(client, EMAILS["beheerder"])
        forged = client.post(
            "/beheer/doelen", data=_form(world, "niet-het-token"), follow_redirects=False
        )
        assert forged.status_code == 403
    with world.client() as anonymous:
        posted = anonymous.post("/beheer/doelen", data=_form(world, ""), follow_redirects=False)
        assert posted.status_code in (303, 401)
    assert _counts(world) == counts


runner = CliRunner()


def _cli(world: World, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--database", world.url])
    return result.exit_code, result.stdout, result.stderr


def test_cli_add_edit_archive_restore_and_bad_input(world: World) -> None:
    with session_scope(world.engine) as session:
        names = {o.id: o.name for o in session.scalars(select(Organisation))}
    school = names[world.org_b]
    counts = _counts(world)
    code, _, err = _cli(
        world,
        "goals", "add", "--title", "CLI doel 2030", "--indicator", INDICATOR, "--region",
        "twente", "--baseline-period", "2015", "--target-rule", "relative", "--target-change",
        "10%", "--deadline", "2014-01-01", "--partner", f"{school}=100", "--shares-agreed",
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "deadline" in err and "Traceback" not in err
    assert _counts(world) == counts
    code, _, err = _cli(
        world,
        "goals", "add", "--title", "CLI doel 2030", "--indicator", INDICATOR, "--region",
        "twente", "--baseline-period", "2015", "--target-rule", "relative", "--target-change",
        "10%", "--deadline", "2030-12-31", "--partner", f"{school}=70", "--partner",
        f"{world.org_a}=20", "--shares-agreed",
    )  # fmt: skip
    assert code == 2 and "tellen op tot 90%" in err and err.count("\n") == 1
    assert _counts(world) == counts

    code, out, err = _cli(
        world,
        "goals", "add", "--title", "CLI doel 2030", "--indicator", INDICATOR, "--region",
        "twente", "--baseline-period", "2015", "--target-rule", "relative", "--target-change",
        "10%", "--deadline", "2030-12-31", "--partner", f"{school}=70", "--partner",
        f"{world.org_a}=30", "--shares-agreed",
    )  # fmt: skip
    assert code == 0, err
    assert "doel 'cli-doel-2030' toegevoegd (versie 1)" in out
    code, out, _ = _cli(world, "goals", "--format", "json")
    mine = next(g for g in json.loads(out) if g["id"] == "cli-doel-2030")
    assert mine["target"]["change"] == pytest.approx(0.10)
    assert mine["target"]["value"] == pytest.approx(mine["baseline"]["value"] * 1.10)
    assert [(p["name"], p["share"]) for p in mine["partners"]] == [
        (school, 70),
        (names[world.org_a], 30),
    ]

    code, out, err = _cli(
        world, "goals", "edit", "cli-doel-2030", "--version", "1", "--target-change", "0,2"
    )
    assert code == 0, err
    assert "versie 2" in out
    code, _, err = _cli(
        world, "goals", "edit", "cli-doel-2030", "--version", "1", "--target-change", "0,3"
    )
    assert code == 2 and "intussen door iemand anders gewijzigd" in err and err.count("\n") == 1
    code, out, _ = _cli(world, "goals", "--format", "json")
    mine = next(g for g in json.loads(out) if g["id"] == "cli-doel-2030")
    assert mine["target"]["change"] == pytest.approx(0.2) and mine["version"] == 2

    assert _cli(world, "goals", "archive", "cli-doel-2030", "--version", "2")[0] == 0
    code, out, _ = _cli(world, "goals", "--format", "json")
    assert "cli-doel-2030" not in [g["id"] for g in json.loads(out)]
    assert _cli(world, "goals", "restore", "cli-doel-2030", "--version", "3")[0] == 0
    trail = _trail(world, "cli-doel-2030")
    assert [(t[0], t[1]) for t in trail] == [
        ("create", "cli"),
        ("update", "cli"),
        ("archive", "cli"),
        ("restore", "cli"),
    ]
    code, _, err = _cli(
        world,
        "goals",
        "edit",
        "tt-bedrijvenparticipatie-register",
        "--version",
        "1",
        "--title",
        "x",
    )
    assert code == 2 and "alleen te lezen" in err


def test_the_raw_file_agrees_with_the_unrestated_baseline(world: World) -> None:
    """A goal whose baseline is the 2015 figure on the 2015 classification: the value the
    scorecard uses equals the sum of the DUO file's techniek rows at the Twente locations."""
    with world.client() as client:
        csrf = log_in(client, EMAILS["beheerder"])
        response = client.post(
            "/beheer/doelen",
            data=_form(
                world, csrf, title="Basis uit het bestand", deadline="2016-12-31", milestones=""
            ),
            follow_redirects=False,
        )
        goal_id = response.headers["location"].split("opgeslagen=")[1]
        mine = client.get(f"/api/v1/goals/{goal_id}").json()["data"]
    mine = mine[0] if isinstance(mine, list) else mine
    # Judged within 2015-2016 there is no change of classification version to restate over.
    assert mine["restated_on"] is None
    assert mine["baseline"]["value"] == _raw_mbo_technical_students_2015()


def test_migration_0010_makes_existing_goals_pack_history_and_goes_both_ways(
    empty_engine: Engine,
) -> None:
    """A goal stored before the revision becomes a pack goal at version 1, not archived;
    the revision can be undone and done again."""
    from alembic import command
    from sqlalchemy import inspect, text

    from pijplijn.store.db import _alembic_config

    config = _alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009_coverage")
        connection.execute(
            text("INSERT INTO region (code, name, kind) VALUES ('x', 'X', 'regioset')")
        )
        connection.execute(
            text(
                "INSERT INTO goal (id, position, programme, theme, title, title_en, indicator, "
                "region_code, filters, baseline_period, target_rule, target_provisional, "
                "target_source, deadline, trend_method, source, notes) VALUES ('oud', 0, 'P', "
                "'T', 'Oud doel', '', 'i', 'x', '{}', '2011', 'relative', false, '', "
                "'2016-12-31', 'linear', '', '')"
            )
        )
        command.upgrade(config, "0010_goals")
        row = connection.execute(
            text("SELECT origin, version, archived_at FROM goal WHERE id = 'oud'")
        ).one()
        assert tuple(row) == ("pack", 1, None)
        command.downgrade(config, "0009_coverage")
        columns = {c["name"] for c in inspect(connection).get_columns("goal")}
        assert not columns & {"origin", "version", "archived_at", "updated_at"}
        command.upgrade(config, "head")
        partner_columns = {c["name"] for c in inspect(connection).get_columns("goal_partner")}
        assert "organisation_id" in partner_columns


def test_two_racing_edits_cannot_both_win(world: World) -> None:
    """An edit that read the goal before another committed is refused by the conditional
    UPDATE itself (the version check before it had passed), and writes nothing."""
    from pijplijn.accounts.rights import SYSTEM
    from pijplijn.register import goals as service
    from pijplijn.register.errors import ConflictError

    indicators = load_pack("twente").indicators
    values: dict[str, Any] = {
        **_form(world, "", title="Race-doel", milestones=""),
        "partners": [service.PartnerRow(str(world.org_a), "100")],
    }
    with session_scope(world.engine) as session:
        goal_id = service.create(session, SYSTEM, indicators, values).id
    with session_scope(world.engine) as slow:
        service.get(slow, goal_id)  # read at version 1
        with session_scope(world.engine) as fast:
            service.update(fast, SYSTEM, indicators, goal_id, 1, {**values, "target_value": "8000"})
        with pytest.raises(ConflictError, match="intussen door iemand anders gewijzigd"):
            service.update(slow, SYSTEM, indicators, goal_id, 1, {**values, "target_value": "9000"})
    with session_scope(world.engine) as session:
        goal = session.get(Goal, goal_id)
        assert goal is not None and (goal.version, goal.target_value) == (2, 8000)
    assert [t[0] for t in _trail(world, goal_id)] == ["create", "update"]


def test_the_goals_file_and_the_form_share_one_validation(tmp_path: Path) -> None:
    """An intermediate target after the deadline: the YAML loader names the line, the
    form (test above) the field, with the same message from ``check_goal``."""
    from pijplijn.content.goals import load_goals
    from pijplijn.errors import ContentError

    pack = load_pack("twente")
    path = tmp_path / "goals.yaml"
    path.write_text(
        "goals:\n"
        "  - id: doel-2030\n"
        "    programme: Techniekagenda 2030\n"
        "    theme: t\n"
        "    title: {nl: Doel 2030, en: Goal 2030}\n"
        "    indicator: mbo-techniek-studenten\n"
        "    region: twente\n"
        '    baseline: {period: "2015"}\n'
        "    target: {rule: absolute, value: 7500}\n"
        "    deadline: 2030-12-31\n"
        "    milestones:\n"
        "      - {by: 2027-12-31, value: 7000}\n"
        "      - {by: 2031-12-31, value: 7600}\n"
        "    partners:\n"
        "      - {name: A, kind: onderwijs, share: 100}\n"
        "    source: s\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_goals(path, pack.indicators, pack.region_codes())
    assert str(caught.value).startswith(f"{path}, regel 13: doel 'doel-2030': tussendoel ")
    assert "ligt niet tussen het begin van de basisperiode 2015 en de deadline" in str(caught.value)
