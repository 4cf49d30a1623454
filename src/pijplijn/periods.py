"""Periods as value objects: a calendar year, a school year or a quarter.

Periods are compared as objects, never as strings. ``Period.parse`` accepts the
forms the sources use: ``2011``, ``2011JJ00`` (CBS year), ``2011-2012`` (school
year) and ``2011KW01`` (CBS quarter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PeriodUnit(StrEnum):
    YEAR = "year"
    SCHOOL_YEAR = "school_year"
    QUARTER = "quarter"


_YEAR = re.compile(r"^(\d{4})(?:JJ00)?$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})[-/](\d{4})$")
_QUARTER = re.compile(r"^(\d{4})KW0([1-4])$")


class PeriodError(ValueError):
    """A text that is not a period in any of the accepted forms."""


@dataclass(frozen=True, order=True)
class Period:
    """A period: its start date orders it; ``unit`` tells what kind it is."""

    start: date
    unit: PeriodUnit

    @classmethod
    def parse(cls, text: str) -> Period:
        """Return the period written as ``text``; raise PeriodError with the accepted forms."""
        text = text.strip()
        if m := _YEAR.match(text):
            return cls(date(int(m[1]), 1, 1), PeriodUnit.YEAR)
        if m := _SCHOOL_YEAR.match(text):
            first, second = int(m[1]), int(m[2])
            if second != first + 1:
                raise PeriodError(
                    f"'{text}' is geen schooljaar: het tweede jaar moet op het eerste volgen"
                )
            return cls(date(first, 8, 1), PeriodUnit.SCHOOL_YEAR)
        if m := _QUARTER.match(text):
            return cls(date(int(m[1]), 3 * int(m[2]) - 2, 1), PeriodUnit.QUARTER)
        raise PeriodError(
            f"'{text}' is geen periode; verwacht een jaar (2011 of 2011JJ00), "
            "een schooljaar (2011-2012) of een kwartaal (2011KW01)"
        )

    @property
    def year(self) -> int:
        """The calendar year in which the period starts."""
        return self.start.year

    def __str__(self) -> str:
        if self.unit is PeriodUnit.YEAR:
            return str(self.year)
        if self.unit is PeriodUnit.SCHOOL_YEAR:
            return f"{self.year}-{self.year + 1}"
        return f"{self.year}KW0{(self.start.month - 1) // 3 + 1}"


_STEP_WORDS = {
    PeriodUnit.YEAR: {"nl": "per jaar", "en": "yearly"},
    PeriodUnit.SCHOOL_YEAR: {"nl": "per schooljaar", "en": "per school year"},
    PeriodUnit.QUARTER: {"nl": "per kwartaal", "en": "quarterly"},
}


def _index(period: Period) -> int:
    """Consecutive periods of one unit have consecutive indexes."""
    if period.unit is PeriodUnit.QUARTER:
        return period.year * 4 + (period.start.month - 1) // 3
    return period.year


def _runs(periods: list[Period]) -> list[tuple[Period, Period]]:
    runs: list[tuple[Period, Period]] = []
    for period in periods:
        if runs and _index(period) == _index(runs[-1][1]) + 1:
            runs[-1] = (runs[-1][0], period)
        else:
            runs.append((period, period))
    return runs


def _run_text(first: Period, last: Period, lang: str) -> str:
    if first == last:
        return str(first)
    if first.unit is PeriodUnit.YEAR:
        return f"{first}-{last}"
    if first.unit is PeriodUnit.QUARTER and first.start.month == 1 and last.start.month == 10:
        return f"{first.year}-{last.year}"  # whole years of quarters
    return f"{first} {'t/m' if lang == 'nl' else 'to'} {last}"


def summarise_periods(texts: list[str], lang: str = "nl") -> str:
    """Say which periods a list covers as ranges, e.g. "1997-2023, per kwartaal" instead of 108
    quarters; a gap shows as a second range ("2015-2017, 2019, per jaar")."""
    by_unit: dict[PeriodUnit, list[Period]] = {}
    for text in texts:
        if _parses(text):
            period = Period.parse(text)
            by_unit.setdefault(period.unit, []).append(period)
    parts = []
    for unit, periods in by_unit.items():
        ranges = ", ".join(_run_text(a, b, lang) for a, b in _runs(sorted(set(periods))))
        parts.append(f"{ranges}, {_STEP_WORDS[unit][lang if lang in ('nl', 'en') else 'nl']}")
    unparsed = [t for t in texts if not _parses(t)]  # shown as they are
    return "; ".join(parts + unparsed)


def _parses(text: str) -> bool:
    try:
        Period.parse(text)
    except PeriodError:
        return False
    return True
