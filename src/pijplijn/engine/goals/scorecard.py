"""The scorecard: every goal with its baseline, target, latest measurement, progress, trend
projection, status and partner shares, computed afresh from the measurements.

``scorecard`` is the data function for ``pijplijn goals``, the goals page and its API.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.content.goals import (
    BaselineDef,
    GoalDef,
    MeasurementDef,
    MilestoneDef,
    PartnerDef,
    TargetDef,
)
from pijplijn.content.indicators import IndicatorDef, Text
from pijplijn.engine.cache import cached
from pijplijn.engine.goals.status import LABELS, Evidence, Measured, Status, judge
from pijplijn.engine.goals.trend import Projection, project
from pijplijn.engine.indicators.breaks import Break, between
from pijplijn.engine.indicators.catalog import Catalog, summary
from pijplijn.engine.indicators.compare import segments
from pijplijn.engine.indicators.evaluate import indicator_values
from pijplijn.engine.indicators.results import IndicatorValues
from pijplijn.engine.version import data_version
from pijplijn.errors import QueryError
from pijplijn.periods import Period, PeriodUnit
from pijplijn.store.goal_models import Goal, GoalMeasurement, GoalPartner


class Point(BaseModel):
    """A measurement of a goal's indicator."""

    period: str
    value: float
    flag: str | None = None
    exact: bool = True
    entered: bool = False
    """True for a value entered by hand (goal_measurement), not computed from the cube."""
    source: str | None = None
    after_deadline: bool = False
    definition: str | None = None
    """The indicator definition the value was measured on ('vanaf 2021-01-01: som(...)'),
    so a measurement on flows is told apart from the published figure it follows."""
    classification: str | None = None
    """The classification version the value was computed with."""
    segment: int = 0
    """The number of series breaks up to this period (values of one segment are on one
    definition); -1 for a value entered by hand."""
    break_reason: str | None = None
    """The reason of a series break that starts at this measurement."""


class BaselineView(BaseModel):
    period: str
    value: float | None
    flag: str | None = None
    computed: bool
    """True when the value comes from the indicator; False when entered with a source."""
    source: str | None
    restated_on: str | None = None
    """The classification version the baseline was re-classified with, when it was."""


class TargetView(BaseModel):
    rule: str
    change: float | None
    value: float | None
    """The value to reach, in the indicator's unit (None without a baseline for a relative
    target)."""
    deadline: date
    provisional: bool
    source: str
    milestones: list[MilestoneDef] = []
    """Dated intermediate targets on the way to the deadline."""


class PartnerShare(BaseModel):
    """A partner's share of the goal as its own sub-target."""

    name: str
    kind: str
    institution: str | None
    share: float
    """Percent of the goal."""
    provisional: bool
    note: str
    sub_target: float | None
    """The partner's part: share × (target − baseline) while there is a change to achieve,
    else share × target."""
    sub_target_kind: str | None
    """``verandering`` or ``doelwaarde``: what ``sub_target`` is a part of."""
    organisation_id: int | None = None
    """The partner's organisation in the register, when the goal names one."""


class GoalStatus(BaseModel):
    """One goal on the scorecard."""

    id: str
    programme: str
    theme: str
    title: str
    title_en: str
    indicator: str
    indicator_title: str
    unit: str
    region: str
    filters: dict[str, str]
    baseline: BaselineView
    target: TargetView
    latest: Point | None
    progress: float | None
    """The fraction of the way from baseline to target (1 = reached; may be negative); only
    when the latest measurement is on the baseline's definition and coverage."""
    progress_note: str | None = None
    """Why there is no progress: no measurement after the baseline, or the break between."""
    projected: Projection
    status: Status
    status_label: str
    status_reason: str
    final: bool = False
    """True for a final verdict: the deadline has passed."""
    verdict_date: date | None = None
    """The date of a final verdict (the deadline)."""
    judged_on: Point | None = None
    """The measurement the status was judged on."""
    restated_on: str | None = None
    """The classification version the goal was judged on, when its series changes version
    between the baseline and the measurement (the earlier years re-classified)."""
    breaks: list[Break] = []
    """The breaks of the goal's series (engine/indicators/breaks.py)."""
    partners: list[PartnerShare]
    measurements: list[Point]
    source: str
    notes: str
    split_note: str | None = None
    """Said once for the goal when no partner's share is agreed (e.g. 'verdeling nog niet
    vastgesteld'), instead of beside every partner."""
    origin: str = "pack"
    """``pack``: a goal of the content pack, read-only history; ``office``: set by the
    programme office (``register/goals.py``); ``file``: from ``--file``."""
    version: int = 1
    """The stored goal's version (optimistic locking of an edit)."""

    def target_line(self, label: str) -> list[dict[str, Any]]:
        """Return the goal as a line for a chart: its baseline (period, value) and its target
        at the deadline (the deadline's year); empty when either value is unknown."""
        if self.baseline.value is None or self.target.value is None:
            return []
        return [
            {"goal": label, "period": self.baseline.period, "value": self.baseline.value},
            *(
                {"goal": label, "period": str(m.by.year), "value": m.value}
                for m in self.target.milestones
            ),
            {
                "goal": label,
                "period": str(self.target.deadline.year),
                "value": self.target.value,
            },
        ]


