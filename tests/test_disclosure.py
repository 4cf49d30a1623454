"""Disclosure control per dataset: open data shown as published, protected data under the
threshold rule with secondary suppression. A crafted protected table where a small cell could be
recovered from the total by subtraction, through the engine's public cube, and the rule's
properties."""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pijplijn.content.loader import load_pack
from pijplijn.engine.cube import CubeQuery, CubeRow
from pijplijn.engine.disclosure import protect_rows, published, suppression
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise

SECTORS = ("bouw", "ict", "metaal", "zorg")
GENDERS = ("man", "vrouw")


def crafted(values: dict[tuple[str, str], float]) -> list[CubeRow]:
    return [
        CubeRow(
            "enrolled", "2019", {"sector": s, "gender": g}, v, None, 1, "count", policy="protected"
        )
        for (s, g), v in values.items()
    ]


def recoverable(table: dict[tuple[str, ...], float | None], limit: int) -> list[tuple[str, ...]]:
    """Cells with 0 < value < limit that a reader can give back from a published margin: the
    only hidden cell in its row or column, or hidden with others that sum below the limit."""
    found = []
    keys = list(table)
    for axis in range(len(keys[0])):
        groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for key in keys:
            groups.setdefault(key[:axis] + key[axis + 1 :], []).append(key)
        for members in groups.values():
            hidden = [k for k in members if table[k] is None]
            if len(members) > 1 and hidden and len(hidden) < len(members):
                true = sum(ORIGINAL[k] for k in hidden)
                if len(hidden) == 1 or true < limit:
                    found.extend(hidden)
    return found


ORIGINAL: dict[tuple[str, ...], float] = {}


def test_a_small_cell_cannot_be_recovered_from_the_published_total() -> None:
    values = {
        ("bouw", "man"): 120.0,
        ("bouw", "vrouw"): 3.0,  # 123 − 120 would give it back
        ("ict", "man"): 80.0,
        ("ict", "vrouw"): 15.0,
        ("metaal", "man"): 60.0,
        ("metaal", "vrouw"): 9.0,
        ("zorg", "man"): 20.0,
        ("zorg", "vrouw"): 200.0,
    }
    query = CubeQuery(measure="enrolled", by=("sector", "gender"))
    rows = protect_rows(crafted(values), query, 5)
    shown = {(r.keys["sector"], r.keys["gender"]): r.value for r in rows}
    assert shown[("bouw", "vrouw")] is None
    # Along gender (the sector total) and along sector (the vrouw total) a second cell goes.
    assert shown[("bouw", "man")] is None
    hidden_vrouw = [s for s in SECTORS if shown[(s, "vrouw")] is None]
    assert len(hidden_vrouw) >= 2
    assert all(r.flag == "suppressed" for r in rows if r.value is None)
    ORIGINAL.clear()
    ORIGINAL.update(values)
    assert recoverable(dict(shown), 5) == []
    # Published cells keep their value exactly.
    assert all(shown[k] == v for k, v in values.items() if shown[k] is not None)


def test_two_small_cells_that_sum_below_the_threshold_take_a_third() -> None:
    values = {("bouw", "man"): 1.0, ("ict", "man"): 2.0, ("metaal", "man"): 50.0}
    rows = protect_rows(
        [
            CubeRow("enrolled", "2019", {"sector": s}, v, None, 1, "count", policy="protected")
            for (s, _), v in values.items()
        ],
        CubeQuery(measure="enrolled", by=("sector",)),
        5,
    )
    assert [r.value for r in rows] == [None, None, None]


def test_zero_and_shares_are_not_suppressed_and_threshold_zero_turns_it_off() -> None:
    rows = [
        CubeRow("enrolled", "2019", {"sector": "bouw"}, 0.0, None, 1, "count", policy="protected"),
        CubeRow("enrolled", "2019", {"sector": "ict"}, 40.0, None, 1, "count", policy="protected"),
    ]
    query = CubeQuery(measure="enrolled", by=("sector",))
    assert [r.value for r in protect_rows(rows, query, 5)] == [0.0, 40.0]
    small = [CubeRow("enrolled", "2019", {}, 2.0, None, 1, "count", policy="protected")]
    assert protect_rows(small, CubeQuery(measure="enrolled"), 0)[0].value == 2.0
    assert protect_rows(small, CubeQuery(measure="enrolled"), 5)[0].value is None


