"""Issue #14: DUO's current layouts, read through the layout registry (ingest/layouts.yaml).

Every fixture in tests/fixtures/layouts is synthetic (see its README). Each expected figure is
computed here from the fixture file itself, never from pijplijn's output.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from pijplijn.cli.app import app
from pijplijn.content.loader import load_pack
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.ingest.layouts import registry, unknown_header_message
from pijplijn.store.db import session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.models import Observation
from pijplijn.store.setup import initialise

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
Cell = tuple[str, str | None, str | None]
"""(period, institution, gender) of one raw count."""
Raw = Iterator[tuple[Cell, str]]


def rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def long_ho(name: str, period: str, value: str) -> Raw:
    for row in rows(name):
        yield (row[period], row["INSTELLINGSCODE_ACTUEEL"], row["GESLACHT"]), row[value]


def wide_ho(name: str) -> Raw:
    for row in rows(name):
        for column, raw in row.items():
            if re.fullmatch(r"\d{4}", column):
                yield (column, row["INSTELLINGSCODE ACTUEEL"], row["GESLACHT"]), raw


def mbo_instelling(name: str) -> Raw:
    for row in rows(name):
        for column in ("BBL", "BOLDT", "BOLVT", "EX"):
            yield (row["JAAR"], row["INSTELLINGSCODE"], row.get("GESLACHT")), row[column]


def sectorkamer(name: str) -> Raw:
    for row in rows(name):
        for column, raw in row.items():
            if column.startswith("JAAR_"):
                yield (column.removeprefix("JAAR_"), None, None), raw


def mbo_diplomas(name: str) -> Raw:
    for row in rows(name):
        for column, raw in row.items():
            found = re.fullmatch(r"DIP(MAN|VROUW)(\d{4})", column)
            if found:
                yield (found[2], row["INSTELLINGSCODE"], found[1].lower()), raw


def instroom(name: str) -> Raw:
    year = re.search(r"20\d\d", name)
    assert year is not None
    for row in rows(name):
        yield (year[0], row["INSTELLINGSCODE"], None), row["INSTROOM MBO"]


CASES: list[tuple[str, str, str, Callable[[], Raw]]] = [
    (
        "synthetic_ho_eerstejaars_lang.csv",
        "duo-ho-eerstejaars-lang",
        "first_year",
        lambda: long_ho(
            "synthetic_ho_eerstejaars_lang.csv", "STUDIEJAAR", "AANTAL_EERSTEJAARS_INGESCHREVENEN"
        ),
    ),
    (
        "synthetic_ho_ingeschrevenen_lang.csv",
        "duo-ho-ingeschrevenen-lang",
        "enrolled",
        lambda: long_ho(
            "synthetic_ho_ingeschrevenen_lang.csv", "STUDIEJAAR", "AANTAL_INGESCHREVENEN"
        ),
    ),
    (
        "synthetic_ho_gediplomeerden_lang.csv",
        "duo-ho-gediplomeerden-lang",
        "graduates",
        lambda: long_ho(
            "synthetic_ho_gediplomeerden_lang.csv", "DIPLOMAJAAR", "AANTAL_GEDIPLOMEERDEN"
        ),
    ),
    (
        "synthetic_hbo_ingeschrevenen_breed.csv",
        "duo-ho-ingeschrevenen-breed",
        "enrolled",
        lambda: wide_ho("synthetic_hbo_ingeschrevenen_breed.csv"),
    ),
    (
        "synthetic_wo_eerstejaars_breed.csv",
        "duo-ho-eerstejaars-breed",
        "first_year",
        lambda: wide_ho("synthetic_wo_eerstejaars_breed.csv"),
    ),
    (
        "synthetic_wo_gediplomeerden_breed.csv",
        "duo-ho-gediplomeerden-breed",
        "graduates",
        lambda: wide_ho("synthetic_wo_gediplomeerden_breed.csv"),
    ),
    (
        "synthetic_mbo_studenten_instelling.csv",
        "duo-mbo-studenten-instelling",
        "enrolled",
        lambda: mbo_instelling("synthetic_mbo_studenten_instelling.csv"),
    ),
    (
        "synthetic_mbo_studenten_instelling_woongemeente.csv",
        "duo-mbo-studenten-instelling",
        "enrolled",
        lambda: mbo_instelling("synthetic_mbo_studenten_instelling_woongemeente.csv"),
    ),
    (
        "synthetic_mbo_sectorkamer_woonprovincie.csv",
        "duo-mbo-studenten-sectorkamer",
        "enrolled",
        lambda: sectorkamer("synthetic_mbo_sectorkamer_woonprovincie.csv"),
    ),
    (
        "synthetic_mbo_sectorkamer_woongemeente.csv",
        "duo-mbo-studenten-sectorkamer",
        "enrolled",
        lambda: sectorkamer("synthetic_mbo_sectorkamer_woongemeente.csv"),
    ),
    (
        "synthetic_mbo_gediplomeerden.csv",
        "duo-mbo-gediplomeerden",
        "graduates",
        lambda: mbo_diplomas("synthetic_mbo_gediplomeerden.csv"),
    ),
    (
        "synthetic_mbo_instroom_2023.csv",
        "duo-mbo-instroom",
        "transitions",
        lambda: instroom("synthetic_mbo_instroom_2023.csv"),
    ),
]


def expected_totals(raw: Raw) -> tuple[dict[Cell, float | None], set[Cell]]:
    """Sum the raw counts per (period, institution, gender); note the cells with a <5."""
    totals: dict[Cell, float | None] = defaultdict(lambda: None)
    suppressed: set[Cell] = set()
    for cell, value in raw:
        value = value.strip()
        if value.isdigit():
            totals[cell] = (totals[cell] or 0) + int(value)
        elif value == "<5":
            suppressed.add(cell)
            totals.setdefault(cell, None)
        else:
            assert value == ""
            totals.setdefault(cell, None)
    return dict(totals), suppressed


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    pack = load_pack("twente")
    initialise(empty_engine, pack, demo=False)
    outcomes = import_files(empty_engine, pack, [FIXTURES / "synthetic_gemeenten.csv"])
    assert outcomes[0].parsed.report.valid
    return empty_engine


@pytest.mark.parametrize(("file", "kind", "measure", "raw"), CASES, ids=[c[0] for c in CASES])
def test_each_layout_round_trips(
    engine: Engine, file: str, kind: str, measure: str, raw: Callable[[], Raw]
) -> None:
    outcomes = import_files(engine, load_pack("twente"), [FIXTURES / file])
    assert [(o.kind.name, o.detected, o.parsed.report.issues) for o in outcomes] == [
        (kind, True, [])
    ]
    expected, suppressed = expected_totals(raw())
    with session_scope(engine) as session:
        found = query(session, CubeQuery(measure=measure, by=("institution", "gender")))
    got = {(r.period, r.keys["institution"], r.keys["gender"]): r for r in found}
    assert {k: r.value for k, r in got.items()} == expected
    assert {k for k, r in got.items() if r.flag == "suppressed"} == suppressed


def test_the_json_form_gives_the_same_cells_as_the_csv(engine: Engine) -> None:
    pack = load_pack("twente")
    json_file = FIXTURES / "synthetic_ho_eerstejaars_lang.json"
    outcome = import_files(engine, pack, [json_file])[0]
    assert outcome.kind.name == "duo-ho-eerstejaars-lang-json"
    records = json.loads(json_file.read_text(encoding="utf-8"))
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for record in records:
        value = record["AANTAL_EERSTEJAARS_INGESCHREVENEN"]
        if isinstance(value, int):
            expected[(str(record["STUDIEJAAR"]), record["INSTELLINGSCODE_ACTUEEL"])] += value
    with session_scope(engine) as session:
        found = query(session, CubeQuery(measure="first_year", by=("institution",)))
    assert {(r.period, r.keys["institution"]): r.value for r in found} == dict(expected)


def test_residence_files_place_students_where_they_live(engine: Engine) -> None:
    pack = load_pack("twente")
    file = FIXTURES / "synthetic_mbo_sectorkamer_woongemeente.csv"
    assert import_files(engine, pack, [file])[0].parsed.report.valid
    expected: dict[tuple[str, str], int | None] = {}
    for row in rows(file.name):
        for year in ("2021", "2022", "2023", "2024", "2025"):
            value, key = row[f"JAAR_{year}"], (year, row["WOONGEMEENTE"])
            known = int(value) if value.isdigit() else None
            before = expected.get(key)
            expected[key] = known if before is None else before + (known or 0)
    codes = {"Enschede": "GM0153", "Almelo": "GM0141", "Hengelo": "GM0164"}
    with session_scope(engine) as session:
        bases = set(session.scalars(select(Observation.region_basis).distinct()))
        found = query(session, CubeQuery(measure="enrolled", by=("region",)))
    assert bases == {"residence"}
    assert {(r.period, r.keys["region"]): r.value for r in found} == {
        (year, codes[place]): value for (year, place), value in expected.items()
    }


def test_instroom_keeps_the_origin_of_each_flow(engine: Engine) -> None:
    pack = load_pack("twente")
    file = FIXTURES / "synthetic_mbo_instroom_2023.csv"
    assert import_files(engine, pack, [file])[0].parsed.report.valid
    expected: dict[str, int] = defaultdict(int)
    stage = {"VMBO-TL": "vmbo-tl", "VMBO-GL": "vmbo-gl", "VMBO-KB": "vmbo-kb", "HAVO": "havo"}
    for row in rows(file.name):
        if row["INSTROOM MBO"].isdigit():
            expected[stage[row["VOOROPLEIDING VO"]]] += int(row["INSTROOM MBO"])
    with session_scope(engine) as session:
        found = query(session, CubeQuery(measure="transitions", by=("origin_stage",)))
    assert {r.keys["origin_stage"]: r.value for r in found} == dict(expected)
    assert {r.keys["origin_stage"]: r.flag for r in found}["vmbo-tl"] == "suppressed"


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


SECTORKAMER_HEADER = "SECTORKAMER NAAM;HOOFDGROEP NAAM;LEERWEG;NIVEAU;WOONPROVINCIE"


def test_an_unknown_header_names_the_closest_layout_and_its_differences(
    tmp_path: Path, database_url: str
) -> None:
    # One column renamed (HOOFDGROEP NAAM → HOOFDGROEPNAAM), one gone (NIVEAU), one new.
    header = "SECTORKAMER NAAM;HOOFDGROEPNAAM;LEERWEG;WOONPROVINCIE;REGIO;JAAR_2024"
    path = write(tmp_path, "synthetic_nieuw.csv", [header, "Techniek;Bouw;BBL;Overijssel;x;10"])
    assert run("init", "--database", database_url)[0] == 0
    code, text = run("import", str(path), "--database", database_url)
    assert code == 2
    assert "het dichtst bij is 'duo-mbo-studenten-sectorkamer'" in text
    assert "'HOOFDGROEP NAAM' → 'HOOFDGROEPNAAM'" in text
    assert "nieuw: 'REGIO'" in text
    assert "Traceback" not in text
    message = unknown_header_message("f.csv", header.split(";"))
    assert message.count("'HOOFDGROEP NAAM'") == 1


def test_explain_names_a_renamed_and_a_missing_column(tmp_path: Path) -> None:
    header = (
        "STUDIEJAAR;PROVINCIENAAM;GEMEENTENUMMER;GEMEENTENAAM;SOORT_INSTELLING;"
        "TYPE_HOGER_ONDERWIJS;INSTELLINGS_CODE;INSTELLINGSNAAM_ACTUEEL;ONDERDEEL;"
        "GESLACHT;AANTAL_EERSTEJAARS_INGESCHREVENEN"
    )
    path = write(tmp_path, "synthetic_ho.csv", [header])
    code, text = run("import", "--explain", str(path))
    assert code == 2
    assert "'INSTELLINGSCODE_ACTUEEL' → 'INSTELLINGS_CODE'" in text
    assert "ontbreekt: 'SUBONDERDEEL'" in text


def test_explain_shows_layout_mapping_periods_and_rows_and_writes_nothing(
    database_url: str,
) -> None:
    file = FIXTURES / "synthetic_mbo_gediplomeerden.csv"
    code, text = run("import", "--explain", str(file), "--database", database_url)
    assert code == 0, text
    assert "duo-mbo-gediplomeerden" in text
    assert "SECTORKAMER NAAM → sector" in text
    assert "2021, 2022, 2023, 2024, 2025" in text
    assert f"rijen: {len(rows(file.name))}" in text
    # Nothing was written: not even a schema.
    code, text = run("datasets", "--database", database_url)
    assert "0009" not in text


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        ("Techniek;Bouw;BBL;3;Overijssel;-4", "JAAR_2024", "een aantal van 0 of meer"),
        ("Techniek;Bouw;BBL;3;Overijssel;veel", "JAAR_2024", "een geheel aantal"),
        ("Techniek;Bouw;XYZ;3;Overijssel;4", "LEERWEG", "een van: BBL, BOL"),
    ],
)
def test_bad_cells_name_file_row_column_and_form(
    tmp_path: Path, empty_engine: Engine, line: str, column: str, expected: str
) -> None:
    path = write(tmp_path, "synthetic_bad.csv", [SECTORKAMER_HEADER + ";JAAR_2024", line])
    pack = load_pack("twente")
    initialise(empty_engine, pack, demo=False)
    outcome = import_files(empty_engine, pack, [path])[0]
    assert outcome.parsed.report.flatten(["row", "column"]) == [[2, column]]
    message = outcome.parsed.report.issues[0].message()
    assert message.startswith(f"synthetic_bad.csv, rij 2, kolom '{column}'")
    assert expected in message
    with session_scope(empty_engine) as session:
        assert session.scalars(select(Observation)).first() is None


def test_a_year_column_that_is_not_a_year(tmp_path: Path, empty_engine: Engine) -> None:
    path = write(
        tmp_path, "synthetic_bad.csv", [SECTORKAMER_HEADER + ";JAAR_20X4", "T;B;BBL;3;Overijssel;4"]
    )
    pack = load_pack("twente")
    initialise(empty_engine, pack, demo=False)
    issues = import_files(empty_engine, pack, [path])[0].parsed.report.issues
    assert [(i.row, i.column, i.value) for i in issues] == [(1, "JAAR_20X4", "20X4")]  # type: ignore[attr-defined]
    assert "een jaar in de kolomnaam, bijv. JAAR_2021" in issues[0].message()


def test_a_suppressed_total_is_refused(tmp_path: Path, empty_engine: Engine) -> None:
    header = (
        "INSTELLINGSCODE;INSTELLINGSNAAM;PLAATSNAAM INSTELLING;LEERWEG;NIVEAU;"
        "ERKENDE OPLEIDING CODE;ERKENDE OPLEIDING NAAM;SECTORKAMER NAAM;HOOFDGROEP NAAM;"
        "DIPMAN2024;DIPVROUW2024;DIPTOTAAL2024"
    )
    line = "27YU;ROC van Twente;HENGELO OV;BBL;3;25257;Monteur;Techniek;Elektro;3;<5;<5"
    path = write(tmp_path, "synthetic_dip.csv", [header, line])
    pack = load_pack("twente")
    initialise(empty_engine, pack, demo=False)
    issues = import_files(empty_engine, pack, [path])[0].parsed.report.issues
    assert [(i.row, i.column) for i in issues] == [(2, "DIPTOTAAL2024")]  # type: ignore[attr-defined]
    assert "een totaal is nooit <5" in issues[0].message()


def test_a_json_record_of_another_shape_is_named(tmp_path: Path, empty_engine: Engine) -> None:
    records = json.loads((FIXTURES / "synthetic_ho_eerstejaars_lang.json").read_text("utf-8"))
    records[2] = {**records[2], "EXTRA": 1}
    path = tmp_path / "synthetic.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    pack = load_pack("twente")
    initialise(empty_engine, pack, demo=False)
    issues = import_files(empty_engine, pack, [path])[0].parsed.report.issues
    assert len(issues) == 1
    assert issues[0].message().startswith("synthetic.json, rij 4")
    assert "'EXTRA'" in issues[0].message()


def test_every_layout_in_the_registry_is_tested() -> None:
    generic = {name for name, layout in registry().items() if layout.importer is None}
    assert generic == {kind for _, kind, _, _ in CASES}


def test_residence_and_institution_files_never_add_up(engine: Engine) -> None:
    pack = load_pack("twente")
    by_institution = FIXTURES / "synthetic_mbo_studenten_instelling.csv"
    by_residence = FIXTURES / "synthetic_mbo_studenten_instelling_woongemeente.csv"
    outcomes = import_files(engine, pack, [by_institution, by_residence])
    assert [o.load.status for o in outcomes if o.load] == ["loaded", "loaded"]

    def counts(name: str, keep: Callable[[dict[str, str]], bool]) -> int:
        return sum(
            int(row[c])
            for row in rows(name)
            if keep(row)
            for c in ("BBL", "BOLDT", "BOLVT", "EX")
            if row[c].isdigit()
        )

    twente = {"Enschede", "Almelo", "Hengelo"}
    residence_2024 = counts(by_residence.name, lambda r: r["WOONGEMEENTE"] in twente)
    institution_2024 = counts(by_institution.name, lambda r: r["JAAR"] == "2024")
    roc_2024 = counts(
        by_institution.name, lambda r: r["JAAR"] == "2024" and r["INSTELLINGSCODE"] == "27YU"
    )
    twente_2023 = counts(
        by_institution.name, lambda r: r["JAAR"] == "2023" and r["GEMEENTE INSTELLING"] == "Hengelo"
    )
    with session_scope(engine) as session:

        def total(**kw: object) -> dict[str, float | None]:
            q = CubeQuery(measure="enrolled", stage="mbo", **kw)  # type: ignore[arg-type]
            return {r.period: r.value for r in query(session, q)}

        # A region's figure: by residence where loaded (2024), else by institution (2023).
        assert total(region="twente") == {"2023": twente_2023, "2024": residence_2024}
        # An institution's, and the country's: by institution, never both files together.
        assert total(institution="27YU", periods=("2024",)) == {"2024": roc_2024}
        assert total(periods=("2024",)) == {"2024": institution_2024}
        assert total(region="twente", basis="institution", periods=("2024",)) == {"2024": roc_2024}


def test_real_hbo_and_wo_gediplomeerden_load_with_their_totals(
    engine: Engine, shared_data: Path
) -> None:
    """The real DUO gediplomeerden files (2014-2018) import, and query gives their totals."""
    pack = load_pack("twente")
    files = [shared_data / "duo" / f"{s}_gediplomeerden_2014-2018.csv" for s in ("hbo", "wo")]
    outcomes = import_files(engine, pack, files)
    assert [(o.kind.name, o.parsed.report.issues) for o in outcomes] == [
        ("duo-ho-gediplomeerden", []),
        ("duo-ho-gediplomeerden", []),
    ]
    for file, stage in zip(files, ("hbo", "wo"), strict=True):
        expected: dict[tuple[str, str, str], int] = defaultdict(int)
        with file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                for year in ("2014", "2015", "2016", "2017", "2018"):
                    if (row[year] or "").strip().isdigit():
                        key = (year, row["BRIN NUMMER ACTUEEL"], row["GESLACHT"])
                        expected[key] += int(row[year])
        with session_scope(engine) as session:
            found = query(
                session, CubeQuery(measure="graduates", stage=stage, by=("institution", "gender"))
            )
        got = {(r.period, r.keys["institution"], r.keys["gender"]): r.value for r in found}
        assert got == dict(expected)


def test_explain_reads_the_real_files(shared_data: Path) -> None:
    for name in ("hbo_gediplomeerden_2014-2018.csv", "mbo_deelnemers_2015-2019.csv"):
        code, text = run("import", "--explain", str(shared_data / "duo" / name))
        assert code == 0, text
        assert "perioden: " in text and "rijen: " in text


def test_the_two_residence_datasets_never_add_up(engine: Engine) -> None:
    """DUO's mbo students per instelling by woongemeente and per sectorkamer by woongemeente
    count the same students: one series, so the file loaded last supersedes the other for
    the years both cover (2024) and never adds to it."""
    pack = load_pack("twente")
    sectorkamer_file = FIXTURES / "synthetic_mbo_sectorkamer_woongemeente.csv"
    instelling_file = FIXTURES / "synthetic_mbo_studenten_instelling_woongemeente.csv"
    outcomes = import_files(engine, pack, [sectorkamer_file, instelling_file])
    assert all(o.parsed.report.valid for o in outcomes)
    keys = {o.parsed.info.source_key for o in outcomes}
    assert keys == {"duo-mbo-studenten-woonplaats"}

    almelo_sectorkamer = {
        year: sum(
            int(r[f"JAAR_{year}"])
            for r in rows(sectorkamer_file.name)
            if r["WOONGEMEENTE"] == "Almelo" and r[f"JAAR_{year}"].isdigit()
        )
        for year in ("2021", "2022", "2023", "2025")
    }
    almelo_instelling = [r for r in rows(instelling_file.name) if r["WOONGEMEENTE"] == "Almelo"]
    almelo_2024 = sum(
        int(r[c])
        for r in almelo_instelling
        for c in ("BBL", "BOLDT", "BOLVT", "EX")
        if r[c].isdigit()
    )
    with session_scope(engine) as session:
        found = query(session, CubeQuery(measure="enrolled", stage="mbo", region="GM0141"))
    got = {r.period: (r.value, r.flag) for r in found}
    # 2024 is the later file's (a <5 in it: a lower bound), the other years the sectorkamer's.
    assert got["2024"] == (almelo_2024, "suppressed")
    assert {p: v for p, (v, _) in got.items() if p != "2024"} == almelo_sectorkamer


def test_explain_knows_the_reference_regions_without_a_store(shared_data: Path) -> None:
    """--explain opens no database, yet knows the COROP areas and the pack's CBS measures:
    the jobs table explains with every row and no problem."""
    code, text = run(
        "import",
        "--explain",
        "--format",
        "json",
        str(shared_data / "cbs" / "83582ned_banen_corop.csv"),
    )
    assert code == 0, text
    explained = json.loads(text)[0]
    with (shared_data / "cbs" / "83582ned_banen_corop.csv").open(encoding="utf-8") as handle:
        raw = list(csv.DictReader(handle))
    assert explained["rows"] == explained["observations"] == len(raw)
    assert explained["periods"] == sorted({r["Perioden"][:4] for r in raw})
    assert explained["report"]["issues"] == []


def test_explain_of_an_older_layout_says_where_each_column_goes(shared_data: Path) -> None:
    code, text = run(
        "import", "--explain", str(shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv")
    )
    assert code == 0, text
    assert "INSTELLINGSCODE → institution (gelezen door duo-vo-examens)" in text
    assert "SLAAGPERC SCHOOLJAAR 2019-2020 - MAN → niet geladen" in text
    assert "EXAMENKANDIDATEN SCHOOLJAAR 2019-2020 - MAN → waarde (exam_candidates" in text


def test_a_cbs_header_with_a_renamed_column_names_the_cbs_layout(tmp_path: Path) -> None:
    """The open CBS layout (any StatLine table) is in the registry for the near-miss message:
    a table whose 'Perioden' became 'Periode' is named as a CBS table with that rename."""
    header = "ID,BedrijfstakkenBranchesSBI2008,RegioS,Periode,BanenVanWerknemersInDecember_1"
    path = write(tmp_path, "banen.csv", [header, "1,T001081,CR12,2010JJ00,276.4"])
    code, text = run("import", "--explain", str(path))
    assert code == 2
    assert "het dichtst bij is 'cbs'" in text and "'Perioden' → 'Periode'" in text
