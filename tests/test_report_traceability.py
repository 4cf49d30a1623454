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
import re
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
    # A label may be printed in lower case inside a sentence ("het aantal mbo 4-doorstromers").
    return text in (str(value), str(value).lower())


def _change(view: Any, base: str, to: Any, kind: str, text: str) -> float | None:
    """The change a mark of ``trace.change`` prints, worked out here from the view's two
    values: relative (a share of the first) or a difference (in percentage points when the
    text says so)."""
    first = resolve(view, base)
    if not isinstance(first, int | float) or not isinstance(to, int | float):
        return None
    if kind == "sum":
        return first + to
    if kind == "difference":
        points = "procentpunt" in text or "percentage point" in text
        return (to - first) * (100 if points else 1)
    return None if first == 0 else (to - first) / first


def check_traced(
    client: TestClient, html: str, lang: str = "nl", *, loose: bool = True
) -> list[str]:
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
        if mark.base is not None:
            value = _change(views[mark.view], mark.base, value, mark.kind, mark.text)
            if value is None:
                wrong.append(f"{mark.view}#{mark.base}→{mark.key}: no change to compute")
                continue
        if not _matches(mark.text, value, mark.key, lang):
            wrong.append(f"{mark.view}#{mark.key}: printed {mark.text!r}, view {value!r}")
    if loose:
        found = untraced(html)
        assert found == [], f"numbers without a trace: {found}"
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


# The annual report (issue 17.3): its summary, goals and labour chapters trace every number.
REPORT_CHAPTERS = {"summary": "goals", "goals": "pipeline", "labour": "maps"}
"""Each traced chapter and the chapter that follows it (the HTML between their ``<h1>``)."""
REPORT_EXEMPT = {
    "ol": "findings",
    "figcaption": None,
    "p": "note",
    "div": "keep",
    "section": "benchmark",
}
"""Parts of the traced chapters that are checked elsewhere or carry no figure of a view,
taken out before the untraced check (each named, nothing else):

- ``ol.findings``: the summary's sentences, whose figures ``test_report_layout`` compares with
  ``/api/v1/overview`` (``test_the_summary_s_figures_are_the_overview_api_s``);
- ``figcaption``: a chart's caption (what it shows, the table number of its source);
- ``p.note``: method and source notes (ROA's table names, CBS table codes, "6 jaar");
- ``div.keep``: the summary's outlook to the deadline year, from the projection (not traced).
- ``section.benchmark``: a goal's region against the arbeidsmarktregio's, from the benchmark view
  that ``/api/v1/indicators/{id}/benchmark`` serves (``test_benchmark``; not traced here yet).
"""
WHITELIST = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"  # a date (a deadline, a definition's start)
    r"|\b\d{4}\s?(?:KW|Q)\d\b|\b\de kwartaal \d{4}\b|\bQ\d \d{4}\b"  # a quarter
    r"|\b\d{4}(?:\s?[-/–]\s?\d{2,4})?\b"  # a year, a school year or a range of years
    r"|\(\d\)"  # a footnote reference to the list of missing inputs
    r"|§\d+(?:\.\d+)*"  # a section of a publication ("Regiovisie §4.1") in a fixed text
)
"""The digits a traced chapter may print outside a mark: dates, periods and footnotes."""


def report_chapter(html: str, chapter: str) -> str:
    """The HTML of one chapter of the report, without the exempt parts."""
    start = html.index(f'<h1 id="{chapter}"')
    after = html.find(f'<h1 id="{REPORT_CHAPTERS[chapter]}"', start)
    part = html[start : after if after > 0 else len(html)]
    for tag, cls in REPORT_EXEMPT.items():
        attrs = rf'\s+class="{cls}[^"]*"' if cls else r""
        part = re.sub(rf"<{tag}{attrs}[^>]*>.*?</{tag}>", "", part, flags=re.S)
    return part


def check_report(client: TestClient, html: str, lang: str) -> list[str]:
    """Every mark of the report compared with its API view, and every digit of the traced
    chapters outside a mark one of the whitelist's."""
    wrong = []
    for chapter in REPORT_CHAPTERS:
        if f'<h1 id="{chapter}"' not in html:
            continue
        part = report_chapter(html, chapter)
        loose = [t for t in untraced(part) if any(c.isdigit() for c in WHITELIST.sub("", t))]
        wrong += [f"{chapter}: untraced {t!r}" for t in loose]
    marks = traced(html)
    assert marks, "nothing is marked: the renderer does not trace its numbers"
    wrong += check_traced(client, html, lang, loose=False)
    return wrong


def _report_html(url: str, lang: str) -> str:
    from pijplijn.content.loader import load_pack
    from pijplijn.report.render import to_html
    from pijplijn.report.view import report_view
    from pijplijn.store.db import open_engine, session_scope

    engine = open_engine(url)
    pack = load_pack("twente")
    with session_scope(engine) as session:
        view = report_view(session, pack, pack.pack.default_region, None, lang)
    engine.dispose()
    return to_html(view)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_demo_report_s_numbers_are_the_apis(demo_url: str, lang: str) -> None:
    html = _report_html(demo_url, lang)
    with TestClient(create_app(Settings(database_url=demo_url))) as client:
        assert check_report(client, html, lang) == []
    views = {m.view.split("?")[0] for m in traced(html)}
    assert {"/api/v1/overview"} <= views
    assert any(v.startswith("/api/v1/goals/") for v in views)
    keys = {m.key for m in traced(html)}
    assert "/data/0/latest/value" in keys and "/figures/0/value" in keys


def test_the_real_report_s_numbers_are_the_apis(real_client: TestClient, real_url: str) -> None:
    html = _report_html(real_url, "nl")
    assert check_report(real_client, html, "nl") == []
    views = {m.view.split("?")[0] for m in traced(html)}
    assert {"/api/v1/overview", "/api/v1/labour"} <= views
    keys = {m.key for m in traced(html)}
    assert {"/occupations/rows/0/replacement", "/coverage/0/title"} <= keys
