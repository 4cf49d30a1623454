"""COROP regions and arbeidsmarktregio's with their gemeenten: derived from CBS files and
shipped as ``labour_regions.json`` (the ``pijplijn shapes`` pattern, docs/decisions/0008).

``derive_labour_regions`` reads three CBS-derived files:

- ``woonplaats_gemeente_corop_cbs.csv``: woonplaats → gemeente → COROP area (code 1-40, name);
- ``arbeidsmarktregio_gemeente.json``: gemeente (4 digits) → arbeidsmarktregio name
  (CBS 86247NED "Gebieden in Nederland");
- ``koppelcodes_gemeenten.csv``: gemeente → provincie, to place each COROP area in its province.

``pijplijn labour-regions`` writes the result; ``load_labour_regions`` reads the shipped copy.
The arbeidsmarktregio file names the regions but gives no CBS codes, so their codes are
``AM-`` plus a slug of the name (``AM-twente``), never made-up CBS numbers.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pijplijn.errors import PijplijnError

SHIPPED = Path(__file__).parent / "labour_regions.json"
COROP_UNKNOWN = ("CR99", "Niet in te delen")
"""CBS tables print jobs that cannot be placed in a COROP area under CR99."""
_PROVINCES = {
    "PV20": "Groningen",
    "PV21": "Fryslân",
    "PV22": "Drenthe",
    "PV23": "Overijssel",
    "PV24": "Flevoland",
    "PV25": "Gelderland",
    "PV26": "Utrecht",
    "PV27": "Noord-Holland",
    "PV28": "Zuid-Holland",
    "PV29": "Zeeland",
    "PV30": "Noord-Brabant",
    "PV31": "Limburg",
}

PROVINCE_ALIASES = {"PV21": ("Friesland",)}
"""Other names national sources print for a province (DUO writes 'Friesland' for Fryslân)."""


@dataclass(frozen=True)
class LabourRegion:
    """A COROP area or arbeidsmarktregio: code, name, kind, the province it lies in (COROP
    only; arbeidsmarktregio's may cross province borders) and its gemeenten."""

    code: str
    name: str
    kind: str
    province: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class LabourRegions:
    """The shipped reference data: gemeenten (code → name, province) and the regions."""

    gemeenten: dict[str, tuple[str, str]]
    provinces: dict[str, str]
    regions: tuple[LabourRegion, ...]
    sources: tuple[str, ...]

    def by_kind(self, kind: str) -> list[LabourRegion]:
        return [r for r in self.regions if r.kind == kind]

    def find(self, kind: str, code_or_name: str) -> LabourRegion | None:
        """Return the region of ``kind`` with this code or name (any case), or None."""
        wanted = code_or_name.strip().lower()
        return next(
            (
                r
                for r in self.by_kind(kind)
                if wanted in (r.code.lower(), r.name.lower(), slug(r.name))
            ),
            None,
        )


def slug(name: str) -> str:
    """Return a lower-case ASCII slug of a name: 'Zaanstreek/Waterland' → 'zaanstreek-waterland'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def arbeidsmarktregio_code(name: str) -> str:
    return "AM-" + slug(name)


def derive_labour_regions(corop_file: Path, amr_file: Path, provinces_file: Path) -> dict[str, Any]:
    """Return the reference data as a JSON-ready dict, derived from the three files.

    Raises PijplijnError naming the file and row when a file lacks a column, a gemeente has
    two COROP areas, or a COROP area spans two provinces."""
    names, corop_of, corop_names = _corop(corop_file)
    province_of = _provinces(provinces_file)
    amr_of = _arbeidsmarktregio(amr_file)
    for label, codes in (("provincie", province_of), ("arbeidsmarktregio", amr_of)):
        missing = sorted(set(names) - set(codes))
        if missing:
            raise PijplijnError(f"geen {label} voor gemeente(n) {', '.join(missing[:5])}")
    members: dict[str, list[str]] = defaultdict(list)
    for gemeente, corop in corop_of.items():
        members[corop].append(gemeente)
    regions: list[dict[str, Any]] = []
    for corop in sorted(members):
        provinces = {province_of[g] for g in members[corop]}
        if len(provinces) != 1:
            raise PijplijnError(
                f"{corop_file}: COROP-gebied {corop} ligt in meer provincies "
                f"({', '.join(sorted(provinces))})"
            )
        regions.append(
            {
                "code": corop,
                "name": corop_names[corop],
                "kind": "corop",
                "province": provinces.pop(),
                "members": sorted(members[corop]),
            }
        )
    by_amr: dict[str, list[str]] = defaultdict(list)
    for gemeente, name in amr_of.items():
        by_amr[name].append(gemeente)
    for name in sorted(by_amr):
        regions.append(
            {
                "code": arbeidsmarktregio_code(name),
                "name": name,
                "kind": "arbeidsmarktregio",
                "province": None,
                "members": sorted(by_amr[name]),
            }
        )
    return {
        "sources": [
            f"{corop_file.name}: CBS Woonplaatsen in Nederland / Gebieden in Nederland "
            "(woonplaats, gemeente, COROP-gebied)",
            f"{amr_file.name}: CBS 86247NED Gebieden in Nederland (arbeidsmarktregio per gemeente)",
            f"{provinces_file.name}: CBS gemeente-indeling (provincie per gemeente)",
        ],
        "provinces": _PROVINCES,
        "gemeenten": {
            code: {"name": names[code], "province": province_of[code]} for code in sorted(names)
        },
        "regions": regions,
    }


def write_labour_regions(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as indented JSON (stable order, for readable diffs)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


@functools.cache
def load_labour_regions(path: Path = SHIPPED) -> LabourRegions:
    """Return the shipped reference data (read once per process)."""
    data = json.loads(path.read_text("utf-8"))
    return LabourRegions(
        gemeenten={c: (g["name"], g["province"]) for c, g in data["gemeenten"].items()},
        provinces=dict(data["provinces"]),
        regions=tuple(
            LabourRegion(r["code"], r["name"], r["kind"], r["province"], tuple(r["members"]))
            for r in data["regions"]
        ),
        sources=tuple(data["sources"]),
    )


def _rows(path: Path, columns: tuple[str, ...], delimiter: str) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PijplijnError(f"{path}: niet te lezen ({exc})") from None
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise PijplijnError(f"{path}: rij 1: kolom '{missing[0]}' ontbreekt")
    return [(number, row) for number, row in enumerate(reader, start=2)]


def _corop(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Return gemeente code → name, gemeente → COROP code, COROP code → name."""
    columns = ("Gemeentecode", "Gemeente", "COROP-gebiedcode", "COROP-gebied")
    names: dict[str, str] = {}
    corop_of: dict[str, str] = {}
    corop_names: dict[str, str] = {}
    for number, row in _rows(path, columns, ","):
        digits, number_text = row["Gemeentecode"].strip(), row["COROP-gebiedcode"].strip()
        if not (digits.isdigit() and number_text.isdigit()):
            raise PijplijnError(
                f"{path}: rij {number}: verwacht een gemeentecode en COROP-code van cijfers, "
                f"niet '{digits}' en '{number_text}'"
            )
        gemeente, corop = f"GM{int(digits):04d}", f"CR{int(number_text):02d}"
        if corop_of.setdefault(gemeente, corop) != corop:
            raise PijplijnError(f"{path}: rij {number}: gemeente {gemeente} in twee COROP-gebieden")
        names[gemeente] = row["Gemeente"].strip()
        corop_names[corop] = row["COROP-gebied"].strip()
    return names, corop_of, corop_names


def _provinces(path: Path) -> dict[str, str]:
    columns = ("gemeentCode", "provincieCode")
    return {
        row["gemeentCode"].strip(): row["provincieCode"].strip()
        for _, row in _rows(path, columns, ";")
    }


def _arbeidsmarktregio(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise PijplijnError(f"{path}: geen leesbare JSON ({exc})") from None
    gemeenten = data.get("gemeenten") if isinstance(data, dict) else None
    if not isinstance(gemeenten, dict):
        raise PijplijnError(f"{path}: verwacht een object met 'gemeenten': {{code: regio}}")
    return {f"GM{int(code):04d}": str(name).strip() for code, name in gemeenten.items()}
