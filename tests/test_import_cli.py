"""``pijplijn import`` as a user runs it: detection, all-or-nothing, idempotence."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app

runner = CliRunner()
TEMPLATE = "measure,period,region,value\n"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(database_url: str) -> str:
    assert run("init", "--database", database_url)[0] == 0
    return database_url


def dataset_count(db: str) -> int:
    code, out, _ = run("datasets", "--format", "json", "--database", db)
    assert code == 0
    return len(json.loads(out))


def test_gemeenten_list_imports_and_places_gemeenten_in_provinces(
    db: str, shared_data: Path
) -> None:
    path = shared_data / "geo" / "koppelcodes_gemeenten.csv"
    code, out, _ = run("import", str(path), "--database", db)
    assert code == 0 and "herkend als gemeenten" in out
    code, out, _ = run("regions", "--format", "json", "--database", db)
    gemeenten = {r["code"]: r["parent"] for r in json.loads(out) if r["kind"] == "gemeente"}
    expected = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
        cells = line.split(";")
        expected[cells[0]] = cells[4]
    assert gemeenten == expected
    code, out, _ = run("import", str(path), "--database", db)
    assert code == 0 and "niets veranderd" in out


def test_one_bad_file_means_nothing_is_written(db: str, tmp_path: Path) -> None:
    good, bad = tmp_path / "goed.csv", tmp_path / "fout.csv"
    good.write_text(TEMPLATE + "enrolled,2019,twente,10\n", encoding="utf-8")
    bad.write_text(
        TEMPLATE + "enrolled,2019,twente,10\nenrolled,2020,twente,-3\n", encoding="utf-8"
    )
    before = dataset_count(db)
    code, out, err = run("import", str(good), str(bad), "--database", db)
    assert code == 2
    assert "fout.csv, rij 3, kolom 'value'" in err and "niets geladen" in err
    assert dataset_count(db) == before
    code, out, _ = run("import", str(good), "--database", db)
    assert code == 0 and dataset_count(db) == before + 1


def test_json_report_shape(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "fout.csv"
    bad.write_text(TEMPLATE + "enrolled,2019,nergens,10\n", encoding="utf-8")
    code, out, _ = run("import", str(bad), "--format", "json", "--database", db)
    records = json.loads(out)
    assert code == 2
    assert records[0]["status"] == "not-loaded"
    issue = records[0]["report"]["issues"][0]
    assert (issue["row"], issue["column"], issue["code"], issue["value"]) == (
        2,
        "region",
        "unknown-code",
        "nergens",
    )


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"a;b;c\n1;2;3\n", [], "soort niet herkend"),
        (b"", [], "soort niet herkend"),
        (
            b"measure,period,region,value\nenrolled,2019,twente,1\n",
            ["--kind", "duo-xyz"],
            "onbekende soort 'duo-xyz'",
        ),
        (
            b"measure,period,region,value\nenrolled,2019,twente,1\n",
            ["--kind", "gemeenten"],
            "kolom 'gemeentecodegm' ontbreekt",
        ),
    ],
)
def test_unusable_files(
    db: str, tmp_path: Path, content: bytes, args: list[str], message: str
) -> None:
    path = tmp_path / "bestand.csv"
    path.write_bytes(content)
    code, out, err = run("import", str(path), *args, "--database", db)
    assert code == 2 and message in err and "Traceback" not in out + err


def test_missing_file(db: str) -> None:
    code, _, err = run("import", "/nonexistent/file.csv", "--database", db)
    assert code == 2 and "bestaat niet" in err


@pytest.mark.parametrize("content", [b"a\rb;c\n1;2\n", b'"a\nb";c\n1;2\n', b"\x1c;\r\r\n"])
def test_a_header_with_stray_line_breaks_is_one_clear_error(
    db: str, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "kapot.csv"
    path.write_bytes(content)
    code, _, err = run("import", str(path), "--database", db)
    assert code == 2 and "kapot.csv: soort niet herkend" in err and "Traceback" not in err
    assert dataset_count(db) == 0
