"""Share and embed (issue 16.8): every chart has a bare page under /embed/ that a partner's
site may frame (and no other page may be framed), and SVG and PNG images rendered on the
server by vl-convert, cached per data version. On the real data: the images carry the
chart's title and names, never codes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from pijplijn import charts
from pijplijn.content.loader import load_pack
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.models import DataState
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app

PACK = load_pack("twente")
INDICATOR = "mbo-techniek-studenten"
SERIES = f"/embed/indicatoren/{INDICATOR}/series"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as test_client:
        yield test_client


def svg_texts(body: bytes) -> list[str]:
    """Every text drawn in an SVG (parsing it proves it is well-formed XML)."""
    root = ET.fromstring(body)
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def frame_ancestors(response: Any) -> str:
    policy = response.headers["content-security-policy"]
    found = re.search(r"frame-ancestors ([^;]+)", policy)
    assert found, policy
    return found.group(1).strip()


@pytest.mark.parametrize(
    "path",
    [SERIES, f"{SERIES}.svg", "/embed/pijplijn/flow", "/embed/arbeidsmarkt/jobs"],
)
def test_embeds_may_be_framed_by_any_site(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert frame_ancestors(response) == "*"
    assert "x-frame-options" not in response.headers
    # The rest of the policy holds: no inline script, no eval.
    assert "script-src 'self';" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    ["/", f"/indicatoren/{INDICATOR}", "/pijplijn", "/api/v1/indicators", "/embedded", "/nope"],
)
def test_every_other_path_refuses_to_be_framed(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert frame_ancestors(response) == "'none'"
    assert response.headers["x-frame-options"] == "DENY"


def test_series_svg_has_the_title_and_region_names_not_codes(client: TestClient) -> None:
    response = client.get(f"{SERIES}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    texts = svg_texts(response.content)
    title = next(i.title.nl for i in PACK.indicators if i.id == INDICATOR)
    assert title in texts
    # The region series are drawn by name (the pack's regions.yaml), never by code.
    values = client.get(
        f"/api/v1/indicators/{INDICATOR}/values", params={"region": "PV23", "by": ""}
    ).json()
    assert any(v["value"] is not None for v in values["data"])  # Overijssel has figures
    names = {r.code: r.name for r in PACK.regions}
    assert names["PV23"] in texts and names["NL01"] in texts
    codes = {r.code for r in PACK.regions} | {s.code for s in PACK.region_sets}
    assert not codes & set(texts), codes & set(texts)
    # Dutch numbers on the axis: thousands with a dot.
    assert any(re.fullmatch(r"\d{1,3}\.\d{3}", t) for t in texts), texts


def test_english_svg_has_the_english_title(client: TestClient) -> None:
    texts = svg_texts(client.get(f"{SERIES}.svg?lang=en").content)
    client.cookies.clear()
    title = next(i.title.en for i in PACK.indicators if i.id == INDICATOR)
    assert title in texts
    assert "Netherlands" in texts or "Nederland" in texts


def test_png_is_a_png(client: TestClient) -> None:
    response = client.get(f"{SERIES}.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    assert len(response.content) > 10_000  # a drawn chart, not an empty frame


def test_flow_svg_has_its_title_and_stage_names(client: TestClient) -> None:
    flow = client.get("/api/v1/pipeline", params={"year": 2019}).json()
    texts = svg_texts(client.get("/embed/pijplijn/flow.svg?year=2019").content)
    assert flow["title"] in texts  # the image carries the title the page has as heading
    drawn = " ".join(texts)
    for node in flow["nodes"]:
        assert node["label"] in drawn, node["label"]
    assert "twente" not in texts
    png = client.get("/embed/pijplijn/flow.png?year=2019")
    assert png.content.startswith(PNG_MAGIC)


def test_labour_and_scenario_embeds(client: TestClient) -> None:
    for path in (
        "/embed/arbeidsmarkt/jobs.svg",
        "/embed/arbeidsmarkt/vacancies.svg",
        "/embed/scenarios/projectie-mbo.svg",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert svg_texts(response.content)


def test_embed_page_is_bare_and_links_out(client: TestClient) -> None:
    response = client.get(f"/embed/indicatoren/{INDICATOR}/breakdown?region=twente&by=level")
    assert response.status_code == 200
    html = response.text
    assert 'id="breakdown-chart"' in html and 'id="breakdown-spec"' in html
    assert "<nav" not in html and "<header" not in html  # no site navigation in an iframe
    # The full page opens in a new tab (it may not be framed), with the same state.
    assert f'href="/indicatoren/{INDICATOR}?region=twente&amp;by=level" target="_blank"' in html
    assert f"/embed/indicatoren/{INDICATOR}/breakdown.svg?region=twente&amp;by=level" in html
    assert "<script>" not in html  # no inline script under the CSP


def test_pages_link_their_embeds_and_downloads(client: TestClient) -> None:
    pages = {
        f"/indicatoren/{INDICATOR}?by=level&region=twente": [
            SERIES,
            f"/embed/indicatoren/{INDICATOR}/breakdown?region=twente&amp;by=level",
        ],
        "/arbeidsmarkt": ["/embed/arbeidsmarkt/jobs?region=twente"],
        "/pijplijn?year=2019": ["/embed/pijplijn/flow?region=twente&amp;year=2019"],
        "/scenarios": ["/embed/scenarios/projectie-mbo"],
        "/doelen": [f"/embed/doelen/{g.id}" for g in PACK.goals[:2]],
    }
    for page, embeds in pages.items():
        html = client.get(page).text
        assert "Insluiten" in html, page
        for embed in embeds:
            assert f'href="{embed}"' in html, (page, embed)
            path, _, query = embed.replace("&amp;", "&").partition("?")
            for suffix in ("", ".svg", ".png"):
                url = f"{path}{suffix}" + (f"?{query}" if query else "")
                assert client.get(url).status_code == 200, url


def test_english_page_links_english_embeds(client: TestClient) -> None:
    html = client.get("/arbeidsmarkt?lang=en").text
    client.cookies.clear()  # the page remembers the language: the other tests read Dutch
    assert 'href="/embed/arbeidsmarkt/jobs?region=twente&amp;lang=en"' in html
    assert "Embed" in html


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/embed/indicatoren/{INDICATOR}/breakdown", 404),  # no breakdown chosen
        (f"/embed/indicatoren/{INDICATOR}/nothing", 400),
        (f"{SERIES}.gif", 400),
        ("/embed/indicatoren/bestaat-niet/series.svg", 404),
        ("/embed/pijplijn/flow?year=1800", 400),
        ("/embed/doelen/geen-doel.png", 404),
        ("/embed/scenarios/verschil-mbo", 404),  # no lever set: no effect to draw
    ],
)
def test_bad_embeds_are_problems(client: TestClient, path: str, status: int) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_image_is_rendered_once_per_data_version(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_engine(database_url)
    initialise(engine, PACK, demo=True)
    renders: list[str] = []
    real = charts.to_image

    def counting(spec: dict[str, Any], fmt: str, lang: str = "nl") -> bytes:
        renders.append(fmt)
        return real(spec, fmt, lang)

    monkeypatch.setattr(charts, "to_image", counting)
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        first = client.get(f"{SERIES}.svg")
        second = client.get(f"{SERIES}.svg")
        assert first.content == second.content and renders == ["svg"]
        # The ETag follows the data version: a client that has the image gets a 304.
        etag = first.headers["etag"]
        assert client.get(f"{SERIES}.svg", headers={"If-None-Match": etag}).status_code == 304
        with session_scope(engine) as session:
            session.execute(update(DataState).values(version=DataState.version + 1))
        third = client.get(f"{SERIES}.svg")
        assert renders == ["svg", "svg"]  # a new data version renders it again
        assert third.headers["etag"] != etag
    engine.dispose()


def test_flow_embed_names_its_sources(client: TestClient) -> None:
    flow = client.get("/api/v1/pipeline", params={"year": 2019}).json()
    used = {d for n in flow["nodes"] for d in n["datasets"]}
    datasets = {d["id"]: d for d in client.get("/api/v1/datasets").json()["data"]}
    html = client.get("/embed/pijplijn/flow?year=2019&lang=nl").text
    assert used and "<strong>Bron:</strong>" in html
    for dataset in used:
        assert datasets[dataset]["title"] in html
