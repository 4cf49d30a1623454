"""What an indicator evaluation returns: values with their inputs, flags and provenance.

One model serves the CLI table, ``--format json|csv``, the web page and the API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from pijplijn import vocabulary as vocab
from pijplijn.engine.indicators.breaks import Break

INEXACT_FLAGS = frozenset({"suppressed", "missing", "estimated"})
"""A value built from an input with one of these flags is not exact."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class InputValue(_Frozen):
    """One input of a value: a cube sum or a published figure, where it came from."""

    role: str
    """Where in the formula, e.g. ``numerator``, ``denominator``, ``numerator.base``,
    ``numerator.factor2``."""
    measure: str
    subject: str | None = None
    period: str
    region: str | None
    """The region the figures were found for (an enclosing region when the requested one has
    none of its own)."""
    keys: dict[str, Any] = {}
    value: float | None
    flag: str | None
    cells: int
    datasets: list[int]
    classification: str | None = None


class Source(_Frozen):
    """A dataset that contributed to the values."""

    dataset: int
    source_key: str
    title: str
    publisher: str


class IndicatorValue(_Frozen):
    """One value of an indicator: a period and breakdown keys."""

    period: str
    keys: dict[str, Any]
    value: float | None
    """In the indicator's unit: a fraction for shares and growth, a count, or thousands."""
    flag: str | None
    """The first flag of vocabulary.FLAGS that any input carries."""
    exact: bool
    """False when an input is suppressed, missing or estimated: the value is then the known
    part, not the true figure."""
    classification: str | None
    """The classification version(s) that decided the domain, e.g. ``techniek@2019``."""
    definition: date
    """The start of the definition version used."""
    datasets: list[int]
    inputs: list[InputValue]
    notes: list[str] = []


class IndicatorValues(_Frozen):
    """The values of one indicator for a region, periods and breakdown."""

    indicator: str
    title: str
    unit: str
    direction: str
    region: str
    by: list[str]
    filters: dict[str, str]
    classification: str | None
    since: str | None
    data_version: str
    values: list[IndicatorValue]
    sources: list[Source]
    labels: dict[str, dict[str, str]] = {}
    """Titles of codes per breakdown, e.g. SBI ``307500`` → 'C Industrie'."""
    breaks: list[Break] = []
    """Where a series changes classification, definition, source or coverage: no value
    after a break is comparable with one before it (engine/indicators/breaks.py)."""

    def break_at(self, value: IndicatorValue) -> Break | None:
        """Return the break that starts at ``value`` (its period and keys), if any."""
        keys = _key_text(value.keys)
        return next(
            (b for b in self.breaks if b.period == value.period and _key_text(b.keys) == keys),
            None,
        )

    def records(self) -> list[dict[str, Any]]:
        """Return one flat record per value: indicator, region, period, the breakdown keys,
        value, unit, flag, sources (and exact, classification, definition, inputs, notes, and
        ``break``: the reason when a series break starts at this value)."""
        titles = {s.dataset: s for s in self.sources}
        starts = {(b.period, _key_text(b.keys)): b.reason for b in self.breaks}
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "period": v.period,
                **v.keys,
                "value": v.value,
                "unit": self.unit,
                "flag": v.flag,
                "sources": [
                    {"dataset": d, "source_key": titles[d].source_key, "title": titles[d].title}
                    for d in v.datasets
                    if d in titles
                ],
                "exact": v.exact,
                "classification": v.classification,
                "definition": v.definition.isoformat(),
                "inputs": [i.model_dump(mode="json") for i in v.inputs],
                "notes": v.notes,
                "break": starts.get((v.period, _key_text(v.keys))),
            }
            for v in self.values
        ]


def _key_text(keys: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in keys.items()))


def worst_flag(flags: list[str | None]) -> str | None:
    """Return the first flag of vocabulary.FLAGS among ``flags``, or None."""
    present = {f for f in flags if f}
    return next((f for f in vocab.FLAGS if f in present), None)
