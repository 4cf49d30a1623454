"""DUO hoger-onderwijs tables (hbo/wo eerstejaars, ingeschrevenen, gediplomeerden).

Real-data tests compare the parser with figures computed here directly from the raw files
with the csv module; the synthetic fixtures (written to tmp_path) cover each bad input.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from pijplijn.ingest import duo_ho
from pijplijn.ingest.context import ImportContext, normalise_place
from pijplijn.ingest.issues import TableIssue
from pijplijn.ingest.records import OBSERVATION_SCHEMA, ParsedSource

PROVINCES = {
    "Groningen": "PV20",
    "Friesland": "PV21",
    "Fryslân": "PV21",
    "Drenthe": "PV22",
    "Overijssel": "PV23",
    "Flevoland": "PV24",
    "Gelderland": "PV25",
    "Utrecht": "PV26",
    "Noord-Holland": "PV27",
    "Zuid-Holland": "PV28",
    "Zeeland": "PV29",
    "Noord-Brabant": "PV30",
    "Limburg": "PV31",
}
CONTEXT = ImportContext(
    province_by_name={normalise_place(name): code for name, code in PROVINCES.items()}
)
COLUMNS = [
    "PROVINCIE",
    "GEMEENTENUMMER",
    "GEMEENTENAAM",
    "SOORT INSTELLING",
    "TYPE HOGER ONDERWIJS",
    "BRIN NUMMER ACTUEEL",
    "INSTELLINGSNAAM ACTUEEL",
    "CROHO ONDERDEEL",
    "CROHO SUBONDERDEEL",
    "OPLEIDINGSCODE ACTUEEL",
    "OPLEIDINGSNAAM ACTUEEL",
    "OPLEIDINGSVORM",
    "GESLACHT",
    "2018",
    "2019",
]
HEADER = ";".join(COLUMNS)
DIPLOMA_HEADER = HEADER.replace("SOORT INSTELLING;TYPE HOGER ONDERWIJS", "SOORT DIPLOMA")
SAXION = (
    "Overijssel;0153;Enschede;reguliere inst.;bachelor;23AH;Saxion Hogeschool;techniek;"
    "n.v.t. (techniek);34267;B Elektrotechniek;voltijd onderwijs;man"
)
CODE = "OPLEIDINGSCODE ACTUEEL"
Parser = Callable[[Path, ImportContext], ParsedSource]


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def parse_lines(
    tmp_path: Path,
    lines: list[str],
    name: str = "hbo_eerstejaars_2018-2019.csv",
    parser: Parser = duo_ho.parse_eerstejaars,
) -> ParsedSource:
    return parser(write(tmp_path, name, lines), CONTEXT)


# --- real data -----------------------------------------------------------------------------


def raw_rows(path: Path) -> list[dict[str, str]]:
    """The data rows of a raw DUO file, read independently with the csv module."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter=";") if row["GESLACHT"]]


@pytest.fixture(scope="module")
def real(request: pytest.FixtureRequest) -> dict[str, tuple[ParsedSource, list[dict[str, str]]]]:
    shared = request.getfixturevalue("shared_data")
    parsed = {}
    for stage in ("hbo", "wo"):
        path = shared / "duo" / f"{stage}_eerstejaars_2015-2019.csv"
        parsed[stage] = (duo_ho.parse_eerstejaars(path, CONTEXT), raw_rows(path))
    return parsed


def years_of(rows: list[dict[str, str]]) -> list[str]:
    return [name for name in rows[0] if name.isdigit()]


@pytest.mark.parametrize(("stage", "brin"), [("hbo", "23AH"), ("wo", "21PH")])
def test_real_first_years_per_croho_onderdeel_match_the_raw_file(
    real: dict[str, tuple[ParsedSource, list[dict[str, str]]]], stage: str, brin: str
) -> None:
    parsed, rows = real[stage]
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        if row["BRIN NUMMER ACTUEEL"] == brin:
            for year in years_of(rows):
                expected[(row["CROHO ONDERDEEL"], year)] += int(row[year])
    got = (
        parsed.observations.filter(pl.col("institution") == brin)
        .group_by("sector", "period")
        .agg(pl.col("value").sum())
    )
    assert {(r["sector"], r["period"]): r["value"] for r in got.iter_rows(named=True)} == expected
    assert len({sector for sector, _ in expected}) > 3


