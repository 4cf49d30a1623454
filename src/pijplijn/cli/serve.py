"""``pijplijn serve``: the web app on Uvicorn, filling the embedded default on first start."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from pijplijn.cli.app import DatabaseOption, command, content_pack, engine_for, out, settings


@command()
def serve(
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Aantal Uvicorn-workers.", min=1)] = 1,
    database: DatabaseOption = None,
) -> None:
    """Start de monitor in de browser (standaard http://127.0.0.1:8000).

    Op een lege standaarddatabase laadt hij eerst de Twentse demodata (init --demo)."""
    import uvicorn

    from pijplijn.store.db import require_schema, schema_revision
    from pijplijn.store.setup import has_data, initialise

    url = settings().resolved_database_url(database)
    engine = engine_for(url, need_schema=False)
    embedded = database is None and settings().database_url is None
    if embedded and (schema_revision(engine) is None or not has_data(engine)):
        out.print("Lege standaarddatabase: demodata laden (pijplijn init --demo)…")
        initialise(engine, content_pack(), demo=True)
    require_schema(engine)
    engine.dispose()
    # Workers read the URL from the environment: the app keeps no state of its own.
    os.environ["PIJPLIJN_DATABASE_URL"] = url
    out.print(f"pijplijn draait op http://{host}:{port}/ (stoppen met Ctrl+C)")
    uvicorn.run(
        "pijplijn.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
