"""The cube's controlled vocabularies: measures, dimensions and their allowed values.

Every layer validates against these; none keeps its own copy.
"""

from __future__ import annotations

MEASURES: tuple[str, ...] = (
    "enrolled",
    "first_year",
    "graduates",
    "exam_candidates",
    "exam_passed",
    "transitions",
    "jobs",
    "companies",
    "vacancies_open",
    "vacancies_new",
    "vacancies_filled",
    "replacement_demand",
    "published_share",
    "published_count",
)

PUBLISHED_MEASURES: frozenset[str] = frozenset({"published_share", "published_count"})
"""Figures as a document printed them: they are checked against base data, never summed."""

STAGES: tuple[str, ...] = (
    "vmbo-bb",
    "vmbo-kb",
    "vmbo-gl",
    "vmbo-tl",
    "havo",
    "vwo",
    "mbo",
    "hbo",
    "wo",
)

LEVELS: tuple[str, ...] = ("1", "2", "3", "4", "2-4", "3-4", "ad", "bachelor", "master")
"""mbo niveau 1-4 (with the ranges the documents use), or the ho degree level."""

PATHWAYS: tuple[str, ...] = ("BOL", "BBL", "voltijd", "deeltijd", "duaal")

GENDERS: tuple[str, ...] = ("man", "vrouw")

CELL_FLAGS: tuple[str, ...] = ("suppressed", "missing", "estimated", "provisional")
"""The flags a source gives a single cell (and a template row may carry)."""

FLAGS: tuple[str, ...] = (*CELL_FLAGS, "partial")
"""In order of precedence: a sum over cells takes the first flag any of its cells has.
``partial`` is never stored on a cell: the cube sets it on a sum that counts a dataset covering
only part of the region (``pijplijn.coverage``)."""

UNKNOWN_FLAGS: frozenset[str] = frozenset({"suppressed", "missing"})
"""Flags of a cell whose value is unknown (stored as NULL, never 0)."""

UNITS: tuple[str, ...] = ("count", "thousand", "share")
"""``thousand``: the source counts in thousands (CBS vacancies). ``share``: a fraction 0-1."""

DIMENSIONS: tuple[str, ...] = (
    "period",
    "region",
    "region_basis",
    "institution",
    "stage",
    "level",
    "pathway",
    "programme_code",
    "programme_name",
    "sector",
    "subsector",
    "opleidingsdomein",
    "gender",
    "subject",
    "dataset",
)
"""The stored dimensions a cube query can break down by (``--by``); ``domain`` comes on top,
from a classification at query time."""
