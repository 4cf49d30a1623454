"""Commands for indicators, goals and checks: indicators, indicator, goals, check.

Each command renders one engine data function (``Catalog.summaries``, ``indicator_values``,
``scorecard``, ``check_published``); none computes a figure itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from pijplijn.cli.app import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    command,
    content_pack,
    emit,
    engine_for,
    err,
    guard,
    out,
    styled,
)
from pijplijn.cli.goals_edit import goals_app
from pijplijn.errors import QueryError
from pijplijn.numbers import format_number

if TYPE_CHECKING:
    from pijplijn.content.loader import ContentPack
    from pijplijn.engine.check import CheckReport, Finding
    from pijplijn.engine.goals.scorecard import BaselineView, GoalStatus, Point, Scorecard
    from pijplijn.engine.indicators.catalog import Catalog
    from pijplijn.engine.indicators.results import IndicatorValues

FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        metavar="PAD",
        exists=False,
        help="Een eigen YAML-bestand in plaats van dat van het contentpakket (om het te toetsen).",
    ),
]


def _catalog(pack: ContentPack, path: Path | None = None) -> Catalog:
    from pijplijn.content.indicators import load_indicators
    from pijplijn.engine.indicators.catalog import Catalog

    if path is None:
        return Catalog(pack.indicators)
    return Catalog(load_indicators(path, {c.name for c in pack.classifications}))


@command()
def indicators(
    format: FormatOption = OutputFormat.table,
    file: FileOption = None,
) -> None:
    """Toon de indicatorencatalogus: id, titel, eenheid, uitsplitsingen, bronnen."""
    summaries = _catalog(content_pack(), file).summaries()
    if format is OutputFormat.table:
        table = Table("id", "titel", "eenheid", "per", "uitsplitsingen", "groep")
        table.columns[0].no_wrap = True
        for s in summaries:
            table.add_row(
                s.id, s.title, s.unit, "/".join(s.period_unit), ", ".join(s.breakdowns), s.group
            )
        out.print(table)
        return
    records = [s.model_dump(mode="json") for s in summaries]
    if format is OutputFormat.csv:
        records = [
            {
                **r,
                "period_unit": "/".join(r["period_unit"]),
                "breakdowns": ",".join(r["breakdowns"]),
                "sources": ",".join(r["sources"]),
                "definitions": " | ".join(d["formula"] for d in r["definitions"]),
            }
            for r in records
        ]
    emit(records, format)


@command()
def indicator(
    indicator_id: Annotated[
        str, typer.Argument(metavar="ID", help="Indicator, zie 'pijplijn indicators'.")
    ],
    region: Annotated[
        str | None,
        typer.Option(
            help="Regio of regioset, bijv. PV26, GM0363, NL01 (standaard: die van het pakket)."
        ),
    ] = None,
    period: Annotated[
        list[str] | None,
        typer.Option(
            help="Periode (herhaalbaar), bijv. 2011, 2019-2020, 2019KW01; standaard alle."
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(help="Uitsplitsen naar (komma-gescheiden), bijv. sector of stage,gender."),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(help="Selectie DIM=WAARDE (herhaalbaar), bijv. institution=27YU."),
    ] = None,
    classification: Annotated[
        str | None,
        typer.Option(help="Andere classificatie(versie), bijv. techniek@2019 of betatechniek."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Basisperiode voor groei en verschil, bijv. 2007.")
    ] = None,
    benchmark: Annotated[
        bool,
        typer.Option(
            "--benchmark",
            help="Zet de regio tegen alle arbeidsmarktregio's: plaats, spreiding en het "
            "gemiddelde van de meest vergelijkbare regio's (beschrijvend, geen effect).",
        ),
    ] = False,
    k: Annotated[
        int | None,
        typer.Option("--k", help="Met --benchmark: aantal vergelijkbare regio's (standaard 5)."),
    ] = None,
    start: Annotated[
        int | None,
        typer.Option(
            help="Met --benchmark: startjaar; vergelijkbare regio's worden gekozen op de "
            "cijfers ervóór (standaard het begin van de agenda van het pakket)."
        ),
    ] = None,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Bereken een indicator: waarde per periode (en uitsplitsing), met vlag en bronnen.

    Een waarde uit onderdrukte (<5), ontbrekende of geschatte invoer draagt die vlag en is
    niet exact. Met --benchmark: de regio tegen alle 35 arbeidsmarktregio's."""
    from pijplijn.engine.indicators.evaluate import indicator_values
    from pijplijn.store.db import session_scope

    pack = content_pack()
    if benchmark:
        from pijplijn.cli.benchmark import print_benchmark
        from pijplijn.views.benchmark import benchmark_view

        if by is not None or where or classification or since or (period and len(period) > 1):
            raise QueryError(
                "--benchmark gaat over het totaal in één periode: laat --by, --where, "
                "--classification en --since weg, en geef hoogstens één --period"
            )
        if k is not None and k < 1:
            raise QueryError(f"--k moet minstens 1 zijn, niet {k}")
        with session_scope(engine_for(database)) as session:
            view = benchmark_view(
                session,
                _catalog(pack),
                pack,
                indicator_id,
                region,
                k=k,
                start=start,
                period=period[0] if period else None,
            )
        print_benchmark(view, format)
        return
    if k is not None or start is not None:
        raise QueryError("--k en --start horen bij --benchmark")
    dims = None if by is None else [d.strip() for d in by.split(",") if d.strip()]
    with session_scope(engine_for(database)) as session:
        result = indicator_values(
            session,
            _catalog(pack),
            indicator_id,
            region or pack.pack.default_region,
            periods=period or (),
            by=dims,
            classification=classification,
            filters=_pairs(where or []),
            since=since,
        )
    if format is OutputFormat.table:
        _indicator_table(result)
        return
    if format is OutputFormat.csv:
        # The same table as the API's ?format=csv and the page's download (views/indicator.py).
        from pijplijn.views.indicator import values_table
        from pijplijn.views.render import to_csv

        sys.stdout.write(to_csv(values_table(indicator_id, result.records())))
        return
    emit(result.records(), format)


