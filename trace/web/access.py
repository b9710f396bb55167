"""Who may call which route: the one table from every endpoint to "public" or a permission.

`trace.policy.PERMISSIONS` says which roles hold a permission; `ACCESS` below says which
permission each Flask endpoint needs. One `before_request` hook enforces it for every request:
anonymous callers get 401 on the API and a redirect to the sign-in page elsewhere; a signed-in
role without the permission gets 403. An endpoint missing from the table is refused to everyone
(deny by default) and `tests/security/test_access_matrix.py` fails until it is listed.

Services keep their own `authorize()` calls (defence in depth, and the township scope of station
staff, which depends on the record and cannot be decided from the route alone).

A value is a permission for every method, or a dict from HTTP method to permission when one
endpoint serves a read and a write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, g, redirect, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, CSRFProtect  # type: ignore[import-untyped]

from trace.errors import AuthenticationError, PermissionDeniedError
from trace.policy import PERMISSIONS
from trace.web.auth import current_actor
from trace.web.database import rollback
from trace.web.errors import error_response

PUBLIC = "public"

Rule = str | Mapping[str, str]

ACCESS: dict[str, Rule] = {
    # -- public: consumers, printers' scanners and health checks ---------------------------------
    "static": PUBLIC,
    "public.home": PUBLIC,
    "public.health": PUBLIC,
    "public.scan_page": PUBLIC,
    "public.batch_page": PUBLIC,
    "public.product_page": PUBLIC,
    "public.compliance_page": PUBLIC,
    "resolver.digital_link": PUBLIC,
    "resolver.description": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "api-docs.openapi_swagger_ui": PUBLIC,
    "swagger_asset": PUBLIC,
    "tokens.create_token": PUBLIC,  # the API's sign-in; throttled like the sign-in form
    # -- JSON API --------------------------------------------------------------------------------
    "users.me": "account.own",
    "users.list_users": "user.manage",
    "users.create_user": "user.manage",
    "tokens.list_tokens": "token.own",
    "tokens.revoke_token": "token.own",
    "townships.list_townships": "record.read",
    "townships.list_villages": "record.read",
    "producers.list_producers": "record.read",
    "producers.get_producer": "record.read",
    "producers.create_producer": "producer.write",
    "producers.update_producer": "producer.write",
    "products.list_products": "record.read",
    "products.get_product": "record.read",
    "products.create_product": "product.write",
    "products.update_product": "product.write",
    "batches.list_batches": "record.read",
    "batches.get_batch": "record.read",
    "batches.create_batch": "batch.write",
    "batches.list_events": "record.read",
    "batches.append_event": "event.write",
    # Spreadsheet imports: the kind's write permission; services keep a station to its township.
    "imports.import_producers": "producer.write",
    "imports.import_batches": "batch.write",
    "imports.import_attendance": "training.write",
    "imports.template": "record.read",
    "imports.job_status": "record.read",  # one's own jobs only (trace.services.jobs.get_job)
    "audit.list_entries": "audit.read",
    "labels.list_label_runs": "record.read",
    "labels.get_label_run": "record.read",
    "labels.issue_label_run": "label.issue",
    "labels.label_run_pdf": "label.issue",
    "labels.reprint_label_run": "label.issue",
    "labels.compliance_certificate_pdf": "label.issue",
    "labels.issue_compliance_certificate": "compliance.issue",
    "labels.list_compliance_certificates": "record.read",
    "labels.compliance_certificate_record_pdf": "compliance.issue",
    "labels.void_label_run": "label.void",
    "labels.void_pack_codes": "label.void",
    "labels.pack_scan_regions": "scan.regions",
    "labels.lot_scan_regions": "scan.regions",
    "labels.mark_test_scans": "scan.mark_test",
    "labels.pack_label_png": "label.issue",
    "labels.pack_label_svg": "label.issue",
    # -- quality records: grading, packaging, inspections, certifications, brand admission -------
    "grading.list_standards": "record.read",
    "grading.get_standard": "record.read",
    "grading.create_standard": "standard.write",
    "grading.update_standard": "standard.write",
    "grading.update_threshold": "standard.write",
    "grading.list_gradings": "record.read",
    "grading.get_grading": "record.read",
    "grading.grade_batch": "grading.write",
    "packaging.list_specs": "record.read",
    "packaging.get_spec": "record.read",
    "packaging.report": "record.read",
    "packaging.create_spec": "packaging.write",
    "packaging.update_spec": "packaging.write",
    "inspections.list_limits": "record.read",
    "inspections.get_limit": "record.read",
    "inspections.create_limit": "standard.write",
    "inspections.update_limit": "standard.write",
    "inspections.list_inspections": "record.read",
    "inspections.get_inspection": "record.read",
    "inspections.record_inspection": "inspection.write",
    "inspections.attach_report": "inspection.write",
    "inspections.download_report": "record.read",  # staff only: never a public link
    "inspections.list_dispositions": "record.read",
    "inspections.record_disposition": "disposition.write",
    "inspections.release_check": "record.read",
    "certifications.list_certifications": "record.read",
    "certifications.get_certification": "record.read",
    "certifications.expiring": "record.read",
    "certifications.download_file": "record.read",
    "certifications.batch_certifications": "record.read",
    "certifications.create_certification": "certification.write",
    "certifications.update_certification": "certification.write",
    "certifications.attach_file": "certification.write",
    "brand.list_rules": "record.read",
    "brand.create_rule": "brand.review",
    "brand.update_rule": "brand.review",
    "brand.list_applications": "record.read",
    "brand.get_application": "record.read",
    "brand.checks": "record.read",
    "brand.marks": "record.read",
    "brand.apply": "brand.apply",
    "brand.approve": "brand.review",
    "brand.reject": "brand.review",
    "brand.suspend": "brand.review",
    # -- genealogy, trace queries, chain checks, recalls, exports (traceability) ------------------
    "genealogy.create_operation": "batch.write",
    "genealogy.list_operations": "record.read",
    "genealogy.get_operation": "record.read",
    "genealogy.lot_history": "record.read",
    "genealogy.upstream": "record.read",
    "genealogy.downstream": "record.read",
    "genealogy.downstream_pack_codes": "record.read",
    "genealogy.downstream_label_runs": "record.read",
    "genealogy.downstream_shipments": "record.read",
    "genealogy.verify_lot": "audit.read",
    "recalls.open_recall": "recall.open",
    "recalls.close_recall": "recall.open",
    "recalls.list_recalls": "record.read",
    "recalls.get_recall": "record.read",
    "recalls.record_action": "recall.progress",
    "exports.events_csv": "trace.export",
    "exports.events_xlsx": "trace.export",
    "exports.lot_epcis": "trace.export",
    # -- programme modules (trace.web.program): API, then public pages of aggregates only --------
    "stations.list_stations": "record.read",
    "stations.get_station": "record.read",
    "stations.coverage": "record.read",
    "stations.create_station": "station.manage",
    "stations.update_station": "station.manage",
    "logistics.list_facilities": "record.read",
    "logistics.get_facility": "record.read",
    "logistics.facility_stock": "record.read",
    "logistics.create_facility": "facility.manage",
    "logistics.update_facility": "facility.manage",
    "logistics.list_shipments": "record.read",
    "logistics.get_shipment": "record.read",
    "logistics.create_shipment": "shipment.write",
    "logistics.depart_shipment": "shipment.write",
    "logistics.arrive_shipment": "shipment.write",
    "logistics.list_limits": "record.read",
    "logistics.set_limit": "temperature.write",
    "logistics.list_readings": "record.read",
    "logistics.record_reading": "temperature.write",
    "logistics.list_alerts": "record.read",
    "logistics.acknowledge_alert": "temperature.write",
    "training.list_courses": "record.read",
    "training.get_course": "record.read",
    "training.create_course": "course.manage",
    "training.list_sessions": "record.read",
    "training.get_session": "record.read",
    "training.create_session": "training.write",
    "training.list_attendance": "record.read",
    "training.record_attendance": "training.write",
    "training.list_trainees": "record.read",
    "training.get_trainee": "record.read",
    "training.create_trainee": "training.write",
    "training.list_incubations": "record.read",
    "training.get_incubation": "record.read",
    "training.create_incubation": "training.write",
    "training.update_incubation": "training.write",
    "targets.list_targets": "record.read",
    "targets.get_target": "record.read",
    "targets.dashboard": "record.read",
    "targets.create_target": "target.manage",
    "targets.update_target": "target.manage",
    # Issue 19: funding, station services, parcels and the prefecture platform's export.
    "funding.list_tasks": "record.read",
    "funding.list_rules": "record.read",
    "funding.list_budget_lines": "record.read",
    "funding.set_budget_line": "funding.manage",
    "funding.list_spending": "record.read",
    "funding.record_spending": "funding.manage",
    "funding.get_spending": "record.read",
    "funding.correct_spending": "funding.manage",
    "funding.download_voucher": "record.read",
    "funding.report": "record.read",
    "station_services.list_services": "record.read",
    "station_services.record_service": "station_service.write",
    "station_services.monthly": "record.read",
    "station_services.record_parcel_count": "parcels.write",
    "station_services.logistics_export": "record.read",
    "program_funding.acceptance_xlsx": "record.read",
    "program_funding.acceptance_csv": "record.read",
    "program_home": PUBLIC,
    "program_dashboard.dashboard_page": PUBLIC,
    "program_dashboard.dashboard_csv": PUBLIC,
    "program_dashboard.dashboard_xlsx": PUBLIC,
    "program_stations.stations_page": PUBLIC,
    "program_logistics.logistics_page": PUBLIC,
    "program_training.training_page": PUBLIC,
    # -- staff forms of the programme modules (trace.web.program.staff*) --------------------------
    "staff_program.stations": "record.read",
    "staff_program.new_station": "station.manage",
    "staff_program.edit_station": "station.manage",
    "staff_program.facilities": "record.read",
    "staff_program.new_facility": "facility.manage",
    "staff_program.shipments": "record.read",
    "staff_program.new_shipment": "shipment.write",
    "staff_program.depart_shipment": "shipment.write",
    "staff_program.arrive_shipment": "shipment.write",
    "staff_program.new_reading": "temperature.write",
    "staff_program.alerts": "record.read",
    "staff_program.acknowledge_alert": "temperature.write",
    "staff_program.training": "record.read",
    "staff_program.new_course": "course.manage",
    "staff_program.new_session": "training.write",
    "staff_program.attendance": "training.write",
    "staff_program.new_incubation": "training.write",
    "staff_program.incubation_outcome": "training.write",
    "staff_program.targets": "record.read",
    "staff_program.edit_target": "target.manage",
    "staff_program.target_figures": "record.read",
    "staff_program.new_target_figure": "target.manage",
    "staff_program.poverty_relief": "record.read",
    "staff_program.new_model_enterprise": "target.manage",
    "staff_program.new_lifted_household": "target.manage",
    "staff_program.new_staff_count": "facility.manage",
    "staff_program.funding": "record.read",
    "staff_program.set_budget": "funding.manage",
    "staff_program.new_spending": "funding.manage",
    "staff_program.correct_spending": "funding.manage",
    "staff_program.spending_voucher": "record.read",
    "staff_program.services": "station_service.write",
    "staff_program.new_parcel_count": "parcels.write",
    # -- staff pages -----------------------------------------------------------------------------
    "staff.auth.sign_in": PUBLIC,
    "staff.auth.sign_out": PUBLIC,  # ends whatever session there is; CSRF-checked like any form
    "staff.auth.password": "account.own",
    "staff.auth.tokens": "token.own",
    "staff.auth.revoke_token": "token.own",
    "staff.home.dashboard": "record.read",
    "staff.records.producers": "record.read",
    "staff.records.producer": "record.read",
    "staff.records.new_producer": "producer.write",
    "staff.records.products": "record.read",
    "staff.records.new_product": "product.write",
    "staff.records.batches": "record.read",
    "staff.records.batch": "record.read",
    "staff.records.new_batch": "batch.write",
    "staff.records.new_event": "event.write",
    "staff.imports.producers": "producer.write",
    "staff.imports.batches": "batch.write",
    "staff.imports.attendance": "training.write",
    "staff.imports.template": "record.read",
    "staff.imports.job": "record.read",
    "staff.labels.new_run": "label.issue",
    "staff.labels.run": "record.read",
    "staff.labels.pdf": "label.issue",
    "staff.labels.print_run": "label.issue",
    "staff.labels.void_code": "label.void",
    "staff.labels.void_run": "label.void",
    "staff.labels.reprint": "label.issue",
    "staff.labels.issue_certificate": "compliance.issue",
    "staff.labels.certificate_pdf": "compliance.issue",
    "staff.jobs.recent": "record.read",  # one's own jobs; others' are hidden but from admins
    "staff.jobs.status": "record.read",
    "staff.jobs.download": "record.read",
    "staff.users.users": "user.manage",
    "staff.users.new_user": "user.manage",
    "staff.users.set_active": "user.manage",
    "staff.users.reset_password": "user.manage",
    # -- staff forms of the quality records (trace.web.quality.pages) ----------------------------
    "staff_quality.batch_quality": "record.read",
    "staff_quality.new_inspection": "inspection.write",
    "staff_quality.upload_report": "inspection.write",
    "staff_quality.download_report": "record.read",
    "staff_quality.new_disposition": "disposition.write",
    "staff_quality.new_grading": "grading.write",
    "staff_quality.certifications": "record.read",
    "staff_quality.new_certification": "certification.write",
    "staff_quality.upload_certificate": "certification.write",
    "staff_quality.download_certificate": "record.read",
    "staff_quality.packaging": "record.read",
    "staff_quality.new_packaging": "packaging.write",
    "staff_quality.applications": "record.read",
    "staff_quality.new_application": "brand.apply",
    "staff_quality.application": "record.read",
    "staff_quality.approve": "brand.review",
    "staff_quality.reject": "brand.review",
    "staff_quality.suspend": "brand.review",
    # -- the regulator's read-only pages (trace.web.regulator) -----------------------------------
    "regulator.index": "regulator.view",
    "regulator.lots": "regulator.view",
    "regulator.lot": "regulator.view",
    "regulator.lot_export": "regulator.view",
    "regulator.exports": "regulator.view",
    "regulator.export_job": "regulator.view",
    "regulator.recalls": "regulator.view",
    "regulator.recall": "regulator.view",
    "regulator.open_recall": "recall.open",
    "regulator.recall_action": "recall.progress",
    "regulator.close_recall": "recall.open",
    "regulator.audit": "regulator.view",
    "regulator.records": "regulator.view",
    # -- consumer reports and public disclosure (trace.web.feedback, api/feedback, api/notices) --
    "feedback.report_form": PUBLIC,  # anonymous; honeypot, signed form stamp, RATE_LIMIT_REPORT
    "feedback.report_status": PUBLIC,  # by reference number; RATE_LIMIT_REPORT_STATUS
    "disclosure.disclosure_page": PUBLIC,
    "disclosure.notices_page": PUBLIC,
    "disclosure.notice_page": PUBLIC,  # published notices only
    "disclosure.notice_file": PUBLIC,  # attachments of published notices only
    # Signed checkpoints, their proofs and the public key: lot codes, counts and hashes only.
    "transparency.public_key": PUBLIC,
    "transparency.checkpoints": PUBLIC,
    "transparency.latest": PUBLIC,
    "transparency.checkpoint": PUBLIC,
    "transparency.lot_proof": PUBLIC,
    "feedback_staff.reports": "report.read",
    "feedback_staff.report": "report.read",
    "feedback_staff.photo": "report.read",
    "feedback_staff.assign": "report.triage",
    "feedback_staff.answer": "report.triage",
    "feedback_staff.escalate": "report.triage",
    "feedback_staff.close": "report.triage",
    "feedback_staff.contact": "report.contact",
    "feedback_staff.recall": "recall.open",
    "disclosure_staff.notices": "disclosure.manage",
    "disclosure_staff.new_notice": "disclosure.manage",
    "disclosure_staff.notice": "disclosure.manage",
    "disclosure_staff.upload": "disclosure.manage",
    "disclosure_staff.figures": "disclosure.manage",
    "disclosure_staff.delete_figure": "disclosure.manage",
    "reports.list_reports": "report.read",
    "reports.list_clusters": "report.read",
    "reports.statistics": "report.read",
    "reports.get_report": "report.read",
    "reports.report_photo": "report.read",
    "reports.assign_report": "report.triage",
    "reports.answer_report": "report.triage",
    "reports.escalate_report": "report.triage",
    "reports.close_report": "report.triage",
    "reports.reveal_contact": "report.contact",
    "reports.recall_from_report": "recall.open",
    "notices.list_notices": "record.read",
    "notices.get_notice": "record.read",
    "notices.download_file": "record.read",
    "notices.create_notice": "disclosure.manage",
    "notices.update_notice": "disclosure.manage",
    "notices.attach_file": "disclosure.manage",
    "notices.list_figures": "record.read",
    "notices.create_figure": "disclosure.manage",
    "notices.update_figure": "disclosure.manage",
    "notices.delete_figure": "disclosure.manage",
}

# Methods that never change anything and so need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

csrf = CSRFProtect()


def rule_for(endpoint: str, method: str = "GET") -> str | None:
    """The permission (or PUBLIC) an endpoint needs for `method`, or None when unlisted."""
    rule = ACCESS.get(endpoint)
    if rule is None or isinstance(rule, str):
        return rule
    return rule.get(method) or rule.get("GET" if method in {"HEAD", "OPTIONS"} else method)


def unlisted_endpoints(app: Flask) -> list[str]:
    """Endpoints of the app's routes that the table does not mention (must be none)."""
    return sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ACCESS))


