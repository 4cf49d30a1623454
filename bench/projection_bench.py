"""Projection benchmark: the national Monte Carlo run and a single-region scenario recompute.

Prints, beside their targets and a baseline measured in the same run:

(a) the national run: 1,000 draws × 10-year horizon for all 342 gemeenten × every state of
    the model (62), with the quantiles of every series per year (target < 2 s);
(b) a single-region scenario recomputation with 1,000 draws (target < 50 ms): the engine's
    ``simulate`` on one region, and the whole ``run`` (levers, simulation, the pydantic
    Projection with every series and the gap) on Twente's demo model, as the web calls it;
(c) peak memory of the national run (target < 2 GiB): NumPy's allocations (tracemalloc)
    and the process's peak resident size;
(d) the baseline: a plain-Python implementation of the same model (a loop per draw, region,
    year and edge, with the same kinds of random draws), run on a subset and scaled up.

The national inputs are synthetic: every gemeente gets positive stocks and inflows in every
state (the worst case; in the real data most gemeenten have no mbo head office). The rates
are the Twente pack's priors with their spreads. Run from the repository root:
``.venv/bin/python bench/projection_bench.py [--draws N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from pijplijn.content.loader import load_pack
from pijplijn.content.projection import ProjectionContent, load_projection
from pijplijn.engine.projection import scenario as scenarios
from pijplijn.engine.projection.model import Structure, build_structure
from pijplijn.engine.projection.project import Prepared, prepare, run
from pijplijn.engine.projection.simulate import Compiled, Inputs, Schedule, simulate
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.setup import initialise

GEMEENTEN = 342
YEARS = 10
TARGET_NATIONAL_S = 2.0
TARGET_REGION_S = 0.050
TARGET_MEMORY = 2 << 30

_T = TypeVar("_T")


def best_of(repeat: int, action: Callable[[], _T]) -> tuple[float, _T]:
    """Return the fastest of ``repeat`` runs (seconds) and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def synthetic_inputs(
    structure: Structure, content: ProjectionContent, regions: int, seed: int = 1
) -> Inputs:
    """Positive stocks and inflows in every state of every region; the pack's rates."""
    compiled = Compiled.of(structure)
    rng = np.random.default_rng(seed)
    n = compiled.n
    size = rng.lognormal(5.0, 1.0, (regions, 1))
    x0 = size * rng.uniform(0.2, 1.0, (regions, n)) * compiled.exogenous
    level = size * rng.uniform(0.05, 0.4, (regions, n)) * compiled.exogenous
    path = np.repeat(level[:, :, None], YEARS + 1, axis=2)
    rates = {r: content.rates[r] for r in structure.rates}
    return Inputs(
        compiled=compiled,
        x0=x0,
        x_prev=x0 * 0.98,
        active=np.ones((regions, n), dtype=bool),
        path=path,
        fixed=np.zeros(path.shape, dtype=bool),
        offset=np.zeros((regions, n)),
        vo_scale=np.ones((regions, n)),
        par_sd=np.full((regions, n), 0.05),
        year_sd=np.full((regions, n), 0.1),
        rate_mean=np.array([rates[r].value for r in structure.rates]),
        rate_sd=np.array([rates[r].sd for r in structure.rates]),
        rate_year_sd=np.array([rates[r].year_sd for r in structure.rates]),
    )


def plain_python(structure: Structure, inputs: Inputs, regions: int, draws: int) -> float:
    """The same model as loops: per draw the rates drawn on the logit scale, per region and
    year the inflows drawn log-normally, then every edge moved one by one. Returns a
    checksum (so the work cannot be skipped)."""
    index = structure.index()
    edges = [(index[e.src], index[e.dst], e) for e in structure.edges]
    rate_ids = list(structure.rates)
    exogenous = [s.exogenous for s in structure.states]
    n = len(structure.states)
    gauss = random.Random(1).gauss
    checksum = 0.0
    for _ in range(draws):
        values = {}
        for k, rate in enumerate(rate_ids):
            mean = float(inputs.rate_mean[k])
            if 0.0 < mean < 1.0 and inputs.rate_sd[k] > 0:
                slope = mean * (1.0 - mean)
                logit = math.log(mean / (1.0 - mean)) + gauss(0.0, 1.0) * inputs.rate_sd[k] / slope
                values[rate] = 1.0 / (1.0 + math.exp(-logit))
            else:
                values[rate] = mean
        rates = [(src, dst, edge.rate(values)) for src, dst, edge in edges]
        for r in range(regions):
            state = [float(v) for v in inputs.x0[r]]
            level = [math.exp(inputs.par_sd[r, i] * gauss(0.0, 1.0)) for i in range(n)]
            for t in range(1, YEARS + 1):
                new = [
                    inputs.path[r, i, t] * level[i] * math.exp(inputs.year_sd[r, i] * gauss(0, 1))
                    if exogenous[i]
                    else 0.0
                    for i in range(n)
                ]
                for src, dst, rate in rates:
                    new[dst] += rate * state[src]
                state = new
            checksum += sum(state)
    return checksum


def demo_model(folder: Path, content: ProjectionContent) -> Prepared:
    """Twente's model on the demo data, in a fresh SQLite file."""
    engine = open_engine(f"sqlite:///{folder / 'bench.db'}")
    initialise(engine, load_pack("twente"), demo=True)
    with session_scope(engine) as session:
        prepared = prepare(session, content, "twente")
    engine.dispose()
    return prepared


