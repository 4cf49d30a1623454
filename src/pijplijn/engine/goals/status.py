"""A goal's status from its baseline, target, measurements and projection.

One function, ``judge``, decides every goal's status and its reason; the CLI, the pages, the
API, the exports and the report all show what it returns (docs/goals.md).

A *measurement* here is a value after the baseline period. It is *comparable* with the
baseline when both are on one definition and coverage (no series break between them, or the
earlier years restated on the later classification version).

**A goal whose deadline has passed** gets a final verdict at the deadline, judged on the latest
measurement up to the deadline, or else on a measurement in the period right after the
deadline (said so in the reason):

1. *niet te beoordelen*: no such measurement (the reason says what there is instead), no
   target value, or a target set relative to a baseline the measurement is not comparable
   with (*niet vergelijkbaar*, with the break);
2. *gehaald*: the measurement reaches the target;
3. *niet gehaald*: the measurement lies in the period of the deadline or the one after it,
   and misses the target;
4. *niet te beoordelen*: the last measurement lies before the deadline's period and misses
   the target (the data stop before the deadline).

**A goal that is still running** keeps its trend status:

1. *geen data*: no measurement after the baseline (unless the baseline already reaches the
   target: *gehaald*);
2. *niet te beoordelen*: no target value;
3. *niet vergelijkbaar*: the target is set relative to the baseline and the latest
   measurement is on another definition or coverage;
4. *gehaald*: the latest measurement reaches the target;
5. *niet te beoordelen*: fewer than three comparable points for a trend;
6. *op koers*: the projected value at the deadline reaches the target;
7. *risico*: the projection misses, but the favourable end of its 80% interval reaches it;
8. *niet op koers*: even the favourable end of the interval misses the target.

"Reaches" follows the goal's direction: a change target by the sign of the change; a value to
reach by the indicator's direction (at least the value, unless lower is better).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pijplijn.engine.goals.trend import Projection


class Status(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    NOT_COMPARABLE = "not comparable"
    MISSED = "missed"
    NOT_ASSESSABLE = "not assessable"
    NO_DATA = "no data"


LABELS = {
    Status.ACHIEVED: "gehaald",
    Status.ON_TRACK: "op koers",
    Status.AT_RISK: "risico",
    Status.OFF_TRACK: "niet op koers",
    Status.NOT_COMPARABLE: "niet vergelijkbaar",
    Status.MISSED: "niet gehaald",
    Status.NOT_ASSESSABLE: "niet te beoordelen",
    Status.NO_DATA: "geen data",
}
"""The Dutch label of each status, for tables and pages."""


@dataclass(frozen=True)
class Measured:
    """A measurement after the baseline period."""

    period: str
    value: float
    comparable: bool
    """On the baseline's definition and coverage."""
    why_not: str = ""
    """Why it is not comparable with the baseline (the break), when it is not."""


@dataclass(frozen=True)
class Judgement:
    """A status and the reason for it, in one Dutch sentence."""

    status: Status
    reason: str
    final: bool = False
    """True for a verdict at the deadline of a goal whose deadline has passed."""
    judged_on: str | None = None
    """The period of the measurement the status was judged on."""


@dataclass(frozen=True)
class Evidence:
    """What a status is judged on."""

    baseline: float | None
    baseline_period: str
    target: float | None
    relative: bool
    """True when the target value is derived from the baseline (a change to achieve)."""
    upward: bool
    expired: bool
    """True when the deadline has passed."""
    measured: tuple[Measured, ...]
    """The measurements after the baseline period up to the deadline, in period order."""
    at_deadline: bool
    """True when the last of ``measured`` lies in the period of the deadline."""
    next_after: Measured | None
    """A measurement in the period right after the deadline's."""
    later: Measured | None
    """The first measurement after the deadline, when there is one."""
    projection: Projection


def judge(evidence: Evidence) -> Judgement:
    """Return the status of a goal by the rules in this module's docstring."""
    e = evidence
    judged = e.measured[-1] if e.measured else (e.next_after if e.expired else None)
    if judged is None:
        return _no_measurement(e)
    late = judged is e.next_after
    when = f"de meting van {judged.period}" + (" (de periode na de deadline)" if late else "")
    if e.target is None:
        return _verdict(
            e, Status.NOT_ASSESSABLE, f"geen doelwaarde: de basiswaarde ontbreekt ({when})", judged
        )
    if e.relative and not judged.comparable:
        status = Status.NOT_ASSESSABLE if e.expired else Status.NOT_COMPARABLE
        reason = f"niet vergelijkbaar: {when} en de basiswaarde ({e.baseline_period}): "
        return _verdict(e, status, reason + judged.why_not, judged)
    if _reaches(judged.value, e.target, e.upward):
        return _verdict(e, Status.ACHIEVED, f"gehaald: {when} haalt de doelwaarde", judged)
    if e.expired:
        if late or e.at_deadline:
            return _verdict(e, Status.MISSED, f"niet gehaald: {when} mist de doelwaarde", judged)
        return _verdict(
            e,
            Status.NOT_ASSESSABLE,
            f"de laatste meting ({judged.period}) ligt voor de deadline en mist de doelwaarde; "
            "een meting bij de deadline is er niet",
            judged,
        )
    if e.at_deadline:
        return _verdict(e, Status.OFF_TRACK, f"niet op koers: {when} mist het doel", judged)
    p = e.projection
    if p.value is None or p.low is None or p.high is None:
        return _verdict(e, Status.NOT_ASSESSABLE, f"{when} mist het doel nog; {p.note}", judged)
    favourable = p.high if e.upward else p.low
    if _reaches(p.value, e.target, e.upward):
        status, reason = Status.ON_TRACK, f"op koers: de trend bereikt het doel ({p.note})"
    elif _reaches(favourable, e.target, e.upward):
        status = Status.AT_RISK
        reason = f"risico: alleen de gunstige kant van het interval haalt het doel ({p.note})"
    else:
        status = Status.OFF_TRACK
        reason = f"niet op koers: ook het interval mist het doel ({p.note})"
    return _verdict(e, status, reason, judged)


def _no_measurement(e: Evidence) -> Judgement:
    met = (
        e.baseline is not None and e.target is not None and _reaches(e.baseline, e.target, e.upward)
    )
    if not e.expired:
        if met:
            return Judgement(Status.ACHIEVED, "gehaald: de basismeting bereikt de doelwaarde al")
        return Judgement(Status.NO_DATA, "geen meting na de basisperiode")
    if e.later is not None:
        detail = f"de eerste meting na de basisperiode is van {e.later.period}, ruim na de deadline"
        if not e.later.comparable:
            detail += f", en niet vergelijkbaar met de basiswaarde ({e.later.why_not})"
    elif met:
        detail = (
            f"alleen de basismeting ({e.baseline_period}), die de doelwaarde al haalde; "
            "geen meting daarna tot de deadline"
        )
    elif e.baseline is not None:
        detail = f"geen meting na de basismeting ({e.baseline_period}) tot de deadline"
    else:
        detail = "geen meting en geen basiswaarde"
    return Judgement(Status.NOT_ASSESSABLE, detail, final=True)


def _verdict(e: Evidence, status: Status, reason: str, judged: Measured) -> Judgement:
    return Judgement(status, reason, final=e.expired, judged_on=judged.period)


def _reaches(value: float, target: float, upward: bool) -> bool:
    tolerance = 1e-9 * max(1.0, abs(target))
    return value >= target - tolerance if upward else value <= target + tolerance
