"""The pipeline as a flow: one year's route from vo through mbo and hbo/wo to work, as nodes
and bands laid out here and drawn by Vega (``path``/``rect``/``text`` marks, no layout
library). The page, its table and ``/api/v1/pipeline`` all present ``pipeline_flow``.

Two bases, never mixed without saying so:

- **flows**: where DUO's doorstroom files are loaded (measure ``transitions``), a band is the
  number of students who went from one stage into the next, split into techniek and the
  rest; the leak band is the origin's exam candidates who do not appear in any loaded flow.
- **stocks**: otherwise each node is the stage's own count for the year (exam candidates of
  the school year ending in it, all mbo students per niveau, hbo/wo first-years). Those are
  different cohorts, so no band between them carries a number: the routes are drawn as thin
  dashed lines and the diagram says so.

``?year=`` picks one year for every stage; a stage without a figure for that year is shown
empty with the years it does have, never filled with another year.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.cube import CubeQuery, sources
from pijplijn.engine.disclosure import published
from pijplijn.engine.pipeline import STAGES, StageCount, pipeline, stage_periods
from pijplijn.engine.regions import region_names
from pijplijn.errors import QueryError
from pijplijn.periods import Period, summarise_periods
from pijplijn.views.render import ViewTable
from pijplijn.vocabulary import UNKNOWN_FLAGS

VO_STAGES = ("vmbo-bb", "vmbo-kb", "vmbo-gl", "vmbo-tl", "havo", "vwo")
HO_STAGES = ("hbo", "wo")
MBO_LEVELS = ("1", "2", "3", "4")
FLOW_TARGETS = ("mbo", "hbo", "wo")

WIDTH = 1000.0
"""The layout's virtual width; the Vega spec scales x to the container, so it fits a phone."""
HEIGHT = 440.0
NODE_WIDTH = 16.0
GAP = 10.0

COLOURS = {"techniek": "#1b6e8f", "overig": "#b9c7d0", "lek": "#d9822b", "route": "#8a8a8a"}
"""Colour-blind safe: blue for techniek, grey for the rest, orange for the leak."""

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "vmbo-bb": "vmbo basis",
        "vmbo-kb": "vmbo kader",
        "vmbo-gl": "vmbo gemengd",
        "vmbo-tl": "vmbo theoretisch",
        "vmbo-gt": "vmbo gemengd/theoretisch",
        "vo-overig": "vo overig",
        "havo": "havo",
        "vwo": "vwo",
        "mbo": "mbo",
        "hbo": "hbo",
        "wo": "wo",
        "level": "mbo niveau {level}",
        "leak": "niet doorgestroomd",
        "exam_candidates": "examenkandidaten",
        "enrolled": "mbo-studenten (alle leerjaren)",
        "first_year": "eerstejaars",
        "transitions": "instroom",
        "replacement_demand": "vervangingsvraag techniek per jaar",
        "techniek": "techniek",
        "overig": "overig",
        "lek": "lek",
        "flows": "Doorstroom van één cohort (DUO-doorstroomcijfers): de banden tellen "
        "leerlingen die van de ene fase naar de volgende gingen.",
        "stocks": "Geen doorstroomcijfers geladen: elke fase toont haar eigen aantal in {year} "
        "(examenkandidaten van één schooljaar, mbo-studenten van alle leerjaren, eerstejaars "
        "hbo/wo). Dat zijn verschillende groepen; de stippellijnen tonen de route, geen "
        "aantallen.",
        "no_figure": "geen cijfer voor {period}",
        "none": "geen cijfer",
        "at_most": "hoogstens: een kleine stroom is onderdrukt",
        "has": "in de gegevens: {periods}",
        "demand": "werk (vervangingsvraag {period})",
        "coverage": "dekking {share}",
        "title": "Pijplijn {region} {year}",
        "description": "Route van vo via mbo en hbo/wo naar werk in {region}, {year}: "
        "{nodes} fasen, {bands} banden met aantallen.",
    },
    "en": {
        "vmbo-bb": "vmbo basic",
        "vmbo-kb": "vmbo kader",
        "vmbo-gl": "vmbo combined",
        "vmbo-tl": "vmbo theoretical",
        "vmbo-gt": "vmbo combined/theoretical",
        "vo-overig": "other secondary",
        "havo": "havo",
        "vwo": "vwo",
        "mbo": "mbo",
        "hbo": "hbo",
        "wo": "wo",
        "level": "mbo level {level}",
        "leak": "did not continue",
        "exam_candidates": "exam candidates",
        "enrolled": "mbo students (all years)",
        "first_year": "first-year students",
        "transitions": "intake",
        "replacement_demand": "technical replacement demand per year",
        "techniek": "technical",
        "overig": "other",
        "lek": "leak",
        "flows": "Flow of one cohort (DUO flow figures): the bands count students who went "
        "from one stage to the next.",
        "stocks": "No flow figures loaded: each stage shows its own count in {year} (exam "
        "candidates of one school year, mbo students of all years, first-year hbo/wo). These "
        "are different groups; the dotted lines show the route, not numbers.",
        "no_figure": "no figure for {period}",
        "none": "no figure",
        "at_most": "at most: a small flow is suppressed",
        "has": "in the data: {periods}",
        "demand": "work (replacement demand {period})",
        "coverage": "coverage {share}",
        "title": "Pipeline {region} {year}",
        "description": "Route from secondary school through mbo and hbo/wo to work in "
        "{region}, {year}: {nodes} stages, {bands} bands with counts.",
    },
}

