"""The layout registry: every source layout as data (``ingest/layouts.yaml``), header matching,
and the closest layout when a header fits none.

A new DUO release whose columns were renamed is one entry in the YAML file, not a module.
The generic reader of these layouts is ``ingest/layout_reader.py``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from pijplijn import vocabulary as vocab
from pijplijn.errors import PijplijnError

FIELDS: tuple[str, ...] = (
    "region_name",
    "province_name",
    "institution_name",
    "place",
    *(d for d in vocab.DIMENSIONS if d not in ("region_basis", "subject", "dataset")),
)
"""What a header column may map to: cube dimensions, and the names of regions and institutions."""
_CODED: dict[str, tuple[str, ...]] = {
    "stage": vocab.STAGES,
    "level": vocab.LEVELS,
    "pathway": vocab.PATHWAYS,
    "gender": vocab.GENDERS,
    "origin_stage": vocab.ORIGIN_STAGES,
}
"""Fields whose codes come from a vocabulary: a code list may only produce these values."""
REGION_FORMS = ("gemeentenummer", "gemeente", "provincie")
TOTAL = "total"
"""The code a code list (or a value pattern's gender) gives the source's own total."""


class LayoutError(PijplijnError):
    """The layout registry itself is wrong (a programming error in layouts.yaml)."""


def fold(name: str) -> str:
    """Return a column name folded for matching: upper case, ``_`` as a blank, blanks single."""
    return re.sub(r"[\s_]+", " ", name.strip().upper())


@dataclass(frozen=True)
class CodeEntry:
    """One line of a code list: a regular expression and the code it gives."""

    pattern: re.Pattern[str]
    value: str | None
    total: bool = False


@dataclass(frozen=True)
class Column:
    """A header column of a layout and where it goes in the cube."""

    name: str
    aliases: tuple[str, ...] = ()
    to: str | None = None
    """A plain field (text as it stands), or None when a code list maps it (see ``coded``)."""
    coded: tuple[tuple[str, str], ...] = ()
    """(field, code list name) pairs: the column's value normalised per field."""
    form: str | None = None
    basis: str | None = None
    optional: bool = False
    note: str | None = None
    """For the older layouts: where a dedicated importer puts the column, when no plain
    field says it (the vo stage comes from school type and programme together)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The folded names this column may carry."""
        return (fold(self.name), *(fold(a) for a in self.aliases))

    def describe(self) -> str:
        """Return where the column goes, for --explain: 'sector', 'stage+level (ho_stage…)'."""
        if self.note:
            return self.note
        if self.coded:
            return ", ".join(f"{f} via {c}" for f, c in self.coded)
        if self.to == "region":
            return f"region ({self.form}, basis {self.basis})"
        return self.to or "niet geladen"


@dataclass(frozen=True)
class Values:
    """Where a layout's counts stand."""

    column: str | None = None
    pattern: re.Pattern[str] | None = None
    gender: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str | None]] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    ignore_pattern: re.Pattern[str] | None = None
    """Value-like columns deliberately not loaded, by pattern (DUO's SLAAGPERC per year)."""
    note: str | None = None
    """What the values are, for --explain, when one measure does not say it."""

    def is_value(self, folded: str) -> bool:
        """True when a (folded) header name is one of the value columns."""
        if self.column is not None:
            return folded == fold(self.column)
        if self.pattern is not None:
            return self.pattern.match(folded) is not None
        return folded in {fold(c) for c in self.columns}

    def is_ignored(self, folded: str) -> bool:
        if self.ignore_pattern is not None and self.ignore_pattern.match(folded):
            return True
        return folded in {fold(c) for c in self.ignore}

    def describe(self) -> str:
        if self.column is not None:
            return f"één waardekolom {self.column}"
        if self.pattern is not None:
            return (
                f"een kolom per {'geslacht × ' if self.gender else ''}jaar ({self.pattern.pattern})"
            )
        return "waardekolommen " + ", ".join(self.columns)


