"""The indicator catalogue and engine on the demo data: the seed documents' figures, flags,
bad input with the YAML line, and the cache per data version.

Expected figures are read from the seed CSV here, independently of the engine, and compared
with what the documents print (25%, 15%, +1,643, 22%).
"""

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pijplijn.content.indicators import BREAKDOWNS, DefinitionDef, load_indicators
from pijplijn.content.loader import load_pack
from pijplijn.engine import cube
from pijplijn.engine.indicators import Catalog, evaluate, indicator_values
from pijplijn.engine.indicators.catalog import catalogue_markdown
from pijplijn.engine.indicators.evaluate import CACHE
from pijplijn.engine.version import data_version
from pijplijn.errors import ContentError, QueryError
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.setup import initialise

PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)
SEED = PACK.root / "seed" / "regiovisie.csv"
DOCS = Path(__file__).resolve().parent.parent / "docs"
MEI = "Metaal, elektro- en installatietechniek"
BOUW = "Bouw en grond-, weg- en waterbouw"


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_sum(measure: str, period: str, sector: str | None = None) -> float:
    return sum(
        float(r["value"])
        for r in seed_rows()
        if r["measure"] == measure
        and r["period"] == period
        and r["value"]
        and (sector is None or r["sector"] == sector)
    )


def seed_published(subject: str) -> float:
    return next(float(r["value"]) for r in seed_rows() if r["subject"] == subject)


def values(engine: Engine, indicator: str, **kwargs: object) -> dict[tuple[object, ...], float]:
    with session_scope(engine) as session:
        result = evaluate(session, CATALOG.get(indicator), "twente", **kwargs)  # type: ignore[arg-type]
    return {(v.period, *v.keys.values()): v.value for v in result.values if v.value is not None}


def test_sector_shares_reproduce_the_regiovisie(demo_engine: Engine) -> None:
    shares = values(
        demo_engine,
        "mbo-techniek-sector-aandeel",
        periods=["2011"],
        by=["sector"],
        filters={"institution": "27YU"},
    )
    total = seed_sum("enrolled", "2011")
    assert total == 7028  # the Eindtotaal the Regiovisie prints
    assert shares[("2011", MEI)] == pytest.approx(seed_sum("enrolled", "2011", MEI) / total)
    assert shares[("2011", BOUW)] == pytest.approx(seed_sum("enrolled", "2011", BOUW) / total)
    assert abs(shares[("2011", MEI)] - 0.25) <= 0.005  # "In MEI volgde 25%"
    assert abs(shares[("2011", BOUW)] - 0.15) <= 0.005  # "15% Bouw en GWW"
    assert sum(v for (p, _), v in shares.items() if p == "2011") == pytest.approx(1.0)


def test_transport_grew_by_1643_in_2010(demo_engine: Engine) -> None:
    growth = values(demo_engine, "mbo-techniek-groei", periods=["2010"], by=["sector"])
    sector = "Transport en logistiek"
    expected = seed_sum("enrolled", "2010", sector) - seed_sum("enrolled", "2009", sector)
    assert growth[("2010", sector)] == expected == 1643


def test_growth_since_a_chosen_period(demo_engine: Engine) -> None:
    growth = values(demo_engine, "mbo-techniek-groei-relatief", periods=["2011"], since="2007")
    expected = seed_sum("enrolled", "2011") / seed_sum("enrolled", "2007") - 1
    assert growth == {("2011",): pytest.approx(expected)}


def test_vmbo_t_to_technical_mbo_is_22_percent(demo_engine: Engine) -> None:
    share = values(demo_engine, "vmbo-tl-doorstroom-mbo-techniek")
    expected = seed_published("vmbo-tl-to-mbo-techniek") / seed_published("vmbo-tl-to-mbo")
    assert share == {("2011",): pytest.approx(expected)}
    assert abs(share[("2011",)] - 0.22) <= 0.005