Kind = Literal["techniek", "overig", "lek", "route"]


class FlowNode(BaseModel):
    """One stage (or mbo niveau, or a demand group) in one column of the flow."""

    id: str
    label: str
    column: int
    stage: str | None
    """The stage a click drills down into (None for the work column)."""
    measure: str
    measure_label: str
    period: str | None
    """The period of the figure; None when the stage has none for the asked year."""
    total: float | None
    in_domain: float | None
    outside_domain: float | None
    share: float | None
    flag: str | None
    note: str | None = None
    datasets: list[int] = []
    x: float = 0.0
    y: float = 0.0
    height: float = 0.0
    domain_height: float = 0.0


class FlowBand(BaseModel):
    """A band from one node to the next: how many went there (flows), or a route (stocks)."""

    source: str
    target: str
    kind: Kind
    value: float | None
    share_of_source: float | None
    """The doorstroom percentage: the band's value over the source node's total."""
    label: str
    stage: str | None
    flag: str | None = None
    """``suppressed`` on a leak whose flows include an unknown (small) cell: the leak is then
    at most the value shown, since the unknown students are not counted as moved."""
    sx: float = 0.0
    sy: float = 0.0
    tx: float = 0.0
    ty: float = 0.0
    thickness: float = 0.0


class PipelineFlow(BaseModel):
    region: str
    region_name: str
    year: int
    years: list[int]
    regions: list[tuple[str, str]]
    classification: str
    domain: str
    basis: Literal["flows", "stocks"]
    basis_note: str
    nodes: list[FlowNode]
    bands: list[FlowBand]
    missing: list[str]
    """One sentence per stage without a figure for ``year``."""
    title: str
    description: str
    spec: dict[str, Any]


def _wanted(stage: str, year: int) -> str:
    school_year = next(s.school_year for s in STAGES if s.stage == stage)
    return f"{year - 1}-{year}" if school_year else str(year)


def flow_years(periods: dict[str, set[str]]) -> list[int]:
    """Return the years any stage has a figure for (vo: the year its school year ends)."""
    years: set[int] = set()
    for stage, texts in periods.items():
        for text in texts:
            year = Period.parse(text).year
            years.add(year + 1 if "-" in _wanted(stage, year + 1) else year)
    return sorted(years)


def default_year(periods: dict[str, set[str]]) -> int | None:
    """The latest year with the most columns (vo, mbo, hbo/wo) that have a figure for it."""
    years = flow_years(periods)
    if not years:
        return None

    def columns(year: int) -> int:
        present = {s for s, texts in periods.items() if _wanted(s, year) in texts}
        return sum(bool(present & set(group)) for group in (VO_STAGES, ("mbo",), HO_STAGES))

    return max(years, key=lambda y: (columns(y), y))


