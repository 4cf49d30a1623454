"""The report's summary: three to five findings in generated sentences, ranked by importance,
and what the projection says for the goals' deadline year.

Every figure comes from a view: the goals' verdicts and the key figures from
``views.overview``, the flow from ``views.pipeline``, the coverage of replacement demand from
``engine/labour`` (through the overview), the projection from ``engine/projection``. This module
picks and compares (the largest change, the largest drop), and says it in words; the report's
templates only print what it returns.
"""

from __future__ import annotations

from pydantic import BaseModel

from pijplijn.engine.indicators.series import relative_change
from pijplijn.engine.projection.results import Projection
from pijplijn.numbers import format_number, points
from pijplijn.views.overview import KeyFigure, OverviewView
from pijplijn.views.pipeline import PipelineFlow

RANK = ("goals", "leak", "coverage", "change")
"""The findings in order of importance: are the goals met, where does the pipeline lose
pupils, is supply keeping up with demand, what moved most."""


class Finding(BaseModel):
    """One generated sentence of the summary, with the figures it names (for tracing)."""

    kind: str
    """One of ``RANK``."""
    text: str
    figures: list[float] = []


class FigureChange(BaseModel):
    """A key figure against the previous period on the same definition."""

    indicator: str
    title: str
    unit: str
    period: str
    value: float | None
    previous_period: str | None
    previous: float | None
    change: float | None
    """(value − previous) / previous for counts; value − previous (in points) for shares."""
    change_kind: str
    """``relative`` (a fraction of the previous value) or ``points`` (a share's difference)."""
    refused: str | None


class DeadlineOutlook(BaseModel):
    """The projection's median and 80% interval per series in the year the report looks to."""

    year: int
    reason: str
    """Why this year: the goals' deadline, or the horizon when every deadline has passed."""
    scenario: str
    rows: list[tuple[str, float, float, float]]
    """(series label, median, low, high) for the year."""


class Summary(BaseModel):
    findings: list[Finding]
    changes: list[FigureChange]
    outlook: DeadlineOutlook | None


SHARE_UNITS = ("share", "growth")


def figure_changes(
    figures: list[KeyFigure], titles: dict[str, str] | None = None
) -> list[FigureChange]:
    """Each key figure against its previous period (``None`` across a break); ``titles``
    names the indicators in the reader's language."""
    titles = titles or {}
    changes = []
    for f in figures:
        share = f.unit in SHARE_UNITS
        if f.value is None or f.previous is None:
            change = None
        else:
            change = f.value - f.previous if share else relative_change(f.previous, f.value)
        changes.append(
            FigureChange(
                indicator=f.indicator,
                title=titles.get(f.indicator, f.title),
                unit=f.unit,
                period=f.period,
                value=f.value,
                previous_period=f.previous_period,
                previous=f.previous,
                change=change,
                change_kind="points" if share else "relative",
                refused=f.refused,
            )
        )
    return changes


def summary(
    overview: OverviewView,
    projection: Projection | None,
    projected: list[str],
    deadlines: list[int],
    lang: str = "nl",
    titles: dict[str, str] | None = None,
) -> Summary:
    """Return the findings (at most one per kind of ``RANK``), the key figures' changes, and
    the projection of the ``projected`` states in the deadline year."""
    changes = figure_changes(overview.figures, titles)
    found = [
        _goals(overview, lang),
        _leak(overview.flow, lang),
        _coverage(overview, lang),
        _change(changes, lang),
    ]
    findings = [f for f in found if f is not None]
    findings.sort(key=lambda f: RANK.index(f.kind))
    return Summary(
        findings=findings,
        changes=changes,
        outlook=_outlook(projection, projected, deadlines, lang),
    )


def _goals(overview: OverviewView, lang: str) -> Finding | None:
    if not overview.goals:
        return None
    reasons = [g for g in overview.goals if g.status == "not assessable"]
    nl = lang == "nl"
    text = f"{overview.headline[0].upper()}{overview.headline[1:]}."
    if reasons and len(reasons) * 2 > len(overview.goals):
        text += (
            " De meeste doelen zijn niet te beoordelen: er is geen meting na de basiswaarde "
            "tot de deadline, of die meting volgt een andere definitie of bron."
            if nl
            else " Most goals cannot be assessed: there is no measurement after the baseline "
            "before the deadline, or that measurement follows another definition or source."
        )
    counts = [float(n) for n in overview.status_counts.values()]
    return Finding(kind="goals", text=text, figures=counts)


