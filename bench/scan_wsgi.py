"""The app as bench/bench_scan.py serves it: the real app plus one constant route (the ceiling).

`gunicorn --chdir <repo> --pythonpath bench scan_wsgi:app`. The constant route answers a 2-byte
body through the same app, hooks and gunicorn configuration as the scan page, so the two rates
compare the scan's own work with the framework's cost per request. Nothing here is in the product:
the route and its access rule are added at run time, in this process only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `trace` is also a standard-library module: the repository root must come first on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Response  # noqa: E402

from trace import create_app  # noqa: E402
from trace.web import access  # noqa: E402

CONSTANT_ENDPOINT = "bench_constant"

# Every request comes from 127.0.0.1: the per-address limit of public pages would throttle the
# load generator after 120 requests. The environment (set by bench_scan.py) wins if given.
os.environ.setdefault("TRACE_RATE_LIMITS_ENABLED", "0")

app = create_app()
if app.config["RATE_LIMITS_ENABLED"]:
    raise SystemExit("bench: rate limits must be off (TRACE_RATE_LIMITS_ENABLED=0)")


def constant() -> Response:
    return Response(b"ok", mimetype="text/plain")


app.add_url_rule("/bench/constant", CONSTANT_ENDPOINT, constant)
access.ACCESS[CONSTANT_ENDPOINT] = access.PUBLIC
