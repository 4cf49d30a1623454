"""Request-scoped dependencies: a database session in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pijplijn.store.db import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session, in one transaction, on the app's database."""
    with session_scope(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
