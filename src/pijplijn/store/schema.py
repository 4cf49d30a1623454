"""The complete schema: every model module, so that Alembic and the tests see all tables."""

from pijplijn.store import (  # noqa: F401
    account_models,
    goal_models,
    models,
    register_models,
    scenario_models,
)

metadata = models.Base.metadata
