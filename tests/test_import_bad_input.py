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
