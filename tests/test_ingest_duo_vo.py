"""The DUO vo examenkandidaten importer: real-data figures and every bad-input case."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pijplijn.ingest import duo_vo
from pijplijn.ingest.context import ImportContext, normalise_place
from pijplijn.ingest.records import ParsedSource

FIXED = (
    "INSTELLINGSCODE",
    "VESTIGINGSCODE",
    "INSTELLINGSNAAM VESTIGING",
    "GEMEENTENAAM",
    "ONDERWIJSTYPE VO",
    "INSPECTIECODE",
    "OPLEIDINGSNAAM",
)
YEARS = ("2019-2020", "2020-2021")
GENDERS = ("MAN", "VROUW", "TOTAAL")
MEASURES = {"EXAMENKANDIDATEN": "exam_candidates", "GESLAAGDEN": "exam_passed"}


def year_columns(year: str) -> list[str]:
    return [
        f"{m} SCHOOLJAAR {year} - {g}"
        for g in GENDERS
        for m in ("EXAMENKANDIDATEN", "GESLAAGDEN", "SLAAGPERC")
    ]


HEADER = [*FIXED, *(c for y in YEARS for c in year_columns(y))]
CONTEXT = ImportContext(
    gemeente_by_name={
        normalise_place(name): code
        for name, code in (
            ("Enschede", "GM0153"),
            ("Hengelo (O.)", "GM0164"),
            ("Súdwest-Fryslân", "GM1900"),
        )
    }
)


def row(**cells: str) -> dict[str, str]:
    """A valid row of HAVO - N&T in Enschede; ``cells`` override columns by name."""
    base = dict(
        zip(
            FIXED,
            ("00AH", "00AH00", "Het Stedelijk", "ENSCHEDE", "HAVO", "50", "HAVO - N&T"),
            strict=True,
        )
    )
    for year in YEARS:
        for column, value in zip(
            year_columns(year),
            ("10", "9", "90", "12", "12", "100", "22", "21", "95.5"),
            strict=True,
        ):
            base[column] = value
    return {**base, **cells}


def write(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER, enc="utf-8") -> Path:
    lines = [";".join(f'"{h}"' for h in header)]
    lines += [";".join(f'"{r.get(h, "")}"' for h in header) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(enc))
    return path


def parse_rows(tmp_path: Path, rows: list[dict[str, str]], **kw: object) -> ParsedSource:
    return duo_vo.parse(write(tmp_path / "vo.csv", rows, **kw), CONTEXT)  # type: ignore[arg-type]


def column(measure: str, year: str, gender: str) -> str:
    return f"{measure} SCHOOLJAAR {year} - {gender}"


# --- synthetic: what is stored --------------------------------------------------------------


def test_counts_become_long_observations_per_gender(tmp_path: Path) -> None:
    parsed = parse_rows(tmp_path, [row()])
    assert parsed.report.valid, parsed.report.summary()
    frame = parsed.observations
    assert frame.height == 12  # 2 years x 2 measures x man/vrouw/TOTAAL (gender null)
    first = frame.row(0, named=True)
    assert {k: first[k] for k in ("measure", "period", "period_unit", "gender", "value")} == {
        "measure": "exam_candidates",
        "period": "2019-2020",
        "period_unit": "school_year",
        "gender": "man",
        "value": 10.0,
    }
    assert (first["institution"], first["source_ref"], first["programme_code"]) == (
        "00AH",
        "00AH00",
        "50",
    )
    assert (first["stage"], first["sector"], first["programme_name"]) == (
        "havo",
        "N&T",
        "HAVO - N&T",
    )
    assert (first["region_code"], first["region_basis"], first["unit"]) == (
        "GM0153",
        "establishment",
        "count",
    )
    assert parsed.institutions[0].brin == "00AH" and parsed.institutions[0].kind == "vo"
    assert parsed.info.source_key == "duo-vo-examens"
    assert parsed.info.title == "Examenkandidaten en geslaagden 2019-2021"


def test_suppressed_is_none_never_zero_and_blank_is_missing(tmp_path: Path) -> None:
    man = column("EXAMENKANDIDATEN", "2019-2020", "MAN")
    vrouw = column("GESLAAGDEN", "2019-2020", "VROUW")
    parsed = parse_rows(tmp_path, [row(**{man: "<5", vrouw: ""})])
    frame = parsed.observations.filter(pl.col("period") == "2019-2020")
    flags = {
        (r["measure"], r["gender"]): (r["value"], r["flag"]) for r in frame.iter_rows(named=True)
    }
    assert flags[("exam_candidates", "man")] == (None, "suppressed")
    assert flags[("exam_passed", "vrouw")] == (None, "missing")
    assert flags[("exam_candidates", "vrouw")] == (12.0, None)


def test_published_total_is_stored_beside_the_parts(tmp_path: Path) -> None:
    cells = {
        column("EXAMENKANDIDATEN", "2019-2020", "MAN"): "<5",
        column("EXAMENKANDIDATEN", "2019-2020", "VROUW"): "11",
        column("EXAMENKANDIDATEN", "2019-2020", "TOTAAL"): "14",
        column("GESLAAGDEN", "2019-2020", "MAN"): "<5",
        column("GESLAAGDEN", "2019-2020", "VROUW"): "",
        column("GESLAAGDEN", "2019-2020", "TOTAAL"): "<5",
        column("EXAMENKANDIDATEN", "2020-2021", "TOTAAL"): "",
    }
    frame = parse_rows(tmp_path, [row(**cells)]).observations
    first = frame.filter(pl.col("period") == "2019-2020")
    assert first.select("measure", "gender", "value", "flag").rows() == [
        ("exam_candidates", "man", None, "suppressed"),
        ("exam_candidates", "vrouw", 11.0, None),
        ("exam_candidates", None, 14.0, None),
        ("exam_passed", "man", None, "suppressed"),
        ("exam_passed", "vrouw", None, "missing"),
        ("exam_passed", None, None, "suppressed"),
    ]
    # A blank TOTAAL beside known parts is not stored: the parts are all there is.
    second = frame.filter(pl.col("period") == "2020-2021", pl.col("measure") == "exam_candidates")
    assert second.get_column("gender").to_list() == ["man", "vrouw"]
    assert frame.height == 11


def test_a_school_year_with_all_cells_blank_stores_nothing(tmp_path: Path) -> None:
    blank = {c: "" for c in year_columns("2020-2021")}
    frame = parse_rows(tmp_path, [row(**blank)]).observations
    assert frame.get_column("period").unique().to_list() == ["2019-2020"]


def test_total_mismatch_is_a_warning_with_its_position(tmp_path: Path) -> None:
    total = column("GESLAAGDEN", "2020-2021", "TOTAAL")
    parsed = parse_rows(tmp_path, [row(), row(**{"OPLEIDINGSNAAM": "HAVO - E&M", total: "30"})])
    assert parsed.report.valid
    assert [(w.code, w.row, w.column) for w in parsed.report.warnings] == [  # type: ignore[attr-defined]
        ("total-mismatch", 3, total)
    ]
    assert "9 + 12 = 21" in parsed.report.warnings[0].message()


@pytest.mark.parametrize(
    ("school_type", "programme", "stage", "sector"),
    [
        ("VMBO", "VMBO B - techniek", "vmbo-bb", "techniek"),
        ("VMBO", "VMBO LWT - zorg & welzijn", "vmbo-bb", "zorg & welzijn"),
        ("VMBO", "VMBO K - economie", "vmbo-kb", "economie"),
        ("VMBO", "VMBO G - landbouw", "vmbo-gl", "landbouw"),
        ("VMBO", "VMBO T", "vmbo-tl", None),
        (
            "VMBO GL",
            "VMBO GL - bouwen, wonen en interieur",
            "vmbo-gl",
            "bouwen, wonen en interieur",
        ),
        ("VMBO G/T", "VMBO G/T - techniek", "vmbo-gl", "techniek"),
        ("VMBO TL", "Mavo", "vmbo-tl", None),
        ("HAVO", "HAVO - N&T / N&G", "havo", "N&T / N&G"),
        ("VWO", "VWO - N&G", "vwo", "N&G"),
    ],
)
def test_stage_and_sector(school_type: str, programme: str, stage: str, sector: str | None) -> None:
    assert duo_vo.stage_for(school_type, programme) == stage
    assert duo_vo.sector_of(programme) == sector


def test_unknown_gemeente_is_unattributed_with_one_warning_per_place(tmp_path: Path) -> None:
    rows = [row(GEMEENTENAAM="ATLANTIS", OPLEIDINGSNAAM=f"HAVO - {p}") for p in ("N&T", "N&G")]
    hengelo = row(GEMEENTENAAM="HENGELO (O)", VESTIGINGSCODE="00AH01")
    parsed = parse_rows(tmp_path, [*rows, hengelo])
    assert parsed.report.valid
    assert [(w.code, w.row, w.value) for w in parsed.report.warnings] == [  # type: ignore[attr-defined]
        ("unknown-code", 2, "ATLANTIS")
    ]
    regions = parsed.observations.select("region_code", "region_basis").unique().sort("region_code")
    assert regions.rows() == [("GM0164", "establishment"), ("NL01", "unattributed")]


def test_cp1252_file_keeps_its_accents(tmp_path: Path) -> None:
    rows = [row(**{"INSTELLINGSNAAM VESTIGING": "Cäcilia Café", "GEMEENTENAAM": "SÚDWEST-FRYSLÂN"})]
    path = write(tmp_path / "latin.csv", rows, enc="cp1252")
    parsed = duo_vo.parse(path, CONTEXT)
    assert parsed.report.valid, parsed.report.summary()
    assert parsed.institutions[0].name == "Cäcilia Café"
    assert parsed.observations.get_column("region_code").unique().to_list() == ["GM1900"]


# --- synthetic: bad input -------------------------------------------------------------------

CANDIDATES_MAN = column("EXAMENKANDIDATEN", "2019-2020", "MAN")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({CANDIDATES_MAN: "abc"}, [[2, CANDIDATES_MAN, "cell-type"]]),
        ({CANDIDATES_MAN: "-3"}, [[2, CANDIDATES_MAN, "cell-range"]]),
        ({CANDIDATES_MAN: "4.5"}, [[2, CANDIDATES_MAN, "cell-type"]]),
        ({"INSTELLINGSCODE": "0AH"}, [[2, "INSTELLINGSCODE", "unknown-code"]]),
        ({"ONDERWIJSTYPE VO": "MBO"}, [[2, "ONDERWIJSTYPE VO", "unknown-code"]]),
        (
            {"ONDERWIJSTYPE VO": "VMBO", "OPLEIDINGSNAAM": "VMBO X - techniek"},
            [[2, "OPLEIDINGSNAAM", "unknown-code"]],
        ),
    ],
)
def test_bad_cells_are_typed_issues(
    tmp_path: Path, cells: dict[str, str], expected: list[list[object]]
) -> None:
    parsed = parse_rows(tmp_path, [row(**cells)])
    assert parsed.report.flatten(["row", "column", "code"]) == expected
    assert parsed.observations.height == 0


def test_duplicate_row(tmp_path: Path) -> None:
    parsed = parse_rows(tmp_path, [row(), row()])
    assert parsed.report.flatten(["row", "first_row", "code"]) == [[3, 2, "duplicate-row"]]
    assert parsed.observations.height == 0


def test_missing_column(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "GEMEENTENAAM"]
    parsed = parse_rows(tmp_path, [row()], header=header)
    assert parsed.report.flatten(["row", "column", "code"]) == [
        [1, "GEMEENTENAAM", "missing-column"]
    ]
    assert "rij 1" in parsed.report.issues[0].message()
    assert parsed.observations.height == 0


def test_renamed_count_column(tmp_path: Path) -> None:
    header = [h + "NEN" if h == CANDIDATES_MAN else h for h in HEADER]
    parsed = parse_rows(tmp_path, [row()], header=header)
    assert parsed.report.flatten(["column", "code"]) == [[CANDIDATES_MAN, "missing-column"]]
    assert [w.note for w in parsed.report.warnings] == [
        f"kolom '{CANDIDATES_MAN}NEN' wordt niet geladen"
    ]
    assert parsed.observations.height == 0


def test_bad_school_year_in_header(tmp_path: Path) -> None:
    header = [h.replace("2020-2021", "2020-2022") for h in HEADER]
    parsed = parse_rows(tmp_path, [row()], header=header)
    codes = {(r, c) for r, _, c in parsed.report.flatten(["row", "column", "code"])}
    assert codes == {(1, "cell-type")}
    assert parsed.observations.height == 0


def cut_last_row(path: Path, fields: int) -> bytes:
    """Return the file's bytes up to and including ``fields`` fields of its last row."""
    text = path.read_bytes()
    start = text.rindex(b"\r\n", 0, len(text) - 2) + 2
    end = start
    for _ in range(fields):
        end = text.index(b'";"', end) + 1
    return text[:end]


