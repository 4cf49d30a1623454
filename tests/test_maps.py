"""Maps: the shipped gemeente shapes are reproducible from the boundaries file, and the
indicator per gemeente uses each gemeente's own figures only, computed from the raw file."""

import json
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from pijplijn import charts
from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.content.shapes import SHAPES_FILE, derive_shapes, write_shapes
from pijplijn.engine.indicators import Catalog
from pijplijn.engine.indicators.geography import gemeente_values
from pijplijn.errors import PijplijnError, QueryError
from pijplijn.store.db import session_scope
from test_indicators_real import raw, vo_cells

PACK = load_pack("twente")
CATALOG = Catalog(PACK.indicators)
TWENTE = next(s.members for s in PACK.region_sets if s.code == "twente")


def rings(feature: dict) -> list[tuple[bool, list[list[float]]]]:
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [(i == 0, ring) for polygon in polygons for i, ring in enumerate(polygon)]


def signed_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))


def test_shipped_shapes_are_derived_from_the_boundaries_file(
    shared_data: Path, tmp_path: Path
) -> None:
    derived = derive_shapes(shared_data / "geo" / "gemeenten.geojson", TWENTE)
    write_shapes(derived, tmp_path / SHAPES_FILE)
    shipped = (PACK.root / SHAPES_FILE).read_text("utf-8")
    assert (tmp_path / SHAPES_FILE).read_text("utf-8") == shipped
    assert PACK.shapes is not None and "CBS/Kadaster" in PACK.shapes["attribution"]
    assert sorted(f["properties"]["code"] for f in PACK.shapes["features"]) == sorted(TWENTE)
    source = json.loads((shared_data / "geo" / "gemeenten.geojson").read_text("utf-8"))
    original = sum(len(str(f["geometry"])) for f in source["features"])
    assert len(shipped) < original / 10  # 14 simplified gemeenten, not a copy of the file


def test_rings_are_closed_and_wound_for_d3() -> None:
    assert PACK.shapes is not None
    for feature in PACK.shapes["features"]:
        for exterior, ring in rings(feature):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            # d3-geo: exterior rings clockwise (negative planar area), holes anticlockwise.
            assert (signed_area(ring) < 0) == exterior, feature["properties"]["name"]
            assert all(6.2 < x < 7.1 and 52.0 < y < 52.6 for x, y in ring)


def test_bad_boundaries_files_give_one_clear_error(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.geojson"
    wrong.write_text('{"type": "FeatureCollection", "features": []}', "utf-8")
    with pytest.raises(PijplijnError, match="geen grens voor GM0141"):
        derive_shapes(wrong, TWENTE)
    broken = tmp_path / "broken.geojson"
    broken.write_text("gemeenteCode;naam\nGM0141;Almelo\n", "utf-8")
    with pytest.raises(PijplijnError, match="geen leesbare GeoJSON"):
        derive_shapes(broken, TWENTE)
    result = CliRunner().invoke(app, ["shapes", str(broken), "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "geen leesbare GeoJSON" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_cli_writes_the_shapes(shared_data: Path, tmp_path: Path) -> None:
    target = tmp_path / "shapes.geojson"
    result = CliRunner().invoke(
        app, ["shapes", str(shared_data / "geo" / "gemeenten.geojson"), "--out", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert "14 gemeenten" in result.stdout
    assert target.read_text("utf-8") == (PACK.root / SHAPES_FILE).read_text("utf-8")


def test_vmbo_techniek_per_gemeente_from_the_raw_file(
    real_engine: Engine, shared_data: Path
) -> None:
    code_of = {name: code for code, name in gemeente_names().items()}
    expected: dict[str, float] = defaultdict(float)
    for row in raw(shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv"):
        code = code_of.get(row["GEMEENTENAAM"])
        if (
            code
            and row["ONDERWIJSTYPE VO"] == "VMBO"
            and row["OPLEIDINGSNAAM"].endswith("- techniek")
        ):
            expected[code] += vo_cells(row, "2023-2024", ("MAN", "VROUW"))[0]
    with session_scope(real_engine) as session:
        found = gemeente_values(session, CATALOG, "vmbo-examenkandidaten-techniek", "twente")
        with pytest.raises(QueryError, match="geen cijfers per gemeente"):
            gemeente_values(session, CATALOG, "vmbo-examenkandidaten-techniek", "twente", "2011")
    assert found.period == found.periods[-1] == "2023-2024"
    assert [v.code for v in found.values] == sorted(TWENTE)
    values = {v.code: v.value for v in found.values}
    assert {c: v for c, v in values.items() if v is not None} == pytest.approx(dict(expected))
    # A gemeente without a school of its own has no figure: None and 'missing', never 0.
    for value in found.values:
        if value.code not in expected:
            assert value.value is None and value.flag == "missing" and not value.exact
    assert found.sources and all(s.source_key for s in found.sources)


def test_a_gemeente_never_borrows_its_provinces_figures(real_engine: Engine) -> None:
    # Vacancies exist for provinces only: no gemeente has a figure of its own.
    with session_scope(real_engine) as session:
        found = gemeente_values(session, CATALOG, "vacatures-open", "twente")
    assert found.period is None and all(v.value is None for v in found.values)


def test_choropleth_spec_greys_out_gemeenten_without_a_value() -> None:
    assert PACK.shapes is not None
    values = [{"code": "GM0153", "name": "Enschede", "value": 0.25}]
    spec = charts.choropleth_chart(PACK.shapes, values, "share", "Titel", "Beschrijving")
    features = spec["datasets"]["table"]
    by_code = {f["properties"]["code"]: f["properties"]["value"] for f in features}
    assert by_code["GM0153"] == 0.25 and by_code["GM0141"] is None
    assert spec["description"] == "Beschrijving"
    assert spec["layer"][1]["transform"] == [{"filter": "isValid(datum.properties.value)"}]


def gemeente_names() -> dict[str, str]:
    """Code -> the raw file's spelling of the name (upper case, without '(O.)')."""
    assert PACK.shapes is not None
    return {
        f["properties"]["code"]: f["properties"]["name"].upper().replace(" (O.)", "")
        for f in PACK.shapes["features"]
    }
