"""Two app nodes, one PostgreSQL, one Redis, one job worker: the production shape of issue 21
(deploy/nginx.conf puts N such nodes behind one proxy), served for real.

Each node is gunicorn with deploy/gunicorn.conf.py (two workers each, so four processes with
caches of their own) on a free port; the job worker is `flask --app trace worker`, a process of
its own. Clients are told apart by X-Forwarded-For (TRACE_PROXY_COUNT=1, as behind nginx), with
addresses drawn at random per run so that counters left in Redis by an earlier run never match.
"""

from __future__ import annotations

import http.cookiejar
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import needs
from tests.concurrency.conftest import (
    Seeded,
    Served,
    environment,
    free_port,
    own_database,
    seed,
    stop,
    wait_until_up,
)
from tests.conftest import ROOT, TEST_PASSWORD
from trace.db import make_engine
from trace.models.jobs import Job, JobStatus
from trace.models.labels import LabelRun, PackCode
from trace.models.scans import Scan
from trace.models.users import User

PUBLIC_LIMIT = 30  # per address and minute, across the whole service
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile"


@dataclass
class Cluster:
    nodes: list[Served]
    seeded: Seeded
    url: str
    folder: Path
    env: dict[str, str]


def _address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def _node(env: dict[str, str], folder: Path) -> Served:
    port = free_port()
    log = folder / f"node-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app",
    ]  # fmt: skip
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=handle, start_new_session=True
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    wait_until_up(served)
    return served