@pytest.mark.parametrize("stage", ["hbo", "wo"])
def test_real_file_totals_regions_and_stages(
    real: dict[str, tuple[ParsedSource, list[dict[str, str]]]], stage: str
) -> None:
    parsed, rows = real[stage]
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations
    years = years_of(rows)
    totals = {year: float(sum(int(row[year]) for row in rows)) for year in years}
    got = frame.group_by("period").agg(pl.col("value").sum())
    assert dict(got.iter_rows()) == totals
    assert frame.height == len(rows) * len(years)
    assert frame["flag"].null_count() == frame.height
    assert frame["measure"].unique().to_list() == ["first_year"]
    assert frame["region_code"].str.contains(r"^GM\d{4}$").all()
    assert frame["region_basis"].unique().to_list() == ["reported"]
    assert frame["stage"].unique().to_list() == [stage]
    assert frame.schema == pl.Schema(OBSERVATION_SCHEMA)
    assert parsed.info.source_key == f"duo-{stage}-eerstejaars"
    assert parsed.info.loader == "duo-ho-eerstejaars@1"


def test_real_saxion_is_hbo_and_twente_university_wo(
    real: dict[str, tuple[ParsedSource, list[dict[str, str]]]],
) -> None:
    hbo, wo = real["hbo"][0].observations, real["wo"][0].observations
    assert hbo.filter(pl.col("institution") == "23AH")["stage"].unique().to_list() == ["hbo"]
    assert wo.filter(pl.col("institution") == "21PH")["stage"].unique().to_list() == ["wo"]
    kinds = {i.brin: i.kind for i in real["hbo"][0].institutions + real["wo"][0].institutions}
    assert (kinds["23AH"], kinds["21PH"]) == ("hbo", "wo")
    # Hanzehogeschool teaches wo programmes too; as an institution it stays hbo.
    assert kinds["25BE"] == "hbo"


@pytest.mark.parametrize("stage", ["hbo", "wo"])
def test_real_regions_are_the_files_gemeenten_with_their_province(
    real: dict[str, tuple[ParsedSource, list[dict[str, str]]]], stage: str
) -> None:
    parsed, rows = real[stage]
    expected = {
        "GM" + row["GEMEENTENUMMER"]: (row["GEMEENTENAAM"], PROVINCES[row["PROVINCIE"]])
        for row in rows
    }
    assert {r.code: (r.name, r.parent_code) for r in parsed.regions} == expected
    assert {r.kind for r in parsed.regions} == {"gemeente"}


