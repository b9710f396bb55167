"""The public-record cache shared through Redis (trace.web.cache.SharedCache): made once for
every worker and node, dropped everywhere when found stale, and never a failure without Redis."""

from __future__ import annotations

import uuid

from tests import needs
from tests.concurrency.conftest import free_port
from trace.web.cache import SharedCache


def _pair(url: str) -> tuple[SharedCache[dict[str, str]], SharedCache[dict[str, str]]]:
    namespace = f"trace:test:{uuid.uuid4().hex}:"  # nothing another run left behind
    return SharedCache(30, url, namespace), SharedCache(30, url, namespace)


def test_what_one_node_made_the_other_reuses() -> None:
    one, two = _pair(needs.redis())
    made: list[str] = []

    def make(who: str) -> dict[str, str]:
        made.append(who)
        return {"status": "active", "by": who}

    assert one.get_or_make(("html", 7), lambda: make("one"))["by"] == "one"
    assert two.get_or_make(("html", 7), lambda: make("two"))["by"] == "one"
    assert made == ["one"]
    # A stale entry dropped by one node is made again by the other.
    one.forget(("html", 7))
    two.clear()  # its own copy, as a recall opened there would
    assert two.get_or_make(("html", 7), lambda: make("two"))["by"] == "two"
    assert made == ["one", "two"]


def test_without_redis_it_is_a_local_cache_and_never_fails() -> None:
    down = SharedCache[dict[str, int]](30, f"redis://127.0.0.1:{free_port()}/0", "trace:test:")
    made: list[int] = []

    def make() -> dict[str, int]:
        made.append(1)
        return {"n": len(made)}

    assert down.get_or_make(("record", 1), make) == {"n": 1}
    assert down.get_or_make(("record", 1), make) == {"n": 1}  # this process's entry
    down.forget(("record", 1))
    assert down.get_or_make(("record", 1), make) == {"n": 2}
    assert SharedCache[int](30, None, "x:").get_or_make(1, lambda: 5) == 5
