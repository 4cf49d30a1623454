"""The one number formatter: each unit in both languages, the flags, and the rounding rule."""

from __future__ import annotations

import pytest

from pijplijn.numbers import format_number, percent, plain, points


@pytest.mark.parametrize(
    ("value", "unit", "nl", "en"),
    [
        (19485, "count", "19.485", "19,485"),
        (1234567.0, "count", "1.234.567", "1,234,567"),
        (0.201, "share", "20,1%", "20.1%"),
        (0.0125, "growth", "+1,3%", "+1.3%"),
        (-0.034, "growth", "-3,4%", "-3.4%"),
        (27.8, "percent", "27,8%", "27.8%"),
        (27.84, "thousand", "27,8 duizend", "27.8 thousand"),
        (1.2345, "ratio", "1,23", "1.23"),
        (31.95, "per_thousand", "32,0‰", "32.0‰"),
        (1500, "money", "€ 1.500", "€ 1,500"),
    ],
)
def test_each_unit_in_both_languages(value: float, unit: str, nl: str, en: str) -> None:
    assert format_number(value, unit, "nl") == nl
    assert format_number(value, unit, "en") == en


def test_one_rounding_rule_half_away_from_zero() -> None:
    # Python's own format rounds 2.5 to 2 and 0.1235 (as 12.35%) to 12.3 or 12.4 by the float's
    # binary value; the monitor rounds the printed decimal half away from zero, everywhere.
    assert f"{2.5:.0f}" == "2"
    assert format_number(2.5, "count") == "3"
    assert format_number(-2.5, "count") == "-3"
    assert format_number(0.1235, "share") == "12,4%"
    assert plain(0.125, 2) == "0,13"
    assert format_number(-0.0001, "share") == "0,0%"  # never "-0,0%"


def test_missing_values_never_become_zero() -> None:
    assert format_number(None, "count") == "–"
    assert format_number(None, "share", "en") == "–"
    assert format_number(None, "count", "nl", flag="suppressed") == "onderdrukt"
    assert format_number(None, "count", "en", flag="suppressed") == "suppressed"
    assert format_number(None, "share", "nl", flag="missing") == "geen cijfer"
    assert format_number(0, "count") == "0"


def test_flagged_counts_are_lower_bounds_other_flags_approximate() -> None:
    # docs/data-model.md: a sum with a blank or suppressed cell is a lower bound (≥ 2,281).
    assert format_number(2281, "count", "en", flag="missing") == "≥ 2,281"
    assert format_number(2281, "count", "nl", flag="suppressed") == "≥ 2.281"
    assert format_number(2281, "count", "nl", flag="partial") == "≥ 2.281"
    assert format_number(812.4, "count", "nl", flag="estimated") == "≈ 812"
    assert format_number(0.248, "share", "nl", flag="suppressed") == "≈ 24,8%"


def test_signs_and_points() -> None:
    assert format_number(168, "count", "nl", signed=True) == "+168"
    assert format_number(0.05, "growth", "nl", signed=False) == "5,0%"
    assert percent(0.05, "en", signed=True) == "+5.0%"
    assert points(0.012) == "+1,2 procentpunt"
    assert points(-0.012, "en") == "-1.2 percentage points"


def test_templates_and_cli_use_it() -> None:
    from pijplijn.cli.indicators import show
    from pijplijn.report.render import ENVIRONMENT
    from pijplijn.web.pages.common import TEMPLATES

    macros = TEMPLATES.env.get_template("macros/format.html").module
    assert str(macros.num(19485, "count", "nl")) == "19.485"  # type: ignore[attr-defined]
    assert str(macros.pct(0.201, "en")) == "20.1%"  # type: ignore[attr-defined]
    report = ENVIRONMENT.get_template("macros/format.html").module
    assert str(report.num(0.201, "share", "nl")) == "20,1%"  # type: ignore[attr-defined]
    assert show(0.248, "share") == format_number(0.248, "share") == "24,8%"
    assert show(1643, "count") == "1.643"
