"""The scorecard: every goal with its baseline, target, latest measurement, progress, trend
projection, status and partner shares, computed afresh from the measurements.

``scorecard`` is the data function for ``pijplijn goals``, the goals page and its API.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pijplijn.content.goals import (
    BaselineDef,
    GoalDef,
    MeasurementDef,
    PartnerDef,
    TargetDef,
)
from pijplijn.content.indicators import IndicatorDef, Text
from pijplijn.engine.cache import cached
from pijplijn.engine.goals.status import LABELS, Evidence, Status, judge
from pijplijn.engine.goals.trend import Projection, project
from pijplijn.engine.indicators.catalog import Catalog, summary
from pijplijn.engine.indicators.evaluate import indicator_values
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


class BaselineView(BaseModel):
    period: str
    value: float | None
    flag: str | None = None
    computed: bool
    """True when the value comes from the indicator; False when entered with a source."""
    source: str | None


class TargetView(BaseModel):
    rule: str
    change: float | None
    value: float | None
    """The value to reach, in the indicator's unit (None without a baseline for a relative
    target)."""
    deadline: date
    provisional: bool
    source: str


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
    """The fraction of the way from baseline to target (1 = reached; may be negative)."""
    projected: Projection
    status: Status
    status_label: str
    status_reason: str
    partners: list[PartnerShare]
    measurements: list[Point]
    source: str
    notes: str

    def target_line(self, label: str) -> list[dict[str, Any]]:
        """Return the goal as a line for a chart: its baseline (period, value) and its target
        at the deadline (the deadline's year); empty when either value is unknown."""
        if self.baseline.value is None or self.target.value is None:
            return []
        return [
            {"goal": label, "period": self.baseline.period, "value": self.baseline.value},
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
    session: Session, catalog: Catalog, goals: Sequence[GoalDef] | None = None
) -> Scorecard:
    """Return the scorecard of ``goals`` (default: the goals in the store, cached per data
    version). Raises QueryError when there are none."""
    if goals is None:
        return cached(
            session,
            ("scorecard", catalog.digest),
            lambda: _scorecard(session, catalog, stored_goals(session)),
        )
    return _scorecard(session, catalog, list(goals))


def _scorecard(session: Session, catalog: Catalog, goals: list[GoalDef]) -> Scorecard:
    if not goals:
        raise QueryError(
            "er zijn nog geen doelen in de database; voer 'pijplijn init --demo' uit "
            "of geef een doelenbestand met --file"
        )
    return Scorecard(
        data_version=data_version(session),
        goals=[goal_status(session, catalog, goal) for goal in goals],
    )


def goal_status(session: Session, catalog: Catalog, goal: GoalDef) -> GoalStatus:
    """Return the status of one goal, computed from its indicator and entered measurements."""
    indicator = catalog.get(goal.indicator)
    points = _measurements(session, catalog, goal)
    baseline = _baseline(goal, points)
    target_value = goal.target.target_value(baseline.value)
    upward = _upward(indicator, goal.target)
    start = Period.parse(goal.baseline.period).start
    inside = [p for p in points if start < Period.parse(p.period).start and not p.after_deadline]
    later = [p for p in points if p.after_deadline]
    at_baseline = [p for p in points if Period.parse(p.period).start == start]
    # The latest measurement up to the deadline; else the first one after it (shown as such);
    # else the baseline measurement itself.
    candidates = inside or later[:1] or at_baseline
    latest = candidates[-1] if candidates else None
    trend_points = [(Period.parse(p.period).start, p.value) for p in inside]
    if baseline.value is not None:
        trend_points.insert(0, (start, baseline.value))
    unit = Period.parse(latest.period).unit if latest else Period.parse(goal.baseline.period).unit
    projection = project(trend_points, _deadline_period(goal.deadline, unit).start, goal.trend)
    judgement = judge(
        Evidence(
            baseline=baseline.value,
            target=target_value,
            upward=upward,
            latest=inside[-1].value if inside else None,
            latest_period=inside[-1].period if inside else None,
            at_deadline=bool(inside) and _contains(inside[-1].period, goal.deadline),
            later_period=later[0].period if later else None,
            projection=projection,
        )
    )
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
        ),
        latest=latest,
        progress=_progress(baseline.value, target_value, latest, upward),
        projected=projection,
        status=judgement.status,
        status_label=LABELS[judgement.status],
        status_reason=judgement.reason,
        partners=[_partner(p, baseline.value, target_value, upward) for p in goal.partners],
        measurements=points,
        source=goal.source,
        notes=goal.notes,
    )


def _measurements(session: Session, catalog: Catalog, goal: GoalDef) -> list[Point]:
    values = indicator_values(
        session,
        catalog,
        goal.indicator,
        goal.region,
        by=(),
        classification=goal.classification,
        filters=goal.filters,
    )
    formulas = {d.valid_from: d.formula for d in summary(catalog.get(goal.indicator)).definitions}
    points = {
        v.period: Point(
            period=v.period,
            value=v.value,
            flag=v.flag,
            exact=v.exact,
            after_deadline=Period.parse(v.period).start > goal.deadline,
            definition=f"vanaf {v.definition.isoformat()}: {formulas[v.definition]}"
            if v.definition in formulas
            else None,
        )
        for v in values.values
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
            ),
        )
    return sorted(points.values(), key=lambda p: Period.parse(p.period))


def _baseline(goal: GoalDef, points: list[Point]) -> BaselineView:
    period = str(Period.parse(goal.baseline.period))
    if goal.baseline.value is not None:
        return BaselineView(
            period=period, value=goal.baseline.value, computed=False, source=goal.baseline.source
        )
    found = next((p for p in points if p.period == period), None)
    return BaselineView(
        period=period,
        value=found.value if found else None,
        flag=found.flag if found else None,
        computed=True,
        source=f"indicator {goal.indicator}" if found else None,
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
    )


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
    """Return the goals in the store, with partners and entered measurements."""
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
            trend=g.trend_method,
            partners=partners.get(g.id, []),
            measurements=entered.get(g.id, []),
            source=g.source,
            notes=g.notes,
        )
        for g in session.scalars(select(Goal).order_by(Goal.position, Goal.id))
    ]
