"""The source kinds ``pijplijn import`` knows, and detection of a file's kind from its header.

Each source-format module declares one or more ``SourceKind``s; this registry lists them
explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pijplijn.ingest.context import ImportContext
from pijplijn.ingest.records import ParsedSource


@dataclass(frozen=True)
class SourceKind:
    """A source format: its name, how to recognise it, and its parser."""

    name: str
    description: str
    parse: Callable[[Path, ImportContext], ParsedSource]
    matches: Callable[[list[str], str], bool]
    """True when a header (the column names, stripped, as in the file) and file name are of
    this kind. The file name only breaks ties between kinds with the same header."""
    json: bool = False
    """True for kinds read from a JSON list of records (the header is the first record's keys)."""
