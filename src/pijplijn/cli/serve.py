"""``pijplijn serve``: the web app on Uvicorn, filling the embedded default on first start."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from pijplijn.cli.app import DatabaseOption, command, content_pack, engine_for, out, settings

APP = "pijplijn.web.app:create_app"
PROTOCOL = "pijplijn.web.limits:HeaderTimeoutProtocol"
"""Uvicorn's h11 protocol with a deadline on the request head (slowloris)."""


def uvicorn_command(
    host: str,
    port: int,
    workers: int,
    timeout_worker_healthcheck: int,
    timeout_keep_alive: int,
    proxy_headers: bool,
    forwarded_allow_ips: str,
) -> list[str]:
    """The command line that runs the app: ``python -m uvicorn``, so that each worker
    (spawned, it re-imports its parent's main module) imports Uvicorn and the web app only,
    not this CLI. Forwarded headers are trusted only when asked for, and then only from
    the listed proxies: by default no client can set its address with X-Forwarded-For."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        APP,
        "--factory",
        "--http",
        PROTOCOL,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout-worker-healthcheck",
        str(timeout_worker_healthcheck),
        "--timeout-keep-alive",
        str(timeout_keep_alive),
        "--proxy-headers" if proxy_headers else "--no-proxy-headers",
        "--forwarded-allow-ips",
        forwarded_allow_ips if proxy_headers else "",
        "--log-level",
        "info",
    ]


@command()
def serve(
    host: Annotated[str, typer.Option(help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Aantal Uvicorn-workers.", min=1)] = 1,
    timeout_worker_healthcheck: Annotated[
        int,
        typer.Option(help="Seconden die een worker krijgt om te starten en te antwoorden.", min=1),
    ] = 60,
    timeout_keep_alive: Annotated[
        int, typer.Option(help="Seconden dat een stille keep-alive-verbinding openblijft.", min=1)
    ] = 5,
    timeout_headers: Annotated[
        float,
        typer.Option(
            help="Seconden om de kop van een verzoek te ontvangen (dan 408 en dicht).", min=1
        ),
    ] = 10.0,
    timeout_body: Annotated[
        float,
        typer.Option(
            help="Seconden om de hele body van een verzoek te ontvangen (dan 408).", min=1
        ),
    ] = 30.0,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            help="Vertrouw X-Forwarded-For/-Proto van de proxy's in --forwarded-allow-ips."
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(help="Komma-gescheiden adressen van vertrouwde proxy's (standaard: geen)."),
    ] = "",
    database: DatabaseOption = None,
) -> None:
    """Start de monitor in de browser (standaard http://127.0.0.1:8000).

    Op een lege standaarddatabase laadt hij eerst de demodata van het contentpakket en het
    uittreksel van de open data (init --demo)."""

    from pijplijn.store.db import require_schema, schema_revision
    from pijplijn.store.setup import has_data, initialise

    url = settings().resolved_database_url(database)
    engine = engine_for(url, need_schema=False)
    embedded = database is None and settings().database_url is None
    if embedded and (schema_revision(engine) is None or not has_data(engine)):
        extract = settings().demo_extract
        what = "demodata en uittreksel van de open data" if extract else "demodata"
        out.print(f"Lege standaarddatabase: {what} laden (pijplijn init --demo)…")
        initialise(engine, content_pack(), demo=True, extract=extract)
    require_schema(engine)
    engine.dispose()
    # Workers read the URL from the environment: the app keeps no state of its own.
    os.environ["PIJPLIJN_DATABASE_URL"] = url
    os.environ["PIJPLIJN_REQUEST_BODY_TIMEOUT"] = str(timeout_body)
    os.environ["PIJPLIJN_REQUEST_HEADER_TIMEOUT"] = str(timeout_headers)
    out.print(f"pijplijn draait op http://{host}:{port}/ (stoppen met Ctrl+C)")
    sys.stdout.flush()
    argv = uvicorn_command(
        host,
        port,
        workers,
        timeout_worker_healthcheck,
        timeout_keep_alive,
        proxy_headers,
        forwarded_allow_ips,
    )
    os.execv(argv[0], argv)
