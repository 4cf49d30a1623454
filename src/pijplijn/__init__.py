"""pijplijn: open monitor and steering tool for a regional technical talent pact."""

from __future__ import annotations

import functools


@functools.cache
def _version() -> str:
    # importlib.metadata pulls in email, zipfile and csv (tens of milliseconds): every
    # command would pay for it at start-up, while only --version, the web app, the report
    # and the exports show the version.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pijplijn")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    """``pijplijn.__version__``, read from the installed package's metadata on first use."""
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
