"""Settings from the environment (prefix ``PIJPLIJN_``) with embedded defaults."""

from __future__ import annotations

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


class Settings(BaseSettings):
    """pijplijn's settings. Each field can be set as ``PIJPLIJN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="PIJPLIJN_", extra="ignore")

    database_url: str | None = None
    """SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``. Default: a SQLite file
    in the user data directory."""

    content_pack: str = "twente"
    """The content pack (region) whose catalog, goals and seed figures are used."""

    sources_file: Path | None = None
    """The list of sources ``pijplijn update`` downloads; default: the content pack's
    ``sources.yaml``."""

    disclosure_threshold: int = Field(default=5, ge=0, le=1000)
    """Public outputs never show a count of persons or organisations above 0 and below this
    number, nor a figure that would give one away (docs/disclosure.md). 0 turns it off."""

    def resolved_database_url(self, override: str | None = None) -> str:
        """Return the URL to use: the ``--database`` option, the setting, or the default."""
        return override or self.database_url or default_database_url()
