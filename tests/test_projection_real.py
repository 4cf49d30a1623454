"""Projections on the real DUO files (demo + every real file imported): Twente from 2019."""

from collections.abc import Iterator

import pytest

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import ScenarioDef, load_projection
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.project import Prepared, compare, prepare, run
from pijplijn.engine.projection.results import Projection
from pijplijn.store.db import open_engine, session_scope

CONTENT = load_projection(load_pack("twente"))


@pytest.fixture(scope="module")
def twente(real_url: str) -> Iterator[tuple[Prepared, dict[str, float]]]:
    engine = open_engine(real_url)
    with session_scope(engine) as session:
        prepared = prepare(session, CONTENT, "twente")
        facts = {
            "vmbo-bb 2020-2021": query(
                session,
                CubeQuery(
                    measure="exam_candidates",
                    region="twente",
                    stage="vmbo-bb",
                    periods=("2020-2021",),
                    filters={"domain": "techniek"},
                    classification="techniek@2019",
                ),
            )[0].value
            or 0.0,
        }
        women = query(
            session,
            CubeQuery(
                measure="enrolled",
                region="twente",
                stage="mbo",
                periods=("2019",),
                by=("gender",),
                filters={"domain": "techniek"},
                classification="techniek@2019",
            ),
        )
        shares = {r.keys["gender"]: r.value or 0.0 for r in women}
        facts["girls"] = shares["vrouw"] / (shares["vrouw"] + shares["man"])
    engine.dispose()
    yield prepared, facts


@pytest.fixture(scope="module")
def projection(twente: tuple[Prepared, dict[str, float]]) -> Projection:
    return run(twente[0], horizon=2030, draws=500, seed=5)


def test_twente_projects_from_2019_with_observed_vo_as_known_inflow(
    projection: Projection, twente: tuple[Prepared, dict[str, float]]
) -> None:
    # The newest version is pinned; on DUO's 2015-2019 labels it counts what @2019 counts.
    assert projection.base_year == 2019 and projection.classification == "techniek@2021"
    known = projection.point("vmbo-bb:techniek", 2020)  # the 2020-2021 exam candidates
    assert known.value == known.low == known.high == twente[1]["vmbo-bb 2020-2021"]
    later = projection.point("vmbo-bb:techniek", 2026)  # beyond the data: an interval
    assert later.low < later.value < later.high
    for level in ("2", "3", "4"):
        point = projection.point(f"mbo-{level}:techniek", 2030)
        assert point.low_95 < point.value < point.high_95
        assert point.low_95 >= 0


def test_rates_the_data_inform_are_estimated_from_it_with_their_datasets(
    projection: Projection, twente: tuple[Prepared, dict[str, float]]
) -> None:
    rates = {r.id: r for r in projection.rates}
    girls = rates["girls-share-techniek"]
    assert girls.method == "estimated" and girls.value == pytest.approx(
        twente[1]["girls"], abs=1e-4
    )
    assert girls.datasets and "2019" in girls.periods
    assert rates["pathway-hbo-voltijd:techniek"].method == "estimated"
    assert rates["diploma-mbo:techniek"].method == "calibrated"
    assert {r.method for r in projection.rates} == {"prior", "calibrated", "estimated"}
    inputs = {i.state: i for i in projection.inputs}
    assert inputs["mbo-2:BBL:techniek"].status == "loaded"
    assert inputs["mbo-2:BBL:techniek"].periods[-1] == "2019"
    assert inputs["vmbo-kb:techniek"].flag == "suppressed"  # sums of known cells, flagged


def test_the_vmbo_lever_snowballs_through_every_mbo_level_in_twente(
    twente: tuple[Prepared, dict[str, float]],
) -> None:
    lever = scenarios.find(None, CONTENT, "instroom-vmbo-techniek")
    result = compare(twente[0], ScenarioDef(name="basis"), lever, horizon=2030, draws=300, seed=2)
    delta = {(d.state, int(d.period)): d for d in result.differences}

    def first(state: str) -> int:
        return min(y for (s, y), d in delta.items() if s == state and d.difference > 0)

    assert first("vmbo-kb:techniek") == 2020
    assert first("mbo-2:techniek") == 2021
    assert first("graduates:mbo-2:techniek") > first("mbo-2:techniek")
    assert first("doorstroom-hbo:mbo-4:techniek") > first("mbo-4:techniek")
    for state in ("mbo-2:techniek", "mbo-3:techniek", "mbo-4:techniek", "graduates:mbo-2:techniek"):
        assert delta[(state, 2030)].low > 0, state
    # +10% vmbo techniek is some 70 pupils a year; mbo techniek grows by less than that per
    # level, as only part of them enter each niveau.
    vmbo = sum(
        delta[(f"{s}:techniek", 2030)].difference
        for s in ("vmbo-bb", "vmbo-kb", "vmbo-gl", "vmbo-tl")
    )
    assert 40 < vmbo < 120
    assert 0 < delta[("mbo-2:techniek", 2030)].difference < vmbo


def test_the_techniek_agenda_scenario_runs_and_says_which_levers_do_nothing_here(
    twente: tuple[Prepared, dict[str, float]],
) -> None:
    agenda = scenarios.find(None, CONTENT, "techniek-agenda")
    result = run(twente[0], horizon=2026, draws=200, seed=1, scenario=agenda)
    assert [lever.id for lever in result.levers] == [lever.lever for lever in agenda.levers]  # type: ignore[union-attr]
    duaal = next(lever for lever in result.levers if lever.id == "deelname-duaal-hbo")
    assert "geen effect" in (duaal.note or "")  # no technical duaal hbo in Twente's data
    girls = next(lever for lever in result.levers if lever.id == "participatie-meisjes")
    assert girls.change == pytest.approx(0.05 * twente[1]["girls"], abs=1e-4)