def test_file_cut_mid_row(tmp_path: Path) -> None:
    path = write(tmp_path / "vo.csv", [row(), row(OPLEIDINGSNAAM="HAVO - E&M")])
    path.write_bytes(cut_last_row(path, 12) + b"\r\n")
    parsed = duo_vo.parse(path, CONTEXT)
    assert parsed.report.flatten(["row", "code"]) == [[3, "row-length"]]
    assert parsed.observations.height == 0


def test_truncated_inside_a_quoted_field(tmp_path: Path) -> None:
    path = write(tmp_path / "vo.csv", [row(), row(OPLEIDINGSNAAM="HAVO - E&M")])
    path.write_bytes(cut_last_row(path, 12) + b';"1')
    parsed = duo_vo.parse(path, CONTEXT)
    assert parsed.report.flatten(["row", "code"]) == [[3, "row-error"]]
    assert parsed.observations.height == 0


def test_header_only(tmp_path: Path) -> None:
    parsed = parse_rows(tmp_path, [])
    assert parsed.report.flatten(["code"]) == [["table-error"]]
    assert "geen gegevensrijen" in parsed.report.summary()


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b"", "empty-file"), (b"PK\x03\x04\x14\x00\x06\x00", "binary-file")],
)
def test_unreadable_files(tmp_path: Path, raw: bytes, code: str) -> None:
    path = tmp_path / "vo.csv"
    path.write_bytes(raw)
    parsed = duo_vo.parse(path, CONTEXT)
    assert parsed.report.flatten(["code"]) == [[code]]
    assert parsed.observations.height == 0


