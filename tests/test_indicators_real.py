"""The Monitor Techniekpact core set on the real DUO and CBS files, for Twente and NL.

Every expected figure is computed here from the raw files, independently of the store and
the engine.
"""

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from pijplijn.content.loader import load_pack
from pijplijn.engine.indicators import Catalog, IndicatorValues, evaluate
from pijplijn.store.db import session_scope
from pijplijn.store.models import Institution, RegionMember

CATALOG = Catalog(load_pack("twente").indicators)
TWENTE_NAMES = {
    "ALMELO",
    "BORNE",
    "DINKELLAND",
    "ENSCHEDE",
    "HAAKSBERGEN",
    "HELLENDOORN",
    "HENGELO",
    "HOF VAN TWENTE",
    "LOSSER",
    "OLDENZAAL",
    "RIJSSEN-HOLTEN",
    "TUBBERGEN",
    "TWENTERAND",
    "WIERDEN",
}


def raw(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle, delimiter=";")
            if any(row.values())
        ]


def number(text: str) -> float:
    return float(text) if text and text != "<5" else 0.0


def run(engine: Engine, indicator: str, region: str, **kwargs: object) -> IndicatorValues:
    with session_scope(engine) as session:
        return evaluate(session, CATALOG.get(indicator), region, **kwargs)  # type: ignore[arg-type]


def by_key(result: IndicatorValues) -> dict[tuple[object, ...], float | None]:
    return {(v.period, *v.keys.values()): v.value for v in result.values}


