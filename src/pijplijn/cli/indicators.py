"""Commands for indicators, goals and checks (issue 4)."""
