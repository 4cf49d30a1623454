"""Factsheets: one model per kind of unit (gemeente, instelling, partner), each the unit's own
figures against the region and the Netherlands. The CLI's PDF/HTML sheets (``report/``) and
the web pages ``/gemeenten/{naam}`` and ``/partners/{organisatie}`` render these models; no
figure is computed anywhere else.

A comparison shows a unit's value only where it rests on the unit's own figures: a value that
falls back on an enclosing region is None ("geen eigen cijfer"), never the region's."""

from __future__ import annotations

import json
from datetime import date

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pijplijn.content.loader import NATIONAL, ContentPack
from pijplijn.engine.cube import CubeQuery, query
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.pipeline import StageCount, latest_year, pipeline
from pijplijn.engine.version import data_version
from pijplijn.errors import PijplijnError, QueryError
from pijplijn.periods import Period
from pijplijn.store.goal_models import Goal
from pijplijn.store.models import Institution, Region, RegionMember
from pijplijn.store.register_models import Organisation, Participation, Project, Theme
from pijplijn.views.render import View, ViewTable

REACH_FIELDS = ("pupils", "students", "teachers", "companies")


class Cell(BaseModel):
    """One region's value of a figure in the sheet's period (None: no own figure)."""

    region: str
    value: float | None
    flag: str | None = None
    exact: bool = True
    coverage: str | None = None


class Comparison(BaseModel):
    """A key figure of the unit beside the region and the Netherlands, in one period."""

    indicator: str
    title: str
    unit: str
    period: str
    cells: list[Cell]
    """The unit first, then the region set, the province and the Netherlands."""


class InstitutionRef(BaseModel):
    brin: str
    name: str
    kind: str | None


class GemeenteSheet(View):
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

    def tables(self) -> list[ViewTable]:
        """The key figures against the region set, province and the Netherlands (one row per
        indicator and region), the routes through the pipeline, and the institutions."""
        return [
            ViewTable(
                name="kerncijfers",
                title="Kerncijfers",
                columns=[
                    "indicator",
                    "title",
                    "unit",
                    "period",
                    "region",
                    "value",
                    "flag",
                    "exact",
                ],
                rows=[
                    {
                        **c.model_dump(include={"indicator", "title", "unit", "period"}),
                        **cell.model_dump(),
                    }
                    for c in self.comparisons
                    for cell in c.cells
                ],
                units={"value": "=unit"},
            ),
            ViewTable(
                name="routes",
                title=f"Routes {self.routes_year or ''}".strip(),
                columns=list(StageCount.model_fields),
                rows=[r.model_dump() for r in self.routes],
            ),
            ViewTable(
                name="instellingen",
                title="Instellingen",
                columns=["brin", "name", "kind"],
                rows=[i.model_dump() for i in self.institutions],
            ),
        ]


class InstellingRow(BaseModel):
    measure: str
    period: str
    total: float | None
    in_domain: float | None
    share: float | None
    flag: str | None


class InstellingSheet(BaseModel):
    kind: str = "instelling"
    brin: str
    name: str
    sector: str | None
    place: str | None
    gemeente: str | None
    region_basis: str | None
    rows: list[InstellingRow]
    """Per measure and period: the institution's students, the techniek part and share."""
    region_share: list[Cell]
    """The techniek share of the latest ``enrolled`` period for the institution, its region
    set and the Netherlands."""
    share_period: str | None
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
    own: int | None
    """Pupils and students reached by the organisation's participation in those projects."""
    total: int | None
    """Pupils and students reached by every participation in those projects."""
    share: float | None
    unknown: int
    """Participation records with a blank reach: the figures are then lower bounds."""


