"""A small per-process cache with a time limit, for public records read on every scan, and the
same in front of Redis, shared by every worker and node."""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Least-recently-used entries expire after `ttl` seconds; ttl=0 disables caching."""

    def __init__(self, ttl: float, max_entries: int = 2048) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        if self.ttl <= 0:
            return make()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                self._entries.move_to_end(key)
                return hit[1]
        value = make()
        with self._lock:
            self._entries[key] = (now + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)


class SharedCache(Generic[V]):
    """A TTLCache in front of Redis (TRACE_REDIS_URL): what one worker of one node made, every
    worker of every node reuses for the rest of `ttl`, instead of each making it again (a public
    record and its rendered page cost tens of milliseconds to make, a Redis GET a fraction of one).

    The process's own entries are looked at first (no round trip), then Redis, then `make`.
    Keys are tuples of ints, strings and dates (their repr is the Redis key); values are pickled:
    the Redis of the service is a trusted, private store, as it is already for the job queue
    (huey pickles its messages too). If Redis fails the cache carries on as a local one (logged
    once a minute at most), never failing the request.
    """

    def __init__(self, ttl: float, redis_url: str | None, namespace: str) -> None:
        self.ttl = ttl
        self.local: TTLCache[V] = TTLCache(ttl)
        self.namespace = namespace
        self._redis_url = redis_url
        self._redis: Any = None
        self._pid = 0
        self._warned_at = 0.0

    def _client(self) -> Any:
        if not self._redis_url or self.ttl <= 0:
            return None
        if self._redis is None or self._pid != os.getpid():  # a forked worker: its own pool
            import redis

            self._redis = redis.Redis.from_url(
                self._redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            self._pid = os.getpid()
        return self._redis

    def _name(self, key: Hashable) -> str:
        return self.namespace + repr(key)

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("shared cache unavailable, using this process's: %s", type(exc).__name__)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        client = self._client()
        if client is None:
            return self.local.get_or_make(key, make)

        def shared() -> V:
            name = self._name(key)
            try:
                raw = client.get(name)
            except Exception as exc:  # any Redis failure: make it here
                self._failed(exc)
                return make()
            if raw is not None:
                found: V = pickle.loads(raw)  # our own Redis: see the docstring
                return found
            value = make()
            try:
                client.set(name, pickle.dumps(value), px=max(1, int(self.ttl * 1000)))
            except Exception as exc:
                self._failed(exc)
            return value

        return self.local.get_or_make(key, shared)

    def forget(self, key: Hashable) -> None:
        """Drop `key` here and in Redis (a stale entry found by a request)."""
        self.local.forget(key)
        client = self._client()
        if client is not None:
            try:
                client.delete(self._name(key))
            except Exception as exc:
                self._failed(exc)

    def clear(self) -> None:
        """Drop this process's entries (Redis keeps its own until they expire)."""
        self.local.clear()