def pipeline_flow(
    session: Session,
    pack: ContentPack,
    region: str,
    year: int | None,
    classification: str,
    lang: str = "nl",
) -> PipelineFlow | None:
    """Return the flow of ``region`` in ``year`` (default: the latest most complete year);
    None when no stage has any figure."""
    t = TEXTS.get(lang, TEXTS["nl"])
    periods = stage_periods(session)
    chosen = year or default_year(periods)
    if chosen is None:
        return None
    stock = pipeline(session, region, chosen, classification)
    domain = stock.domain
    names = region_names(session)
    nodes: list[FlowNode] = []
    missing: list[str] = []
    counts = {s.stage: s for s in stock.stages}
    for stage in VO_STAGES:
        nodes.append(_stage_node(session, counts[stage], 0, t, missing, region, chosen))
    flows, unknown, hidden = _flows(session, region, chosen, classification, domain)
    if flows.get("mbo"):
        nodes.append(_flow_target(session, "mbo", 1, flows["mbo"], region, chosen, domain, t))
    else:
        nodes.extend(
            _mbo_levels(session, counts["mbo"], region, chosen, classification, domain, t, missing)
        )
    for stage in HO_STAGES:
        if flows.get(stage):
            nodes.append(_flow_target(session, stage, 2, flows[stage], region, chosen, domain, t))
        else:
            nodes.append(_stage_node(session, counts[stage], 2, t, missing, region, chosen))
    nodes.extend(_demand_nodes(session, pack, region, t))
    missing = _grouped(missing)
    basis: Literal["flows", "stocks"] = "flows" if flows else "stocks"
    bands = _flow_bands(nodes, flows, unknown, hidden, t) if flows else _routes(nodes)
    _layout(nodes, bands)
    name = names.get(region, region)
    title = t["title"].format(region=name, year=chosen)
    drawn = [b for b in bands if b.kind != "route"]
    description = t["description"].format(
        region=name, year=chosen, nodes=len(nodes), bands=len(drawn)
    )
    view = PipelineFlow(
        region=region,
        region_name=name,
        year=chosen,
        years=flow_years(periods),
        regions=_regions(pack, names),
        classification=classification,
        domain=domain,
        basis=basis,
        basis_note=t[basis].format(year=chosen),
        nodes=nodes,
        bands=bands,
        missing=missing,
        title=title,
        description=description,
        spec={},
    )
    view.spec = flow_spec(view, t)
    return view


def _grouped(notes: list[str]) -> list[str]:
    """Say once which stages share a note ("vmbo basis, havo: geen cijfer voor ...")."""
    by_note: dict[str, list[str]] = {}
    for text in notes:
        label, _, note = text.partition(": ")
        by_note.setdefault(note, []).append(label)
    return [f"{', '.join(labels)}: {note}" for note, labels in by_note.items()]


def _regions(pack: ContentPack, names: dict[str, str]) -> list[tuple[str, str]]:
    """The regions the selector offers: the pack's region sets and their members."""
    codes: list[str] = []
    for region_set in pack.region_sets:
        for code in (region_set.code, *region_set.members):
            if code not in codes:
                codes.append(code)
    return [(c, names.get(c, c)) for c in codes]


def _stage_node(
    session: Session,
    count: StageCount,
    column: int,
    t: dict[str, str],
    missing: list[str],
    region: str,
    year: int,
) -> FlowNode:
    """A node from the engine's stage count, empty when its period is not the asked one."""
    spec = next(s for s in STAGES if s.stage == count.stage)
    asked = f"{year - 1}-{year}" if spec.school_year else str(year)
    label = t[count.stage]
    if count.period is None or not count.exact_period:
        periods = sorted(stage_periods(session)[count.stage], key=Period.parse)
        note = t["no_figure"].format(period=asked)
        if periods:
            note += "; " + t["has"].format(periods=_span(periods))
        missing.append(f"{label}: {note}")
        return FlowNode(
            id=count.stage,
            label=label,
            column=column,
            stage=count.stage,
            measure=spec.measure,
            measure_label=t[spec.measure],
            period=None,
            total=None,
            in_domain=None,
            outside_domain=None,
            share=None,
            flag="missing",
            note=note,
        )
    return FlowNode(
        id=count.stage,
        label=label,
        column=column,
        stage=count.stage,
        measure=spec.measure,
        measure_label=t[spec.measure],
        period=count.period,
        total=count.total,
        in_domain=count.in_domain,
        outside_domain=count.outside_domain,
        share=count.share,
        flag=count.flag,
        datasets=count.datasets,
    )


def _span(periods: list[str], lang: str = "nl") -> str:
    return summarise_periods(periods, lang)


