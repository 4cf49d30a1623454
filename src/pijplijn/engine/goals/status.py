"""A goal's status from its baseline, target, measurements and projection.

The thresholds (documented in docs/goals.md), checked in this order:

1. **no data**: there is no target value (a relative target without a baseline value);
2. **achieved**: the latest measurement up to the deadline (or the baseline itself) reaches
   the target;
3. **no data**: there is no measurement between the baseline period and the deadline;
4. **off track**: the latest measurement lies in the period of the deadline and misses the
   target;
5. **no data**: fewer than three points (baseline included) for a trend;
6. **on track**: the projected value at the deadline reaches the target;
7. **at risk**: the projection misses, but the favourable end of its 80% interval reaches it;
8. **off track**: even the favourable end of the interval misses the target.

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
    NO_DATA = "no data"


LABELS = {
    Status.ACHIEVED: "gehaald",
    Status.ON_TRACK: "op koers",
    Status.AT_RISK: "risico",
    Status.OFF_TRACK: "niet op koers",
    Status.NO_DATA: "geen data",
}
"""The Dutch label of each status, for tables and pages."""


@dataclass(frozen=True)
class Judgement:
    """A status and the reason for it, in one Dutch sentence."""

    status: Status
    reason: str


@dataclass(frozen=True)
class Evidence:
    """What a status is judged on."""

    baseline: float | None
    target: float | None
    upward: bool
    latest: float | None
    """The latest measurement after the baseline period, up to the deadline."""
    latest_period: str | None
    at_deadline: bool
    """True when that measurement lies in the period of the deadline."""
    later_period: str | None
    """The first measurement after the deadline, when there is one."""
    projection: Projection


def judge(evidence: Evidence) -> Judgement:
    """Return the status of a goal by the thresholds in this module's docstring."""
    e = evidence
    if e.target is None:
        return Judgement(Status.NO_DATA, "geen doelwaarde: de basiswaarde ontbreekt")
    if e.latest is not None and _reaches(e.latest, e.target, e.upward):
        return Judgement(Status.ACHIEVED, f"gehaald: {e.latest_period} bereikt de doelwaarde")
    if e.latest is None:
        if e.baseline is not None and _reaches(e.baseline, e.target, e.upward):
            return Judgement(Status.ACHIEVED, "gehaald: de basismeting bereikt de doelwaarde al")
        later = f"; de eerste latere meting is van {e.later_period}" if e.later_period else ""
        return Judgement(
            Status.NO_DATA, f"geen meting tussen de basisperiode en de deadline{later}"
        )
    if e.at_deadline:
        return Judgement(
            Status.OFF_TRACK,
            f"niet gehaald: de meting van {e.latest_period} (deadline) mist het doel",
        )
    p = e.projection
    if p.value is None or p.low is None or p.high is None:
        return Judgement(Status.NO_DATA, p.note)
    favourable = p.high if e.upward else p.low
    if _reaches(p.value, e.target, e.upward):
        return Judgement(Status.ON_TRACK, f"op koers: de trend bereikt het doel ({p.note})")
    if _reaches(favourable, e.target, e.upward):
        return Judgement(
            Status.AT_RISK,
            f"risico: alleen de gunstige kant van het interval haalt het doel ({p.note})",
        )
    return Judgement(Status.OFF_TRACK, f"niet op koers: ook het interval mist het doel ({p.note})")


def _reaches(value: float, target: float, upward: bool) -> bool:
    tolerance = 1e-9 * max(1.0, abs(target))
    return value >= target - tolerance if upward else value <= target + tolerance
