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
    "labour_volume",
    "companies",
    "vacancies_open",
    "vacancies_new",
    "vacancies_filled",
    "replacement_demand",
    "expansion_demand",
    "job_openings",
    "replacement_rate",
    "expansion_rate",
    "bottleneck_indicator",
    "tightness_indicator",
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

ORIGIN_STAGES: tuple[str, ...] = (*STAGES, "vmbo-gt", "vo-overig")
"""Where a transition came from: a stage, or ``vmbo-gt`` (the gemengde and theoretische
leerweg, which DUO's instroom files count together), or ``vo-overig`` (any other or unknown
vo education, e.g. praktijkonderwijs or a foreign diploma)."""

REGION_BASES: tuple[str, ...] = (
    "reported",
    "residence",
    "establishment",
    "head-office",
    "unattributed",
)
"""How an observation's region is known: named by the source (``reported``), the students'
place of residence, the school location, the institution's head office, or not at all."""

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

DISCLOSURE_POLICIES: tuple[str, ...] = ("open", "protected")
"""A dataset's disclosure policy, from the least to the most strict (docs/disclosure.md):
``open`` data are shown as published, ``protected`` data under the threshold rule."""

UNKNOWN_FLAGS: frozenset[str] = frozenset({"suppressed", "missing"})
"""Flags of a cell whose value is unknown (stored as NULL, never 0)."""

UNITS: tuple[str, ...] = ("count", "thousand", "share", "unknown")
"""``thousand``: the source counts in thousands (CBS vacancies and jobs). ``share``: a
fraction 0-1. ``unknown``: a CBS measure the content pack does not map (see the table)."""

SECTOR_TOTALS: tuple[str, ...] = ("T001081", "999999")
"""The key CBS prints for all SBI sectors together ('A-U Alle economische activiteiten'), and
the row ROA's BRC table gives over all beroepen (999999).
A sum that does not break down by sector uses a dataset's published total, never the sum of
its sectors (which overlap: B-F holds C, G-N holds G...)."""

UNMAPPED_MEASURE_PREFIX = "cbs:"
"""A CBS measure the content pack does not map is stored as ``cbs:<StatLine key>``."""


def is_measure(name: str) -> bool:
    """True for a cube measure, or a CBS measure kept under its own name."""
    return name in MEASURES or (name.startswith(UNMAPPED_MEASURE_PREFIX) and len(name) > 4)


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
    "origin_stage",
    "origin_sector",
    "subject",
    "dataset",
)
"""The stored dimensions a cube query can break down by (``--by``); ``domain`` comes on top,
from a classification at query time."""