def _leak(flow: PipelineFlow | None, lang: str) -> Finding | None:
    """Where the pipeline loses most: the largest leak band (flows), else the largest drop in
    the techniek share along a route whose two ends have a share (stocks)."""
    if flow is None:
        return None
    nl = lang == "nl"
    by_id = {n.id: n for n in flow.nodes}
    leaks = [b for b in flow.bands if b.kind == "lek" and b.share_of_source is not None]
    if leaks:
        worst = max(leaks, key=lambda b: b.share_of_source or 0.0)
        source = by_id[worst.source]
        share = format_number(worst.share_of_source, "share", lang)
        count = format_number(worst.value, "count", lang)
        text = (
            f"De pijplijn lekt het meest na {source.label}: {share} ({count} leerlingen) "
            f"stroomt in {flow.year} niet door naar een volgende opleiding in de gegevens."
            if nl
            else f"The pipeline leaks most after {source.label}: {share} ({count} pupils) do "
            f"not continue to a next programme in the data in {flow.year}."
        )
        return Finding(kind="leak", text=text, figures=[worst.value or 0.0])
    drops: list[tuple[float, str, str]] = []
    for band in flow.bands:
        a, b = by_id.get(band.source), by_id.get(band.target)
        if a is None or b is None or a.share is None or b.share is None:
            continue
        drops.append((a.share - b.share, a.id, b.id))
    lead = (
        "Zonder doorstroomcijfers is niet te zeggen hoeveel leerlingen de pijplijn verlaten"
        if nl
        else "Without flow figures it cannot be said how many pupils leave the pipeline"
    )
    if not drops:
        return Finding(kind="leak", text=lead + ".")
    drop, a_id, b_id = max(drops)
    a, b = by_id[a_id], by_id[b_id]
    word = ("daalt" if drop > 0 else "stijgt") if nl else ("falls" if drop > 0 else "rises")
    text = (
        f"{lead}; langs de route {word} het aandeel techniek het sterkst van "
        f"{a.label} ({format_number(a.share, 'share', lang)}, {a.period}) naar {b.label} "
        f"({format_number(b.share, 'share', lang)}, {b.period}): "
        f"{points(-drop, lang)}."
        if nl
        else f"{lead}; along the route the technical share {word} most from {a.label} "
        f"({format_number(a.share, 'share', lang)}, {a.period}) to {b.label} "
        f"({format_number(b.share, 'share', lang)}, {b.period}): {points(-drop, lang)}."
    )
    return Finding(kind="leak", text=text, figures=[a.share or 0.0, b.share or 0.0])


def _coverage(overview: OverviewView, lang: str) -> Finding | None:
    if not overview.coverage:
        return None
    nl = lang == "nl"
    computed = [c for c in overview.coverage if c.coverage is not None]
    if computed:
        parts = [
            f"{c.title} {format_number(c.coverage, 'share', lang)} ({c.period})" for c in computed
        ]
        text = (
            "De technische gediplomeerden dekken de vervangingsvraag techniek voor "
            + "; ".join(parts)
            + "."
            if nl
            else "Technical graduates cover technical replacement demand for "
            + "; ".join(parts)
            + "."
        )
        return Finding(kind="coverage", text=text, figures=[c.coverage or 0.0 for c in computed])
    published = [c for c in overview.coverage if c.published is not None]
    wanting = sorted({m.split(" (")[0] for c in overview.coverage for m in c.missing})
    text = (
        "Hoeveel van de vervangingsvraag de regio zelf opleidt, is niet te berekenen. Er "
        + ("ontbreken: " + "; ".join(wanting) if wanting else "ontbreken gegevens")
        + "."
        if nl
        else "How much of replacement demand the region trains itself cannot be computed. "
        + ("Missing: " + "; ".join(wanting) if wanting else "Data are missing")
        + "."
    )
    if published:
        listed = ", ".join(
            f"{c.title} {format_number(c.published, 'share', lang)}" for c in published
        )
        text += (
            f" De gepubliceerde dekking (ROA) is {listed}."
            if nl
            else f" The published coverage (ROA) is {listed}."
        )
    return Finding(kind="coverage", text=text, figures=[c.published or 0.0 for c in published])


def _change(changes: list[FigureChange], lang: str) -> Finding | None:
    """The largest relative change of a count since its previous period on one definition."""
    counts = [c for c in changes if c.change is not None and c.change_kind == "relative"]
    if not counts:
        return None
    top = max(counts, key=lambda c: abs(c.change or 0.0))
    nl = lang == "nl"
    up = (top.change or 0.0) > 0
    verb = ("steeg" if up else "daalde") if nl else ("rose" if up else "fell")
    previous = format_number(top.previous, top.unit, lang)
    value = format_number(top.value, top.unit, lang)
    change = format_number(top.change, "growth", lang)
    text = (
        f"De grootste verandering sinds de vorige periode, op dezelfde definitie: "
        f"{top.title} {verb} van {previous} ({top.previous_period}) naar {value} "
        f"({top.period}), {change}."
        if nl
        else f"The largest change since the previous period, on the same definition: "
        f"{top.title} {verb} from {previous} ({top.previous_period}) to {value} "
        f"({top.period}), {change}."
    )
    return Finding(kind="change", text=text, figures=[top.previous or 0.0, top.value or 0.0])


def _outlook(
    projection: Projection | None, projected: list[str], deadlines: list[int], lang: str
) -> DeadlineOutlook | None:
    if projection is None:
        return None
    nl = lang == "nl"
    ahead = [d for d in deadlines if projection.base_year < d <= projection.horizon]
    if ahead:
        year = max(ahead)
        reason = (
            f"het deadlinejaar van de doelen ({year})"
            if nl
            else f"the goals' deadline year ({year})"
        )
    else:
        year = projection.horizon
        reason = (
            f"geen doel heeft een deadline na {projection.base_year}; daarom het eind van de "
            f"projectie ({year})"
            if nl
            else f"no goal has a deadline after {projection.base_year}; hence the projection's "
            f"end ({year})"
        )
    rows = [
        (p.label, p.value, p.low, p.high)
        for state in projected
        for p in projection.series
        if p.state == state and p.period == str(year)
    ]
    return DeadlineOutlook(year=year, reason=reason, scenario=projection.scenario, rows=rows)
