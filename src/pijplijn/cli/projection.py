"""Commands for projections, scenarios and backtests (issue 5)."""
