"""Protected data are safe against every combination of public queries (docs/disclosure.md).

A crafted protected dataset (synthetic: mbo enrolments per gemeente, level, pathway, sector,
gender and year, many cells of 1-4) is loaded, and every public route is asked everything it
answers: ``/api/v1/observations`` for every ``by`` combination with the region, domain and
period filters, every catalogue indicator's values for every region and allowed breakdown, the
gemeente maps, and the pages' data functions (with the pages themselves rendered). Every
published count is collected, and the linear system they form is solved as an attacker would:
no cell of 1-4 may be *determined*, i.e. the non-negative integer solutions of the system must
leave it more than one value.

Which cells a figure sums is not taken from pijplijn's own code: the same queries run on a
*probe* copy of the dataset where cell ``i`` holds ``2**i`` (and no protection applies), so the
figure's value, in binary, names the cells it adds up. A figure whose probe value does not give
back its real value from the true cells is no sum (a share, a growth rate) and is left out; its
count inputs are figures of their own.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from scipy.optimize import linprog

from conftest import _fresh_url
from pijplijn.content.loader import load_pack
from pijplijn.engine.disclosure import suppression
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.settings import Settings
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise
from pijplijn.web.app import create_app

GEMEENTEN = ("GM0153", "GM0164", "GM0193")  # Enschede, Hengelo (Twente), Zwolle (not Twente)
LEVELS = ("2", "4")
PATHWAYS = ("BOL", "BBL")
SECTORS = ("Metaal, elektro- en installatietechniek", "Zorg en welzijn")  # techniek, overig
GENDERS = ("man", "vrouw")
PERIODS = ("2019", "2020")
KEYS = list(itertools.product(GEMEENTEN, LEVELS, PATHWAYS, SECTORS, GENDERS))
"""The cells of one period: 48, so a probe value 2**i stays exact in a float."""
DIMS = ("region", "level", "pathway", "sector", "gender")
COUNT_MEASURES = {"enrolled", "first_year", "graduates", "exam_candidates", "exam_passed"}
LIMIT = 5


def crafted_values() -> dict[tuple[str, tuple[str, ...]], int]:
    """The synthetic dataset: per (period, cell key), a count; about a third are 1-4."""
    rng = random.Random(20261203)
    values = {}
    for period in PERIODS:
        for index, key in enumerate(KEYS):
            draw = rng.random()
            value = 0 if draw < 0.08 else rng.randint(1, 4) if draw < 0.4 else rng.randint(5, 90)
            # Cell 0 is a plain count, so no stray 0/1 number can pass for a sum (see below).
            values[(period, key)] = 40 if index == 0 else value
    return values


def write_template(path: Path, values: dict[tuple[str, tuple[str, ...]], float]) -> Path:
    lines = ["measure,period,region,institution,stage,level,pathway,sector,gender,value"]
    for (period, (region, level, pathway, sector, gender)), value in values.items():
        lines.append(
            f'enrolled,{period},{region},27YU,mbo,{level},{pathway},"{sector}",{gender},{value}'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def column(period: str, key: tuple[str, ...]) -> int:
    return PERIODS.index(period) * len(KEYS) + KEYS.index(key)


def database(url: str, path: Path) -> None:
    """The demo store (open seed figures of 2007-2012, the goals) and the crafted dataset."""
    engine = open_engine(url)
    pack = load_pack("twente")
    initialise(engine, pack, demo=True)
    [outcome] = import_files(engine, pack, [path], disclosure="protected")
    assert outcome.load is not None, outcome.parsed.report.summary()
    engine.dispose()


# --- Everything the public routes publish ------------------------------------------------------

REGION_FILTERS = ("twente", "PV23", "NL01", *GEMEENTEN)
CUBE_DIMS = ("period", *DIMS, "domain")


def observation_urls() -> Iterator[str]:
    """Every ``/api/v1/observations`` question about the dataset: each ``by`` combination (at
    most 4 dimensions), and filters on whatever the combination leaves out (region sets and
    gemeenten, domain), alone and together, so cells finer than 4 dimensions are asked for
    too. A filter on a dimension that is also in ``by`` only picks rows of that table, and so
    does a period filter (every row has its period)."""
    base = "/api/v1/observations?measure=enrolled&classification=techniek&page_size=1000"
    for size in range(0, 5):
        for by in itertools.combinations(CUBE_DIMS, size):
            regions = (None,) if "region" in by else (None, *REGION_FILTERS)
            domains = (None,) if {"domain", "sector"} & set(by) else (None, "techniek", "overig")
            for region, domain in itertools.product(regions, domains):
                url = f"{base}&by={','.join(by)}"
                url += f"&region={region}" if region else ""
                url += f"&domain={domain}" if domain else ""
                yield url


def indicator_urls(client: TestClient, catalog: Catalog) -> Iterator[str]:
    """Every catalogue indicator with values for the dataset: for each region and gemeente,
    its default breakdown, its totals, each allowed breakdown and each pair of them; and its
    map of Twente's gemeenten."""
    for indicator in catalog.summaries():
        values = f"/api/v1/indicators/{indicator.id}/values"
        if not has_values(client, indicator.id):
            continue
        breakdowns = catalog.get(indicator.id).breakdowns
        options = [None, "", *breakdowns, *map(",".join, itertools.combinations(breakdowns, 2))]
        for region in REGION_FILTERS:
            for by in options:
                yield f"{values}?region={region}" + ("" if by is None else f"&by={by}")
        yield f"/api/v1/indicators/{indicator.id}/gemeenten?region_set=twente"


