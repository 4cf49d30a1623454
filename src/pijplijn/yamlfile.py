"""Reading YAML with libyaml's C parser when PyYAML was built with it (about ten times faster
than the pure-Python parser: the content pack is read by every command), else the Python one.

Both are safe loaders: they build plain lists, dicts, strings and numbers, never objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    # The C loader has the same interface, but is not a subclass of the Python one.
    SafeLoader = yaml.SafeLoader
else:
    SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    """The fastest safe loader available (``yaml.CSafeLoader``, else ``yaml.SafeLoader``)."""


def safe_load(text: str, loader: type[SafeLoader] = SafeLoader) -> Any:
    """Return the data of one YAML document (``yaml.safe_load``, on the fast loader)."""
    return yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)


def compose(text: str, loader: type[SafeLoader] = SafeLoader) -> yaml.Node | None:
    """Return the node tree of one YAML document, with the line of every node."""
    return yaml.compose(text, Loader=loader)
