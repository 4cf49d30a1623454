"""Saved projection scenarios (issue 5). Tables are created by migration 0005."""

from __future__ import annotations
