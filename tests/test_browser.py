"""Browser tests in real Chromium (Debian's package), driven by Playwright: pages load, charts
render as SVG with marks, a click on a pipeline stage drills down. Screenshots of every page go
to ``test-artifacts/`` (git-ignored)."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from pijplijn.settings import Settings
from pijplijn.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGES = {
    "overzicht": "/",
    "pijplijn": "/pijplijn",
    "indicatoren": "/indicatoren",
    "indicator-mbo-techniek-studenten": "/indicatoren/mbo-techniek-studenten",
    "indicator-vmbo-per-gemeente": "/indicatoren/vmbo-examenkandidaten-aandeel-techniek?by=stage",
    "doelen": "/doelen",
    "scenarios": "/scenarios",
    "bronnen": "/bronnen",
    "arbeidsmarkt": "/arbeidsmarkt",
    "arbeidsmarkt-en": "/arbeidsmarkt?lang=en",
    "api-docs": "/api/docs",
}


def _require_browser() -> None:
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("PIJPLIJN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and PIJPLIJN_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(real_url: str) -> Iterator[str]:
    _require_browser()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(Settings(database_url=real_url)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_and_is_screenshotted(page: object, server: str, name: str) -> None:
    response = page.goto(server + PAGES[name])  # type: ignore[attr-defined]
    assert response.status == 200
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_a_phone(browser: object, server: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    tab = context.new_page()
    try:
        assert tab.goto(server + PAGES[name]).status == 200
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(300)  # charts render after the load event
        width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{name}-telefoon.png"), full_page=True)
        assert width[0] <= width[1], f"{PAGES[name]} is {width[0]} px wide at {width[1]} px"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)], ids=["desktop", "telefoon"])
def test_pipeline_flow_has_its_bands_and_a_click_drills_down(
    browser: object, server: str, viewport: tuple[int, int]
) -> None:
    """The flow diagram draws a node for every stage with a figure and a band for every
    route, fits a phone without sideways scroll, and a click on a stage drills down."""
    import httpx

    width, height = viewport
    flow = httpx.get(server + "/api/v1/pipeline?year=2019", timeout=120).json()
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(server + "/pijplijn?year=2019")
        page.locator("#pipeline-flow[data-rendered=true] svg").wait_for(timeout=30000)
        bands = page.locator("#pipeline-flow svg g.band path")
        assert bands.count() == len([b for b in flow["bands"] if b["thickness"] > 0])
        assert bands.count() > 0
        nodes = page.locator("#pipeline-flow svg g.node-rest path")
        assert nodes.count() == len(flow["nodes"])
        label = page.locator("#pipeline-flow").get_attribute("aria-label") or ""
        assert "Twente" in label and "2019" in label
        sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"/pijplijn is {sizes[0]} px wide at {sizes[1]} px"
        ARTIFACTS.mkdir(exist_ok=True)
        name = "pijplijn-flow-" + ("telefoon" if width < 600 else "desktop")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        hbo = next(n for n in flow["nodes"] if n["id"] == "hbo")
        page.locator("#pipeline-flow svg g.node-domain path").nth(flow["nodes"].index(hbo)).click()
        page.wait_for_url("**stage=hbo**", timeout=30000)
        page.locator("#drill-chart[data-rendered=true] svg").wait_for(timeout=30000)
        assert "hbo" in page.locator("#drill-heading").inner_text()
    finally:
        context.close()


def test_keyboard_reaches_the_drill_down(page: object, server: str) -> None:
    page.goto(server + "/pijplijn")  # type: ignore[attr-defined]
    for _ in range(40):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        focused = page.evaluate("document.activeElement.className")  # type: ignore[attr-defined]
        if focused == "stage-link":
            break
    assert focused == "stage-link"
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url("**stage=**", timeout=15000)  # type: ignore[attr-defined]


def test_no_indicator_page_draws_an_empty_chart(page: object, server: str) -> None:
    """Every catalogue indicator's page on the real data, in Chromium: each chart that is
    drawn has marks with data; a page without figures says which source it needs."""
    import httpx

    records = httpx.get(server + "/api/v1/indicators", timeout=30).json()
    ids = [r["id"] for r in (records["data"] if isinstance(records, dict) else records)]
    for indicator in [*ids, "../arbeidsmarkt"]:
        page.goto(f"{server}/indicatoren/{indicator}")  # type: ignore[attr-defined]
        charts = page.locator("div.chart")  # type: ignore[attr-defined]
        for index in range(charts.count()):
            chart = charts.nth(index)
            chart.locator("svg").wait_for(timeout=15000)
            marks = chart.locator(
                "svg path[aria-roledescription], svg path.mark-symbol, svg g.mark-symbol path"
            )
            assert marks.count() > 0, (indicator, chart.get_attribute("id"))
        if charts.count() == 0:
            assert page.locator(".missing").count() > 0, indicator  # type: ignore[attr-defined]


def test_indicator_chart_renders_with_a_line_per_region(page: object, server: str) -> None:
    page.goto(server + "/indicatoren/mbo-techniek-studenten")  # type: ignore[attr-defined]
    page.locator("#series-chart[data-rendered=true] svg").wait_for(timeout=15000)  # type: ignore[attr-defined]
    lines = page.locator("#series-chart svg path[aria-roledescription='line mark']")  # type: ignore[attr-defined]
    assert lines.count() >= 2


def test_indicator_map_breakdown_and_data_tab(page: object, server: str) -> None:
    page.goto(server + "/indicatoren/vmbo-examenkandidaten-aandeel-techniek")  # type: ignore[attr-defined]
    page.locator("#map-chart[data-rendered=true] svg").wait_for(timeout=15000)  # type: ignore[attr-defined]
    shapes = page.locator("#map-chart svg path[aria-roledescription='geoshape']")  # type: ignore[attr-defined]
    assert shapes.count() >= 14  # every gemeente grey underneath, coloured where known
    page.select_option("select[name=by]", "stage")  # type: ignore[attr-defined]
    page.click("form.selectors button")  # type: ignore[attr-defined]
    page.wait_for_url("**by=stage**", timeout=15000)  # type: ignore[attr-defined]
    page.locator("#breakdown-chart[data-rendered=true] svg").wait_for(timeout=15000)  # type: ignore[attr-defined]
    lines = page.locator("#breakdown-chart svg path[aria-roledescription='line mark']")  # type: ignore[attr-defined]
    assert lines.count() >= 4  # one line per vmbo leerweg
    page.click("#map summary")  # type: ignore[attr-defined]
    rows = page.locator("#map-table tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 14


def test_csv_download_equals_the_api(page: object, server: str) -> None:
    import csv
    import io
    import json
    import urllib.request

    page.goto(server + "/indicatoren/vmbo-examenkandidaten-aandeel-techniek")  # type: ignore[attr-defined]
    page.click("#map summary")  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("#map a:text('CSV')")  # type: ignore[attr-defined]
    download = info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    api = page.locator("#map a:text('JSON')").get_attribute("href")  # type: ignore[attr-defined]
    with urllib.request.urlopen(server + api) as response:
        data = json.load(response)["data"]
    assert [r["code"] for r in rows] == [d["code"] for d in data]
    for row, record in zip(rows, data, strict=True):
        expected = "" if record["value"] is None else str(record["value"])
        assert row["value"] == expected
    # The table on the page shows the same figures, in Dutch notation.
    first = next(d for d in data if d["value"] is not None)
    cell = page.locator(f"#map-table tr:has-text('{first['name']}') td.num").inner_text()  # type: ignore[attr-defined]
    assert cell.startswith(f"{100 * first['value']:.1f}".replace(".", ","))


def test_moving_a_scenario_slider_recomputes(page: object, server: str) -> None:
    page.goto(server + "/scenarios")  # type: ignore[attr-defined]
    page.locator("#projectie-mbo-chart[data-rendered=true] svg").wait_for(timeout=15000)  # type: ignore[attr-defined]
    before = page.locator(".key-figures .scenario-value").first.inner_text()  # type: ignore[attr-defined]
    slider = page.locator("#lever-instroom-vmbo-techniek")  # type: ignore[attr-defined]
    slider.focus()
    for _ in range(30):  # the keyboard moves the slider: +30%
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    assert page.locator("#out-instroom-vmbo-techniek").inner_text() == "+30%"  # type: ignore[attr-defined]
    page.wait_for_url("**instroom-vmbo-techniek=30**", timeout=15000)  # type: ignore[attr-defined]
    page.locator("#projectie-mbo-chart[data-rendered=true] svg").wait_for(timeout=15000)  # type: ignore[attr-defined]
    after = page.locator(".key-figures .scenario-value").first.inner_text()  # type: ignore[attr-defined]
    assert after != before
    assert int(after.replace(".", "")) > int(before.replace(".", ""))  # more vmbo, more mbo
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scenarios-slider.png"), full_page=True)  # type: ignore[attr-defined]


def test_api_docs_render_the_operations_with_the_network_blocked(page: object, server: str) -> None:
    outside: list[str] = []

    def only_this_server(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(server):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", only_this_server)  # type: ignore[attr-defined]
    page.goto(server + "/api/docs")  # type: ignore[attr-defined]
    operations = page.locator("#swagger-ui .opblock")  # type: ignore[attr-defined]
    operations.first.wait_for(timeout=15000)
    assert operations.count() >= 10
    assert "/api/v1/indicators" in page.locator("#swagger-ui").inner_text()  # type: ignore[attr-defined]
    assert outside == []  # nothing was fetched from elsewhere
