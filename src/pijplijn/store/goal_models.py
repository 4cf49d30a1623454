"""Goals and their partners (issue 4). Tables are created by migration 0004."""

from __future__ import annotations