class Scorecard(BaseModel):
    """Every goal's status, computed from the data of ``data_version``."""

    data_version: str
    goals: list[GoalStatus]

    def records(self) -> list[dict[str, Any]]:
        """Return the goals as JSON-ready records (id, title, baseline, target, latest,
        progress, projected, status, partners, and the rest)."""
        return [g.model_dump(mode="json") for g in self.goals]


def scorecard(
    session: Session,
    catalog: Catalog,
    goals: Sequence[GoalDef] | None = None,
    today: date | None = None,
) -> Scorecard:
    """Return the scorecard of ``goals`` (default: the goals in the store, cached per data
    version) as of ``today`` (default: the current date), which decides which deadlines have
    passed. Raises QueryError when there are none."""
    day = today or date.today()
    if goals is None:
        return cached(
            session,
            ("scorecard", catalog.digest, day.isoformat()),
            lambda: _stamped(_scorecard(session, catalog, stored_goals(session), day), session),
            reads_register=True,  # a goal may follow a register indicator
        )
    card = _scorecard(session, catalog, list(goals), day)
    return card.model_copy(
        update={"goals": [g.model_copy(update={"origin": "file"}) for g in card.goals]}
    )


def _stamped(card: Scorecard, session: Session) -> Scorecard:
    """Return ``card`` with each stored goal's origin and version."""
    meta = {
        goal_id: (origin, version)
        for goal_id, origin, version in session.execute(select(Goal.id, Goal.origin, Goal.version))
    }
    goals = [
        g.model_copy(update=dict(zip(("origin", "version"), meta[g.id], strict=True)))
        if g.id in meta
        else g
        for g in card.goals
    ]
    return card.model_copy(update={"goals": goals})


def _scorecard(session: Session, catalog: Catalog, goals: list[GoalDef], today: date) -> Scorecard:
    if not goals:
        raise QueryError(
            "er zijn nog geen doelen in de database; voer 'pijplijn init --demo' uit "
            "of geef een doelenbestand met --file"
        )
    return Scorecard(
        data_version=data_version(session),
        goals=[goal_status(session, catalog, goal, today) for goal in goals],
    )


