"""Errors of the register services; each reaches the user as one clear line."""

from __future__ import annotations

from dataclasses import dataclass

from pijplijn.errors import PijplijnError


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field of an input: its name, the value given and what was expected."""

    field: str
    message: str


class InputError(PijplijnError):
    """An input does not validate; ``problems`` names each field (for forms)."""

    def __init__(self, entity: str, problems: list[FieldProblem]) -> None:
        self.entity = entity
        self.problems = problems
        first = problems[0]
        more = f" (en nog {len(problems) - 1} andere)" if len(problems) > 1 else ""
        super().__init__(f"{entity}: veld '{first.field}': {first.message}{more}")


class NotFoundError(PijplijnError):
    """The record does not exist (or is archived where an active one is needed)."""


class ConflictError(PijplijnError):
    """The record changed since the version the edit was based on: nothing was written."""

    def __init__(self, entity: str, entity_id: int | str, expected: int, current: int) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"{entity} {entity_id} is intussen door iemand anders gewijzigd (versie {current}, "
            f"uw wijziging ging uit van versie {expected}); er is niets opgeslagen: laad het "
            "record opnieuw en breng uw wijziging opnieuw aan"
        )


class ForbiddenError(PijplijnError):
    """The actor may not do this (the rights table in docs/accounts.md)."""
