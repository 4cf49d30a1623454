"""Goals of a content pack: SMART targets on catalogue indicators, with partner shares.

Read from YAML with the line of every problem. A goal is checked against the indicator
catalogue (the indicator exists and allows the goal's selection), its partners' shares must sum
to 100%, and its deadline must fall after the start of its baseline period.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from pijplijn.content.indicators import IndicatorDef, LocatedYaml, Text
from pijplijn.periods import Period, PeriodError

SHARE_TOLERANCE = 0.01
"""Partner shares are percentages; their sum may differ from 100 by rounding up to this."""

PartnerKind = Literal["ondernemers", "onderwijs", "onderzoek", "overheid"]
"""The four O's."""
TargetRule = Literal["relative", "absolute", "share"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerDef(_Strict):
    """A partner that owns part of a goal."""

    name: str
    kind: PartnerKind
    institution: str | None = None
    """BRIN, when the partner is an institution in the cube."""
    share: float
    """Percentage of the goal this partner owns (all partners together: 100)."""
    provisional: bool = False
    """True while the split is not agreed (e.g. equal shares as a placeholder)."""
    note: str = ""
    organisation_id: int | None = None
    """The register's organisation, for a goal the programme office set (a pack names its
    partners by name only: it cannot know the store's ids)."""


class BaselineDef(_Strict):
    """The baseline: a period, and a value computed from the indicator or entered with a
    source."""

    period: str
    value: float | None = None
    source: str | None = None


class TargetDef(_Strict):
    """What counts as reaching the goal.

    - ``relative``: ``change`` is a fraction, the target is baseline × (1 + change);
    - ``absolute``: ``value`` in the indicator's unit;
    - ``share``: ``value`` is a share to reach (0-1), or ``change`` the percentage points
      (as a fraction: 0.05 = 5 points) to add to the baseline share.
    """

    rule: TargetRule
    change: float | None = None
    value: float | None = None
    provisional: bool = False
    """True when the target value itself is not agreed in the sources (see ``source``)."""
    source: str = ""

    def target_value(self, baseline: float | None) -> float | None:
        """Return the value to reach, or None when it depends on a baseline that is missing."""
        if self.value is not None:
            return self.value
        if baseline is None or self.change is None:
            return None
        if self.rule == "relative":
            return baseline * (1 + self.change)
        return baseline + self.change


class MilestoneDef(_Strict):
    """A dated intermediate target: the value to reach by the date ``by`` (before the
    deadline), in the indicator's unit."""

    by: date
    value: float
    source: str = ""


class MeasurementDef(_Strict):
    """A value entered by hand for a period, with its source (e.g. a partner survey)."""

    period: str
    value: float
    source: str


class GoalDef(_Strict):
    """A goal: an indicator for a region (and selection) from a baseline to a target."""

    id: str
    programme: str
    theme: str
    title: Text
    indicator: str
    region: str
    filters: dict[str, str] = {}
    """Selection on the indicator's breakdowns, e.g. ``{institution: 27YU}``."""
    classification: str | None = None
    baseline: BaselineDef
    target: TargetDef
    deadline: date
    milestones: list[MilestoneDef] = []
    """Dated intermediate targets on the way to the deadline (the target itself is at the
    deadline)."""
    trend: Literal["linear", "damped"] = "linear"
    partners: list[PartnerDef]
    measurements: list[MeasurementDef] = []
    source: str
    notes: str = ""


class _GoalsFile(_Strict):
    goals: list[GoalDef]


def load_goals(
    path: Path, indicators: Sequence[IndicatorDef], regions: Collection[str]
) -> list[GoalDef]:
    """Return the goals in ``path``, validated; raise ContentError naming file and line."""
    located = LocatedYaml(path)
    goals = located.validate(_GoalsFile).goals
    known = {i.id: i for i in indicators}
    seen: set[str] = set()
    for index, goal in enumerate(goals):
        loc: list[str | int] = ["goals", index]
        if goal.id in seen:
            raise located.error([*loc, "id"], f"doel '{goal.id}' staat er twee keer in")
        seen.add(goal.id)
        problems = check_goal(goal, known, regions)
        if problems:
            first = problems[0]
            raise located.error([*loc, *first.path], f"doel '{goal.id}': {first.message}")
    return goals


@dataclass(frozen=True)
class GoalProblem:
    """One problem of a goal: where in the goal (``("baseline", "period")``) and what."""

    path: tuple[str | int, ...]
    message: str


def check_goal(
    goal: GoalDef, known: Mapping[str, IndicatorDef], regions: Collection[str]
) -> list[GoalProblem]:
    """Return every problem of ``goal`` against the catalogue and the known regions: the one
    validation of a goal, used by the YAML loader (which names the line of the first) and
    by the goal forms of the web and the CLI (which name the field of each)."""
    problems: list[GoalProblem] = []

    def problem(message: str, *path: str | int) -> None:
        problems.append(GoalProblem(tuple(path), message))

    indicator = known.get(goal.indicator)
    if indicator is None:
        problem(f"onbekende indicator '{goal.indicator}'; zie 'pijplijn indicators'", "indicator")
    if goal.region not in regions:
        problem(f"onbekende regio '{goal.region}'", "region")
    for dim in goal.filters:
        if indicator is not None and dim not in indicator.breakdowns:
            problem(
                f"indicator {indicator.id} staat selectie op '{dim}' niet toe; "
                f"toegestaan: {', '.join(indicator.breakdowns) or 'geen'}",
                "filters",
                dim,
            )
    start = _period_start(problem, goal.baseline.period, "baseline", "period")
    if start is not None and goal.deadline <= start:
        problem(
            f"deadline {goal.deadline} ligt niet na het begin van de basisperiode "
            f"{goal.baseline.period}; verwacht een datum na {start}",
            "deadline",
        )
    dates = [m.by for m in goal.milestones]
    if dates != sorted(set(dates)):
        problem("tussendoelen staan op volgorde van datum, elke datum één keer", "milestones")
    for index, milestone in enumerate(goal.milestones):
        if (start is not None and milestone.by <= start) or milestone.by >= goal.deadline:
            problem(
                f"tussendoel {milestone.by} ligt niet tussen het begin van de basisperiode "
                f"{goal.baseline.period} en de deadline {goal.deadline}",
                "milestones",
                index,
            )
    if goal.baseline.value is not None and not goal.baseline.source:
        problem("een ingevoerde basiswaarde vraagt een 'source'", "baseline")
    _check_target(problem, goal)
    _check_partners(problem, goal)
    for index, measurement in enumerate(goal.measurements):
        _period_start(problem, measurement.period, "measurements", index, "period")
    return problems


class _Report(Protocol):
    def __call__(self, message: str, *path: str | int) -> None: ...


def _check_target(problem: _Report, goal: GoalDef) -> None:
    target = goal.target
    given = [k for k in ("change", "value") if getattr(target, k) is not None]
    expected = {"relative": ["change"], "absolute": ["value"], "share": ["change", "value"]}
    if len(given) != 1 or given[0] not in expected[target.rule]:
        problem(
            f"doelregel '{target.rule}' vraagt precies één van "
            f"{' of '.join(expected[target.rule])}",
            "target",
        )
    if target.rule == "share" and target.value is not None and not 0 <= target.value <= 1:
        problem("een aandeel ligt tussen 0 en 1 (50% is 0.5)", "target", "value")


def _check_partners(problem: _Report, goal: GoalDef) -> None:
    if not goal.partners:
        problem("noem minstens één partner (eigenaar van het doel)", "partners")
        return
    names = [p.name for p in goal.partners]
    if len(set(names)) != len(names):
        problem("een partner staat er twee keer in", "partners")
    negative = [p.name for p in goal.partners if p.share < 0]
    if negative:
        problem(f"partner '{negative[0]}' heeft een negatief aandeel", "partners")
        return
    total = sum(p.share for p in goal.partners)
    if abs(total - 100) > SHARE_TOLERANCE:
        shares = " + ".join(f"{p.share:g}" for p in goal.partners)
        problem(
            f"de aandelen van de partners tellen op tot {total:g}% ({shares}); verwacht 100%",
            "partners",
        )


def _period_start(problem: _Report, text: str, *path: str | int) -> date | None:
    try:
        return Period.parse(text).start
    except PeriodError as exc:
        problem(str(exc), *path)
        return None


def goals_elsewhere(
    goal_regions: Sequence[str],
    region: str,
    names: Mapping[str, str],
    lang: str = "nl",
    codes: bool = True,
) -> str:
    """Return the line that says a pack's goals belong to other regions than ``region``
    (shown instead of those goals), naming the regions and how to choose them: by code for
    the CLI and the report (``--region``), by name only on a page (``codes=False``)."""
    theirs = list(dict.fromkeys(goal_regions))
    listed = ", ".join(f"{names.get(r, r)} ({r})" if codes else names.get(r, r) for r in theirs)
    choose = theirs[0] if codes else names.get(theirs[0], theirs[0])
    if lang == "en":
        return (
            f"The goals of this content pack are set for {listed}, not for "
            f"{names.get(region, region)}: they are not shown here. Choose region "
            f"{choose} to see them."
        )
    return (
        f"De doelen van dit contentpakket gelden voor {listed}, niet voor "
        f"{names.get(region, region)}: ze staan hier daarom niet. Kies regio {choose} "
        "om ze te zien."
    )
