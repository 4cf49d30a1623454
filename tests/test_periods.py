from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pijplijn.periods import Period, PeriodError, PeriodUnit


@pytest.mark.parametrize(
    ("text", "start", "unit", "canonical"),
    [
        ("2011", date(2011, 1, 1), PeriodUnit.YEAR, "2011"),
        ("2011JJ00", date(2011, 1, 1), PeriodUnit.YEAR, "2011"),
        ("2019-2020", date(2019, 8, 1), PeriodUnit.SCHOOL_YEAR, "2019-2020"),
        ("2011KW01", date(2011, 1, 1), PeriodUnit.QUARTER, "2011KW01"),
        ("2011KW04", date(2011, 10, 1), PeriodUnit.QUARTER, "2011KW04"),
        (" 2011 ", date(2011, 1, 1), PeriodUnit.YEAR, "2011"),
    ],
)
def test_parse_forms(text: str, start: date, unit: PeriodUnit, canonical: str) -> None:
    period = Period.parse(text)
    assert (period.start, period.unit, str(period)) == (start, unit, canonical)


@pytest.mark.parametrize("text", ["", "11", "2011-2013", "2011KW05", "2011Q1", "twee"])
def test_parse_rejects_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(PeriodError, match="periode|schooljaar"):
        Period.parse(text)


def test_periods_compare_as_objects_not_strings() -> None:
    assert Period.parse("2009") < Period.parse("2010") < Period.parse("2010KW02")
    # A school year starts on 1 August, so it sorts before the fourth quarter.
    assert sorted(["2011", "2010KW04", "2010-2011"], key=Period.parse) == [
        "2010-2011",
        "2010KW04",
        "2011",
    ]


@given(st.integers(1900, 2100), st.sampled_from(["", "-", "KW01", "KW03", "JJ00"]))
def test_canonical_form_round_trips(year: int, suffix: str) -> None:
    text = f"{year}-{year + 1}" if suffix == "-" else f"{year}{suffix}"
    period = Period.parse(text)
    assert Period.parse(str(period)) == period


def test_periods_are_summarised_as_ranges() -> None:
    from pijplijn.periods import summarise_periods

    quarters = [f"{y}KW0{q}" for y in range(1997, 2024) for q in range(1, 5)]
    assert summarise_periods(quarters) == "1997-2023, per kwartaal"
    assert summarise_periods(["2019", "2015", "2016", "2017"], "en") == "2015-2017, 2019, yearly"
    school = ["2019-2020", "2020-2021", "2021-2022"]
    assert summarise_periods(school) == "2019-2020 t/m 2021-2022, per schooljaar"
    assert summarise_periods(["2011KW02", "2011KW03"]) == "2011KW02 t/m 2011KW03, per kwartaal"
    assert summarise_periods([]) == ""
