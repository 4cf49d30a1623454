"""COROP areas and arbeidsmarktregio's: the shipped reference data are derived from the CBS
files, and a region set's declared labour-market region is checked at load time."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content import loader
from pijplijn.errors import ContentError
from pijplijn.reference.labour_regions import (
    SHIPPED,
    derive_labour_regions,
    load_labour_regions,
    write_labour_regions,
)

TWENTE = {
    "GM0141", "GM0147", "GM1774", "GM0153", "GM0158", "GM0163", "GM0164",
    "GM1735", "GM0168", "GM0173", "GM1742", "GM0183", "GM1700", "GM0189",
}  # fmt: skip


def test_shipped_file_is_derived_from_the_cbs_files(shared_data: Path, tmp_path: Path) -> None:
    geo = shared_data / "geo"
    derived = derive_labour_regions(
        geo / "woonplaats_gemeente_corop_cbs.csv",
        geo / "arbeidsmarktregio_gemeente.json",
        geo / "koppelcodes_gemeenten.csv",
    )
    write_labour_regions(derived, tmp_path / "labour_regions.json")
    assert (tmp_path / "labour_regions.json").read_text("utf-8") == SHIPPED.read_text("utf-8"), (
        "labour_regions.json drifted from the CBS files; run 'pijplijn labour-regions'"
    )


def test_regions_match_the_raw_files(shared_data: Path) -> None:
    """Twente is exactly the 14 gemeenten in both kinds, counted from the raw files."""
    geo = shared_data / "geo"
    amr = json.loads((geo / "arbeidsmarktregio_gemeente.json").read_text("utf-8"))["gemeenten"]
    lines = (geo / "woonplaats_gemeente_corop_cbs.csv").read_text("utf-8-sig").splitlines()[1:]
    corop12 = {f"GM{int(line.split(',')[2]):04d}" for line in lines if line.split(",")[4] == "12"}
    reference = load_labour_regions()
    assert len(reference.by_kind("corop")) == 40
    assert len(reference.by_kind("arbeidsmarktregio")) == len(set(amr.values())) == 35
    twente_corop = reference.find("corop", "CR12")
    twente_amr = reference.find("arbeidsmarktregio", "Twente")
    assert twente_corop is not None and twente_amr is not None
    assert set(twente_corop.members) == corop12 == TWENTE
    assert set(twente_amr.members) == {f"GM{c}" for c, n in amr.items() if n == "Twente"} == TWENTE
    assert twente_corop.province == "PV23" and twente_amr.code == "AM-twente"
    assert sum(len(r.members) for r in reference.by_kind("corop")) == len(reference.gemeenten)


def test_command_writes_the_file(shared_data: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = CliRunner().invoke(
        app, ["labour-regions", str(shared_data / "geo"), "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "40 COROP-gebieden en 35 arbeidsmarktregio's" in result.output
    assert target.read_text("utf-8") == SHIPPED.read_text("utf-8")


def test_missing_column_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "corop.csv"
    bad.write_text("Woonplaatscode,Woonplaats,Gemeentecode,Gemeente\n1,A,0014,Groningen\n")
    with pytest.raises(Exception, match="corop.csv: rij 1: kolom 'COROP-gebiedcode' ontbreekt"):
        derive_labour_regions(bad, bad, bad)


def test_unknown_labour_market_region_names_pack_file_and_line(tmp_path: Path) -> None:
    pack_root = tmp_path / "packs"
    shutil.copytree(loader.PACKS_ROOT / "twente", pack_root / "twente")
    regions = pack_root / "twente" / "regions.yaml"
    text = regions.read_text("utf-8").replace(
        "arbeidsmarktregio: Twente", "arbeidsmarktregio: Tweent"
    )
    regions.write_text(text, "utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "Tweent" in t)
    with pytest.raises(ContentError) as caught:
        loader._load_pack.__wrapped__(pack_root, "twente")
    assert f"regions.yaml, regel {line}:" in str(caught.value)
    assert "labour_market.arbeidsmarktregio 'Tweent' bestaat niet" in str(caught.value)
