"""``pijplijn labour``: the labour market for a region: technical demand per level, its
coverage by graduates (with interval, the published figure and the check's verdict), and the
technical occupations with the largest replacement demand. It formats ``labour_view``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pijplijn.cli.app import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    command,
    content_pack,
    emit,
    engine_for,
    out,
)
from pijplijn.numbers import format_number

if TYPE_CHECKING:
    from pijplijn.engine.labour.view import LabourView


@command("labour")
def labour_command(
    region: Annotated[
        str | None, typer.Option(help="Regio of regioset (standaard: die van het pakket).")
    ] = None,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
    derive_pack: Annotated[
        Path | None,
        typer.Option(
            "--derive-pack",
            help="Schrijf de pakketkopie van ROA's landelijke tabel per BRC-beroepsgroep "
            "(technische beroepen en totaal) opnieuw uit dit bronbestand; toont verder niets.",
        ),
    ] = None,
) -> None:
    """Toon de arbeidsmarkt: vraag naar technisch opgeleiden per niveau, de dekking door
    gediplomeerden (met interval en methode) en de technische beroepen met de grootste
    vervangingsvraag."""
    if derive_pack is not None:
        _derive_pack(derive_pack)
        return
    from pijplijn.engine.indicators import Catalog
    from pijplijn.engine.labour.view import labour_view
    from pijplijn.store.db import session_scope

    pack = content_pack()
    with session_scope(engine_for(database)) as session:
        view = labour_view(
            session, pack, Catalog(pack.indicators), region or pack.pack.default_region
        )
    if format is OutputFormat.table:
        _table(view)
        return
    emit(_records(view), format)


PACK_TABLE = "roa_ais2030_techniek_brc.csv"
"""The pack's seed file with ROA's national figures per technical beroepsgroep."""


def _derive_pack(source: Path) -> None:
    from pijplijn.ingest.roa import derive_pack_table

    pack = content_pack()
    if pack.labour is None:
        out.print(f"contentpakket {pack.name} heeft geen labour.yaml")
        raise typer.Exit(2)
    try:
        text = derive_pack_table(source, pack.labour.technical_occupations.brc_prefix)
    except (OSError, ValueError) as error:
        out.print(str(error))
        raise typer.Exit(2) from None
    target = pack.root / "seed" / PACK_TABLE
    target.write_text(text, encoding="utf-8")
    out.print(f"{target}: {text.count(chr(10)) - 1} rijen uit {source.name}")


def _records(view: LabourView) -> list[dict[str, Any]]:
    """One record per level group: demand per year, its flag and method, the latest
    coverage with its interval, the published figure and what is missing."""
    records = []
    for c in view.coverage:
        point = c.points[-1] if c.points else None
        records.append(
            {
                "region": view.region,
                "group": c.group,
                "demand_period": c.demand.period,
                "demand_region": c.demand.region,
                "replacement_per_year": c.demand.replacement,
                "expansion_per_year": c.demand.expansion,
                "demand_flag": c.demand.flag,
                "demand_method": c.demand.method,
                "graduates_period": point.period if point else _latest(c, 0),
                "graduates": point.graduates if point else _latest(c, 1),
                "entering_share": c.entering_share,
                "coverage": point.coverage if point else None,
                "coverage_low": point.coverage_low if point else None,
                "coverage_high": point.coverage_high if point else None,
                "published": c.published,
                "missing": "; ".join(c.missing) or None,
                "sources": "; ".join([*c.demand.sources, *c.graduates_source]) or None,
            }
        )
    return records


def _latest(coverage: Any, index: int) -> Any:
    """The latest year with graduates (index 0) or their number (1), demand known or not."""
    latest = coverage.latest_graduates
    return latest[index] if latest else None


def _share(value: float | None) -> str:
    return format_number(value, "share")


def _count(value: float | None) -> str:
    return format_number(value, "count")


def _table(view: LabourView) -> None:
    from rich.table import Table

    out.print(view.headline)
    table = Table(
        "niveau",
        "vraag/jaar",
        "gediplomeerden",
        "dekking [interval]",
        "gepubliceerd",
        "ontbreekt / oordeel",
    )
    verdicts = {str(f.keys.get("level")): f.explanation for f in view.findings}
    for c in view.coverage:
        point = c.points[-1] if c.points else None
        demand = _count(c.demand.total)
        if c.demand.flag == "estimated":
            demand += " (geschat)"
        supply = (point.period, point.graduates) if point else c.latest_graduates
        table.add_row(
            c.title,
            demand,
            f"{_count(supply[1])} ({supply[0]})" if supply else "–",
            f"{_share(point.coverage)} [{_share(point.coverage_low)}–{_share(point.coverage_high)}]"
            if point
            else "niet berekenbaar",
            _share(c.published),
            verdicts.get(c.group) or "; ".join(c.missing) or "–",
        )
    out.print(table)
    for c in view.coverage:
        out.print(f"{c.title}: {c.demand.method}")
    if view.occupations.rows:
        jobs = Table(
            "beroepsgroep", "vervangingsvraag", "uitbreidingsvraag", "knelpunten", "spanning"
        )
        for o in view.occupations.rows:
            jobs.add_row(
                f"{o.name} (BRC {o.code})" if o.name else f"BRC {o.code}",
                _count(o.replacement),
                _count(o.expansion),
                o.bottleneck_label or "–",
                o.tightness_label or "–",
            )
        out.print(f"{view.occupations.title}, Nederland, {view.occupations.period}:")
        out.print(jobs)
    out.print(view.tightness_note)
