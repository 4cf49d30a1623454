"""Commands for projections, scenarios and backtests (issue 5): project, scenarios, backtest.

They format what ``pijplijn.engine.projection`` returns; they compute nothing themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pijplijn.cli.app import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    command,
    content_pack,
    emit,
    engine_for,
    out,
    styled,
)
from pijplijn.numbers import format_number

if TYPE_CHECKING:
    from pijplijn.content.projection import ProjectionContent
    from pijplijn.engine.projection.results import BacktestReport, Comparison, Projection

RegionOption = Annotated[
    str | None,
    typer.Option(help="Regio of regioset, bijv. PV26, GM0363 (standaard: die van het pakket)."),
]
HorizonOption = Annotated[
    int | None, typer.Option(help="Laatste jaar van de projectie (standaard 2030).")
]
DrawsOption = Annotated[
    int | None, typer.Option(help="Aantal Monte-Carlotrekkingen (standaard 1000).")
]
SeedOption = Annotated[int, typer.Option(help="Startwaarde van de toevalsgenerator.")]
TrendOption = Annotated[
    str | None,
    typer.Option(help="stationary (standaard) of damped: instroom met gedempte trend."),
]

KEY_SERIES = (
    "vmbo-bb:{d}",
    "vmbo-kb:{d}",
    "vmbo-tl:{d}",
    "mbo-2:{d}",
    "mbo-3:{d}",
    "mbo-4:{d}",
    "graduates:mbo-2:{d}",
    "graduates:mbo-3:{d}",
    "graduates:mbo-4:{d}",
    "work:mbo-2:{d}",
    "doorstroom-hbo:mbo-4:{d}",
    "hbo:{d}",
)
"""The series the table shows (all are in --format json/csv), level by level."""

MEASURE_NL = {
    "exam_candidates": "examenkandidaten",
    "enrolled": "ingeschreven",
    "first_year": "eerstejaars",
    "graduates": "gediplomeerden",
    "labour_market_entrants": "naar werk",
    "dropouts": "uitval",
    "doorstroom_hbo": "naar hbo",
}


def _content() -> tuple[str, ProjectionContent]:
    from pijplijn.content.projection import load_projection

    pack = content_pack()
    return pack.pack.default_region, load_projection(pack)


@command("project")
def project_command(
    region: RegionOption = None,
    horizon: HorizonOption = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Scenario: opgeslagen naam, naam uit het pakket (bijv. techniek-agenda of "
            "instroom-vmbo-techniek) of een YAML-bestand. Standaard: basis."
        ),
    ] = None,
    draws: DrawsOption = None,
    seed: SeedOption = 0,
    trend: TrendOption = None,
    rates: Annotated[
        bool,
        typer.Option("--rates", help="Toon de kansen met hun herkomst in plaats van de reeksen."),
    ] = False,
    gap: Annotated[
        bool, typer.Option("--gap", help="Toon de dekkingsgraad en het tekort per niveau.")
    ] = False,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Projecteer de technische pijplijn van een regio met onzekerheidsmarges.

    JSON geeft per reeks en jaar: state, period, value (mediaan), low en high (80%),
    low_95 en high_95, scenario. Met --rates: elke kans met methode en bron."""
    from pijplijn.engine.projection import scenario as scenarios
    from pijplijn.engine.projection.project import project
    from pijplijn.store.db import session_scope

    default_region, content = _content()
    with session_scope(engine_for(database)) as session:
        spec = scenarios.find(session, content, scenario)
        result = project(
            session,
            content,
            region or default_region,
            horizon=horizon,
            scenario=spec,
            draws=draws,
            seed=seed,
            trend=trend,
        )
    if rates:
        _rates_output(result, format)
    elif gap:
        _gap_output(result, format)
    elif format is OutputFormat.table:
        _projection_table(result)
    else:
        emit([p.model_dump() for p in result.series], format)


