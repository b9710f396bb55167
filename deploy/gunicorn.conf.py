"""gunicorn settings of `make run` (scripts/serve.py) and of production: `gunicorn -c
deploy/gunicorn.conf.py wsgi:app`. Command-line options override these.

Why threads (gthread) rather than gunicorn's default sync workers:
- A sync worker is held by one connection from its first byte to its last: two clients that
  send a header line every few seconds tie up two sync workers, and the site stops answering
  (issue 16). A gthread worker parks idle and kept-alive connections in its poller and gives a
  connection a thread only when it sends something; THREADS threads per worker leave room for
  slow clients (20 of them take 20 of the 2 x 32 threads), and behind a buffering proxy (nginx,
  README) no slow client reaches gunicorn at all.
- A sync worker is killed after `timeout` seconds even while it streams a body, and its client
  gets a 200 with a truncated file. A gthread worker's main thread keeps reporting to the
  master while its threads work, so `timeout` only catches a worker that is truly stuck; long
  work (large label PDFs, exports) runs in the job worker anyway, never in a request.
The price: one GIL per process queues CPU-bound requests behind each other (bench/bench_scan.py
measured the scan page's p99 about three times higher than with sync workers at 32 connections).
"""

from __future__ import annotations

import os
import sys

wsgi_app = "wsgi:app"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "32"))
# Seconds without a sign of life from a worker's main loop before the master restarts it.
timeout = 60
# Seconds a worker gets to finish its requests on SIGTERM or a restart (HUP, max-requests).
graceful_timeout = 30
# Seconds an idle kept-alive connection is held (in the poller, without a thread).
keepalive = 5
# No access log: it would record raw client addresses and scan URLs (the app logs requests
# as JSON without them, TRACE_LOG_REQUESTS).
accesslog = None
errorlog = "-"
# No control socket: its default path is shared by every gunicorn of the user on the machine.
control_socket_disable = True


def on_starting(server: object) -> None:
    """Refuse to start, with one clear message, when the database is not at the migration head
    (the workers would refuse anyway, each with a traceback)."""
    sys.path.insert(0, os.getcwd())
    from trace.config import load_settings
    from trace.db import make_engine
    from trace.schema import check_engine

    engine = make_engine(str(load_settings()["DATABASE_URL"]))
    try:
        state = check_engine(engine)
    finally:
        engine.dispose()
    if not state.at_head:
        print(f"Dayao Trace does not start: {state.problem()}", file=sys.stderr, flush=True)
        sys.exit(1)