def single_threaded_blas() -> None:
    """Run again with OpenBLAS single-threaded, unless the caller chose a number.

    The national step is 1,000 small matrix products a year; OpenBLAS's own threads only
    contend with the thread that sorts the quantiles (and with other web workers), and the
    setting must be made before NumPy starts."""
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def main() -> None:
    single_threaded_blas()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    content = load_projection(load_pack("twente"))
    structure = build_structure(content.domain, "overig", content.rates)
    national = synthetic_inputs(structure, content, GEMEENTEN)
    compiled = national.compiled
    schedule = Schedule.baseline(compiled, GEMEENTEN, YEARS + 1)
    states = compiled.n

    # (a) national run and (c) its memory
    tracemalloc.start()
    simulate(national, schedule, args.draws, seed=1, keep_draws=False)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cpu = time.process_time()
    national_s, outcome = best_of(
        args.repeat, lambda: simulate(national, schedule, args.draws, seed=1, keep_draws=False)
    )
    national_cpu = (time.process_time() - cpu) / args.repeat
    assert np.nanmin(outcome.summary) >= 0.0
    bare_s, _ = best_of(
        args.repeat,
        lambda: simulate(national, schedule, args.draws, seed=1, keep_draws=False, quantiles=False),
    )
    # (a') the quantiles of the series asked for only: here the stocks (enrolment per state)
    stocks = np.array([i for i, kind in enumerate(compiled.kinds) if kind == "stock"])
    asked_s, asked = best_of(
        args.repeat,
        lambda: simulate(national, schedule, args.draws, seed=1, keep_draws=False, states=stocks),
    )
    assert np.array_equal(asked.summary[:, stocks], outcome.summary[:, stocks], equal_nan=True)

    # (b) one region: the bare simulation, and the whole run() on the demo model
    one = synthetic_inputs(structure, content, 1)
    with tempfile.TemporaryDirectory() as folder:
        prepared = demo_model(Path(folder), content)
    lever = scenarios.find(None, content, "instroom-vmbo-techniek")
    horizon = prepared.estimate.base_year + YEARS
    resolved = scenarios.resolve(content, lever)
    one_schedule, _ = scenarios.schedule(prepared.estimate, resolved, horizon)
    one_schedule = Schedule.baseline(compiled, 1, YEARS + 1)
    region_s, _ = best_of(
        max(args.repeat, 5), lambda: simulate(one, one_schedule, args.draws, seed=2)
    )
    run_s, projection = best_of(
        max(args.repeat, 5),
        lambda: run(prepared, horizon=horizon, scenario=lever, draws=args.draws, seed=2),
    )

    # (d) the plain-Python baseline on a subset, scaled to the full run
    subset_regions, subset_draws = 4, 10
    loop_s, _ = best_of(1, lambda: plain_python(structure, national, subset_regions, subset_draws))
    loop_national = loop_s * (GEMEENTEN / subset_regions) * (args.draws / subset_draws)
    loop_region = loop_s / subset_regions * (args.draws / subset_draws)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    print(
        f"model: {states} states, {len(compiled.src)} edges, {len(compiled.rates)} rates; "
        f"{os.cpu_count()} CPUs, load average {load:.2f} at the start, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    print(
        f"(a) national run, {GEMEENTEN} gemeenten × {states} states × {args.draws} draws × "
        f"{YEARS} years, with the quantiles of all {GEMEENTEN * states:,} series every year: "
        f"{national_s:.2f} s (CPU {national_cpu:.2f} s; the simulation without the quantiles "
        f"{bare_s:.2f} s) (target < {TARGET_NATIONAL_S:.0f} s; plain-Python baseline ≈ "
        f"{loop_national:,.0f} s, {loop_national / national_s:,.0f}× slower)"
    )
    print(
        f"(a') the same run with the quantiles of the {len(stocks)} stock series per gemeente "
        f"only ({GEMEENTEN * len(stocks):,} series): {asked_s:.2f} s (identical quantiles)"
    )
    print(
        f"(b) one region, {args.draws} draws, {YEARS} years: simulate {region_s * 1000:.1f} ms; "
        f"run() with the '+10% instroom vmbo techniek' lever and the full Projection "
        f"({len(projection.series)} points) {run_s * 1000:.1f} ms "
        f"(target < {TARGET_REGION_S * 1000:.0f} ms; plain-Python baseline ≈ "
        f"{loop_region * 1000:,.0f} ms)"
    )
    print(
        f"(c) peak memory of the national run: NumPy allocations {traced / 2**20:,.0f} MiB, "
        f"process peak RSS {peak_rss / 2**20:,.0f} MiB (target < {TARGET_MEMORY / 2**30:.0f} GiB)"
    )
    print(
        f"(d) baseline measured on {subset_regions} regions × {subset_draws} draws: "
        f"{loop_s:.2f} s, scaled by regions and draws"
    )
    failed = [
        name
        for name, ok in (
            ("national", national_s < TARGET_NATIONAL_S),
            ("region", run_s < TARGET_REGION_S),
            ("memory", max(traced, peak_rss) < TARGET_MEMORY),
        )
        if not ok
    ]
    if failed:
        print(f"targets missed: {', '.join(failed)}", file=sys.stderr)


if __name__ == "__main__":
    main()
