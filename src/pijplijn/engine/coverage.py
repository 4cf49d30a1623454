"""Whether a dataset covers a region completely, in part, or only part of what lies within it.

The cube (``engine/cube.py``) asks this for every dataset a sum over a region would count:

- ``complete``: the dataset covers the whole region (the region lies within a region it covers
  completely, or every gemeente of the region is covered): counted as is;
- ``partial``: the dataset covers the region itself, but only some institutions or locations in
  it (the seed's ROC van Twente tables for Twente): counted, and the sum is flagged ``partial``
  with the coverage named;
- ``outside``: the dataset covers only part of what lies within the region (ROC van Twente's
  tables, asked for Overijssel or the Netherlands): left out, and the result says so.

A figure about one institution is complete when the dataset covers that institution, whatever
the region. Published figures state their own scope and are never judged here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.coverage import Coverage, RegionCoverage
from pijplijn.engine.cache import cached
from pijplijn.engine.regions import region_table, resolve_region
from pijplijn.store.models import Dataset, Institution, Region

Status = Literal["complete", "partial", "outside"]


@dataclass(frozen=True)
class Verdict:
    """How one dataset's figures count for one region: ``note`` names the coverage."""

    status: Status
    note: str | None = None


@dataclass(frozen=True)
class LeftOut:
    """A dataset left out of a sum over ``region``: because it covers only part of it
    (``reason`` ``coverage``), or because another dataset publishes the same total, which
    the sum uses instead (``same-total``, ``note`` names the one used; ``engine/cube.py``)."""

    dataset: int
    title: str
    region: str
    region_name: str
    note: str
    periods: tuple[str, ...]
    reason: Literal["coverage", "same-total"] = "coverage"

    @property
    def text(self) -> str:
        """The note for people: what was left out and why."""
        if self.reason == "same-total":
            return f"niet opgeteld voor {self.region_name}: {self.title}; {self.note}"
        return f"weggelaten voor {self.region_name}: {self.title} dekt {self.note}"


@dataclass(frozen=True)
class _Declared:
    coverage: Coverage
    title: str
    closure: frozenset[str]
    """Every region within a region the dataset covers completely."""


@dataclass(frozen=True)
class CoverageTable:
    """The declared coverage of every dataset, and the names its notes use."""

    datasets: dict[int, _Declared]
    institution_names: dict[str, str]
    region_names: dict[str, str]

    def title(self, dataset: int) -> str:
        declared = self.datasets.get(dataset)
        return declared.title if declared else f"dataset {dataset}"

    def region_name(self, code: str) -> str:
        return self.region_names.get(code, code)

    def note(self, part: RegionCoverage) -> str:
        """Return what a partial coverage covers, in words: its note, or its institutions."""
        if part.note:
            return part.note
        names = [self.institution_names.get(b, b) for b in part.institutions]
        return "alleen " + ", ".join([*names, *part.locations])


def describe(session: Session, dataset: int) -> str | None:
    """Return what ``dataset`` covers, in words: 'alleen ROC van Twente in Twente; mbo;
    2007-2011'; None when it declares nothing."""
    table = coverage_table(session)
    declared = table.datasets.get(dataset)
    if declared is None:
        return None
    coverage = declared.coverage
    regions = ", ".join(
        table.region_name(p.region)
        if p.complete
        else f"{table.note(p)} in {table.region_name(p.region)}"
        for p in coverage.regions
    )
    parts = [regions or "geen regio's", ", ".join(coverage.stages)]
    if coverage.periods:
        first, last = coverage.periods[0], coverage.periods[-1]
        parts.append(first if first == last else f"{first} t/m {last}")
    return "; ".join(p for p in parts if p)


def coverage_table(session: Session) -> CoverageTable:
    """Return the coverage table, read once per data version."""
    return cached(session, ("coverage.table",), lambda: _read(session))


def _read(session: Session) -> CoverageTable:
    datasets: dict[int, _Declared] = {}
    for dataset_id, title, text, basis in session.execute(
        select(Dataset.id, Dataset.title, Dataset.coverage, Dataset.region_basis)
    ):
        coverage = Coverage.from_json(text, basis)
        if coverage is None:
            continue
        closure: set[str] = set()
        for part in coverage.regions:
            if part.complete:
                closure |= _within(session, part.region)
        datasets[dataset_id] = _Declared(coverage, title, frozenset(closure))
    return CoverageTable(
        datasets=datasets,
        institution_names=dict(session.execute(select(Institution.brin, Institution.name)).all()),
        region_names=dict(session.execute(select(Region.code, Region.name)).all()),
    )


def _within(session: Session, code: str) -> set[str]:
    if code.lower() not in region_table(session).codes:
        return {code}
    return resolve_region(session, code)


def verdict(
    session: Session, table: CoverageTable, dataset: int, region: str, institution: str | None
) -> Verdict:
    """Return how ``dataset``'s figures count for ``region`` (a canonical code), for the
    figures of one ``institution`` when given."""
    declared = table.datasets.get(dataset)
    if declared is None:
        # Loaded before datasets declared their coverage: counted as before.
        return Verdict("complete")
    parts = declared.coverage.regions
    if institution is not None and any(institution in p.institutions for p in parts):
        return Verdict("complete")
    if region in declared.closure:
        return Verdict("complete")
    inside = resolve_region(session, region)
    regions = region_table(session)
    # The gemeenten make up a region: a dataset that covers all of them covers it. Regions
    # without gemeenten of their own (a landsdeel a vacancy table named) add nothing to cover.
    leaves = {c for c in inside if not regions.inside.get(c) and regions.kinds.get(c) == "gemeente"}
    if leaves and leaves <= declared.closure:
        return Verdict("complete")
    around = _around(session, region)
    own = [p for p in parts if not p.complete and p.region in around]
    if own:
        return Verdict("partial", "; ".join(dict.fromkeys(table.note(p) for p in own)))
    covered = [
        f"{table.region_name(p.region)}"
        if p.complete
        else f"{table.note(p)} in {table.region_name(p.region)}"
        for p in parts
        if p.region in inside
    ]
    return Verdict("outside", ", ".join(covered) or "een deel van de regio")


def _around(session: Session, region: str) -> set[str]:
    """Return ``region`` and every region it lies within."""
    parents = region_table(session).parents
    found = [region]
    while (parent := parents.get(found[-1])) is not None and parent not in found:
        found.append(parent)
    return set(found)