def goal_status(
    session: Session, catalog: Catalog, goal: GoalDef, today: date | None = None
) -> GoalStatus:
    """Return the status of one goal, computed from its indicator and entered measurements
    on one definition (``today`` decides whether its deadline has passed)."""
    indicator = catalog.get(goal.indicator)
    # The definition each measurement was made on, shown beside it ("gemeten als").
    formulas = {d.valid_from: d.formula for d in summary(indicator).definitions}
    values = _values(session, catalog, goal, goal.classification)
    chosen = _select(goal, _measurements(goal, values, formulas))
    # Across a change of classification version the goal is judged on the version of the
    # measurement it is judged on: the earlier years are re-classified at query time.
    restated_on = _version_to_pin(goal, values, chosen.judged or chosen.latest)
    if restated_on:
        values = _values(session, catalog, goal, restated_on)
        chosen = _select(goal, _measurements(goal, values, formulas))
    baseline = _baseline(goal, chosen.points, restated_on)
    target_value = goal.target.target_value(baseline.value)
    upward = _upward(indicator, goal.target)
    base_point = _baseline_point(goal, baseline)
    measured = tuple(_measured(values, base_point, p) for p in chosen.inside)
    unit = (
        Period.parse(chosen.latest.period).unit
        if chosen.latest
        else Period.parse(goal.baseline.period).unit
    )
    projection = project(
        _trend_points(values, base_point, chosen.inside),
        _deadline_period(goal.deadline, unit).start,
        goal.trend,
    )
    expired = goal.deadline < (today or date.today())
    judgement = judge(
        Evidence(
            baseline=baseline.value,
            baseline_period=baseline.period,
            target=target_value,
            relative=goal.target.value is None,
            upward=upward,
            expired=expired,
            measured=measured,
            at_deadline=bool(chosen.inside) and _contains(chosen.inside[-1].period, goal.deadline),
            next_after=_measured(values, base_point, chosen.next_after)
            if chosen.next_after
            else None,
            later=_measured(values, base_point, chosen.later[0]) if chosen.later else None,
            projection=projection,
        )
    )
    latest = chosen.latest
    why_not = (
        _why_not(values, base_point, latest)
        if latest is not None and latest is not chosen.at_baseline
        else "geen meting na de basisperiode"
    )
    judged = next((p for p in chosen.points if p.period == judgement.judged_on), None)
    return GoalStatus(
        id=goal.id,
        programme=goal.programme,
        theme=goal.theme,
        title=goal.title.nl,
        title_en=goal.title.en,
        indicator=indicator.id,
        indicator_title=indicator.title.nl,
        unit=indicator.unit,
        region=goal.region,
        filters=dict(goal.filters),
        baseline=baseline,
        target=TargetView(
            rule=goal.target.rule,
            change=goal.target.change,
            value=target_value,
            deadline=goal.deadline,
            provisional=goal.target.provisional,
            source=goal.target.source,
            milestones=list(goal.milestones),
        ),
        latest=latest,
        progress=None if why_not else _progress(baseline.value, target_value, latest, upward),
        progress_note=why_not or None,
        projected=projection,
        status=judgement.status,
        status_label=LABELS[judgement.status],
        status_reason=judgement.reason,
        final=judgement.final,
        verdict_date=goal.deadline if judgement.final else None,
        judged_on=judged,
        restated_on=restated_on,
        breaks=values.breaks,
        partners=[_partner(p, baseline.value, target_value, upward) for p in goal.partners],
        split_note=_split_note(goal.partners),
        measurements=chosen.points,
        source=goal.source,
        notes=goal.notes,
    )


@dataclass(frozen=True)
class _Chosen:
    """A goal's measurements, sorted into what the status is judged on."""

    points: list[Point]
    inside: list[Point]
    """After the baseline period, up to the deadline."""
    later: list[Point]
    """After the deadline."""
    next_after: Point | None
    """The first measurement after the deadline, when it lies in the period right after."""
    at_baseline: Point | None
    latest: Point | None
    """The latest measurement up to the deadline; else the first after it (shown as such);
    else the baseline measurement itself."""

    @property
    def judged(self) -> Point | None:
        return self.inside[-1] if self.inside else self.next_after


def _select(goal: GoalDef, points: list[Point]) -> _Chosen:
    start = Period.parse(goal.baseline.period).start
    after = [p for p in points if start < Period.parse(p.period).start]
    inside = [p for p in after if not p.after_deadline]
    later = [p for p in after if p.after_deadline]
    at_baseline = next((p for p in points if Period.parse(p.period).start == start), None)
    next_after = None
    if later:
        period = Period.parse(later[0].period)
        deadline = _deadline_period(goal.deadline, period.unit)
        if period.start <= _next(deadline).start:
            next_after = later[0]
    latest = inside[-1] if inside else later[0] if later else at_baseline
    return _Chosen(points, inside, later, next_after, at_baseline, latest)


def _next(period: Period) -> Period:
    """Return the period of the same unit right after ``period``."""
    start = period.start
    if period.unit is PeriodUnit.QUARTER:
        month = start.month + 3
        return Period(date(start.year + (month > 12), (month - 1) % 12 + 1, 1), period.unit)
    return Period(start.replace(year=start.year + 1), period.unit)


def _values(
    session: Session, catalog: Catalog, goal: GoalDef, classification: str | None
) -> IndicatorValues:
    return indicator_values(
        session,
        catalog,
        goal.indicator,
        goal.region,
        by=(),
        classification=classification,
        filters=goal.filters,
    )


