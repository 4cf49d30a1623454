"""Commands that set up the store and read the cube: init, datasets, regions, query."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pijplijn.cli.app import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    command,
    content_pack,
    emit,
    engine_for,
    err,
    out,
    settings,
    styled,
)
from pijplijn.errors import QueryError


@command()
def init(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Laad ook de demodata en de doelen van het contentpakket "
            "(cijfers uit zijn brondocumenten).",
        ),
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Maak of werk het databaseschema bij; met --demo ook de demodata en doelen van het pakket.

    Twee keer draaien verandert niets."""
    from pijplijn.store.setup import initialise

    pack = content_pack()  # a bad pack stops here, before the database file is made
    engine = engine_for(database, need_schema=False)
    result = initialise(engine, pack, demo=demo, extract=demo and settings().demo_extract)
    if result.revision_before == result.revision_after:
        out.print(f"Schema is actueel (revisie {result.revision_after}).")
    else:
        out.print(
            f"Schema bijgewerkt: {result.revision_before or 'leeg'} → {result.revision_after}."
        )
    for file, load in result.demo:
        verb = "geladen" if load.status == "loaded" else "al geladen, niets veranderd"
        out.print(f"Demodata {file}: {load.rows} waarnemingen {verb} (dataset {load.dataset_id}).")
    for file, load in result.extract:
        verb = "geladen" if load.status == "loaded" else "al geladen, niets veranderd"
        out.print(
            f"Uittreksel open data {file}: {load.rows} waarnemingen {verb} "
            f"(dataset {load.dataset_id})."
        )
    if result.goals:
        out.print(f"Doelen: {result.goals} uit het contentpakket.")


@command()
def datasets(
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Toon de geladen datasets met hun herkomst (bron, sha256, lader, rijen)."""
    from pijplijn.engine.datasets import list_datasets
    from pijplijn.store.db import session_scope

    with session_scope(engine_for(database)) as session:
        summaries = list_datasets(session)
    records = [s.model_dump(mode="json") for s in summaries]
    if format is OutputFormat.table:
        table = Table(
            "id",
            "bron",
            "perioden",
            "rijen",
            "actief",
            "status",
            "openbaarheid",
            "dekking",
            "geladen",
            caption="Volledige herkomst (titel, uitgever, bron, sha256): --format json",
        )
        for s in summaries:
            table.add_row(
                str(s.id),
                escape(s.source_key),
                _span(s.periods),
                str(s.rows),
                str(s.active_rows),
                s.status,
                s.disclosure,
                s.coverage or "",
                s.loaded_at.strftime("%Y-%m-%d %H:%M"),
            )
        out.print(table)
        return
    emit(records, format)


@command()
def regions(
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Toon de bekende regio's en regiosets (codes voor --region)."""
    from sqlalchemy import select

    from pijplijn.store.db import session_scope
    from pijplijn.store.models import Region

    with session_scope(engine_for(database)) as session:
        records = [
            {"code": r.code, "name": r.name, "kind": r.kind, "parent": r.parent_code}
            for r in session.scalars(select(Region).order_by(Region.kind, Region.code))
        ]
    if format is OutputFormat.table:
        table = Table("code", "naam", "soort", "ligt in")
        for r in records:
            table.add_row(r["code"], r["name"], r["kind"], r["parent"] or "")
        out.print(table)
        return
    emit(records, format)


@command("query")
def query_command(
    measure: Annotated[
        str,
        typer.Option(
            "--measure", "-m", help="Maat, bijv. enrolled, graduates, first_year, published_share."
        ),
    ],
    region: Annotated[
        str | None, typer.Option(help="Regio of regioset, bijv. PV26, GM0363, CR17.")
    ] = None,
    institution: Annotated[str | None, typer.Option(help="BRIN, bijv. 27YU.")] = None,
    stage: Annotated[str | None, typer.Option(help="Fase, bijv. mbo, vmbo-tl, hbo.")] = None,
    period: Annotated[
        list[str] | None,
        typer.Option(help="Periode (herhaalbaar), bijv. 2011, 2019-2020, 2011KW01."),
    ] = None,
    by: Annotated[
        str, typer.Option(help="Uitsplitsen naar dimensies, komma-gescheiden, bijv. period,sector.")
    ] = "",
    classification: Annotated[
        str | None,
        typer.Option(
            help="Classificatie voor de dimensie 'domain': naam (versie per "
            "periode) of naam@versie, bijv. techniek@2019."
        ),
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Alleen dit domein, bijv. techniek (met --classification).")
    ] = None,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Filter, tel op en draai de kubus van waarnemingen.

    Sommen over ontbrekende of onderdrukte cellen dragen die vlag; ze worden nooit als 0
    geteld zonder dat te zeggen."""
    from pijplijn.engine.cube import CubeQuery, query_result
    from pijplijn.engine.disclosure import published
    from pijplijn.store.db import session_scope

    dimensions = tuple(d.strip() for d in by.split(",") if d.strip())
    cube_query = CubeQuery(
        measure=measure,
        region=region,
        institution=institution,
        stage=stage,
        periods=tuple(period or ()),
        by=dimensions,
        filters={"domain": domain} if domain else {},
        classification=classification,
    )
    with session_scope(engine_for(database)) as session:
        rows = published(session, cube_query)
        left_out = query_result(session, cube_query).left_out
    records = [row.to_record() for row in rows]
    columns = list(dict.fromkeys(k for r in records for k in r))
    records = [{c: r.get(c) for c in columns} for r in records]
    # What coverage did to the sums: partial datasets named, datasets left out listed (on
    # stderr beside csv/json, so the records stay machine-readable).
    notes = [f"partial: {c}" for c in dict.fromkeys(r.coverage for r in rows if r.coverage)] + [
        f"{o.text} ({', '.join(o.periods)})" for o in left_out
    ]
    if format is OutputFormat.table:
        if not records:
            for note in notes:
                err.print(f"let op: {note}", highlight=False, markup=False)
            raise QueryError("geen waarnemingen voor deze selectie")
        table = Table(*columns)
        for record in records:
            table.add_row(*("" if v is None else _number(v) for v in record.values()))
        out.print(table)
        for note in notes:
            out.print(f"let op: {note}", highlight=False, markup=False)
        return
    for note in notes:
        err.print(f"let op: {note}", highlight=False, markup=False)
    emit(records, format)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def _span(periods: list[str]) -> str:
    if len(periods) <= 2:
        return ", ".join(periods)
    return f"{periods[0]} … {periods[-1]} ({len(periods)})"


@command("classifications")
def classifications_command(
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Toon de classificaties (wat telt als techniek), hun versies en wat elke versie wijzigde."""
    from pijplijn.engine.classify import list_classifications
    from pijplijn.store.db import session_scope

    with session_scope(engine_for(database)) as session:
        summaries = list_classifications(session)
    if format is not OutputFormat.table:
        records = [s.model_dump(mode="json") for s in summaries]
        if format is OutputFormat.csv:
            records = [
                {**r, "added": len(r["added"]), "removed": len(r["removed"])} for r in records
            ]
        emit(records, format)
        return
    for s in summaries:
        out.print(
            styled(
                (f"{s.name}@{s.version}", "bold"),
                f" ({s.title}) geldig vanaf {s.valid_from}: {s.rules} regels. {s.description}",
            )
        )
        out.print(f"  bron: {s.source}", highlight=False)
        for verb, changes in (("+", s.added), ("-", s.removed)):
            for c in changes:
                out.print(
                    f"  {verb} {c.stage or 'alle fasen'}: {c.field} {c.operator} '{c.match}'",
                    highlight=False,
                    markup=False,
                )
