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
