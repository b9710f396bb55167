"""Entry point for gunicorn: `gunicorn wsgi:app` from the repository root."""

from trace import create_app

app = create_app()
