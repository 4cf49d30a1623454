"""The command-line interface. Each module registers its commands on ``app``."""

from pijplijn.cli import (  # noqa: F401  (each module registers its commands)
    backup,
    data,
    export,
    extract,
    factsheet,
    imports,
    indicators,
    labour,
    labour_regions,
    pack,
    projection,
    report,
    serve,
    shapes,
    update,
    users,
)
from pijplijn.cli.app import app


def main() -> None:
    """Run the ``pijplijn`` command."""
    app()
