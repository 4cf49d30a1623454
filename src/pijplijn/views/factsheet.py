"""Factsheets: one model per kind of unit (gemeente, instelling, partner), each the unit's own
figures against the region and the Netherlands (the institution's in ``views/instelling.py``).
The CLI's PDF/HTML sheets (``report/``) and the web pages ``/gemeenten/{naam}``,
``/instellingen/{brin}`` and ``/partners/{organisatie}`` render these models; no figure is
computed anywhere else.

A comparison shows a unit's value only where it rests on the unit's own figures: a value that
falls back on an enclosing region is None ("geen eigen cijfer"), never the region's."""

from __future__ import annotations

import json
from datetime import date

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.pipeline import StageCount, latest_year, pipeline
from pijplijn.engine.version import data_version
from pijplijn.errors import PijplijnError, QueryError
from pijplijn.periods import Period
from pijplijn.store.goal_models import Goal
from pijplijn.store.models import Institution, Region, RegionMember
from pijplijn.store.register_models import Organisation, Participation, Project, Theme

CLASSIFICATION = "techniek"
NATIONAL = "NL01"
REACH_FIELDS = ("pupils", "students", "teachers", "companies")


class Cell(BaseModel):
    """One region's value of a figure in the sheet's period (None: no own figure)."""

    region: str
    code: str | None = None
    """The region's CBS code (or an institution's BRIN code): its key in the API."""
    value: float | None
    flag: str | None = None
    exact: bool = True
    coverage: str | None = None


class Comparison(BaseModel):
    """A key figure of the unit beside the region and the Netherlands, in one period."""

    indicator: str
    title: str
    title_en: str
    unit: str
    period: str
    cells: list[Cell]
    """The unit first, then the region set, the province and the Netherlands."""


class InstitutionRef(BaseModel):
    brin: str
    name: str
    kind: str | None


class GemeenteSheet(BaseModel):
    kind: str = "gemeente"
    code: str
    name: str
    region: str | None
    """The region set (e.g. Twente) the gemeente belongs to."""
    comparisons: list[Comparison]
    routes_year: int | None
    routes: list[StageCount]
    """The pipeline's stages for the gemeente (persons by residence where loaded)."""
    institutions: list[InstitutionRef]
    organisations: int
    """Partner organisations registered in the gemeente (not archived, not voorbeeld)."""
    notes: list[str]
    data_version: str
    made_on: date


class ParticipationRow(BaseModel):
    project: str
    period: str
    role: str | None
    pupils: int | None
    students: int | None
    teachers: int | None
    companies: int | None


class GoalShare(BaseModel):
    """The organisation's part in the reach of the projects serving one goal."""

    goal: str
    title: str
    projects: list[str]
    project_count: int
    own: int | None
    """Pupils and students reached by the organisation's participation in those projects."""
    total: int | None
    """Pupils and students reached by every participation in those projects."""
    share: float | None
    unknown: int
    """Participation records with a blank reach: the figures are then lower bounds."""


class ProjectReach(BaseModel):
    """The organisation's participation in one project, summed over its periods."""

    project: str
    periods: list[str]
    participations: int
    pupils: int | None
    students: int | None
    teachers: int | None
    companies: int | None


class PartnerSheet(BaseModel):
    kind: str = "partner"
    id: int
    name: str
    sort: str
    """Ondernemers, onderwijs, onderzoek or overheid."""
    sector: str | None
    gemeente: str | None
    participations: list[ParticipationRow]
    projects: list[ProjectReach]
    """The participation per project (what the sheet prints when it has many rows)."""
    reach: dict[str, int | None]
    """The sum of each reach field over the organisation's participation (None: unknown)."""
    goals: list[GoalShare]
    notes: list[str]
    data_version: str
    made_on: date


def find_gemeente(session: Session, name_or_code: str) -> Region:
    """Return the gemeente named or coded ``name_or_code`` (case-insensitive)."""
    wanted = name_or_code.strip()
    found = session.get(Region, wanted.upper())
    if found is None or found.kind != "gemeente":
        candidates = list(
            session.scalars(
                select(Region).where(
                    Region.kind == "gemeente", func.lower(Region.name) == wanted.lower()
                )
            )
        )
        if not candidates:
            candidates = list(
                session.scalars(
                    select(Region).where(
                        Region.kind == "gemeente",
                        func.lower(Region.name).like(wanted.lower() + " (%"),
                    )
                )
            )
        if len(candidates) != 1:
            raise QueryError(
                f"gemeente {name_or_code!r}: onbekend; geef een naam of een CBS-code "
                "(bijvoorbeeld GM0363); zie `pijplijn regions`"
            )
        found = candidates[0]
    return found


