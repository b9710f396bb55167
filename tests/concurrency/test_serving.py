"""How `make run` serves (issue 16, points 5 and 6): slow clients do not take the site down, and
rate limits hold for the whole service (every worker, across restarts), without Redis and with
it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests import needs
from tests.concurrency.conftest import environment, own_database, serving

SLOW_CLIENTS = 20


def _status(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_twenty_slow_clients_do_not_take_the_site_down(tmp_path):
    with (
        own_database("sqlite://", tmp_path) as url,
        serving(environment(url, tmp_path), tmp_path) as served,
    ):
        port = int(served.base.rsplit(":", 1)[1])
        stop = threading.Event()
        sockets = []
        for _ in range(SLOW_CLIENTS):  # each sends one header line every second
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)

        def trickle() -> None:
            while not stop.wait(1):
                for sock in sockets:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X-Slow: 1\r\n")

        feeder = threading.Thread(target=trickle, daemon=True)
        feeder.start()
        try:
            time.sleep(2)
            for _ in range(10):
                started = time.monotonic()
                assert _status(served.base + "/healthz") == 200
                assert time.monotonic() - started < 3
        finally:
            stop.set()
            feeder.join()
            for sock in sockets:
                sock.close()


@pytest.mark.parametrize("redis", [False, True])
def test_a_rate_limit_holds_across_workers_and_restarts(tmp_path, redis):
    extra = {"TRACE_RATE_LIMITS_ENABLED": "1", "TRACE_RATE_LIMIT_PUBLIC": "10 per hour"}
    if redis:
        redis_url = needs.redis()  # skips, or fails under CI=true, when nothing answers
        import redis as redis_client

        client = redis_client.Redis.from_url(redis_url)
        client.flushdb()
        extra["TRACE_REDIS_URL"] = redis_url
    with own_database("sqlite://", tmp_path) as url:
        env = environment(url, tmp_path, **extra)
        if redis:
            env["TRACE_REDIS_URL"] = extra["TRACE_REDIS_URL"]
        path = "/01/06901234567892"  # a public page (unknown GTIN: 404, counted all the same)
        with serving(env, tmp_path) as served:
            # New connections each time: both workers (and their threads) answer.
            first = [_status(served.base + path) for _ in range(16)]
        assert first.count(429) == 6, first
        with serving(env, tmp_path) as served:  # a restart keeps the counts
            assert _status(served.base + path) == 429
