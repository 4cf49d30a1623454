"""Settings from the environment (prefix ``PIJPLIJN_``) with embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_path() -> Path:
    """Return the SQLite file used when no database is configured."""
    return Path(platformdirs.user_data_dir("pijplijn", appauthor=False)) / "pijplijn.db"


def default_database_url() -> str:
    """Return the SQLAlchemy URL of the embedded default database, creating its folder so
    that the first start on a new machine just works."""
    path = default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def data_directory() -> Path:
    """Return the user data folder that holds the default SQLite file, the generated secret
    key and pending uploads."""
    return default_database_path().parent


def stored_secret_key(folder: Path | None = None) -> str:
    """Return the secret key kept in ``folder`` (default: the data folder), generating it on
    first use: 256 random bits in a file ``secret_key`` readable by its owner only (0600).
    Every worker of one installation reads the same file, so sessions work across workers."""
    folder = folder or data_directory()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    try:
        # O_EXCL: when two workers start at once, one creates the file and both read it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32))
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise ValueError(f"{path}: de geheime sleutel is te kort (minstens 32 tekens)")
    return key


class Settings(BaseSettings):
    """pijplijn's settings. Each field can be set as ``PIJPLIJN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="PIJPLIJN_", extra="ignore")

    database_url: str | None = None
    """SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``. Default: a SQLite file
    in the user data directory."""

    content_pack: str = "twente"
    """The content pack (region) whose catalog, goals and seed figures are used: a folder
    with ``pack.yaml`` anywhere, or a pack name declared in entry-point group
    ``pijplijn.packs`` (docs/content-packs.md)."""

    sources_file: Path | None = None
    """The list of sources ``pijplijn update`` downloads; default: the content pack's
    ``sources.yaml``."""

    demo_extract: bool = True
    """Whether ``pijplijn init --demo`` and the first start of ``pijplijn serve`` load the
    pack's extract of the open data (DUO and CBS figures for the region, the province and
    the Netherlands) with the seed figures. ``PIJPLIJN_DEMO_EXTRACT=0``: the seed figures
    only (the test suite's demo fixtures use that, to stay fast)."""

    disclosure_threshold: int = Field(default=5, ge=0, le=1000)
    """For protected datasets, public outputs never show a count of persons or organisations
    above 0 and below this number, nor a figure that would give one away; open datasets are
    shown as published (docs/disclosure.md). 0 turns it off."""

    secret_key: str | None = None
    """The key that signs session cookies (at least 32 characters). Default: generated once
    into ``secret_key`` (mode 0600) in the data folder, next to the default SQLite file."""

    session_max_age: int = 8 * 3600
    """Seconds a login session stays valid."""

    upload_max_bytes: int = 50 * 1024 * 1024
    """The largest upload accepted (the whole request body), in bytes; more gives 413."""

    upload_csv_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    """The largest text (CSV) upload that is parsed, in bytes: the parsers read a file
    whole, so a larger one is refused before parsing (the largest real source file is
    about 4 MB)."""

    upload_csv_max_rows: int = Field(default=500_000, gt=0)
    """Lines a text (CSV) upload may have; more is refused before parsing."""

    upload_csv_max_columns: int = Field(default=500, gt=0)
    """Fields on any line of a text (CSV) upload; more is refused before parsing."""

    upload_scan_seconds: float = Field(default=5.0, gt=0)
    """Seconds the scan of a text (CSV) upload may take before parsing; a file that
    needs longer is refused."""

    upload_dir: Path | None = None
    """Where uploaded files wait for their confirmation; default: ``uploads`` in the data
    folder. Keep it private: files there are not yet validated."""

    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    """The most memory the engine's result cache takes in each process, in bytes (an
    estimate of each result's size); the least recently used results go first."""

    cache_max_stale: float = Field(default=30.0, ge=0)
    """Seconds a cached result may still be served after the data changed, while one
    request per worker computes the new one (stale-while-revalidate); 0: never stale."""

    db_pool_timeout: float = Field(default=5.0, gt=0)
    """Seconds a web request waits for a free database connection; then it gets 503 with
    ``Retry-After`` instead of waiting in line."""

    sqlite_busy_timeout: float = Field(default=30.0, ge=0)
    """Seconds a SQLite writer waits for another writer's lock; then the command stops
    with one line and exit status 2."""

    request_body_timeout: float = Field(default=30.0, gt=0)
    """Seconds a client gets to send a whole request body; a slower one gets 408 and the
    connection is closed (``pijplijn serve --timeout-body``)."""

    request_header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a connection gets to send a whole request head (request line and headers),
    counted from when it opens or from its previous response; a slower one (slowloris) gets
    408 and is closed (``pijplijn serve --timeout-headers``)."""

    login_slots: int = Field(default=2, ge=1)
    """Login posts each worker handles at once (as many as there are argon2 slots); more
    wait on the event loop, holding no thread, so a flood of logins cannot fill the
    thread pool that serves every page."""

    login_wait: float = Field(default=3.0, gt=0)
    """Seconds a login post waits for one of ``login_slots``; then 429 with
    ``Retry-After`` (no password was checked)."""

    def resolved_secret_key(self) -> str:
        """Return the configured secret key, or the one stored in the data folder."""
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ValueError("PIJPLIJN_SECRET_KEY is te kort: minstens 32 tekens")
            return self.secret_key
        return stored_secret_key()

    def resolved_upload_dir(self) -> Path:
        """Return the folder for pending uploads, created with mode 0700."""
        folder = self.upload_dir or data_directory() / "uploads"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    def resolved_database_url(self, override: str | None = None) -> str:
        """Return the URL to use: the ``--database`` option, the setting, or the default."""
        return override or self.database_url or default_database_url()
