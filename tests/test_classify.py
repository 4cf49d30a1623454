"""Versioned classifications applied at query time."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pijplijn.content.loader import load_pack
from pijplijn.engine.classify import choose, list_classifications
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.errors import QueryError
from pijplijn.ingest.template import KnownCodes, parse_template_csv, template_info
from pijplijn.store.db import session_scope
from pijplijn.store.load import load_source
from pijplijn.store.setup import initialise

ROWS = """measure,period,region,stage,sector,value
enrolled,2018,twente,mbo,techniek,100
enrolled,2018,twente,mbo,economie,50
enrolled,2019,twente,mbo,techniek,110
enrolled,2019,twente,mbo,economie,40
enrolled,2019,twente,havo,N&T / N&G,7
enrolled,2019,twente,havo,E&M,9
enrolled,2019,twente,hbo,natuur,5
enrolled,2019,twente,hbo,techniek,11
"""


@pytest.fixture
def engine_with_rows(empty_engine: Engine, tmp_path: Path) -> Engine:
    initialise(empty_engine, load_pack("twente"), demo=False)
    path = tmp_path / "rows.csv"
    path.write_text(ROWS, encoding="utf-8")
    known = KnownCodes(regions=frozenset({"twente"}), institutions=frozenset())
    parsed = parse_template_csv(path, template_info(path, "t", "t", "t", "t", None), known)
    with session_scope(empty_engine) as session:
        load_source(session, parsed)
    return empty_engine


def by_domain(engine: Engine, classification: str, stage: str) -> dict[tuple[str, str], float]:
    with session_scope(engine) as session:
        rows = query(
            session,
            CubeQuery(
                measure="enrolled",
                stage=stage,
                by=("period", "domain"),
                classification=classification,
            ),
        )
    return {(r.period, r.keys["domain"]): r.value for r in rows if r.value is not None}


def test_rules_per_stage(engine_with_rows: Engine) -> None:
    assert by_domain(engine_with_rows, "techniek", "havo") == {
        ("2019", "techniek"): 7,
        ("2019", "overig"): 9,
    }
    assert by_domain(engine_with_rows, "techniek", "hbo") == {
        ("2019", "techniek"): 11,
        ("2019", "overig"): 5,
    }
    assert by_domain(engine_with_rows, "betatechniek", "hbo") == {("2019", "betatechniek"): 16}


def test_version_in_force_per_period_or_pinned(engine_with_rows: Engine) -> None:
    with session_scope(engine_with_rows) as session:
        rows = query(
            session,
            CubeQuery(
                measure="enrolled",
                stage="mbo",
                by=("domain",),
                classification="techniek",
                filters={"domain": "techniek"},
            ),
        )
        pinned = query(
            session,
            CubeQuery(
                measure="enrolled",
                stage="mbo",
                by=("domain",),
                classification="techniek@2011",
                filters={"domain": "techniek"},
            ),
        )
    assert [(r.period, r.value, r.classification) for r in rows] == [
        ("2018", 100, "techniek@2011"),
        ("2019", 110, "techniek@2019"),
    ]
    assert [r.classification for r in pinned] == ["techniek@2011", "techniek@2011"]


def test_seed_bedrijfstak_labels_are_techniek_under_every_version(demo_engine: Engine) -> None:
    for version in ("techniek@2011", "techniek@2019"):
        with session_scope(demo_engine) as session:
            rows = query(
                session,
                CubeQuery(
                    measure="enrolled", institution="27YU", by=("domain",), classification=version
                ),
            )
        assert {(r.period, r.keys["domain"]): r.value for r in rows} == {
            ("2007", "techniek"): 6303,
            ("2008", "techniek"): 6765,
            ("2009", "techniek"): 7411,
            ("2010", "techniek"): 8844,
            ("2011", "techniek"): 7028,
        }


def test_listing_shows_what_each_version_changed(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        summaries = {f"{s.name}@{s.version}": s for s in list_classifications(session)}
    change = summaries["techniek@2019"]
    assert [(c.stage, c.field, c.match) for c in change.added] == [
        ("mbo", "opleidingsdomein", "Informatie en communicatietechnologie"),
        ("mbo", "opleidingsdomein", "Transport, scheepvaart en logistiek"),
    ]
    assert change.removed == []
    assert summaries["techniek@2011"].removed == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [("ict", "onbekende classificatie 'ict'"), ("techniek@1999", "geen versie '1999'")],
)
def test_unknown_classification(demo_engine: Engine, spec: str, message: str) -> None:
    with session_scope(demo_engine) as session, pytest.raises(QueryError, match=message):
        choose(session, spec)


def test_domain_needs_a_classification(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session, pytest.raises(QueryError, match="classificatie"):
        query(session, CubeQuery(measure="enrolled", by=("domain",)))
