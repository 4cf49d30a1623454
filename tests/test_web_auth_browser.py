"""In real Chromium: log in through the form, register participation with the form, see it
listed, log out. No script errors or CSP violations; screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy import select

from admin_helpers import EMAILS, PASSWORD, World, world_fixture
from conftest import _fresh_url
from pijplijn.store.db import session_scope
from pijplijn.store.register_models import Participation
from pijplijn.web.app import create_app
from test_browser import ARTIFACTS, CHROMIUM, FLAGS, _require_browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    _require_browser()
    folder = tmp_path_factory.mktemp("browser-auth")
    yield from world_fixture(_fresh_url(folder), folder / "uploads")


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(world.settings()), host="127.0.0.1", port=port, log_level="warning"
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


def test_login_and_participation_form_in_a_browser(server: str, world: World) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        # An admin page sends an anonymous visitor to the login form, and back after login.
        page.goto(server + "/beheer/deelname/nieuw")
        assert "/inloggen" in page.url
        page.fill("input[name=email]", EMAILS["redacteur_own"])
        page.fill("input[name=password]", PASSWORD)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "inloggen.png"), full_page=True)
        page.click("form.admin-form button[type=submit]")
        page.wait_for_url("**/beheer/deelname/nieuw")
        cookie = next(c for c in context.cookies() if c["name"] == "pijplijn_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        # The form: the own organisation is preselected; pick a project, fill in the reach.
        page.select_option("select[name=project_id]", label="Jetnet")
        page.fill("input[name=period]", "2025")
        page.select_option("select[name=role]", "gastbedrijf")
        page.fill("input[name=pupils]", "35")
        page.fill("textarea[name=note]", "Bedrijfsbezoek <b>havo 4</b>")
        page.screenshot(path=str(ARTIFACTS / "deelname-formulier.png"), full_page=True)
        page.click("form.admin-form button[type=submit]")
        page.wait_for_url("**/beheer/deelname?opgeslagen=*")
        assert page.locator("p.notice").count() == 1
        row = page.locator("tr", has_text="2025")
        assert row.count() == 1 and "35" in row.inner_text()
        page.screenshot(path=str(ARTIFACTS / "deelname-lijst.png"), full_page=True)
        # Log out with the menu's button (a POST with the CSRF token).
        page.click("form.nav-logout button")
        page.wait_for_url(server + "/")
        assert page.locator("a[href='/inloggen']").count() == 1
        browser.close()
    assert errors == [], errors  # no script errors, no CSP violations
    with session_scope(world.engine) as session:
        record = session.scalar(select(Participation).where(Participation.period == "2025"))
        assert record is not None and record.pupils == 35 and record.organisation_id == world.org_a
        assert record.note == "Bedrijfsbezoek <b>havo 4</b>"
