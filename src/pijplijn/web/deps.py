"""Request-scoped dependencies: a database session in one transaction, the content pack and
its indicator catalogue."""

from __future__ import annotations

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


SessionDep = Annotated[Session, Depends(get_session)]


def content() -> ContentPack:
    """The configured content pack (parsed once per process)."""
    return load_pack(Settings().content_pack)


def catalog() -> Catalog:
    """The pack's indicator catalogue."""
    return Catalog(content().indicators)


PackDep = Annotated[ContentPack, Depends(content)]
CatalogDep = Annotated[Catalog, Depends(catalog)]