@goals_app.callback()
@guard
def goals(
    ctx: typer.Context,
    region: Annotated[
        str | None,
        typer.Option(
            help="Alleen de doelen van deze regio (regioset, provincie, COROP-gebied, "
            "arbeidsmarktregio of gemeente); standaard alle doelen."
        ),
    ] = None,
    format: FormatOption = OutputFormat.table,
    file: FileOption = None,
    database: DatabaseOption = None,
) -> None:
    """Toon de scorekaart: per doel basiswaarde, doel, laatste meting, voortgang, trend,
    status en de aandelen van de partners. Met --file: de doelen uit dat bestand. Met
    --region: de doelen van die regio; gelden de doelen voor een andere regio, dan staat
    dat er. Met add, edit, archive of restore: de eigen doelen van het programmabureau
    (zie 'pijplijn goals add --help')."""
    if ctx.invoked_subcommand is not None:
        return
    from pijplijn.content.goals import goals_elsewhere, load_goals
    from pijplijn.content.loader import national_region_codes
    from pijplijn.engine.goals.scorecard import scorecard
    from pijplijn.engine.regions import canonical_region, region_names
    from pijplijn.store.db import session_scope

    pack = content_pack()
    catalog = _catalog(pack)
    chosen = (
        None
        if file is None
        else load_goals(file, catalog.indicators, pack.region_codes() | national_region_codes())
    )
    with session_scope(engine_for(database)) as session:
        card = scorecard(session, catalog, chosen)
        if region is not None:
            code = canonical_region(session, region)
            mine = [g for g in card.goals if g.region == code]
            if not mine:
                # Not an error: the region has no goals of its own, and the line says whose
                # goals these are (on stderr for csv/json, so the records stay clean).
                note = goals_elsewhere([g.region for g in card.goals], code, region_names(session))
                (out if format is OutputFormat.table else err).print(note)
                if format is OutputFormat.table:
                    return
            card = card.model_copy(update={"goals": mine})
    if format is OutputFormat.table:
        _scorecard_table(card)
        return
    records = card.records()
    if format is OutputFormat.csv:
        records = [_goal_row(g) for g in card.goals]
    emit(records, format)