def _mbo_levels(
    session: Session,
    count: StageCount,
    region: str,
    year: int,
    classification: str,
    domain: str,
    t: dict[str, str],
    missing: list[str],
) -> list[FlowNode]:
    """The mbo students of ``year`` per niveau, split into the domain and the rest."""
    period = str(year)
    if count.period != period:
        periods = sorted(stage_periods(session)["mbo"], key=Period.parse)
        note = t["no_figure"].format(period=period)
        if periods:
            note += "; " + t["has"].format(periods=_span(periods))
        missing.append(f"{t['mbo']}: {note}")
        return [
            FlowNode(
                id="mbo",
                label=t["mbo"],
                column=1,
                stage="mbo",
                measure="enrolled",
                measure_label=t["enrolled"],
                period=None,
                total=None,
                in_domain=None,
                outside_domain=None,
                share=None,
                flag="missing",
                note=note,
            )
        ]
    q = CubeQuery(
        measure="enrolled",
        region=region,
        stage="mbo",
        periods=(period,),
        by=("level", "domain"),
        classification=classification,
    )
    rows = published(session, q)
    datasets = sources(session, q)
    if not any(str(r.keys.get("level")) in MBO_LEVELS for r in rows):
        # A source without niveau (a seed table): one mbo node with the stage's figure.
        return [
            FlowNode(
                id="mbo",
                label=t["mbo"],
                column=1,
                stage="mbo",
                measure="enrolled",
                measure_label=t["enrolled"],
                period=period,
                total=count.total,
                in_domain=count.in_domain,
                outside_domain=count.outside_domain,
                share=count.share,
                flag=count.flag,
                datasets=count.datasets,
            )
        ]
    nodes = []
    for level in MBO_LEVELS:
        mine = [r for r in rows if str(r.keys.get("level")) == level]
        if not mine:
            continue
        inside = [r for r in mine if r.keys.get("domain") == domain]
        outside = [r for r in mine if r.keys.get("domain") != domain]
        known_in = [r.value for r in inside if r.value is not None]
        known_out = [r.value for r in outside if r.value is not None]
        unknown = any(r.value is None for r in mine)
        # A part with a hidden cell is unknown as a whole: a partial sum beside the
        # stage's total would give the hidden cell back.
        in_domain = None if any(r.value is None for r in inside) else sum(known_in)
        out_domain = None if any(r.value is None for r in outside) else sum(known_out)
        total = None if in_domain is None or out_domain is None else in_domain + out_domain
        nodes.append(
            FlowNode(
                id=f"mbo-{level}",
                label=t["level"].format(level=level),
                column=1,
                stage="mbo",
                measure="enrolled",
                measure_label=t["enrolled"],
                period=period,
                total=total,
                in_domain=in_domain,
                outside_domain=out_domain,
                share=(in_domain / total) if total and in_domain is not None else None,
                flag="suppressed" if unknown else None,
                datasets=datasets,
            )
        )
    return nodes


def _flows(
    session: Session, region: str, year: int, classification: str, domain: str
) -> tuple[dict[str, dict[str, tuple[float, float]]], set[str], set[str]]:
    """Return per target stage, per origin stage: (into the domain, into the rest), from the
    ``transitions`` of ``year`` (empty when none are loaded); and the origins with a flow
    whose value is unknown (suppressed, a lower bound), and those with a hidden flow."""
    found: dict[str, dict[str, tuple[float, float]]] = {}
    unknown: set[str] = set()
    hidden: set[str] = set()
    for target in FLOW_TARGETS:
        q = CubeQuery(
            measure="transitions",
            region=region,
            stage=target,
            periods=(str(year),),
            by=("origin_stage", "domain"),
            classification=classification,
        )
        try:
            rows = published(session, q)
        except QueryError:
            continue
        per_origin: dict[str, tuple[float, float]] = {}
        for row in rows:
            origin = row.keys.get("origin_stage")
            if not origin:
                continue
            if row.flag in UNKNOWN_FLAGS:
                unknown.add(origin)  # a suppressed cell is no 0: the leak says "at most"
            if row.value is None:
                # A hidden flow: the leak (the origin's total minus its flows) would give it
                # back, so that origin gets no leak band.
                hidden.add(origin)
                continue
            inside, outside = per_origin.get(origin, (0.0, 0.0))
            if row.keys.get("domain") == domain:
                inside += row.value
            else:
                outside += row.value
            per_origin[origin] = (inside, outside)
        if per_origin:
            found[target] = per_origin
    return found, unknown, hidden


def _flow_target(
    session: Session,
    stage: str,
    column: int,
    origins: dict[str, tuple[float, float]],
    region: str,
    year: int,
    domain: str,
    t: dict[str, str],
) -> FlowNode:
    """The intake of ``stage`` in ``year``: the sum of the loaded flows into it."""
    inside = sum(v[0] for v in origins.values())
    outside = sum(v[1] for v in origins.values())
    total = inside + outside
    q = CubeQuery(measure="transitions", region=region, stage=stage, periods=(str(year),))
    return FlowNode(
        id=stage,
        label=f"{t[stage]} ({t['transitions']})",
        column=column,
        stage=stage,
        measure="transitions",
        measure_label=t["transitions"],
        period=str(year),
        total=total,
        in_domain=inside,
        outside_domain=outside,
        share=inside / total if total else None,
        flag=None,
        datasets=sources(session, q),
    )


