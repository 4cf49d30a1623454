"""One view per page (issue #16.1): every public page is one view model; ``PAGE.json`` (or
``Accept: application/json``) returns it, and ``PAGE.csv`` / ``PAGE.xlsx`` (``?table=``) its
tables through the renderer registry of ``views/render.py``.

For every page: the figures in its HTML (each table marked with ``id="NAME-table"``, rows
with ``data-row``, cells with ``data-col``) are the JSON's table rows as a reader sees them,
and the CSV download is the JSON's table row by row. The expected cell text is the JSON
value put through the one formatter (``numbers.format_number``) with the unit the table
declares: the test reads the page as a person would and compares it with the data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from pijplijn.content.loader import load_pack
from pijplijn.numbers import DASH, format_number
from pijplijn.settings import Settings
from pijplijn.web.app import create_app

PAGES = [
    "/",
    "/doelen",
    "/indicatoren",
    "/indicatoren/mbo-techniek-studenten",
    "/indicatoren/mbo-techniek-studenten?by=gender",
    "/indicatoren/mbo-aandeel-vrouwen-binnen-techniek",
    "/pijplijn",
    "/pijplijn?stage=mbo&by=sector",
    "/arbeidsmarkt",
    "/bronnen",
    "/scenarios",
]
DATA_PAGES = PAGES
"""Pages whose tables download; the gemeente factsheet's HTML is the report's sheet, whose
figures ``tests/test_factsheet.py`` checks."""
SKIPPED_TAGS = {"abbr", "small", "sup", "script"}
"""Inside a cell these are notes (≈, a period in brackets, a footnote), not the figure."""


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=demo_url))) as test_client:
        yield test_client


class Cell:
    def __init__(self, key: str) -> None:
        self.key = key
        self.text: list[str] = []
        self.titles: list[str] = []

    @property
    def shown(self) -> str:
        return " ".join("".join(self.text).split())


class MarkedTables(HTMLParser):
    """Collect, per element ``id="NAME-table"``, its rows (``data-row`` → cells by
    ``data-col``), with the text a reader sees in each cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict[int, list[Cell]]] = {}
        self._stack: list[tuple[str, str | None, int | None, Cell | None, bool]] = []

    def _current(self) -> tuple[str | None, int | None, Cell | None, bool]:
        if not self._stack:
            return None, None, None, False
        _, table, row, cell, skipped = self._stack[-1]
        return table, row, cell, skipped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        table, row, cell, skipped = self._current()
        ident = found.get("id") or ""
        if ident.endswith("-table"):
            table, row, cell = ident.removesuffix("-table"), None, None
            self.tables.setdefault(table, {})
        if table is not None and found.get("data-row") is not None:
            row = int(str(found["data-row"]))
            self.tables[table].setdefault(row, [])
        skipped = skipped or tag in SKIPPED_TAGS or "unit" in (found.get("class") or "").split()
        if table is not None and row is not None and found.get("data-col"):
            cell = Cell(str(found["data-col"]))
            self.tables[table][row].append(cell)
            skipped = False  # the cell itself may be a <small>; what it holds counts
        if cell is not None and found.get("title"):
            cell.titles.append(str(found["title"]))
        if tag not in ("br", "img", "input", "meta", "link", "wbr", "hr"):
            self._stack.append((tag, table, row, cell, skipped))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        _, _, cell, skipped = self._current()
        if cell is not None and not skipped:
            cell.text.append(data)


def marked_tables(html: str) -> dict[str, dict[int, list[Cell]]]:
    parser = MarkedTables()
    parser.feed(html)
    return parser.tables


def unit_of(table: dict[str, Any], key: str, row: dict[str, Any]) -> str | None:
    unit = table["units"].get(key)
    if unit is not None and unit.startswith("="):
        return str(row[unit[1:]])
    return unit


