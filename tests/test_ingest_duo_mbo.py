"""The DUO mbo deelnemers importer (table 03): real-data figures and every bad-input case."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from pijplijn.ingest import duo_mbo
from pijplijn.ingest.context import ImportContext, normalise_place
from pijplijn.ingest.records import OBSERVATION_SCHEMA, ParsedSource

FIXED = (
    "BRIN NUMMER;SOORTINS;INSTELLINGSNAAM;PLAATSNAAM;TYPE MBO;KWALIFICATIENIVEAU;"
    "KWALIFICATIE CODE;KWALIFICATIE NAAM;MBO SECTOR;DOMEIN;SECTORUNIT SBB;"
    "BRIN NUMMER KENNISCENTRUM;NAAM KENNISCENTRUM"
)
HEADER = FIXED + ";MAN2018;VROUW2018;TOTAAL2018;MAN2019;VROUW2019;TOTAAL2019"
CONTEXT = ImportContext(
    regions={"GM0164": "gemeente", "GM0153": "gemeente", "NL01": "land"},
    gemeente_by_name={normalise_place("Hengelo (O.)"): "GM0164", "enschede": "GM0153"},
)


def row(
    counts: str = "3;4;7;5;6;11",
    *,
    brin: str = "27YU",
    name: str = "ROC van Twente",
    place: str = "HENGELO OV",
    kind: str = "BBL",
    level: str = "2",
    crebo: str = "25250",
    programme: str = "Assistent bouwen, wonen en onderhoud",
    sector: str = "techniek",
) -> str:
    """Return one data line in DUO's layout, padded like the real file."""
    return (
        f"{brin};ROC;{name};{place};{kind};{level};{crebo};{programme};{sector};"
        f"Bouw en infra;Sectorunit techniek en gebouwde omgeving;    ;{' ' * 24};{counts}"
    )


def parse(
    tmp_path: Path, *lines: str, header: str = HEADER, encoding: str = "utf-8"
) -> ParsedSource:
    path = tmp_path / "mbo.csv"
    path.write_bytes("\r\n".join((header, *lines, "")).encode(encoding))
    return duo_mbo.parse(path, CONTEXT)


def parse_bytes(tmp_path: Path, raw: bytes) -> ParsedSource:
    path = tmp_path / "mbo.csv"
    path.write_bytes(raw)
    return duo_mbo.parse(path, CONTEXT)


def test_matches_the_header_of_table_03() -> None:
    assert duo_mbo.matches(HEADER.split(";"), "x.csv")
    assert not duo_mbo.matches(FIXED.split(";"), "x.csv")
    assert not duo_mbo.matches(["BRIN NUMMER", "TOTAAL2019"], "x.csv")


def test_men_women_and_the_published_total_become_observations(tmp_path: Path) -> None:
    parsed = parse(tmp_path, row())
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations
    assert frame.columns == list(OBSERVATION_SCHEMA)
    got = (
        frame.sort("period", "gender", nulls_last=True)
        .select("period", "gender", "value", "flag")
        .rows()
    )
    assert got == [
        ("2018", "man", 3.0, None),
        ("2018", "vrouw", 4.0, None),
        ("2018", None, 7.0, None),
        ("2019", "man", 5.0, None),
        ("2019", "vrouw", 6.0, None),
        ("2019", None, 11.0, None),
    ]
    first = frame.filter(pl.col("gender").is_not_null()).row(0, named=True)
    assert {k: first[k] for k in ("measure", "period_unit", "stage", "unit")} == {
        "measure": "enrolled",
        "period_unit": "year",
        "stage": "mbo",
        "unit": "count",
    }
    assert (first["institution"], first["level"], first["pathway"], first["note"]) == (
        "27YU",
        "2",
        "BBL",
        None,
    )
    assert (first["programme_code"], first["programme_name"], first["sector"]) == (
        "25250",
        "Assistent bouwen, wonen en onderhoud",
        "techniek",
    )
    assert (first["opleidingsdomein"], first["subsector"]) == (
        "Bouw en infra",
        "Sectorunit techniek en gebouwde omgeving",
    )
    assert (first["region_code"], first["region_basis"]) == ("GM0164", "head-office")
    assert parsed.info.source_key == "duo-mbo-deelnemers"
    assert parsed.info.loader == "duo-mbo-deelnemers@2"
    assert (parsed.info.publisher, parsed.info.licence) == ("DUO", "CC0 1.0")