def has_values(client: TestClient, indicator_id: str) -> bool:
    """Does the indicator have values for the crafted dataset's years?"""
    answer = client.get(f"/api/v1/indicators/{indicator_id}/values?region=PV23&by=")
    data = answer.json().get("data", []) if answer.status_code == 200 else []
    return any(r["period"] in PERIODS for r in data)


def page_data(client: TestClient, url: str, catalog: Catalog) -> Iterator[tuple[str, Any]]:
    """The pages: each rendered (200), and its data function's model (what the template
    formats), for every region and drill-down the page offers."""
    from pijplijn.views.overview import overview_view
    from pijplijn.web.pages.goals import goals_page
    from pijplijn.web.pages.indicators import indicator_page
    from pijplijn.web.pages.pipeline import pipeline_page

    pack = load_pack("twente")
    engine = open_engine(url)
    with session_scope(engine) as session:
        assert client.get("/").status_code == 200
        yield "/", overview_view(session, pack, catalog).model_dump(mode="json")
        assert client.get("/doelen").status_code == 200
        yield "/doelen", goals_page(session, catalog).model_dump(mode="json")
        for region, by in itertools.product(("twente", "PV23", *GEMEENTEN), DRILL):
            path = f"/pijplijn?region={region}&year=2020&stage=mbo&by={by}"
            assert client.get(path).status_code == 200
            page = pipeline_page(session, pack, region, 2020, "mbo", by, "nl")
            yield path, page.model_dump(mode="json")
        for indicator in catalog.summaries():
            if not has_values(client, indicator.id):
                continue
            for by in (None, *catalog.get(indicator.id).breakdowns):
                path = f"/indicatoren/{indicator.id}" + (f"?by={by}" if by else "")
                assert client.get(path).status_code == 200, path
                page = indicator_page(session, catalog, pack, indicator.id, "twente", by)
                yield path, page.model_dump(mode="json")
    engine.dispose()


DRILL = ("sector", "level", "pathway", "gender", "institution")
FIGURE_LEAVES = ("value", "total", "in_domain", "outside_domain")


