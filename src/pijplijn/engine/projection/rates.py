"""The rates of the model: the content pack's priors, and what the store's data set.

Rates cannot be identified from stocks alone, so they are the pack's priors, except where
the store has the figures: the vo → mbo rates from loaded flows (``flows.py``), the diploma
rate is calibrated from graduates and enrolment of the same years, the hbo pathway split from
hbo first-years, the girls' share from enrolment by gender, and a doorstroom rate the stocks
cannot bear is lowered to what they allow. Each rate records how it was set and from which
data.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from pijplijn.content.projection import ProjectionContent, RateDef
from pijplijn.engine.projection.flows import flow_rates
from pijplijn.engine.projection.inflows import implied
from pijplijn.engine.projection.model import MBO_LEVELS, MBO_PATHWAYS, Structure
from pijplijn.engine.projection.observed import FloatArray, Observed
from pijplijn.engine.projection.results import RateInfo
from pijplijn.engine.projection.simulate import Compiled


def by_id(rates: list[RateInfo]) -> dict[str, RateInfo]:
    return {r.id: r for r in rates}


def estimate_rates(
    structure: Structure,
    content: ProjectionContent,
    data: Observed,
    base: int,
) -> list[RateInfo]:
    """Every rate of the model: the pack's prior, or what the data set (see the module)."""
    rates = {rid: _prior(rid, content.rates[rid], data) for rid in structure.rates}
    diploma = f"diploma-mbo:{structure.domain}"
    calibrated = _calibrate_diploma(structure, content, data, rates, base)
    if calibrated is not None:
        rates[diploma] = calibrated
    for rate in _hbo_pathways(structure, data, base, content):
        rates[rate.id] = rate
    girls = _girls_share(structure, data, base, rates[f"girls-share-{structure.domain}"])
    if girls is not None:
        rates[girls.id] = girls
    for rate in flow_rates(structure, content, data):
        rates[rate.id] = rate
    return [rates[r] for r in content.rates if r in rates]


def _prior(rate_id: str, rate: RateDef, data: Observed) -> RateInfo:
    subjects = [rate.subject] if rate.subject else list(rate.subjects)
    figures = [p for s in subjects for p in data.published.get(s, [])]
    note = None
    if rate.subject:
        stated = {round(p.value, 6) for p in figures if p.value is not None}
        if stated and round(rate.value, 6) not in stated:
            note = (
                f"let op: de bron vermeldt {', '.join(str(v) for v in sorted(stated))}, "
                f"het contentpakket {rate.value}"
            )
    return RateInfo(
        id=rate_id,
        value=rate.value,
        sd=rate.sd,
        year_sd=rate.year_sd,
        method="prior",
        kind=rate.kind,
        source=rate.source.strip(),
        subjects=subjects,
        datasets=sorted({p.dataset for p in figures if p.dataset is not None}),
        periods=sorted({p.period for p in figures}),
        note=note,
    )


def _level_mix(
    structure: Structure, content: ProjectionContent, data: Observed, year: int, base: int
) -> tuple[FloatArray, str]:
    """The domain's enrolment shares per mbo niveau in ``year``: from the niveau breakdown
    when loaded that year, else from the published shares of the content's stock split,
    else from the base year."""
    domain = structure.domain

    def shares(k: int) -> FloatArray | None:
        counts = np.zeros(len(MBO_LEVELS))
        for i, state in enumerate(structure.states):
            if state.kind == "stock" and state.domain == domain and state.level:
                counts[MBO_LEVELS.index(state.level)] += np.nansum(data.values[:, i, k])
        return counts / counts.sum() if counts.sum() > 0 else None

    found = shares(data.year_index(year))
    if found is not None:
        return found, f"niveaumix {year}"
    split = content.stock_split
    if split is not None:
        published = {
            p.level: p.value
            for p in data.published.get(split.level_share_subject, [])
            if p.level and p.value is not None
        }
        if published:
            mix = np.array([published.get(level, 0.0) or 0.0 for level in MBO_LEVELS])
            remainder = MBO_LEVELS.index(split.remainder_level)
            mix[remainder] = max(0.0, 1.0 - mix.sum())
            return mix, f"gepubliceerde niveaumix ({split.level_share_subject})"
    base_mix = shares(data.year_index(base))
    assert base_mix is not None
    return base_mix, f"niveaumix {base}"


