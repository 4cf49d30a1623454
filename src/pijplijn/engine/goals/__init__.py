"""Goals: status, trend projection and partner shares, computed from the measurements."""

from pijplijn.engine.goals.scorecard import GoalStatus, Scorecard, scorecard, stored_goals

__all__ = ["GoalStatus", "Scorecard", "scorecard", "stored_goals"]
