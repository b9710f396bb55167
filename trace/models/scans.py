"""The scan log: every look-up of a pack code, append-only, with no raw client address; and the
clients and addresses that have looked at each pack (what makes a scan count, or not)."""

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
    # The pack's lot, copied when the scan is logged (the scan service writes it; a database
    # trigger fills it for any other insert, migration 0019): the log is partitioned by month, so
    # a lot's scans are found by this index in each month rather than by each code in each month.
    batch_id: Mapped[int | None] = mapped_column(index=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Salted hash of the client address: lets us see one phone scanning many codes, not who it is.
    client_hash: Mapped[str] = mapped_column(String(32), default="")
    user_agent_family: Mapped[str] = mapped_column(String(30), default="")
    is_public: Mapped[bool] = mapped_column(default=True)  # False for signed-in staff
    verdict: Mapped[str] = mapped_column(String(10))
    # True when this look-up added a client to the pack's count (trace.services.scans).
    is_counted: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Province/city/district of the address from the offline database; the address is not kept.
    region: Mapped[str] = mapped_column(String(60), default="", server_default="")


class ScanClient(Base):
    """One client (device cookie, else address hash + user-agent family) that looked at a pack:
    looking again is not a new scan, and keeps the verdict it got."""

    __tablename__ = "scan_clients"

    pack_code_id: Mapped[int] = mapped_column(ForeignKey("pack_codes.id"), primary_key=True)
    client_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    verdict: Mapped[str] = mapped_column(String(10))


class ScanAddress(Base):
    """How many counted clients one address (IPv4, or IPv6 /64, hashed) added to a pack: at most
    SCAN_CLIENTS_PER_ADDRESS, so one address cannot condemn a pack."""

    __tablename__ = "scan_addresses"

    pack_code_id: Mapped[int] = mapped_column(ForeignKey("pack_codes.id"), primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    clients: Mapped[int] = mapped_column()


event.listen(Scan, "before_update", _refuse_change)
event.listen(Scan, "before_delete", _refuse_change)
