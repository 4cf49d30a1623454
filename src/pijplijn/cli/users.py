"""``pijplijn users add|list|disable|enable|reset-password``: accounts from the command line.

Passwords come from a hidden prompt (asked twice) or, for scripts, from ``--password-stdin``;
they are never echoed or taken as an argument."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from pijplijn.accounts.rights import ROLES, SYSTEM
from pijplijn.cli.app import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    app,
    emit,
    engine_for,
    guard,
    out,
)

users_app = typer.Typer(
    name="users", help="Gebruikers en rollen (beheerder, redacteur, lezer).", no_args_is_help=True
)
app.add_typer(users_app)

_Command = TypeVar("_Command", bound=Callable[..., Any])

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Lees het wachtwoord van stdin (eerste regel)."),
]


def users_command(name: str) -> Callable[[_Command], _Command]:
    """Register a ``users`` subcommand whose PijplijnErrors become one line and exit 2."""

    def register(function: _Command) -> _Command:
        users_app.command(name)(guard(function))
        return function

    return register


def read_password(from_stdin: bool) -> str:
    """Return a new password from stdin's first line or a hidden, confirmed prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    return password


@users_command("add")
def add(
    email: Annotated[str, typer.Argument(help="E-mailadres (de inlognaam).")],
    role: Annotated[str, typer.Option("--role", help=f"Rol: {', '.join(ROLES)}.")] = "lezer",
    name: Annotated[str, typer.Option("--name", help="Naam.")] = "",
    organisation: Annotated[
        int | None, typer.Option("--organisation", help="Organisatie-id (voor een redacteur).")
    ] = None,
    password_stdin: PasswordStdin = False,
    database: DatabaseOption = None,
) -> None:
    """Maak een gebruiker aan."""
    from pijplijn.accounts.users import create_user
    from pijplijn.store.db import session_scope

    engine = engine_for(database)
    password = read_password(password_stdin)
    with session_scope(engine) as session:
        user = create_user(session, SYSTEM, email, password, role, name, organisation)
        out.print(f"Gebruiker {user.email} ({user.role}) aangemaakt, id {user.id}.")


@users_command("list")
def list_command(
    format: FormatOption = OutputFormat.table, database: DatabaseOption = None
) -> None:
    """Toon alle gebruikers (nooit hun wachtwoord)."""
    from pijplijn.accounts.users import list_users
    from pijplijn.store.db import session_scope

    engine = engine_for(database)
    with session_scope(engine) as session:
        records: list[dict[str, Any]] = [
            {
                "id": u.id,
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "organisation_id": u.organisation_id,
                "disabled": u.disabled,
                "last_login_at": u.last_login_at,
            }
            for u in list_users(session)
        ]
    if format is not OutputFormat.table:
        emit(records, format)
        return
    table = Table("id", "e-mail", "naam", "rol", "organisatie", "status")
    for r in records:
        status = "geblokkeerd" if r["disabled"] else "actief"
        org = "" if r["organisation_id"] is None else str(r["organisation_id"])
        table.add_row(str(r["id"]), str(r["email"]), str(r["name"]), str(r["role"]), org, status)
    out.print(table)


@users_command("disable")
def disable(email: str, database: DatabaseOption = None) -> None:
    """Blokkeer een gebruiker: inloggen en API-tokens werken niet meer, sessies vervallen."""
    from pijplijn.accounts.users import find_user, set_disabled
    from pijplijn.store.db import session_scope

    engine = engine_for(database)
    with session_scope(engine) as session:
        user = set_disabled(session, SYSTEM, find_user(session, email), True)
        out.print(f"Gebruiker {user.email} geblokkeerd.")


@users_command("enable")
def enable(email: str, database: DatabaseOption = None) -> None:
    """Deblokkeer een gebruiker."""
    from pijplijn.accounts.users import find_user, set_disabled
    from pijplijn.store.db import session_scope

    engine = engine_for(database)
    with session_scope(engine) as session:
        user = set_disabled(session, SYSTEM, find_user(session, email), False)
        out.print(f"Gebruiker {user.email} gedeblokkeerd.")


@users_command("reset-password")
def reset(
    email: str, password_stdin: PasswordStdin = False, database: DatabaseOption = None
) -> None:
    """Geef een gebruiker een nieuw wachtwoord; lopende sessies vervallen."""
    from pijplijn.accounts.users import find_user, reset_password
    from pijplijn.store.db import session_scope

    engine = engine_for(database)
    password = read_password(password_stdin)
    with session_scope(engine) as session:
        user = reset_password(session, SYSTEM, find_user(session, email), password)
        out.print(f"Wachtwoord van {user.email} gewijzigd.")
