"""Batched queries (issue #19 point 2): the data version is read once per transaction, a
classification decides each distinct label once, and the projection reads its inputs in a
small, fixed number of statements, with the same figures as a read shared by several regions.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, event, select

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import OTHER_DOMAIN, load_projection
from pijplijn.engine import classify
from pijplijn.engine.cache import _SHARED
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.engine.projection.model import build_structure
from pijplijn.engine.projection.observed import load_observed
from pijplijn.engine.version import data_version
from pijplijn.ingest.context import normalise_place
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.models import Observation, Region
from pijplijn.store.setup import initialise

PACK = load_pack("twente")
CONTENT = load_projection(PACK)
STRUCTURE = build_structure(CONTENT.domain, OTHER_DOMAIN, CONTENT.rates)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements ``engine`` sends while the block runs."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_data_version_is_read_once_per_transaction_and_again_after_a_write(
    database_url: str,
) -> None:
    engine = open_engine(database_url)
    initialise(engine, PACK, demo=False)
    with session_scope(engine) as session, statements(engine) as seen:
        first = data_version(session)
        assert data_version(session) == data_version(session) == first
    assert sum("data_state" in s for s in seen) == 1
    with session_scope(engine) as session:
        session.add(Region(code="GM9999", name="Proefgemeente", kind="gemeente"))
    with session_scope(engine) as session:
        assert data_version(session) != first
    engine.dispose()


def test_a_classification_decides_each_distinct_label_once(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []
    original = classify.ClassificationVersion.domain

    def counted(
        self: classify.ClassificationVersion, stage: str | None, values: dict[str, str | None]
    ) -> str:
        calls.append((self.label, stage, tuple(sorted(values.items()))))
        return original(self, stage, values)

    monkeypatch.setattr(classify.ClassificationVersion, "domain", counted)
    _SHARED.clear()
    with session_scope(demo_engine) as session:
        rows = query(
            session,
            CubeQuery(measure="enrolled", by=("region", "domain"), classification="techniek"),
        )
        grouped = session.execute(
            select(Observation.period, Observation.region_code, Observation.sector)
            .where(Observation.measure == "enrolled", Observation.active.is_(True))
            .distinct()
        ).all()
    # The cube sums per period, region and the labels the rules read; the rules ran once per
    # distinct label, not once per grouped row (the demo repeats each sector per gemeente).
    assert rows and calls
    assert len(calls) == len(set(calls)) < len(grouped)


def test_projection_reads_its_inputs_in_a_fixed_number_of_statements(
    demo_engine: Engine,
) -> None:
    _SHARED.clear()
    with session_scope(demo_engine) as session, statements(demo_engine) as seen:
        observed = load_observed(session, STRUCTURE, CONTENT, ["twente"])
    assert observed.years
    subjects = sum(1 for figures in observed.published.values() if figures)
    assert subjects >= 5  # the demo has the published shares the pack's rates read
    # mbo, vo, hbo, wo, graduates, gender and the datasets of each, the published figures,
    # the classification, the regions, the data version, and each dataset's coverage and
    # disclosure policy: not one statement per subject (35 here; 93 before the batching,
    # when each subject and each cube query read its own).
    assert len(seen) <= 40, len(seen)
    # The published figures are those the cube gives subject by subject.
    with session_scope(demo_engine) as session:
        for subject, figures in observed.published.items():
            expected = [
                (m, r.period, r.keys["region"], r.keys["stage"], r.keys["level"], r.value, r.flag)
                for m in ("published_share", "published_count")
                for r in query(
                    session,
                    CubeQuery(
                        measure=m,
                        by=("region", "stage", "level", "dataset"),
                        filters={"subject": subject},
                    ),
                )
            ]
            found = [
                (p.measure, p.period, p.region, p.stage, p.level, p.value, p.flag) for p in figures
            ]
            assert found == expected, subject


def test_one_region_read_alone_gets_the_figures_of_a_read_shared_with_others(
    real_url: str,
) -> None:
    engine = open_engine(real_url)
    with session_scope(engine) as session:
        alone = load_observed(session, STRUCTURE, CONTENT, ["twente"])
        shared = load_observed(session, STRUCTURE, CONTENT, ["twente", "PV23"])
    engine.dispose()
    assert alone.published == shared.published
    for i, year in enumerate(alone.years):
        j = shared.years.index(year)
        assert np.array_equal(alone.values[0, :, i], shared.values[0, :, j], equal_nan=True)
    assert np.nansum(alone.values) > 0


def test_the_typical_domain_query_matches_the_raw_mbo_file(
    real_url: str, shared_data: Path
) -> None:
    # Expected from the raw files: the gemeenten of Twente by name (koppelcodes), the
    # institutions placed there (PLAATSNAAM), MAN + VROUW per year (TOTAAL where both are
    # blank), techniek@2019 = sector techniek or one of its two opleidingsdomeinen. The
    # store's mbo enrolment of 2015-2019 comes from this file only (the seed ends in 2011).
    members = next(s.members for s in PACK.region_sets if s.code == "twente")
    with open(shared_data / "geo/koppelcodes_gemeenten.csv", encoding="utf-8-sig") as handle:
        names = {
            normalise_place(r["gemeenteNaam"])
            for r in csv.DictReader(handle, delimiter=";")
            if r["gemeentCode"] in members
        }
    expected: dict[tuple[str, str], int] = defaultdict(int)
    domains = {"Informatie en communicatietechnologie", "Transport, scheepvaart en logistiek"}
    with open(shared_data / "duo/mbo_deelnemers_2015-2019.csv", encoding="utf-8") as handle:
        for r in csv.DictReader(handle, delimiter=";"):
            if normalise_place(r["PLAATSNAAM"] or "") not in names:
                continue
            techniek = r["MBO SECTOR"].strip().lower() == "techniek" or r["DOMEIN"] in domains
            for year in range(2015, 2020):
                parts = [(r[f"{part}{year}"] or "").strip() for part in ("MAN", "VROUW")]
                known = [int(p) for p in parts if p]
                total = (r[f"TOTAAL{year}"] or "").strip()
                count = sum(known) if known else (int(total) if total else 0)
                expected[(str(year), "techniek" if techniek else "overig")] += count
    engine = open_engine(real_url)
    with session_scope(engine) as session:
        rows = query(
            session,
            CubeQuery(
                measure="enrolled",
                region="twente",
                stage="mbo",
                periods=tuple(str(y) for y in range(2015, 2020)),
                by=("domain",),
                classification="techniek@2019",
            ),
        )
    engine.dispose()
    assert {(r.period, r.keys["domain"]): r.value for r in rows} == {
        key: float(value) for key, value in expected.items()
    }