@pytest.fixture(scope="module")
def cluster(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not database_url.startswith("postgresql"):
        pytest.skip("two app nodes share one PostgreSQL: this runs in the PostgreSQL pass")
    redis_url = needs.redis()
    folder = tmp_path_factory.mktemp("cluster")
    with own_database(database_url, folder) as url:
        seeded = seed(url, lots=3, packs=60)
        env = environment(
            url,
            folder,
            TRACE_RATE_LIMITS_ENABLED="1",
            TRACE_RATE_LIMIT_PUBLIC=f"{PUBLIC_LIMIT} per minute",
            TRACE_PROXY_COUNT="1",
            TRACE_INSECURE_COOKIES="1",
        )
        env["TRACE_REDIS_URL"] = redis_url  # environment() drops the caller's own
        env.pop("TRACE_QUEUE_FILE")  # the queue is in Redis
        nodes: list[Served] = []
        try:
            nodes = [_node(env, folder), _node(env, folder)]
            assert len({n.base for n in nodes}) == 2
            yield Cluster(nodes, seeded, url, folder, env)
        finally:
            for node in nodes:
                stop(node.process)


def _get(node: Served, path: str, address: str, **headers: str) -> tuple[int, Any, Any]:
    request = urllib.request.Request(
        node.base + path,
        headers={"Accept": "application/json", "X-Forwarded-For": address, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _scan(node: Served, serial: str, address: str, **headers: str) -> tuple[dict[str, Any], Any]:
    import json

    status, heads, body = _get(node, f"/scan/{serial}", address, **headers)
    assert status == 200, body[:300]
    return json.loads(body), heads


def _device_cookie(headers: Any) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("trace_device="):
            return value.split(";", 1)[0]
    raise AssertionError("no device cookie")


def _count(url: str, model: Any, *where: Any) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    finally:
        engine.dispose()


def _code_id(url: str, serial: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            found = session.scalar(select(PackCode.id).where(PackCode.serial == serial))
            assert found is not None
            return int(found)
    finally:
        engine.dispose()


def test_scans_through_either_node_count_once_per_client(cluster: Cluster) -> None:
    one, two = cluster.nodes
    serial = cluster.seeded.serials[0]
    phone, other = _address(), _address()

    first, headers = _scan(one, serial, phone, **{"User-Agent": PHONE})
    assert (first["verdict"], first["scan_count"]) == ("genuine", 1)
    cookie = _device_cookie(headers)
    # The same phone looks again through the other node: the same client, not a second one.
    again, _ = _scan(two, serial, phone, **{"User-Agent": PHONE, "Cookie": cookie})
    assert again["scan_count"] == 1
    again, _ = _scan(one, serial, phone, **{"User-Agent": PHONE, "Cookie": cookie})
    assert again["scan_count"] == 1
    # Another phone elsewhere, through the second node: the shared log counts two.
    second, _ = _scan(two, serial, other, **{"User-Agent": ANDROID})
    assert (second["verdict"], second["scan_count"]) == ("repeat", 2)

    # The first phone, back on the first node, sees the same two.
    again, _ = _scan(one, serial, phone, **{"User-Agent": PHONE, "Cookie": cookie})
    assert again["scan_count"] == 2
    code_id = _code_id(cluster.url, serial)
    assert _count(cluster.url, Scan, Scan.pack_code_id == code_id) == 5  # every look logged


def test_a_recall_opened_on_one_node_shows_on_the_other_at_once(cluster: Cluster) -> None:
    one, two = cluster.nodes
    seeded = cluster.seeded
    serials = seeded.serials[10:30]
    address = _address()
    # Every worker of node two caches the lot's public record (two workers: several scans).
    for serial in serials[:8]:
        body, _ = _scan(two, serial, address, **{"User-Agent": PHONE})
        assert body["verdict"] in {"genuine", "repeat", "exceeded"}
    status, answer = one.request(
        "POST",
        "/api/v1/recalls",
        {
            "batch_id": seeded.batch_ids[0],
            "level": 1,
            "reason": "黄曲霉毒素超标（集群测试）",
            "instructions": "停止销售并退回",
        },
        headers={"Authorization": f"Bearer {seeded.token}", "X-Forwarded-For": _address()},
    )
    assert status == 201, answer
    # At once, through the other node and each of its workers: no stale cached record.
    for serial in serials[8:]:
        body, _ = _scan(two, serial, address, **{"User-Agent": PHONE})
        assert body["verdict"] == "recalled"
        assert body["record"]["status"] == "recalled"


def test_rate_limits_are_shared_by_the_nodes(cluster: Cluster) -> None:
    address = _address()
    statuses = [
        _get(cluster.nodes[n % 2], "/", address, Accept="text/html")[0] for n in range(PUBLIC_LIMIT)
    ]
    assert statuses == [200] * PUBLIC_LIMIT  # half through each node
    # Each node has seen only half the limit; the service as a whole has seen all of it.
    for node in cluster.nodes:
        status, headers, _ = _get(node, "/", address, Accept="text/html")
        assert status == 429
        assert int(headers["Retry-After"]) >= 1
    assert _get(cluster.nodes[0], "/", _address(), Accept="text/html")[0] == 200  # others go on


def _browser() -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def _page(
    opener: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None
) -> tuple[int, Any, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"X-Forwarded-For": "10.9.9.9"})
    try:
        with opener.open(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_a_job_started_on_one_node_completes_on_the_worker(cluster: Cluster) -> None:
    one, two = cluster.nodes
    engine = make_engine(cluster.url)
    with Session(engine) as session:
        email = session.scalar(select(User.email).where(User.id == cluster.seeded.user_id))
        run_id = session.scalar(
            select(LabelRun.id).where(LabelRun.batch_id == cluster.seeded.batch_ids[0])
        )
    assert email and run_id
    browser = _browser()
    _, _, html = _page(browser, one.base + "/staff/sign-in")
    status, _, _ = _page(
        browser,
        one.base + "/staff/sign-in",
        {"csrf_token": _csrf(html), "email": email, "password": TEST_PASSWORD, "next": ""},
    )
    assert status == 303
    _, _, html = _page(browser, one.base + f"/staff/label-runs/{run_id}")
    status, headers, _ = _page(
        browser, one.base + f"/staff/label-runs/{run_id}/print", {"csrf_token": _csrf(html)}
    )
    assert status == 303
    job_id = int(headers["Location"].rstrip("/").rsplit("/", 1)[1])

    def job() -> Job:
        with Session(engine, expire_on_commit=False) as session:
            found = session.get(Job, job_id)
            assert found is not None
            return found

    time.sleep(2)  # no web process runs it: it waits for the worker
    waiting = job()
    assert (waiting.status, waiting.started_at, waiting.attempts) == (JobStatus.RUNNING, None, 0)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "trace", "worker"],
        cwd=ROOT,
        env=cluster.env,
        stdout=subprocess.DEVNULL,
        stderr=(cluster.folder / "worker.log").open("ab"),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while job().status is not JobStatus.FINISHED and time.monotonic() < deadline:
            assert worker.poll() is None, (cluster.folder / "worker.log").read_text()[-2000:]
            time.sleep(0.5)
        assert job().status is JobStatus.FINISHED, (cluster.folder / "worker.log").read_text()
        # The other node shows the finished job to the same signed-in person (one cookie).
        status, _, html = _page(browser, two.base + f"/staff/jobs/{job_id}")
        assert status == 200
        assert f"/staff/jobs/{job_id}/file" in html
    finally:
        stop(worker)
        engine.dispose()