@dataclass(frozen=True)
class Layout:
    """One source layout: its columns, its values and what they measure."""

    name: str
    title: str
    columns: tuple[Column, ...]
    values: Values
    measure: str | None = None
    stage: str | None = None
    stage_from_file_name: bool = False
    period_from_file_name: re.Pattern[str] | None = None
    publisher: str = "DUO"
    source: str = ""
    source_key: str = ""
    residence_key: str | None = None
    """The series of the layout's files by place of residence, where another layout's files
    count the same students by residence (they then supersede each other, never add up)."""
    ckan: str | None = None
    importer: str | None = None
    """For the older layouts: the dedicated importer (kind) that reads them."""
    file_name: re.Pattern[str] | None = None
    """For two tables with one header: what the file name must match (searched, lower case)."""
    others: str | None = None
    """For an open header (any CBS StatLine table): what an undeclared column is. Such columns
    are then not 'new' in a near-miss message, but may still pair with a missing one."""

    def fits_name(self, file_name: str) -> bool:
        """True when the file name does not rule this layout out."""
        text = re.sub(r"[^a-z0-9]+", " ", file_name.lower())
        return self.file_name is None or self.file_name.search(text) is not None

    def resolve(self, header: list[str]) -> HeaderFit:
        """Return how ``header`` fits this layout: which column is which, what is missing."""
        folded = [fold(h) for h in header]
        mapping: dict[str, int] = {}
        for column in self.columns:
            for index, name in enumerate(folded):
                if name in column.names and index not in mapping.values():
                    mapping[column.name] = index
                    break
        used = set(mapping.values())
        value_columns = [
            i for i, n in enumerate(folded) if i not in used and self.values.is_value(n)
        ]
        ignored = [i for i, n in enumerate(folded) if self.values.is_ignored(n)]
        missing = [c.name for c in self.columns if c.name not in mapping and not c.optional]
        if self.values.column is not None and not value_columns:
            missing.append(self.values.column)
        for name in self.values.columns:
            if fold(name) not in folded:
                missing.append(name)
        taken = used | set(value_columns) | set(ignored)
        new = [header[i] for i in range(len(header)) if i not in taken and header[i].strip()]
        absent = [c.name for c in self.columns if c.name not in mapping and c.optional]
        return HeaderFit(self, mapping, value_columns, missing, new, absent)


@dataclass(frozen=True)
class HeaderFit:
    """A header held against a layout."""

    layout: Layout
    mapping: dict[str, int]
    """Layout column name → index in the header."""
    value_columns: list[int]
    missing: list[str]
    new: list[str]
    absent: list[str] = field(default_factory=list)
    """Optional columns the header lacks: a new column may be one of them renamed."""

    @property
    def fits(self) -> bool:
        open_header = self.layout.others is not None
        return not self.missing and (open_header or not self.new) and bool(self.value_columns)

    @property
    def score(self) -> float:
        """How close the header is: matched columns over all columns either side names."""
        matched = len(self.mapping) + (1 if self.value_columns or self.layout.others else 0)
        new = 0 if self.layout.others is not None else len(self.new)
        return matched / (matched + len(self.missing) + new or 1)

    def renamed(self) -> list[tuple[str, str]]:
        """Pair each missing column with the most similar new one (a rename), if any."""
        pairs: list[tuple[str, str]] = []
        free = list(self.new)
        for name in [*self.missing, *self.absent]:
            match = difflib.get_close_matches(fold(name), [fold(n) for n in free], 1, 0.6)
            if match:
                found = next(n for n in free if fold(n) == match[0])
                free.remove(found)
                pairs.append((name, found))
        return pairs

    def differences(self) -> str:
        """Return 'hernoemd: A → B; ontbreekt: C; nieuw: D' for a detection message."""
        renamed = self.renamed()
        gone = {a for a, _ in renamed}
        came = {b for _, b in renamed}
        parts = []
        if renamed:
            parts.append("hernoemd: " + ", ".join(f"'{a}' → '{b}'" for a, b in renamed))
        missing = [m for m in self.missing if m not in gone]
        if missing:
            parts.append("ontbreekt: " + ", ".join(f"'{m}'" for m in missing))
        new = [n for n in self.new if n not in came]
        if new and self.layout.others is None:
            parts.append("nieuw: " + ", ".join(f"'{n}'" for n in new))
        if not self.value_columns and self.layout.others is None:
            parts.append(f"geen waardekolommen ({self.layout.values.describe()})")
        return "; ".join(parts)


def closest(header: list[str]) -> HeaderFit | None:
    """Return the layout the header comes closest to (None for an empty header)."""
    if not any(h.strip() for h in header):
        return None
    return max((layout.resolve(header) for layout in registry().values()), key=lambda f: f.score)


def unknown_header_message(file_name: str, header: list[str]) -> str:
    """Return the one detection message for a header that fits no layout."""
    fit = closest(header)
    shown = ", ".join(header[:6]) or "leeg"
    if fit is None or not fit.mapping:
        return (
            f"{file_name}: soort niet herkend aan de kopregel ({shown}…); geen bekende indeling "
            "lijkt erop: geef --kind (pijplijn import --help noemt de soorten)"
        )
    return (
        f"{file_name}: soort niet herkend aan de kopregel; het dichtst bij is "
        f"'{fit.layout.name}' ({fit.layout.title}): {fit.differences()}"
    )