def test_matches() -> None:
    assert duo_vo.KIND.matches(HEADER, "whatever.csv")
    assert not duo_vo.KIND.matches(["BRIN NUMMER", "MAN2019"], "vo.csv")


# --- real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_file(shared_data: Path) -> Path:
    return shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv"


@pytest.fixture(scope="module")
def raw_rows(raw_file: Path) -> list[dict[str, str]]:
    with raw_file.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def national_context(shared_data: Path) -> ImportContext:
    """Every gemeente of 2023, from the geo file (not from the importer's input)."""
    features = json.loads((shared_data / "geo" / "gemeenten.geojson").read_text())["features"]
    return ImportContext(
        gemeente_by_name={
            normalise_place(f["properties"]["gemeenteNaam"]): f["properties"]["gemeenteCode"]
            for f in features
        }
    )


@pytest.fixture(scope="module")
def real(raw_file: Path, national_context: ImportContext) -> ParsedSource:
    return duo_vo.parse(raw_file, national_context)


def raw_years(rows: list[dict[str, str]]) -> list[str]:
    return sorted({k.split(" ")[2] for k in rows[0] if k.startswith("EXAMENKANDIDATEN")})


def test_real_file_imports(real: ParsedSource, raw_rows: list[dict[str, str]]) -> None:
    assert real.report.valid, real.report.summary()
    assert real.report.stats["rows"] == len(raw_rows)
    assert len(real.institutions) == len({r["INSTELLINGSCODE"] for r in raw_rows})
    assert real.observations.get_column("stage").null_count() == 0


