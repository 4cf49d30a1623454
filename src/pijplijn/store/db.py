"""Opening the database and bringing its schema up to date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Engine,
    column,
    create_engine,
    event,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pijplijn.errors import DatabaseError
from pijplijn.store.models import DataState

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def open_engine(
    url: str, *, busy_timeout: float = 30.0, pool_timeout: float = 30.0, pool_size: int = 5
) -> Engine:
    """Return an engine for ``url`` after checking that the database answers.

    ``busy_timeout``: seconds a SQLite statement waits for another writer's lock before
    "database is locked" (WAL mode lets readers go on meanwhile). ``pool_timeout``: seconds
    a caller waits for a free pooled connection before ``sqlalchemy.exc.TimeoutError``.
    ``pool_size``: connections kept open for reuse (as many again, at least 10, may be
    opened on top of them, and are closed when given back).

    Raises DatabaseError with a one-line explanation when the URL is malformed, the
    driver is unknown or the server cannot be reached.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"ongeldige database-URL '{url}'; verwacht bijvoorbeeld sqlite:///pad/naar/pijplijn.db "
            "of postgresql+psycopg://gebruiker@host:5432/database"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise DatabaseError(f"de map '{folder}' voor de SQLite-database bestaat niet")
    options: dict[str, Any] = {"pool_timeout": pool_timeout}
    if parsed.get_backend_name() != "sqlite" or parsed.database not in (None, "", ":memory:"):
        # A queue pool (an in-memory SQLite database has a pool of its own kind).
        options |= {"pool_size": pool_size, "max_overflow": max(10, pool_size)}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": busy_timeout}
    try:
        engine = create_engine(url, future=True, **options)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise DatabaseError(
            f"database-URL '{url}' noemt een onbekend databasetype of stuurprogramma ({exc}); "
            "gebruik sqlite:/// of postgresql+psycopg://"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"kan de database {parsed.render_as_string(hide_password=True)} niet bereiken: {reason}"
        ) from None
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _alembic_config() -> Config:
    # Alembic is imported only to migrate: every other command checks the schema revision
    # with the two cheap reads below, without paying ~0.1 s to import it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


_REVISION = re.compile(r"^(down_revision|revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def head_revision() -> str:
    """Return the newest migration's revision: the schema this version of pijplijn needs.

    Read from the ``revision``/``down_revision`` lines of the migration files (the revision
    no other names as its parent); when that does not give exactly one head, Alembic decides
    (tests/test_cli_startup.py checks that both agree)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = {m.group(1): m.group(2) for m in _REVISION.finditer(text)}
        revision = _QUOTED.findall(found.get("revision", ""))
        if len(revision) != 1:
            return alembic_head_revision()
        revisions.add(revision[0])
        parents.update(_QUOTED.findall(found.get("down_revision", "")))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else alembic_head_revision()


def alembic_head_revision() -> str:
    """Return the head revision as Alembic's script directory computes it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest migration; return (revision before, revision after).

    Running it on an up-to-date database changes nothing.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = _alembic_config()
    head = head_revision()
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head


def schema_revision(engine: Engine) -> str | None:
    """Return the schema's migration revision, or None when the database has no schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        version = table("alembic_version", column("version_num"))
        rows = list(connection.execute(select(version.c.version_num)).scalars())
        if len(rows) > 1:  # several heads: let Alembic say what is wrong
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(connection).get_current_revision()
        return rows[0] if rows else None


def require_schema(engine: Engine) -> None:
    """Raise DatabaseError unless the schema is at the newest migration."""
    head = head_revision()
    current = schema_revision(engine)
    if current is None:
        raise DatabaseError("de database heeft nog geen schema; voer eerst 'pijplijn init' uit")
    if current != head:
        raise DatabaseError(
            f"het databaseschema ({current}) is ouder dan deze versie van pijplijn ({head}); "
            "voer 'pijplijn init' uit om het bij te werken"
        )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session in one transaction: committed on success, rolled back on any error.

    SQLite's "database is locked" (another writer held the lock for the whole busy
    timeout) becomes one DatabaseError line, never a traceback."""
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        with factory() as session, session.begin():
            yield session
    except OperationalError as exc:
        if not _is_locked(exc):
            raise
        raise DatabaseError(LOCKED) from None


LOCKED = (
    "de database is bezet: een ander proces (een andere import?) schrijft erin; er is niets "
    "opgeslagen, probeer het opnieuw als dat klaar is"
)


def _is_locked(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)


@event.listens_for(Session, "before_flush")
def _note_write(session: Session, _context: Any, _instances: Any) -> None:
    # Account bookkeeping (login attempts, last login, tokens; models marked
    # ``__not_data__``) changes no figure: it must not raise the data version, or every login
    # would empty the caches.
    changed = [*session.new, *session.dirty, *session.deleted]
    for item in changed:
        if getattr(type(item), "__not_data__", False):
            continue
        # The partner register has a version of its own: an edit there must not empty the
        # cached DUO/CBS figures of every worker.
        register = type(item).__module__ == "pijplijn.store.register_models"
        session.info["wrote_register" if register else "wrote"] = True


@event.listens_for(Session, "before_commit")
def _raise_data_version(session: Session) -> None:
    # Every transaction that wrote through the ORM (an import creates a Dataset row; init
    # merges regions and classifications; goals and edits are ORM objects) raises the data
    # version in the same transaction, so no cache can outlive the data it was built from.
    session.flush()
    data, register = session.info.pop("wrote", False), session.info.pop("wrote_register", False)
    if (data or register) and inspect(session.connection()).has_table("data_state"):
        values: dict[str, Any] = {}
        if data:
            values["version"] = DataState.version + 1
        if register:
            values["register_version"] = DataState.register_version + 1
        session.execute(update(DataState).where(DataState.id == 1).values(**values))


def refresh_statistics(engine: Engine) -> bool:
    """Refresh the query planner's statistics of the observation table (``ANALYZE``), after
    an import changed it. Without them SQLite does not know which index narrows a query
    most, and an indicator per gemeente scans a whole measure: the cold annual report took
    6.8 s instead of 4.3 s. About 0.1 s for half a million observations. Returns whether
    the statistics were refreshed."""
    # After the import's commit: the data are saved, so a failure here (another writer holds
    # the lock) only leaves the old statistics, and never turns the import into an error.
    try:
        with engine.begin() as connection:
            if engine.dialect.name != "sqlite":
                connection.execute(text("ANALYZE observation"))
                return True
            # Wait briefly only: the statistics can be refreshed by the next import.
            before = connection.execute(text("PRAGMA busy_timeout")).scalar()
            connection.execute(text("PRAGMA busy_timeout = 2000"))
            try:
                connection.execute(text("ANALYZE observation"))
            finally:
                connection.execute(text(f"PRAGMA busy_timeout = {int(before or 0)}"))
    except OperationalError:
        return False
    return True
