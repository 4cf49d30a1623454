"""pijplijn factsheet: sheets per gemeente, institution and partner. Expected figures are
computed here from the observations and register rows, never copied from the sheet."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.models import Observation
from pijplijn.store.register_models import Organisation, Participation, Project
from pijplijn.views.factsheet import partner_sheet
from pijplijn.views.instelling import instelling_sheet

runner = CliRunner()
PACK = load_pack("twente")


def dutch(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def test_instelling_counts_are_the_observations(demo_url: str) -> None:
    engine = open_engine(demo_url)
    with session_scope(engine) as session:
        expected = dict(
            session.execute(
                select(Observation.period, func.sum(Observation.value))
                .where(
                    Observation.measure == "enrolled",
                    Observation.institution == "27YU",
                    Observation.active.is_(True),
                )
                .group_by(Observation.period)
            ).all()
        )
        sheet = instelling_sheet(session, PACK, "27YU")
    enrolled = [t for t in sheet.tables if t.measure == "enrolled"]
    # The demo holds the seed's table of ROC van Twente's technical departments only: a source
    # that counts only techniek gives its count as the techniek part, and no total or share.
    assert enrolled and all(t.domain_only for t in enrolled)
    got = {r.period: r.in_domain for t in enrolled for r in t.rows}
    assert got == pytest.approx(expected)
    assert all(r.total is None and r.share is None for t in enrolled for r in t.rows)
    assert sheet.share_period is None and sheet.region_share == []
    assert sheet.notes, "a head-office gemeente must be explained"


def test_gemeente_sheet_html_and_unknown_gemeente(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "enschede.html"
    result = runner.invoke(
        app, ["factsheet", "gemeente", "Enschede", "--out", str(out), "--database", demo_url]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    assert "Enschede" in html and "Saxion" in html and "<script" not in html
    bad = tmp_path / "nergens.pdf"
    result = runner.invoke(
        app, ["factsheet", "gemeente", "Nergens", "--out", str(bad), "--database", demo_url]
    )
    assert result.exit_code == 2 and "Nergens" in result.output
    assert "Traceback" not in result.output and not bad.exists()


def test_partner_sheet_sums_registered_reach(database_url: str, tmp_path: Path) -> None:
    from pijplijn.store.setup import initialise

    engine = open_engine(database_url)
    initialise(engine, PACK, demo=True)
    with session_scope(engine) as session:
        project = session.scalars(select(Project).where(Project.voorbeeld.is_(False))).first()
        assert project is not None
        mine = Organisation(name="Metaalbedrijf Hengelo", kind="ondernemers", sector="metalektro")
        other = Organisation(name="Andere partner", kind="onderwijs")
        session.add_all([mine, other])
        session.flush()
        session.add_all(
            [
                Participation(
                    organisation_id=mine.id,
                    project_id=project.id,
                    period="2024",
                    pupils=120,
                    students=None,
                ),
                Participation(
                    organisation_id=mine.id,
                    project_id=project.id,
                    period="2025",
                    pupils=None,
                    students=None,
                ),
                Participation(
                    organisation_id=other.id,
                    project_id=project.id,
                    period="2024",
                    pupils=280,
                    students=10,
                ),
            ]
        )
    with session_scope(engine) as session:
        sheet = partner_sheet(session, "Metaalbedrijf Hengelo")
    assert sheet.reach["pupils"] == 120
    assert sheet.reach["students"] is None  # unknown stays unknown, never 0
    for goal in sheet.goals:
        assert goal.own == 120 and goal.total == 120 + 280 + 10
        assert goal.share == pytest.approx(120 / 410)
        assert goal.unknown == 1
    out = tmp_path / "partner.html"
    result = runner.invoke(
        app,
        [
            "factsheet",
            "partner",
            "Metaalbedrijf Hengelo",
            "--out",
            str(out),
            "--database",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "120" in out.read_text("utf-8")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not installed")
def test_batch_zip_has_every_sheet_and_pdfs_render(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "sheets.zip"
    result = runner.invoke(app, ["factsheet", "batch", "--out", str(out), "--database", demo_url])
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    gemeenten = [n for n in names if n.startswith("gemeente-")]
    assert len(gemeenten) == 14  # Twente's gemeenten
    assert "instelling-27YU.pdf" in names and "instelling-25PJ.pdf" not in names  # Zwolle
    pdf = tmp_path / "enschede.pdf"
    pdf.write_bytes(zipfile.ZipFile(out).read("gemeente-GM0153.pdf"))
    artifacts = Path("test-artifacts/factsheets")
    artifacts.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(pdf), str(artifacts / "enschede-demo")], check=True
    )
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Enschede" in text and "Routes door de pijplijn" in text
    assert "mbo-1:" not in text and "GM0153" not in text.split("Gegevensversie")[0]


def test_gemeente_figures_on_real_data(real_url: str, tmp_path: Path) -> None:
    out = tmp_path / "enschede.html"
    result = runner.invoke(
        app, ["factsheet", "gemeente", "GM0153", "--out", str(out), "--database", real_url]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    engine = open_engine(real_url)
    with session_scope(engine) as session:
        hbo = session.scalar(
            select(func.sum(Observation.value)).where(
                Observation.measure == "first_year",
                Observation.stage == "hbo",
                Observation.region_code == "GM0153",
                Observation.period == "2019",
                Observation.active.is_(True),
                Observation.gender.is_(None) | Observation.paired.is_(False),
            )
        )
    assert hbo is not None
    assert dutch(hbo) in html


def test_gemeente_page_and_json_are_the_same_view(demo_url: str) -> None:
    from fastapi.testclient import TestClient

    from pijplijn.settings import Settings
    from pijplijn.web.app import create_app

    with TestClient(create_app(Settings(database_url=demo_url))) as client:
        page = client.get("/gemeenten/Enschede")
        data = client.get("/gemeenten/Enschede.json")
        missing = client.get("/gemeenten/Nergens.json")
    assert page.status_code == 200 and "Enschede" in page.text
    assert data.status_code == 200 and data.json()["code"] == "GM0153"
    assert [i["name"] for i in data.json()["institutions"]] == ["Saxion", "Universiteit Twente"]
    assert missing.status_code == 404