@pytest.mark.parametrize("stage", ["hbo", "wo"])
def test_croho_code_ranges_agree_with_the_real_files(
    real: dict[str, tuple[ParsedSource, list[dict[str, str]]]],
    stage: str,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    rows = real[stage][1]
    assert {duo_ho.stage_from_code(row[CODE]) for row in rows} == {stage}
    # Without hbo/wo in the file name, the code range alone decides the stage.
    link = tmp_path / "eerstejaars_2015-2019.csv"
    link.symlink_to(shared_data / "duo" / f"{stage}_eerstejaars_2015-2019.csv")
    parsed = duo_ho.parse_eerstejaars(link, CONTEXT)
    assert parsed.observations["stage"].unique().to_list() == [stage]


def test_real_levels_and_pathways(
    real: dict[str, tuple[ParsedSource, list[dict[str, str]]]],
) -> None:
    hbo, wo = real["hbo"][0], real["wo"][0]
    assert set(hbo.observations["level"].unique()) == {"ad", "bachelor", "master"}
    assert set(wo.observations["pathway"].unique()) == {"voltijd", "deeltijd", "duaal"}
    # wo's 'postmaster' is no level of the cube: level stays empty, with one warning.
    assert [(w.code, w.to_dict()["value"]) for w in wo.report.warnings] == [
        ("unknown-code", "postmaster")
    ]
    postmaster = sum(row["TYPE HOGER ONDERWIJS"] == "postmaster" for row in real["wo"][1])
    assert wo.observations["level"].null_count() == postmaster * 5
    assert hbo.report.warnings == []


# --- synthetic fixtures: the three tables, CSV and JSON ------------------------------------


def test_ingeschrevenen_with_suppressed_and_blank_cells(tmp_path: Path) -> None:
    parsed = parse_lines(
        tmp_path,
        [
            HEADER,
            SAXION.replace("bachelor", "associate degree").replace("34267", "80001") + ";<5;",
            SAXION.replace("voltijd", "duaal").replace("man", "vrouw") + ";12;7",
        ],
        name="ingeschrevenen_hbo_2018-2019.csv",
        parser=duo_ho.parse_ingeschrevenen,
    )
    assert parsed.report.valid, parsed.report.summary()
    got = parsed.observations.select(
        "measure", "period", "level", "pathway", "gender", "value", "flag"
    ).rows()
    assert got == [
        ("enrolled", "2018", "ad", "voltijd", "man", None, "suppressed"),
        ("enrolled", "2018", "bachelor", "duaal", "vrouw", 12.0, None),
        ("enrolled", "2019", "ad", "voltijd", "man", None, "missing"),
        ("enrolled", "2019", "bachelor", "duaal", "vrouw", 7.0, None),
    ]
    assert parsed.info.source_key == "duo-hbo-ingeschrevenen"
    assert parsed.info.title == "Ingeschrevenen hbo"


def test_gediplomeerden_take_stage_and_level_from_soort_diploma(tmp_path: Path) -> None:
    body = SAXION.replace("reguliere inst.;bachelor", "{}")
    kinds = ["hbo bachelor", "wo master", "associate degree", "hbo master", "wo bachelor"]
    lines = [
        body.format(kind).replace("34267", f"3426{n}") + ";1;2" for n, kind in enumerate(kinds)
    ]
    lines.append(body.format("wo doctoraal").replace("34267", "60001") + ";3;")
    parsed = parse_lines(
        tmp_path, [DIPLOMA_HEADER, *lines], "gediplomeerden.csv", duo_ho.parse_gediplomeerden
    )
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations.filter(pl.col("period") == "2018")
    assert frame.select("stage", "level").rows() == [
        ("hbo", "bachelor"),
        ("wo", "master"),
        ("hbo", "ad"),
        ("hbo", "master"),
        ("wo", "bachelor"),
        ("wo", "master"),
    ]
    assert frame["measure"].unique().to_list() == ["graduates"]
    # hbo and wo in one file: the series key is the kind's own name.
    assert parsed.info.source_key == "duo-ho-gediplomeerden"


@pytest.mark.parametrize(
    ("parser", "measure", "columns"),
    [
        (duo_ho.parse_eerstejaars, "first_year", COLUMNS),
        (duo_ho.parse_ingeschrevenen, "enrolled", COLUMNS),
        (duo_ho.parse_gediplomeerden, "graduates", DIPLOMA_HEADER.split(";")),
    ],
)
def test_json_records_parse_like_the_csv(
    tmp_path: Path, parser: Parser, measure: str, columns: list[str]
) -> None:
    values = dict(zip(COLUMNS[:-2], SAXION.split(";"), strict=True))
    values["SOORT DIPLOMA"] = "hbo bachelor"
    records = [
        {c: values.get(c) for c in columns[:-2]} | {"2018": 31, "2019": "4"},
        {c: values.get(c) for c in columns[:-2]} | {"GESLACHT": "vrouw", "2018": None, "2019": 2.0},
    ]
    records[1]["GEMEENTENUMMER"] = 153  # a number loses its leading zero; still GM0153
    path = tmp_path / "ho_records.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    parsed = parser(path, CONTEXT)
    assert parsed.report.flatten(["row", "column", "code"]) == []
    assert parsed.report.valid, parsed.report.summary()
    got = parsed.observations.select("measure", "region_code", "gender", "value", "flag").rows()
    assert got == [
        (measure, "GM0153", "man", 31.0, None),
        (measure, "GM0153", "vrouw", None, "missing"),
        (measure, "GM0153", "man", 4.0, None),
        (measure, "GM0153", "vrouw", 2.0, None),
    ]
    assert parsed.observations["stage"].unique().to_list() == ["hbo"]


def json_record(**changes: object) -> dict[str, object]:
    values: dict[str, object] = dict(zip(COLUMNS[:-2], SAXION.split(";"), strict=True))
    return values | {"2018": 1, "2019": 2} | changes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [[None, None, "empty-file"]]),
        ('[{"PROVINCIE": ', [[None, None, "file-error"]]),
        ('{"PROVINCIE": "Drenthe"}', [[None, None, "table-error"]]),
        ("[]", [[None, None, "table-error"]]),
        (json.dumps([json_record(), ["a"]]), [[3, None, "row-error"]]),
        (
            json.dumps(
                [json_record(), {k: v for k, v in json_record().items() if k != "GESLACHT"}]
            ),
            [[3, "GESLACHT", "missing-key"]],
        ),
        (json.dumps([json_record(**{"2019": -1})]), [[2, "2019", "cell-range"]]),
        (json.dumps([json_record(**{"2019": [1]})]), [[2, "2019", "cell-type"]]),
        ("[1, 2]", [[None, None, "table-error"]]),
        (json.dumps([{"PROVINCIE": "Drenthe", "2019": 1}]), None),
    ],
)
def test_bad_json_is_a_clean_issue(
    tmp_path: Path, text: str, expected: list[list[object]] | None
) -> None:
    path = tmp_path / "hbo_eerstejaars.json"
    path.write_text(text, encoding="utf-8")
    parsed = duo_ho.parse_eerstejaars(path, CONTEXT)
    assert not parsed.report.valid
    if expected is None:  # a header of the wrong table: every missing column is named
        assert {i.code for i in parsed.report.issues} == {"missing-column"}
    else:
        assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert parsed.observations.height == 0


