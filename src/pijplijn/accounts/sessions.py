"""Signed, expiring session values (itsdangerous). The web layer puts the signed value in an
httpOnly, SameSite=Lax cookie; this module only signs and checks it.

A session carries the user id, a random session id (new at every login, against fixation),
the user's version (a password reset or disable raises it, ending old sessions) and a CSRF
secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION_MAX_AGE = 8 * 3600
"""Seconds a session stays valid after it was signed (a working day)."""
_SALT = "pijplijn-session"


@dataclass(frozen=True)
class SessionData:
    user_id: int
    session_id: str
    user_version: int
    csrf: str


def new_session(user_id: int, user_version: int) -> SessionData:
    """Return a fresh session for a login: new random session id and CSRF secret."""
    return SessionData(
        user_id=user_id,
        session_id=secrets.token_urlsafe(24),
        user_version=user_version,
        csrf=secrets.token_urlsafe(24),
    )


def sign_session(secret_key: str, data: SessionData) -> str:
    """Return the signed, timestamped cookie value of ``data``."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    return serializer.dumps(
        {"u": data.user_id, "s": data.session_id, "v": data.user_version, "c": data.csrf}
    )


def read_session(secret_key: str, value: str, max_age: int = SESSION_MAX_AGE) -> SessionData | None:
    """Return the session in a cookie value, or None when it is forged, malformed or older
    than ``max_age`` seconds."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        data = serializer.loads(value, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    try:
        return SessionData(
            user_id=int(data["u"]),
            session_id=str(data["s"]),
            user_version=int(data["v"]),
            csrf=str(data["c"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def csrf_matches(session: SessionData, submitted: str | None) -> bool:
    """Return True when a form's CSRF token equals the session's (constant-time)."""
    return submitted is not None and secrets.compare_digest(session.csrf, submitted)
