"""The cohort-flow model's structure: its states, its rates and the transitions they make up.

A *state* is a count of people in one place of the pipeline in one year (stage × level ×
pathway × domain). A *rate* is a named probability (``exit-mbo-2``, ``hbo-mbo-4:techniek``).
An *edge* moves people from one state to another each year; its rate is a product of
factors, each a rate or the complement of a set of rates (``1 - doorstroom - hbo``), so
that what leaves a state never adds up to more than everybody.

Kinds of state:

- ``stock``: carries over from year to year (mbo enrolment on 1 October);
- ``flow``: a yearly count that does not carry over (vo exam candidates, hbo/wo first-years);
- ``sink``: a yearly count of people leaving the pipeline (to work, or without a diploma);
- ``observer``: a yearly count of a flow that moves nobody (graduates, doorstroom to hbo).

Nothing here is specific to a region: the rates' values come from a content pack.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pijplijn.errors import PijplijnError

StateKind = Literal["stock", "flow", "sink", "observer"]

VMBO = ("vmbo-bb", "vmbo-kb", "vmbo-gl", "vmbo-tl")
VO = (*VMBO, "havo", "vwo")
MBO_LEVELS = ("1", "2", "3", "4")
MBO_PATHWAYS = ("BOL", "BBL")
HBO_PATHWAYS = ("voltijd", "deeltijd", "duaal")

_STAGE_LABELS = {
    "vmbo-bb": "vmbo basis",
    "vmbo-kb": "vmbo kader",
    "vmbo-gl": "vmbo gemengd",
    "vmbo-tl": "vmbo theoretisch",
    "havo": "havo",
    "vwo": "vwo",
}


class ProjectionError(PijplijnError):
    """A projection input is invalid: a rate, a lever, a horizon or a population."""


@dataclass(frozen=True)
class State:
    """One place in the pipeline; ``measure`` is what its count is (cube vocabulary or
    the projection's own: labour_market_entrants, dropouts, doorstroom_hbo)."""

    id: str
    kind: StateKind
    measure: str
    stage: str
    level: str | None
    pathway: str | None
    domain: str
    label: str

    @property
    def exogenous(self) -> bool:
        """True when the state takes inflow from outside the model (new pupils, adults)."""
        return self.kind in ("stock", "flow")


@dataclass(frozen=True)
class Factor:
    """A rate, or (``complement``) one minus the sum of rates."""

    rates: tuple[str, ...]
    complement: bool = False

    def value(self, values: Mapping[str, float]) -> float:
        total = sum(values[r] for r in self.rates)
        return 1.0 - total if self.complement else total


@dataclass(frozen=True)
class Edge:
    """A yearly move from ``src`` to ``dst`` at the product of ``factors``.

    An observer edge counts without moving: it is left out of the sums of what leaves."""

    src: str
    dst: str
    factors: tuple[Factor, ...]
    observer: bool = False

    def rate(self, values: Mapping[str, float]) -> float:
        result = 1.0
        for factor in self.factors:
            result *= factor.value(values)
        return result


@dataclass(frozen=True)
class OutflowGroup:
    """Rates that share one population: together they may not exceed 1."""

    state: str
    rates: tuple[str, ...]


@dataclass(frozen=True)
class Structure:
    """States, rates and edges of the model for one classification domain."""

    domain: str
    domains: tuple[str, str]
    states: tuple[State, ...]
    rates: tuple[str, ...]
    edges: tuple[Edge, ...]
    groups: tuple[OutflowGroup, ...]
    shares: tuple[tuple[str, tuple[str, ...]], ...]
    """Sets of rates that split one flow and must add up to 1 (name, rates)."""
    aggregates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Output series that sum states (``mbo-2:techniek`` = BOL + BBL)."""

    def index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.states)}

    def state(self, state_id: str) -> State:
        return self.states[self.index()[state_id]]

    def match_states(self, pattern: str) -> list[str]:
        """Return the ids of the states that ``pattern`` (``*`` wildcards) names."""
        return [s.id for s in self.states if fnmatch.fnmatchcase(s.id, pattern)]

    def match_rates(self, pattern: str) -> list[str]:
        """Return the rate ids that ``pattern`` names (``:*`` = both domains)."""
        return [r for r in self.rates if fnmatch.fnmatchcase(r, pattern)]

    def complements(self) -> tuple[tuple[str, ...], ...]:
        """Every distinct set of rates whose complement some edge uses."""
        found = {f.rates for e in self.edges for f in e.factors if f.complement}
        return tuple(sorted(found))


def build_structure(domain: str, other: str, rate_ids: Iterable[str]) -> Structure:
    """Return the model for ``domain`` (e.g. techniek) and its complement ``other``.

    ``rate_ids`` are the rates the content provides; they decide which mbo niveaus each vmbo
    leerweg enters (``level-vmbo-kb-3``). Raises ProjectionError naming missing rates."""
    available = set(rate_ids)
    builder = _Builder(domain, other, available)
    builder.build()
    structure = builder.structure()
    missing = sorted(set(structure.rates) - available)
    if missing:
        raise ProjectionError(
            f"de projectie mist deze kansen in de inhoud: {', '.join(missing)} "
            "(zie projection.yaml van het contentpakket)"
        )
    unknown = sorted(available - set(structure.rates))
    if unknown:
        raise ProjectionError(
            f"onbekende kansen in de inhoud: {', '.join(unknown)}; het model kent "
            f"o.a. {', '.join(structure.rates[:6])}"
        )
    return structure


class _Builder:
    def __init__(self, domain: str, other: str, available: set[str]) -> None:
        self.domain, self.other = domain, other
        self.domains = (domain, other)
        self.available = available
        self.states: list[State] = []
        self.edges: list[Edge] = []
        self.rates: list[str] = []
        self.groups: list[OutflowGroup] = []
        self.shares: list[tuple[str, tuple[str, ...]]] = []
        self.aggregates: dict[str, tuple[str, ...]] = {}

    def structure(self) -> Structure:
        return Structure(
            domain=self.domain,
            domains=(self.domain, self.other),
            states=tuple(self.states),
            rates=tuple(dict.fromkeys(self.rates)),
            edges=tuple(self.edges),
            groups=tuple(self.groups),
            shares=tuple(self.shares),
            aggregates=self.aggregates,
        )

    def rate(self, rate_id: str) -> Factor:
        self.rates.append(rate_id)
        return Factor((rate_id,))

    def complement(self, *rate_ids: str) -> Factor:
        self.rates.extend(rate_ids)
        return Factor(tuple(rate_ids), complement=True)

    def share(self, rate_id: str, chosen: bool) -> Factor:
        """The rate when the domain is chosen, else its complement."""
        return self.rate(rate_id) if chosen else self.complement(rate_id)

    def add_state(self, state: State) -> None:
        self.states.append(state)

    def edge(self, src: str, dst: str, *factors: Factor, observer: bool = False) -> None:
        self.edges.append(Edge(src, dst, factors, observer))

    def build(self) -> None:
        self._states()
        for d in self.domains:
            self._vmbo_edges(d)
            self._havo_vwo_edges(d)
            for level in MBO_LEVELS:
                for pathway in MBO_PATHWAYS:
                    self._mbo_edges(level, pathway, d)
        self._shares()
        self.rates.append(f"girls-share-{self.domain}")

    def _states(self) -> None:
        for d in self.domains:
            for stage in VO:
                self.add_state(
                    State(
                        f"{stage}:{d}",
                        "flow",
                        "exam_candidates",
                        stage,
                        None,
                        None,
                        d,
                        f"{_STAGE_LABELS[stage]} {d}: examenkandidaten",
                    )
                )
        for d in self.domains:
            for level in MBO_LEVELS:
                ids = []
                for pathway in MBO_PATHWAYS:
                    sid = f"mbo-{level}:{pathway}:{d}"
                    ids.append(sid)
                    label = f"mbo {level} {pathway} {d}: ingeschreven"
                    self.add_state(State(sid, "stock", "enrolled", "mbo", level, pathway, d, label))
                self.aggregates[f"mbo-{level}:{d}"] = tuple(ids)
            self.aggregates[f"mbo:{d}"] = tuple(
                f"mbo-{level}:{p}:{d}" for level in MBO_LEVELS for p in MBO_PATHWAYS
            )
        for d in self.domains:
            ids = []
            for pathway in HBO_PATHWAYS:
                sid = f"hbo:{pathway}:{d}"
                ids.append(sid)
                label = f"hbo {pathway} {d}: eerstejaars"
                self.add_state(State(sid, "flow", "first_year", "hbo", None, pathway, d, label))
            self.aggregates[f"hbo:{d}"] = tuple(ids)
            self.add_state(
                State(f"wo:{d}", "flow", "first_year", "wo", None, None, d, f"wo {d}: eerstejaars")
            )
        for d in self.domains:
            for level in MBO_LEVELS:
                self.add_state(
                    State(
                        f"graduates:mbo-{level}:{d}",
                        "observer",
                        "graduates",
                        "mbo",
                        level,
                        None,
                        d,
                        f"mbo {level} {d}: gediplomeerden",
                    )
                )
                self.add_state(
                    State(
                        f"work:mbo-{level}:{d}",
                        "sink",
                        "labour_market_entrants",
                        "mbo",
                        level,
                        None,
                        d,
                        f"mbo {level} {d}: gediplomeerden naar de arbeidsmarkt",
                    )
                )
                self.add_state(
                    State(
                        f"left:mbo-{level}:{d}",
                        "sink",
                        "dropouts",
                        "mbo",
                        level,
                        None,
                        d,
                        f"mbo {level} {d}: uitval zonder diploma",
                    )
                )
            self.add_state(
                State(
                    f"doorstroom-hbo:mbo-4:{d}",
                    "observer",
                    "doorstroom_hbo",
                    "mbo",
                    "4",
                    None,
                    d,
                    f"mbo 4 {d}: gediplomeerden naar het hbo",
                )
            )

    def _vmbo_edges(self, d: str) -> None:
        for stage in VMBO:
            src = f"{stage}:{d}"
            self.groups.append(OutflowGroup(src, (f"mbo-{stage}:{d}",)))
            for level in MBO_LEVELS:
                level_rate = f"level-{stage}-{level}"
                if level_rate not in self.available:
                    continue
                for pathway in MBO_PATHWAYS:
                    for target in self.domains:
                        self.edge(
                            src,
                            f"mbo-{level}:{pathway}:{target}",
                            self.rate(f"mbo-{stage}:{d}"),
                            self.share(f"mbo-{self.domain}-{stage}:{d}", target == self.domain),
                            self.rate(level_rate),
                            self.share(f"bbl-entry-mbo-{level}", pathway == "BBL"),
                        )

    def _havo_vwo_edges(self, d: str) -> None:
        self.groups.append(OutflowGroup(f"havo:{d}", (f"hbo-havo:{d}",)))
        self.groups.append(OutflowGroup(f"vwo:{d}", (f"hbo-vwo:{d}", f"wo-vwo:{d}")))
        for target in self.domains:
            chosen = target == self.domain
            for pathway in HBO_PATHWAYS:
                for stage in ("havo", "vwo"):
                    self.edge(
                        f"{stage}:{d}",
                        f"hbo:{pathway}:{target}",
                        self.rate(f"hbo-{stage}:{d}"),
                        self.share(f"hbo-{self.domain}-{stage}:{d}", chosen),
                        self.rate(f"pathway-hbo-{pathway}:{target}"),
                    )
            self.edge(
                f"vwo:{d}",
                f"wo:{target}",
                self.rate(f"wo-vwo:{d}"),
                self.share(f"wo-{self.domain}-vwo:{d}", chosen),
            )

    def _mbo_edges(self, level: str, pathway: str, d: str) -> None:
        src = f"mbo-{level}:{pathway}:{d}"
        other = self.other if d == self.domain else self.domain
        exit_rate, diploma = f"exit-mbo-{level}", f"diploma-mbo:{d}"
        switch = f"switch-mbo:{d}"
        self.edge(src, src, self.complement(exit_rate), self.complement(switch))
        self.edge(
            src, f"mbo-{level}:{pathway}:{other}", self.complement(exit_rate), self.rate(switch)
        )
        leaving = (self.rate(exit_rate), self.rate(diploma))
        self.edge(src, f"graduates:mbo-{level}:{d}", *leaving, observer=True)
        self.edge(src, f"left:mbo-{level}:{d}", self.rate(exit_rate), self.complement(diploma))
        if level != MBO_LEVELS[-1]:
            onward = f"doorstroom-mbo-{level}:{d}"
            self.edge(src, f"mbo-{int(level) + 1}:{pathway}:{d}", *leaving, self.rate(onward))
            self.edge(src, f"work:mbo-{level}:{d}", *leaving, self.complement(onward))
            self.groups.append(OutflowGroup(f"graduates:mbo-{level}:{d}", (onward,)))
            return
        to_hbo = f"hbo-mbo-{level}:{d}"
        self.edge(
            src, f"doorstroom-hbo:mbo-{level}:{d}", *leaving, self.rate(to_hbo), observer=True
        )
        self.edge(src, f"work:mbo-{level}:{d}", *leaving, self.complement(to_hbo))
        self.groups.append(OutflowGroup(f"graduates:mbo-{level}:{d}", (to_hbo,)))
        for target in self.domains:
            for hbo_pathway in HBO_PATHWAYS:
                self.edge(
                    src,
                    f"hbo:{hbo_pathway}:{target}",
                    *leaving,
                    self.rate(to_hbo),
                    self.share(f"hbo-{self.domain}-mbo-{level}:{d}", target == self.domain),
                    self.rate(f"pathway-hbo-{hbo_pathway}:{target}"),
                )

    def _shares(self) -> None:
        for stage in VMBO:
            rates = tuple(
                f"level-{stage}-{lv}"
                for lv in MBO_LEVELS
                if f"level-{stage}-{lv}" in self.available
            )
            self.shares.append((f"niveau bij instroom uit {stage}", rates))
        for d in self.domains:
            self.shares.append(
                (f"hbo-leervorm {d}", tuple(f"pathway-hbo-{p}:{d}" for p in HBO_PATHWAYS))
            )


def check_rates(structure: Structure, values: Mapping[str, float], where: str = "") -> None:
    """Raise ProjectionError when a rate lies outside [0, 1], when rates out of one state add
    up to more than 1, or when shares that split a flow do not add up to 1.

    ``where`` names the origin of the values (a file, a lever) for the message."""
    suffix = f" ({where})" if where else ""
    for rate_id in structure.rates:
        value = values[rate_id]
        if not 0.0 <= value <= 1.0:
            raise ProjectionError(
                f"kans '{rate_id}' is {_fmt(value)}; een kans ligt tussen 0 en 1{suffix}"
            )
    for group in structure.groups:
        total = sum(values[r] for r in group.rates)
        if total > 1.0 + 1e-9:
            parts = " + ".join(f"{r} {_fmt(values[r])}" for r in group.rates)
            raise ProjectionError(
                f"de kansen uit toestand '{group.state}' tellen op tot {_fmt(total)} (> 1): "
                f"{parts}{suffix}"
            )
    for name, rates in structure.shares:
        total = sum(values[r] for r in rates)
        if rates and abs(total - 1.0) > 1e-6:
            parts = " + ".join(f"{r} {_fmt(values[r])}" for r in rates)
            raise ProjectionError(
                f"de aandelen van '{name}' tellen op tot {_fmt(total)}, niet 1: {parts}{suffix}"
            )
    for state in structure.states:
        out = sum(e.rate(values) for e in structure.edges if e.src == state.id and not e.observer)
        if out > 1.0 + 1e-9:
            raise ProjectionError(
                f"wat toestand '{state.id}' verlaat telt op tot {_fmt(out)} (> 1){suffix}"
            )


def _fmt(value: float) -> str:
    return f"{value:.4g}".replace(".", ",")