def _projection_table(result: Projection) -> None:
    out.print(
        styled(
            (f"Projectie {result.region}", "bold"),
            ", scenario ",
            (result.scenario, "bold"),
            f": basisjaar {result.base_year}, horizon {result.horizon}, {result.draws} "
            f"trekkingen, trend {result.trend}, classificatie {result.classification}.",
        )
    )
    years = _years(result.base_year, result.horizon)
    table = Table("reeks", *map(str, years), caption="mediaan [80%-interval]; * = waargenomen")
    domain = result.classification.partition("@")[0]
    points = {(p.state, p.period): p for p in result.series}
    for template in KEY_SERIES:
        state = template.format(d=domain)
        cells = [points.get((state, str(y))) for y in years]
        if not any(cells):
            continue
        measure = next(p.measure for p in cells if p is not None)
        table.add_row(_short(state, measure), *(_cell(p) for p in cells))
    out.print(table)
    if result.gap:
        _gap_table(result, {str(y) for y in years})
    _rates_table(result)
    for note in [*result.notes, *result.warnings]:
        out.print(f"• {note}", highlight=False, markup=False)
    out.print("Alle reeksen: --format json of csv. Kansen met herkomst: --rates.")


def _short(state: str, measure: str) -> str:
    """``graduates:mbo-2:techniek`` → ``mbo-2:techniek gediplomeerden``."""
    parts = state.split(":")
    if parts[0] in ("graduates", "work", "left", "doorstroom-hbo"):
        parts = parts[1:]
    return f"{':'.join(parts)} {MEASURE_NL.get(measure, measure)}"


def _years(base: int, horizon: int) -> list[int]:
    """The base year, the next three, then every other year, and the horizon."""
    years = [y for y in range(base, horizon + 1) if y - base <= 3 or (y - base) % 2 == 1]
    if horizon not in years:
        years.append(horizon)
    return years


def _cell(point: Any) -> str:
    if point is None:
        return ""
    if point.observed:
        return f"{point.value:,.0f}*"
    return f"{point.value:,.0f} [{point.low:,.0f}–{point.high:,.0f}]"


def _rates_table(result: Projection) -> None:
    table = Table("kans", "waarde", "±", "methode", "soort", "herkomst")
    for r in result.rates:
        where = []
        if r.datasets:
            where.append(f"dataset {', '.join(map(str, r.datasets))}")
        if r.subjects:
            where.append(f"subject {', '.join(r.subjects)}")
        if r.periods:
            where.append(f"jaren {', '.join(r.periods)}")
        origin = "; ".join(where) or "contentpakket"
        table.add_row(r.id, f"{r.value:.3f}", f"{r.sd:.3f}", r.method, r.kind, origin)
    out.print(table)


def _rates_output(result: Projection, format: OutputFormat) -> None:
    if format is OutputFormat.table:
        _rates_table(result)
        for r in result.rates:
            out.print(styled((r.id, "bold"), f": {r.source}"))
            if r.note:
                out.print(f"  {r.note}", highlight=False, markup=False)
        return
    records = [r.model_dump() for r in result.rates]
    if format is OutputFormat.csv:
        records = [
            {**r, **{k: ";".join(map(str, r[k])) for k in ("subjects", "datasets", "periods")}}
            for r in records
        ]
    emit(records, format)


def _gap_table(result: Projection, years: set[str] | None = None) -> None:
    table = Table(
        "niveau", "jaar", "naar de arbeidsmarkt", "vraag", "dekkingsgraad [80%]", "tekort [80%]"
    )
    for g in result.gap:
        if years is not None and g.period not in years:
            continue
        table.add_row(
            f"mbo {g.level} {g.domain}",
            g.period,
            f"{g.entrants:,.0f}",
            f"{g.demand:,.0f}",
            f"{g.coverage:.0%} [{g.coverage_low:.0%}–{g.coverage_high:.0%}]",
            f"{g.gap:,.0f} [{g.gap_low:,.0f}–{g.gap_high:,.0f}]",
        )
    out.print(table)


