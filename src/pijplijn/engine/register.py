"""Figures from the partner register: organisations taking part, participation records and
reach per period, reach per programme line and projects per goal.

One code path: the indicator catalogue's ``register`` terms and the register pages call these
functions. Archived records are never counted; *voorbeeld* records only when asked for.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pijplijn.content.indicators import RegisterTerm
from pijplijn.periods import Period
from pijplijn.store.goal_models import Goal
from pijplijn.store.models import Region, RegionMember
from pijplijn.store.register_models import (
    Organisation,
    Participation,
    ProgrammeLine,
    Project,
    Theme,
)

REACH = ("pupils", "students", "teachers", "companies")


@dataclass
class RegisterFigure:
    """One figure: its value (None when nothing is known), whether part of it is unknown,
    and how many participation records it rests on."""

    value: float | None
    unknown: int = 0
    """Records whose reach is unknown (blank): the value is then a lower bound."""
    records: int = 0
    organisations: set[int] = field(default_factory=set)


def region_gemeenten(session: Session, region: str) -> set[str]:
    """Return the region itself, its members (a region set) and its child regions."""
    codes = {region}
    codes |= set(
        session.scalars(select(RegionMember.member_code).where(RegionMember.set_code == region))
    )
    codes |= set(session.scalars(select(Region.code).where(Region.parent_code == region)))
    return codes


def register_year(period: str) -> str:
    """Return the calendar year a participation period counts in (a school year: the year
    it starts)."""
    return str(Period.parse(period).year)


def register_figures(
    session: Session,
    term: RegisterTerm,
    region: str,
    years: Collection[str] | None,
    by_sector: bool = False,
) -> dict[tuple[str, str | None], RegisterFigure]:
    """Return the term's figure per (year, sector or None) for organisations in ``region``,
    for ``years`` (None: every year with records)."""
    rows = session.execute(_selection(term, region_gemeenten(session, region))).all()
    figures: dict[tuple[str, str | None], RegisterFigure] = defaultdict(
        lambda: RegisterFigure(value=None)
    )
    for participation, organisation in rows:
        year = register_year(participation.period)
        if years is not None and year not in years:
            continue
        figure = figures[(year, organisation.sector if by_sector else None)]
        figure.records += 1
        figure.organisations.add(organisation.id)
        if term.count in REACH:
            reach = getattr(participation, term.count)
            if reach is None:
                figure.unknown += 1
            else:
                figure.value = (figure.value or 0) + reach
    for figure in figures.values():
        if term.count == "organisations":
            figure.value = float(len(figure.organisations))
        elif term.count == "participations":
            figure.value = float(figure.records)
        elif figure.value is not None:
            figure.value = float(figure.value)
    return dict(figures)


def _selection(term: RegisterTerm, gemeenten: set[str]) -> Select[Participation, Organisation]:
    statement = (
        select(Participation, Organisation)
        .join(Organisation, Organisation.id == Participation.organisation_id)
        .join(Project, Project.id == Participation.project_id)
        .where(
            Participation.archived_at.is_(None),
            Organisation.archived_at.is_(None),
            Project.archived_at.is_(None),
            Organisation.gemeente_code.in_(sorted(gemeenten)),
        )
        .order_by(Participation.id)
    )
    if not term.include_voorbeeld:
        statement = statement.where(
            Participation.voorbeeld.is_(False),
            Organisation.voorbeeld.is_(False),
            Project.voorbeeld.is_(False),
        )
    if term.kind is not None:
        statement = statement.where(Organisation.kind == term.kind)
    columns = {
        "size_class": Organisation.size_class,
        "sector": Organisation.sector,
        "programme_line": Project.programme_line_code,
        "project": Project.code,
    }
    for name, value in term.where.items():
        statement = statement.where(columns[name] == value)
    return statement


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProgrammeLineReach(_Frozen):
    """The reach of one programme line in one year: a sum over its projects' participation.
    ``unknown`` counts records with a blank reach (the sums are then lower bounds)."""

    programme_line: str
    title: str
    year: str
    pupils: int | None
    students: int | None
    teachers: int | None
    companies: int | None
    records: int
    unknown: dict[str, int]


def reach_per_programme_line(
    session: Session, region: str, include_voorbeeld: bool = False
) -> list[ProgrammeLineReach]:
    """Return the reach per programme line and year, for organisations in ``region``."""
    lines = {line.code: line for line in session.scalars(select(ProgrammeLine))}
    results: list[ProgrammeLineReach] = []
    for code in sorted(lines):
        per_field = {
            name: register_figures(
                session,
                RegisterTerm(
                    count=name,
                    where={"programme_line": code},
                    include_voorbeeld=include_voorbeeld,
                ),
                region,
                None,
            )
            for name in REACH
        }
        for year in sorted({year for (year, _) in per_field["pupils"]}):
            figures = {name: per_field[name][(year, None)] for name in REACH}
            results.append(
                ProgrammeLineReach(
                    programme_line=code,
                    title=lines[code].title,
                    year=year,
                    **{
                        name: None if f.value is None else int(f.value)
                        for name, f in figures.items()
                    },
                    records=figures["pupils"].records,
                    unknown={name: f.unknown for name, f in figures.items() if f.unknown},
                )
            )
    return results


class GoalProjects(_Frozen):
    """The active projects serving a goal: those with a theme of the goal's programme and
    title."""

    goal: str
    theme: str
    projects: list[str]
    """Project names."""


def projects_per_goal(session: Session, include_voorbeeld: bool = False) -> list[GoalProjects]:
    """Return per goal the active projects that carry the goal's theme."""
    themes = {(t.programme, t.title): t.code for t in session.scalars(select(Theme))}
    statement = select(Project).where(Project.archived_at.is_(None)).order_by(Project.name)
    if not include_voorbeeld:
        statement = statement.where(Project.voorbeeld.is_(False))
    projects = list(session.scalars(statement))
    results = []
    for goal in session.scalars(select(Goal).order_by(Goal.position)):
        code = themes.get((goal.programme, goal.theme))
        names = [p.name for p in projects if code is not None and code in json.loads(p.themes)]
        results.append(GoalProjects(goal=goal.id, theme=goal.theme, projects=names))
    return results