def _demand_nodes(
    session: Session, pack: ContentPack, region: str, t: dict[str, str]
) -> list[FlowNode]:
    """The work column: technical replacement demand per level group, from the labour view's
    coverage (engine/labour), with its coverage ratio; none without ROA figures."""
    from pijplijn.engine.labour.coverage import coverage_ratios

    try:
        groups = coverage_ratios(session, pack, region)
    except (QueryError, KeyError):
        return []
    nodes = []
    for group in groups:
        demand = group.demand
        if demand.replacement is None:
            continue
        latest = group.points[-1] if group.points else None
        note = (
            t["coverage"].format(share=f"{100 * latest.coverage:.0f}%".replace(".", ","))
            if latest
            else None
        )
        nodes.append(
            FlowNode(
                id=f"werk-{group.group}",
                label=group.title,
                column=3,
                stage=None,
                measure="replacement_demand",
                measure_label=t["replacement_demand"],
                period=demand.period,
                total=demand.replacement,
                in_domain=demand.replacement,
                outside_domain=0.0,
                share=1.0,
                flag=demand.flag,
                note=note,
            )
        )
    return nodes


def _flow_bands(
    nodes: list[FlowNode],
    flows: dict[str, dict[str, tuple[float, float]]],
    unknown: set[str],
    hidden: set[str],
    t: dict[str, str],
) -> list[FlowBand]:
    """Bands from each origin into each target (techniek, rest) and the origin's leak."""
    by_id = {n.id: n for n in nodes}
    bands: list[FlowBand] = []
    out_of: dict[str, float] = {}
    for target, origins in flows.items():
        for origin, (inside, outside) in origins.items():
            source = by_id.get(origin)
            if source is None:
                continue  # a flow from a stage the diagram has no node for
            for kind, value in (("techniek", inside), ("overig", outside)):
                if value <= 0:
                    continue
                share = value / source.total if source.total else None
                bands.append(
                    FlowBand(
                        source=origin,
                        target=target,
                        kind=kind,
                        value=value,
                        share_of_source=share,
                        label=f"{source.label} → {t[target]} {t[kind]}",
                        stage=target,
                    )
                )
            out_of[origin] = out_of.get(origin, 0.0) + inside + outside
    for origin, moved in out_of.items():
        source = by_id[origin]
        if source.total is None or source.total <= moved or origin in hidden:
            continue
        leak = source.total - moved
        bands.append(
            FlowBand(
                source=origin,
                target="lek",
                kind="lek",
                value=leak,
                share_of_source=leak / source.total,
                label=f"{source.label}: {t['leak']}"
                + (f" ({t['at_most']})" if origin in unknown else ""),
                stage=origin,
                flag="suppressed" if origin in unknown else None,
            )
        )
    return bands


ROUTES = (
    (("vmbo-bb",), ("mbo-2", "mbo")),
    (("vmbo-kb",), ("mbo-3", "mbo")),
    (("vmbo-gl", "vmbo-tl"), ("mbo-4", "mbo")),
    (("havo",), ("hbo",)),
    (("vwo",), ("wo",)),
    (("mbo-4",), ("hbo",)),
    (
        (
            "mbo-2",
            "mbo",
        ),
        ("werk-mbo2",),
    ),
    (("mbo-3", "mbo-4", "mbo"), ("werk-mbo34",)),
    (("hbo",), ("werk-hbo",)),
    (("wo",), ("werk-wo",)),
)
"""The usual routes, drawn (without a number) when only stock figures are loaded."""


def _routes(nodes: list[FlowNode]) -> list[FlowBand]:
    ids = {n.id for n in nodes}
    bands: list[FlowBand] = []
    for sources_, targets in ROUTES:
        for source in sources_:
            if source not in ids:
                continue
            for target in targets:
                if target in ids and (source, target) not in {(b.source, b.target) for b in bands}:
                    bands.append(
                        FlowBand(
                            source=source,
                            target=target,
                            kind="route",
                            value=None,
                            share_of_source=None,
                            label="",
                            stage=None,
                        )
                    )
    return bands


