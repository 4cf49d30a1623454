"""What an indicator evaluation returns: values with their inputs, flags and provenance.

One model serves the CLI table, ``--format json|csv``, the web page and the API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from pijplijn import vocabulary as vocab
from pijplijn.engine.indicators.breaks import Break
from pijplijn.periods import Period

INEXACT_FLAGS = frozenset({"suppressed", "missing", "estimated", "partial"})
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
    coverage: str | None = None
    """Set when a dataset covers only part of the region (flag ``partial``): what it covers."""


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
    coverage_note: str | None = None
    """Set when an input counts a dataset that covers only part of the region (then ``flag``
    is ``partial``, unless a flag of higher precedence applies): what it covers, e.g.
    'alleen ROC van Twente'."""

    def described_region(self) -> str | None:
        """The one region every input describes (Overijssel for Twente's vacancies), or None
        when the inputs are of several regions or none."""
        found = {i.region for i in self.inputs if i.region}
        return found.pop() if len(found) == 1 else None


class LeftOutSource(_Frozen):
    """A dataset left out of the values because it covers only part of the region."""

    dataset: int
    source_key: str
    title: str
    region: str
    note: str
    """What the dataset covers, e.g. 'alleen ROC van Twente in Twente'."""
    periods: list[str]
    text: str
    """The note for people: 'weggelaten voor Nederland: … dekt … (2007, …)'."""


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
    region_name: str = ""
    """The region's name, for notes people read."""
    left_out: list[LeftOutSource] = []
    """Datasets not counted because they cover only part of the region (or, for an
    indicator that does not accept partial coverage, only part of the region itself)."""
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
        value, unit, flag, sources (and exact, classification, definition, inputs, notes,
        ``coverage_note``, and ``break``: the reason when a series break starts at this
        value), and one per period that has no value because its only data were left out for
        their coverage (value null, flag ``partial``, the coverage named in
        ``coverage_note``)."""
        records = self._value_records() + self.left_out_records()
        return sorted(records, key=lambda r: Period.parse(r["period"]))

    def coverage_lines(self) -> list[str]:
        """Return, for people, one line per coverage of partial values (with their periods)
        and one per dataset left out: the note the page, the report and the CLI show."""
        partial: dict[str, list[str]] = {}
        for v in self.values:
            if v.coverage_note:
                partial.setdefault(v.coverage_note, []).append(v.period)
        lines = [
            f"{self.region_name or self.region} {', '.join(dict.fromkeys(periods))}: "
            f"partial, {note}"
            for note, periods in partial.items()
        ]
        return lines + [f"{o.text} ({', '.join(o.periods)})" for o in self.left_out]

    def left_out_records(self) -> list[dict[str, Any]]:
        """Return a record (value null, flag ``partial``) per period that has no value
        because its only data were left out for their coverage."""
        have = {v.period for v in self.values}
        found: dict[str, list[LeftOutSource]] = {}
        for item in self.left_out:
            for period in item.periods:
                if period not in have:
                    found.setdefault(period, []).append(item)
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "period": period,
                **dict.fromkeys(self.by),
                "value": None,
                "unit": self.unit,
                "flag": "partial",
                "sources": [
                    {"dataset": i.dataset, "source_key": i.source_key, "title": i.title}
                    for i in items
                ],
                "exact": False,
                "classification": None,
                "definition": None,
                "inputs": [],
                "notes": [i.text for i in items],
                "coverage_note": "; ".join(i.text for i in items),
                "break": None,
            }
            for period, items in found.items()
        ]

    def _value_records(self) -> list[dict[str, Any]]:
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
                "coverage_note": v.coverage_note,
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
