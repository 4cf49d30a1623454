"""ROA's AIS file (synthetic fixture with exactly its 20 columns) and the national table per
BRC beroepsgroep (real file, figures computed in the test)."""

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pijplijn.cli import app
from pijplijn.ingest import roa
from pijplijn.ingest.context import ImportContext

FIXTURE = Path(__file__).parent / "synthetic" / "roa_ais_synthetic.csv"
CONTEXT = ImportContext(
    regions={"NL01": "land", "PV23": "provincie", "AM-twente": "arbeidsmarktregio"},
    province_by_name={"overijssel": "PV23"},
)


def lines() -> list[str]:
    return FIXTURE.read_bytes().decode("cp1252").splitlines()


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "ais.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def test_fixture_has_exactly_the_twenty_columns() -> None:
    assert tuple(lines()[0].split(";")) == roa.AIS_COLUMNS and len(roa.AIS_COLUMNS) == 20


def test_synthetic_ais_loads_demand_rates_and_labels() -> None:
    parsed = roa.parse_ais(FIXTURE, CONTEXT)
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations
    twente = frame.filter(
        (frame["region_code"] == "AM-twente") & (frame["measure"] == "replacement_demand")
    )
    assert sorted(zip(twente["stage"], twente["level"], twente["value"], strict=True)) == [
        ("hbo", None, 2700.0),
        ("mbo", "2", 2400.0),
        ("mbo", "3", 1800.0),
        ("mbo", "4", 3000.0),
        ("wo", None, 1200.0),
    ]
    rates = frame.filter(frame["measure"] == "replacement_rate")["value"].unique().to_list()
    assert rates == [pytest.approx(0.145)]  # "14,5" with a decimal comma, as a fraction
    labels = frame.filter(frame["value"].is_null())
    # Figures that are only a label stay a label.
    assert sorted(zip(labels["region_code"], labels["measure"], labels["note"], strict=True)) == [
        ("AM-twente", "bottleneck_indicator", "typering: groot"),
        ("PV23", "tightness_indicator", "typering: krap"),
    ]
    assert set(frame["period"]) == {"2025"} and parsed.info.source_key == "roa:ais2030"


def test_missing_or_renamed_column(tmp_path: Path) -> None:
    rows = lines()
    rows[0] = rows[0].replace("aantal", "aantallen")
    parsed = roa.parse_ais(write(tmp_path, rows), CONTEXT)
    assert parsed.report.flatten(["column", "code"]) == [["aantal", "missing-column"]]
    assert parsed.observations.height == 0


def test_not_a_number_and_unknown_region(tmp_path: Path) -> None:
    rows = lines()
    header = rows[0].split(";")
    bad = rows[1].split(";")
    bad[header.index("aantal")] = "veel"
    unknown = rows[2].split(";")
    unknown[header.index("regionaam")] = "Tweent"
    parsed = roa.parse_ais(write(tmp_path, [rows[0], ";".join(bad), ";".join(unknown)]), CONTEXT)
    assert parsed.report.flatten(["row", "column", "code"]) == [
        [2, "aantal", "cell-type"],
        [3, "regionaam", "unknown-code"],
    ]
    messages = [i.message() for i in parsed.report.issues]
    assert "een getal (decimaalkomma of -punt) of leeg" in messages[0]
    assert "'Tweent'" in messages[1]
    assert parsed.observations.height == 0


def test_cli_bad_ais_file_exits_2_and_writes_nothing(tmp_path: Path, database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    rows = lines()
    rows[0] = rows[0].replace(";perc;", ";percentage;")
    result = runner.invoke(app, ["import", str(write(tmp_path, rows)), "--database", database_url])
    assert result.exit_code == 2
    assert "perc" in result.output
    listed = runner.invoke(app, ["datasets", "--format", "json", "--database", database_url])
    assert "roa" not in listed.output


def test_real_brc_table(shared_data: Path) -> None:
    path = shared_data / "roa" / "roa_ais2030_nationaal_brc.csv"
    with path.open(encoding="utf-8") as handle:
        raw = list(csv.DictReader(handle))
    parsed = roa.parse_brc(path, ImportContext())
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations
    replacement = frame.filter(frame["measure"] == "replacement_demand")
    expected = {r["brc_beroepsgroep"]: float(r["vervangingsvraag_aantal"]) for r in raw}
    assert dict(zip(replacement["sector"], replacement["value"], strict=True)) == expected
    technical = sum(v for k, v in expected.items() if k.startswith("07") and len(k) == 4)
    assert technical == pytest.approx(
        replacement.filter(replacement["sector"].str.starts_with("07"))["value"].sum()
    )
    tight = frame.filter(frame["measure"] == "tightness_indicator")
    assert tight.height == sum(1 for r in raw if r["huidige_spanning_indicator"])
    first = next(r for r in raw if r["huidige_spanning_typering"])
    note = tight.filter(tight["sector"] == first["brc_beroepsgroep"])["note"][0]
    assert note == f"typering: {first['huidige_spanning_typering']}"
