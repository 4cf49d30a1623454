"""ROA's national demand per technical beroepsgroep in the content pack: the shipped subset
re-derived from the raw table (fails on drift), loaded by ``init --demo`` through the pack's
declared import, and superseded, not doubled, when the whole table is imported."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.ingest.roa import derive_pack_table
from pijplijn.store.db import session_scope
from pijplijn.store.models import Dataset

PACK = load_pack("twente")
SHIPPED = PACK.root / "seed" / "roa_ais2030_techniek_brc.csv"


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def technical(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The raw rows of BRC beroepsklasse 07, read independently of pijplijn."""
    return [
        r for r in rows if len(r["brc_beroepsgroep"]) == 4 and r["brc_beroepsgroep"][:2] == "07"
    ]


def test_shipped_table_is_the_raw_subset(shared_data: Path) -> None:
    raw = shared_data / "roa" / "roa_ais2030_nationaal_brc.csv"
    assert PACK.labour is not None
    assert derive_pack_table(raw, PACK.labour.technical_occupations.brc_prefix) == (
        SHIPPED.read_text(encoding="utf-8")
    ), "pack copy drifted: run `pijplijn labour --derive-pack ../shared/data/roa/...`"
    shipped = raw_rows(SHIPPED)
    expected = technical(raw_rows(raw))
    assert len(expected) == 24
    assert [r for r in shipped if r["brc_beroepsgroep"] != "999999"] == expected
    assert [r["vervangingsvraag_aantal"] for r in shipped if r["brc_beroepsgroep"] == "999999"] == [
        "1770200"
    ]


def test_demo_has_the_national_technical_demand(demo_engine: Engine) -> None:
    expected = technical(raw_rows(SHIPPED))
    with session_scope(demo_engine) as session:
        rows = query(
            session, CubeQuery(measure="replacement_demand", region="NL01", by=("sector",))
        )
        rates = query(session, CubeQuery(measure="replacement_rate", region="NL01", by=("sector",)))
        dataset = session.scalars(
            select(Dataset).where(Dataset.source_key == "roa:ais2030-brc")
        ).one()
    found = {r.keys["sector"]: r.value for r in rows}
    assert {code: found[code] for code in (r["brc_beroepsgroep"] for r in expected)} == {
        r["brc_beroepsgroep"]: float(r["vervangingsvraag_aantal"]) for r in expected
    }
    assert {r.keys["sector"]: r.value for r in rates}["0712"] == pytest.approx(
        float(next(r for r in expected if r["brc_beroepsgroep"] == "0712")[
            "vervangingsvraag_perc_6jr"
        ]) / 100
    )  # fmt: skip
    assert dataset.licence == "CC BY 4.0"
    assert "10.34894/DVQTOG" in dataset.source and "Jobsy" in dataset.source


def test_full_import_supersedes_the_pack_copy(shared_data: Path, real_engine: Engine) -> None:
    raw = {
        r["brc_beroepsgroep"]: r
        for r in raw_rows(shared_data / "roa" / "roa_ais2030_nationaal_brc.csv")
    }
    with session_scope(real_engine) as session:
        rows = query(
            session, CubeQuery(measure="replacement_demand", region="NL01", by=("sector",))
        )
    found = {r.keys["sector"]: r.value for r in rows}
    assert found["0781"] == float(raw["0781"]["vervangingsvraag_aantal"])  # not twice
    assert found["0111"] == float(raw["0111"]["vervangingsvraag_aantal"])  # the full table's


def test_derive_pack_refuses_another_file(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    before = SHIPPED.read_bytes()
    result = CliRunner().invoke(app, ["labour", "--derive-pack", str(wrong)])
    assert result.exit_code == 2
    assert "wrong.csv" in result.output and "brc_beroepsgroep" in result.output
    assert SHIPPED.read_bytes() == before


def test_a_near_miss_header_names_the_roa_layout(tmp_path: Path, database_url: str) -> None:
    """The layout registry lists the ROA table, so detection names it as the closest layout
    for a renamed column; nothing is written (exit 2)."""
    header = SHIPPED.read_text(encoding="utf-8").splitlines()[0]
    near = tmp_path / "roa_hernoemd.csv"
    near.write_text(
        header.replace("vervangingsvraag_aantal", "vervanging_aantal") + "\n", encoding="utf-8"
    )
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    result = runner.invoke(app, ["import", str(near), "--database", database_url])
    assert result.exit_code == 2
    assert (
        "'roa-brc'" in result.output
        and "'vervangingsvraag_aantal' → 'vervanging_aantal'" in result.output
    )
