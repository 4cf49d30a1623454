"""Projections on the demo data (the seed figures of the Regiovisie): provenance, bad input,
and the snowball of a ready-made lever, checked against the arithmetic of its rates."""

from collections.abc import Iterator

import pytest

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import ScenarioDef, load_projection
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.model import VMBO, ProjectionError
from pijplijn.engine.projection.project import Prepared, compare, prepare, run
from pijplijn.engine.projection.results import Projection
from pijplijn.store.db import open_engine, session_scope

CONTENT = load_projection(load_pack("twente"))


@pytest.fixture(scope="module")
def demo_model(demo_url: str) -> Iterator[Prepared]:
    engine = open_engine(demo_url)
    with session_scope(engine) as session:
        yield prepare(session, CONTENT, "twente")
    engine.dispose()


@pytest.fixture(scope="module")
def baseline(demo_model: Prepared) -> Projection:
    return run(demo_model, horizon=2020, draws=400, seed=1)


def test_the_demo_projection_starts_from_the_seed_figures(baseline: Projection) -> None:
    assert (baseline.base_year, baseline.horizon) == (2011, 2020)
    # ROC van Twente's 7,028 technical students of 2011, split by the published shares.
    total = sum(baseline.point(f"mbo-{n}:techniek", 2011).value for n in (2, 3, 4))
    assert total == pytest.approx(7028, abs=0.1)
    assert baseline.point("mbo-2:techniek", 2011).observed
    first = baseline.point("mbo-2:techniek", 2012)
    assert first.low_95 <= first.low <= first.value <= first.high <= first.high_95
    assert first.low < first.high  # an interval, not a point
    assert all(p.value >= 0 and p.low_95 >= 0 for p in baseline.series)


def test_every_rate_shows_how_it_was_set_and_from_what(baseline: Projection) -> None:
    assert len(baseline.rates) == len(CONTENT.rates)
    for rate in baseline.rates:
        assert rate.source and rate.method in ("prior", "calibrated", "estimated")
        if rate.method != "prior" or rate.kind in ("published", "derived"):
            assert rate.datasets, rate.id  # a seed dataset or a loaded one
            assert rate.periods, rate.id
    by_id = {r.id: r for r in baseline.rates}
    published = by_id["mbo-techniek-vmbo-tl:overig"]
    assert (published.value, published.kind) == (0.22, "published")
    assert published.subjects == ["vmbo-tl-to-mbo-techniek-share"]
    diploma = by_id["diploma-mbo:techniek"]
    assert diploma.method == "calibrated"
    assert diploma.periods == ["2007", "2008", "2009", "2011"]  # 2010 is flagged missing
    assert "2010" in (diploma.note or "")
    assert by_id["exit-mbo-2"].kind == "assumption"
    # Inputs: what is loaded and how; what is not loaded is said, not set to 0.
    inputs = {i.state: i for i in baseline.inputs}
    assert inputs["mbo-2:BBL:techniek"].status == "split"
    assert inputs["vmbo-kb:techniek"].status == "published"
    assert inputs["mbo-2:BOL:overig"].status == "not loaded"
    assert not any(p.state.startswith("mbo-2:BOL:overig") for p in baseline.series)
    assert any("niet geladen" in note for note in baseline.notes)
    assert any("50% van de bedrijven" in note for note in baseline.notes)


def test_a_horizon_before_the_last_data_year_is_refused(demo_model: Prepared) -> None:
    with pytest.raises(ProjectionError, match="horizon 2009 ligt vóór het laatste datajaar 2011"):
        run(demo_model, horizon=2009, draws=10)


def test_a_negative_population_is_refused_naming_the_year(demo_model: Prepared) -> None:
    with pytest.raises(ProjectionError, match=r"cohort\[2014\] is negatief"):
        run(demo_model, horizon=2015, draws=10, cohort={2011: 4000, 2014: -1})


def test_a_lever_on_an_unknown_state_names_the_lever_and_field(demo_model: Prepared) -> None:
    spec = ScenarioDef.model_validate(
        {
            "name": "fout",
            "levers": [
                {"id": "x", "kind": "inflow", "targets": ["mbo-5:*:techniek"], "change": 0.1}
            ],
        }
    )
    with pytest.raises(
        ProjectionError, match="hefboom 'x', veld 'targets': onbekende toestand 'mbo-5"
    ):
        run(demo_model, horizon=2015, draws=10, scenario=spec)
    rate = spec.model_copy(
        update={
            "levers": [
                spec.levers[0].model_copy(update={"kind": "rate", "targets": ["doorstroom-hbo"]})
            ]
        }
    )
    with pytest.raises(ProjectionError, match="veld 'targets': onbekende kans 'doorstroom-hbo'"):
        run(demo_model, horizon=2015, draws=10, scenario=rate)