def twente_codes(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(
            session.scalars(
                select(RegionMember.member_code).where(RegionMember.set_code == "twente")
            )
        )


def test_mbo_share_of_techniek_per_level(real_engine: Engine, shared_data: Path) -> None:
    rows = raw(shared_data / "duo" / "mbo_deelnemers_2015-2019.csv")
    with session_scope(real_engine) as session:
        codes = twente_codes(real_engine)
        brins = set(
            session.scalars(select(Institution.brin).where(Institution.gemeente_code.in_(codes)))
        )
    for region, chosen in (
        ("NL01", rows),
        ("twente", [r for r in rows if r["BRIN NUMMER"] in brins]),
    ):
        part: dict[str, float] = defaultdict(float)
        whole: dict[str, float] = defaultdict(float)
        for r in chosen:
            count = number(r["MAN2018"]) + number(r["VROUW2018"])
            whole[r["KWALIFICATIENIVEAU"]] += count
            if r["MBO SECTOR"] == "techniek":
                part[r["KWALIFICATIENIVEAU"]] += count
        result = run(real_engine, "mbo-aandeel-techniek", region, periods=["2018"], by=["level"])
        expected = {("2018", level): part[level] / whole[level] for level in whole if part[level]}
        assert by_key(result) == pytest.approx(expected), region
        assert {v.classification for v in result.values} == {"techniek@2011"}


def test_mbo_share_per_pathway_uses_the_2019_definition(real_engine: Engine) -> None:
    result = run(real_engine, "mbo-aandeel-techniek", "twente", periods=["2019"], by=["pathway"])
    assert {v.keys["pathway"] for v in result.values} == {"BBL", "BOL"}
    assert {v.classification for v in result.values} == {"techniek@2019"}
    bbl = by_key(result)[("2019", "BBL")]
    assert bbl is not None and 0 < bbl < 1


@pytest.mark.parametrize(
    ("indicator", "onderdelen"),
    [
        ("ho-eerstejaars-aandeel-techniek", {"techniek"}),
        ("ho-eerstejaars-aandeel-betatechniek", {"techniek", "natuur"}),
    ],
)
def test_first_year_share_in_hbo_and_wo(
    real_engine: Engine, shared_data: Path, indicator: str, onderdelen: set[str]
) -> None:
    codes = twente_codes(real_engine)
    for region in ("NL01", "twente"):
        expected = {}
        for stage in ("hbo", "wo"):
            rows = raw(shared_data / "duo" / f"{stage}_eerstejaars_2015-2019.csv")
            if region == "twente":
                rows = [r for r in rows if f"GM{r['GEMEENTENUMMER']}" in codes]
            whole = sum(number(r["2017"]) for r in rows)
            part = sum(number(r["2017"]) for r in rows if r["CROHO ONDERDEEL"] in onderdelen)
            expected[("2017", stage)] = part / whole
        result = run(real_engine, indicator, region, periods=["2017"])
        assert by_key(result) == pytest.approx(expected), region


def vo_cells(row: dict[str, str], year: str, genders: tuple[str, ...]) -> tuple[float, bool]:
    """Known count and whether a suppressed cell was left out: over both genders DUO's own
    TOTAAL wherever it printed one (it is published even where a part is <5), else the
    gender cells asked for."""
    cell = {g: row[f"EXAMENKANDIDATEN SCHOOLJAAR {year} - {g}"] for g in ("MAN", "VROUW", "TOTAAL")}
    both = set(genders) == {"MAN", "VROUW"}
    used = ["TOTAAL"] if both and cell["TOTAAL"] != "" else list(genders)
    return sum(number(cell[g]) for g in used), any(cell[g] == "<5" for g in used)


def vo_stage(row: dict[str, str]) -> str:
    kind = row["ONDERWIJSTYPE VO"]
    if kind != "VMBO":
        return kind.lower()
    leerweg = row["OPLEIDINGSNAAM"].split(" - ")[0].split()[-1]
    # LWT (leerwerktraject) is a route within the basisberoepsgerichte leerweg.
    return {"B": "vmbo-bb", "LWT": "vmbo-bb", "K": "vmbo-kb", "G": "vmbo-gl", "T": "vmbo-tl"}[
        leerweg
    ]


def test_vmbo_exam_candidates_in_techniek_per_leerweg(
    real_engine: Engine, shared_data: Path
) -> None:
    rows = raw(shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv")
    for region in ("NL01", "twente"):
        chosen = [r for r in rows if region == "NL01" or r["GEMEENTENAAM"] in TWENTE_NAMES]
        expected: dict[tuple[str, str], float] = defaultdict(float)
        suppressed: dict[tuple[str, str], bool] = defaultdict(bool)
        for r in chosen:
            if r["ONDERWIJSTYPE VO"] == "VMBO" and r["OPLEIDINGSNAAM"].endswith("- techniek"):
                known, hidden = vo_cells(r, "2021-2022", ("MAN", "VROUW"))
                expected[("2021-2022", vo_stage(r))] += known
                suppressed[("2021-2022", vo_stage(r))] |= hidden
        result = run(real_engine, "vmbo-examenkandidaten-techniek", region, periods=["2021-2022"])
        assert by_key(result) == pytest.approx(dict(expected)), region
        for value in result.values:
            hidden = suppressed[(value.period, value.keys["stage"])]
            assert (value.flag == "suppressed", value.exact) == (hidden, not hidden)


def test_havo_vwo_share_with_a_science_profile(real_engine: Engine, shared_data: Path) -> None:
    rows = raw(shared_data / "duo" / "vo_examenkandidaten_2019-2024.csv")
    part: dict[str, float] = defaultdict(float)
    whole: dict[str, float] = defaultdict(float)
    for r in rows:
        if r["ONDERWIJSTYPE VO"] in ("HAVO", "VWO"):
            known, _ = vo_cells(r, "2022-2023", ("MAN", "VROUW"))
            stage = r["ONDERWIJSTYPE VO"].lower()
            whole[stage] += known
            if "N&T" in r["OPLEIDINGSNAAM"] or "N&G" in r["OPLEIDINGSNAAM"]:
                part[stage] += known
    result = run(real_engine, "havo-vwo-aandeel-n-profiel", "NL01", periods=["2022-2023"])
    assert by_key(result) == pytest.approx({("2022-2023", s): part[s] / whole[s] for s in whole})
    assert all(v.flag == "suppressed" and not v.exact for v in result.values)
    twente = run(real_engine, "havo-vwo-aandeel-n-profiel", "twente", periods=["2022-2023"])
    assert {v.keys["stage"] for v in twente.values} == {"havo", "vwo"}


def test_womens_share_within_techniek_and_share_choosing_techniek_differ(
    real_engine: Engine, shared_data: Path
) -> None:
    rows = raw(shared_data / "duo" / "mbo_deelnemers_2015-2019.csv")
    techniek = [r for r in rows if r["MBO SECTOR"] == "techniek"]
    women_in_techniek = sum(number(r["VROUW2017"]) for r in techniek)
    in_techniek = sum(number(r["MAN2017"]) + number(r["VROUW2017"]) for r in techniek)
    women = sum(number(r["VROUW2017"]) for r in rows)
    within = run(real_engine, "mbo-aandeel-vrouwen-binnen-techniek", "NL01", periods=["2017"])
    choosing = run(real_engine, "mbo-aandeel-vrouwen-kiest-techniek", "NL01", periods=["2017"])
    assert by_key(within) == pytest.approx({("2017",): women_in_techniek / in_techniek})
    assert by_key(choosing) == pytest.approx({("2017",): women_in_techniek / women})
    for indicator in (
        "ho-eerstejaars-aandeel-vrouwen-binnen-techniek",
        "vmbo-aandeel-meisjes-binnen-techniek",
    ):
        result = run(real_engine, indicator, "twente")
        assert all(v.value is None or 0 <= v.value <= 1 for v in result.values)
        assert any(v.value for v in result.values)


def test_girls_in_small_vmbo_cells_are_flagged_suppressed(real_engine: Engine) -> None:
    result = run(real_engine, "vmbo-aandeel-meisjes-binnen-techniek", "twente")
    flagged = [v for v in result.values if v.flag == "suppressed"]
    assert flagged and all(not v.exact for v in flagged)
    assert any(i.flag == "suppressed" for v in flagged for i in v.inputs)


def test_vacancies_per_sbi_for_nl_and_for_twente_via_overijssel(
    real_engine: Engine, shared_data: Path
) -> None:
    with (shared_data / "cbs" / "vacatures_regio_provincie.csv").open(encoding="utf-8-sig") as f:
        rows = [{k: v.strip() for k, v in r.items()} for r in csv.DictReader(f)]

    def cbs(region: str, period: str, sector: str) -> float:
        (value,) = [
            float(r["OpenstaandeVacatures"])
            for r in rows
            if (r["Regios"], r["Perioden"], r["BedrijfstakkenBranchesSBI2008"])
            == (region, period, sector)
        ]
        return value

    nl = run(real_engine, "vacatures-open", "NL01", periods=["2019KW01"], by=["sector"])
    assert by_key(nl)[("2019KW01", "307500")] == pytest.approx(cbs("NL01", "2019KW01", "307500"))
    assert nl.labels["sector"]["307500"] == "C Industrie"
    twente = run(real_engine, "vacatures-open", "twente", periods=["2019KW01", "2020KW01"])
    assert by_key(twente) == pytest.approx(
        {
            ("2019KW01",): cbs("PV23", "2019KW01", "T001081"),
            ("2020KW01",): cbs("PV23", "2020KW01", "T001081"),
        }
    )
    assert all(i.region == "PV23" for v in twente.values for i in v.inputs)
    assert any("PV23" in n for n in twente.values[0].notes)
    trend = run(real_engine, "vacatures-open-groei", "twente", periods=["2020KW01"])
    expected = cbs("PV23", "2020KW01", "T001081") / cbs("PV23", "2019KW01", "T001081") - 1
    assert by_key(trend) == pytest.approx({("2020KW01",): expected})


def test_spanningsindicator_is_declared_and_shows_no_data(real_engine: Engine) -> None:
    for region in ("twente", "NL01"):
        result = run(real_engine, "spanningsindicator", region, periods=["2019KW01"])
        (value,) = result.values
        assert (value.value, value.flag, value.exact) == (None, "missing", False)
        assert any("geen bron: kortdurig werklozen" in n for n in value.notes)


def test_a_definition_change_switches_source(real_engine: Engine) -> None:
    result = run(real_engine, "vmbo-beroepsgericht-techniek-leerlingen", "twente")
    first, *later = result.values
    assert (first.period, first.value, str(first.definition)) == ("2011", 664, "2007-01-01")
    assert later and {str(v.definition) for v in later} == {"2019-08-01"}
    assert all(i.measure == "exam_candidates" for v in later for i in v.inputs)


def test_every_indicator_evaluates_for_twente_and_nl(real_engine: Engine) -> None:
    empty = []
    for indicator in CATALOG.indicators:
        for region in ("twente", "NL01"):
            result = run(real_engine, indicator.id, region)
            if not any(v.value is not None for v in result.values):
                empty.append((indicator.id, region))
    # Only what has no base data in the files: figures of the documents (published for
    # Twente only), replacement demand, short-term unemployment, dual technical hbo, and the
    # partner register (no participation is seeded: partners record it themselves).
    assert all(
        region == "NL01"
        or indicator
        in {
            "vervangingsvraag-dekking-berekend",
            "spanningsindicator",
            "hbo-techniek-duaal-eerstejaars",
            "bedrijvenparticipatie-register",
            "deelnemende-organisaties-register",
            "bereik-leerlingen-register",
        }
        for indicator, region in empty
    ), empty
