"""Rights decisions as small pure functions: who may do what to which resource.

The table (docs/accounts.md):

============  ========================================================================
beheerder     everything
redacteur     read the register; create, edit, archive and bulk-upload participation of
              its own organisation; manage its own API tokens
lezer         read the register; manage its own API tokens
(anonymous)   nothing of the register (the public monitor pages are not register data)
============  ========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ROLES: tuple[str, ...] = ("beheerder", "redacteur", "lezer")

Role = Literal["beheerder", "redacteur", "lezer"]
Action = Literal["read", "create", "edit", "archive", "restore", "revert", "upload", "manage"]
ResourceKind = Literal[
    "organisation",
    "project",
    "participation",
    "dataset",
    "user",
    "audit",
    "token",
    "scenario",
    "goal",
]


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (``user_id``) with a role, or the system (the CLI, the seed)."""

    label: str
    """The e-mail address, or ``cli`` / ``seed``; written into the audit trail."""
    role: Role
    user_id: int | None = None
    organisation_id: int | None = None
    """The organisation a redacteur edits for."""


SYSTEM = Actor(label="cli", role="beheerder")
"""The command line: whoever runs it owns the store."""

SEED = Actor(label="seed", role="beheerder")


@dataclass(frozen=True)
class Resource:
    """What an action is on: a kind, and for participation and tokens, whose it is."""

    kind: ResourceKind
    organisation_id: int | None = None
    """The organisation of a participation record (or of an upload's records)."""
    owner_user_id: int | None = None
    """The user an API token belongs to."""


REGISTER_READABLE: frozenset[str] = frozenset({"organisation", "project", "participation"})
PARTICIPATION_EDITS: frozenset[str] = frozenset({"create", "edit", "archive", "upload"})


def can(actor: Actor | None, action: Action, resource: Resource) -> bool:
    """Return True when ``actor`` may do ``action`` on ``resource``; None is anonymous."""
    if actor is None:
        return False
    if actor.role == "beheerder":
        return True
    if resource.kind == "token":
        return actor.user_id is not None and resource.owner_user_id == actor.user_id
    if resource.kind == "scenario":
        # Scenarios are public to read; saving a new name is for the partners' editors and
        # the programme office. A new version of a saved name only for the organisation
        # that owns it (``organisation_id``): nobody runs an intruder's version by name.
        if actor.role != "redacteur":
            return False
        if action == "create":
            return True
        return (
            action == "edit"
            and actor.organisation_id is not None
            and resource.organisation_id == actor.organisation_id
        )
    if action == "read":
        return resource.kind in REGISTER_READABLE
    if actor.role == "redacteur":
        return redacteur_may_edit(actor, action, resource)
    return False


def redacteur_may_edit(actor: Actor, action: Action, resource: Resource) -> bool:
    """Return True when a redacteur may make this change: participation of its own
    organisation only, never restore from the archive or revert from the audit trail."""
    return (
        resource.kind == "participation"
        and action in PARTICIPATION_EDITS
        and actor.organisation_id is not None
        and resource.organisation_id == actor.organisation_id
    )
