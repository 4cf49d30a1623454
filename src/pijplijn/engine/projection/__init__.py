"""Projection: a cohort-flow (Markov) model of the pipeline, scenarios, backtests and the gap.

The functions the outputs call (each returns a pydantic model from ``results``):

- ``prepare(session, content, region)`` → ``Prepared``: read and estimate once;
- ``run(prepared, horizon=, scenario=, draws=, seed=)`` → ``Projection``: fast, for sliders;
- ``project(session, content, region, ...)`` → ``Projection``: both at once;
- ``compare(prepared, a, b, ...)`` → ``Comparison``: B minus A on the same draws;
- ``backtest.backtest(session, content, regions, ...)`` → ``BacktestReport``;
- ``scenario.find / save / list_scenarios / validate``: scenarios by name, saved versions.

See docs/projection.md for the model, its estimation and its limits.
"""

from pijplijn.engine.projection.model import ProjectionError
from pijplijn.engine.projection.project import Prepared, compare, prepare, project, run

__all__ = ["Prepared", "ProjectionError", "compare", "prepare", "project", "run"]