def test_bol_voltijd_and_deeltijd_are_both_bol_with_a_note_on_deeltijd(tmp_path: Path) -> None:
    parsed = parse(tmp_path, row(kind="BOLVT"), row(kind="BOLDT"))
    assert parsed.report.valid, parsed.report.summary()
    pathways = parsed.observations.select("pathway", "note").unique().sort("note").rows()
    assert pathways == [("BOL", None), ("BOL", "BOLDT (deeltijd)")]


def test_blank_cells(tmp_path: Path) -> None:
    parsed = parse(
        tmp_path,
        row(";;;;6;6", crebo="10001"),  # 2018: not offered; 2019: MAN blank beside a total
        row(";;9;0;0;0", crebo="10002"),  # 2018: only the total; 2019: real zeros
        row("1;2;3;<5;2;", crebo="10003"),  # 2019: DUO's suppressed small count
    )
    assert parsed.report.valid, parsed.report.summary()
    got = (
        parsed.observations.sort("programme_code", "period", "gender", nulls_last=True)
        .select("programme_code", "period", "gender", "value", "flag")
        .rows()
    )
    assert got == [
        ("10001", "2019", "man", None, "missing"),
        ("10001", "2019", "vrouw", 6.0, None),
        ("10001", "2019", None, 6.0, None),
        ("10002", "2018", None, 9.0, None),
        ("10002", "2019", "man", 0.0, None),
        ("10002", "2019", "vrouw", 0.0, None),
        ("10002", "2019", None, 0.0, None),
        ("10003", "2018", "man", 1.0, None),
        ("10003", "2018", "vrouw", 2.0, None),
        ("10003", "2018", None, 3.0, None),
        # A blank TOTAAL beside its parts is not stored: the parts are all there is.
        ("10003", "2019", "man", None, "suppressed"),
        ("10003", "2019", "vrouw", 2.0, None),
    ]
    assert parsed.report.stats == {"rows": 3, "observations": 12, "missing": 1, "suppressed": 1}


def test_a_total_that_differs_from_its_parts_is_a_warning(tmp_path: Path) -> None:
    parsed = parse(tmp_path, row("3;4;7;5;6;12"))
    assert parsed.report.valid
    assert [
        [w.to_dict()[k] for k in ("row", "column", "code")] for w in parsed.report.warnings
    ] == [[2, "TOTAAL2019", "total-mismatch"]]
    assert "MAN + VROUW = 5 + 6" in parsed.report.warnings[0].message()
    # DUO's total is kept as published, not replaced by the sum of the parts.
    totals = parsed.observations.filter(pl.col("gender").is_null())
    assert totals.select("period", "value").sort("period").rows() == [("2018", 7.0), ("2019", 12.0)]


def test_unknown_place_is_attributed_to_nl01_with_one_warning(tmp_path: Path) -> None:
    parsed = parse(
        tmp_path,
        row(brin="00GT", name="Albeda", place="ROTTERDAM"),
        row(brin="00GT", name="Albeda", place="ROTTERDAM", crebo="25251"),
        row(brin="23AH", name="Enschede College", place="ENSCHEDE"),
    )
    assert parsed.report.valid
    warnings = parsed.report.warnings
    assert [[w.to_dict()[k] for k in ("row", "column", "value")] for w in warnings] == [
        [2, "PLAATSNAAM", "ROTTERDAM"]
    ]
    regions = parsed.observations.select("institution", "region_code", "region_basis").unique()
    assert sorted(regions.rows()) == [
        ("00GT", "NL01", "unattributed"),
        ("23AH", "GM0153", "head-office"),
    ]
    institutions = {i.brin: i for i in parsed.institutions}
    assert institutions["00GT"].gemeente_code is None
    enschede = institutions["23AH"]
    assert (enschede.name, enschede.kind, enschede.place) == ("Enschede College", "mbo", "ENSCHEDE")
    assert (enschede.gemeente_code, enschede.region_basis) == ("GM0153", "head-office")


