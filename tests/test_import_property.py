"""Property: a mutated DUO mbo file either imports with consistent totals, or fails naming a
row and leaves the database exactly as it was."""

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from pijplijn.content.loader import load_pack
from pijplijn.store.db import schema_revision, session_scope
from pijplijn.store.imports import import_files
from pijplijn.store.models import Dataset, Observation
from pijplijn.store.setup import initialise

YEARS = ("2018", "2019")
HEADER = (
    "BRIN NUMMER;SOORTINS;INSTELLINGSNAAM;PLAATSNAAM;TYPE MBO;KWALIFICATIENIVEAU;"
    "KWALIFICATIE CODE;KWALIFICATIE NAAM;MBO SECTOR;DOMEIN;SECTORUNIT SBB;"
    "BRIN NUMMER KENNISCENTRUM;NAAM KENNISCENTRUM;"
    + ";".join(f"MAN{y};VROUW{y};TOTAAL{y}" for y in YEARS)
)
ROWS = [
    "27YU;ROC;ROC van Twente;HENGELO OV;BBL;2;25250;Monteur;techniek;Bouw en infra;"
    "Sectorunit techniek en gebouwde omgeving;    ;   ;12;1;13;10;2;12",
    "27YU;ROC;ROC van Twente;HENGELO OV;BOLVT;4;25187;Technicus;techniek;Techniek en "
    "procesindustrie;Sectorunit techniek en gebouwde omgeving;;;30;4;34;;;",
    "25PJ;ROC;Deltion College;ZWOLLE;BOLVT;3;25655;Verzorgende;zorg en welzijn;Zorg en welzijn;"
    "Sectorunit zorg, welzijn en sport;;;2;40;42;3;;41",
]
VALID = "\r\n".join([HEADER, *ROWS]) + "\r\n"


def independent_totals(text: str) -> dict[str, float]:
    """Per year, what the file says was enrolled: DUO's TOTAAL where it printed one (the
    published total is kept, never replaced by its parts), else MAN + VROUW."""
    totals = dict.fromkeys(YEARS, 0.0)
    for line in text.replace("\r\n", "\n").split("\n")[1:]:
        cells = [c.strip() for c in line.split(";")]
        if len(cells) != 19:
            continue
        for index, year in enumerate(YEARS):
            # '<5' is DUO's suppressed small count: stored without a value, never as a number.
            man, vrouw, total = cells[13 + 3 * index : 16 + 3 * index]
            if total:
                totals[year] += 0.0 if total == "<5" else float(total)
            else:
                totals[year] += sum(float(c) for c in (man, vrouw) if c and c != "<5")
    return totals


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 3))):
        if len(text.split("\r\n")) < 2:
            break  # nothing left to mutate but the header
        kind = draw(st.sampled_from(["delete", "insert", "replace-cell", "truncate", "dup"]))
        at = draw(st.integers(0, len(text) - 1))
        if kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "insert":
            text = (
                text[:at]
                + draw(st.sampled_from([";", "-", "x", "\r\n", '"', "7", " ", "é"]))
                + text[at:]
            )
        elif kind == "truncate":
            text = text[:at]
        elif kind == "dup":
            lines = text.split("\r\n")
            line = draw(st.integers(0, len(lines) - 1))
            lines.insert(line, lines[line])
            text = "\r\n".join(lines)
        else:
            lines = text.split("\r\n")
            line = draw(st.integers(1, len(lines) - 1))
            cells = lines[line].split(";")
            cell = draw(st.integers(0, max(0, len(cells) - 1)))
            cells[cell] = draw(st.sampled_from(["", "-1", "abc", "<5", "1e3", "99ZZ", "007"]))
            lines[line] = ";".join(cells)
            text = "\r\n".join(lines)
    return text


def snapshot(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Dataset)) or 0,
            session.scalar(select(func.count()).select_from(Observation)) or 0,
            session.scalar(
                select(func.count()).select_from(Observation).where(Observation.active.is_(True))
            )
            or 0,
        )


@settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated())
def test_mutated_file_imports_consistently_or_changes_nothing(
    empty_engine: Engine, tmp_path: Path, text: str
) -> None:
    pack = load_pack("twente")
    if schema_revision(empty_engine) is None:
        initialise(empty_engine, pack, demo=False)
    path = tmp_path / "mbo_deelnemers.csv"
    path.write_bytes(text.encode("utf-8"))
    before = snapshot(empty_engine)
    outcome = import_files(empty_engine, pack, [path], kind="duo-mbo-deelnemers")[0]
    event("valid" if outcome.parsed.report.valid else "invalid")
    if not outcome.parsed.report.valid:
        assert snapshot(empty_engine) == before
        first = outcome.parsed.report.issues[0]
        assert getattr(first, "row", None) is not None or first.code in (
            "empty-file",
            "missing-column",
            "table-error",
            "binary-file",
        ), first.message()
        return
    assert outcome.load is not None
    with session_scope(empty_engine) as session:
        stored = dict(
            session.execute(
                select(Observation.period, func.sum(Observation.value))
                .where(
                    Observation.dataset_id == outcome.load.dataset_id,
                    # As the cube sums without a gender breakdown: a published total, not
                    # the parts beside it.
                    ~(Observation.paired & Observation.gender.is_not(None)),
                )
                .group_by(Observation.period)
            ).all()
        )
    expected = {y: v for y, v in independent_totals(text).items() if y in stored}
    assert {y: float(v or 0) for y, v in stored.items()} == expected
