"""Versioned classifications, applied at query time.

A classification (e.g. ``techniek``) has dated versions; a version holds from its
``valid_from`` until the next version starts. ``techniek`` picks the version in force for each
period; ``techniek@2019`` applies that one version to every period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.errors import QueryError
from pijplijn.periods import Period
from pijplijn.store.models import Classification, ClassificationRule

OTHER = "overig"
"""The domain of everything a classification does not claim."""


@dataclass(frozen=True)
class Rule:
    stage: str | None
    field: str
    operator: str
    match: str

    def applies(self, stage: str | None, values: dict[str, str | None]) -> bool:
        """True when an observation of ``stage`` with these field values matches."""
        if self.stage is not None and self.stage != stage:
            return False
        value = (values.get(self.field) or "").casefold()
        target = self.match.casefold()
        return value == target if self.operator == "equals" else target in value


@dataclass(frozen=True)
class ClassificationVersion:
    """One dated version: its rules decide whether an observation is in the domain."""

    name: str
    version: str
    valid_from: date
    rules: tuple[Rule, ...]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def fields(self) -> set[str]:
        return {rule.field for rule in self.rules}

    def domain(self, stage: str | None, values: dict[str, str | None]) -> str:
        """Return the classification's name when any rule matches, else ``overig``."""
        return self.name if any(r.applies(stage, values) for r in self.rules) else OTHER


@dataclass(frozen=True)
class ClassificationChoice:
    """The versions of one classification a query uses, and which applies to a period."""

    versions: tuple[ClassificationVersion, ...]
    pinned: bool

    def for_period(self, period: Period) -> ClassificationVersion:
        """Return the pinned version, or the one in force at the start of ``period``
        (the earliest when the period precedes them all)."""
        if self.pinned:
            return self.versions[0]
        in_force = [v for v in self.versions if v.valid_from <= period.start]
        return in_force[-1] if in_force else self.versions[0]

    @property
    def fields(self) -> set[str]:
        return set().union(*(v.fields for v in self.versions))


def choose(session: Session, spec: str) -> ClassificationChoice:
    """Return the classification ``name`` or ``name@version``; raise QueryError if unknown.

    Cached per data version: every cube query by domain asks for its classification, and a
    report makes a hundred of them."""
    return cached(session, ("classify.choose", spec.strip()), lambda: _choose(session, spec))


def _choose(session: Session, spec: str) -> ClassificationChoice:
    name, _, version = spec.strip().partition("@")
    stored = session.scalars(
        select(Classification)
        .where(Classification.name == name)
        .order_by(Classification.valid_from)
    ).all()
    if not stored:
        known = sorted(set(session.scalars(select(Classification.name))))
        raise QueryError(f"onbekende classificatie '{name}'; kies uit {', '.join(known)}")
    if version:
        stored = [c for c in stored if c.version == version]
        if not stored:
            raise QueryError(
                f"classificatie {name} heeft geen versie '{version}' "
                "(zie 'pijplijn classifications')"
            )
    rules = _rules(session, [c.id for c in stored])
    versions = tuple(_version(c, rules.get(c.id, ())) for c in stored)
    return ClassificationChoice(versions=versions, pinned=bool(version))


def _rules(session: Session, ids: list[int]) -> dict[int, tuple[Rule, ...]]:
    """The rules of the classification versions ``ids``, in their order, in one statement."""
    found: dict[int, list[Rule]] = {i: [] for i in ids}
    for r in session.scalars(
        select(ClassificationRule)
        .where(ClassificationRule.classification_id.in_(ids))
        .order_by(ClassificationRule.id)
    ):
        found[r.classification_id].append(Rule(r.stage, r.field, r.operator, r.match))
    return {i: tuple(rules) for i, rules in found.items()}


def _version(stored: Classification, rules: tuple[Rule, ...]) -> ClassificationVersion:
    return ClassificationVersion(
        name=stored.name, version=stored.version, valid_from=stored.valid_from, rules=rules
    )


class RuleChange(BaseModel):
    stage: str | None
    field: str
    operator: str
    match: str


class ClassificationSummary(BaseModel):
    """A classification version, and what it changed against the version before it."""

    name: str
    title: str
    version: str
    valid_from: date
    description: str
    source: str
    rules: int
    added: list[RuleChange]
    removed: list[RuleChange]


def list_classifications(session: Session) -> list[ClassificationSummary]:
    """Return every classification version in order, with the rules it added and removed."""
    summaries = []
    previous: dict[str, set[Rule]] = {}
    every = session.scalars(
        select(Classification).order_by(Classification.name, Classification.valid_from)
    ).all()
    stored_rules = _rules(session, [c.id for c in every])
    for stored in every:
        rules = set(stored_rules[stored.id])
        before = previous.get(stored.name, set())
        summaries.append(
            ClassificationSummary(
                name=stored.name,
                title=stored.title,
                version=stored.version,
                valid_from=stored.valid_from,
                description=stored.description,
                source=stored.source,
                rules=len(rules),
                added=[_change(r) for r in sorted(rules - before, key=_rule_key)],
                removed=[_change(r) for r in sorted(before - rules, key=_rule_key)],
            )
        )
        previous[stored.name] = rules
    return summaries


def _rule_key(rule: Rule) -> tuple[str, str, str]:
    return (rule.stage or "", rule.field, rule.match)


def _change(rule: Rule) -> RuleChange:
    return RuleChange(stage=rule.stage, field=rule.field, operator=rule.operator, match=rule.match)
