"""``pijplijn import``: load DUO, CBS and partner files, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
    styled,
)

if TYPE_CHECKING:
    from pijplijn.ingest.context import ImportContext
    from pijplijn.store.imports import ImportOutcome

SHOWN_ISSUES = 20


@command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Bestanden om te laden.", show_default=False)],
    kind: Annotated[
        str | None,
        typer.Option(
            help="Soort bestand (anders herkend aan de kopregel); de soorten staan in "
            "docs/importing.md, en een onbekende soort noemt ze."
        ),
    ] = None,
    disclosure: Annotated[
        str | None,
        typer.Option(
            help="Openbaarheid van de dataset: open (door de uitgever zo gepubliceerd, getoond "
            "zoals gepubliceerd) of protected (drempelregel met secundaire onderdrukking). "
            "Anders de standaard van het pakket voor de soort.",
            show_default=False,
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Toon de herkende indeling, de kolomtoewijzing, perioden en rijen; schrijf niets.",
        ),
    ] = False,
    format: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Laad open-data- en partnerbestanden: alles of niets, in één transactie.

    Hetzelfde bestand nogmaals laden verandert niets; een nieuwere uitgave van dezelfde bron
    vervangt de oudere voor de perioden die ze dekt (de oudere blijft als historie)."""
    if explain:
        _explain(files, kind, format)
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from pijplijn.store.imports import check_disclosure, import_files

    check_disclosure(disclosure)
    engine = engine_for(database)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("voorbereiden", total=None)
        outcomes = import_files(
            engine,
            content_pack(),
            files,
            kind,
            progress=lambda phase, path: bar.update(task, description=f"{phase}: {path.name}"),
            disclosure=disclosure,
        )
    if format is OutputFormat.json:
        emit([_record(o) for o in outcomes], format)
    else:
        for outcome in outcomes:
            _print(outcome)
    if not all(o.parsed.report.valid for o in outcomes):
        err.print(
            styled(
                ("fout:", "bold red"),
                " niets geladen: los de fouten hierboven op en probeer opnieuw.",
            )
        )
        raise typer.Exit(2)


def _explain(files: list[Path], kind: str | None, format: OutputFormat) -> None:
    """Print how each file would load; exit 2 when any would not. Opens no database."""
    from pijplijn.errors import PijplijnError
    from pijplijn.ingest.explain import explain

    explanations = []
    for path in files:
        if not path.is_file():
            raise PijplijnError(f"{path}: bestand bestaat niet")
        explanations.append(explain(path, kind, _pack_context()))
    if format is OutputFormat.json:
        emit(
            [
                {
                    "file": e.file,
                    "kind": e.kind,
                    "title": e.title,
                    "mapping": dict(e.mapping),
                    "periods": e.periods,
                    "rows": e.rows,
                    "observations": e.observations,
                    "report": e.report.to_dict() if e.report else None,
                }
                for e in explanations
            ],
            format,
        )
    else:
        for e in explanations:
            for line in e.lines():
                out.print(line)
            for issue in (e.report.issues if e.report else [])[:SHOWN_ISSUES]:
                err.print(f"  fout {issue.message()}")
    if not all(e.report is None or e.report.valid for e in explanations):
        raise typer.Exit(2)


def _pack_context() -> ImportContext:
    """What an explanation may know without a store (ingest/explain.py: reference_context)."""
    from pijplijn.ingest.explain import reference_context

    return reference_context(content_pack())


def _record(outcome: ImportOutcome) -> dict[str, object]:
    load = outcome.load
    return {
        "kind": outcome.kind.name,
        "detected": outcome.detected,
        "suggested_kind": outcome.suggested_kind,
        "report": outcome.parsed.report.to_dict(),
        "dataset_id": load.dataset_id if load else None,
        "status": load.status if load else "not-loaded",
        "disclosure": outcome.parsed.info.disclosure,
        "observations": load.rows if load else 0,
    }


def _print(outcome: ImportOutcome) -> None:
    report = outcome.parsed.report
    how = "herkend als" if outcome.detected else "geladen als"
    out.print(styled((outcome.path.name, "bold"), f": {how} {outcome.kind.name}"))
    if outcome.suggested_kind:
        err.print(
            styled(
                "  ",
                ("fout", "red"),
                f" {outcome.path.name} past niet bij soort {outcome.kind.name}, "
                f"maar lijkt op soort {outcome.suggested_kind}: laat --kind weg of geef "
                f"--kind {outcome.suggested_kind}",
            )
        )
    for issue in report.issues[:SHOWN_ISSUES]:
        err.print(styled("  ", ("fout", "red"), f" {issue.message()}"))
    if len(report.issues) > SHOWN_ISSUES or report.partial:
        err.print(
            f"  … en meer fouten ({len(report.issues)}{'+' if report.partial else ''} in "
            "totaal; --format json toont ze alle)",
            highlight=False,
        )
    for issue in report.warnings[:SHOWN_ISSUES]:
        out.print(styled("  ", ("let op", "yellow"), f" {issue.message()}"))
    if len(report.warnings) > SHOWN_ISSUES:
        out.print(
            f"  … en nog {len(report.warnings) - SHOWN_ISSUES} bevindingen (--format json)",
            highlight=False,
        )
    load = outcome.load
    if load is None:
        return
    if load.status == "unchanged":
        out.print(f"  al geladen als dataset {load.dataset_id}: niets veranderd", highlight=False)
        return
    policy = outcome.parsed.info.disclosure
    if load.status == "reclassified":
        out.print(
            f"  al geladen als dataset {load.dataset_id}: openbaarheid nu {policy}",
            highlight=False,
        )
        return
    extra = [
        f"{len(outcome.parsed.regions)} regio's",
        f"{len(outcome.parsed.code_labels)} codes",
        f"{len(outcome.parsed.institutions)} instellingen",
    ]
    listed = ", ".join(e for e in extra if not e.startswith("0 "))
    out.print(
        f"  {load.rows} waarnemingen{' en ' + listed if listed else ''} geladen als dataset "
        f"{load.dataset_id} ({policy})"
        + (
            f"; vervangt dataset {', '.join(map(str, load.superseded))} voor de "
            "overlappende perioden"
            if load.superseded
            else ""
        ),
        highlight=False,
    )