def test_a_lever_that_pushes_a_rate_over_one_is_refused(demo_model: Prepared) -> None:
    spec = ScenarioDef.model_validate(
        {
            "name": "te-veel",
            "levers": [
                {
                    "id": "hbo",
                    "kind": "rate",
                    "targets": ["hbo-mbo-4:techniek"],
                    "change": 0.7,
                    "mode": "absolute",
                    "start": 2013,
                }
            ],
        }
    )
    with pytest.raises(
        ProjectionError, match="kans 'hbo-mbo-4:techniek' is 1,15.*hefboom 'hbo', jaar 2013"
    ):
        run(demo_model, horizon=2015, draws=10, scenario=spec)


def test_the_vmbo_lever_snowballs_level_by_level_by_the_amount_its_rates_say(
    demo_model: Prepared,
) -> None:
    lever = scenarios.find(None, CONTENT, "instroom-vmbo-techniek")
    central = compare(
        demo_model, ScenarioDef(name="basis"), lever, horizon=2020, draws=1, uncertainty=False
    )
    delta = {(d.state, int(d.period)): d.difference for d in central.differences}

    def first_year(state: str) -> int:
        return min(year for (s, year), value in delta.items() if s == state and value > 1e-6)

    # The lever raises vmbo in 2012; mbo 2 a year later; graduates, niveau 3 and hbo after.
    assert first_year("vmbo-bb:techniek") == 2012
    assert first_year("mbo-2:techniek") == 2013
    assert first_year("graduates:mbo-2:techniek") == 2014
    assert first_year("doorstroom-hbo:mbo-4:techniek") == 2014
    assert first_year("mbo-3:techniek") == 2014  # doorstroom from niveau 2 (kb pupils: 2013)

    # The amount: 2% more vmbo techniek pupils in 2012 (ramp 1/5 of 10%) enter mbo 2 in 2013
    # at the rates of the pack: to mbo × techniek share × share entering niveau 2.
    fitted = demo_model.estimate
    rates = {r.id: r.value for r in fitted.rates}
    index = fitted.structure.index()
    expected = 0.0
    for stage in VMBO:
        state = f"{stage}:techniek"
        if not fitted.active[0, index[state]] or f"level-{stage}-2" not in rates:
            continue
        extra = 0.02 * fitted.x0[0, index[state]]  # vmbo held at its 2011 level
        bbl = rates["bbl-entry-mbo-2"]
        pathways = {"BOL": 1.0 - bbl, "BBL": bbl}
        # (vo_scale: where the data let in less than the rates say; 1 in the demo)
        scale = sum(
            share * fitted.inflow.vo_scale[0, index[f"mbo-2:{p}:techniek"]]
            for p, share in pathways.items()
        )
        expected += (
            extra
            * rates[f"mbo-{stage}:techniek"]
            * rates[f"mbo-techniek-{stage}:techniek"]
            * rates[f"level-{stage}-2"]
            * scale
        )
    assert delta[("mbo-2:techniek", 2013)] == pytest.approx(expected, abs=0.01)
    # ... and those extra students graduate at exit × diploma the year after.
    graduating = rates["exit-mbo-2"] * rates["diploma-mbo:techniek"]
    assert delta[("graduates:mbo-2:techniek", 2014)] == pytest.approx(
        expected * graduating, abs=0.01
    )
    # By 2020 the lever is at full strength: +10% vmbo, a few percent more technical mbo.
    before = next(
        d.a for d in central.differences if d.state == "mbo-2:techniek" and d.period == "2020"
    )
    relative = delta[("mbo-2:techniek", 2020)] / before
    assert 0.005 < relative < 0.10


def test_the_snowball_shows_with_its_interval_under_uncertainty(demo_model: Prepared) -> None:
    lever = scenarios.find(None, CONTENT, "instroom-vmbo-techniek")
    result = compare(demo_model, ScenarioDef(name="basis"), lever, horizon=2018, draws=300, seed=4)
    last = {d.state: d for d in result.differences if d.period == "2018"}
    for state in ("mbo-2:techniek", "mbo-3:techniek", "mbo-4:techniek", "graduates:mbo-2:techniek"):
        assert last[state].low > 0, state  # the whole 80% interval of the difference is up
        assert last[state].low_95 <= last[state].difference <= last[state].high_95
