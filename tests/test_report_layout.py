"""The annual report's layout (issue 17.1): every page of the demo and the real-data report, in
Dutch and in English, rendered with pdftoppm. A page fails when it is less than a third full
(except a chapter's last page: chapters are the report's ``<h1 id>``s, whose pages the PDF's
named destinations give), when a word lies outside the page (``pdftotext -bbox``), when a chart
with more than one series or a colour scale has no legend (on the Vega specs the report
renders), or when the Dutch report shows a raw code or an English term (the scan of
``test_raw_codes``). The page images are saved under ``test-artifacts/``."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from PIL import Image

from pijplijn.content.loader import load_pack
from pijplijn.report.figures import Figure
from pijplijn.report.render import to_html, to_pdf
from pijplijn.report.view import ReportView, report_view
from pijplijn.store.db import open_engine, session_scope
from test_raw_codes import _pack_codes, raw_codes, visible_text

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DPI = 30
CM = DPI / 2.54
TOP, BOTTOM = 2.0 * CM, 2.2 * CM
"""The page's margins (report.html's ``@page``): the header and footer lie outside them."""
LIGHT = 200
"""A pixel darker than this (0-255 grey) is ink."""
MIN_FULL = 1 / 3


@dataclass
class Built:
    name: str
    lang: str
    view: ReportView
    html: str
    pdf: Path
    pages: list[Path]


def _tools() -> None:
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} (poppler-utils) is required to check the report's layout")


def _build(url: str, name: str, lang: str, out: Path) -> Built:
    engine = open_engine(url)
    pack = load_pack("twente")
    with session_scope(engine) as session:
        view = report_view(session, pack, pack.pack.default_region, None, lang)
    engine.dispose()
    html = to_html(view)
    pdf = out / f"{name}-{lang}.pdf"
    to_pdf(html, pdf)
    pages_dir = ARTIFACTS / f"report-{name}-{lang}"
    shutil.rmtree(pages_dir, ignore_errors=True)
    pages_dir.mkdir(parents=True)
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", str(DPI), str(pdf), str(pages_dir / "page")],
        check=True,
    )
    return Built(name, lang, view, html, pdf, sorted(pages_dir.glob("page-*.png")))


class Reports:
    """Builds each report the first time a test asks for it, then keeps it for the module:
    ``-k demo`` builds no real-data report (and needs no real-data store)."""

    def __init__(self, request: pytest.FixtureRequest, out: Path) -> None:
        self.request, self.out = request, out
        self.built: dict[str, Built] = {}

    def __getitem__(self, key: str) -> Built:
        if key not in self.built:
            name, lang = key.split("-")
            url = self.request.getfixturevalue("demo_url" if name == "demo" else "real_url")
            self.built[key] = _build(url, name, lang, self.out)
        return self.built[key]


@pytest.fixture(scope="module")
def reports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """The four reports (demo and real data, nl and en), each built and rendered once."""
    _tools()
    return Reports(request, tmp_path_factory.mktemp("layout"))


KEYS = ("demo-nl", "demo-en", "real-nl", "real-en")


def chapter_last_pages(built: Built) -> set[int]:
    """The last page of every chapter: the page before the next chapter's first, and the
    document's last. A chapter is an ``<h1 id>`` (the cover and contents count as one each)."""
    chapters = re.findall(
        r'<(?:h1|section class="cover"|nav class="toc") id="([\w-]+)"', built.html
    )
    assert len(chapters) >= 8, chapters
    listing = subprocess.run(
        ["pdfinfo", "-dests", str(built.pdf)], check=True, capture_output=True, text=True
    ).stdout
    where = {m[2]: int(m[1]) for m in re.finditer(r'^\s*(\d+)\s+\[.*?\]\s+"(.*)"$', listing, re.M)}
    # A chapter with only a line to say starts on the page of the one before it.
    starts = sorted({where[c] for c in chapters})
    return {s - 1 for s in starts[1:]} | {len(built.pages)}


def fullness(page: Path) -> float:
    """How far down the text area the page's content reaches, as a fraction of it."""
    image = Image.open(page).convert("L")
    width, height = image.size
    top, bottom = round(TOP), height - round(BOTTOM)
    pixels = image.load()
    assert pixels is not None
    for y in range(bottom - 1, top - 1, -1):
        if any(pixels[x, y] < LIGHT for x in range(width)):  # type: ignore[operator]
            return (y - top + 1) / (bottom - top)
    return 0.0


@pytest.mark.parametrize("key", KEYS)
def test_every_page_is_a_third_full_except_a_chapter_s_last(reports: Reports, key: str) -> None:
    built = reports[key]
    last = chapter_last_pages(built)
    thin = [
        f"page {n}: {fullness(p):.0%} full"
        for n, p in enumerate(built.pages, start=1)
        if n not in last and fullness(p) < MIN_FULL
    ]
    assert thin == [], f"{key}: {thin}"
    assert all(fullness(p) > 0 for p in built.pages), f"{key}: a blank page"