def test_years_are_detected_from_the_header(tmp_path: Path) -> None:
    header = FIXED + ";MAN2021;VROUW2021;TOTAAL2021"
    parsed = parse(tmp_path, row("1;1;2"), header=header)
    assert parsed.report.valid, parsed.report.summary()
    assert parsed.observations.get_column("period").unique().to_list() == ["2021"]


def test_latin1_file_keeps_its_accents(tmp_path: Path) -> None:
    parsed = parse(
        tmp_path,
        row(name="Hogeschool Café Crème", programme="Medewerker façade-onderhoud"),
        encoding="cp1252",
    )
    assert parsed.report.valid, parsed.report.summary()
    assert parsed.institutions[0].name == "Hogeschool Café Crème"
    names = parsed.observations.get_column("programme_name").unique().to_list()
    assert names == ["Medewerker façade-onderhoud"]


def test_stray_empty_lines_are_skipped_and_rows_are_physical_lines(tmp_path: Path) -> None:
    parsed = parse(tmp_path, row(), '""', "", row("1;x;1;;;", crebo="10001"))
    assert parsed.report.flatten(["row", "column", "code"]) == [[5, "VROUW2018", "cell-type"]]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            (row("3;4;7;5;-6;-1"),),
            [[2, "VROUW2019", "cell-range"], [2, "TOTAAL2019", "cell-range"]],
        ),
        ((row("3;vier;7;5;6;11"),), [[2, "VROUW2018", "cell-type"]]),
        ((row("3;4;7;5;6;11.0"),), [[2, "TOTAAL2019", "cell-type"]]),
        ((row(brin="27Y"),), [[2, "BRIN NUMMER", "unknown-code"]]),
        ((row(brin="YU27"),), [[2, "BRIN NUMMER", "unknown-code"]]),
        ((row(level="5"),), [[2, "KWALIFICATIENIVEAU", "cell-range"]]),
        ((row(kind="BOL"),), [[2, "TYPE MBO", "unknown-code"]]),
        ((row(crebo="2525"),), [[2, "KWALIFICATIE CODE", "unknown-code"]]),
        ((row(), row("1;1;2;1;1;2")), [[3, None, "duplicate-row"]]),
        ((row(), row("3;4;7;5")), [[3, None, "row-length"]]),
        (
            (row(level="0", brin="x"), row(kind="?")),
            [
                [2, "BRIN NUMMER", "unknown-code"],
                [2, "KWALIFICATIENIVEAU", "cell-range"],
                [3, "TYPE MBO", "unknown-code"],
            ],
        ),
    ],
)
def test_bad_rows_are_typed_issues_with_their_position(
    tmp_path: Path, lines: tuple[str, ...], expected: list[list[object]]
) -> None:
    parsed = parse(tmp_path, *lines)
    assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert not parsed.report.valid
    assert parsed.observations.height == 0


def test_a_file_cut_mid_row(tmp_path: Path) -> None:
    text = "\r\n".join((HEADER, row(), row(crebo="10001")))
    parsed = parse_bytes(tmp_path, text[: len(text) - 9].encode())
    assert parsed.report.flatten(["row", "column", "code"]) == [[3, None, "row-length"]]
    assert parsed.observations.height == 0


def test_a_file_cut_in_the_header(tmp_path: Path) -> None:
    parsed = parse_bytes(tmp_path, HEADER[: HEADER.index("VROUW2019") + 3].encode())
    assert parsed.report.flatten(["column", "code"]) == [
        ["VROUW2019", "missing-column"],
        ["TOTAAL2019", "missing-column"],
    ]
    assert parsed.observations.height == 0


