"""Dayao demonstration data, loaded by `flask --app trace demo load`: core records first, then each
module's own records. Every invented name carries 示例 (example)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from trace.demo.core import DEMO_DOMAIN, DEMO_PASSWORD, CoreDemo, load_core
from trace.demo.feedback import load_feedback
from trace.demo.funding import load_funding
from trace.demo.genealogy import load_genealogy
from trace.demo.labels import load_labels
from trace.demo.program import load_program
from trace.demo.quality import load_quality

__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "CoreDemo", "load_demo"]


def load_demo(session: Session) -> bool:
    """Create the demo records unless they exist. Returns True when it created them."""
    core = load_core(session)
    if core is None:
        return False
    # Each module adds its demo records here, given the core records it builds on.
    load_program(session, core)
    load_funding(session, core)  # issue 19: after the stations it serves
    load_quality(session, core)
    load_genealogy(session, core)
    # Labels stay last: issuing them needs the quality records above.
    load_labels(session, core)
    load_feedback(session, core)  # reports need printed packs: after labels
    session.flush()
    return True
