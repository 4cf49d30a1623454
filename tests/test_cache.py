"""The engine's result cache: bounded in bytes, one computation per key, stale results
served within a bound while the new one is computed, and register edits that leave the
DUO/CBS figures cached."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from pijplijn.accounts.rights import SYSTEM
from pijplijn.content.loader import load_pack
from pijplijn.engine.cache import STALE, ResultCache, cached, size_of
from pijplijn.register import service
from pijplijn.store.db import open_engine, session_scope
from pijplijn.store.setup import initialise
from register_helpers import HTSM_COMPANY


def test_the_cache_is_bounded_in_bytes() -> None:
    cache: ResultCache[bytes] = ResultCache(max_bytes=10_000)
    for number in range(50):
        cache.get_or_compute(number, lambda: b"x" * 1_000, version="1")
    assert cache.bytes <= 10_000
    assert len(cache._items) < 50  # the least recently used went first
    assert cache.get_or_compute(49, lambda: b"new", version="1") == b"x" * 1_000  # newest kept
    assert size_of(b"x" * 1_000) >= 1_000


def test_one_computation_per_key_however_many_ask() -> None:
    cache: ResultCache[int] = ResultCache()
    calls = []
    release = threading.Event()

    def slow() -> int:
        calls.append(1)
        release.wait(10)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow, "1")))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    release.set()
    for thread in threads:
        thread.join()
    assert results == [42] * 16 and len(calls) == 1


def test_a_stale_result_is_served_while_the_new_one_is_computed_within_the_bound() -> None:
    cache: ResultCache[str] = ResultCache(max_stale=60)
    assert cache.get_or_compute("k", lambda: "old", version="1") == "old"
    computing, release = threading.Event(), threading.Event()

    def new() -> str:
        computing.set()
        release.wait(10)
        return "new"

    leader: list[str] = []
    thread = threading.Thread(target=lambda: leader.append(cache.get_or_compute("k", new, "2")))
    thread.start()
    computing.wait(10)
    marker = [False]
    token = STALE.set(marker)
    try:
        assert cache.get_or_compute("k", lambda: "again", version="2") == "old"
    finally:
        STALE.reset(token)
    assert marker == [True]  # the web layer drops the ETag of such a response
    release.set()
    thread.join()
    assert leader == ["new"] and cache.get_or_compute("k", lambda: "x", "2") == "new"
    # Past the bound nobody gets the stale result: they wait for the computation.
    strict: ResultCache[str] = ResultCache(max_stale=0)
    strict.get_or_compute("k", lambda: "old", version="1")
    strict._items["k"].stale_since = time.monotonic() - 1
    release.clear()
    thread = threading.Thread(target=lambda: strict.get_or_compute("k", new, "2"))
    computing.clear()
    thread.start()
    computing.wait(10)
    threading.Timer(0.2, release.set).start()
    assert strict.get_or_compute("k", lambda: "never", version="2") == "new"
    thread.join()


@pytest.fixture
def demo_engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    initialise(engine, load_pack("twente"), demo=True)
    yield engine
    engine.dispose()


def test_a_register_edit_leaves_the_figures_cached_and_refreshes_register_results(
    demo_engine: Engine,
) -> None:
    computed: list[str] = []

    def figures(session: object) -> str:
        computed.append("figures")
        return "cube"

    def register(session: object) -> str:
        computed.append("register")
        return "deelname"

    def ask() -> None:
        with session_scope(demo_engine) as session:
            cached(session, ("test", "figures"), lambda: figures(session))
            cached(session, ("test", "register"), lambda: register(session), reads_register=True)

    ask()
    ask()
    assert computed == ["figures", "register"]
    with session_scope(demo_engine) as session:
        service.create(session, SYSTEM, "organisation", dict(HTSM_COMPANY))
    ask()
    assert computed == ["figures", "register", "register"]  # only the register result again


def test_200_distinct_heavy_results_stay_within_the_bound_plus_a_margin(
    demo_engine: Engine,
) -> None:
    from pijplijn.engine import cache

    bound, margin = 4 * 1024 * 1024, 8 * 1024 * 1024
    shared = cache.shared_cache()
    saved = shared.max_bytes, shared.max_stale
    cache.configure(bound * len(cache._CACHES), 30)  # this cache's share is ``bound``
    shared.clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(200):  # about 0.5 MB each: 100 MB if nothing were dropped
            with session_scope(demo_engine) as session:
                cached(
                    session,
                    ("heavy", number),
                    lambda n=number: [{"row": i, "label": f"r{n}-{i}"} for i in range(2_000)],
                )
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        shared.max_bytes, shared.max_stale = saved
        shared.clear()
    assert shared.bytes == 0
    assert grown < bound + margin, grown


def test_a_computation_waits_for_a_nested_result_rather_than_take_it_stale() -> None:
    """The scorecard reads a register indicator: when another request is computing that
    indicator's new value, the scorecard's new value waits for it, so it is never kept
    (under the new version) with the previous register figure inside."""
    cache: ResultCache[str] = ResultCache(max_stale=60)
    cache.get_or_compute("inner", lambda: "old inner", version="1")
    cache.get_or_compute("outer", lambda: "outer of old inner", version="1")
    computing, release = threading.Event(), threading.Event()

    def new_inner() -> str:
        computing.set()
        release.wait(10)
        return "new inner"

    inner = threading.Thread(target=lambda: cache.get_or_compute("inner", new_inner, "2"))
    inner.start()
    computing.wait(10)
    # Another request, outside any computation, still gets the stale inner value at once.
    assert cache.get_or_compute("inner", lambda: "never", version="2") == "old inner"
    threading.Timer(0.2, release.set).start()
    outer = cache.get_or_compute(
        "outer",
        lambda: "outer of " + cache.get_or_compute("inner", lambda: "never", version="2"),
        version="2",
    )
    inner.join()
    assert outer == "outer of new inner"
    assert cache.get_or_compute("outer", lambda: "never", version="2") == "outer of new inner"
