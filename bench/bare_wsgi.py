"""A bare Flask app answering a 2-byte constant: bench/bench_scan.py's second baseline.

The in-app constant route (bench/scan_wsgi.py) pays for the product's hooks (access check,
security headers, language, request log); this one pays for Flask and gunicorn only. Served by
the same gunicorn configuration as the scan page.
"""

from __future__ import annotations

from flask import Flask, Response

app = Flask(__name__)


@app.get("/bench/constant")
def constant() -> Response:
    return Response(b"ok", mimetype="text/plain")


@app.get("/healthz")
def health() -> Response:
    return Response(b"ok", mimetype="text/plain")
