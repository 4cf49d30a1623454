"""The factsheets as printed (issue 17, tests): three sheets (gemeente Enschede and institution
ROC van Twente on the real data, a partner on the demo with registered participation) are
written as PDF by the CLI, rendered page by page with pdftoppm (saved under
``test-artifacts/factsheets/``) and read back with ``pdftotext -bbox``. Per sheet and page:

- one or two A4 pages;
- every page but the last is at least a third full (ink from the top margin down), and a
  second page holds more than a footer;
- no word lies outside the page, none in the margins' outer half (a clipped or overflowing
  table);
- no raw code and, in the Dutch sheet, no English vocabulary (the scan of issue 13/16).

The sheets draw no charts, so the legend rule has nothing to check here."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.register_models import Organisation, Participation, Project
from pijplijn.store.setup import initialise
from test_raw_codes import _pack_codes, raw_codes

ARTIFACTS = Path("test-artifacts/factsheets")
A4 = (595.3, 841.9)
MARGIN_CM = 1.5
runner = CliRunner()

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed",
)


def _write(args: list[str], out: Path) -> Path:
    result = runner.invoke(app, ["factsheet", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _pages(pdf: Path, stem: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(ARTIFACTS / stem)], check=True)
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


def _fullness(png: Path) -> float:
    """The part of the page's height from its top down to the lowest ink above the footer
    (the page number), as a fraction of the text area's height."""
    image = Image.open(png).convert("L")
    width, height = image.size
    margin = round(height * MARGIN_CM / 29.7)
    footer = height - margin  # the running footer (page number) sits in the bottom margin
    pixels = image.load()
    assert pixels is not None
    lowest = 0
    for y in range(margin, footer):
        if any(pixels[x, y] < 200 for x in range(0, width, 2)):  # type: ignore[operator]
            lowest = y
    return max(0.0, (lowest - margin) / (footer - 2 * margin))


_WORD = re.compile(
    r'<page width="([\d.]+)" height="([\d.]+)">|'
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _outside(pdf: Path, boxes: Path) -> list[str]:
    """Words outside the page or in the outer half of its side margins."""
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(boxes)], check=True)
    width = height = 0.0
    found = []
    for match in _WORD.finditer(boxes.read_text("utf-8")):
        if match.group(1):
            width, height = float(match.group(1)), float(match.group(2))
            continue
        x0, y0, x1, y1 = (float(match.group(i)) for i in range(3, 7))
        side = MARGIN_CM / 2 / 2.54 * 72
        if x0 < side or x1 > width - side or y0 < 0 or y1 > height:
            found.append(f"{match.group(7)!r} at x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f}")
    return found


def _check(pdf: Path, stem: str, lang: str, tmp: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert size and abs(float(size.group(1)) - A4[0]) < 2 and abs(float(size.group(2)) - A4[1]) < 2
    pages = _pages(pdf, stem)
    assert 1 <= len(pages) <= 2, f"{stem}: {len(pages)} pages"
    fullness = [_fullness(p) for p in pages]
    for number, full in enumerate(fullness[:-1], 1):
        assert full >= 1 / 3, f"{stem} page {number} is {full:.0%} full"
    if len(pages) == 2:
        assert fullness[1] >= 0.15, f"{stem}: page 2 holds only {fullness[1]:.0%}"
    assert _outside(pdf, tmp / f"{stem}.html") == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    brins, regions = _pack_codes()
    body = text.split("Gegevensversie")[0].split("Data version")[0]
    assert raw_codes(body, lang, [*brins, *regions]) == []
    return text


def test_enschede_sheet_on_the_real_data(real_url: str, tmp_path: Path) -> None:
    for lang in ("nl", "en"):
        pdf = _write(
            ["gemeente", "Enschede", "--lang", lang, "--database", real_url],
            tmp_path / f"enschede-{lang}.pdf",
        )
        text = _check(pdf, f"enschede-{lang}", lang, tmp_path)
        assert "Enschede" in text and ("Overijssel" in text and "Nederland" in text)
    assert "Routes door de pijplijn" not in text and "Routes through the pipeline" in text


def test_instelling_sheet_on_the_real_data(real_url: str, tmp_path: Path) -> None:
    pdf = _write(["instelling", "27YU", "--database", real_url], tmp_path / "27yu.pdf")
    text = _check(pdf, "instelling-27YU", "nl", tmp_path)
    # One definition per table: the seed's techniek-only years apart, the break named.
    assert "Ingeschreven studenten, 2007–2011" in text
    assert "Ingeschreven studenten, 2015–2019" in text
    assert "Reeksbreuk" in text and "techniek@" not in text


def test_partner_sheet_on_the_demo(database_url: str, tmp_path: Path) -> None:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    with session_scope(engine) as session:
        projects = list(session.scalars(select(Project).where(Project.voorbeeld.is_(False))))
        assert projects
        partner = Organisation(name="Metaalunie Twente", kind="ondernemers", sector="metaal")
        session.add(partner)
        session.flush()
        session.add_all(
            Participation(
                organisation_id=partner.id,
                project_id=project.id,
                period=str(2020 + k % 5),
                pupils=40 + k,
                students=None if k % 2 else 12,
                companies=1,
            )
            for k, project in enumerate(projects * 3)
        )
    engine.dispose()
    pdf = _write(
        ["partner", "Metaalunie Twente", "--database", database_url], tmp_path / "partner.pdf"
    )
    text = _check(pdf, "partner", "nl", tmp_path)
    assert "Metaalunie Twente" in text and "Aandeel in de doelen" in text
