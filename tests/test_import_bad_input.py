"""Issue 3's bad-input list, as a user meets it: one clear message with file, row and column,
exit status 2, and nothing written."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()
HEADER = (
    "BRIN NUMMER;SOORTINS;INSTELLINGSNAAM;PLAATSNAAM;TYPE MBO;KWALIFICATIENIVEAU;"
    "KWALIFICATIE CODE;KWALIFICATIE NAAM;MBO SECTOR;DOMEIN;SECTORUNIT SBB;"
    "BRIN NUMMER KENNISCENTRUM;NAAM KENNISCENTRUM;MAN2019;VROUW2019;TOTAAL2019"
)
ROW = (
    "27YU;ROC;ROC van Twente;HENGELO OV;BBL;2;25250;Monteur;techniek;Bouw en infra;"
    "Sectorunit techniek en gebouwde omgeving;;;12;1;13"
)
GOOD = f"{HEADER}\r\n{ROW}\r\n{ROW.replace('25250', '25251')}\r\n"


@pytest.fixture
def db(database_url: str) -> str:
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    return database_url


def count(db: str) -> int:
    result = runner.invoke(app, ["datasets", "--format", "json", "--database", db])
    return len(json.loads(result.stdout))


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (
            GOOD[: len(HEADER) // 2].encode(),
            ["--kind", "duo-mbo-deelnemers"],
            "rij 1: de kolom",
        ),  # a truncated file: the header breaks off
        (GOOD[:-25].encode(), [], "rij 3: de rij heeft"),  # cut mid-row
        (GOOD.encode(), ["--kind", "duo-vo-examens"], "lijkt op soort duo-mbo-deelnemers"),
        (GOOD.replace(";12;1;13", ";-12;1;-11", 1).encode(), [], "rij 2, kolom 'MAN2019'"),
        (GOOD.replace(";12;1;13", ";twaalf;1;13", 1).encode(), [], "rij 2, kolom 'MAN2019'"),
        (GOOD.replace("27YU", "27Y!", 1).encode(), [], "rij 2, kolom 'BRIN NUMMER'"),
        (
            GOOD.replace("TYPE MBO", "SOORT MBO").encode(),
            ["--kind", "duo-mbo-deelnemers"],
            "rij 1: de kolom 'TYPE MBO' ontbreekt",
        ),
        (b"", ["--kind", "duo-mbo-deelnemers"], "leeg"),
        (b"\x00\x01\x02PK\x03\x04" * 20, ["--kind", "duo-mbo-deelnemers"], "geen tekstbestand"),
    ],
    ids=[
        "truncated",
        "cut-mid-row",
        "wrong-kind",
        "negative",
        "non-numeric",
        "unknown-brin",
        "renamed-column",
        "empty",
        "binary",
    ],
)
def test_bad_input_writes_nothing(
    db: str, tmp_path: Path, content: bytes, args: list[str], expected: str
) -> None:
    path = tmp_path / "mbo_deelnemers.csv"
    path.write_bytes(content)
    before = count(db)
    result = runner.invoke(app, ["import", str(path), *args, "--database", db])
    assert result.exit_code == 2
    assert "mbo_deelnemers.csv" in result.stderr and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert count(db) == before


def test_latin1_file_with_accented_names_imports_intact(db: str, tmp_path: Path) -> None:
    path = tmp_path / "mbo_deelnemers.csv"
    text = GOOD.replace("ROC van Twente", "Scholengemeenschap Sint-Ménèstrél").replace(
        "Monteur", "Monteur élektro"
    )
    path.write_bytes(text.encode("cp1252"))
    result = runner.invoke(app, ["import", str(path), "--database", db])
    assert result.exit_code == 0, result.stderr
    names = runner.invoke(
        app, ["query", "-m", "enrolled", "--by", "programme_name", "-f", "json", "--database", db]
    )
    assert {r["programme_name"] for r in json.loads(names.stdout)} == {"Monteur élektro"}


def test_an_unknown_disclosure_policy_is_one_line_and_exit_2(db: str, tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"  # synthetic
    path.write_text("measure,period,region,value\nenrolled,2019,GM0153,12\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--disclosure", "geheim", "--database", db])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "geheim" in lines[0] and "open, protected" in lines[0]
    assert "Traceback" not in result.output


def test_the_policy_defaults_per_kind_and_can_be_overridden(db: str, tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"  # synthetic
    path.write_text("measure,period,region,value\nenrolled,2019,GM0153,12\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--format", "json", "--database", db])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["disclosure"] == "protected"
    again = runner.invoke(app, ["import", str(path), "--disclosure", "open", "--database", db])
    assert again.exit_code == 0 and "openbaarheid nu open" in again.stdout
    listed = runner.invoke(app, ["datasets", "--format", "json", "--database", db])
    assert [d.get("disclosure") for d in json.loads(listed.stdout)] == ["open"]


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("policy", "disclosure:\n  default: geheim\n", "disclosure.default"),
        ("kind", "disclosure:\n  kinds:\n    faxen: protected\n", "disclosure.kinds.faxen"),
    ],
)
def test_a_pack_with_an_unknown_policy_or_kind_fails_naming_file_and_key(
    tmp_path: Path, key: str, text: str, expected: str
) -> None:
    import shutil

    from pijplijn.content import loader
    from pijplijn.errors import ContentError
    from pijplijn.store.imports import disclosure_for

    shutil.copytree(loader.PACKS_ROOT / "twente", tmp_path / "twente")
    pack_file = tmp_path / "twente" / "pack.yaml"
    kept = pack_file.read_text(encoding="utf-8").split("disclosure:")[0]
    pack_file.write_text(kept + text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        disclosure_for(loader._load_pack(tmp_path, "twente"), "template", None)
    message = str(caught.value)
    assert str(pack_file) in message and expected in message
    if key == "policy":
        assert "regel" in message
