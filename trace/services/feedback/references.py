"""Report reference numbers, and reading what a consumer typed: pack codes and contacts."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.clock import zone
from trace.db import utcnow
from trace.errors import ValidationError
from trace.identifiers import is_valid_phone
from trace.models.feedback import (
    ContactKind,
    FeedbackContact,
)
from trace.models.labels import PackCode
from trace.services.labels import SERIAL_ALPHABET

REFERENCE_PREFIX = "FK"


REFERENCE_RANDOM_LENGTH = 8  # 40 bits of Crockford base32: not guessable behind a rate limit


_REFERENCE_RE = re.compile(r"^FK-?(\d{4})-?([0-9A-Z]{8})$")


_SERIAL_IN_LINK = re.compile(r"/(?:21|scan)/([^/?#\s]+)")


_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def new_reference(now: dt.datetime | None = None) -> str:
    """FK-<year>-<8 random Crockford base32 characters>, e.g. FK-2025-7KQ2M9XD."""
    year = (now or utcnow()).astimezone(zone()).year
    body = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(REFERENCE_RANDOM_LENGTH))
    return f"{REFERENCE_PREFIX}-{year}-{body}"


def normalize_reference(text: str) -> str | None:
    """A typed reference in its canonical form, or None when it cannot be one.

    Case, spaces and missing hyphens are forgiven, and O/I/L are read as 0/1/1 as Crockford
    base32 intends, so a number read over the phone still finds its report.
    """
    compact = re.sub(r"\s", "", text).upper()
    compact = re.sub(r"[\u2010-\u2015\u2212]", "-", compact)  # dashes a phone keyboard offers
    if compact.startswith(REFERENCE_PREFIX):
        rest = compact[len(REFERENCE_PREFIX) :].translate(str.maketrans("OIL", "011"))
        compact = REFERENCE_PREFIX + rest
    match = _REFERENCE_RE.match(compact)
    if match is None:
        return None
    body = match.group(2)
    if any(c not in SERIAL_ALPHABET for c in body):
        return None
    return f"{REFERENCE_PREFIX}-{match.group(1)}-{body}"


def serial_from(code: str) -> str:
    """The pack serial in what a reporter typed or pasted: a serial, a scan-page address or a
    GS1 Digital Link (…/21/<serial>)."""
    text = code.strip()
    match = _SERIAL_IN_LINK.search(text)
    if match:
        text = unquote(match.group(1))
    return re.sub(r"\s", "", text)[:40]


def find_pack(session: Session, code: str) -> PackCode | None:
    """The pack code a reporter means, or None when no pack has it."""
    serial = serial_from(code)
    if not serial:
        return None
    for candidate in dict.fromkeys((serial, serial.upper())):
        pack = session.scalar(select(PackCode).where(PackCode.serial == candidate))
        if pack is not None:
            return pack
    return None


def parse_contact(text: str) -> tuple[ContactKind, str]:
    """A phone number or e-mail address, normalised. Raises ValidationError naming `contact`."""
    value = text.strip()
    if "@" in value:
        if _EMAIL_RE.match(value) and len(value) <= 120:
            local, _, domain = value.rpartition("@")
            return ContactKind.EMAIL, f"{local}@{domain.lower()}"
    else:
        phone = re.sub(r"[\s()]", "", value)
        if phone.startswith("+86"):
            phone = phone[3:]
        if is_valid_phone(phone):
            return ContactKind.PHONE, phone
    raise ValidationError.for_field("contact", "report.contact_invalid")


def mask_contact(contact: FeedbackContact | None) -> str:
    """139****0009, l***@example.cn: enough to recognise, not enough to use."""
    if contact is None:
        return ""
    value = contact.value
    if contact.kind is ContactKind.EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    tail = 4 if len(value) >= 11 else 2  # 139****0009, as Chinese services commonly show it
    return value[:3] + "*" * max(1, len(value) - 3 - tail) + value[-tail:]
