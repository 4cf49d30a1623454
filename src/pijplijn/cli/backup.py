"""``pijplijn backup FILE`` and ``pijplijn restore FILE``: the whole store as one zip."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pijplijn.cli.app import DatabaseOption, command, engine_for, out


@command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Het zip-bestand dat wordt geschreven.")],
    database: DatabaseOption = None,
) -> None:
    """Schrijf de hele database (met audittrail) naar één zip-bestand."""
    from pijplijn.store.backup import backup as write_backup

    result = write_backup(engine_for(database), file)
    out.print(
        f"Back-up {file} geschreven: {sum(result.tables.values())} rijen in "
        f"{len(result.tables)} tabellen (schemarevisie {result.revision}). Alleen leesbaar "
        "voor u (modus 0600): het bevat wachtwoord- en tokenhashes en inlogadressen."
    )


@command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="Een zip-bestand van 'pijplijn backup'.")],
    force: Annotated[
        bool, typer.Option("--force", help="Vervang de gegevens van een niet-lege database.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Zet een back-up terug, alles of niets. Weigert een back-up van een andere
    schemarevisie en een database met gegevens (tenzij --force)."""
    from pijplijn.store.backup import restore as read_backup
    from pijplijn.store.db import schema_revision, upgrade

    engine = engine_for(database, need_schema=False)
    if schema_revision(engine) is None:
        upgrade(engine)
    result = read_backup(engine, file, force=force)
    out.print(
        f"Back-up {file} teruggezet: {sum(result.tables.values())} rijen in "
        f"{len(result.tables)} tabellen (schemarevisie {result.revision})."
    )