def _version_to_pin(goal: GoalDef, values: IndicatorValues, point: Point | None) -> str | None:
    """Return the classification version to judge the goal on, when a classification change
    lies between the baseline and ``point`` (computed from the cube); else None."""
    if point is None or point.entered or point.classification is None:
        return None
    if "," in point.classification or point.classification == goal.classification:
        return None
    crossed = between(values.breaks, {}, goal.baseline.period, point.period)
    return point.classification if any("classification" in b.kinds for b in crossed) else None


def _baseline_point(goal: GoalDef, baseline: BaselineView) -> Point | None:
    if baseline.value is None:
        return None
    return Point(
        period=baseline.period,
        value=baseline.value,
        entered=not baseline.computed,
        source=baseline.source,
    )


def _why_not(values: IndicatorValues, first: Point | None, second: Point) -> str:
    """Return why ``second`` is not comparable with ``first`` (a series break, or a value
    entered by hand beside one computed from the sources); empty when it is."""
    if first is None:
        return ""
    if first.entered != second.entered:
        entered, computed = (first, second) if first.entered else (second, first)
        return (
            f"{entered.period} is ingevoerd ({entered.source or 'zonder bron'}), "
            f"{computed.period} berekend uit {_origin(values, computed.period)}"
        )
    if first.entered:
        return ""
    crossed = between(values.breaks, {}, first.period, second.period)
    return "; ".join(f"breuk in {b.period}: {b.reason}" for b in crossed)


def _origin(values: IndicatorValues, period: str) -> str:
    found = next((v for v in values.values if v.period == period and not v.keys), None)
    names = {s.dataset: s.publisher for s in values.sources}
    used = dict.fromkeys(names[d] for d in (found.datasets if found else []) if d in names)
    return " + ".join(used) or "de indicator"


def _measured(values: IndicatorValues, base: Point | None, point: Point) -> Measured:
    why_not = _why_not(values, base, point)
    return Measured(point.period, point.value, comparable=not why_not, why_not=why_not)


def _trend_points(
    values: IndicatorValues, base: Point | None, inside: list[Point]
) -> list[tuple[date, float]]:
    """Return the points of the trend: the measurements up to the deadline (and the
    baseline) that are on the definition of the last of them."""
    if not inside:
        return [] if base is None else [(Period.parse(base.period).start, base.value)]
    last = inside[-1]
    chosen = [p for p in inside if not _why_not(values, p, last)]
    if base is not None and not _why_not(values, base, last):
        chosen.insert(0, base)
    return [(Period.parse(p.period).start, p.value) for p in chosen]


def _measurements(goal: GoalDef, values: IndicatorValues, formulas: dict[date, str]) -> list[Point]:
    starts = {b.period: b.reason for b in values.breaks if not b.keys}
    points = {
        v.period: Point(
            period=v.period,
            value=v.value,
            flag=v.flag,
            exact=v.exact,
            classification=v.classification,
            after_deadline=Period.parse(v.period).start > goal.deadline,
            segment=segment,
            break_reason=starts.get(v.period),
            definition=f"vanaf {v.definition.isoformat()}: {formulas[v.definition]}"
            if v.definition in formulas
            else None,
        )
        for v, segment in zip(values.values, segments(values), strict=True)
        if v.value is not None
    }
    for entered in goal.measurements:
        period = str(Period.parse(entered.period))
        points.setdefault(
            period,
            Point(
                period=period,
                value=entered.value,
                entered=True,
                source=entered.source,
                after_deadline=Period.parse(period).start > goal.deadline,
                segment=-1,
            ),
        )
    return sorted(points.values(), key=lambda p: Period.parse(p.period))


def _baseline(goal: GoalDef, points: list[Point], restated_on: str | None) -> BaselineView:
    period = str(Period.parse(goal.baseline.period))
    if goal.baseline.value is not None:
        return BaselineView(
            period=period, value=goal.baseline.value, computed=False, source=goal.baseline.source
        )
    found = next((p for p in points if p.period == period and not p.entered), None)
    source = f"indicator {goal.indicator}" + (
        f", herberekend met {restated_on}" if restated_on else ""
    )
    return BaselineView(
        period=period,
        value=found.value if found else None,
        flag=found.flag if found else None,
        computed=True,
        source=source if found else None,
        restated_on=restated_on if found else None,
    )


def _upward(indicator: IndicatorDef, target: TargetDef) -> bool:
    """True when the goal is reached from below: a change target by its sign, a value to
    reach by the indicator's direction (a floor unless lower is better)."""
    if target.change is not None:
        return target.change >= 0
    return indicator.direction != "down"


