"""Demo label runs: printed pack codes for a few released walnut lots, one of them voided."""

from __future__ import annotations

from sqlalchemy.orm import Session

from trace.demo.core import CoreDemo
from trace.errors import InvalidTransitionError
from trace.models.batches import BatchStatus
from trace.models.labels import LabelRun
from trace.models.users import Role
from trace.services.labels import issue_label_run, run_serials, void_pack_codes

RUNS = 2
LABELS_PER_RUN = 24  # one A4 3x8 sheet


def load_labels(session: Session, core: CoreDemo) -> list[LabelRun]:
    """Issue a sheet of labels for the first released lots; loaded last, after inspections."""
    qc = core.users[Role.QC]
    runs: list[LabelRun] = []
    for batch in core.batches:
        if len(runs) == RUNS:
            break
        if batch.status is not BatchStatus.ACTIVE:
            continue
        try:
            runs.append(issue_label_run(session, qc, batch.id, LABELS_PER_RUN))
        except InvalidTransitionError:
            continue  # e.g. no passed inspection yet: the demo shows that refusal elsewhere
    if runs:
        torn = run_serials(session, runs[0].id)[-1]
        void_pack_codes(session, qc, [torn], "示例：标签撕坏，已作废")
    return runs
