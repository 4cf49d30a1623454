"""Series breaks: where a series changes definition, so that two values are not comparable.

A value is computed on a *basis*: the classification version that decided the domain, the
indicator definition version, the sources (dataset source keys) and the coverage (complete, or
``partial`` with the note that names what is covered). Where the basis of a series changes from
one period to the next, the series carries a break at the later period, with its reason. A
comparison across a break is refused, or restated on one definition (``engine/indicators/
compare.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pijplijn.periods import Period

PARTIAL = "partial"
"""The flag of a value whose datasets cover only part of the region (docs/data-model.md)."""

BreakKind = Literal["classification", "definition", "source", "coverage"]
KINDS: tuple[BreakKind, ...] = ("classification", "definition", "source", "coverage")
"""In the order reasons are given."""


class Break(BaseModel):
    """A change of basis between two consecutive values of one series."""

    model_config = ConfigDict(frozen=True)

    period: str
    """The first period on the new basis."""
    previous: str
    """The last period on the old basis."""
    keys: dict[str, Any] = {}
    """The breakdown keys of the series (empty for the total)."""
    kinds: list[BreakKind]
    details: list[str]
    """Per kind, what changed, e.g. 'classificatie techniek versie 2011 → techniek versie
    2019'."""
    restated: float | None = None
    """The value of ``previous`` restated on the classification version of ``period`` (when
    the classification changes): the figure to compare with across this break."""
    restated_on: str | None = None
    """That classification version, e.g. ``techniek@2019``."""

    @property
    def reason(self) -> str:
        """What changed, in one Dutch phrase."""
        return "; ".join(self.details)

    @property
    def restatable(self) -> bool:
        """True when only the classification changes and the earlier value was restated on
        the later version: the two periods are then comparable on that version."""
        return self.kinds == ["classification"] and self.restated is not None


@dataclass(frozen=True)
class Basis:
    """What a value is computed on; two values are comparable when their bases are equal."""

    classification: str | None
    definition: date | None
    sources: tuple[str, ...]
    coverage: tuple[str, ...] | None
    """None when complete; else the notes of the partial value (which name the coverage)."""

    def differences(self, other: Basis) -> list[BreakKind]:
        """Return the kinds in which ``other`` differs from this basis. A missing
        classification (a value that no classification decided) differs from nothing."""
        found: list[BreakKind] = []
        if (
            self.classification
            and other.classification
            and self.classification != other.classification
        ):
            found.append("classification")
        if self.definition and other.definition and self.definition != other.definition:
            found.append("definition")
        if self.sources != other.sources:
            found.append("source")
        if self.coverage != other.coverage:
            found.append("coverage")
        return found


def basis_of(
    classification: str | None,
    definition: date | None,
    source_keys: Iterable[str],
    flags: Iterable[str | None],
    notes: Sequence[str],
) -> Basis:
    """Return the basis of a value from its classification, definition, the source keys of
    its datasets, the flags of the value and its inputs, and its notes."""
    partial = PARTIAL in set(flags)
    return Basis(
        classification=classification,
        definition=definition,
        sources=tuple(sorted(set(source_keys))),
        coverage=tuple(sorted(set(notes))) if partial else None,
    )


Names = Mapping[str, tuple[str, str]]
"""Per source key: its publisher and title, to name a source in a reason."""


def describe(kinds: Sequence[BreakKind], before: Basis, after: Basis, names: Names) -> list[str]:
    """Return, per kind, the Dutch phrase for a break from ``before`` to ``after``."""
    parts = []
    for kind in kinds:
        if kind == "classification":
            parts.append(
                f"classificatie {_version(before.classification)} → "
                f"{_version(after.classification)}"
            )
        elif kind == "definition":
            parts.append(f"indicatordefinitie van {before.definition} → van {after.definition}")
        elif kind == "source":
            # The publishers name the sources, unless they are the same on both sides.
            field = 0 if _named(before, names, 0) != _named(after, names, 0) else 1
            parts.append(f"bron {_named(before, names, field)} → {_named(after, names, field)}")
        else:
            parts.append(f"dekking {_coverage(before)} → {_coverage(after)}")
    return parts


def find_breaks(points: Sequence[tuple[str, dict[str, Any], Basis]], names: Names) -> list[Break]:
    """Return the breaks of every series in ``points`` (period, breakdown keys, basis), in
    period order; ``points`` must be sorted by period within each series."""
    last: dict[tuple[tuple[str, str], ...], tuple[str, Basis]] = {}
    found = []
    for period, keys, basis in points:
        series = tuple(sorted((k, str(v)) for k, v in keys.items()))
        before = last.get(series)
        last[series] = (period, basis)
        if before is None:
            continue
        kinds = before[1].differences(basis)
        if kinds:
            found.append(
                Break(
                    period=period,
                    previous=before[0],
                    keys=dict(keys),
                    kinds=kinds,
                    details=describe(kinds, before[1], basis, names),
                )
            )
    return found


def without_classification(item: Break) -> Break | None:
    """Return ``item`` without its classification change (the versions give the same figure
    here), or None when nothing else changes."""
    kept = [(k, d) for k, d in zip(item.kinds, item.details, strict=True) if k != "classification"]
    if not kept:
        return None
    return item.model_copy(update={"kinds": [k for k, _ in kept], "details": [d for _, d in kept]})


def between(breaks: Iterable[Break], keys: Mapping[str, Any], start: str, end: str) -> list[Break]:
    """Return the breaks of the series ``keys`` after period ``start`` up to ``end``
    (periods as sortable texts of one unit or mixed; compared by their start)."""
    low, high = sorted((Period.parse(start), Period.parse(end)))
    wanted = {k: str(v) for k, v in keys.items()}
    return [
        b
        for b in breaks
        if {k: str(v) for k, v in b.keys.items()} == wanted and low < Period.parse(b.period) <= high
    ]


def _version(label: str | None) -> str:
    if not label:
        return "geen"
    name, _, version = label.partition("@")
    return f"{name} versie {version}" if version else name


def _named(basis: Basis, names: Names, field: int) -> str:
    shown = dict.fromkeys(names.get(s, (s, s))[field] for s in basis.sources)
    return " + ".join(shown) or "geen"


def _coverage(basis: Basis) -> str:
    if basis.coverage is None:
        return "volledig"
    return "gedeeltelijk" + (f" ({'; '.join(basis.coverage)})" if basis.coverage else "")