def _layout(nodes: list[FlowNode], bands: list[FlowBand]) -> None:
    """Place nodes in their columns on one scale (persons) and bands between them."""
    columns: dict[int, list[FlowNode]] = {}
    for node in nodes:
        columns.setdefault(node.column, []).append(node)
    leak = sum(b.value or 0.0 for b in bands if b.kind == "lek")
    heights = []
    for column, members in columns.items():
        gaps = GAP * (len(members) - 1) + (GAP + 2 if column == 1 and leak else 0)
        total = sum(n.total or 0.0 for n in members) + (leak if column == 1 else 0.0)
        if total:
            heights.append((HEIGHT - gaps - 14 * len(members)) / total)
    scale = min(heights) if heights else 0.0
    # The columns present share the width; the last one's labels stand left of its nodes.
    present = sorted(columns)
    step = (WIDTH - NODE_WIDTH) / max(len(present) - 1, 1)
    column_x = {c: i * step for i, c in enumerate(present)}
    for column, members in columns.items():
        y = 0.0
        for node in members:
            node.x = column_x[column]
            node.height = max((node.total or 0.0) * scale, 3.0)
            node.domain_height = (node.in_domain or 0.0) * scale
            node.y = y
            y += node.height + GAP + 14
    if leak:
        bottom = max((n.y + n.height for n in columns.get(1, [])), default=0.0)
        nodes.append(
            FlowNode(
                id="lek",
                label=TEXTS["nl"]["leak"],
                column=1,
                stage=None,
                measure="exam_candidates",
                measure_label="",
                period=None,
                total=leak,
                in_domain=0.0,
                outside_domain=leak,
                share=0.0,
                flag=None,
                x=column_x.get(1, 0.0),
                y=bottom + GAP + 14,
                height=leak * scale,
                domain_height=0.0,
            )
        )
    by_id = {n.id: n for n in nodes}
    out_offset: dict[str, float] = {}
    in_offset: dict[tuple[str, str], float] = {}
    for band in bands:
        source, target = by_id.get(band.source), by_id.get(band.target)
        if source is None or target is None:
            continue
        band.sx, band.tx = source.x + NODE_WIDTH, target.x
        if band.kind == "route":
            band.sy = source.y + source.height / 2
            band.ty = target.y + target.height / 2
            band.thickness = 1.0
            continue
        thickness = (band.value or 0.0) * scale
        start = out_offset.get(band.source, 0.0)
        band.sy = source.y + start + thickness / 2
        out_offset[band.source] = start + thickness
        # Into the target's domain part (top) or its rest (below the domain part).
        base = 0.0 if band.kind == "techniek" else target.domain_height
        key = (band.target, "in" if band.kind == "techniek" else "out")
        entry = in_offset.get(key, 0.0)
        band.ty = target.y + base + entry + thickness / 2
        in_offset[key] = entry + thickness
        band.thickness = thickness


def _fmt(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}"
    return text.replace(",", ".") if lang == "nl" else text


LINE = 13
"""Pixels per line of a node's label (11 px text)."""
_SHIFT = f"(narrow ? (datum.{{row}} + 1) * {LINE} : 0)"
"""How far a node (and the bands at it) moves down on a phone: a line per node above it and
its own name's line."""


def _rows(nodes: list[FlowNode]) -> dict[str, int]:
    """Each node's place in its column from the top (0 for the first)."""
    ordered = sorted(nodes, key=lambda n: (n.x, n.y))
    rows: dict[str, int] = {}
    seen: dict[float, int] = {}
    for node in ordered:
        rows[node.id] = seen.get(node.x, 0)
        seen[node.x] = rows[node.id] + 1
    return rows