def test_real_suppressed_cells_are_kept_as_none(
    real: ParsedSource, raw_rows: list[dict[str, str]]
) -> None:
    keys = []
    for r in raw_rows:
        for year in raw_years(raw_rows):
            for measure, name in MEASURES.items():
                for gender, stored in (("MAN", "man"), ("VROUW", "vrouw"), ("TOTAAL", None)):
                    if r[column(measure, year, gender)] == "<5":
                        keys.append((r["VESTIGINGSCODE"], r["OPLEIDINGSNAAM"], name, year, stored))
    expected = pl.DataFrame(
        keys,
        schema=["source_ref", "programme_name", "measure", "period", "gender"],
        orient="row",
    )
    frame = real.observations
    suppressed = frame.filter(pl.col("flag") == "suppressed")
    assert suppressed.height == len(keys)
    assert suppressed.get_column("value").null_count() == len(keys)
    found = expected.join(frame, on=expected.columns, how="left", nulls_equal=True)
    assert found.height == len(keys)
    assert found.filter(pl.col("value").is_not_null() | (pl.col("flag") != "suppressed")).is_empty()


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_real_national_sums_per_school_year(
    real: ParsedSource, raw_rows: list[dict[str, str]], measure: str
) -> None:
    parts: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for r in raw_rows:
        for year in raw_years(raw_rows):
            man, vrouw, total = (r[column(measure, year, g)] for g in GENDERS)
            parts[year] += sum(int(v) for v in (man, vrouw) if v.isdigit())
            totals[year] += int(total) if total.isdigit() else 0
    frame = real.observations.filter(pl.col("measure") == MEASURES[measure])
    by_gender = (
        frame.group_by("period", pl.col("gender").is_null().alias("total"))
        .agg(pl.col("value").sum())
        .rows()
    )
    assert {p: v for p, total, v in by_gender if not total} == dict(parts)
    assert {p: v for p, total, v in by_gender if total} == dict(totals)


