"""The web layer: the only layer that knows about Flask.

Layout (issue 20): a toolkit of shared modules, and one package per feature.

Toolkit (imports no feature; tests/test_architecture.py checks it):
  database, scan_pool   the request's session; the scan log's own autocommit pool
  errors, i18n          error answers in the project's format; languages
  security, input_guard, access   headers, limits, throttles; input checks; who may call what
  auth                  who is calling (session or bearer token)
  openapi               the flask-smorest Api under /api/v1 and `register` for API modules
  staff_area            how staff blueprints join /staff (`staff.<name>.<view>`); template globals
  forms, names          server-rendered forms and their errors; localized names of enum values
  uploads               stored uploaded files: reading with a limit, where they live, sending
  jobs, progress        launching background jobs, the jobs page, progress pages
  cache, streaming      a small TTL cache; streamed downloads
  charts, formats       SVG charts; numbers and bilingual text on pages
  templates/            base.html, error.html, swagger_ui.html; staff/: layout.html,
                        _macros.html, jobs.html, progress.html
Features (each: JSON API module(s), pages, templates/<area>/...; `init_app(app, api)`; a feature
never imports another feature):
  public      home, scan page, batch and product pages, GS1 resolver
  records     townships, producers, products, batches, events (API + staff pages)
  imports     spreadsheet imports of producers, batches, attendance (API + staff pages)
  labels      label runs and single labels (API + staff pages)
  quality     grading, inspections, packaging, certifications, brand admission (API + pages)
  genealogy   lot operations, trace queries, recalls (API)
  regulator   the regulator's pages; exports and audit (API)
  program     stations, logistics, training, targets (API, dashboard, staff forms)
  feedback    consumer reports, notices, disclosure (API + public and staff pages)
  accounts    sign-in/out, passwords, users, tokens, staff home (API + pages)
"""

from __future__ import annotations

from flask import Flask

from trace.web import (
    access,
    accounts,
    database,
    errors,
    feedback,
    genealogy,
    i18n,
    imports,
    input_guard,
    jobs,
    labels,
    openapi,
    program,
    public,
    quality,
    records,
    regulator,
    scan_pool,
    security,
    staff_area,
)

# The order the API's tags appear in /api/v1/docs.
FEATURES = (
    public,
    accounts,
    records,
    imports,
    labels,
    quality,
    regulator,
    genealogy,
    feedback,
    program,
)


def init_app(app: Flask) -> None:
    database.init_app(app)
    scan_pool.init_app(app)  # the scan log's own autocommit pool (PostgreSQL)
    i18n.init_app(app)
    # Headers, rate and size limits first, then the one access check (trace.web.access).
    security.init_app(app)
    input_guard.init_app(app)
    access.init_app(app)
    api = openapi.init_app(app)
    # After the Api: flask-smorest installs its own HTTP error handler; ours replaces it.
    errors.init_app(app)
    staff_area.init_app(app)
    staff_area.register(app, jobs.bp)
    for feature in FEATURES:
        feature.init_app(app, api)
