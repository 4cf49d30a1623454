"""Pages: Dutch by default, English on request, a JSON alternate, escaped output."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pijplijn.settings import Settings
from pijplijn.web.app import create_app
from pijplijn.web.i18n import LANGUAGES, TEXTS

PAGES = [
    "/",
    "/bronnen",
    "/pijplijn",
    "/doelen",
    "/indicatoren",
    "/indicatoren/mbo-techniek-sector-aandeel",
    "/scenarios",
]


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=demo_url))) as test_client:
        yield test_client


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_dutch_with_a_json_alternate(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert '<html lang="nl">' in response.text
    assert '<link rel="alternate" type="application/json"' in response.text
    assert "<script>" not in response.text  # no inline script: the CSP forbids it


def test_english_switch_is_remembered(client: TestClient) -> None:
    english = client.get("/bronnen?lang=en")
    assert '<html lang="en">' in english.text and "Loaded datasets" in english.text
    assert client.get("/bronnen").text.count('lang="en"') == 1  # the cookie keeps English
    client.cookies.clear()


def test_sources_page_shows_provenance_and_classification_changes(client: TestClient) -> None:
    text = client.get("/bronnen").text
    assert "seed:regiovisie-twente-techniek" in text and "techniek@2019" in text
    assert "Informatie en communicatietechnologie" in text


def test_every_text_exists_in_every_language() -> None:
    assert [k for k, v in TEXTS.items() if set(v) != set(LANGUAGES)] == []


def test_the_chart_bundle_is_served_locally(client: TestClient) -> None:
    response = client.get("/static/vega-embed.js")
    assert response.status_code == 200 and "vegaEmbed" in response.text


def test_goals_page_shows_every_goal_with_status_and_partners(client: TestClient) -> None:
    text = client.get("/doelen").text
    api = client.get("/api/v1/goals").json()["data"]
    for goal in api:
        assert f'id="{goal["id"]}"' in text and goal["status_label"] in text
    assert "Partners en hun aandeel" in text