def test_open_rows_are_shown_as_published_beside_protected_ones() -> None:
    rows = [
        CubeRow("enrolled", "2019", {"sector": "bouw"}, 3.0, None, 1, "count"),
        CubeRow("enrolled", "2019", {"sector": "ict"}, 40.0, None, 1, "count"),
    ]
    query = CubeQuery(measure="enrolled", by=("sector",))
    assert [r.value for r in protect_rows(rows, query, 5)] == [3.0, 40.0]
    # The same figures from a protected dataset: the 3 goes, and so does the 40 beside it.
    mixed = [rows[0], replace(rows[1], policy="protected"), replace(rows[0], keys={"sector": "x"})]
    mixed[2] = replace(mixed[2], policy="protected", value=2.0)
    assert [r.value for r in protect_rows(mixed, query, 5)] == [3.0, None, None]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.integers(1, 6), st.integers(0, 300)), min_size=12, max_size=12),
    st.integers(2, 10),
)
def test_no_suppressed_cell_is_recoverable_in_any_table(cells: list[int], limit: int) -> None:
    keys = list(itertools.product(("a", "b", "c"), ("x", "y", "z", "w")))
    frame = pl.DataFrame(
        {"r": [k[0] for k in keys], "c": [k[1] for k in keys], "value": [float(v) for v in cells]}
    )
    marks = suppression(frame, ["r", "c"], ["r", "c"], limit).to_list()
    table = {k: (None if m else float(v)) for k, v, m in zip(keys, cells, marks, strict=True)}
    ORIGINAL.clear()
    ORIGINAL.update({k: float(v) for k, v in zip(keys, cells, strict=True)})
    assert all(table[k] is None for k, v in ORIGINAL.items() if 0 < v < limit)
    assert recoverable(table, limit) == []


SEED = Path(__file__).resolve().parent.parent / "src/pijplijn/content/twente/seed/regiovisie.csv"


def seed_cells() -> dict[tuple[str, str], float]:
    """The Regiovisie's ROC van Twente enrolments per (period, sector), from the seed CSV."""
    cells: dict[tuple[str, str], float] = defaultdict(float)
    with SEED.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["measure"] == "enrolled" and row["institution"] == "27YU":
                cells[(row["period"], row["sector"])] += float(row["value"])
    return dict(cells)


SEED_QUERY = CubeQuery(measure="enrolled", institution="27YU", by=("period", "sector"))