def _progress(
    baseline: float | None, target: float | None, latest: Point | None, upward: bool
) -> float | None:
    """Return the fraction of the way from baseline to target; None when a value is missing
    or the baseline already reaches the target (there is no way to go)."""
    if baseline is None or target is None or latest is None:
        return None
    if (target - baseline) * (1 if upward else -1) <= 0:
        return None
    return (latest.value - baseline) / (target - baseline)


def _partner(
    partner: PartnerDef, baseline: float | None, target: float | None, upward: bool
) -> PartnerShare:
    fraction = partner.share / 100
    to_go = None if target is None or baseline is None else target - baseline
    if to_go is not None and to_go * (1 if upward else -1) > 0:
        sub, kind = fraction * to_go, "verandering"
    elif target is not None:
        sub, kind = fraction * target, "doelwaarde"
    else:
        sub, kind = None, None
    return PartnerShare(
        name=partner.name,
        kind=partner.kind,
        institution=partner.institution,
        share=partner.share,
        provisional=partner.provisional,
        note=partner.note,
        sub_target=sub,
        sub_target_kind=kind,
        organisation_id=partner.organisation_id,
    )


def _split_note(partners: Sequence[PartnerDef]) -> str | None:
    """Return the note of a split that no partner has agreed (said once per goal), when
    every partner is provisional with one note."""
    notes = {p.note for p in partners}
    if partners and all(p.provisional for p in partners) and len(notes) == 1:
        return notes.pop() or "verdeling nog niet vastgesteld"
    return None


def _deadline_period(deadline: date, unit: PeriodUnit) -> Period:
    """Return the period of ``unit`` in which ``deadline`` falls."""
    if unit is PeriodUnit.YEAR:
        return Period(date(deadline.year, 1, 1), unit)
    if unit is PeriodUnit.QUARTER:
        return Period(date(deadline.year, 3 * ((deadline.month - 1) // 3) + 1, 1), unit)
    year = deadline.year if deadline >= date(deadline.year, 8, 1) else deadline.year - 1
    return Period(date(year, 8, 1), unit)


def _contains(period_text: str, day: date) -> bool:
    """True when ``day`` falls in the period (or the period starts after it)."""
    period = Period.parse(period_text)
    return _deadline_period(day, period.unit).start <= period.start


def stored_goals(session: Session) -> list[GoalDef]:
    """Return the goals in the store that are not archived, with partners and entered
    measurements: the office's goals first, then the content pack's."""
    partners: dict[str, list[PartnerDef]] = {}
    for p in session.scalars(
        select(GoalPartner).order_by(GoalPartner.goal_id, GoalPartner.position)
    ):
        partners.setdefault(p.goal_id, []).append(
            PartnerDef(
                name=p.name,
                kind=p.kind,
                institution=p.institution,
                share=p.share,
                provisional=p.provisional,
                note=p.note,
                organisation_id=p.organisation_id,
            )
        )
    entered: dict[str, list[MeasurementDef]] = {}
    for m in session.scalars(select(GoalMeasurement).order_by(GoalMeasurement.period)):
        entered.setdefault(m.goal_id, []).append(
            MeasurementDef(period=m.period, value=m.value, source=m.source)
        )
    return [
        GoalDef(
            id=g.id,
            programme=g.programme,
            theme=g.theme,
            title=Text(nl=g.title, en=g.title_en),
            indicator=g.indicator,
            region=g.region_code,
            filters=json.loads(g.filters or "{}"),
            classification=g.classification,
            baseline=BaselineDef(
                period=g.baseline_period, value=g.baseline_value, source=g.baseline_source
            ),
            target=TargetDef(
                rule=g.target_rule,
                change=g.target_change,
                value=g.target_value,
                provisional=g.target_provisional,
                source=g.target_source,
            ),
            deadline=g.deadline,
            milestones=json.loads(g.milestones or "[]"),
            trend=g.trend_method,
            partners=partners.get(g.id, []),
            measurements=entered.get(g.id, []),
            source=g.source,
            notes=g.notes,
        )
        for g in session.scalars(
            # The office's goals first, then the pack's (the history), each in their order;
            # an archived goal is off the scorecard.
            select(Goal)
            .where(Goal.archived_at.is_(None))
            .order_by(Goal.origin != "office", Goal.position, Goal.id)
        )
    ]
