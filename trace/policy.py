"""Who may do what: the one table of role permissions, checked by every service."""

from __future__ import annotations

from typing import Protocol

from trace.errors import AuthenticationError, PermissionDeniedError
from trace.models.users import Role

ADMIN, QC, STATION, REGULATOR = Role.ADMIN, Role.QC, Role.STATION, Role.REGULATOR
STAFF = frozenset(Role)

# permission -> roles that hold it. Read permissions include the regulator; writes never do.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "record.read": STAFF,
    "producer.write": frozenset({ADMIN, QC, STATION}),
    "product.write": frozenset({ADMIN, QC}),
    "batch.write": frozenset({ADMIN, QC, STATION}),
    "event.write": frozenset({ADMIN, QC, STATION}),
    "audit.read": frozenset({ADMIN, REGULATOR}),
    "user.manage": frozenset({ADMIN}),
    "token.own": STAFF,
    "account.own": STAFF,  # one's own account: profile, password, staff dashboard
    "label.issue": frozenset({ADMIN, QC}),  # issue runs, download their PDFs, record reprints
    "label.void": frozenset({ADMIN, QC}),
    # 承诺达标合格证: the QC centre, or the producer's township station, issues it for a batch.
    "compliance.issue": frozenset({ADMIN, QC, STATION}),
    # Programme modules: admin runs the plan's records, QC the cold chain, stations their training.
    "station.manage": frozenset({ADMIN}),
    # Issue 19: the programme office keeps the books; stations record their services, and the
    # logistics staff (as for shipments) tally parcels at facilities without a station.
    "funding.manage": frozenset({ADMIN}),
    "station_service.write": frozenset({ADMIN, STATION}),
    "parcels.write": frozenset({ADMIN, QC}),
    "facility.manage": frozenset({ADMIN}),
    "target.manage": frozenset({ADMIN}),
    "course.manage": frozenset({ADMIN}),
    "training.write": frozenset({ADMIN, STATION}),
    "shipment.write": frozenset({ADMIN, QC}),
    "temperature.write": frozenset({ADMIN, QC}),
    # Quality records: the QC centre grades, inspects and certifies; only qc decides on a hold.
    "standard.write": frozenset({ADMIN, QC}),  # grading standards, inspection limits
    "grading.write": frozenset({ADMIN, QC}),
    "packaging.write": frozenset({ADMIN, QC}),
    "inspection.write": frozenset({ADMIN, QC}),
    "disposition.write": frozenset({QC}),
    "certification.write": frozenset({ADMIN, QC}),
    "brand.apply": frozenset({ADMIN, QC, STATION}),
    "brand.review": frozenset({ADMIN, QC}),  # decide applications, edit admission rules
    # Recalls: the regulator orders them (the one write a regulator makes), staff carry them out.
    "recall.open": frozenset({ADMIN, REGULATOR}),  # open and close
    "recall.progress": frozenset({ADMIN, QC, STATION}),  # holders notified, quantities recovered
    "trace.export": frozenset({ADMIN, QC, REGULATOR}),  # CSV/XLSX/EPCIS of lots and date ranges
    "regulator.view": frozenset({ADMIN, REGULATOR}),  # the read-only regulator pages
    # Where packs are scanned (regions, cloned codes, 窜货); QC may reset its own test scans.
    "scan.regions": frozenset({ADMIN, QC, REGULATOR}),
    "scan.mark_test": frozenset({ADMIN, QC}),
    # Consumer reports: QC triages them, the regulator follows them; contacts only when needed.
    "report.read": frozenset({ADMIN, QC, REGULATOR}),
    "report.triage": frozenset({ADMIN, QC}),  # assign, answer, escalate, close
    "report.contact": frozenset({QC, REGULATOR}),  # reveal a reporter's contact (audited)
    "disclosure.manage": frozenset({ADMIN}),  # notices, attachments, reported figures (政务公开)
}

# Writes a station user may make only inside their own township: the township of every record
# the write touches (a batch's lot and its producer, a recall's lot and shipment) is checked.
TOWNSHIP_SCOPED = frozenset(
    {
        "producer.write",
        "batch.write",
        "event.write",
        "training.write",
        "brand.apply",
        "recall.progress",
        "compliance.issue",
        "station_service.write",
    }
)


class Actor(Protocol):
    id: int
    role: Role
    township_code: str | None
    is_active: bool


def authorize(
    actor: Actor | None,
    permission: str,
    township_code: str | None = None,
    *more_townships: str | None,
    field: str = "township_code",
) -> None:
    """Raise unless `actor` holds `permission` (and, for station staff, for every township given:
    the township of each record the write touches). No township at all is the role check alone,
    made before the records are looked up; a station account without a township writes nothing.

    Raises AuthenticationError for no actor, PermissionDeniedError for a role or township miss
    (naming `field`).
    """
    if actor is None or not actor.is_active:
        raise AuthenticationError("sign in first")
    if actor.role not in PERMISSIONS[permission]:
        raise PermissionDeniedError(f"the {actor.role.value} role may not do {permission}")
    if actor.role is not STATION or permission not in TOWNSHIP_SCOPED:
        return
    touched = {code for code in (township_code, *more_townships) if code is not None}
    if actor.township_code is None or any(code != actor.township_code for code in touched):
        raise PermissionDeniedError(
            "station staff may only write records of their own township",
            {field: ["not your township"]},
        )
