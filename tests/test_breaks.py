"""Series breaks: every catalogue indicator reports where its definition, classification
version, source or coverage changes, and nothing the monitor shows compares across a break
(key figures, sparklines, goal progress, report sentences, changes)."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from pijplijn.content.loader import load_pack
from pijplijn.engine import disclosure
from pijplijn.engine.indicators import Catalog
from pijplijn.engine.indicators.breaks import PARTIAL, Break, between
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import IndicatorValues
from pijplijn.errors import QueryError
from pijplijn.report.view import report_view
from pijplijn.settings import Settings
from pijplijn.store.db import session_scope
from pijplijn.store.models import Dataset
from pijplijn.web.app import create_app
from pijplijn.web.pages.overview import overview_view

PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)
REGIONS = ("twente", "PV23", "NL01")
NEW_DOMAINS = {"Informatie en communicatietechnologie", "Transport, scheepvaart en logistiek"}


def series_of(values: IndicatorValues) -> dict[tuple[tuple[str, str], ...], list[Any]]:
    found: dict[tuple[tuple[str, str], ...], list[Any]] = defaultdict(list)
    for v in values.values:
        if v.value is not None:
            found[tuple(sorted((k, str(x)) for k, x in v.keys.items()))].append(v)
    return found


def expected_changes(
    values: IndicatorValues, source_keys: dict[int, str]
) -> dict[tuple[str, tuple[tuple[str, str], ...]], set[str]]:
    """The basis changes between consecutive known values, computed here from each value's
    classification, definition, datasets and flags."""
    changes = {}
    for keys, known in series_of(values).items():
        for before, after in zip(known, known[1:], strict=False):
            kinds = set()
            if (
                before.classification
                and after.classification
                and before.classification != after.classification
            ):
                kinds.add("classification")
            if before.definition != after.definition:
                kinds.add("definition")
            if {source_keys[d] for d in before.datasets} != {
                source_keys[d] for d in after.datasets
            }:
                kinds.add("source")
            # A partial value may show a flag of higher precedence (missing): its coverage
            # note still says it is partial.
            partial = [
                v.coverage_note is not None or PARTIAL in {v.flag, *(i.flag for i in v.inputs)}
                for v in (before, after)
            ]
            if partial[0] != partial[1]:
                kinds.add("coverage")
            if kinds:
                changes[(after.period, keys)] = kinds
    return changes


def every_series(engine: Engine) -> Iterator[tuple[str, str, IndicatorValues]]:
    with session_scope(engine) as session:
        for indicator in CATALOG.indicators:
            for region in REGIONS:
                try:
                    values = indicator_values(session, CATALOG, indicator.id, region)
                except QueryError:
                    continue
                yield indicator.id, region, values


def test_every_indicator_reports_its_breaks(real_engine: Engine) -> None:
    with session_scope(real_engine) as session:
        source_keys = {d.id: d.source_key for d in session.scalars(select(Dataset))}
    walked = 0
    for indicator, region, values in every_series(real_engine):
        walked += 1
        reported = {
            (b.period, tuple(sorted((k, str(v)) for k, v in b.keys.items()))): b
            for b in values.breaks
        }
        for where, kinds in expected_changes(values, source_keys).items():
            item = reported.get(where)
            if item is None:
                # Only a classification change whose versions agree on this figure is no
                # break: the earlier value restated on the later version is the same.
                assert kinds == {"classification"}, (indicator, region, where, kinds)
                continue
            assert set(item.kinds) <= kinds, (indicator, region, where)
            assert set(item.kinds) == kinds or kinds - set(item.kinds) == {"classification"}
        assert set(reported) <= set(expected_changes(values, source_keys)), (indicator, region)
        # The API's flat records carry the reason on the value where a break starts.
        marked = {
            (r["period"], tuple(sorted((k, str(r[k])) for k in values.by)))
            for r in values.records()
            if r["break"]
        }
        assert marked == set(reported), (indicator, region)
    assert walked >= len(CATALOG.indicators)


def raw_mbo(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "duo" / "mbo_deelnemers_2015-2019.csv").open(encoding="utf-8") as f:
        return [
            {k.strip(): (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(f, delimiter=";")
            if any(r.values())
        ]


def techniek(rows: list[dict[str, str]], year: int, version: str) -> float:
    return sum(
        float(r[f"MAN{year}"] or 0) + float(r[f"VROUW{year}"] or 0)
        for r in rows
        if r["MBO SECTOR"] == "techniek" or (version == "2019" and r["DOMEIN"] in NEW_DOMAINS)
    )


def test_the_2019_classification_change_is_a_break_restated_on_one_version(
    real_engine: Engine, shared_data: Path
) -> None:
    rows = raw_mbo(shared_data)
    with session_scope(real_engine) as session:
        values = indicator_values(session, CATALOG, "mbo-techniek-studenten", "NL01", by=[])
        growth = indicator_values(session, CATALOG, "mbo-techniek-groei", "NL01", by=[])
        twente = indicator_values(session, CATALOG, "mbo-techniek-studenten", "twente", by=[])
    at_2019 = next(b for b in values.breaks if b.period == "2019")
    assert (at_2019.previous, at_2019.kinds) == ("2018", ["classification"])
    assert "techniek versie 2011 → techniek versie 2019" in at_2019.reason
    assert at_2019.restated_on == "techniek@2019"
    assert at_2019.restated == techniek(rows, 2018, "2019") != techniek(rows, 2018, "2011")
    # The seed years (ROC van Twente, 2007-2011) are never the Netherlands' (their coverage):
    # the national series starts with DUO in 2015. In Twente's own series, DUO from 2015 is
    # another source and another coverage than ROC van Twente's tables.
    assert min(int(v.period) for v in values.values) == 2015
    at_2015 = next(b for b in twente.breaks if b.period == "2015")
    assert {"source", "coverage"} <= set(at_2015.kinds)
    # A change is computed on one version: 2019 minus 2018 re-classified with 2019's rules.
    change = next(v for v in growth.values if v.period == "2019")
    assert change.value == techniek(rows, 2019, "2019") - techniek(rows, 2018, "2019")
    assert change.classification == "techniek@2019"
    # Across the change of source there is no change at all.
    assert all(v.period != "2015" for v in growth.values if v.value is not None)


def test_key_figures_and_sparklines_never_compare_across_a_break(
    demo_engine: Engine, real_engine: Engine
) -> None:
    for engine in (demo_engine, real_engine):
        with session_scope(engine) as session:
            view = overview_view(session, PACK, CATALOG)
            for figure in view.figures:
                values = indicator_values(session, CATALOG, figure.indicator, view.region, by=[])
                crossed = (
                    between(values.breaks, {}, figure.previous_period, figure.period)
                    if figure.previous_period
                    else []
                )
                if figure.previous is not None and crossed:
                    # Restated: the earlier year re-classified with the later year's version.
                    (only,) = crossed
                    assert only.kinds == ["classification"] and figure.restated_on
                    pinned = indicator_values(
                        session,
                        CATALOG,
                        figure.indicator,
                        view.region,
                        periods=[figure.previous_period],
                        by=[],
                        classification=figure.restated_on,
                    )
                    assert math.isclose(figure.previous, pinned.values[0].value or math.nan)
                if crossed and figure.previous is None:
                    assert figure.refused and crossed[0].period in figure.refused
                assert_sparkline_breaks(figure.sparkline, values.breaks)
    with session_scope(real_engine) as session:
        view = overview_view(session, PACK, CATALOG)
    mbo = next(f for f in view.figures if f.indicator == "mbo-techniek-studenten")
    assert (mbo.period, mbo.previous_period, mbo.restated_on) == ("2019", "2018", "techniek@2019")


def assert_sparkline_breaks(spec: dict[str, Any], breaks: list[Break]) -> None:
    """A sparkline's line is drawn per segment; a segment never spans a break."""
    rows = spec["datasets"]["table"]
    starts = {b.period for b in breaks if not b.keys}
    for before, after in zip(rows, rows[1:], strict=False):
        assert (after["segment"] != before["segment"]) == (after["period"] in starts)
    assert {m["period"] for m in spec["datasets"].get("breaks", [])} == starts
    layers = json.dumps({k: v for k, v in spec.items() if k != "datasets"})
    assert '"detail": {"field": "segment"' in layers


