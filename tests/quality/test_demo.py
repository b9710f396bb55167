"""The demo shows each quality feature: designs, grades, a held lot, certificates, the brand."""

from __future__ import annotations

from trace.clock import local_today
from trace.demo.core import load_core
from trace.demo.quality import load_quality
from trace.models.batches import BatchStatus
from trace.models.brand import ApplicationStatus
from trace.models.certifications import CertificationStatus
from trace.services.brand import label_marks
from trace.services.certifications import certificates_for_batch, expiring_certificates
from trace.services.inspections import release_problem
from trace.services.packaging import packaging_report


def test_demo_quality_records(db_session):
    core = load_core(db_session)
    assert core is not None
    demo = load_quality(db_session, core)
    qc = next(u for u in core.users.values() if u.role.value == "qc")

    report = packaging_report(db_session, qc)
    assert 5 <= report["designs"] < report["target"] == 20

    assert [g.grade for g in demo.gradings] == ["特级", "Ⅰ级", "Ⅱ级"]
    assert demo.gradings[2].gi_conformity["passed"] is False

    held = [b for b in core.batches if b.status is BatchStatus.ON_HOLD]
    assert len(held) == 1 and held[0].producer is core.producers["farmer"]
    assert sum(not i.passed for i in demo.inspections) == 1
    released = [b for b in core.batches if release_problem(db_session, b) is None]
    assert len(released) == len(core.batches) - 1

    today = local_today()
    statuses = {c.cert_type.value: c.status_on(today) for c in demo.certifications}
    assert statuses["organic"] is CertificationStatus.EXPIRING
    assert statuses["legacy_pollution_free"] is CertificationStatus.EXPIRED
    assert statuses["gi_product"] is CertificationStatus.VALID
    assert [c.cert_type.value for c in expiring_certificates(db_session)] == ["organic"]
    first_lot = core.batches[0]
    assert {c.cert_type.value for c in certificates_for_batch(db_session, first_lot)} == {
        "gi_product",
        "gi_trademark",
        "compliance_certificate",
    }

    assert [a.status for a in demo.applications] == [
        ApplicationStatus.APPROVED,
        ApplicationStatus.PENDING,
    ]
    coop, in_shell = core.producers["coop"], core.products["in_shell"]
    assert label_marks(db_session, coop, in_shell) == (True, True)
    company, kernel = core.producers["company"], core.products["kernel"]
    assert label_marks(db_session, company, kernel) == (False, True)