def as_json(client: TestClient, path: str) -> dict[str, Any]:
    parts = urlsplit(path)
    base = parts.path.rstrip("/") or "/index"
    response = client.get(f"{base}.json" + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    return data


def download(client: TestClient, path: str, table: str, fmt: str) -> bytes:
    parts = urlsplit(path)
    base = parts.path.rstrip("/") or "/index"
    query = "&".join(q for q in (parts.query, urlencode({"table": table})) if q)
    response = client.get(f"{base}.{fmt}?{query}")
    assert response.status_code == 200, (path, table, fmt, response.text[:300])
    return response.content


def expected_text(value: Any, unit: str | None) -> str | None:
    """The cell text a reader should see for ``value``; None when only containment counts."""
    if unit is not None:
        return format_number(value, unit, "nl")
    return None


def check_page(client: TestClient, path: str) -> int:
    """Compare the page's marked tables with its JSON; return the number of cells checked."""
    html = client.get(path)
    assert html.status_code == 200, (path, html.text[:300])
    view = as_json(client, path)
    tables = {t["name"]: t for t in view["tables"]}
    shown = marked_tables(html.text)
    assert set(shown) <= set(tables), f"{path}: tables on the page but not in its JSON"
    checked = 0
    for name, rows in shown.items():
        table = tables[name]
        for index, cells in rows.items():
            assert index < len(table["rows"]), (path, name, index)
            record = table["rows"][index]
            for cell in cells:
                assert cell.key in table["columns"], (path, name, cell.key)
                value = record[cell.key]
                where = f"{path} {name}[{index}].{cell.key}"
                text = cell.shown.removeprefix("≥ ").strip()
                expected = expected_text(value, unit_of(table, cell.key, record))
                if value is None and text in ("", DASH):
                    pass  # an unknown figure: a dash (or one with its reason as a tooltip)
                elif expected is not None:
                    assert text == expected, f"{where}: page {text!r}, JSON {value!r}"
                elif value is None:
                    assert text in ("", DASH), f"{where}: page {text!r}, JSON None"
                elif isinstance(value, list | dict):
                    continue
                else:
                    assert str(value) in text or str(value) in cell.titles, (
                        f"{where}: page {text!r} (title {cell.titles}), JSON {value!r}"
                    )
                checked += 1
    return checked


@pytest.mark.parametrize("path", PAGES)
def test_the_page_shows_the_figures_of_its_json(client: TestClient, path: str) -> None:
    assert check_page(client, path) > 0, f"{path}: no figure of the page was compared"


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@pytest.mark.parametrize("path", DATA_PAGES)
def test_every_table_downloads_as_its_json_rows(client: TestClient, path: str) -> None:
    view = as_json(client, path)
    assert view["tables"], f"{path}: a page without tables"
    for table in view["tables"]:
        text = download(client, path, table["name"], "csv").decode("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames == table["columns"], (path, table["name"])
        rows = list(reader)
        assert len(rows) == len(table["rows"]), (path, table["name"])
        for number, (got, want) in enumerate(zip(rows, table["rows"], strict=True)):
            for column in table["columns"]:
                expected = _csv_cell(want[column])
                # A text starting with = + - @ is prefixed with ' (spreadsheet-safe cells).
                assert got[column] in (expected, f"'{expected}"), (
                    f"{path} {table['name']}[{number}].{column}: CSV {got[column]!r}, "
                    f"JSON {want[column]!r}"
                )
    first = view["tables"][0]["name"]
    assert download(client, path, first, "xlsx")[:2] == b"PK"  # an XLSX workbook (zip)


def test_accept_json_gives_the_same_view(client: TestClient) -> None:
    asked = client.get("/pijplijn", headers={"Accept": "application/json"})
    assert asked.headers["content-type"].startswith("application/json")
    assert asked.json() == as_json(client, "/pijplijn")
    assert client.get("/", headers={"Accept": "application/json"}).json() == as_json(client, "/")
    # A browser asks for HTML first and gets the page.
    browser = client.get("/pijplijn", headers={"Accept": "text/html,application/json;q=0.9"})
    assert browser.headers["content-type"].startswith("text/html")


def test_the_page_links_its_own_json_and_downloads(client: TestClient) -> None:
    page = client.get("/indicatoren/mbo-techniek-studenten?by=gender&lang=nl").text
    assert '<link rel="alternate" type="application/json" href="/indicatoren/' in page
    assert "mbo-techniek-studenten.json?by=gender" in page
    assert "mbo-techniek-studenten.csv?by=gender&amp;table=breakdown" in page
    home = client.get("/").text
    assert 'href="/index.json"' in home and "/index.csv?table=kerncijfers" in home


def test_an_unknown_table_is_a_404_naming_the_tables(client: TestClient) -> None:
    response = client.get("/bronnen.csv?table=bestaat-niet", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "datasets" in response.json()["detail"]


def test_an_unchanged_page_json_is_a_304(client: TestClient) -> None:
    first = client.get("/doelen.json")
    again = client.get("/doelen.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_any_region_and_the_pack_goals_elsewhere(client: TestClient) -> None:
    """``?region=`` (#18.4): a province gets its own overview, and the pack's goals, which are
    Twente's, are not shown for it: the page says whose they are instead."""
    twente_goals = [g.id for g in load_pack("twente").goals if g.region == "twente"]
    assert twente_goals
    gelderland = as_json(client, "/?region=PV25")
    assert gelderland["region"] == "PV25" and gelderland["region_name"] == "Gelderland"
    assert gelderland["goals"] == [] and gelderland["status_counts"] == {}
    assert "Twente" in gelderland["goals_note"] and "Gelderland" in gelderland["goals_note"]
    assert gelderland["goals_note"] in client.get("/?region=PV25").text
    goals = client.get("/doelen?region=PV25").text
    assert "De doelen van dit contentpakket gelden voor Twente" in goals
    assert 'class="goal ' not in goals
    own = as_json(client, "/doelen?region=twente")
    assert [g["id"] for g in own["card"]["goals"]] == twente_goals and own["note"] is None
    # The indicator page sets a chosen region beside the pack's compared regions.
    page = as_json(client, "/indicatoren/mbo-techniek-studenten?region=PV25")
    assert page["compared"] == ["PV25", *load_pack("twente").compared_regions()]
    assert client.get("/?region=bestaat-niet").status_code == 400


REAL_PAGES = ["/", "/pijplijn?year=2019", "/arbeidsmarkt", "/doelen", "/bronnen"]
"""One pass on all of ../shared/data: the flow, coverage and sources with real figures."""


@pytest.fixture(scope="module")
def real_client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as test_client:
        yield test_client


def test_on_the_real_data_pages_and_downloads_equal_their_json(real_client: TestClient) -> None:
    checked = {path: check_page(real_client, path) for path in REAL_PAGES}
    assert all(checked.values()), checked
    for path in REAL_PAGES:
        view = as_json(real_client, path)
        for table in view["tables"]:
            text = download(real_client, path, table["name"], "csv").decode("utf-8")
            rows = list(csv.DictReader(io.StringIO(text)))
            assert len(rows) == len(table["rows"]), (path, table["name"])
            for got, want in zip(rows, table["rows"], strict=True):
                for column in table["columns"]:
                    expected = _csv_cell(want[column])
                    assert got[column] in (expected, f"'{expected}"), (path, table["name"])
    # The flow on the real data has counted stages, and the page shows them as the JSON has.
    flow = as_json(real_client, "/pijplijn?year=2019")["flow"]
    assert any(n["total"] is not None for n in flow["nodes"])
