"""Regions as the cube sees them: a region includes its members and its children."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.engine.cache import cached
from pijplijn.errors import QueryError
from pijplijn.store.models import Region, RegionMember


@dataclass(frozen=True)
class RegionTable:
    """Every region: its canonical code by lower-case code, its parent, and what lies
    directly within each (children and set members)."""

    codes: dict[str, str]
    parents: dict[str, str]
    inside: dict[str, frozenset[str]]
    kinds: dict[str, str] = field(default_factory=dict)


def region_table(session: Session) -> RegionTable:
    """Return the region table, read once per data version (plain rows, no ORM objects:
    indicators resolve regions hundreds of times per report)."""
    return cached(session, ("regions.table",), lambda: _read(session))


def _read(session: Session) -> RegionTable:
    codes: dict[str, str] = {}
    parents: dict[str, str] = {}
    inside: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, str] = {}
    for code, parent, kind in session.execute(select(Region.code, Region.parent_code, Region.kind)):
        codes[code.lower()] = code
        kinds[code] = kind
        if parent is not None:
            parents[code] = parent
            inside[parent].add(code)
    for set_code, member in session.execute(
        select(RegionMember.set_code, RegionMember.member_code)
    ):
        inside[set_code].add(member)
    return RegionTable(codes, parents, {k: frozenset(v) for k, v in inside.items()}, kinds)


def region_names(session: Session) -> dict[str, str]:
    """Return every region's name by its code, read once per data version."""
    return cached(
        session,
        ("regions.names",),
        lambda: {code: name for code, name in session.execute(select(Region.code, Region.name))},
    )


def canonical_region(session: Session, code: str) -> str:
    """Return the region code as stored, matching ``code`` case-insensitively (``twente``,
    ``pv23``). Raises QueryError for an unknown code, naming a few known ones."""
    table = region_table(session)
    canonical = table.codes.get(code.strip().lower())
    if canonical is None:
        examples = ", ".join(sorted(table.codes.values())[:6])
        raise QueryError(
            f"onbekende regio '{code}'; bekende regio's zijn o.a. {examples} "
            "(zie 'pijplijn regions')"
        )
    return canonical


def resolve_region(session: Session, code: str) -> set[str]:
    """Return ``code`` and every region code that lies within it (members and children).
    Raises QueryError for an unknown code (see ``canonical_region``)."""
    table = region_table(session)
    canonical = canonical_region(session, code)
    found, todo = {canonical}, [canonical]
    while todo:
        for child in table.inside.get(todo.pop(), frozenset()) - found:
            found.add(child)
            todo.append(child)
    return found