@pytest.mark.parametrize("key", KEYS)
def test_no_text_lies_outside_the_page(reports: Reports, key: str) -> None:
    built = reports[key]
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(built.pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    outside = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S):
        width, height = float(page[1]), float(page[2])
        for word in re.finditer(
            r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)<',
            page[3],
        ):
            x0, y0, x1, y1 = (float(word[i]) for i in range(1, 5))
            # 20 pt: the A4 margin is 51 pt; a word this close to the edge has run off.
            if x0 < 20 or y0 < 0 or x1 > width - 20 or y1 > height:
                outside.append(word[5])
    assert len(re.findall("<word", boxes)) > 500
    assert outside == [], f"{key}: {outside[:10]}"


def _figures(view: ReportView) -> list[Figure]:
    figures = [s.chart for c in view.chapters for s in c.goals if s.chart]
    figures += [*view.maps, *view.labour_charts]
    figures += [f for f in (view.pipeline_chart, view.projection_chart, view.flow_chart) if f]
    return figures


def _series(spec: Any, data: dict[str, list[Any]]) -> Iterator[tuple[str, dict[str, Any], int]]:
    """Every colour, dash or shape encoding with a field, and how many values it takes."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            if key in ("color", "strokeDash", "shape") and isinstance(value, dict):
                field = value.get("field")
                if isinstance(field, str):
                    found = {
                        str(r[field])
                        for rows in data.values()
                        for r in rows
                        if isinstance(r, dict) and r.get(field) is not None
                    }
                    yield key, value, len(found)
            yield from _series(value, data)
    elif isinstance(spec, list):
        for item in spec:
            yield from _series(item, data)


@pytest.mark.parametrize("key", KEYS)
def test_every_chart_with_series_or_a_colour_scale_has_a_legend(reports: Reports, key: str) -> None:
    view = reports[key].view
    figures = _figures(view)
    assert len(figures) >= 4
    wanting = []
    for figure in figures:
        if figure.vega:  # the flow: Vega marks, its colours explained by the figure's key
            if not figure.key and "role-legend" not in figure.svg:
                wanting.append(figure.title)
            continue
        needs = [
            (channel, enc)
            for channel, enc, n in _series(figure.spec, figure.spec.get("datasets", {}))
            if n > 1 or enc.get("type") == "quantitative"
        ]
        if needs and "role-legend" not in figure.svg:
            wanting.append(f"{figure.title} ({', '.join(c for c, _ in needs)})")
    assert wanting == [], f"{key}: charts without a legend: {wanting}"


@pytest.mark.parametrize("key", ["demo-nl", "real-nl"])
def test_the_dutch_report_shows_no_raw_code_or_english_term(reports: Reports, key: str) -> None:
    brins, regions = _pack_codes()
    found = [
        hit
        for text in visible_text(reports[key].html)
        for hit in raw_codes(text, "nl", [*brins, *regions])
    ]
    assert found == [], f"{key}: {found[:10]}"


@pytest.mark.parametrize("key", ["demo-nl", "real-nl"])
def test_the_page_images_are_saved(reports: Reports, key: str) -> None:
    pages = reports[key].pages
    assert pages, key
    assert all(p.is_file() and p.parent.parent == ARTIFACTS for p in pages)


@pytest.mark.parametrize("key", ["demo-nl", "real-nl"])
def test_the_summary_s_figures_are_the_overview_api_s(reports: Reports, key: str) -> None:
    """Every key figure of the summary (latest, previous) and every number of its findings
    traces to ``/api/v1/overview``: the report computes none of its own."""
    from fastapi.testclient import TestClient

    from pijplijn.settings import Settings
    from pijplijn.web.app import create_app

    built = reports[key]
    summary = built.view.summary
    assert summary is not None and 3 <= len(summary.findings) <= 5
    url = reports.request.getfixturevalue("demo_url" if key.startswith("demo") else "real_url")
    with TestClient(create_app(Settings(database_url=url))) as client:
        api = client.get("/api/v1/overview").json()
    by_id = {f["indicator"]: f for f in api["figures"]}
    assert [c.indicator for c in summary.changes] == list(by_id)
    for change in summary.changes:
        figure = by_id[change.indicator]
        assert (change.value, change.previous) == (figure["value"], figure["previous"])
        assert (change.period, change.previous_period) == (
            figure["period"],
            figure["previous_period"],
        )
    # The findings name the API's figures: the goals' counts, the flow's shares, the coverage.
    shares = {n["share"] for n in api["flow"]["nodes"] if n["share"] is not None}
    known = {float(v) for v in api["status_counts"].values()} | shares
    known |= {c["published"] for c in api["coverage"] if c["published"] is not None}
    known |= {c["coverage"] for c in api["coverage"] if c["coverage"] is not None}
    known |= {v for f in api["figures"] for v in (f["value"], f["previous"]) if v is not None}
    for finding in summary.findings:
        assert set(finding.figures) <= known, finding.text
    # And the HTML prints the summary's sentences as generated.
    for finding in summary.findings:
        assert str(escape(finding.text)) in built.html
