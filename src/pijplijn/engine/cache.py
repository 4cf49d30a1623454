"""Engine results cached per data version.

The key of every cached result includes the data version (``engine/version.py``), which
changes with every import or ``init``: a stale result can never be served. The cache lives in
the process; workers share nothing, and the key makes each one correct on its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from pijplijn.engine.version import data_version

_Value = TypeVar("_Value")


class ResultCache(Generic[_Value]):
    """A small least-recently-used cache, safe to share between threads."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, _Value] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], _Value]) -> _Value:
        """Return the cached value for ``key``, computing and storing it when absent."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every result (for benchmarks measuring cold evaluations)."""
        with self._lock:
            self._items.clear()


_SHARED: ResultCache[object] = ResultCache(size=1024)


def cached(session: Session, key: Hashable, compute: Callable[[], _Value]) -> _Value:
    """Return ``compute()``, cached under ``key`` at the session's current data version."""
    full_key = (str(session.get_bind().engine.url), data_version(session), key)
    return _SHARED.get_or_compute(full_key, compute)  # type: ignore[return-value]
