"""Content packs outside the code (issue #18.1-4): a pack is a folder anywhere or an entry
point, the core holds the national gemeenten, `pack check` and `pack new`, and the shipped
Regio Zwolle pack is built from YAML alone."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.content import loader
from pijplijn.errors import ContentError
from pijplijn.reference.labour_regions import load_labour_regions

ZWOLLE = loader.PACKS_ROOT / "zwolle"
TWENTE = loader.PACKS_ROOT / "twente"
# The runner restores this variable after each call: ``--pack`` sets it for the command.
ISOLATED = {"PIJPLIJN_CONTENT_PACK": None}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=ISOLATED)
    return result.exit_code, result.output


def test_shipped_packs_are_entry_points_and_load_by_name_or_folder() -> None:
    points = {ep.name: ep.value for ep in metadata.entry_points(group=loader.ENTRY_POINT_GROUP)}
    assert points["twente"] == "pijplijn.content.loader:twente_pack"
    assert points["zwolle"] == "pijplijn.content.loader:zwolle_pack"
    assert {"twente", "zwolle"} <= set(loader.available_packs())
    assert loader.pack_root("zwolle") == ZWOLLE
    assert loader.load_pack(str(ZWOLLE)).name == loader.load_pack("zwolle").name == "zwolle"


def test_a_renamed_copy_anywhere_loads_from_its_folder(tmp_path: Path) -> None:
    copy = tmp_path / "elders" / "regiox"
    shutil.copytree(TWENTE, copy)
    pack_file = copy / "pack.yaml"
    pack_file.write_text(
        pack_file.read_text("utf-8").replace("name: twente", "name: regiox"), "utf-8"
    )
    pack = loader.load_pack(str(copy))
    assert pack.name == "regiox" and pack.root == copy.resolve()
    assert pack.pack.default_region == "twente"
    assert len(pack.goals) == len(loader.load_pack("twente").goals)


def test_zwolle_region_set_is_the_arbeidsmarktregio_of_the_raw_file(shared_data: Path) -> None:
    raw = json.loads((shared_data / "geo" / "arbeidsmarktregio_gemeente.json").read_text("utf-8"))
    expected = {f"GM{code}" for code, name in raw["gemeenten"].items() if name == "Regio Zwolle"}
    pack = loader.load_pack("zwolle")
    (region_set,) = pack.region_sets
    assert len(expected) == 16 and set(region_set.members) == expected
    assert pack.regions == []  # nothing re-declared: the core knows every gemeente
    assert expected <= set(load_labour_regions().gemeenten)


def test_zwolle_pack_is_yaml_only_and_names_no_twente() -> None:
    files = [p for p in ZWOLLE.rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".yaml" for p in files), files
    for path in files:
        text = path.read_text("utf-8").lower()
        for word in ("twente", "enschede", "hengelo", "almelo", "regiovisie"):
            assert word not in text, f"{path} names {word}"
    goals = {g.id: g for g in loader.load_pack("zwolle").goals}
    targets = {g.indicator: g.target.value for g in goals.values()}
    assert targets == {
        "vmbo-gl-tl-aandeel-nask": 0.40,
        "vmbo-bb-kb-aandeel-techniek": 0.30,
        "havo-vwo-aandeel-n-profiel": 0.55,
    }
    assert all("doel 4" in g.target.source and g.region == "regio-zwolle" for g in goals.values())
    # No file with exam subjects is loaded: the goal says which data it needs.
    assert "examenvak" in goals["tp-vmbo-gltl-nask"].notes


def test_pack_option_on_every_command_and_bad_packs_exit_2(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    url = f"sqlite:///{database}"
    missing = tmp_path / "bestaat-niet"
    code, output = invoke("--pack", str(missing), "init", "--database", url)
    assert code == 2 and f"{missing}: contentpakket bestaat niet" in output
    not_a_pack = tmp_path / "leeg"
    not_a_pack.mkdir()
    code, output = invoke("--pack", str(not_a_pack), "init", "--database", url)
    assert code == 2 and "pack.yaml ontbreekt" in output
    broken = tmp_path / "kapot"
    shutil.copytree(ZWOLLE, broken)
    (broken / "pack.yaml").write_text("name: kapot\ntitle: [niet gesloten\n", "utf-8")
    code, output = invoke("--pack", str(broken), "init", "--database", url)
    assert code == 2 and "kapot/pack.yaml, regel 3" in output and "YAML" in output
    assert "Traceback" not in output
    assert not database.exists()  # nothing written
    code, output = invoke("--pack", str(ZWOLLE), "init", "--database", url)
    assert code == 0, output


def test_pack_check_names_file_and_line_of_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(ZWOLLE, bad)
    regions = bad / "regions.yaml"
    text = regions.read_text("utf-8").replace("GM0148, GM0160", "GM0148, GM9998, GM0160")
    text = text.replace("GM1896]", "GM9999]")
    regions.write_text(text, "utf-8")
    lines = {
        code: next(n for n, t in enumerate(text.splitlines(), start=1) if code in t)
        for code in ("GM9998", "GM9999")
    }
    (bad / "labour.yaml").write_text("a: [1,\n", "utf-8")
    code, output = invoke("pack", "check", str(bad))
    assert code == 2
    for gemeente, line in lines.items():
        where = f"regions.yaml, regel {line}: regioset regio-zwolle"
        assert f"{where} noemt onbekende gemeente '{gemeente}'" in output
    assert "labour.yaml, regel 2" in output and "niet te lezen als YAML" in output
    goals = tmp_path / "goals"
    shutil.copytree(ZWOLLE, goals)
    goal_file = goals / "goals.yaml"
    text = goal_file.read_text("utf-8").replace(
        "indicator: havo-vwo-aandeel-n-profiel", "indicator: bestaat-niet"
    )
    goal_file.write_text(text, "utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "bestaat-niet" in t)
    code, output = invoke("pack", "check", str(goals))
    assert code == 2 and f"goals.yaml, regel {line}:" in output
    assert "onbekende indicator 'bestaat-niet'" in output
    code, output = invoke("pack", "check", str(ZWOLLE))
    assert code == 0 and "Pakket zwolle" in output and "16 gemeenten" in output


def test_region_set_with_unknown_gemeente_fails_at_load_with_its_line(tmp_path: Path) -> None:
    copy = tmp_path / "zwolle"
    shutil.copytree(ZWOLLE, copy)
    regions = copy / "regions.yaml"
    text = regions.read_text("utf-8").replace("GM1896]", "GM0000]")
    regions.write_text(text, "utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "GM0000" in t)
    with pytest.raises(ContentError, match=rf"regions.yaml, regel {line}: .*'GM0000'"):
        loader.load_pack(str(copy))


def test_pack_new_scaffolds_a_pack_for_an_arbeidsmarktregio(
    tmp_path: Path, shared_data: Path
) -> None:
    raw = json.loads((shared_data / "geo" / "arbeidsmarktregio_gemeente.json").read_text("utf-8"))
    expected = sorted(f"GM{c}" for c, n in raw["gemeenten"].items() if n == "Zuid-Limburg")
    target = tmp_path / "zl"
    code, output = invoke("pack", "new", "zl", "--region-set", "Zuid-Limburg", "--out", str(target))
    assert code == 0, output
    regions = yaml.safe_load((target / "regions.yaml").read_text("utf-8"))
    (region_set,) = regions["region_sets"]
    assert region_set["members"] == expected and regions["regions"] == []
    assert region_set["labour_market"] == {"arbeidsmarktregio": "Zuid-Limburg"}
    code, output = invoke("pack", "check", str(target))
    assert code == 0 and f"{len(expected)} gemeenten" in output, output
    before = sorted(p.name for p in target.rglob("*"))
    code, output = invoke("pack", "new", "zl", "--region-set", "GM0193", "--out", str(target))
    assert code == 2 and "bestaat al" in output
    assert sorted(p.name for p in target.rglob("*")) == before
    other = tmp_path / "x"
    code, output = invoke("pack", "new", "x", "--region-set", "GM0193,GM9999", "--out", str(other))
    assert code == 2 and "'GM9999' is geen gemeente" in output and not other.exists()
    gl = tmp_path / "gl"
    code, output = invoke("pack", "new", "gl", "--region-set", "PV25", "--out", str(gl))
    gelderland = load_labour_regions()
    wanted = sorted(c for c, (_, p) in gelderland.gemeenten.items() if p == "PV25")
    made = yaml.safe_load((gl / "regions.yaml").read_text("utf-8"))
    assert code == 0 and made["region_sets"][0]["members"] == wanted
    assert made["region_sets"][0]["parent"] == "PV25"


def test_goals_and_report_for_another_region_say_whose_goals_they_are(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    invoke("--pack", "twente", "init", "--demo", "--database", url)
    pack = loader.load_pack("twente")
    code, output = invoke("goals", "--region", "twente", "--format", "json", "--database", url)
    assert code == 0, output
    records = json.loads(output)
    assert {r["id"] for r in records} == {g.id for g in pack.goals}
    code, output = invoke("goals", "--region", "PV25", "--database", url)
    assert code == 0, output
    assert "gelden voor Twente (twente), niet voor Gelderland" in output
    assert pack.goals[0].title.nl not in output
    target = tmp_path / "pv25.html"
    code, output = invoke("report", "--region", "PV25", "--out", str(target), "--database", url)
    assert code == 0, output
    html = target.read_text("utf-8")
    assert "Monitor Techniekpact Gelderland" in html
    assert "gelden voor Twente (twente), niet voor Gelderland" in html
    assert all(g.title.nl not in html for g in pack.goals)
    code, output = invoke("goals", "--region", "XX99", "--database", url)
    assert code == 2 and "onbekende regio 'XX99'" in output
