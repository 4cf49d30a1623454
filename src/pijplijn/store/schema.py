"""The complete schema: every model module, so that Alembic and the tests see all tables."""

from pijplijn.store import goal_models, models, scenario_models  # noqa: F401

metadata = models.Base.metadata