def gemeente_sheet(
    session: Session, pack: ContentPack, name_or_code: str, year: int | None = None
) -> GemeenteSheet:
    """Return the factsheet of a gemeente: its key figures against its region set, its
    province and the Netherlands, its routes through the pipeline, its institutions."""
    gemeente = find_gemeente(session, name_or_code)
    catalog = Catalog(pack.indicators)
    region_set = _region_set(session, gemeente.code, pack.pack.default_region)
    chain = [gemeente.code] + [c for c in (region_set, gemeente.parent_code) if c]
    if NATIONAL not in chain:
        chain.append(NATIONAL)
    notes: list[str] = []
    comparisons = [
        c
        for c in (_comparison(session, catalog, i, chain, notes) for i in pack.pack.key_indicators)
        if c is not None
    ]
    year = year or latest_year(session)
    routes: list[StageCount] = []
    if year is not None:
        try:
            routes = pipeline(session, gemeente.code, year, CLASSIFICATION).stages
        except PijplijnError as exc:
            notes.append(f"pijplijn: {exc}")
    institutions = [
        InstitutionRef(brin=i.brin, name=i.name, kind=i.kind)
        for i in session.scalars(
            select(Institution)
            .where(Institution.gemeente_code == gemeente.code)
            .order_by(Institution.name)
        )
    ]
    organisations = session.scalar(
        select(func.count(Organisation.id)).where(
            Organisation.gemeente_code == gemeente.code,
            Organisation.archived_at.is_(None),
            Organisation.voorbeeld.is_(False),
        )
    )
    return GemeenteSheet(
        code=gemeente.code,
        name=gemeente.name,
        region=_name(session, region_set) if region_set else None,
        comparisons=comparisons,
        routes_year=year,
        routes=routes,
        institutions=institutions,
        organisations=organisations or 0,
        notes=notes,
        data_version=data_version(session),
        made_on=date.today(),
    )


def _region_set(session: Session, gemeente: str, default: str) -> str | None:
    """The region set the gemeente is a member of: the pack's default one first."""
    sets = list(
        session.scalars(select(RegionMember.set_code).where(RegionMember.member_code == gemeente))
    )
    if default in sets:
        return default
    return sets[0] if sets else None


def _comparison(
    session: Session, catalog: Catalog, indicator_id: str, chain: list[str], notes: list[str]
) -> Comparison | None:
    """The indicator in the latest period in which the unit (chain[0]) has an own figure,
    with the same period for the regions around it; None when the unit has none.

    The unit's whole series is read first (to find that period); the regions around it are
    read for that one period only, and not at all when the unit has no own figure: the
    Netherlands' series is the costliest evaluation of a sheet (benchmarked in
    bench/report_bench.py)."""
    indicator = catalog.get(indicator_id)
    unit = chain[0]
    own = {
        p: c
        for p, c in _cells(session, catalog, indicator_id, unit, (), own_only=True).items()
        if c.value is not None
    }
    if not own:
        return None
    period = max(own, key=Period.parse)
    cells = [own[period]]
    for code in chain[1:]:
        found = _cells(session, catalog, indicator_id, code, (period,), own_only=False)
        cells.append(found.get(period) or Cell(region=_name(session, code), code=code, value=None))
    return Comparison(
        indicator=indicator_id,
        title=indicator.title.nl,
        title_en=indicator.title.en,
        unit=indicator.unit,
        period=period,
        cells=cells,
    )


def _cells(
    session: Session,
    catalog: Catalog,
    indicator_id: str,
    code: str,
    periods: tuple[str, ...],
    own_only: bool,
) -> dict[str, Cell]:
    """The indicator's totals for region ``code`` per period; with ``own_only`` only values
    that rest on the region's own figures (no fallback on an enclosing region)."""
    try:
        values = indicator_values(session, catalog, indicator_id, code, periods, by=[])
    except PijplijnError:
        return {}
    name = _name(session, code)
    return {
        v.period: Cell(
            region=name,
            code=code,
            value=v.value,
            flag=v.flag,
            exact=v.exact,
            coverage=v.coverage_note,
        )
        for v in values.values
        if not v.keys and not (own_only and not all(i.region == code for i in v.inputs))
    }


