"""What a dataset covers: regions (whole, or only some institutions or locations in them),
stages, periods, and the basis on which its units are placed in a region.

Every importer declares it (``ingest/``), the content pack declares it for its seed datasets
(``seed/datasets.yaml``), the store keeps it on ``dataset`` and the cube (``engine/cube.py``)
uses it: a sum over a region only counts a dataset that covers the region completely; a
dataset that covers only part of the region itself is flagged ``partial``, and one that
covers only part of what lies inside the region is left out (docs/data-model.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

REGION_BASES: tuple[str, ...] = ("residence", "establishment", "head-office")
"""How a dataset places its units in a region: where people live (``residence``), where the
school location or company establishment is (``establishment``), or only where the
institution's head office is (``head-office``)."""


@dataclass(frozen=True)
class RegionCoverage:
    """One region a dataset covers: completely, or only the ``institutions`` (BRIN codes) or
    ``locations`` in it that are named."""

    region: str
    institutions: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    note: str | None = None
    """What the part is, in words people read (e.g. 'alleen ROC van Twente'); generated from
    the institutions' names when absent."""

    @property
    def complete(self) -> bool:
        """True when the dataset covers the whole region."""
        return not self.institutions and not self.locations and self.note is None


@dataclass(frozen=True)
class Coverage:
    """A dataset's declared coverage (see the module docstring)."""

    regions: tuple[RegionCoverage, ...] = ()
    stages: tuple[str, ...] = ()
    """The stages it has figures for; empty: not tied to a stage (labour market, documents)."""
    periods: tuple[str, ...] = ()
    """The periods it covers, canonical; empty: the periods of its observations."""
    region_basis: str | None = None
    """One of REGION_BASES, or None when the data are not placed by units (a document's
    figures stated for a region)."""

    @classmethod
    def whole(
        cls,
        regions: list[str] | tuple[str, ...],
        stages: list[str] | tuple[str, ...] = (),
        region_basis: str | None = None,
    ) -> Coverage:
        """Return the coverage of a dataset that covers each of ``regions`` completely."""
        return cls(
            regions=tuple(RegionCoverage(r) for r in dict.fromkeys(regions)),
            stages=tuple(dict.fromkeys(stages)),
            region_basis=region_basis,
        )

    def with_periods(self, periods: list[str] | tuple[str, ...]) -> Coverage:
        """Return this coverage with ``periods`` when it declares none of its own."""
        if self.periods:
            return self
        return Coverage(self.regions, self.stages, tuple(periods), self.region_basis)

    def to_json(self) -> str:
        """Return the coverage as the JSON text stored in ``dataset.coverage``."""
        return json.dumps(
            {
                "regions": [
                    {
                        "region": r.region,
                        **({"institutions": list(r.institutions)} if r.institutions else {}),
                        **({"locations": list(r.locations)} if r.locations else {}),
                        **({"note": r.note} if r.note else {}),
                    }
                    for r in self.regions
                ],
                "stages": list(self.stages),
                "periods": list(self.periods),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | None, region_basis: str | None = None) -> Coverage | None:
        """Return the coverage stored as ``text`` (None when the dataset declares none)."""
        if not text:
            return None
        data = json.loads(text)
        return cls(
            regions=tuple(
                RegionCoverage(
                    region=r["region"],
                    institutions=tuple(r.get("institutions", ())),
                    locations=tuple(r.get("locations", ())),
                    note=r.get("note"),
                )
                for r in data.get("regions", [])
            ),
            stages=tuple(data.get("stages", ())),
            periods=tuple(data.get("periods", ())),
            region_basis=region_basis,
        )