def _calibrate_diploma(
    structure: Structure,
    content: ProjectionContent,
    data: Observed,
    rates: Mapping[str, RateInfo],
    base: int,
) -> RateInfo | None:
    """diploma = mean over years of (graduates / enrolled) / stock-weighted exit rate."""
    graduates, totals = data.graduates[0], data.totals[0]
    years = [
        y
        for k, y in enumerate(data.years)
        if not np.isnan(graduates[k])
        and not np.isnan(totals[k])
        and totals[k] > 0
        and y not in data.graduate_flags
    ]
    if not years:
        return None
    exits = np.array([rates[f"exit-mbo-{level}"].value for level in MBO_LEVELS])
    values, mixes = [], set()
    for year in years:
        k = data.year_index(year)
        mix, how = _level_mix(structure, content, data, year, base)
        mixes.add(how)
        values.append(graduates[k] / totals[k] / float(mix @ exits))
    series = np.array(values)
    value = float(np.clip(series.mean(), 0.05, 1.0))
    year_sd = float(series.std(ddof=1)) if len(series) > 1 else 0.0
    exit_sd = max(
        rates[f"exit-mbo-{level}"].sd / rates[f"exit-mbo-{level}"].value for level in MBO_LEVELS
    )
    sd = float(np.hypot(year_sd / np.sqrt(len(series)), value * exit_sd))
    skipped = sorted(data.graduate_flags)
    note = "; ".join(
        part
        for part in (
            f"jaren met een vlag niet gebruikt: {', '.join(map(str, skipped))}" if skipped else "",
            f"afgekapt op {value:.2f} (ruw {series.mean():.2f})" if value != series.mean() else "",
            "per jaar: " + ", ".join(f"{y} {v:.2f}" for y, v in zip(years, values, strict=True)),
        )
        if part
    )
    domain = structure.domain
    return RateInfo(
        id=f"diploma-mbo:{domain}",
        value=round(value, 4),
        sd=round(min(sd, 0.5), 4),
        year_sd=round(min(year_sd, 0.5), 4),
        method="calibrated",
        kind="estimated",
        source=(
            f"gediplomeerden / ingeschrevenen mbo {domain} per jaar, gedeeld door de "
            f"uitstroomkans gewogen naar {' en '.join(sorted(mixes))} "
            "(exit-mbo-1..4 uit het contentpakket)"
        ),
        datasets=sorted(
            set(data.datasets.get("graduates", [])) | set(data.datasets.get("mbo", []))
        ),
        periods=[str(y) for y in years],
        note=note or None,
    )


def _hbo_pathways(
    structure: Structure, data: Observed, base: int, content: ProjectionContent
) -> list[RateInfo]:
    """Shares of hbo first-years per pathway (voltijd, deeltijd, duaal) and domain."""
    window = [
        k for k, y in enumerate(data.years) if base - content.defaults.inflow_window < y <= base
    ]
    found = []
    for domain in structure.domains:
        ids = [i for i, s in enumerate(structure.states) if s.stage == "hbo" and s.domain == domain]
        counts = np.nansum(data.values[:, ids][:, :, window], axis=(0, 2))
        known = ~np.isnan(data.values[:, ids][:, :, window]).all()
        if not known or counts.sum() <= 0:
            continue
        periods = [str(data.years[k]) for k in window]
        for i, share in zip(ids, counts / counts.sum(), strict=True):
            pathway = structure.states[i].pathway
            found.append(
                RateInfo(
                    id=f"pathway-hbo-{pathway}:{domain}",
                    value=round(float(share), 4),
                    sd=0.0,
                    year_sd=0.0,
                    method="estimated",
                    kind="estimated",
                    source=f"aandeel {pathway} in de hbo-eerstejaars {domain}",
                    datasets=data.datasets.get("hbo", []),
                    periods=periods,
                )
            )
        # Rounding must not break the rule that the shares add up to 1.
        if found:
            last = found[-1]
            total = sum(r.value for r in found[-len(ids) :])
            found[-1] = last.model_copy(update={"value": round(last.value + 1.0 - total, 6)})
    return found


