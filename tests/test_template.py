"""The long-format template parser (also used for the content pack's seed figures)."""

from pathlib import Path

import pytest

from pijplijn.ingest.template import KnownCodes, parse_template_csv, template_info

KNOWN = KnownCodes(regions=frozenset({"twente", "GM0153"}), institutions=frozenset({"27YU"}))
HEADER = (
    "measure,period,region,institution,stage,level,pathway,sector,gender,value,flag,subject,"
    "section,note\n"
)


def parse(tmp_path: Path, body: str, header: str = HEADER, raw: bytes | None = None):
    path = tmp_path / "partner.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(header + body, encoding="utf-8")
    info = template_info(path, "test", "Test", "Test", "test", None)
    return parse_template_csv(path, info, KNOWN)


def test_valid_rows_become_observations(tmp_path: Path) -> None:
    parsed = parse(
        tmp_path,
        "enrolled,2011,twente,27YU,mbo,2,BBL,Bouw,vrouw,12,,,§1,\n"
        "graduates,2010,twente,27YU,mbo,,,Bouw,,,missing,,§2,blank cell\n"
        "published_share,2011,twente,,,,,techniek,,-0.26,,vmbo-change,§3,\n",
    )
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations
    assert frame.height == 3
    first = frame.row(0, named=True)
    assert (
        first["measure"],
        first["period"],
        first["period_unit"],
        first["institution"],
        first["level"],
        first["pathway"],
        first["gender"],
        first["value"],
        first["unit"],
    ) == ("enrolled", "2011", "year", "27YU", "2", "BBL", "vrouw", 12.0, "count")
    missing = frame.row(1, named=True)
    assert (missing["value"], missing["flag"], missing["source_ref"]) == (None, "missing", "§2")
    assert frame.row(2, named=True)["unit"] == "share"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("enroled,2011,twente,,,,,,,1,,,,\n", [[2, "measure", "unknown-code"]]),
        ("enrolled,2011,twente,,,,,,,-4,,,,\n", [[2, "value", "cell-range"]]),
        ("enrolled,2011,twente,,,,,,,veel,,,,\n", [[2, "value", "cell-type"]]),
        ("enrolled,2011,twente,,,,,,,,,,,\n", [[2, "value", "cell-type"]]),
        ("enrolled,2011,twente,99XX,,,,,,1,,,,\n", [[2, "institution", "unknown-code"]]),
        ("enrolled,2011,GM9999,,,,,,,1,,,,\n", [[2, "region", "unknown-code"]]),
        ("enrolled,2011,twente,,mbo-x,,,,,1,,,,\n", [[2, "stage", "unknown-code"]]),
        ("enrolled,11,twente,,,,,,,1,,,,\n", [[2, "period", "cell-type"]]),
        ("published_share,2011,twente,,,,,,,0.4,,,,\n", [[2, "subject", "cell-type"]]),
        (
            "enrolled,2011,twente,,,,,,,1,,,,\nenrolled,2011,twente,,,,,,,2,,,,\n",
            [[3, None, "duplicate-row"]],
        ),
        ("enrolled,2011,twente,,,,,,,1\n", [[2, None, "row-length"]]),
    ],
)
def test_bad_cells_are_typed_issues_with_their_position(
    tmp_path: Path, body: str, expected: list[list[object]]
) -> None:
    parsed = parse(tmp_path, body)
    assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert parsed.observations.height == 0


def test_rows_are_physical_lines_with_blank_lines_skipped(tmp_path: Path) -> None:
    parsed = parse(
        tmp_path, "enrolled,2011,twente,,,,,,,1,,,,\n\nenrolled,2012,twente,,,,,,,x,,,,\n"
    )
    assert parsed.report.flatten(["row", "column"]) == [[4, "value"]]


def test_missing_column_is_reported_on_the_header(tmp_path: Path) -> None:
    parsed = parse(tmp_path, "enrolled,twente,1\n", header="measure,region,value\n")
    assert parsed.report.flatten(["column", "code"]) == [["period", "missing-column"]]
    assert "rij 1" in parsed.report.issues[0].message()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty-file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary-file"),
        (b"PK\x03\x04 not really a workbook", "binary-file"),
    ],
)
def test_unreadable_files(tmp_path: Path, raw: bytes, code: str) -> None:
    parsed = parse(tmp_path, "", raw=raw)
    assert [i.code for i in parsed.report.issues] == [code]


def test_issue_cap_marks_report_partial(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(HEADER + "enrolled,2011,twente,,,,,,,x,,,,\n" * 1200, encoding="utf-8")
    parsed = parse_template_csv(path, template_info(path, "t", "t", "t", "t", None), KNOWN)
    assert len(parsed.report.issues) == 1000
    assert parsed.report.partial
    assert "999+" in parsed.report.summary()


def test_latin1_file_with_accents_imports_intact(tmp_path: Path) -> None:
    text = HEADER + "enrolled,2011,twente,,mbo,,,Café en hôtellerie – Zuid,,3,,,§ één,\n"
    parsed = parse(tmp_path, "", raw=text.encode("cp1252"))
    assert parsed.report.valid, parsed.report.summary()
    row = parsed.observations.row(0, named=True)
    assert (row["sector"], row["source_ref"]) == ("Café en hôtellerie – Zuid", "§ één")


def test_xlsx_template(tmp_path: Path) -> None:
    import polars as pl

    path = tmp_path / "partner.xlsx"
    pl.DataFrame(
        {
            "measure": ["enrolled", "enrolled"],
            "period": ["2019", "2020"],
            "region": ["twente", "twente"],
            "value": ["12", "x"],
        }
    ).write_excel(path)
    parsed = parse_template_csv(path, template_info(path, "t", "t", "t", "t", None), KNOWN)
    assert parsed.report.flatten(["row", "column", "code"]) == [[3, "value", "cell-type"]]


def test_the_documented_example_imports(tmp_path: Path) -> None:
    from pijplijn.ingest import template

    example = Path(template.__file__).parent / "examples" / "pijplijn-sjabloon-voorbeeld.csv"
    parsed = parse_template_csv(example, template_info(example, "t", "t", "t", "t", None), KNOWN)
    assert parsed.report.valid, parsed.report.summary()
    assert parsed.observations.get_column("flag").to_list() == [None, "suppressed", "missing", None]
