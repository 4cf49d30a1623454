"""Pages: Dutch by default, English on request, a JSON alternate, escaped output."""

from collections.abc import Iterator
from pathlib import Path

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


def test_assets_go_out_compressed_and_versioned_ones_are_cached_for_a_year(
    client: TestClient,
) -> None:
    import gzip
    import re

    page = client.get("/pijplijn").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+\?v=[^"]+)"', page)
    assert {u.split("?")[0] for u in urls} >= {"/static/vega-embed.js", "/static/style.css"}
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip", url
        assert "immutable" in response.headers["cache-control"], url
    raw = client.get("/static/vega-embed.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and "vegaEmbed" in raw.text
    assert "immutable" not in raw.headers["cache-control"]  # no version key, no year
    packed = client.get("/static/vega-embed.js?v=x", headers={"Accept-Encoding": "gzip"})
    # httpx decodes the body; the wire size is what the header says.
    assert int(packed.headers["content-length"]) < len(raw.content) / 2
    assert gzip.decompress(gzip.compress(raw.content)) == raw.content


def test_api_docs_are_served_by_the_app_without_inline_script(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "<script>" not in page.text and "cdn" not in page.text.lower()
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/swagger-ui/swagger-ui.css").status_code == 200


def test_goals_page_shows_every_goal_with_status_and_partners(client: TestClient) -> None:
    text = client.get("/doelen").text
    api = client.get("/api/v1/goals").json()["data"]
    for goal in api:
        assert f'id="{goal["id"]}"' in text and goal["status_label"] in text
    assert "Partners en hun aandeel" in text


def test_overview_shows_key_figures_goals_and_sources(client: TestClient) -> None:
    from pijplijn.content.loader import load_pack
    from pijplijn.engine.indicators import Catalog
    from pijplijn.engine.indicators.evaluate import indicator_values
    from pijplijn.store.db import open_engine, session_scope

    page = client.get("/").text
    engine = open_engine(str(client.app.state.engine.url))  # type: ignore[attr-defined]
    pack = load_pack("twente")
    with session_scope(engine) as session:
        values = indicator_values(
            session, Catalog(pack.indicators), "mbo-techniek-studenten", "twente", by=[]
        )
    last = [v for v in values.values if v.value is not None][-1]
    shown = f"{last.value:,.0f}".replace(",", ".")
    assert f'<strong data-col="value">{shown}' in page  # the figure
    assert 'id="spark-spec-' in page  # and its line
    assert page.count('class="status-') >= len(pack.goals)  # every goal in the scorecard
    assert "seed:regiovisie-twente-techniek" in page
    engine.dispose()


def test_pack_key_indicators_must_exist(tmp_path: Path) -> None:
    import shutil

    from pijplijn.content import loader
    from pijplijn.errors import ContentError

    root = tmp_path / "packs"
    shutil.copytree(loader.PACKS_ROOT / "twente", root / "twente")
    pack_file = root / "twente" / "pack.yaml"
    pack_file.write_text(pack_file.read_text("utf-8").replace("vacatures-open", "bestaat-niet"))
    with pytest.raises(ContentError, match="key_indicators.*bestaat-niet"):
        loader._load_pack(root, "twente")
