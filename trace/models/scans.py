"""The scan log: every look-up of a pack code, append-only, with no raw client address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, UTCDateTime, utcnow
from trace.models.events import _refuse_change


class Scan(Base):
    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_code_id: Mapped[int] = mapped_column(ForeignKey("pack_codes.id"), index=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Salted hash of the client address: lets us see one phone scanning many codes, not who it is.
    client_hash: Mapped[str] = mapped_column(String(32), default="")
    user_agent_family: Mapped[str] = mapped_column(String(30), default="")
    is_public: Mapped[bool] = mapped_column(default=True)  # False for signed-in staff
    verdict: Mapped[str] = mapped_column(String(10))


event.listen(Scan, "before_update", _refuse_change)
event.listen(Scan, "before_delete", _refuse_change)