@cache
def _read() -> tuple[dict[str, Layout], dict[str, tuple[CodeEntry, ...]]]:
    text = resources.files("pijplijn.ingest").joinpath("layouts.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    codes = {name: _codes(name, entries) for name, entries in data["codes"].items()}
    layouts = [_layout(item, codes) for item in data["layouts"]]
    return {layout.name: layout for layout in layouts}, codes


def registry() -> dict[str, Layout]:
    """Return every layout of ``layouts.yaml`` by name (read and checked once)."""
    return _read()[0]


def code_lists() -> dict[str, tuple[CodeEntry, ...]]:
    """Return the code lists of ``layouts.yaml`` by name."""
    return _read()[1]


def normalise(codes: tuple[CodeEntry, ...], value: str) -> CodeEntry | None:
    """Return the first entry of a code list matching ``value`` (folded), or None."""
    text = re.sub(r"\s+", " ", value.strip().casefold())
    return next((entry for entry in codes if entry.pattern.search(text)), None)


def _codes(name: str, entries: list[dict[str, Any]]) -> tuple[CodeEntry, ...]:
    try:
        return tuple(
            CodeEntry(re.compile(str(e["match"])), e.get("value"), bool(e.get("total")))
            for e in entries
        )
    except (KeyError, re.error, TypeError) as exc:
        raise LayoutError(f"layouts.yaml: codes.{name}: {exc}") from exc


def _layout(item: dict[str, Any], codes: dict[str, tuple[CodeEntry, ...]]) -> Layout:
    name = str(item["name"])
    where = f"layouts.yaml: layout '{name}'"
    columns = tuple(
        _column(where, column, spec or {}, codes) for column, spec in item["columns"].items()
    )
    period = (item.get("period") or {}).get("file_name")
    layout = Layout(
        name=name,
        title=str(item["title"]),
        columns=columns,
        values=_values(where, item["values"], periods=item.get("importer") is None),
        measure=item.get("measure"),
        stage=item.get("stage"),
        stage_from_file_name=bool(item.get("stage_from_file_name")),
        period_from_file_name=re.compile(period) if period else None,
        publisher=str(item.get("publisher", "DUO")),
        source=str(item.get("source", "")),
        source_key=str(item.get("source_key", name)),
        residence_key=item.get("residence_key"),
        ckan=item.get("ckan"),
        importer=item.get("importer"),
        file_name=re.compile(item["file_name"]) if item.get("file_name") else None,
        others=item.get("others"),
    )
    if layout.importer is None:
        _check(where, layout)
    return layout


def _column(
    where: str, name: str, spec: dict[str, Any], codes: dict[str, tuple[CodeEntry, ...]]
) -> Column:
    to = spec.get("to")
    coded: tuple[tuple[str, str], ...] = ()
    if isinstance(to, dict):
        coded = tuple((str(f), str(c)) for f, c in to.items())
        for target, code_list in coded:
            if target not in FIELDS or code_list not in codes:
                raise LayoutError(f"{where}: kolom '{name}': onbekend {target} of {code_list}")
            allowed = _CODED.get(target)
            wrong = [
                e.value
                for e in codes[code_list]
                if allowed and e.value is not None and e.value not in allowed
            ]
            if wrong:
                raise LayoutError(f"{where}: codes.{code_list} geeft '{wrong[0]}' voor {target}")
        to = None
    elif to is not None and to not in FIELDS:
        raise LayoutError(f"{where}: kolom '{name}': onbekend veld '{to}'")
    if to == "region" and spec.get("form") not in REGION_FORMS:
        raise LayoutError(f"{where}: kolom '{name}': form moet {', '.join(REGION_FORMS)} zijn")
    if to == "region" and spec.get("basis") not in vocab.REGION_BASES:
        raise LayoutError(f"{where}: kolom '{name}': onbekende basis '{spec.get('basis')}'")
    return Column(
        name=name,
        aliases=tuple(spec.get("aliases", ())),
        to=to,
        coded=coded,
        form=spec.get("form"),
        basis=spec.get("basis"),
        optional=bool(spec.get("optional")),
        note=spec.get("note"),
    )


def _values(where: str, spec: dict[str, Any], *, periods: bool = True) -> Values:
    """Read a layout's values; ``periods``: a value pattern must give the year (the generic
    reader's layouts; an older importer's layout may match other value columns)."""
    pattern = spec.get("pattern")
    compiled = re.compile(pattern) if pattern else None
    if periods and compiled is not None and "year" not in compiled.groupindex:
        raise LayoutError(f"{where}: values.pattern heeft geen groep 'year'")
    return Values(
        column=spec.get("column"),
        pattern=compiled,
        gender={str(k): str(v) for k, v in (spec.get("gender") or {}).items()},
        columns={str(k): dict(v or {}) for k, v in (spec.get("columns") or {}).items()},
        ignore=tuple(spec.get("ignore", ())),
        ignore_pattern=re.compile(spec["ignore_pattern"]) if spec.get("ignore_pattern") else None,
        note=spec.get("note"),
    )


def _check(where: str, layout: Layout) -> None:
    """Refuse a layout the reader cannot read: no measure, no period, no way to a stage."""
    if layout.measure not in vocab.MEASURES:
        raise LayoutError(f"{where}: onbekende maat '{layout.measure}'")
    has_period = any(c.to == "period" for c in layout.columns)
    if not (has_period or layout.values.pattern or layout.period_from_file_name):
        raise LayoutError(f"{where}: geen periode (kolom, jaarkolommen of bestandsnaam)")
    has_stage = any(f == "stage" for c in layout.columns for f, _ in c.coded)
    if layout.stage is None and not has_stage:
        raise LayoutError(f"{where}: geen fase (stage of een kolom naar stage)")
    if layout.stage is not None and layout.stage not in vocab.STAGES:
        raise LayoutError(f"{where}: onbekende fase '{layout.stage}'")
