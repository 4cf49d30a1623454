"""Embeds in real Chromium: the bare chart page renders with no console error and no CSP
violation, fits a phone, and works inside an iframe on another site's page, where a normal
page of the monitor is refused (frame-ancestors 'none')."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from test_browser import ARTIFACTS, CHROMIUM, FLAGS, server  # noqa: F401 - fixtures

EMBEDS = {
    "embed-indicator": ("/embed/indicatoren/mbo-techniek-studenten/series", "#series-chart"),
    "embed-pijplijn": ("/embed/pijplijn/flow?year=2019", "#flow-chart"),
    "embed-arbeidsmarkt": ("/embed/arbeidsmarkt/jobs", "#jobs-chart"),
    "embed-scenario": ("/embed/scenarios/projectie-mbo", "#projectie-mbo-chart"),
}


def _partner(html: str) -> ThreadingHTTPServer:
    """A partner's site on another origin (its own port, reached as ``localhost``), serving
    one page; a real server, since Chromium checks where a framing page was loaded from."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    partner = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=partner.serve_forever, daemon=True).start()
    return partner


def _chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def test_embeds_render_without_errors_on_desktop_and_phone(server: str) -> None:  # noqa: F811
    for browser in _chromium():
        for width, height, tag in ((1366, 900, "desktop"), (390, 844, "telefoon")):
            context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
            for name, (path, chart) in EMBEDS.items():
                tab = context.new_page()
                errors: list[str] = []
                tab.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
                tab.on("console", lambda m, seen=errors: m.type == "error" and seen.append(m.text))
                assert tab.goto(server + path).status == 200
                tab.locator(f"{chart}[data-rendered=true] svg").wait_for(timeout=30000)
                sizes = tab.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                ARTIFACTS.mkdir(exist_ok=True)
                tab.screenshot(path=str(ARTIFACTS / f"{name}-{tag}.png"), full_page=True)
                assert errors == [], (path, errors)
                assert sizes[0] <= sizes[1], (path, sizes)
                tab.close()
            context.close()


def test_a_partner_site_can_frame_an_embed_but_not_a_page(server: str) -> None:  # noqa: F811
    embed = server + EMBEDS["embed-indicator"][0]
    page = server + "/indicatoren/mbo-techniek-studenten"
    html = (
        "<!doctype html><html lang='nl'><title>partner</title><body>"
        f"<iframe id='embed' title='embed' src='{embed}' width='800' height='480'></iframe>"
        f"<iframe id='page' title='page' src='{page}' width='800' height='480'></iframe>"
        "</body></html>"
    )
    partner = _partner(html)
    for browser in _chromium():
        context = browser.new_context(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m, seen=errors: m.type == "error" and seen.append(m.text))
        tab.goto(f"http://localhost:{partner.server_address[1]}/monitor.html")
        framed = tab.frame_locator("#embed")
        framed.locator("#series-chart[data-rendered=true] svg").wait_for(timeout=30000)
        assert framed.locator("#series-chart svg path[aria-roledescription='line mark']").count()
        tab.wait_for_timeout(500)
        refused = [e for e in errors if "frame-ancestors" in e]
        assert refused, errors  # the full page is refused ...
        assert len(refused) == 1, refused  # one refusal: the page's frame, not the embed's
        urls = [frame.url for frame in tab.frames]
        assert embed in urls and page not in urls, urls  # the page's frame shows an error
        assert [e for e in errors if e not in refused] == []  # ... and nothing else failed
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "embed-partner.png"), full_page=True)
        context.close()
    partner.shutdown()


def test_embeds_have_no_serious_accessibility_violation(server: str) -> None:  # noqa: F811
    from test_axe import AXE, RUN

    if not AXE.is_file():
        import pytest

        pytest.skip(f"{AXE} is missing (npm ci --prefix tests/js)")
    for browser in _chromium():
        for width, height in ((1366, 900), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
            context.add_init_script(script=AXE.read_text("utf-8"))
            tab = context.new_page()
            for path, chart in EMBEDS.values():
                tab.goto(server + path)
                tab.locator(f"{chart}[data-rendered=true] svg").wait_for(timeout=30000)
                assert tab.evaluate(RUN) == [], (path, width)
            context.close()