def test_a_file_with_only_a_header(tmp_path: Path) -> None:
    parsed = parse(tmp_path)
    assert [issue.code for issue in parsed.report.issues] == ["table-error"]
    assert parsed.observations.height == 0


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (HEADER.replace("MBO SECTOR;", "SECTOR;"), ["MBO SECTOR"]),
        (HEADER.replace(";KWALIFICATIENIVEAU", ""), ["KWALIFICATIENIVEAU"]),
        (HEADER.replace("TOTAAL2019", "TOTAL2019"), ["TOTAAL2019"]),
        (FIXED, ["TOTAAL<jaar>"]),
    ],
)
def test_missing_or_renamed_column_is_reported_on_the_header(
    tmp_path: Path, header: str, missing: list[str]
) -> None:
    parsed = parse(tmp_path, row(), header=header)
    assert parsed.report.flatten(["column", "code"]) == [[m, "missing-column"] for m in missing]
    assert "rij 1" in parsed.report.issues[0].message()
    assert parsed.observations.height == 0


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty-file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary-file"),
        (b"BRIN NUMMER;\x00\x00\x01", "binary-file"),
    ],
)
def test_unreadable_files(tmp_path: Path, raw: bytes, code: str) -> None:
    parsed = parse_bytes(tmp_path, raw)
    assert [issue.code for issue in parsed.report.issues] == [code]
    assert parsed.observations.height == 0


def test_issue_cap_marks_the_report_partial(tmp_path: Path) -> None:
    lines = [row("x;1;1;1;1;2", crebo=f"{10000 + i}") for i in range(1200)]
    parsed = parse(tmp_path, *lines)
    assert len(parsed.report.issues) == 1000
    assert parsed.report.partial


# Real data: DUO's file as published (re-encoded to UTF-8), figures computed with the csv
# module and Polars straight from the raw file, never from the parser's output.


@pytest.fixture(scope="module")
def raw_file(shared_data: Path) -> Path:
    return shared_data / "duo" / "mbo_deelnemers_2015-2019.csv"


@pytest.fixture(scope="module")
def national_context(shared_data: Path) -> ImportContext:
    """Every gemeente of 2023, by name, as a full gemeente-list import would give."""
    features = json.loads((shared_data / "geo" / "gemeenten.geojson").read_text())["features"]
    names = {f["properties"]["gemeenteNaam"]: f["properties"]["gemeenteCode"] for f in features}
    return ImportContext(
        regions={code: "gemeente" for code in names.values()},
        gemeente_by_name={normalise_place(name): code for name, code in names.items()},
    )


@pytest.fixture(scope="module")
def real(raw_file: Path, national_context: ImportContext) -> ParsedSource:
    return duo_mbo.parse(raw_file, national_context)


@pytest.fixture(scope="module")
def raw_rows(raw_file: Path) -> list[dict[str, str]]:
    with raw_file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return [
            {k.strip(): v.strip() for k, v in line.items()}
            for line in reader
            if line["BRIN NUMMER"].strip()
        ]


def test_real_file_is_valid(real: ParsedSource, raw_rows: list[dict[str, str]]) -> None:
    assert real.report.valid, real.report.summary()
    assert real.report.stats["rows"] == len(raw_rows)
    assert not [w for w in real.report.warnings if w.code != "unknown-code"]


def test_real_national_total_2019(real: ParsedSource, raw_rows: list[dict[str, str]]) -> None:
    expected = sum(int(r["TOTAAL2019"]) for r in raw_rows if r["TOTAAL2019"])
    assert expected == 501_903
    year = real.observations.filter(pl.col("period") == "2019")
    assert year.filter(pl.col("gender").is_null()).get_column("value").sum() == expected


