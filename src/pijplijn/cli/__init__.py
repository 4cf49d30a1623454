"""The command-line interface. Each module registers its commands on ``app``."""

from pijplijn.cli import data, imports, serve, update  # noqa: F401  (registers the commands)
from pijplijn.cli.app import app


def main() -> None:
    """Run the ``pijplijn`` command."""
    app()