def flow_spec(view: PipelineFlow, t: dict[str, str]) -> dict[str, Any]:
    """Return the Vega spec: bands as ``path`` marks (linkpath), nodes as ``rect``s split into
    the domain and the rest, labels as ``text``; x scales to the container's width."""
    lang = "en" if t is TEXTS["en"] else "nl"
    rows = _rows(view.nodes)
    columns = sorted({n.x for n in view.nodes})
    # On a phone a name stands on its own line above its figure: every node moves down by
    # one line per node above it in its column, and the labels are cut at the column's width.
    step = (columns[1] - columns[0]) if len(columns) > 1 else WIDTH
    extra = LINE * (max(rows.values(), default=0) + 1)
    node_rows = []
    for n in view.nodes:
        counts = _fmt(n.total, lang)
        detail = (
            f"{n.label}: {n.note}"
            if n.total is None
            else f"{n.label}, {n.measure_label} {n.period or ''}: {counts}"
            + (f"; {t['techniek']} {_fmt(n.in_domain, lang)}" if n.column < 3 else "")
        )
        node_rows.append(
            {
                "id": n.id,
                "stage": n.stage,
                "x": n.x,
                "y": n.y,
                "h": n.height,
                "dh": n.domain_height,
                "last": n.column == max(m.column for m in view.nodes),
                "empty": n.total is None,
                "label": n.label,
                "figure": counts if n.total is not None else t["none"],
                "tooltip": detail,
                "lek": n.id == "lek",
                "row": rows[n.id],
            }
        )
    by_id = {n.id: n for n in view.nodes}
    band_rows = [
        {
            "sx": b.sx,
            "sy": b.sy,
            "tx": b.tx,
            "ty": b.ty,
            "th": b.thickness,
            "kind": b.kind,
            "stage": b.stage,
            "srow": rows.get(b.source, 0) if b.source in by_id else 0,
            "trow": rows.get(b.target, 0) if b.target in by_id else 0,
            "tooltip": (
                f"{b.label}: {_fmt(b.value, lang)}"
                + (
                    f" ({100 * b.share_of_source:.1f}%)".replace(".", ",")
                    if b.share_of_source is not None and lang == "nl"
                    else f" ({100 * b.share_of_source:.1f}%)"
                    if b.share_of_source is not None
                    else ""
                )
            )
            if b.kind != "route"
            else "",
        }
        for b in view.bands
        if b.thickness > 0
    ]
    scale_x = "width / 1000"
    # As tall as the nodes reach: a flow of small stages leaves no empty band below.
    height = max((n.y + n.height for n in view.nodes), default=HEIGHT) + 20
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "description": view.description,
        "width": 800,
        "height": height,
        "padding": {"left": 4, "right": 4, "top": 14, "bottom": 4},
        "autosize": "none",
        "signals": [
            {
                "name": "width",
                "init": "max(containerSize()[0] - 8, 300) || 800",
                "on": [
                    {
                        "events": {"source": "window", "type": "resize"},
                        "update": "max(containerSize()[0] - 8, 300) || 800",
                    }
                ],
            },
            {"name": "narrow", "update": "width < 600"},
            {"name": "height", "update": f"{height} + (narrow ? {extra} : 0)"},
            # The room a label has: its column's step less the node and a little air.
            {"name": "room", "update": f"max(({step} - {NODE_WIDTH}) * {scale_x} - 6, 40)"},
        ],
        "data": [
            {
                "name": "bands",
                "values": band_rows,
                "transform": [
                    {"type": "formula", "as": "x0", "expr": f"datum.sx * {scale_x}"},
                    {"type": "formula", "as": "x1", "expr": f"datum.tx * {scale_x}"},
                    {
                        "type": "formula",
                        "as": "y0",
                        "expr": f"datum.sy + {_SHIFT.format(row='srow')}",
                    },
                    {
                        "type": "formula",
                        "as": "y1",
                        "expr": f"datum.ty + {_SHIFT.format(row='trow')}",
                    },
                    {
                        "type": "linkpath",
                        "sourceX": "x0",
                        "sourceY": "y0",
                        "targetX": "x1",
                        "targetY": "y1",
                        "orient": "horizontal",
                        "shape": "diagonal",
                    },
                ],
            },
            {
                "name": "nodes",
                "values": node_rows,
                "transform": [
                    {
                        "type": "formula",
                        "as": "top",
                        "expr": f"datum.y + {_SHIFT.format(row='row')}",
                    }
                ],
            },
        ],
        "scales": [
            {
                "name": "colour",
                "type": "ordinal",
                "domain": list(COLOURS),
                "range": list(COLOURS.values()),
            }
        ],
        "marks": [
            {
                "type": "path",
                "name": "band",
                "from": {"data": "bands"},
                "encode": {
                    "update": {
                        "path": {"field": "path"},
                        "stroke": {"scale": "colour", "field": "kind"},
                        "strokeWidth": {"signal": "max(datum.th, 1)"},
                        "strokeOpacity": {"signal": "datum.kind == 'route' ? 0.7 : 0.45"},
                        "strokeDash": {"signal": "datum.kind == 'route' ? [3, 3] : []"},
                        "tooltip": {"signal": "datum.tooltip || null"},
                        # A stock route has no figure of its own; screen readers still get
                        # a name ("route" in Dutch and English alike), never an empty one.
                        "description": {"signal": "datum.tooltip || 'route'"},
                        "cursor": {"signal": "datum.stage ? 'pointer' : 'default'"},
                    },
                    "hover": {"strokeOpacity": {"value": 0.75}},
                },
            },
            {
                "type": "rect",
                "name": "node-rest",
                "from": {"data": "nodes"},
                "encode": {
                    "update": {
                        "x": {"signal": f"datum.x * {scale_x}"},
                        "width": {"signal": f"max({NODE_WIDTH} * {scale_x}, 6)"},
                        "y": {"signal": "datum.top + datum.dh"},
                        "height": {"signal": "max(datum.h - datum.dh, 0)"},
                        "fill": {
                            "signal": "datum.empty ? '#ffffff' : datum.lek ? '"
                            + COLOURS["lek"]
                            + "' : '"
                            + COLOURS["overig"]
                            + "'"
                        },
                        "stroke": {"value": "#555555"},
                        "strokeDash": {"signal": "datum.empty ? [2, 2] : []"},
                        "tooltip": {"field": "tooltip"},
                        "description": {"field": "tooltip"},
                        "cursor": {"signal": "datum.stage ? 'pointer' : 'default'"},
                    }
                },
            },
            {
                "type": "rect",
                "name": "node-domain",
                "from": {"data": "nodes"},
                "encode": {
                    "update": {
                        "x": {"signal": f"datum.x * {scale_x}"},
                        "width": {"signal": f"max({NODE_WIDTH} * {scale_x}, 6)"},
                        "y": {"field": "top"},
                        "height": {"field": "dh"},
                        "fill": {"value": COLOURS["techniek"]},
                        "tooltip": {"field": "tooltip"},
                        "description": {"field": "tooltip"},
                        "cursor": {"signal": "datum.stage ? 'pointer' : 'default'"},
                    }
                },
            },
            {
                "type": "text",
                "name": "node-label",
                "from": {"data": "nodes"},
                "encode": {
                    "update": {
                        "x": {
                            "signal": f"datum.last ? datum.x * {scale_x} - 3 : "
                            f"datum.x * {scale_x} + max({NODE_WIDTH} * {scale_x}, 6) + 3"
                        },
                        "y": {"signal": "datum.top - 2"},
                        "align": {"signal": "datum.last ? 'right' : 'left'"},
                        "baseline": {"value": "bottom"},
                        # Desktop: "name figure" on one line; phone: the name above the figure.
                        "text": {
                            "signal": "narrow ? [datum.label, datum.figure] "
                            ": datum.label + ' ' + datum.figure"
                        },
                        "lineHeight": {"value": LINE},
                        "limit": {"signal": "narrow ? room : 0"},
                        "fontSize": {"value": 11},
                        "fill": {"value": "#222222"},
                    }
                },
            },
        ],
    }


