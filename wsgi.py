"""Entry point for gunicorn: `gunicorn wsgi:app` from the repository root.

The app refuses to serve a database that is not at this code's migration head: pages that need a
newer table would fail one by one; better one clear message at start.
"""

from trace import create_app
from trace.schema import check_engine

app = create_app()
_state = check_engine(app.extensions["trace.engine"])
if not _state.at_head:
    raise SystemExit(f"Dayao Trace does not start: {_state.problem()}")