def test_a_product_with_fixed_period_shares_and_its_inputs(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        result = evaluate(session, CATALOG.get("mbo4-hbo-doorstromers"), "twente", periods=["2011"])
    (value,) = result.values
    expected = (
        seed_sum("graduates", "2011")
        * seed_published("mbo4-graduate-share-2008")
        * seed_published("mbo4-to-hbo-share")
    )
    assert value.value == pytest.approx(expected)
    assert round(value.value) == 277
    assert [(i.role, i.period, i.subject) for i in value.inputs] == [
        ("numerator.factor1", "2011", None),
        ("numerator.factor2", "2008", "mbo4-graduate-share-2008"),
        ("numerator.factor3", "2008", "mbo4-to-hbo-share"),
    ]
    assert value.classification == "techniek@2011"
    # ROC van Twente's graduates, not all of Twente's: partial, so not exact.
    assert (value.flag, value.coverage_note, value.exact) == (
        "partial",
        "alleen ROC van Twente",
        False,
    )
    assert [s.source_key for s in result.sources] == ["seed:regiovisie-twente-techniek"]


def test_a_missing_cell_marks_the_sum_and_every_share_built_on_it(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        result = evaluate(session, CATALOG.get("mbo-techniek-diplomas"), "twente", periods=["2010"])
    (value,) = result.values
    assert value.value == seed_sum("graduates", "2010") == 2281
    assert (value.flag, value.exact) == ("missing", False)


def test_no_observations_is_no_value_not_zero(demo_engine: Engine) -> None:
    # Regiovisie 2011 has no pathway breakdown: the BBL share cannot be computed.
    assert values(demo_engine, "mbo-techniek-aandeel-bbl", periods=["2011"]) == {}
    # Technical mbo graduates over a denominator the demo has no observations of.
    base = CATALOG.get("vervangingsvraag-dekking-berekend")
    definition = DefinitionDef.model_validate(
        {
            "from": "2007-01-01",
            "numerator": {"sum": {"measure": "graduates", "stages": ["mbo"], "in_domain": True}},
            "denominator": {
                "sum": {"measure": "replacement_demand", "stages": ["mbo"], "in_domain": True}
            },
        }
    )
    with session_scope(demo_engine) as session:
        result = evaluate(session, base.model_copy(update={"definitions": [definition]}), "twente")
    assert result.values and all(v.value is None for v in result.values)
    assert all(
        v.flag == "missing" and "noemer: geen waarnemingen" in v.notes for v in result.values
    )


def test_an_input_without_a_source_shows_no_data(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        result = evaluate(session, CATALOG.get("spanningsindicator"), "twente")
    assert result.values == []  # the demo has no vacancies either


def test_versioned_definitions_pick_the_one_in_force(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        result = evaluate(
            session,
            CATALOG.get("mbo-techniek-bbl-deelnemers"),
            "twente",
            filters={"institution": "27YU"},
        )
    (value,) = result.values
    expected = seed_published("roc-twente-techniek-bbl-share") * seed_sum("enrolled", "2011")
    assert (value.period, value.value) == ("2011", pytest.approx(expected))
    assert str(value.definition) == "2007-01-01"
    assert "Afgeleid" in value.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": ["gender"]}, "staat uitsplitsen naar 'gender' niet toe"),
        ({"filters": {"pathway": "BBL"}}, "staat selecteren op 'pathway' niet toe"),
        ({"periods": ["2019-2020"]}, "telt per jaar, niet per schooljaar"),
        ({"periods": ["2011X"]}, "is geen periode"),
        ({"classification": "natuur"}, "onbekende classificatie 'natuur'"),
    ],
)
def test_parameters_the_indicator_does_not_allow(
    demo_engine: Engine, kwargs: dict[str, object], message: str
) -> None:
    with session_scope(demo_engine) as session, pytest.raises(QueryError, match=message):
        evaluate(session, CATALOG.get("mbo-techniek-sector-aandeel"), "twente", **kwargs)  # type: ignore[arg-type]


def test_unknown_indicator_and_region(demo_engine: Engine) -> None:
    with pytest.raises(QueryError, match="onbekende indicator 'mbo-tech'; bijv. mbo-techniek"):
        CATALOG.get("mbo-tech")
    with session_scope(demo_engine) as session, pytest.raises(QueryError, match="onbekende regio"):
        evaluate(session, CATALOG.get("mbo-techniek-studenten"), "Tw3nte")


def test_quarters_are_asked_as_quarters(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session, pytest.raises(QueryError, match="kwartalen"):
        evaluate(session, CATALOG.get("vacatures-open"), "twente", periods=["2019"])


CATALOGUE = """\
indicators:
  - id: goed
    group: test
    title: {nl: goed, en: good}
    description: {nl: goed, en: good}
    unit: count
    direction: up
    period_unit: year
    classification: techniek
    sources: [test]
    definitions:
      - from: 2007-01-01
        numerator:
          sum: {measure: enrolled, in_domain: true}
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("measure: enrolled", "measure: enroled", 14, "onbekende maat 'enroled'"),
        ("classification: techniek", "classification: technik", 9, "onbekende classificatie"),
        ("in_domain: true}", "in_domain: true, where: {pathway: BBLL}}", 14, "onbekende waarde"),
        ("unit: count", "unit: counts", 6, "sleutel 'indicators.0.unit'"),
        ("      - from: 2007-01-01", "      - from: 2007-13-01", 12, "sleutel"),
        ("period_unit: year", "period_unit: year\n    breakdowns: [sectr]", 9, "'sectr'"),
    ],
)
def test_bad_catalogue_names_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(CATALOGUE.replace(old, new), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_indicators(path, {"techniek"})
    assert str(caught.value).startswith(f"{path}, regel {line}: ")
    assert message in str(caught.value)


def test_good_catalogue_loads(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    (indicator,) = load_indicators(path, {"techniek"})
    assert indicator.definition_at(indicator.definitions[0].valid_from) is not None


def test_breakdowns_are_cube_dimensions() -> None:
    assert set(BREAKDOWNS) <= set(cube.DIMENSIONS)


def test_the_catalogue_covers_the_issue() -> None:
    ids = {i.id for i in PACK.indicators}
    assert {
        "vmbo-examenkandidaten-techniek",
        "havo-vwo-aandeel-n-profiel",
        "mbo-aandeel-techniek",
        "ho-eerstejaars-aandeel-techniek",
        "ho-eerstejaars-aandeel-betatechniek",
        "mbo-aandeel-vrouwen-binnen-techniek",
        "mbo-aandeel-vrouwen-kiest-techniek",
        "vacatures-open",
        "vacatures-open-groei",
        "spanningsindicator",
        "bedrijvenparticipatie-hightech-mkb",
        "vervangingsvraag-dekking",
        "htsm-aandeel-industriebanen",
    } <= ids


def test_docs_list_every_indicator_and_are_generated() -> None:
    text = (DOCS / "indicators.md").read_text(encoding="utf-8")
    assert [i.id for i in PACK.indicators if f"### `{i.id}`" not in text] == []
    assert text == catalogue_markdown(PACK.indicators, PACK.name), (
        "docs/indicators.md is out of date; regenerate it (see its first lines)"
    )


def test_results_are_cached_per_data_version_and_imports_invalidate(
    empty_engine: Engine, tmp_path: Path
) -> None:
    initialise(empty_engine, PACK, demo=True)
    CACHE.clear()

    def totals() -> dict[str, float | None]:
        with session_scope(empty_engine) as session:
            result = indicator_values(
                session, CATALOG, "mbo-techniek-studenten", "twente", periods=["2011", "2012"]
            )
        return {v.period: v.value for v in result.values}

    with session_scope(empty_engine) as session:
        before = data_version(session)
    assert totals() == {"2011": 7028}
    misses = CACHE.misses
    assert totals() == {"2011": 7028} and CACHE.misses == misses  # served from the cache
    extra = tmp_path / "roc-2012.csv"
    extra.write_text(
        "measure,period,region,institution,stage,sector,value\n"
        f'enrolled,2012,twente,27YU,mbo,"{MEI}",1700\n',
        encoding="utf-8",
    )
    outcomes = import_files(empty_engine, PACK, [extra])
    assert outcomes[0].load is not None
    with session_scope(empty_engine) as session:
        assert data_version(session) != before
    assert totals() == {"2011": 7028, "2012": 1700}
    assert CACHE.misses == misses + 1


def test_each_period_sums_its_own_sectors(demo_engine: Engine) -> None:
    per_period: dict[str, float] = defaultdict(float)
    for row in seed_rows():
        if row["measure"] == "enrolled":
            per_period[row["period"]] += float(row["value"])
    totals = values(demo_engine, "mbo-techniek-studenten")
    assert {p: v for (p,), v in totals.items()} == dict(per_period)