def figures(where: str, data: Any, path: str = "") -> Iterator[tuple[str, str, float | None]]:
    """Yield (identity, period, number) for every count a JSON document publishes: a leaf
    named like a figure whose record says it counts (unit ``count`` or a count measure), or
    that has a period (chart data)."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from figures(where, item, f"{path}/{index}")
        return
    if not isinstance(data, dict):
        return
    counts = data.get("unit") == "count" or data.get("measure") in COUNT_MEASURES
    dated = "period" in data
    for name, item in data.items():
        if name in FIGURE_LEAVES and (counts or dated) and not isinstance(item, dict | list):
            if isinstance(item, bool) or not (item is None or isinstance(item, int | float)):
                continue
            yield f"{where}#{path}/{name}", str(data.get("period")), item
        else:
            yield from figures(where, item, f"{path}/{name}")


def harvest(url: str, catalog: Catalog) -> dict[str, tuple[str, float | None]]:
    found: dict[str, tuple[str, float | None]] = {}
    with TestClient(create_app(Settings(database_url=url))) as client:
        documents: list[tuple[str, Any]] = []
        for path in [*observation_urls(), *indicator_urls(client, catalog)]:
            answer = client.get(path)
            # A question the route refuses (an indicator without that region or breakdown)
            # publishes nothing; a server error would hide what it might publish.
            assert answer.status_code in (200, 400, 404), (path, answer.text[:300])
            if answer.status_code != 200:
                continue
            body = answer.json()
            assert body.get("total", 0) <= 1000, path  # one page holds the whole table
            documents.append((path, body["data"]))
        documents.extend(page_data(client, url, catalog))
    for where, data in documents:
        for identity, period, value in figures(where, data):
            found[identity] = (period, value)
    return found


# --- The attacker's solver --------------------------------------------------------------------


@dataclass
class System:
    """Published figures as equations ``rows @ x = values`` over the cells ``x``."""

    rows: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, equations: dict[tuple[int, ...], float], size: int) -> System:
        rows = np.zeros((len(equations), size))
        for index, cells in enumerate(equations):
            rows[index, list(cells)] = 1.0
        return cls(rows, np.array(list(equations.values()), dtype=float))

    def range_of(self, cell: int) -> tuple[float, float]:
        """The least and greatest value of ``cell`` in any non-negative solution (inf when
        unbounded): linear programming over everything published."""
        size = self.rows.shape[1]
        bounds = []
        for sign in (1.0, -1.0):
            goal = np.zeros(size)
            goal[cell] = sign
            result = linprog(goal, A_eq=self.rows, b_eq=self.values, bounds=(0, None))
            assert result.status in (0, 3), result.message  # feasible: the true cells solve it
            bounds.append(sign * result.fun if result.status == 0 else sign * np.inf)
        return bounds[0], bounds[1]

    def determined(self, cell: int) -> bool:
        """Does everything published leave ``cell`` one integer value only?"""
        low, high = self.range_of(cell)
        return bool(np.isfinite(high) and np.floor(high + 1e-6) <= np.ceil(low - 1e-6))


def decode(probe: float) -> tuple[int, ...] | None:
    """The cells a probe value adds up (bit i: cell i), or None for a value that is no sum."""
    if probe < 0 or probe != int(probe) or probe >= 2 ** len(KEYS):
        return None
    bits = int(probe)
    return tuple(i for i in range(len(KEYS)) if bits >> i & 1)


def equations_from(
    real: dict[str, tuple[str, float | None]],
    probe: dict[str, tuple[str, float | None]],
    truth: np.ndarray,
) -> dict[tuple[int, ...], float]:
    """Every published count as (cells, value), checked against the true cells."""
    equations: dict[tuple[int, ...], float] = {}
    for identity, (period, value) in real.items():
        if value is None:
            continue  # suppressed or missing: publishes nothing
        assert identity in probe, identity  # the same questions have the same answers' shape
        cells = decode(probe[identity][1]) if probe[identity][1] is not None else None
        if cells is None or period not in PERIODS:
            continue
        offset = PERIODS.index(period) * len(KEYS)
        columns = tuple(offset + c for c in cells)
        if not np.isclose(truth[list(columns)].sum(), value):
            continue  # not a sum of cells (a share or a rate): its inputs are figures too
        equations[columns] = value
    return equations


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[System, np.ndarray, int]:
    folder = tmp_path_factory.mktemp("solver")
    values = crafted_values()
    truth = np.zeros(len(values))
    for (period, key), value in values.items():
        truth[column(period, key)] = value
    probes = {(p, k): float(2 ** KEYS.index(k)) for p, k in values}
    catalog = Catalog(load_pack("twente").indicators)
    pages: dict[str, dict[str, tuple[str, float | None]]] = {}
    for name, cells in (("real", values), ("probe", probes)):
        (folder / name).mkdir()
        for url in _fresh_url(folder / name):
            database(url, write_template(folder / f"{name}.csv", cells))
            with pytest.MonkeyPatch.context() as patch:
                # The probe answers the same questions without protection: its sums are exact.
                patch.setenv("PIJPLIJN_DISCLOSURE_THRESHOLD", str(LIMIT if name == "real" else 0))
                pages[name] = harvest(url, catalog)
    equations = equations_from(pages["real"], pages["probe"], truth)
    return System.of(equations, len(truth)), truth, len(pages["real"])


def test_no_cell_of_1_to_4_is_determined_by_everything_published(
    published: tuple[System, np.ndarray, int],
) -> None:
    system, truth, leaves = published
    small = [i for i, v in enumerate(truth) if 0 < v < LIMIT]
    assert len(small) >= 30  # the crafted dataset has many small cells to attack
    # The system is not empty: the routes publish many figures, finest cells and sums of
    # several cells among them (a total over only published cells is published).
    assert leaves > 20_000
    sizes = system.rows.sum(axis=1)
    pinned = [i for i in range(len(truth)) if ((system.rows[:, i] == 1) & (sizes == 1)).any()]
    plain = [i for i, v in enumerate(truth) if not 0 < v < LIMIT]
    assert len(pinned) >= len(plain) // 2, (len(pinned), len(plain))
    assert (sizes >= 2).sum() >= 10, (sizes >= 2).sum()
    determined = [i for i in small if system.determined(i)]
    assert determined == []


REGION_SETS = {None: set(GEMEENTEN), "twente": {"GM0153", "GM0164"}} | {g: {g} for g in GEMEENTEN}
"""What ``region=`` sums: all, Twente's two gemeenten of the dataset, or one gemeente."""