def _gap_output(result: Projection, format: OutputFormat) -> None:
    from pijplijn.engine.projection.model import ProjectionError

    if not result.gap:
        raise ProjectionError(
            f"geen vraag (vervangingsvraag) geladen voor regio {result.region}; zie demand in "
            "projection.yaml van het contentpakket"
        )
    if format is OutputFormat.table:
        _gap_table(result)
        out.print(f"Bron van de vraag: {result.gap[0].demand_source}", highlight=False)
        return
    emit([g.model_dump() for g in result.gap], format)


@command("scenarios")
def scenarios_command(
    action: Annotated[
        str, typer.Argument(help="list, show NAAM, compare A B of save BESTAND.")
    ] = "list",
    names: Annotated[list[str] | None, typer.Argument(help="Scenarionamen of een bestand.")] = None,
    region: RegionOption = None,
    horizon: HorizonOption = None,
    draws: DrawsOption = None,
    seed: SeedOption = 0,
    version: Annotated[
        int | None, typer.Option(help="Versie van een opgeslagen scenario (show).")
    ] = None,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Scenario's: list (opgeslagen en uit het pakket), show NAAM, compare A B (B min A per
    jaar, met interval), save BESTAND (YAML; dezelfde naam opnieuw geeft een nieuwe versie)."""
    from pijplijn.content.projection import read_scenario_file
    from pijplijn.engine.projection import scenario as scenarios
    from pijplijn.engine.projection.model import ProjectionError
    from pijplijn.engine.projection.project import compare, prepare
    from pijplijn.store.db import session_scope

    default_region, content = _content()
    args = names or []
    expected = {"list": 0, "show": 1, "compare": 2, "save": 1}
    if action not in expected:
        raise ProjectionError(f"onbekende actie '{action}'; kies list, show, compare of save")
    if len(args) != expected[action]:
        raise ProjectionError(
            f"'scenarios {action}' verwacht {expected[action]} argument(en), kreeg {len(args)}"
        )
    with session_scope(engine_for(database)) as session:
        if action == "list":
            _emit_or_table(
                [s.model_dump(mode="json") for s in scenarios.list_scenarios(session, content)],
                format,
                ("name", "version", "origin", "levers", "title", "created_at"),
            )
        elif action == "show":
            _show(session, content, args[0], version, format)
        elif action == "save":
            path = Path(args[0])
            spec = read_scenario_file(path)
            scenarios.validate(content, spec)
            saved = scenarios.save(session, spec, source=str(path))
            out.print(f"Scenario {saved.name} opgeslagen als versie {saved.version}.")
        else:
            a = scenarios.find(session, content, args[0])
            b = scenarios.find(session, content, args[1])
            prepared = prepare(session, content, region or default_region)
            result = compare(prepared, a, b, horizon=horizon, draws=draws, seed=seed)
            _comparison(result, format)


def _show(
    session: Any, content: ProjectionContent, name: str, version: int | None, format: OutputFormat
) -> None:
    from pijplijn.engine.projection import scenario as scenarios
    from pijplijn.engine.projection.model import ProjectionError

    spec = scenarios.load_saved(session, name, version) if version else None
    if version and spec is None:
        raise ProjectionError(f"scenario '{name}' heeft geen versie {version}")
    spec = spec or scenarios.find(session, content, name)
    resolved = scenarios.resolve(content, spec)
    records = [lever.model_dump(exclude_none=True) for lever in resolved.levers]
    if format is not OutputFormat.table:
        emit(
            [{**r, "targets": ";".join(r["targets"])} for r in records]
            if format is OutputFormat.csv
            else records,
            format,
        )
        return
    out.print(styled((spec.name, "bold"), f": {spec.title}. {spec.description}"))
    table = Table("hefboom", "soort", "doelen", "verandering", "start", "aanloop (jaren)")
    for lever in resolved.levers:
        change = f"{lever.change:+.0%}" if lever.mode == "relative" else f"{lever.change:+g}"
        table.add_row(
            lever.title or lever.id or "",
            lever.kind,
            ", ".join(lever.targets),
            change + (f" × {lever.scale_by}" if lever.scale_by else ""),
            str(lever.start or "eerste projectiejaar"),
            str(lever.ramp_years),
        )
    out.print(table)
    for lever in resolved.levers:
        if lever.note:
            out.print(f"• {lever.title}: {lever.note.strip()}", highlight=False, markup=False)


def _comparison(result: Comparison, format: OutputFormat) -> None:
    if format is not OutputFormat.table:
        emit([d.model_dump() for d in result.differences], format)
        return
    out.print(
        styled(
            (result.b, "bold"),
            " min ",
            (result.a, "bold"),
            f" voor {result.region}, per jaar (mediaan van het verschil [80%-interval]), "
            f"{result.draws} trekkingen.",
        )
    )
    years = _years(result.base_year, result.horizon)
    table = Table("reeks", *map(str, years[1:]))
    domain = result.differences[0].state.split(":")[-1] if result.differences else ""
    found = {(d.state, d.period): d for d in result.differences}
    for template in KEY_SERIES:
        state = template.format(d=domain)
        cells = [found.get((state, str(y))) for y in years[1:]]
        if any(cells):
            measure = next(c.measure for c in cells if c is not None)
            table.add_row(
                _short(state, measure),
                *(
                    f"{c.difference:+,.1f} [{c.low:+,.0f}–{c.high:+,.0f}]" if c else ""
                    for c in cells
                ),
            )
    out.print(table)
    for note in result.notes:
        out.print(f"• {note}", highlight=False)


def _emit_or_table(
    records: list[dict[str, Any]], format: OutputFormat, columns: tuple[str, ...]
) -> None:
    if format is not OutputFormat.table:
        emit(records, format)
        return
    table = Table(*columns)
    for record in records:
        table.add_row(*("" if record.get(c) is None else str(record.get(c)) for c in columns))
    out.print(table)


@command("backtest")
def backtest_command(
    regions: Annotated[
        str | None,
        typer.Option(
            help="Regio's, komma-gescheiden (standaard: die van het pakket en alle provincies)."
        ),
    ] = None,
    origin: Annotated[
        list[int] | None, typer.Option(help="Oorsprongsjaar T (herhaalbaar); standaard alle.")
    ] = None,
    draws: Annotated[int, typer.Option(help="Trekkingen per projectie.")] = 500,
    seed: SeedOption = 0,
    trend: TrendOption = None,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Toets het model op het verleden: fit t/m T, projecteer T+1.., vergelijk met wat er
    gebeurde; MAPE en dekking van de intervallen naast naïef en lineaire trend."""
    from pijplijn.engine.projection import backtest as backtests
    from pijplijn.store.db import session_scope

    default_region, content = _content()
    with session_scope(engine_for(database)) as session:
        chosen = (
            [r.strip() for r in regions.split(",") if r.strip()]
            if regions
            else backtests.default_regions(session, default_region)
        )
        report = backtests.backtest(
            session, content, chosen, origins=origin, draws=draws, seed=seed, trend=trend
        )
    _backtest_output(report, format)


def _backtest_output(report: BacktestReport, format: OutputFormat) -> None:
    if format is not OutputFormat.table:
        records = [{**s.model_dump(), "note": r.note} for r in report.regions for s in r.scores]
        emit(records, format)
        return
    out.print(
        f"Backtest: oorsprongen {', '.join(map(str, report.origins))}, tot en met "
        f"{report.last_year}, {report.draws} trekkingen.",
        highlight=False,
    )
    table = Table(
        "regio",
        "MAPE model",
        "MAPE naïef",
        "MAPE trend",
        "dekking 80% model",
        "dekking 95% model",
        "dekking 80% naïef",
        "n",
        "oordeel",
    )
    for region in report.regions:
        by = {s.method: s for s in region.scores}
        table.add_row(
            region.region,
            _pct(by["model"].mape),
            _pct(by["naive"].mape),
            _pct(by["trend"].mape),
            _pct(by["model"].coverage_80),
            _pct(by["model"].coverage_95),
            _pct(by["naive"].coverage_80),
            str(by["model"].forecasts),
            region.note,
        )
    out.print(table)
    out.print(report.summary, highlight=False)
    for note in report.notes:
        out.print(f"• {note}", highlight=False)


def _pct(value: float | None) -> str:
    return format_number(value, "share")
