"""pijplijn report: builds for the demo and the real data; every number sampled from the HTML
is recomputed through the engine; the PDF renders to PNG pages that all have content."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.datasets import list_datasets
from pijplijn.engine.goals.scorecard import scorecard
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.pipeline import latest_year
from pijplijn.store.db import open_engine, session_scope
from pijplijn.views.pipeline import pipeline_flow

runner = CliRunner()
PACK = load_pack("twente")


def dutch(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


@pytest.fixture(scope="module")
def real_report(real_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("report") / "monitor.pdf"
    result = runner.invoke(app, ["report", "--out", str(out), "--database", real_url])
    assert result.exit_code == 0, result.output
    html = out.with_suffix(".html")
    result = runner.invoke(app, ["report", "--out", str(html), "--database", real_url])
    assert result.exit_code == 0, result.output
    yield out


def test_demo_report_builds_in_both_languages(demo_url: str, tmp_path: Path) -> None:
    for lang in ("nl", "en"):
        out = tmp_path / f"monitor-{lang}.html"
        result = runner.invoke(
            app, ["report", "--out", str(out), "--lang", lang, "--database", demo_url]
        )
        assert result.exit_code == 0, result.output
        html = out.read_text("utf-8")
        assert "<script" not in html and "http" not in html.split("<body>")[0]
        assert html.count("<svg") >= 3


def test_numbers_in_the_html_are_the_engine_s(real_report: Path, real_url: str) -> None:
    html = real_report.with_suffix(".html").read_text("utf-8")
    engine = open_engine(real_url)
    with session_scope(engine) as session:
        card = scorecard(session, Catalog(PACK.indicators))
        year = latest_year(session)
        assert year is not None
        flow = pipeline_flow(session, PACK, "twente", year, "techniek")
        current = [d.id for d in list_datasets(session) if d.status == "current"]
    engine.dispose()
    # Every templated sentence names the first and last measurement of its goal after the
    # last series break (never a change across one).
    sentences = re.findall(r'data-figures="([\d.e+-]+) ([\d.e+-]+)"', html)
    assert sentences
    measured = set()
    for g in card.goals:
        computed = [p for p in g.measurements if not p.entered]
        starts = {b.period for b in g.breaks if not b.keys}
        last_start = max((i for i, p in enumerate(computed) if p.period in starts), default=0)
        segment = computed[last_start:]
        if len(segment) >= 2:
            measured.add((segment[0].value, segment[-1].value))
    assert {(float(a), float(b)) for a, b in sentences} <= measured
    # The pipeline table shows the flow's stage totals with Dutch thousands separators.
    totals = [n.total for n in flow.nodes if n.total is not None and n.column < 3]
    assert totals
    for total in totals:
        assert f'<td class="n">{dutch(total)}</td>' in html, total
    # Every current dataset of the store is in the sources appendix, once.
    assert len(current) >= 12
    assert all(html.count(f'id="dataset-{d}"') == 1 for d in current)


def test_pdf_pages_all_have_content_and_no_chart_is_missing(
    real_report: Path, tmp_path: Path
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is required to check the PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", str(real_report), str(tmp_path / "p")], check=True
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert 12 <= len(pages) <= 60
    from PIL import Image

    for page in pages:
        image = Image.open(page).convert("L")
        dark = sum(image.histogram()[:200])
        assert dark > 200, f"{page.name} is (nearly) blank"
    html = real_report.with_suffix(".html").read_text("utf-8")
    figures = html.count('<figure class="chart')
    assert figures >= 6 and html.count("<svg") == figures


def test_no_text_runs_off_the_page(real_report: Path, tmp_path: Path) -> None:
    """No table or chart is clipped: every word lies inside the page with room to spare."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is required to check the PDF")
    boxes = tmp_path / "boxes.html"
    subprocess.run(["pdftotext", "-bbox", str(real_report), str(boxes)], check=True)
    text = boxes.read_text("utf-8")
    width = float(re.search(r'<page width="([\d.]+)"', text)[1])  # type: ignore[index]
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', text)
    assert len(words) > 1000
    outside = [(x0, x1) for x0, x1 in words if float(x0) < 20 or float(x1) > width - 20]
    assert outside == []


def test_a_pdf_without_pango_is_one_clear_error(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import sys

    real_import = builtins.__import__

    def without_pango(name: str, *args: object, **kwargs: object) -> object:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", without_pango)
    target = tmp_path / "monitor.pdf"
    result = CliRunner().invoke(app, ["report", "--out", str(target), "--database", demo_url])
    assert result.exit_code == 2 and "een PDF vraagt Pango" in result.stderr
    assert "Traceback" not in result.stderr and not target.exists()
