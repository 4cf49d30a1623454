"""The CBS StatLine importers: vacancy tables and their metadata."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pijplijn.content.loader import load_pack
from pijplijn.ingest import cbs, cbs_metadata
from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.records import ParsedSource
from pijplijn.store.reference import cbs_measures

CONTEXT = ImportContext(
    regions={"NL01": "land", **{f"PV{n}": "provincie" for n in range(20, 32)}},
    cbs_measures=cbs_measures(load_pack("twente")),
)
BOM = "\ufeff"
SBI_HEADER = (
    '"ID";"Bedrijfskenmerken";"Perioden";"OpenstaandeVacatures_1";"OntstaneVacatures_2";'
    '"VervuldeVacatures_3"\n'
)
REGIO_HEADER = "ID,BedrijfstakkenBranchesSBI2008,Regios,Perioden,OpenstaandeVacatures\n"
MEASURE_COLUMNS = {
    "OpenstaandeVacatures_1": "vacancies_open",
    "OntstaneVacatures_2": "vacancies_new",
    "VervuldeVacatures_3": "vacancies_filled",
    "OpenstaandeVacatures": "vacancies_open",
}


def sbi_row(i: int, key: str, period: str, *values: str) -> str:
    return ";".join(f'"{v}"' for v in (str(i), key, period, *values)) + "\n"


def write(tmp_path: Path, text: str, name: str = "80472ned_vacatures_sbi.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def parse_text(tmp_path: Path, text: str, name: str = "80472ned_vacatures_sbi.csv") -> ParsedSource:
    return cbs.parse(write(tmp_path, text, name), CONTEXT)


# --- synthetic: data tables -----------------------------------------------------------------


def test_national_table_with_bom_quotes_and_padding(tmp_path: Path) -> None:
    text = (
        BOM
        + SBI_HEADER
        + sbi_row(0, "T001081", "1997KW01", "    89.8", "     152", "     142")
        + sbi_row(1, "300002 ", "1997JJ00", "       .", "       x", "      12")
    )
    parsed = parse_text(tmp_path, text)
    assert parsed.report.valid, parsed.report.summary()
    rows = parsed.observations.select(
        "measure", "period", "period_unit", "sector", "region_code", "value", "flag"
    ).rows()
    assert rows == [
        ("vacancies_open", "1997KW01", "quarter", "T001081", "NL01", 89.8, None),
        ("vacancies_new", "1997KW01", "quarter", "T001081", "NL01", 152.0, None),
        ("vacancies_filled", "1997KW01", "quarter", "T001081", "NL01", 142.0, None),
        ("vacancies_open", "1997", "year", "300002", "NL01", None, "missing"),
        ("vacancies_new", "1997", "year", "300002", "NL01", None, "suppressed"),
        ("vacancies_filled", "1997", "year", "300002", "NL01", 12.0, None),
    ]
    frame = parsed.observations
    assert set(frame.get_column("unit")) == {"thousand"}
    assert set(frame.get_column("region_basis")) == {"reported"}
    assert frame.filter(pl.col("period") == "1997").get_column("note").to_list() == [
        "jaarcijfer: gewogen gemiddelde van de kwartalen",
        "jaarcijfer: totaal van de vier kwartalen",
        "jaarcijfer: totaal van de vier kwartalen",
    ]
    assert (parsed.info.source_key, parsed.info.publisher, parsed.info.licence) == (
        "cbs:80472ned",
        "CBS",
        "CC BY 4.0",
    )


def test_regional_table_strips_padded_keys_and_brings_landsdelen(tmp_path: Path) -> None:
    text = (
        BOM
        + REGIO_HEADER
        + "0,T001081,NL01  ,2011KW01,135.5\n"
        + "1,T001081,LD02  ,2011KW01,30.1\n"
        + "2,T001081,PV23  ,2011KW01,\n"
    )
    parsed = parse_text(tmp_path, text, name="vacatures_regio_provincie.csv")
    assert parsed.report.valid, parsed.report.summary()
    assert parsed.observations.select("region_code", "value", "flag").rows() == [
        ("NL01", 135.5, None),
        ("LD02", 30.1, None),
        ("PV23", None, "missing"),
    ]
    assert [(r.code, r.name, r.kind, r.parent_code) for r in parsed.regions] == [
        ("LD02", "Oost-Nederland", "landsdeel", "NL01")
    ]
    assert parsed.info.source_key == "cbs:vacatures-regio"


def test_unmapped_measures_keep_their_cbs_name_and_are_reported(tmp_path: Path) -> None:
    text = REGIO_HEADER.replace("\n", ",Vacaturegraad_4\n") + "0,T001081,NL01,2011KW01,1.5,3\n"
    parsed = parse_text(tmp_path, text, name="regio.csv")
    assert parsed.report.valid
    assert [(w.code, w.column) for w in parsed.report.warnings] == [  # type: ignore[attr-defined]
        ("unmapped-measure", "Vacaturegraad_4")
    ]
    assert "geladen als 'cbs:Vacaturegraad'" in parsed.report.warnings[0].message()
    rows = parsed.observations.select("measure", "value", "unit", "source_ref").rows()
    assert rows == [
        ("vacancies_open", 1.5, "thousand", "OpenstaandeVacatures"),
        ("cbs:Vacaturegraad", 3.0, "unknown", "Vacaturegraad_4"),
    ]


def test_any_table_other_dimensions_become_breakdowns(tmp_path: Path) -> None:
    """Synthetic StatLine export: a jobs table by gender (a dimension the importer has no
    name for) and COROP region; its keys are kept, its measure mapped by the pack."""
    text = (
        "ID,Geslacht,RegioS,Perioden,BanenVanWerknemersInDecember_1\n"
        "0,3000   ,CR12  ,2020JJ00,150.5\n"
        "1,4000   ,CR12  ,2020JJ00,.\n"
    )
    context = ImportContext(regions={"CR12": "corop"}, cbs_measures=CONTEXT.cbs_measures)
    parsed = cbs.parse(write(tmp_path, text, "12345ned_banen.csv"), context)
    assert parsed.report.valid, parsed.report.summary()
    rows = parsed.observations.select(
        "measure", "region_code", "period", "sector", "subsector", "value", "flag", "unit"
    ).rows()
    assert rows == [
        ("jobs", "CR12", "2020", None, "Geslacht=3000", 150.5, None, "thousand"),
        ("jobs", "CR12", "2020", None, "Geslacht=4000", None, "missing", "thousand"),
    ]
    assert parsed.info.source_key == "cbs:12345ned"


def test_latin1_file_imports(tmp_path: Path) -> None:
    path = tmp_path / "regio.csv"
    path.write_bytes((REGIO_HEADER + "0,T001081,PV21,2011KW01,4.5\n").encode("cp1252"))
    parsed = cbs.parse(path, CONTEXT)
    assert parsed.report.valid
    assert parsed.observations.get_column("value").to_list() == [4.5]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            sbi_row(0, "T001081", "1997KW01", "abc", "1", "1"),
            [[2, "OpenstaandeVacatures_1", "cell-type"]],
        ),
        (
            sbi_row(0, "T001081", "1997KW01", "1", "-4", "1"),
            [[2, "OntstaneVacatures_2", "cell-range"]],
        ),
        (
            sbi_row(0, "T001081", "1997KW01", "1", "1", "1,5"),
            [[2, "VervuldeVacatures_3", "cell-type"]],
        ),
        (sbi_row(0, "T001081", "1997KW05", "1", "1", "1"), [[2, "Perioden", "cell-type"]]),
        (sbi_row(0, "", "1997KW01", "1", "1", "1"), [[2, "Bedrijfskenmerken", "unknown-code"]]),
        (
            sbi_row(0, "T001081", "1997KW01", "1", "1", "1") * 2,
            [[3, None, "duplicate-row"]],
        ),
        ('"0";"T001081";"1997KW01";"1";"1"\n', [[2, None, "row-length"]]),
    ],
)
def test_bad_rows(tmp_path: Path, row: str, expected: list[list[object]]) -> None:
    parsed = parse_text(tmp_path, SBI_HEADER + row)
    assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert parsed.observations.height == 0


def test_unknown_region_code(tmp_path: Path) -> None:
    parsed = parse_text(tmp_path, REGIO_HEADER + "0,T001081,XX99,2011KW01,1\n", name="r.csv")
    assert parsed.report.flatten(["row", "column", "code"]) == [[2, "Regios", "unknown-code"]]
    assert parsed.observations.height == 0


def test_truncated_inside_a_quoted_field(tmp_path: Path) -> None:
    text = SBI_HEADER + sbi_row(0, "T001081", "1997KW01", "1", "2", "3") + '"1";"T001081";"1997KW'
    parsed = parse_text(tmp_path, text)
    assert parsed.report.flatten(["row", "code"]) == [[3, "row-error"]]
    assert parsed.observations.height == 0


def test_cut_mid_row(tmp_path: Path) -> None:
    text = REGIO_HEADER + "0,T001081,NL01  ,2011KW01,135.5\n1,T001081,NL01  ,2011"
    parsed = parse_text(tmp_path, text, name="r.csv")
    assert parsed.report.flatten(["row", "code"]) == [[3, "row-length"]]
    assert parsed.observations.height == 0


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (SBI_HEADER.replace('"Perioden"', '"Periode"'), "Perioden"),
        (SBI_HEADER.replace('"ID"', '"Nummer"'), "ID"),
    ],
)
def test_missing_column(tmp_path: Path, header: str, column: str) -> None:
    parsed = parse_text(tmp_path, header + sbi_row(0, "T001081", "1997KW01", "1", "2", "3"))
    assert parsed.report.flatten(["column", "code"]) == [[column, "missing-column"]]
    assert parsed.observations.height == 0


def test_no_measure_column(tmp_path: Path) -> None:
    parsed = parse_text(tmp_path, "ID,Bedrijfskenmerken,Perioden,Banen\n0,T001081,2011KW01,4\n")
    assert parsed.report.flatten(["column", "code"]) == [["OpenstaandeVacatures", "missing-column"]]
    assert "BanenVanWerknemersInDecember_1" in parsed.report.issues[0].message()


def test_header_only(tmp_path: Path) -> None:
    parsed = parse_text(tmp_path, SBI_HEADER)
    assert parsed.report.flatten(["code"]) == [["table-error"]]


@pytest.mark.parametrize(
    ("raw", "code"), [(b"", "empty-file"), (b"\x1f\x8b\x08\x00\x00\x00", "binary-file")]
)
@pytest.mark.parametrize("parser", [cbs.parse, cbs_metadata.parse_metadata])
def test_unreadable_files(tmp_path: Path, raw: bytes, code: str, parser) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "80472ned.csv"
    path.write_bytes(raw)
    parsed = parser(path, CONTEXT)
    assert parsed.report.flatten(["code"]) == [[code]]
    assert parsed.observations.height == 0


def test_matches() -> None:
    assert cbs.KIND.matches(["ID", "Bedrijfskenmerken", "Perioden", "X"], "a.csv")
    assert not cbs.KIND.matches(["Key", "Title"], "a.csv")
    assert cbs_metadata.KIND.matches(["Key", "Title", "Regios"], "a.csv")
    assert cbs_metadata.KIND.matches(["TableInfos"], "a.csv")
    assert not cbs_metadata.KIND.matches(["ID", "Perioden"], "a.csv")


# --- synthetic: metadata --------------------------------------------------------------------

BLOCKS = (
    '"TableInfos"\n'
    '"ID";"Title";"Identifier"\n'
    '"0";"Vacatures; test";"80472ned"\n'
    '"DataProperties"\n'
    "ID;Position;Type;Key;Title\n"
    '"0";"0";"Dimension";"Bedrijfskenmerken";"Bedrijfskenmerken"\n'
    '"1";"1";"TimeDimension";"Perioden";"Perioden"\n'
    '"2";"2";"Topic";"OpenstaandeVacatures_1";"Openstaande vacatures"\n'
    '"Bedrijfskenmerken"\n'
    "Key;Title;Description\n"
    '"T001081";"A-U Alle economische activiteiten";"Alle activiteiten\n'
    'over twee regels"\n'
    '"300007";"G-N Commerciële dienstverlening";""\n'
    '"Perioden"\n'
    "Key;Title;Description;Status\n"
    '"2023KW02";"2023 2e kwartaal";;"Voorlopig"\n'
)


def test_metadata_blocks_give_labels(tmp_path: Path) -> None:
    parsed = cbs_metadata.parse_metadata(write(tmp_path, BOM + BLOCKS, "meta.csv"), CONTEXT)
    assert parsed.report.valid, parsed.report.summary()
    assert [(c.scheme, c.code, c.label) for c in parsed.code_labels] == [
        ("sbi2008", "T001081", "A-U Alle economische activiteiten"),
        ("sbi2008", "300007", "G-N Commerciële dienstverlening"),
        ("cbs-periode", "2023KW02", "2023 2e kwartaal"),
    ]
    assert parsed.info.source_key == "cbs-metadata:80472ned"
    assert parsed.info.title == "Vacatures; test (metadata)"
    assert parsed.observations.height == 0


def test_metadata_cp1252_keeps_accents(tmp_path: Path) -> None:
    path = tmp_path / "sbi.csv"
    path.write_bytes("Key,Title\n300007,G-N Commerciële dienstverlening\n".encode("cp1252"))
    parsed = cbs_metadata.parse_metadata(path, CONTEXT)
    assert parsed.report.valid
    assert parsed.code_labels[0].label == "G-N Commerciële dienstverlening"


def test_metadata_bad_rows(tmp_path: Path) -> None:
    text = BLOCKS.replace('"300007";"G-N Commerciële dienstverlening"', '"";"G-N"')
    text += '"2023KW02";"dubbel";;"Voorlopig"\n'
    parsed = cbs_metadata.parse_metadata(write(tmp_path, text, "meta.csv"), CONTEXT)
    assert parsed.report.flatten(["row", "column", "code"]) == [
        [13, "Key", "cell-type"],
        [17, None, "duplicate-row"],
    ]
    assert parsed.code_labels == []


def test_metadata_block_without_title_column(tmp_path: Path) -> None:
    text = BLOCKS.replace("Key;Title;Description;Status", "Key;Titel;Description;Status")
    parsed = cbs_metadata.parse_metadata(write(tmp_path, text, "meta.csv"), CONTEXT)
    assert parsed.report.flatten(["column", "code", "note"]) == [
        ["Title", "missing-column", "blok Perioden"]
    ]


def test_metadata_truncated(tmp_path: Path) -> None:
    text = BLOCKS[: BLOCKS.index("over twee")]
    parsed = cbs_metadata.parse_metadata(write(tmp_path, text, "meta.csv"), CONTEXT)
    assert parsed.report.flatten(["code"]) == [["row-error"]]
    assert parsed.code_labels == []


def test_metadata_code_list_needs_key_and_title(tmp_path: Path) -> None:
    parsed = cbs_metadata.parse_metadata(
        write(tmp_path, "Key,Titel\nNL01,Nederland\n", "r.csv"), CONTEXT
    )
    assert parsed.report.flatten(["column", "code"]) == [["Title", "missing-column"]]


def test_region_code_list(tmp_path: Path) -> None:
    text = "Key,Title, Regios\nNL01  ,Nederland, 0\nLD01  ,Noord-Nederland (LD), 1\n"
    parsed = cbs_metadata.parse_metadata(write(tmp_path, text, "r.csv"), CONTEXT)
    assert [(c.scheme, c.code) for c in parsed.code_labels] == [
        ("cbs-regio", "NL01"),
        ("cbs-regio", "LD01"),
    ]
    assert [(r.code, r.name) for r in parsed.regions] == [("LD01", "Noord-Nederland")]
    assert parsed.info.source_key == "cbs-metadata:cbs-regio"


# --- real data ------------------------------------------------------------------------------


def raw_table(path: Path, delimiter: str) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    return rows[0], rows[1:]


@pytest.mark.parametrize(
    ("name", "delimiter", "source_key"),
    [
        ("80472ned_vacatures_sbi.csv", ";", "cbs:80472ned"),
        ("vacatures_regio_provincie.csv", ",", "cbs:vacatures-regio"),
    ],
)
def test_real_tables(shared_data: Path, name: str, delimiter: str, source_key: str) -> None:
    path = shared_data / "cbs" / name
    header, rows = raw_table(path, delimiter)
    measures = [i for i, h in enumerate(header) if h in MEASURE_COLUMNS]
    cells = [(h, r[i].strip()) for r in rows for i, h in [(i, header[i]) for i in measures]]
    parsed = cbs.parse(path, CONTEXT)
    assert parsed.report.valid, parsed.report.summary()
    assert parsed.info.source_key == source_key
    frame = parsed.observations
    assert frame.height == len(cells)
    missing = sum(1 for _, v in cells if v in ("", "."))
    assert frame.filter(pl.col("flag") == "missing").height == missing
    assert frame.get_column("value").null_count() == missing
    sums: Counter[str] = Counter()
    for column, value in cells:
        if value not in ("", "."):
            sums[MEASURE_COLUMNS[column]] += float(value)
    totals = dict(frame.group_by("measure").agg(pl.col("value").sum()).rows())
    assert totals == pytest.approx(dict(sums))
    units = Counter(frame.get_column("period_unit"))
    raw_units = Counter(
        "year" if r[header.index("Perioden")].endswith("JJ00") else "quarter" for r in rows
    )
    assert units == {u: n * len(measures) for u, n in raw_units.items()}


def test_real_regional_keys_are_stripped(shared_data: Path) -> None:
    path = shared_data / "cbs" / "vacatures_regio_provincie.csv"
    header, rows = raw_table(path, ",")
    raw_keys = {r[header.index("Regios")] for r in rows}
    assert "NL01  " in raw_keys
    parsed = cbs.parse(path, CONTEXT)
    assert set(parsed.observations.get_column("region_code")) == {k.strip() for k in raw_keys}
    landsdelen = sorted(k.strip() for k in raw_keys if k.startswith("LD"))
    assert [r.code for r in parsed.regions] == landsdelen
    first = rows[0]
    value = parsed.observations.row(0, named=True)
    assert (value["sector"], value["region_code"], value["period"], value["value"]) == (
        first[1],
        first[2].strip(),
        first[3],
        float(first[4]),
    )


def test_real_quarter_and_year(shared_data: Path) -> None:
    path = shared_data / "cbs" / "80472ned_vacatures_sbi.csv"
    header, rows = raw_table(path, ";")
    parsed = cbs.parse(path, CONTEXT)
    frame = parsed.observations.filter(
        (pl.col("sector") == "T001081") & (pl.col("measure") == "vacancies_open")
    )
    raw = {r[2]: float(r[3]) for r in rows if r[1] == "T001081" and r[3].strip() != "."}
    by_period = dict(frame.select("period", "value").rows())
    assert by_period["1997KW01"] == raw["1997KW01"]
    year = max(p for p in raw if p.endswith("JJ00"))
    assert by_period[year[:4]] == raw[year]
    assert dict(frame.select("period", "period_unit").rows())[year[:4]] == "year"


def test_real_metadata(shared_data: Path) -> None:
    folder = shared_data / "cbs"
    blocks = cbs_metadata.parse_metadata(folder / "80472ned_vacatures_metadata.csv", CONTEXT)
    assert blocks.report.valid, blocks.report.summary()
    labels = {(c.scheme, c.code): c.label for c in blocks.code_labels}
    assert labels[("sbi2008", "T001081")] == "A-U Alle economische activiteiten"
    _, data = raw_table(folder / "80472ned_vacatures_sbi.csv", ";")
    assert {k for s, k in labels if s == "sbi2008"} == {r[1].strip() for r in data}
    text = (folder / "80472ned_vacatures_metadata.csv").read_text(encoding="utf-8-sig")
    periods = set(re.findall(r'^"(\d{4}(?:KW0[1-4]|JJ00))";', text, re.MULTILINE))
    assert {k for s, k in labels if s == "cbs-periode"} == periods

    sbi = cbs_metadata.parse_metadata(folder / "sbi_sectoren_metadata.csv", CONTEXT)
    _, sbi_rows = raw_table(folder / "sbi_sectoren_metadata.csv", ",")
    assert [(c.scheme, c.code, c.label) for c in sbi.code_labels] == [
        ("sbi2008", k, t) for k, t in sbi_rows
    ]

    regios = cbs_metadata.parse_metadata(folder / "regios_metadata.csv", CONTEXT)
    _, regio_rows = raw_table(folder / "regios_metadata.csv", ",")
    assert [(c.scheme, c.code) for c in regios.code_labels] == [
        ("cbs-regio", r[0].strip()) for r in regio_rows
    ]
    assert [r.code for r in regios.regions] == ["LD01", "LD02", "LD03", "LD04"]


def test_odata_typed_data_set_reads_like_the_csv(tmp_path: Path) -> None:
    """Synthetic OData TypedDataSet ({"value": [records]}, as opendata.cbs.nl gives it): the
    same observations as the CSV export of the same rows; null is missing."""
    import json

    from pijplijn.ingest.registry import detect

    records = [
        {"ID": 0, "BedrijfstakkenBranchesSBI2008": "T001081", "RegioS": "CR12  ",
         "Perioden": "2010JJ00", "BanenVanWerknemersInDecember_1": 276.4},
        {"ID": 1, "BedrijfstakkenBranchesSBI2008": "307500 ", "RegioS": "CR12  ",
         "Perioden": "2010JJ00", "BanenVanWerknemersInDecember_1": None},
    ]  # fmt: skip
    path = tmp_path / "83582ned_odata.json"
    path.write_text(json.dumps({"odata.metadata": "x", "value": records}), "utf-8")
    csv_path = write(
        tmp_path,
        "ID,BedrijfstakkenBranchesSBI2008,RegioS,Perioden,BanenVanWerknemersInDecember_1\n"
        "0,T001081,CR12  ,2010JJ00,276.4\n1,307500 ,CR12  ,2010JJ00,\n",
        "83582ned_banen.csv",
    )
    context = ImportContext(regions={"CR12": "corop"}, cbs_measures=CONTEXT.cbs_measures)
    assert detect(path).name == "cbs-odata"
    from_json, from_csv = cbs.parse(path, context), cbs.parse(csv_path, context)
    assert from_json.report.valid, from_json.report.summary()
    columns = ["measure", "region_code", "period", "sector", "value", "flag", "unit"]
    assert from_json.observations.select(columns).rows() == [
        ("jobs", "CR12", "2010", "T001081", 276.4, None, "thousand"),
        ("jobs", "CR12", "2010", "307500", None, "missing", "thousand"),
    ]
    assert (
        from_json.observations.select(columns).rows()
        == from_csv.observations.select(columns).rows()
    )
