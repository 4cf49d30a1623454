"""Regions as the cube sees them: a region includes its members and its children."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.errors import QueryError
from pijplijn.store.models import Region, RegionMember


def resolve_region(session: Session, code: str) -> set[str]:
    """Return ``code`` and every region code that lies within it (members and children).

    Codes match case-insensitively (``twente``, ``pv23``). Raises QueryError for an
    unknown code, naming a few known ones.
    """
    regions = {r.code.lower(): r.code for r in session.scalars(select(Region))}
    canonical = regions.get(code.strip().lower())
    if canonical is None:
        examples = ", ".join(sorted(regions.values())[:6])
        raise QueryError(
            f"onbekende regio '{code}'; bekende regio's zijn o.a. {examples} "
            "(zie 'pijplijn regions')"
        )
    inside: dict[str, set[str]] = defaultdict(set)
    for region in session.scalars(select(Region).where(Region.parent_code.is_not(None))):
        assert region.parent_code is not None
        inside[region.parent_code].add(region.code)
    for member in session.scalars(select(RegionMember)):
        inside[member.set_code].add(member.member_code)
    found, todo = {canonical}, [canonical]
    while todo:
        for child in inside[todo.pop()] - found:
            found.add(child)
            todo.append(child)
    return found
