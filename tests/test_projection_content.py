"""The projection content of the Twente pack: priors with sources, validated at load time."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import load_projection, read_projection, read_scenario_file
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.errors import ContentError
from pijplijn.store.db import session_scope

PACK = Path(load_pack("twente").root)
YAML = (PACK / "projection.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "projection.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_pack_loads_with_every_rate_sourced_and_both_domains() -> None:
    content = load_projection(load_pack("twente"))
    assert content.domains == ("techniek", "overig")
    # ':*' keys are written once and hold for both domains.
    assert content.rates["doorstroom-mbo-2:techniek"] == content.rates["doorstroom-mbo-2:overig"]
    assert all(r.source.strip() for r in content.rates.values())
    assert {r.kind for r in content.rates.values()} == {"published", "derived", "assumption"}
    assert [lever.id for lever in content.levers] == [
        "instroom-vmbo-techniek",
        "mbo-instroom-vmbo-tg",
        "doorstroom-mbo-hbo-techniek",
        "participatie-meisjes",
        "deelname-bbl",
        "deelname-duaal-hbo",
    ]
    # The seventh goal of the agenda is about companies: said so, not turned into a lever.
    assert "50%" in content.not_levers[0].goal
    assert content.cohort is not None and content.cohort.values == {}


def test_published_priors_are_the_seed_figures(demo_engine: Engine) -> None:
    content = load_projection(load_pack("twente"))
    with session_scope(demo_engine) as session:
        for rate_id, rate in content.rates.items():
            if rate.kind != "published":
                continue
            rows = query(
                session,
                CubeQuery(
                    measure="published_share",
                    by=("level",),
                    filters={"subject": rate.subject or ""},
                ),
            )
            assert rate.value in {r.value for r in rows}, rate_id


def test_derived_priors_are_the_arithmetic_they_claim(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        counts = {
            subject: query(
                session, CubeQuery(measure="published_count", filters={"subject": subject})
            )[0].value
            for subject in ("vmbo-tl-to-mbo", "vmbo-tl-final-year-pupils")
        }
    content = load_projection(load_pack("twente"))
    share = counts["vmbo-tl-to-mbo"] / counts["vmbo-tl-final-year-pupils"]  # 1,196 / 1,532
    assert content.rates["mbo-vmbo-tl:techniek"].value == pytest.approx(share, abs=0.005)


def test_a_rate_outside_zero_one_names_the_file_line_and_key(tmp_path: Path) -> None:
    text = YAML.replace("exit-mbo-2:\n    value: 0.5", "exit-mbo-2:\n    value: 1.5")
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        read_projection(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"regel {line_of(text, 'value: 1.5')}" in message
    assert "rates.exit-mbo-2.value" in message and "tussen 0 en 1" in message


def test_a_negative_cohort_is_refused_naming_the_year(tmp_path: Path) -> None:
    text = YAML.replace("  values: {}", "  values: {2025: 4100, 2026: -3}")
    with pytest.raises(ContentError, match=r"cohort\.values.*2026 is negatief"):
        read_projection(write(tmp_path, text))


def test_a_scenario_file_with_a_bad_field_names_its_line(tmp_path: Path) -> None:
    text = (
        "name: meer-bbl\nlevers:\n  - kind: inflow\n    targets: [mbo-*:BBL:techniek]\n"
        "    change: 0.1\n    ramp_years: 0\n"
    )
    with pytest.raises(ContentError, match=r"regel 6 \(levers\.0\.ramp_years\)"):
        read_scenario_file(write(tmp_path, text, "meer-bbl.yaml"))


def test_a_scenario_referring_to_an_unknown_pack_lever_is_refused(tmp_path: Path) -> None:
    text = YAML.replace("      - lever: deelname-bbl\n", "      - lever: deelname-bbbl\n")
    with pytest.raises(ContentError, match="onbekende hefboom 'deelname-bbbl'"):
        read_projection(write(tmp_path, text))