def find_organisation(session: Session, name_or_id: str) -> Organisation:
    """Return the (not archived) organisation with id or name ``name_or_id``."""
    wanted = name_or_id.strip()
    statement = select(Organisation).where(Organisation.archived_at.is_(None))
    if wanted.isdigit():
        found = session.scalars(statement.where(Organisation.id == int(wanted))).first()
    else:
        matches = list(
            session.scalars(statement.where(func.lower(Organisation.name) == wanted.lower()))
        )
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        raise QueryError(
            f"organisatie {name_or_id!r}: niet (eenduidig) in het partnerregister; geef de "
            "naam of het nummer"
        )
    return found


def partner_sheet(session: Session, name_or_id: str) -> PartnerSheet:
    """Return the factsheet of a partner organisation: its registered participation and
    reach, and its share in the reach of the projects serving each goal."""
    organisation = find_organisation(session, name_or_id)
    active = (
        select(Participation, Project)
        .join(Project, Project.id == Participation.project_id)
        .where(Participation.archived_at.is_(None), Project.archived_at.is_(None))
    )
    if not organisation.voorbeeld:
        active = active.where(Participation.voorbeeld.is_(False), Project.voorbeeld.is_(False))
    everything = session.execute(active).all()
    own = [(p, j) for p, j in everything if p.organisation_id == organisation.id]
    rows = [
        ParticipationRow(
            project=j.name,
            period=p.period,
            role=p.role,
            **{f: getattr(p, f) for f in REACH_FIELDS},
        )
        for p, j in sorted(own, key=lambda pj: (Period.parse(pj[0].period), pj[1].name))
    ]
    reach = {f: _sum(getattr(p, f) for p, _ in own) for f in REACH_FIELDS}
    by_project: dict[str, list[ParticipationRow]] = {}
    for row in rows:
        by_project.setdefault(row.project, []).append(row)
    projects = [
        ProjectReach(
            project=name,
            periods=list(dict.fromkeys(r.period for r in found)),
            participations=len(found),
            **{f: _sum(getattr(r, f) for r in found) for f in REACH_FIELDS},
        )
        for name, found in sorted(by_project.items())
    ]
    themes = {(t.programme, t.title): t.code for t in session.scalars(select(Theme))}
    goals = []
    for goal in session.scalars(select(Goal).order_by(Goal.position)):
        code = themes.get((goal.programme, goal.theme))
        if code is None:
            continue
        serving = {j.id for p, j in everything if code in json.loads(j.themes)}
        mine = [(p, j) for p, j in own if j.id in serving]
        if not mine:
            continue
        total_rows = [(p, j) for p, j in everything if j.id in serving]
        own_reach = _sum(_people(p) for p, _ in mine)
        total_reach = _sum(_people(p) for p, _ in total_rows)
        goals.append(
            GoalShare(
                goal=goal.id,
                title=goal.title,
                projects=sorted({j.name for _, j in mine}),
                project_count=len({j.id for _, j in mine}),
                own=own_reach,
                total=total_reach,
                share=own_reach / total_reach if own_reach is not None and total_reach else None,
                unknown=sum(1 for p, _ in total_rows if _people(p) is None),
            )
        )
    gemeente = (
        session.get(Region, organisation.gemeente_code) if organisation.gemeente_code else None
    )
    notes = []
    if any(v is None for v in reach.values()) or any(g.unknown for g in goals):
        notes.append(
            "Niet elke deelname heeft een bereik ingevuld: de sommen zijn dan ondergrenzen."
        )
    return PartnerSheet(
        id=organisation.id,
        name=organisation.name,
        sort=organisation.kind,
        sector=organisation.sector,
        gemeente=gemeente.name if gemeente else None,
        participations=rows,
        projects=projects,
        reach=reach,
        goals=goals,
        notes=notes,
        data_version=data_version(session),
        made_on=date.today(),
    )


def _people(participation: Participation) -> int | None:
    """Pupils plus students reached; None when both are unknown."""
    parts = [v for v in (participation.pupils, participation.students) if v is not None]
    return sum(parts) if parts else None


def _sum(values: object) -> int | None:
    """The sum of the known values; None when none is known (unknown is not zero)."""
    known = [v for v in values if v is not None]  # type: ignore[attr-defined]
    return sum(known) if known else None


def _name(session: Session, code: str) -> str:
    found = session.get(Region, code)
    return found.name if found else code