# --- matching a file to its kind ------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "file_name", "expected"),
    [
        (COLUMNS, "hbo_eerstejaars_2015-2019.csv", "duo-ho-eerstejaars"),
        (COLUMNS, "03b eerstejaars ingeschrevenen hbo.csv", "duo-ho-eerstejaars"),
        (COLUMNS, "1e-jaars wo 2020.csv", "duo-ho-eerstejaars"),
        (COLUMNS, "01-ingeschrevenen-wo-2020.csv", "duo-ho-ingeschrevenen"),
        (DIPLOMA_HEADER.split(";"), "wo.csv", "duo-ho-gediplomeerden"),
        (DIPLOMA_HEADER.split(";"), "eerstejaars.csv", "duo-ho-gediplomeerden"),
        (COLUMNS, "hbo_2020.csv", None),  # the caller asks for --kind
        (["PROVINCIE", "BRIN NUMMER", "2019"], "hbo_eerstejaars.csv", None),
    ],
)
def test_matches_tells_the_tables_apart(
    header: list[str], file_name: str, expected: str | None
) -> None:
    for is_json in (False, True):
        kinds = [k for k in duo_ho.KINDS if k.json is is_json]
        assert len(kinds) == 3
        suffix = "-json" if is_json else ""
        assert [k.name for k in kinds if k.matches(header, file_name)] == (
            [expected + suffix] if expected else []
        )


# --- bad input ------------------------------------------------------------------------------


def test_file_name_decides_the_stage_but_a_contradiction_is_a_warning(tmp_path: Path) -> None:
    lines = [HEADER, SAXION + ";1;2", SAXION.replace("34267", "56999") + ";1;2"]
    parsed = parse_lines(tmp_path, lines, "wo_eerstejaars.csv")
    assert parsed.report.valid
    assert parsed.observations["stage"].unique().to_list() == ["wo"]
    assert [(w.to_dict()["row"], w.code) for w in parsed.report.warnings] == [(2, "unknown-code")]


def test_stage_that_cannot_be_decided_is_reported(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, [HEADER, SAXION.replace("34267", "12345") + ";1;2"], "ho.csv")
    assert parsed.report.flatten(["row", "column", "code"]) == [[2, CODE, "unknown-code"]]
    assert isinstance(parsed.report.issues[0], TableIssue)
    assert "hbo of wo is niet te bepalen" in parsed.report.issues[0].message()
    assert parsed.observations.height == 0


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (SAXION + ";-3;1", [[2, "2018", "cell-range"]]),
        (SAXION + ";1;veel", [[2, "2019", "cell-type"]]),
        (SAXION + ";1;2.5", [[2, "2019", "cell-type"]]),
        (SAXION.replace("23AH", "2AH") + ";1;2", [[2, "BRIN NUMMER ACTUEEL", "unknown-code"]]),
        (SAXION.replace("0153", "01534") + ";1;2", [[2, "GEMEENTENUMMER", "unknown-code"]]),
        (SAXION.replace("0153", "GM0153") + ";1;2", [[2, "GEMEENTENUMMER", "unknown-code"]]),
        (SAXION.replace("Overijssel", "Twente") + ";1;2", [[2, "PROVINCIE", "unknown-code"]]),
        (SAXION.replace("34267", "3426") + ";1;2", [[2, CODE, "unknown-code"]]),
        (SAXION.replace(";man", ";onbekend") + ";1;2", [[2, "GESLACHT", "unknown-code"]]),
        (SAXION.replace("voltijd", "avond") + ";1;2", [[2, "OPLEIDINGSVORM", "unknown-code"]]),
        (SAXION + ";1", [[2, None, "row-length"]]),
    ],
)
def test_bad_cells_are_typed_issues_with_their_position(
    tmp_path: Path, row: str, expected: list[list[object]]
) -> None:
    parsed = parse_lines(tmp_path, [HEADER, row])
    assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert parsed.observations.height == 0
    assert parsed.regions == [] and parsed.institutions == []