def test_real_observation_count(real: ParsedSource, raw_rows: list[dict[str, str]]) -> None:
    years = raw_years(raw_rows)
    per_row = 0
    for r in raw_rows:
        for year in years:
            counts = [r[column(m, year, g)] for m in MEASURES for g in GENDERS]
            if any(counts):
                per_row += 4
                for m in MEASURES:
                    per_row += r[column(m, year, "TOTAAL")] != ""
    assert real.observations.height == per_row


def test_real_totals_check_and_regions(
    real: ParsedSource, raw_rows: list[dict[str, str]], national_context: ImportContext
) -> None:
    mismatches = 0
    for r in raw_rows:
        for year in raw_years(raw_rows):
            for m in MEASURES:
                cells = [r[column(m, year, g)] for g in GENDERS]
                if all(c.isdigit() for c in cells):
                    mismatches += int(cells[0]) + int(cells[1]) != int(cells[2])
    unknown = {
        r["GEMEENTENAAM"]
        for r in raw_rows
        if national_context.gemeente_for_place(r["GEMEENTENAAM"]) is None
    }
    warnings = Counter(w.code for w in real.report.warnings)
    assert warnings == {"total-mismatch": mismatches, "unknown-code": len(unknown)}
    assert {w.value for w in real.report.warnings if w.code == "unknown-code"} == unknown  # type: ignore[attr-defined]
    enschede = real.observations.filter(pl.col("source_ref") == "00AH00")
    assert enschede.select("region_code", "region_basis").unique().rows() == [
        ("GM0153", "establishment")
    ]
