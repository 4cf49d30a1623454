"""Request-scoped dependencies: a database session in one transaction, the content pack and
its indicator catalogue."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack, load_pack
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.settings import Settings
from pijplijn.store.db import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session, in one transaction, on the app's database."""
    with session_scope(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Closed (and its connection back in the pool) as soon as the handler returns, not after
the response is sent: a slow client never holds a database connection."""


def content(request: Request) -> ContentPack:
    """The app's content pack (parsed once per process)."""
    settings: Settings = request.app.state.settings
    return load_pack(settings.content_pack)


def catalog(pack: Annotated[ContentPack, Depends(content)]) -> Catalog:
    """The pack's indicator catalogue (built once per pack)."""
    return _catalog(pack.name)


@functools.cache
def _catalog(pack_name: str) -> Catalog:
    return Catalog(load_pack(pack_name).indicators)


PackDep = Annotated[ContentPack, Depends(content)]
CatalogDep = Annotated[Catalog, Depends(catalog)]