def test_duplicate_row(tmp_path: Path) -> None:
    parsed = parse_lines(tmp_path, [HEADER, SAXION + ";1;2", SAXION + ";3;4"])
    assert parsed.report.flatten(["row", "column", "code"]) == [[3, None, "duplicate-row"]]


def test_truncated_file_and_file_cut_mid_row(tmp_path: Path) -> None:
    good = SAXION + ";1;2"
    other = good.replace(";man;", ";vrouw;")
    truncated = write(tmp_path, "hbo_eerstejaars.csv", [HEADER, good, other[:-5]])
    parsed = duo_ho.parse_eerstejaars(truncated, CONTEXT)
    assert parsed.report.flatten(["row", "column", "code"]) == [[3, None, "row-length"]]
    assert parsed.observations.height == 0
    cut = tmp_path / "wo_eerstejaars.csv"
    cut.write_bytes(f'{HEADER}\r\n{good}\r\nOverijssel;0153;"Enschede'.encode())
    parsed = duo_ho.parse_eerstejaars(cut, CONTEXT)
    assert parsed.report.flatten(["row", "column", "code"]) == [[3, None, "row-error"]]
    assert parsed.observations.height == 0


def test_latin1_file_keeps_its_accents(tmp_path: Path) -> None:
    row = (
        "Fryslân;1900;Súdwest-Fryslân;reguliere inst.;bachelor;31FR;NHL Stenden Hogeschool;"
        "techniek;n.v.t. (techniek);34267;B Elektrotechniek – Café;deeltijd onderwijs;vrouw;5;6"
    )
    path = write(tmp_path, "hbo_eerstejaars.csv", [HEADER, row], encoding="cp1252")
    parsed = duo_ho.parse_eerstejaars(path, CONTEXT)
    assert parsed.report.valid, parsed.report.summary()
    assert [(r.code, r.name, r.parent_code) for r in parsed.regions] == [
        ("GM1900", "Súdwest-Fryslân", "PV21")
    ]
    assert parsed.observations["programme_name"][0] == "B Elektrotechniek – Café"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace(";GESLACHT", ""), [[1, "GESLACHT", "missing-column"]]),
        (
            HEADER.replace("BRIN NUMMER ACTUEEL", "BRIN NUMMER"),
            [[1, "BRIN NUMMER ACTUEEL", "missing-column"]],
        ),
        (HEADER.replace(";2018;2019", ";jaar;totaal"), [[1, "<jaar>", "missing-column"]]),
        (HEADER.replace(";2018;", ";2019;"), [[1, None, "row-error"]]),
    ],
)
def test_missing_or_renamed_column(
    tmp_path: Path, header: str, expected: list[list[object]]
) -> None:
    parsed = parse_lines(tmp_path, [header, SAXION + ";1;2"])
    assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert "rij 1" in parsed.report.issues[0].message()
    assert parsed.observations.height == 0


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty-file"),
        (b"PK\x03\x04\x14\x00\x00\x00", "binary-file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary-file"),
    ],
)
def test_unreadable_files(tmp_path: Path, raw: bytes, code: str) -> None:
    path = tmp_path / "hbo_eerstejaars.csv"
    path.write_bytes(raw)
    parsed = duo_ho.parse_eerstejaars(path, CONTEXT)
    assert [issue.code for issue in parsed.report.issues] == [code]
    assert parsed.observations.height == 0