def flow_tables(flow: PipelineFlow | None, prefix: str = "") -> list[ViewTable]:
    """The flow's numbers as tables for the renderer registry: its stages (``nodes``: count,
    the part inside the classification, its share, period) and its bands (``bands``: from,
    to, count, share of the source stage). A suppressed or missing figure stays None."""
    if flow is None:
        return []
    return [
        ViewTable(
            name=f"{prefix}stadia",
            title=f"{flow.title}: fasen",
            columns=[
                "id",
                "label",
                "stage",
                "measure_label",
                "period",
                "total",
                "in_domain",
                "share",
                "flag",
                "datasets",
            ],  # fmt: skip
            rows=[n.model_dump() for n in flow.nodes],
            units={"total": "count", "in_domain": "count", "share": "share"},
        ),
        ViewTable(
            name=f"{prefix}stromen",
            title=f"{flow.title}: doorstroom",
            columns=["source", "target", "kind", "value", "share_of_source", "flag", "label"],
            rows=[b.model_dump() for b in flow.bands],
            units={"value": "count", "share_of_source": "share"},
        ),
    ]


def with_legend(view: PipelineFlow, t: dict[str, str]) -> dict[str, Any]:
    """Return the flow's spec with its legend drawn below it (techniek, the rest and, for
    flows, the leak), for where no page gives the swatches beside it: an embed, an image."""
    spec: dict[str, Any] = {**view.spec}
    kinds = ["techniek", "overig", *(["lek"] if view.basis == "flows" else [])]
    words = {"techniek": t["techniek"], "overig": t["overig"], "lek": t["leak"]}
    names = ", ".join(f"'{k}': '{v}'" for k, v in words.items())
    padding = dict(spec.get("padding") or {})
    padding["bottom"] = int(padding.get("bottom", 0)) + 28
    spec["padding"] = padding
    spec["legends"] = [
        {
            "fill": "colour",
            "values": kinds,
            "orient": "bottom-left",
            "direction": "horizontal",
            "offset": 8,
            "symbolType": "square",
            "labelFontSize": 11,
            "encode": {"labels": {"update": {"text": {"signal": f"{{{names}}}[datum.value]"}}}},
        }
    ]
    return spec