@command()
def check(
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Vergelijk elk gepubliceerd cijfer met wat de engine uit de basisdata berekent:
    overeenkomsten en tegenspraken, met hun grootte."""
    from pijplijn.engine.check import check_published
    from pijplijn.engine.labour.coverage import coverage_check
    from pijplijn.store.db import session_scope

    pack = content_pack()
    with session_scope(engine_for(database)) as session:
        report = check_published(
            session, _catalog(pack), pack.published_checks, coverage_check(session, pack)
        )
    if format is OutputFormat.table:
        _check_table(report)
        return
    if format is OutputFormat.json:
        records = [f.model_dump(mode="json") for f in report.findings]
    else:
        records = [_check_row(f) for f in report.findings]
    emit(records, format)


def _pairs(texts: list[str]) -> dict[str, str]:
    pairs = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise QueryError(f"--where '{text}': verwacht DIMENSIE=WAARDE, bijv. institution=27YU")
        pairs[name.strip()] = value.strip()
    return pairs


def show(value: float | None, unit: str, *, signed: bool = False, flag: str | None = None) -> str:
    """Return ``value`` in Dutch notation for its unit: 24,8% for shares, 1.643 for counts;
    with its ``flag`` as the pages print it (a suppressed count as ``≥ 127``, an estimate as
    ``≈ 80,0%``)."""
    if value is None or unit not in ("count", "thousand"):
        return format_number(
            value, unit, flag=flag, signed=True if signed or unit == "growth" else None
        )
    # A count that is not whole (an estimate, a sub-target) keeps one decimal in the CLI table.
    digits = 0 if unit == "count" and float(value).is_integer() else 1
    return format_number(value, unit, flag=flag, signed=signed, digits=digits)


def point_flag(point: Point | BaselineView) -> str | None:
    """The flag a goal's measurement prints with: its own, or ``estimated`` for a value the
    engine marks inexact without one (the web's macro ``measured`` does the same)."""
    exact = getattr(point, "exact", True)
    return point.flag or (None if exact else "estimated")


def _indicator_table(result: IndicatorValues) -> None:
    if not result.values:
        raise QueryError(
            f"indicator {result.indicator} heeft geen waarden voor {result.region} in deze selectie"
        )
    table = Table(
        "periode",
        *result.by,
        "waarde",
        "vlag",
        "classificatie",
        "breuk in de reeks",
        title=f"{result.title} — {result.region}",
        caption="~ = niet exact (onderdrukte, ontbrekende, geschatte of partiële invoer). "
        "Een breuk: vanaf deze periode een andere classificatie, definitie, bron of dekking; "
        "niet vergelijkbaar met de periodes ervoor. Invoer en bronnen per waarde: --format json",
    )
    for v in result.values:
        keys = [_label(result, d, v.keys.get(d)) for d in result.by]
        marker = "" if v.exact or v.value is None else "~"
        starts = result.break_at(v)
        table.add_row(
            v.period,
            *keys,
            marker + show(v.value, result.unit),
            v.flag or "",
            v.classification or "",
            starts.reason if starts else "",
        )
    out.print(table)
    for item in result.breaks:
        restated = (
            f"; {item.previous} herberekend met {item.restated_on}: "
            f"{show(item.restated, result.unit)}"
            if item.restatable
            else ""
        )
        where = ", ".join(f"{k}={v}" for k, v in item.keys.items())
        out.print(
            f"breuk in {item.period}{f' ({where})' if where else ''}: {item.reason}{restated}",
            highlight=False,
            markup=False,
        )
    notes = sorted({n for v in result.values for n in v.notes})
    for note in notes:
        out.print(f"let op: {note}", highlight=False, markup=False)
    for line in result.coverage_lines():
        out.print(f"let op: {line}", highlight=False, markup=False)
    out.print(
        "bronnen: " + "; ".join(f"{s.source_key} (dataset {s.dataset})" for s in result.sources),
        highlight=False,
        markup=False,
    )


def _label(result: IndicatorValues, dim: str, value: Any) -> str:
    if value is None:
        return ""
    label = result.labels.get(dim, {}).get(str(value))
    return f"{value} {label}" if label else str(value)


def _scorecard_table(card: Scorecard) -> None:
    table = Table(
        "doel",
        "status",
        "basis",
        "doelwaarde",
        "laatste meting",
        "voortgang",
        "trend bij deadline",
        caption="Drempels en trendmethode: docs/goals.md. Alles als JSON: --format json",
    )
    for g in card.goals:
        table.add_row(
            styled(g.title, "\n", (g.id, "dim")),
            styled(
                g.status_label,
                *(("\n", (f"eindoordeel per {g.verdict_date}", "dim")) if g.final else ()),
            ),
            _point(g.baseline, g.unit),
            styled(show(g.target.value, g.unit), "\n", (f"voor {g.target.deadline}", "dim")),
            _latest(g),
            _progress(g),
            _projected(g),
        )
    out.print(table)
    for g in card.goals:
        _goal_details(g)


def _progress(g: GoalStatus) -> Text:
    if g.progress is None:
        return Text("–")
    shown = f"{g.progress * 100:.0f}%"
    return styled(shown, "\n", (f"op {g.restated_on}", "dim")) if g.restated_on else Text(shown)


def _goal_details(g: GoalStatus) -> None:
    final = f" (eindoordeel per {g.verdict_date})" if g.final else ""
    out.print(
        styled("\n", (g.title, "bold"), f" ({g.id}): {g.status_label}{final}. {g.status_reason}.")
    )
    if g.judged_on is not None:
        out.print(
            f"  beoordeeld op de meting van {g.judged_on.period}: "
            f"{show(g.judged_on.value, g.unit, flag=point_flag(g.judged_on))}"
        )
    if g.progress is None and g.progress_note and g.latest is not None:
        out.print(f"  geen voortgang: {g.progress_note}")
    if g.target.provisional:
        out.print(f"  doelwaarde voorlopig: {g.target.source}")
    if g.split_note:
        out.print(f"  partners (alle voorlopig): {g.split_note}")
    for p in g.partners:
        kind = "van de verandering" if p.sub_target_kind == "verandering" else "van de doelwaarde"
        sub = (
            ""
            if p.sub_target is None
            else f"; deeldoel {show(p.sub_target, g.unit, signed=True)} ({kind})"
        )
        flag = (
            " — voorlopig: verdeling nog niet vastgesteld"
            if p.provisional and not g.split_note
            else ""
        )
        out.print(
            f"  partner {p.name} ({p.kind}): {p.share:g}%{sub}{flag}", highlight=False, markup=False
        )


def _point(point: Point | BaselineView, unit: str) -> str:
    if point.value is None:
        return f"{point.period}: geen data"
    return f"{point.period}: {show(point.value, unit, flag=point_flag(point))}"


def _latest(g: GoalStatus) -> Text:
    if g.latest is None:
        return Text("geen meting")
    point = _point(g.latest, g.unit)
    return (
        styled(point, "\n", ("(na de deadline)", "dim")) if g.latest.after_deadline else Text(point)
    )


def _projected(g: GoalStatus) -> Text:
    p = g.projected
    if p.value is None:
        return Text("te weinig data" if p.points < 3 else "–")
    band = f"{show(p.low, g.unit)} – {show(p.high, g.unit)}"
    return styled(show(p.value, g.unit), "\n", (band, "dim"))


def _goal_row(g: GoalStatus) -> dict[str, Any]:
    return {
        "id": g.id,
        "title": g.title,
        "status": g.status.value,
        "baseline_period": g.baseline.period,
        "baseline": g.baseline.value,
        "target": g.target.value,
        "deadline": g.target.deadline.isoformat(),
        "latest_period": g.latest.period if g.latest else None,
        "latest": g.latest.value if g.latest else None,
        "progress": g.progress,
        "progress_note": g.progress_note,
        "final": g.final,
        "verdict_date": g.verdict_date.isoformat() if g.verdict_date else None,
        "judged_on_period": g.judged_on.period if g.judged_on else None,
        "judged_on": g.judged_on.value if g.judged_on else None,
        "restated_on": g.restated_on,
        "projected": g.projected.value,
        "projected_low": g.projected.low,
        "projected_high": g.projected.high,
        "partners": "; ".join(
            f"{p.name} {p.share:g}%{' (voorlopig)' if p.provisional else ''}" for p in g.partners
        ),
        "status_reason": g.status_reason,
    }


def _check_row(finding: Finding) -> dict[str, Any]:
    row = finding.model_dump(mode="json", exclude={"inputs", "alternative", "keys"})
    row["keys"] = json.dumps(finding.keys, ensure_ascii=False)
    row["alternative"] = finding.alternative.indicator if finding.alternative else None
    return row


def _check_table(report: CheckReport) -> None:
    shown = [f for f in report.findings if f.verdict != "no-counterpart"]
    table = Table("oordeel", "onderwerp", "periode", "gepubliceerd", "berekend", "toelichting")
    table.columns[1].no_wrap = True
    names = {
        "match": "klopt",
        "contradiction": "tegenspraak",
        "not-computable": "niet te berekenen",
    }
    for f in shown:
        unit = "share" if f.measure == "published_share" else "count"
        detail = styled(f.explanation, *(("\n", (f.note, "dim")) if f.note else ()))
        table.add_row(
            names[f.verdict],
            f.subject,
            f.period,
            show(f.published, unit),
            show(f.computed, unit),
            detail,
        )
    out.print(table)
    counts = report.counts
    out.print(
        f"{counts['contradiction']} tegenspraken, {counts['match']} overeenkomsten, "
        f"{counts['not-computable']} niet te berekenen, {counts['no-counterpart']} "
        "gepubliceerde cijfers zonder berekening (--format json toont ze alle).",
        highlight=False,
    )