@pytest.mark.parametrize("limit", [5, 10])
def test_the_open_seed_tables_are_shown_cell_for_cell_as_printed(
    demo_url: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIJPLIJN_DISCLOSURE_THRESHOLD", str(limit))
    engine = open_engine(demo_url)
    with session_scope(engine) as session:
        rows = published(session, SEED_QUERY)
    engine.dispose()
    expected = seed_cells()
    assert len(expected) == 55
    assert {(r.period, r.keys["sector"]): r.value for r in rows} == expected
    assert all(r.flag is None and r.policy == "open" for r in rows)
    # The Regiovisie prints small cells too; they are the publisher's, shown as printed.
    assert any(0 < v < limit for v in expected.values())


@pytest.mark.parametrize("limit", [5, 10])
def test_the_seed_marked_protected_hides_every_small_count(
    database_url: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIJPLIJN_DISCLOSURE_THRESHOLD", str(limit))
    engine = open_engine(database_url)
    pack = load_pack("twente")
    initialise(engine, pack, demo=True)
    # The same release again, declared protected: only its policy changes.
    [outcome] = import_files(engine, pack, [SEED], kind="template", disclosure="protected")
    assert outcome.load is not None and outcome.load.status == "reclassified"
    with session_scope(engine) as session:
        rows = published(session, SEED_QUERY)
    engine.dispose()
    expected = seed_cells()
    shown = {(r.period, r.keys["sector"]): r.value for r in rows}
    assert shown.keys() == expected.keys()
    assert all(shown[k] is None for k, v in expected.items() if 0 < v < limit)
    assert all(v is None or v == expected[k] for k, v in shown.items())
    assert all(r.flag == "suppressed" for r in rows if r.value is None)
    per_period: dict[str, int] = {}
    for r in rows:
        per_period[r.period] = per_period.get(r.period, 0) + (r.value is None)
    assert all(n != 1 for n in per_period.values())
    assert sum(per_period.values()) > sum(1 for v in expected.values() if 0 < v < limit)


def test_a_crafted_protected_dataset_is_protected_through_the_public_cube(
    database_url: str, tmp_path: Path
) -> None:
    values = {
        ("bouw", "man"): 120,
        ("bouw", "vrouw"): 3,  # 123 − 120 would give it back
        ("ict", "man"): 80,
        ("ict", "vrouw"): 15,
        ("metaal", "man"): 60,
        ("metaal", "vrouw"): 9,
        ("zorg", "man"): 20,
        ("zorg", "vrouw"): 200,
    }
    path = tmp_path / "partner-registratie.csv"  # synthetic
    path.write_text(
        "measure,period,region,stage,sector,gender,value\n"
        + "".join(f"enrolled,2019,GM0153,mbo,{s},{g},{v}\n" for (s, g), v in values.items()),
        encoding="utf-8",
    )
    engine = open_engine(database_url)
    pack = load_pack("twente")
    initialise(engine, pack, demo=False)
    [outcome] = import_files(engine, pack, [path])  # the pack makes template files protected
    assert outcome.parsed.info.disclosure == "protected"
    with session_scope(engine) as session:
        cells = published(session, CubeQuery(measure="enrolled", by=("sector", "gender")))
        totals = published(session, CubeQuery(measure="enrolled", by=("sector",)))
        vrouw = published(session, CubeQuery(measure="enrolled", filters={"gender": "vrouw"}))
    engine.dispose()
    shown = {(r.keys["sector"], r.keys["gender"]): r.value for r in cells}
    assert shown[("bouw", "vrouw")] is None and shown[("bouw", "man")] is None
    assert len([s for s in SECTORS if shown[(s, "vrouw")] is None]) >= 2
    ORIGINAL.clear()
    ORIGINAL.update({k: float(v) for k, v in values.items()})
    assert recoverable(dict(shown), 5) == []
    assert all(shown[k] == v for k, v in values.items() if shown[k] is not None)
    # A total over a hidden cell is not published either, not even as a lower bound.
    assert {r.keys["sector"]: r.value for r in totals}["bouw"] is None
    assert [(r.value, r.flag) for r in vrouw] == [(None, "suppressed")]


def test_a_total_the_dataset_stores_keeps_its_parts_protected() -> None:
    """A protected dataset with its source's total beside the parts (gender empty = total):
    53 − 50 would give the 3 back, so the 50 goes too; without a stored total only the 3."""
    from pijplijn.engine.cells import OBSERVATION_DIMS
    from pijplijn.engine.protected import suppressed_cells

    def frame(genders: list[str | None], values: list[float]) -> pl.DataFrame:
        base = {d: [None] * len(values) for d in OBSERVATION_DIMS}
        base |= {"dataset_id": [1] * len(values), "measure": ["enrolled"] * len(values)}
        base |= {"period": ["2019"] * len(values), "unit": ["count"] * len(values)}
        base |= {"region_code": ["GM0153"] * len(values), "gender": genders, "value": values}
        return pl.DataFrame(base, schema_overrides={"value": pl.Float64, "dataset_id": pl.Int64})

    with_total = frame([None, "man", "vrouw"], [53.0, 3.0, 50.0])
    assert suppressed_cells(with_total, 5).to_list() == [False, True, True]
    parts_only = frame(["man", "vrouw"], [3.0, 50.0])
    assert suppressed_cells(parts_only, 5).to_list() == [True, False]
