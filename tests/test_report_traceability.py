"""Same figures everywhere (issue 17.3): every number a factsheet prints is traced to the view
that produced it and compared with the API's value for that view.

The renderer marks each number, period and label it prints with ``data-view`` (the URL of the
view's JSON) and ``data-key`` (a JSON pointer into it; ``report/trace.py``). The test reads
the page as a person gets it, fetches each view's JSON from the API, and requires that:

- every marked text is the value at its key: a number equal to the JSON's within the rounding
  it prints (a dash only where the JSON has null), a period or a label equal to it;
- no text with a digit lies outside a mark (a number nobody could trace);
- the figures the sheet borrows from other views are those views' API values too: each
  comparison cell is ``/api/v1/indicators/{id}/values`` for its region and period, each route
  the pipeline API's stage, each DUO count the sum of the raw DUO file.

The annual report can be traced the same way once its renderer marks its numbers:
``check_traced`` takes any HTML and a client."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pijplijn.report.trace import decimals, parse_number, resolve, traced, untraced
from pijplijn.settings import Settings
from pijplijn.web.app import create_app


def _matches(text: str, value: Any, key: str, lang: str) -> bool:
    """True when the printed ``text`` is the JSON ``value`` at ``key``."""
    if key.endswith("/made_on"):
        return date.fromisoformat(value).strftime("%d-%m-%Y") == text
    if key.endswith("/classification"):
        name, _, version = str(value).partition("@")
        return name in text and version in text
    if isinstance(value, bool) or value is None and not any(c.isdigit() for c in text):
        return value is None and text in ("–", "") or text == str(value)
    if isinstance(value, int | float):
        printed = parse_number(text, lang)
        if printed is None:
            return False
        half = Decimal(5).scaleb(-decimals(text, lang) - 1)
        return abs(printed - Decimal(repr(float(value)))) <= half
    return text == str(value)


def check_traced(client: TestClient, html: str, lang: str = "nl") -> list[str]:
    """Every marked text of ``html`` compared with its view's JSON from ``client``; returns
    the mismatches (empty when every number traces) and fails on an untraced number."""
    marks = traced(html)
    assert marks, "nothing is marked: the renderer does not trace its numbers"
    views: dict[str, Any] = {}
    wrong = []
    for mark in marks:
        if mark.view not in views:
            response = client.get(mark.view)
            assert response.status_code == 200, (mark.view, response.status_code)
            views[mark.view] = response.json()
        try:
            value = resolve(views[mark.view], mark.key)
        except KeyError:
            wrong.append(f"{mark.view}#{mark.key}: not in the view")
            continue
        if not _matches(mark.text, value, mark.key, lang):
            wrong.append(f"{mark.view}#{mark.key}: printed {mark.text!r}, view {value!r}")
    loose = untraced(html)
    assert loose == [], f"numbers without a trace: {loose}"
    return wrong


def _records(body: Any) -> list[dict[str, Any]]:
    return body["data"] if isinstance(body, dict) else body


@pytest.fixture(scope="module")
def real_client(real_url: str) -> Any:
    with TestClient(create_app(Settings(database_url=real_url))) as client:
        yield client


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_gemeente_sheet_numbers_are_the_views(real_client: TestClient, lang: str) -> None:
    page = real_client.get(f"/gemeenten/Enschede?lang={lang}")
    assert page.status_code == 200
    assert check_traced(real_client, page.text, lang) == []
    sheet = real_client.get("/gemeenten/GM0153.json").json()
    numbers = [m for m in traced(page.text) if "/cells/" in m.key or "/routes/" in m.key]
    assert len(numbers) >= 20, "Enschede's comparisons and routes are printed"
    assert {m.view for m in traced(page.text)} == {"/gemeenten/GM0153.json"}
    # Each comparison cell is the indicator API's value for its region and period.
    assert sheet["comparisons"], "Enschede has own figures on the real data"
    for comparison in sheet["comparisons"]:
        for cell in comparison["cells"]:
            body = real_client.get(
                f"/api/v1/indicators/{comparison['indicator']}/values",
                params={"region": cell["code"], "by": ""},
            ).json()
            found = [r for r in _records(body) if r["period"] == comparison["period"]]
            expected = found[0]["value"] if found else None
            assert cell["value"] == expected, (comparison["indicator"], cell["code"])
    # Each route is the pipeline API's stage for Enschede in the year of the route's period
    # (the sheet takes each stage's nearest period to its year; the flow asks for the exact one).
    compared = 0
    for route in sheet["routes"]:
        if route["total"] is None:
            continue
        year = int(route["period"][-4:])
        flow = real_client.get("/api/v1/pipeline", params={"region": "GM0153", "year": year})
        nodes = {n["id"]: n for n in flow.json()["nodes"]}
        node = nodes.get(route["stage"])
        assert node is not None and node["period"] == route["period"], route["stage"]
        assert (node["total"], node["in_domain"]) == (route["total"], route["in_domain"])
        compared += 1
    assert compared >= 5


def _duo_mbo_totals(shared: Path, brin: str) -> dict[str, int]:
    """The students of ``brin`` per year, summed from the raw DUO file (TOTAAL columns)."""
    totals: dict[str, int] = {}
    with (shared / "duo" / "mbo_deelnemers_2015-2019.csv").open(encoding="latin-1") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if row["BRIN NUMMER"].strip() != brin:
                continue
            for year in range(2015, 2020):
                cell = (row.get(f"TOTAAL{year}") or "").strip()
                if cell.isdigit():
                    totals[str(year)] = totals.get(str(year), 0) + int(cell)
    return totals


def test_instelling_sheet_numbers_are_the_views_and_duo(
    real_client: TestClient, shared_data: Path
) -> None:
    page = real_client.get("/instellingen/27YU")
    assert page.status_code == 200
    assert check_traced(real_client, page.text) == []
    sheet = real_client.get("/instellingen/27YU.json").json()
    enrolled = [t for t in sheet["tables"] if t["measure"] == "enrolled"]
    # One definition per table: the seed's techniek-only table (2007-2011) apart from DUO's.
    seed, duo = enrolled
    assert [r["period"] for r in seed["rows"]] == ["2007", "2008", "2009", "2010", "2011"]
    assert seed["domain_only"] and all(r["total"] is None for r in seed["rows"])
    assert [r["period"] for r in duo["rows"]] == ["2015", "2016", "2017", "2018", "2019"]
    assert not duo["domain_only"] and "DUO" in (duo["break_before"] or "")
    assert {r["period"]: r["total"] for r in duo["rows"]} == _duo_mbo_totals(shared_data, "27YU")
    assert all(r["share"] == pytest.approx(r["in_domain"] / r["total"]) for r in duo["rows"])


def test_hbo_wo_and_english_sheets_trace(real_client: TestClient) -> None:
    for brin, lang in (("23AH", "nl"), ("21PH", "nl"), ("27YU", "en")):
        page = real_client.get(f"/instellingen/{brin}?lang={lang}")
        assert page.status_code == 200
        assert check_traced(real_client, page.text, lang) == [], brin
        if brin == "27YU":
            continue
        sheet = real_client.get(f"/instellingen/{brin}.json").json()
        assert sheet["share_measure"] == "first_year" and len(sheet["region_share"]) == 3


def test_partner_sheet_numbers_are_the_views(database_url: str) -> None:
    from sqlalchemy import select

    from pijplijn.content.loader import load_pack
    from pijplijn.store.db import open_engine, session_scope
    from pijplijn.store.register_models import Organisation, Participation, Project
    from pijplijn.store.setup import initialise

    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    with session_scope(engine) as session:
        project = session.scalars(select(Project).where(Project.voorbeeld.is_(False))).first()
        assert project is not None
        mine = Organisation(name="Installatiebedrijf Almelo", kind="ondernemers")
        other = Organisation(name="Andere school", kind="onderwijs")
        session.add_all([mine, other])
        session.flush()
        session.add_all(
            [
                Participation(
                    organisation_id=mine.id,
                    project_id=project.id,
                    period="2024",
                    pupils=1250,
                    students=None,
                    teachers=4,
                ),
                Participation(
                    organisation_id=other.id, project_id=project.id, period="2024", pupils=3
                ),
            ]
        )
        ident = mine.id
    engine.dispose()
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        page = client.get(f"/partners/{ident}")
        assert page.status_code == 200
        assert check_traced(client, page.text) == []
        sheet = client.get(f"/partners/{ident}.json").json()
    assert sheet["reach"]["pupils"] == 1250 and sheet["reach"]["students"] is None
    keys = {m.key for m in traced(page.text)}
    assert {"/reach/pupils", "/participations/0/teachers"} <= keys
    assert all(g["share"] == pytest.approx(1250 / 1253) for g in sheet["goals"])


def test_a_wrong_number_is_caught() -> None:
    """The check itself: a printed figure that differs from its view is reported."""

    class Client:
        def get(self, url: str) -> Any:
            class Response:
                status_code = 200

                def json(self) -> Any:
                    return {"cells": [{"value": 0.2051}, {"value": 19485}], "period": "2019"}

            return Response()

    html = (
        '<p><span data-view="/v.json" data-key="/cells/0/value">20,5%</span> '
        '<span data-view="/v.json" data-key="/cells/1/value">19.458</span> '
        '<span data-view="/v.json" data-key="/period">2019</span></p>'
    )
    wrong = check_traced(Client(), html)  # type: ignore[arg-type]
    assert wrong == ["/v.json#/cells/1/value: printed '19.458', view 19485"]
    with pytest.raises(AssertionError, match="without a trace"):
        check_traced(Client(), html.replace("</p>", " 42</p>"))  # type: ignore[arg-type]
