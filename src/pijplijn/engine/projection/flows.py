"""The vo → mbo rates calibrated from observed flows (DUO instroom by VOOROPLEIDING VO).

Where transitions into mbo are loaded, two kinds of rate are set from them instead of the
pack's priors, per vmbo leerweg:

- ``mbo-vmbo-<leerweg>``: the part of the leerweg's exam passes that entered mbo the next
  autumn (transitions from the leerweg / passes of the school year before);
- ``mbo-techniek-vmbo-<leerweg>``: the part of those entering mbo who chose techniek
  (transitions into the techniek domain / all transitions from the leerweg). Only where the
  pack gives one value for every vmbo domain: the flows do not tell the pupils' vmbo sector.

DUO counts the gemengde and theoretische leerweg together (``vmbo-gt``); then vmbo-gl and
vmbo-tl share one rate over their joint passes.
"""

from __future__ import annotations

import re

import numpy as np

from pijplijn.content.projection import ProjectionContent
from pijplijn.engine.projection.model import Structure
from pijplijn.engine.projection.observed import Observed
from pijplijn.engine.projection.results import RateInfo

_RATE = re.compile(r"^mbo-(techniek-)?vmbo-(bb|kb|gl|tl):(.+)$")
_GT = ("vmbo-gl", "vmbo-tl")


def flow_rates(structure: Structure, content: ProjectionContent, data: Observed) -> list[RateInfo]:
    """Return the rates the loaded flows set (none when no transitions are loaded)."""
    if not data.flows:
        return []
    found = []
    for rate_id in structure.rates:
        match = _RATE.match(rate_id)
        if match is None:
            continue
        techniek, stage = bool(match[1]), f"vmbo-{match[2]}"
        if techniek and not _same_for_every_domain(content, rate_id):
            continue
        origins = _origins(data, stage)
        rate = (
            _choice_rate(rate_id, origins, structure.domain, data)
            if techniek
            else _entry_rate(rate_id, origins, data)
        )
        if rate is not None:
            found.append(rate)
    return found


def _origins(data: Observed, stage: str) -> tuple[str, ...]:
    joint = stage in _GT and any(origin == "vmbo-gt" for origin, _ in data.flows)
    return ("vmbo-gt", *_GT) if joint else (stage,)


def _per_year(data: Observed, origins: tuple[str, ...], domain: str | None) -> dict[int, float]:
    years: dict[int, float] = {}
    for (origin, to), values in data.flows.items():
        if origin in origins and (domain is None or to == domain):
            for year, value in values.items():
                years[year] = years.get(year, 0.0) + value
    return years


def _entry_rate(rate_id: str, origins: tuple[str, ...], data: Observed) -> RateInfo | None:
    flows = _per_year(data, origins, None)
    stages = [o for o in origins if o != "vmbo-gt"]
    passes = {year: sum(data.cohorts.get(s, {}).get(year, 0.0) for s in stages) for year in flows}
    years = sorted(y for y in flows if passes[y] > 0)
    if not years:
        return None
    values = [flows[y] / passes[y] for y in years]
    return _info(
        rate_id,
        years,
        values,
        f"instroom mbo vanuit {'/'.join(origins)} (DUO, transitions) gedeeld door de "
        f"geslaagden {' en '.join(stages)} van het schooljaar ervoor",
        sorted(set(data.datasets.get("flows", [])) | set(data.datasets.get("cohorts", []))),
    )


def _choice_rate(
    rate_id: str, origins: tuple[str, ...], domain: str, data: Observed
) -> RateInfo | None:
    all_flows = _per_year(data, origins, None)
    techniek = _per_year(data, origins, domain)
    years = sorted(y for y in all_flows if all_flows[y] > 0)
    if not years:
        return None
    values = [techniek.get(y, 0.0) / all_flows[y] for y in years]
    return _info(
        rate_id,
        years,
        values,
        f"deel van de instroom mbo vanuit {'/'.join(origins)} dat in {domain} instroomt "
        "(DUO, transitions)",
        data.datasets.get("flows", []),
    )


def _info(
    rate_id: str, years: list[int], values: list[float], source: str, datasets: list[int]
) -> RateInfo:
    series = np.array(values)
    value = float(np.clip(series.mean(), 0.0, 1.0))
    year_sd = float(series.std(ddof=1)) if len(series) > 1 else 0.0
    return RateInfo(
        id=rate_id,
        value=round(value, 4),
        sd=round(min(year_sd / np.sqrt(len(series)) if len(series) > 1 else 0.02, 0.5), 4),
        year_sd=round(min(year_sd, 0.5), 4),
        method="calibrated",
        kind="estimated",
        source="uit de doorstroom: " + source,
        datasets=datasets,
        periods=[str(y) for y in years],
        note="per jaar: " + ", ".join(f"{y} {v:.3f}" for y, v in zip(years, values, strict=True)),
    )


def _same_for_every_domain(content: ProjectionContent, rate_id: str) -> bool:
    prefix = rate_id.rsplit(":", 1)[0] + ":"
    values = {r.value for rid, r in content.rates.items() if rid.startswith(prefix)}
    return len(values) == 1
