"""What an importer may know about the world: the regions and institutions in the store."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


def normalise_place(name: str) -> str:
    """Return a place or gemeente name folded for matching: 'HENGELO OV' ~ 'Hengelo (O.)'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"\b(ov|gld|nb|zh|nh|lb|l|o|ut|fr|gn|dr|zld)\b\.?$", " ", text.strip())
    text = re.sub(r"\(gemeente\)", " ", text)
    return re.sub(r"[^a-z0-9']+", " ", text).strip()


@dataclass(frozen=True)
class CbsMeasure:
    """How a content pack maps a CBS StatLine measure column to a cube measure."""

    measure: str
    unit: str
    note: str | None = None
    """Stored with every observation, e.g. 'banen van werknemers in december'."""
    year_note: str | None = None
    """Stored with year figures only, e.g. how CBS makes a year figure of quarters."""


@dataclass(frozen=True)
class ImportContext:
    """Reference data an importer checks codes against and attributes regions with."""

    regions: dict[str, str] = field(default_factory=dict)
    """Region code → kind."""
    gemeente_by_name: dict[str, str] = field(default_factory=dict)
    """Normalised gemeente or place name → GM code (names, then the pack's place aliases)."""
    institutions: dict[str, str | None] = field(default_factory=dict)
    """BRIN → gemeente code, where known."""
    province_by_name: dict[str, str] = field(default_factory=dict)
    """Normalised province name → PV code."""
    cbs_measures: dict[str, CbsMeasure] = field(default_factory=dict)
    """CBS measure key (the column name without its ``_1`` suffix, or a prefix of it) → the
    cube measure the pack maps it to; unmapped measures keep their CBS name."""
    region_names: dict[str, str] = field(default_factory=dict)
    """Region name (lower case, as ROA prints it, e.g. 'twente') per kind-qualified key
    ``kind:name`` → region code."""

    def gemeente_for_place(self, place: str) -> str | None:
        """Return the GM code for a place or gemeente name, or None when unknown."""
        return self.gemeente_by_name.get(normalise_place(place))

    def province_for_name(self, name: str) -> str | None:
        """Return the PV code for a province name ('Fryslân', 'Friesland'), or None."""
        return self.province_by_name.get(normalise_place(name))