def test_the_solver_finds_what_per_table_protection_gives_away() -> None:
    """The method before this one: each table (a ``by`` combination with a region filter)
    protected against its own margins only, by the rule of ``engine/suppression.py``. The same
    solver finds small cells of the crafted dataset that the tables together give away: a
    region set's cell minus a gemeente's, like 13 - 9 = 4."""
    values = crafted_values()
    truth = np.array([values[(PERIODS[0], key)] for key in KEYS], dtype=float)
    equations: dict[tuple[int, ...], float] = {}
    for size in range(0, 5):
        for by in itertools.combinations(range(len(DIMS)), size):
            for region in REGION_SETS if 0 not in by else [None]:
                table: dict[tuple[str, ...], list[int]] = {}
                for index, key in enumerate(KEYS):
                    if key[0] in REGION_SETS[region]:
                        table.setdefault(tuple(key[d] for d in by), []).append(index)
                cells = list(table.values())
                names = [DIMS[d] for d in by]
                frame = pl.DataFrame(
                    {
                        **{DIMS[d]: [k[n] for k in table] for n, d in enumerate(by)},
                        "value": [float(truth[c].sum()) for c in cells],
                    }
                )
                marks = suppression(frame, names, names, LIMIT).to_list()
                for members, mark in zip(cells, marks, strict=True):
                    if not mark:
                        equations[tuple(members)] = float(truth[members].sum())
    system = System.of(equations, len(KEYS))
    small = [i for i, v in enumerate(truth) if 0 < v < LIMIT]
    given_away = [i for i in small if system.determined(i)]
    assert len(given_away) >= 3, given_away
    # ... and the solver says exactly what they are.
    assert all(system.range_of(i)[0] == pytest.approx(truth[i]) for i in given_away)