def test_real_roc_van_twente_2019(real: ParsedSource, raw_rows: list[dict[str, str]]) -> None:
    twente = [r for r in raw_rows if r["BRIN NUMMER"] == "27YU" and r["TOTAAL2019"]]
    total = sum(int(r["TOTAAL2019"]) for r in twente)
    techniek = sum(int(r["TOTAAL2019"]) for r in twente if r["MBO SECTOR"] == "techniek")
    assert (total, techniek) == (19_485, 5_722)
    frame = real.observations.filter(
        pl.col("institution") == "27YU", pl.col("period") == "2019", pl.col("gender").is_null()
    )
    assert frame.get_column("value").sum() == total
    assert frame.filter(pl.col("sector") == "techniek").get_column("value").sum() == techniek
    assert frame.select("region_code", "region_basis").unique().rows() == [
        ("GM0164", "head-office")
    ]
    roc = next(i for i in real.institutions if i.brin == "27YU")
    assert (roc.name, roc.place, roc.gemeente_code) == ("ROC van Twente", "HENGELO OV", "GM0164")


def test_real_observations_match_the_raw_cells(raw_file: Path, real: ParsedSource) -> None:
    """Every observation is its source cell; a blank cell is never stored as 0."""
    raw = (
        pl.read_csv(raw_file, separator=";", infer_schema=False)
        .with_columns(pl.all().str.strip_chars())
        .filter(pl.col("BRIN NUMMER").is_not_null() & (pl.col("BRIN NUMMER") != ""))
    )
    key = ["BRIN NUMMER", "TYPE MBO", "KWALIFICATIE CODE", "KWALIFICATIENIVEAU"]
    cells = raw.unpivot(
        index=key, on=[c for c in raw.columns if c[:3] in ("MAN", "VRO")], value_name="cell"
    ).with_columns(
        pl.col("variable").str.extract(r"(\d{4})$").alias("period"),
        pl.col("variable").str.extract(r"^(MAN|VROUW)").str.to_lowercase().alias("gender"),
    )
    obs = real.observations.with_columns(
        pl.when(pl.col("note").is_not_null())
        .then(pl.lit("BOLDT"))
        .when(pl.col("pathway") == "BOL")
        .then(pl.lit("BOLVT"))
        .otherwise(pl.col("pathway"))
        .alias("TYPE MBO")
    ).rename(
        {
            "institution": "BRIN NUMMER",
            "programme_code": "KWALIFICATIE CODE",
            "level": "KWALIFICATIENIVEAU",
        }
    )
    joined = obs.filter(pl.col("gender").is_not_null()).join(
        cells, on=[*key, "period", "gender"], how="left", validate="1:1"
    )
    assert joined.height == obs.filter(pl.col("gender").is_not_null()).height
    blank = joined.filter(pl.col("cell").is_null() | (pl.col("cell") == ""))
    assert blank.filter(pl.col("value").is_not_null()).height == 0
    assert (blank.get_column("flag") == "missing").all()
    filled = joined.filter(pl.col("cell") != "")
    assert (filled.get_column("value") == filled.get_column("cell").cast(pl.Float64)).all()
    # Every non-blank MAN/VROUW cell of the file is an observation.
    assert (
        filled.height == cells.filter(pl.col("cell").is_not_null() & (pl.col("cell") != "")).height
    )


def test_real_unknown_places_warn_once_each(
    real: ParsedSource, raw_rows: list[dict[str, str]], national_context: ImportContext
) -> None:
    places = {r["PLAATSNAAM"] for r in raw_rows}
    unknown = sorted(p for p in places if national_context.gemeente_for_place(p) is None)
    warned = sorted(w.to_dict()["value"] for w in real.report.warnings)
    assert warned == unknown
    assert len(unknown) < len(places)


def test_issues_come_in_file_order_across_checks(tmp_path: Path) -> None:
    parsed = parse(tmp_path, row(crebo="10001"), row("1;x;1;1;1;2"), row("1;2"))
    assert parsed.report.flatten(["row", "column", "code"]) == [
        [3, "VROUW2018", "cell-type"],
        [4, None, "row-length"],
    ]


def test_a_cell_holding_the_unit_separator_is_reported(tmp_path: Path) -> None:
    parsed = parse(tmp_path, row(programme="Kok\x1fzelfstandig"))
    assert parsed.report.flatten(["row", "code"]) == [[2, "row-error"]]
    assert parsed.observations.height == 0
