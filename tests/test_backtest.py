"""The backtest on the real DUO mbo series 2015-2019: Twente and every province."""

import json
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.content.projection import load_projection
from pijplijn.engine.projection.backtest import backtest_observed, default_regions
from pijplijn.engine.projection.observed import Observed
from pijplijn.engine.projection.project import from_observed, inputs_for, observe
from pijplijn.engine.projection.results import BacktestReport
from pijplijn.engine.projection.simulate import Schedule, simulate
from pijplijn.store.db import open_engine, session_scope

CONTENT = load_projection(load_pack("twente"))


@pytest.fixture(scope="module")
def observed(real_url: str) -> Iterator[Observed]:
    engine = open_engine(real_url)
    with session_scope(engine) as session:
        regions = default_regions(session, "twente")
        yield observe(session, CONTENT, regions)
    engine.dispose()


@pytest.fixture(scope="module")
def report(observed: Observed) -> BacktestReport:
    return backtest_observed(observed, CONTENT, draws=300, seed=1)


def test_the_report_scores_the_model_and_both_baselines_for_twente_and_each_province(
    report: BacktestReport, observed: Observed
) -> None:
    assert observed.regions == ("twente", *(f"PV{n}" for n in range(20, 32)))
    assert report.origins == [2016, 2017, 2018] and report.last_year == 2019
    regions = {r.region: r for r in report.regions}
    assert set(regions) == set(observed.regions)
    scored = [r for r in report.regions if r.model_beats_naive is not None]
    for region in scored:
        by = {s.method: s for s in region.scores}
        assert set(by) == {"model", "naive", "trend"}
        for score in by.values():
            assert score.mape is not None and 0 < score.mape < 1
            assert score.coverage_80 is not None and 0 <= score.coverage_80 <= 1
            assert score.coverage_95 is not None and score.coverage_95 >= score.coverage_80
            assert score.forecasts == by["model"].forecasts > 0
        assert ("NIET beter dan naïef" in region.note) != region.model_beats_naive
    # Flevoland's mbo schools have their head office elsewhere: no series, and it says so.
    assert regions["PV24"].model_beats_naive is None and "niet gescoord" in regions["PV24"].note
    # The acceptance bar: better than naive on most of the scored regions (the report names
    # the others honestly in its summary).
    winners = [r.region for r in scored if r.model_beats_naive]
    assert len(winners) > len(scored) / 2, report.summary
    losers = [r.region for r in scored if not r.model_beats_naive]
    assert all(region in report.summary for region in losers)


def test_nothing_after_the_origin_is_used_to_fit(observed: Observed) -> None:
    """Change (and blank) every observation after T: the fit and the forecast stay the same."""
    origin = 2017
    later = np.array([y > origin for y in observed.years])
    changed = observed.values.copy()
    changed[:, :, later] = changed[:, :, later] * 3.0 + 100.0
    changed[:, :5, later] = np.nan
    tampered = replace(
        observed,
        values=changed,
        graduates=np.where(later, 1.0, observed.graduates),
        women=np.where(later, 0.0, observed.women),
    )
    for region in (0, 4):  # Twente and Overijssel
        one = from_observed(observed, CONTENT, until=origin, region=region).estimate
        two = from_observed(tampered, CONTENT, until=origin, region=region).estimate
        assert one.base_year == two.base_year == origin
        assert [r.model_dump() for r in one.rates] == [r.model_dump() for r in two.rates]
        for field in ("level", "offset", "vo_scale", "year_sd", "par_sd"):
            assert np.array_equal(getattr(one.inflow, field), getattr(two.inflow, field)), field
        assert np.array_equal(one.x0, two.x0) and np.array_equal(one.active, two.active)
    prepared = [from_observed(o, CONTENT, until=origin) for o in (observed, tampered)]
    runs = [
        simulate(inputs_for(p, 2019), Schedule.baseline(p.estimate.compiled, 1, 3), 50, 9)
        for p in prepared
    ]
    assert np.array_equal(runs[0].draws, runs[1].draws, equal_nan=True)  # type: ignore[arg-type]
    # ... while the scores, which compare with what happened, do change.
    one = backtest_observed(observed, CONTENT, origins=[origin], draws=50)
    two = backtest_observed(tampered, CONTENT, origins=[origin], draws=50)
    assert one.regions[0].scores[0].mape != two.regions[0].scores[0].mape


def test_the_backtest_command_prints_every_method(real_url: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--regions",
            "twente,PV23",
            "--draws",
            "100",
            "--format",
            "json",
            "--database",
            real_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert {(r["region"], r["method"]) for r in records} == {
        (region, method) for region in ("twente", "PV23") for method in ("model", "naive", "trend")
    }
    assert all(r["mape"] is not None for r in records)
    table = CliRunner().invoke(
        app,
        [
            "backtest",
            "--regions",
            "twente",
            "--origin",
            "2018",
            "--draws",
            "50",
            "--database",
            real_url,
        ],
    )
    assert table.exit_code == 0 and "lagere MAPE dan naïef" in table.stdout
    bad = CliRunner().invoke(app, ["backtest", "--origin", "2015", "--database", real_url])
    assert bad.exit_code == 2 and "oorsprong 2015 kan niet" in bad.stderr