def _girls_share(
    structure: Structure, data: Observed, base: int, prior: RateInfo
) -> RateInfo | None:
    years = [
        k
        for k, y in enumerate(data.years)
        if y <= base and not np.isnan(data.women[0, k]) and data.enrolled[0, k] > 0
    ]
    if not years:
        return None
    shares = data.women[0, years] / data.enrolled[0, years]
    value = float(shares[-1])
    year_sd = float(shares.std(ddof=1)) if len(shares) > 1 else prior.year_sd
    return RateInfo(
        id=prior.id,
        value=round(value, 4),
        sd=round(max(year_sd, 0.01), 4),
        year_sd=0.0,
        method="estimated",
        kind="estimated",
        source=f"aandeel vrouwen in de mbo-inschrijvingen {structure.domain}, laatste jaar",
        datasets=data.datasets.get("mbo", []),
        periods=[str(data.years[k]) for k in years],
        note=f"prior was {prior.value} ({prior.source})",
    )


def bound_doorstroom(
    structure: Structure,
    compiled: Compiled,
    data: Observed,
    base: int,
    rates: list[RateInfo],
    window: int,
) -> list[RateInfo]:
    """Lower a doorstroom rate (mbo niveau n → n+1) that the stocks cannot bear.

    With the prior rate, the graduates moving up could exceed everything niveau n+1 gained:
    its implied inflow from outside would be negative. The data then bound the rate: it is
    set to the largest value that keeps that inflow at 0 over the fit window."""
    found = by_id(rates)
    mean = np.array([found[r].value for r in structure.rates])
    other, _ = implied(compiled, data, base, compiled.transition(mean))
    index = structure.index()
    fit = [k for k, y in enumerate(data.years) if y <= base and y - 1 in data.years]
    fit = [k for k in fit if not np.isnan(other[:, compiled.exogenous & ~compiled.vo, k]).all()]
    fit = fit[-window:]
    if not fit:
        return rates
    for domain in structure.domains:
        for level in MBO_LEVELS[:-1]:
            rate_id = f"doorstroom-mbo-{level}:{domain}"
            upper = [index[f"mbo-{int(level) + 1}:{p}:{domain}"] for p in MBO_PATHWAYS]
            lower = [index[f"mbo-{level}:{p}:{domain}"] for p in MBO_PATHWAYS]
            block = other[:, upper][:, :, fit]
            if np.isnan(block).all() or np.nansum(block) >= 0:
                continue
            per_unit = found[f"exit-mbo-{level}"].value * found[f"diploma-mbo:{domain}"].value
            previous = data.values[:, lower][:, :, [k - 1 for k in fit]]
            moved = per_unit * np.nansum(np.where(np.isnan(block), np.nan, previous))
            if moved <= 0:
                continue
            prior = found[rate_id]
            value = max(0.0, prior.value + float(np.nansum(block)) / moved)
            found[rate_id] = prior.model_copy(
                update={
                    "value": round(value, 4),
                    "method": "calibrated",
                    "datasets": sorted(set(prior.datasets) | set(data.datasets.get("mbo", []))),
                    "periods": [str(data.years[k]) for k in fit],
                    "note": (
                        f"begrensd door de gegevens: met de prior {prior.value} zou de instroom "
                        f"van buiten in mbo {int(level) + 1} {domain} negatief zijn; "
                        "verlaagd tot de grootste kans die de opeenvolgende jaren toelaten"
                    ),
                }
            )
    return [found[r.id] for r in rates]
