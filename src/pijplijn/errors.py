"""Errors that reach the user as one clear line, never as a traceback."""


class PijplijnError(Exception):
    """A problem the user can fix: bad input, a bad setting, an unreachable database.

    The CLI prints the message on one line and exits with status 2.
    """

    exit_code = 2


class DatabaseError(PijplijnError):
    """The database cannot be reached or has no usable schema."""


class QueryError(PijplijnError):
    """A cube query names an unknown measure, dimension, region or value."""


class ContentError(PijplijnError):
    """A content pack file is malformed; the message names the file and the key."""
