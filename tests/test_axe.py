"""axe-core on every page, desktop (1366×900) and phone (390×844), on the real data: no
serious or critical accessibility violation (issue 16). axe-core comes from npm, pinned in
``tests/js/package.json`` and its lock file; ``npm ci --prefix tests/js`` installs it (the
README's test section, ``.ci/run``). Without it the tests skip, unless
``PIJPLIJN_REQUIRE_BROWSER=1``, where a missing axe fails."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_browser import ARTIFACTS, PAGES, browser, server  # noqa: F401 (fixtures)

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "telefoon": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")
RUN = """async () => {
  // Swagger UI nests its copy and lock buttons inside each operation's summary button: its
  // own markup (upstream). That one rule is waived inside #swagger-ui only; every other rule
  // (contrast, names) is checked there too.
  const waived = (v, n) => v.id === "nested-interactive" &&
    document.querySelector(n.target[0])?.closest("#swagger-ui");
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.filter(n => !waived(v, n))
                  .map(n => n.target.join(" ") + " " + (n.failureSummary || "").split("\\n")[1])}))
    .filter(v => v.nodes.length > 0)
    .map(v => ({...v, nodes: v.nodes.slice(0, 5)}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("PIJPLIJN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{AXE} is missing: run 'npm ci --prefix tests/js'")
        pytest.skip(f"{AXE} is missing (npm ci --prefix tests/js)")
    return AXE.read_text("utf-8")


@pytest.fixture(params=list(VIEWPORTS))
def tab(request: pytest.FixtureRequest, browser: object, axe_source: str) -> Iterator[object]:  # noqa: F811
    context = browser.new_context(viewport=VIEWPORTS[request.param])  # type: ignore[attr-defined]
    # An init script runs before the page's own and is not subject to its CSP, which rightly
    # refuses inline scripts.
    context.add_init_script(script=axe_source)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violation(tab: object, server: str, name: str) -> None:  # noqa: F811
    # The first page of a fresh server builds the chart bundle: give it time on a busy machine.
    assert tab.goto(server + PAGES[name], timeout=120000).status == 200  # type: ignore[attr-defined]
    tab.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    tab.wait_for_timeout(300)  # type: ignore[attr-defined]  # charts render after the load event
    violations = tab.evaluate(RUN)  # type: ignore[attr-defined]
    found = "\n".join(f"{v['impact']} {v['id']}: {v['help']}: {v['nodes']}" for v in violations)
    assert violations == [], f"{PAGES[name]} ({tab.viewport_name}):\n{found}"  # type: ignore[attr-defined]


def test_axe_is_really_running(tab: object, server: str) -> None:  # noqa: F811
    """A page with a known violation is caught: the check cannot pass by not running."""
    tab.goto(server + "/bronnen")  # type: ignore[attr-defined]
    tab.evaluate(  # type: ignore[attr-defined]
        "() => { const i = document.createElement('input'); i.type = 'text';"
        " document.querySelector('main').appendChild(i); }"
    )
    violations = tab.evaluate(RUN)  # type: ignore[attr-defined]
    assert any(v["id"] == "label" for v in violations), violations
    ARTIFACTS.mkdir(exist_ok=True)
