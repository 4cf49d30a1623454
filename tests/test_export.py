"""pijplijn export: every format from the same tables; the data package validates; the XLSX
has a frozen header and number types; suppressed values are empty, never 0."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()


def export(fmt: str, out: Path, url: str) -> None:
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out), "--database", url])
    assert result.exit_code == 0, result.output


def test_datapackage_validates(demo_url: str, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    export("datapackage", tmp_path / "pkg", demo_url)
    descriptor = json.loads((tmp_path / "pkg" / "datapackage.json").read_text("utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == [
        "observations",
        "indicator-values",
        "goals",
        "datasets",
    ]
    report = frictionless.validate(tmp_path / "pkg" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_xlsx_sheets_frozen_headers_and_number_types(demo_url: str, tmp_path: Path) -> None:
    export("xlsx", tmp_path / "monitor.xlsx", demo_url)
    sheets = pl.read_excel(tmp_path / "monitor.xlsx", sheet_id=0)
    assert list(sheets) == ["observations", "indicator_values", "goals", "datasets"]
    assert sheets["observations"].schema["value"] == pl.Float64
    assert sheets["datasets"].schema["dataset_id"] == pl.Int64
    import zipfile

    with zipfile.ZipFile(tmp_path / "monitor.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet


def test_parquet_and_csv_hold_the_same_protected_observations(
    database_url: str, tmp_path: Path
) -> None:
    from pijplijn.content.loader import load_pack
    from pijplijn.store.db import open_engine
    from pijplijn.store.imports import import_files
    from pijplijn.store.setup import initialise

    engine = open_engine(database_url)
    pack = load_pack("twente")
    initialise(engine, pack, demo=True)
    open_seed = pl.read_csv(pack.root / "seed" / "regiovisie.csv", infer_schema_length=None)
    small_in_seed = open_seed.filter(
        (pl.col("measure") != "published_share") & (pl.col("value") > 0) & (pl.col("value") < 5)
    ).height
    from sqlalchemy import select

    from pijplijn.store.models import Dataset

    with engine.connect() as connection:
        # The pack's copy of ROA's national table stays open data throughout: the test is
        # about the seed documents' tables, so it leaves that dataset out.
        roa = set(
            connection.scalars(
                select(Dataset.id).where(Dataset.source_key == "roa:ais2030-brc")
            ).all()
        )
    seed_only = ~pl.col("dataset_id").is_in(sorted(roa))
    export("parquet", tmp_path / "open", database_url)
    shown = pl.read_parquet(tmp_path / "open" / "observations.parquet").filter(seed_only)
    # Open data, as published: the seed's small counts are there, as printed.
    small = shown.filter(
        (pl.col("unit") == "count") & (pl.col("value") > 0) & (pl.col("value") < 5)
    )
    assert small.height == small_in_seed > 0
    # The same release marked protected: none is left, and no hidden value is 0.
    import_files(engine, pack, [pack.root / "seed" / "regiovisie.csv"], disclosure="protected")
    engine.dispose()
    export("parquet", tmp_path / "pq", database_url)
    export("csv", tmp_path / "csv", database_url)
    parquet = pl.read_parquet(tmp_path / "pq" / "observations.parquet").filter(seed_only)
    csv = pl.read_csv(tmp_path / "csv" / "observations.csv", infer_schema_length=None).filter(
        seed_only
    )
    assert parquet.height == csv.height == shown.height > 0
    counts = parquet.filter(pl.col("unit") == "count")
    assert counts.filter((pl.col("value") > 0) & (pl.col("value") < 5)).height == 0
    hidden = parquet.filter(pl.col("flag") == "suppressed")
    assert hidden.get_column("value").null_count() == hidden.height > small_in_seed


def test_bad_out_path_is_one_clear_error(demo_url: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["export", "--format", "xlsx", "--out", str(tmp_path / "x.csv"), "--database", demo_url],
    )
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert not (tmp_path / "x.csv").exists()