class PartnerSheet(View):
    kind: str = "partner"
    id: int
    name: str
    sort: str
    """Ondernemers, onderwijs, onderzoek or overheid."""
    sector: str | None
    gemeente: str | None
    participations: list[ParticipationRow]
    reach: dict[str, int | None]
    """The sum of each reach field over the organisation's participation (None: unknown)."""
    goals: list[GoalShare]
    notes: list[str]
    data_version: str
    made_on: date

    def tables(self) -> list[ViewTable]:
        """The organisation's registered participation, and its share in each goal."""
        return [
            ViewTable(
                name="deelname",
                title="Deelname",
                columns=list(ParticipationRow.model_fields),
                rows=[r.model_dump() for r in self.participations],
            ),
            ViewTable(
                name="doelen",
                title="Aandeel in de doelen",
                columns=list(GoalShare.model_fields),
                rows=[g.model_dump() for g in self.goals],
                units={"share": "share"},
            ),
        ]


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
            routes = pipeline(session, gemeente.code, year, pack.classification).stages
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
    with the same period for the regions around it; None when the unit has none."""
    indicator = catalog.get(indicator_id)
    per_region: dict[str, dict[str, Cell]] = {}
    for code in chain:
        try:
            values = indicator_values(session, catalog, indicator_id, code, by=[])
        except PijplijnError:
            continue
        own_only = code == chain[0]
        for v in values.values:
            if v.keys or (own_only and not all(i.region == code for i in v.inputs)):
                continue
            per_region.setdefault(code, {})[v.period] = Cell(
                region=_name(session, code),
                value=v.value,
                flag=v.flag,
                exact=v.exact,
                coverage=v.coverage_note,
            )
    own = {p: c for p, c in per_region.get(chain[0], {}).items() if c.value is not None}
    if not own:
        return None
    period = max(own, key=Period.parse)
    cells = [
        per_region.get(code, {}).get(period) or Cell(region=_name(session, code), value=None)
        for code in chain
    ]
    return Comparison(
        indicator=indicator_id,
        title=indicator.title.nl,
        unit=indicator.unit,
        period=period,
        cells=cells,
    )


def instelling_sheet(session: Session, pack: ContentPack, brin: str) -> InstellingSheet:
    """Return the factsheet of an institution: its students and graduates per year with the
    techniek part, and its techniek share beside its region set and the Netherlands."""
    institution = session.get(Institution, brin.strip().upper())
    if institution is None:
        raise QueryError(
            f"instelling {brin!r}: onbekende BRIN-code; zie `pijplijn query --by institution`"
        )
    notes: list[str] = []
    rows: list[InstellingRow] = []
    for measure in ("enrolled", "graduates"):
        rows += _domain_rows(
            session, measure, CubeQuery(measure=measure, institution=brin), pack.classification
        )
    enrolled = [r for r in rows if r.measure == "enrolled" and r.share is not None]
    share_period = max((r.period for r in enrolled), key=Period.parse, default=None)
    cells: list[Cell] = []
    if share_period is not None:
        own = next(r for r in enrolled if r.period == share_period)
        cells.append(Cell(region=institution.name, value=own.share, flag=own.flag))
        region_set = (
            _region_set(session, institution.gemeente_code, pack.pack.default_region)
            if institution.gemeente_code
            else None
        )
        for code in [c for c in (region_set, NATIONAL) if c]:
            found = [
                r
                for r in _domain_rows(
                    session,
                    "enrolled",
                    CubeQuery(measure="enrolled", region=code, periods=(share_period,)),
                    pack.classification,
                )
                if r.period == share_period
            ]
            cells.append(
                Cell(
                    region=_name(session, code),
                    value=found[0].share if found else None,
                    flag=found[0].flag if found else None,
                )
            )
    if institution.region_basis == "head-office":
        notes.append(
            "De gemeente is die van de hoofdvestiging: DUO telt de studenten van de instelling "
            "daar, niet op hun woon- of lesplaats."
        )
    gemeente = session.get(Region, institution.gemeente_code) if institution.gemeente_code else None
    return InstellingSheet(
        brin=institution.brin,
        name=institution.name,
        sector=institution.kind,
        place=institution.place.title() if institution.place else None,
        gemeente=gemeente.name if gemeente else None,
        region_basis=institution.region_basis,
        rows=rows,
        region_share=cells,
        share_period=share_period,
        notes=notes,
        data_version=data_version(session),
        made_on=date.today(),
    )


def _domain_rows(
    session: Session, measure: str, base: CubeQuery, classification: str
) -> list[InstellingRow]:
    """The total and the part inside ``classification`` (the pack's headline one, e.g.
    techniek) per period of ``base``; a suppressed part stays None."""
    try:
        totals = query(session, base)
        parts = query(
            session,
            CubeQuery(
                measure=measure,
                region=base.region,
                institution=base.institution,
                periods=base.periods,
                by=("domain",),
                classification=classification,
            ),
        )
    except PijplijnError:
        return []
    domain = {r.period: r for r in parts if r.keys.get("domain") == classification}
    rows = []
    for total in totals:
        part = domain.get(total.period)
        in_domain = part.value if part else None
        share = (
            in_domain / total.value
            if in_domain is not None and total.value not in (None, 0)
            else None
        )
        rows.append(
            InstellingRow(
                measure=measure,
                period=total.period,
                total=total.value,
                in_domain=in_domain,
                share=share,
                flag=total.flag or (part.flag if part else None),
            )
        )
    return sorted(rows, key=lambda r: Period.parse(r.period))


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