def unknown_permissions() -> list[str]:
    """Permissions named in the table that trace.policy does not define (typos)."""
    named = {v for r in ACCESS.values() for v in ([r] if isinstance(r, str) else r.values())}
    return sorted(named - {PUBLIC} - set(PERMISSIONS))


def _is_page_request() -> bool:
    return not request.path.startswith("/api/")


def enforce() -> Response | None:
    """The one check every request passes; see the module docstring."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 answer follows
        return None
    if (
        request.method not in SAFE_METHODS
        and _is_page_request()
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        # Page forms are cookie-authenticated, so every one carries a CSRF token. The API takes
        # bearer tokens only (a browser never adds those by itself), so it needs none.
        csrf.protect()
    if request.method == "OPTIONS":
        return None
    permission = rule_for(endpoint, request.method)
    if permission is None:
        current_app.logger.error("endpoint %s is not in trace.web.access.ACCESS", endpoint)
        raise PermissionDeniedError("this route has no access rule; it is closed to everyone")
    if permission == PUBLIC:
        return None
    actor = current_actor()
    if actor is None:
        if _is_page_request():
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            expired = 1 if g.get("session_ended") else None  # says why, on the sign-in page
            login = url_for("staff.auth.sign_in", next=target, expired=expired)
            return redirect(login, 303)  # type: ignore[return-value]
        raise AuthenticationError("sign in first")
    if actor.role not in PERMISSIONS[permission]:
        raise PermissionDeniedError(f"the {actor.role.value} role may not do {permission}")
    return None


def can(permission: str) -> bool:
    """For templates: may the signed-in user do this? (Hides links they could not follow.)"""
    actor = current_actor()
    return actor is not None and actor.role in PERMISSIONS.get(permission, frozenset())


def init_app(app: Flask) -> None:
    # CSRF is checked in `enforce`, for pages only; Flask-WTF's own global hook stays off.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A form may stay open as long as the session lives (a slow connection in a village).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _refused_form)
    app.before_request(enforce)
    app.jinja_env.globals["can"] = can


def _refused_form(error: CSRFError) -> Any:
    """A form without a valid token: most often a page left open across a sign-out."""
    rollback()
    return error_response(400, gettext("表单已失效，请返回刷新页面后重新提交。"))
