"""pijplijn: open monitor and steering tool for a regional technical talent pact."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pijplijn")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