def test_report_sentences_and_goal_progress_stay_on_one_definition(real_engine: Engine) -> None:
    with session_scope(real_engine) as session:
        view = report_view(session, PACK, "twente", None, "nl")
    sections = [s for c in view.chapters for s in c.goals]
    assert sections
    for section in sections:
        goal = section.goal
        if section.trend is not None:
            crossed = between(
                goal.breaks, {}, section.trend.first_period, section.trend.last_period
            )
            assert not crossed, goal.id
        if goal.progress is not None and goal.latest is not None:
            assert not between(goal.breaks, {}, goal.baseline.period, goal.latest.period)
    # ROC van Twente's BBL: seed 2011, DUO 2015-2018 on techniek@2011, 2019 on techniek@2019.
    # No sentence runs from 2011 or 2015 to 2019 across those breaks.
    bbl = next(s for s in sections if s.goal.id == "tta-deelname-bbl")
    assert [b.period for b in bbl.goal.breaks] == ["2015", "2019"]
    assert bbl.trend is None


@pytest.fixture
def client(real_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=real_url))) as test_client:
        yield test_client


def test_the_api_chart_and_pages_show_the_breaks(client: TestClient) -> None:
    answer = client.get(
        "/api/v1/indicators/mbo-techniek-studenten/values", params={"region": "NL01", "by": ""}
    )
    assert answer.status_code == 200
    marked = {r["period"]: r["break"] for r in answer.json()["data"] if r["break"]}
    # No 2015 break nationally: ROC van Twente's 2007-2011 tables are never the Netherlands'.
    assert set(marked) == {"2019"} and "classificatie" in marked["2019"]
    page = client.get("/indicatoren/mbo-techniek-studenten").text
    assert "breuk in de reeks" in page and "breuk: classificatie" in page
    overview = client.get("/").text
    assert "herberekend met techniek@2019" in overview
    goals = client.get("/doelen").text
    assert "geen data" not in goals.split("<h1>")[1].split("</h1>")[0]
    assert "eindoordeel per 2016-12-31" in goals and "niet vergelijkbaar" in goals


def test_a_restated_figure_is_as_protected_as_the_pinned_query(real_engine: Engine) -> None:
    """Per institution, the 2018 figure restated on techniek@2019 is what the public query
    with that version pinned shows: a small count stays suppressed."""
    limit = disclosure.threshold()
    assert limit > 1
    with session_scope(real_engine) as session:
        values = indicator_values(
            session, CATALOG, "mbo-techniek-studenten", "twente", by=["institution"]
        )
        pinned = indicator_values(
            session,
            CATALOG,
            "mbo-techniek-studenten",
            "twente",
            periods=["2018"],
            by=["institution"],
            classification="techniek@2019",
        )
    shown = {v.keys["institution"]: v.value for v in pinned.values}
    restated = [b for b in values.breaks if b.period == "2019" and b.restated_on]
    assert restated
    for item in restated:
        assert item.restated == shown[item.keys["institution"]]
        assert item.restated is None or item.restated >= limit
