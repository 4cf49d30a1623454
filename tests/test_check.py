"""``pijplijn check``: published figures against the values computed from base data."""

import csv
import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.check import check_published
from pijplijn.engine.indicators import Catalog
from pijplijn.store.db import session_scope

PACK = load_pack("twente")
runner = CliRunner()


def seed(subject: str | None = None, measure: str | None = None, period: str = "") -> float:
    with (PACK.root / "seed" / "regiovisie.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if subject is not None:
        return next(float(r["value"]) for r in rows if r["subject"] == subject)
    return sum(
        float(r["value"])
        for r in rows
        if (r["measure"], r["period"]) == (measure, period) and r["value"]
    )


def test_check_finds_the_614_contradiction(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        report = check_published(session, Catalog(PACK.indicators), PACK.published_checks)
    (finding,) = [f for f in report.findings if f.subject == "mbo4-to-hbo-graduates-claimed"]
    graduates = seed(measure="graduates", period="2011")
    expected = graduates * seed("mbo4-graduate-share-2008") * seed("mbo4-to-hbo-share")
    assert graduates == 3073 and round(expected) == 277
    assert finding.verdict == "contradiction"
    assert (finding.published, finding.computed) == (614, pytest.approx(expected))
    assert finding.difference == pytest.approx(614 - expected)
    assert finding.alternative is not None
    assert finding.alternative.indicator == "mbo4-gediplomeerden"
    assert finding.alternative.value == pytest.approx(graduates * 0.2)
    assert "mbo 4-gediplomeerden" in finding.explanation.lower()
    assert {i.subject for i in finding.inputs} == {
        None,
        "mbo4-graduate-share-2008",
        "mbo4-to-hbo-share",
    }


def test_check_confirms_the_figures_that_agree(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        report = check_published(session, Catalog(PACK.indicators), PACK.published_checks)
    verdicts = {(f.subject, f.period): f.verdict for f in report.findings}
    for subject, period in [
        ("vmbo-tl-to-mbo-techniek-share", "2011"),
        ("roc-twente-techniek-sector-share-mei", "2011"),
        ("roc-twente-techniek-sector-share-bouw-gww", "2011"),
        ("roc-twente-techniek-sector-enrolled-increase", "2010"),
        ("htsm-share-of-industry-jobs", "2012"),
        *(("roc-twente-techniek-enrolled-total", str(y)) for y in range(2007, 2012)),
        *(("roc-twente-techniek-graduates-total", str(y)) for y in range(2007, 2012)),
    ]:
        assert verdicts[(subject, period)] == "match", subject
    assert verdicts[("roc-twente-techniek-bbl-share", "2011")] == "not-computable"
    assert verdicts[("pitt-projects", "2011")] == "no-counterpart"
    diplomas = next(
        f
        for f in report.findings
        if (f.subject, f.period) == ("roc-twente-techniek-graduates-total", "2010")
    )
    assert diplomas.computed_flag == "missing"  # the blank Combinatie bedrijf cell
    counts = report.counts
    assert sum(counts.values()) == len(report.findings)
    assert report.findings[0].verdict == "contradiction"


def test_check_command(demo_url: str) -> None:
    result = runner.invoke(app, ["check", "--database", demo_url], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "tegenspraak" in result.stdout and "mbo4-to-hbo-graduates-claimed" in result.stdout
    result = runner.invoke(app, ["check", "--format", "json", "--database", demo_url])
    records = json.loads(result.stdout)
    claimed = next(r for r in records if r["subject"] == "mbo4-to-hbo-graduates-claimed")
    assert claimed["verdict"] == "contradiction" and round(claimed["computed"]) == 277
    result = runner.invoke(app, ["check", "--format", "csv", "--database", demo_url])
    assert result.stdout.splitlines()[0].startswith("subject,measure,period,region")
