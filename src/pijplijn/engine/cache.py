"""Engine results cached per data version, bounded in bytes, computed once per key.

The key of every cached result is paired with the data version it was computed at
(``engine/version.py``): the figures' version, or the whole version (register included) for
results that read the partner register. The cache lives in the process; workers share
nothing, and the version makes each one correct on its own.

- **Bounded in bytes**: each result's size in memory is estimated when stored (``size_of``);
  the least recently used results go first once the total passes ``max_bytes``
  (``PIJPLIJN_CACHE_MAX_BYTES``).
- **One computation per key**: when a result is missing or older than the current version,
  one request computes it; requests for the same key meanwhile wait for it, or get the
  previous version's result (stale-while-revalidate) if it became stale less than
  ``max_stale`` seconds ago (``PIJPLIJN_CACHE_MAX_STALE``). After an edit every worker then
  recomputes each result once instead of once per waiting request.
- A response built from a stale result is marked (``served_stale``), so the web layer gives
  it no ETag of the new version.
- A computation never takes a stale input: inside one, a nested result another thread is
  computing is waited for, so a new result is never built from the previous version's.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from pijplijn.engine.version import versions

_Value = TypeVar("_Value")

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_STALE = 30.0
WAIT = 120.0
"""Seconds a request waits for another's computation of the same key before computing it
itself (a computation that long has failed in all but name)."""

STALE: ContextVar[list[bool] | None] = ContextVar("pijplijn_stale", default=None)
"""Set by the web layer per request to a one-element list; True once a stale result was
served for the request."""


def size_of(value: object, depth: int = 0) -> int:
    """An estimate of the bytes ``value`` holds in memory: a frame's own estimate, else its
    size with what it refers to (containers measured on a sample of at most 64 items and
    scaled up; shared small objects are counted again, so the estimate errs high)."""
    estimated = getattr(value, "estimated_size", None)
    if callable(estimated) and not isinstance(value, type):
        try:
            return int(estimated())
        except Exception:  # noqa: BLE001 - an estimate only
            pass
    size = sys.getsizeof(value)
    if depth > 8 or isinstance(value, str | bytes | int | float | bool | type(None)):
        return size
    if isinstance(value, dict):
        items = list(value.items())
        return size + _sampled(
            items, lambda kv: size_of(kv[0], depth + 1) + size_of(kv[1], depth + 1)
        )
    if isinstance(value, list | tuple | set | frozenset):
        return size + _sampled(list(value), lambda item: size_of(item, depth + 1))
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        size += size_of(attributes, depth + 1)
    for name in getattr(type(value), "__slots__", ()):
        size += size_of(getattr(value, name, None), depth + 1)
    return size


_SAMPLE = 64


def _sampled(items: list[Any], measure: Callable[[Any], int]) -> int:
    # Measured on a sample: a million rows cost 64 measurements, not a million.
    if len(items) <= _SAMPLE:
        return sum(measure(item) for item in items)
    step = len(items) / _SAMPLE
    sample = [items[int(i * step)] for i in range(_SAMPLE)]
    return int(sum(measure(item) for item in sample) * len(items) / _SAMPLE)


@dataclass
class _Entry(Generic[_Value]):
    version: str
    value: _Value
    size: int
    stale_since: float | None = None


@dataclass
class _Flight(Generic[_Value]):
    done: threading.Event = field(default_factory=threading.Event)
    value: _Value | None = None
    failed: bool = False
    owner: int = field(default_factory=threading.get_ident)


class ResultCache(Generic[_Value]):
    """A least-recently-used cache bounded in bytes, safe to share between threads, with
    one computation per key and version at a time."""

    def __init__(
        self, max_bytes: int = DEFAULT_MAX_BYTES, max_stale: float = DEFAULT_MAX_STALE
    ) -> None:
        self.max_bytes = max_bytes
        self.max_stale = max_stale
        self._items: OrderedDict[Hashable, _Entry[_Value]] = OrderedDict()
        self._flights: dict[tuple[Hashable, str], _Flight[_Value]] = {}
        self._lock = threading.Lock()
        _CACHES.append(self)
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.stale_hits = 0

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], _Value], version: str = ""
    ) -> _Value:
        """Return the value for ``key`` at ``version``: cached, computed by this call, the
        result of another thread's computation of it, or (within ``max_stale``) the
        previous version's while another thread computes the new one."""
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and entry.version == version:
                self._items.move_to_end(key)
                self.hits += 1
                return entry.value
            flight = self._flights.get((key, version))
            leader = flight is None
            if flight is None:
                flight = self._flights[(key, version)] = _Flight()
                self.misses += 1
            elif entry is not None and not getattr(_LEADING, "depth", 0):
                now = time.monotonic()
                if entry.stale_since is None:
                    entry.stale_since = now
                if now - entry.stale_since <= self.max_stale:
                    self.stale_hits += 1
                    _mark_stale()
                    return entry.value
        if leader:
            return self._lead(key, version, flight, compute)
        if flight.owner == threading.get_ident():
            return compute()  # asked again inside its own computation: never wait on itself
        if flight.done.wait(WAIT) and not flight.failed:
            return flight.value  # type: ignore[return-value]
        return compute()  # the leader failed (its request got the error) or hangs

    def _lead(
        self, key: Hashable, version: str, flight: _Flight[_Value], compute: Callable[[], _Value]
    ) -> _Value:
        _LEADING.depth = getattr(_LEADING, "depth", 0) + 1
        try:
            value = compute()
        except BaseException:
            flight.failed = True
            with self._lock:
                del self._flights[(key, version)]
            flight.done.set()
            raise
        finally:
            _LEADING.depth -= 1
        size = size_of(value)
        with self._lock:
            self._store(key, _Entry(version, value, size))
            del self._flights[(key, version)]
        flight.value = value
        flight.done.set()
        return value

    def _store(self, key: Hashable, entry: _Entry[_Value]) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        if entry.size > self.max_bytes:
            return  # larger than the whole cache: not kept
        self._items[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes and self._items:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= evicted.size

    def clear(self) -> None:
        """Forget every result (for benchmarks measuring cold evaluations)."""
        with self._lock:
            self._items.clear()
            self.bytes = 0


_LEADING = threading.local()
"""Per thread: how many computations it leads at the moment. A result computed for the
new version must be built from the new version's inputs: inside a computation, a nested
result whose new value another thread is computing is waited for, never taken stale (the
stale input would be kept as part of the new result until the next change)."""


def _mark_stale() -> None:
    marker = STALE.get()
    if marker is not None:
        marker[0] = True


_CACHES: list[ResultCache[Any]] = []
_SHARED: ResultCache[Any] = ResultCache()


def configure(max_bytes: int, max_stale: float) -> None:
    """Set the bound in bytes (shared equally by the process's caches) and the staleness
    bound (the web app passes its settings; the engine reads no environment)."""
    for cache in _CACHES:
        cache.max_bytes = max_bytes // len(_CACHES)
        cache.max_stale = max_stale


def shared_cache() -> ResultCache[Any]:
    """The process's cache (for benchmarks and tests)."""
    return _SHARED


def cached(
    session: Session,
    key: Hashable,
    compute: Callable[[], _Value],
    *,
    reads_register: bool = False,
) -> _Value:
    """Return ``compute()``, cached under ``key`` at the session's data version: the
    figures' version, or with ``reads_register`` the whole one (a register edit then makes
    it stale; otherwise it does not)."""
    whole, figures = versions(session)
    full_key = (str(session.get_bind().engine.url), key)
    value: _Value = _SHARED.get_or_compute(
        full_key, compute, version=whole if reads_register else figures
    )
    return value
