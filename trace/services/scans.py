"""Scanning a pack code: the verdict (genuine, repeat, exceeded, void, recalled) and the scan log.

What counts is people, not page loads. A scan is one *client* looking at one pack: its first-party
device cookie where the browser keeps one, otherwise its salted address (IPv6: the /64) with its
user-agent family. The same client looking again (a reload, the language switch, JSON after HTML)
is not a new scan and keeps the verdict it got. Crawlers, link previews, staff and HEAD never count.

One address cannot condemn a pack: it adds at most SCAN_CLIENTS_PER_ADDRESS (2) counted clients
to a pack, however many cookies and user agents it sends, and `exceeded` needs more than
SCAN_LIMIT clients from more than one address. Two, not one: a family on one Wi-Fi, or a buyer
who opens the code in WeChat and then in the browser, are two honest looks; and a buyer behind a
carrier NAT whose address others share can at worst be told "repeat", never "exceeded", because of
that address. Past the bound, a new client from that address still gets the page and is told what
the count says, uncounted.

This is the hot path of the service: on PostgreSQL one statement (one round trip) finds the code,
recognises or registers the client, counts it and logs the look-up; elsewhere a few prepared Core
statements do the same. No ORM, and no work that depends on the length of the lot's history.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from trace.db import UTCDateTime, utcnow
from trace.models.batches import Batch, BatchStatus
from trace.models.labels import CodeStatus, LabelRun, PackCode
from trace.models.scans import Scan, ScanAddress, ScanClient


class Verdict(enum.StrEnum):
    GENUINE = "genuine"  # the first client to check this pack
    REPEAT = "repeat"  # checked before by another client: beware if that was not you
    EXCEEDED = "exceeded"  # more clients than SCAN_LIMIT, from more than one address: copied?
    UNKNOWN = "unknown"  # no such code: possibly counterfeit
    VOID = "void"  # the label was voided
    RECALLED = "recalled"  # overrides everything


# The verdicts a consumer can be given by counting (kept per client: looking again keeps them).
COUNTED_VERDICTS = frozenset({Verdict.GENUINE, Verdict.REPEAT, Verdict.EXCEEDED})


@dataclass(frozen=True)
class ScanOutcome:
    verdict: Verdict
    scan_count: int  # distinct counted clients, including this one if it counted
    first_scanned_at: dt.datetime | None
    batch_id: int | None
    sequence: int | None
    serial: str
    pack_date: dt.date | None = None  # the label run's pack date
    batch_status: str | None = None  # the lot's status as the scan read it (not from any cache)
    first_region: str = ""  # roughly where the first counted client was
    you_scanned_at: dt.datetime | None = None  # when this client first looked, if it had
    is_counted: bool = False  # this look-up added a client to the count
    registered: bool = False  # the client is new and was registered (with its minted device id)


def verdict_for(
    code_status: CodeStatus,
    batch_status: BatchStatus,
    clients: int,
    limit: int,
    addresses: int = 2,
    kept: str | None = None,
) -> Verdict:
    """The verdict for one look-up: a recall overrides everything, then a void; a client that
    looked before keeps the verdict it got (`kept`); otherwise the first client is told
    `genuine`, later ones `repeat`, and `exceeded` once more than `limit` distinct clients from
    more than one address have looked (so no single address can condemn a pack)."""
    if batch_status is BatchStatus.RECALLED:
        return Verdict.RECALLED
    if code_status is CodeStatus.VOID:
        return Verdict.VOID
    if kept is not None:
        return Verdict(kept)
    if clients <= 1:
        return Verdict.GENUINE
    if clients <= limit or addresses <= 1:
        return Verdict.REPEAT
    return Verdict.EXCEEDED


_UA_FAMILIES = [
    ("wechat", re.compile(r"MicroMessenger", re.I)),
    ("alipay", re.compile(r"AlipayClient", re.I)),
    ("bot", re.compile(r"bot|crawler|spider|curl|wget|python|httpclient", re.I)),
    ("edge", re.compile(r"Edg/", re.I)),
    ("chrome", re.compile(r"Chrome/|CriOS/", re.I)),
    ("firefox", re.compile(r"Firefox/|FxiOS/", re.I)),
    ("safari", re.compile(r"Safari/", re.I)),
]


def user_agent_family(user_agent: str) -> str:
    """A coarse family (wechat, alipay, chrome...): enough for statistics, not a fingerprint."""
    return next((name for name, pattern in _UA_FAMILIES if pattern.search(user_agent)), "other")


def address_network(address: str) -> str:
    """The unit one subscriber controls: an IPv4 address, or an IPv6 /64 (one household or
    phone gets a whole /64, so counting single IPv6 addresses would let it pose as millions)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def client_hash(secret: str, address: str) -> str:
    """A keyed hash of the client address (IPv6: its /64): the same phone is recognisable, the
    address is not."""
    return hmac.new(secret.encode(), address_network(address).encode(), hashlib.sha256).hexdigest()[
        :32
    ]


DEVICE_ID = re.compile(r"^[0-9a-f]{32}$")


def new_device_id() -> str:
    """A fresh first-party device id (the device cookie's value): random, not derived."""
    return secrets.token_hex(16)


def address_client_key(secret: str, address: str, user_agent: str) -> str:
    """The client's key without a device cookie: salted address (IPv6: /64) + user-agent family."""
    material = f"client:{address_network(address)}|{user_agent_family(user_agent)}"
    return hmac.new(secret.encode(), material.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Client:
    """Who is looking, as the scan needs it: `key` identifies the client (its device cookie, else
    address + user-agent family), `alias` is the device id minted for a client that came without
    a cookie (registered too, so its next look with the cookie is recognised), `address` is the
    salted address hash and `region` where the address is."""

    key: str = ""
    address: str = ""
    alias: str | None = None
    region: str = ""


def identify(secret: str, device: str | None, address: str, user_agent: str) -> Client:
    """The client of one public request; see Client. A malformed cookie counts as none."""
    address_hash = client_hash(secret, address)
    if device is not None and DEVICE_ID.match(device):
        return Client(device, address_hash)
    return Client(
        address_client_key(secret, address, user_agent), address_hash, alias=new_device_id()
    )


# The portable path (SQLite): the same steps as PostgreSQL's one statement, in a few prepared
# Core statements (built once, here: building them per call costs more than running them).
# SQLite has one writer at a time, so the steps cannot interleave with another scan's.
_code_lookup = (
    select(
        PackCode.id,
        PackCode.status,
        PackCode.batch_id,
        PackCode.sequence,
        Batch.status,
        LabelRun.pack_date,
        PackCode.public_scan_count,
        PackCode.counted_addresses,
        PackCode.first_scanned_at,
        PackCode.first_region,
    )
    .join(Batch, Batch.id == PackCode.batch_id)
    .join(LabelRun, LabelRun.id == PackCode.label_run_id)
    .where(PackCode.serial == bindparam("serial"))
)
_known = select(ScanClient.seen_at, ScanClient.verdict).where(
    ScanClient.pack_code_id == bindparam("code_id"), ScanClient.client_key == bindparam("client")
)
_address_clients = select(ScanAddress.clients).where(
    ScanAddress.pack_code_id == bindparam("code_id"),
    ScanAddress.address_hash == bindparam("address"),
)
_register = insert(ScanClient).values(
    pack_code_id=bindparam("code_id"),
    client_key=bindparam("client"),
    seen_at=bindparam("now", type_=UTCDateTime()),
    verdict=bindparam("verdict"),
)
_new_address = insert(ScanAddress).values(
    pack_code_id=bindparam("code_id"), address_hash=bindparam("address"), clients=1
)
_more_from_address = (
    update(ScanAddress)
    .where(
        ScanAddress.pack_code_id == bindparam("code_id"),
        ScanAddress.address_hash == bindparam("address"),
    )
    .values(clients=ScanAddress.clients + 1)
)
_count = (
    update(PackCode)
    .where(PackCode.id == bindparam("code_id"))
    .values(
        public_scan_count=PackCode.public_scan_count + 1,
        counted_addresses=PackCode.counted_addresses + bindparam("new_address"),
        first_region=case(
            (PackCode.first_scanned_at.is_(None), bindparam("region")),
            else_=PackCode.first_region,
        ),
        first_scanned_at=func.coalesce(
            PackCode.first_scanned_at, bindparam("now", type_=UTCDateTime())
        ),
    )
    .returning(
        PackCode.public_scan_count,
        PackCode.counted_addresses,
        PackCode.first_scanned_at,
        PackCode.first_region,
    )
)
_log = insert(Scan).values(
    pack_code_id=bindparam("code_id"),
    batch_id=bindparam("batch_id"),
    scanned_at=bindparam("now", type_=UTCDateTime()),
    client_hash=bindparam("address"),
    user_agent_family=bindparam("family"),
    is_public=bindparam("is_public"),
    verdict=bindparam("verdict"),
    is_counted=bindparam("is_counted"),
    region=bindparam("region"),
)


def sql_verdict(clients: str, addresses: str, kept: str = "NULL") -> str:
    """verdict_for as SQL over the given expressions (with batch_status and code_status
    columns); tests/public/test_scan.py checks that the two agree."""
    return f"""CASE
    WHEN batch_status = 'recalled' THEN 'recalled'
    WHEN code_status = 'void' THEN 'void'
    WHEN {kept} IS NOT NULL THEN {kept}
    WHEN {clients} <= 1 THEN 'genuine'
    WHEN {clients} <= %(limit)s OR {addresses} <= 1 THEN 'repeat'
    ELSE 'exceeded' END"""


SQL_VERDICT = sql_verdict("scan_count", "addresses", "kept")

# PostgreSQL: every step as one statement, one round trip. Data-modifying CTEs all see one
# snapshot, so what must hold under concurrency is decided by the writes themselves:
# - `fresh`: a client is new only if its row goes in (a unique key: of two look-ups by one client
#   at once, e.g. a preview and a load, one inserts and the other waits for it and does nothing);
# - `slot`: the address's counter is raised only while below the per-address bound (the upsert
#   locks the row and re-reads it), so concurrent clients from one address cannot pass it;
# - `counted`: the pack's counters are raised from the row's latest values (the row lock orders
#   concurrent scans of one pack: each gets its own count).
# The verdict a new client is registered with is worked out from the snapshot (`predicted`): two
# new clients at the very same moment may both keep "genuine"; the answer itself uses the count.
_PG_SCAN = f"""
WITH code AS (
    SELECT pc.id, pc.status AS code_status, pc.batch_id, pc.sequence, b.status AS batch_status,
           lr.pack_date, pc.public_scan_count, pc.counted_addresses, pc.first_scanned_at,
           pc.first_region
    FROM pack_codes pc
    JOIN batches b ON b.id = pc.batch_id
    JOIN label_runs lr ON lr.id = pc.label_run_id
    WHERE pc.serial = %(serial)s
), known AS (
    SELECT sc.seen_at, sc.verdict FROM scan_clients sc
    WHERE %(identify)s AND sc.pack_code_id = (SELECT id FROM code) AND sc.client_key = %(client)s
), predicted AS (
    SELECT code.*, COALESCE(a.clients, 0) < %(per_address)s AS countable,
           a.clients IS NULL AS new_address
    FROM code LEFT JOIN scan_addresses a
        ON a.pack_code_id = code.id AND a.address_hash = %(address)s
    WHERE %(count)s AND NOT EXISTS (SELECT 1 FROM known)
), fresh AS (
    INSERT INTO scan_clients (pack_code_id, client_key, seen_at, verdict)
    SELECT id, k.key, %(now)s, {
    sql_verdict(
        "public_scan_count + countable::int",
        "counted_addresses + (countable AND new_address)::int",
    )
}
    FROM predicted, (VALUES (%(client)s), (%(alias)s)) AS k(key)
    WHERE k.key IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING pack_code_id, client_key
), slot AS (
    INSERT INTO scan_addresses AS a (pack_code_id, address_hash, clients)
    SELECT pack_code_id, %(address)s, 1 FROM fresh WHERE client_key = %(client)s
    ON CONFLICT (pack_code_id, address_hash) DO UPDATE SET clients = a.clients + 1
        WHERE a.clients < %(per_address)s
    RETURNING clients = 1 AS new_address
), counted AS (
    UPDATE pack_codes SET public_scan_count = public_scan_count + 1,
        counted_addresses = counted_addresses + (SELECT new_address::int FROM slot),
        first_region = CASE WHEN first_scanned_at IS NULL THEN %(region)s ELSE first_region END,
        first_scanned_at = COALESCE(first_scanned_at, %(now)s)
    WHERE id = (SELECT id FROM code) AND EXISTS (SELECT 1 FROM slot)
    RETURNING public_scan_count, counted_addresses, first_scanned_at, first_region
), state AS (
    SELECT code.code_status, code.batch_id, code.sequence, code.batch_status, code.pack_date,
           COALESCE(counted.public_scan_count, code.public_scan_count) AS scan_count,
           COALESCE(counted.counted_addresses, code.counted_addresses) AS addresses,
           COALESCE(counted.first_scanned_at, code.first_scanned_at) AS first_at,
           COALESCE(counted.first_region, code.first_region) AS first_region,
           (SELECT seen_at FROM known) AS you_at, (SELECT verdict FROM known) AS kept,
           code.id, counted.public_scan_count IS NOT NULL AS is_counted
    FROM code LEFT JOIN counted ON TRUE
), verdict AS (
    SELECT state.*, {SQL_VERDICT} AS verdict FROM state
), logged AS (
    INSERT INTO scans (pack_code_id, batch_id, scanned_at, client_hash, user_agent_family,
                       is_public, verdict, is_counted, region)
    SELECT id, batch_id, %(now)s, %(address)s, %(family)s, %(is_public)s, verdict, is_counted,
           %(region)s
    FROM verdict WHERE %(log)s
)
SELECT code_status, batch_id, sequence, batch_status, pack_date, scan_count, addresses, first_at,
       first_region, you_at, kept, is_counted, EXISTS (SELECT 1 FROM fresh) AS registered, verdict
FROM verdict
"""


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment is not None else None


def _pg_parameters(
    serial: str,
    limit: int,
    is_public: bool,
    client: Client,
    user_agent: str,
    log: bool,
    countable: bool,
    per_address: int,
) -> dict[str, Any]:
    identify = is_public and bool(client.key)
    return {
        "serial": serial,
        "now": utcnow(),
        "identify": identify,
        "count": identify and log and countable,
        "log": log,
        "client": client.key,
        "alias": client.alias,
        "address": client.address,
        "region": client.region,
        "family": user_agent_family(user_agent),
        "is_public": is_public,
        "limit": limit,
        "per_address": per_address,
    }


def _pg_outcome(row: Sequence[Any] | None, serial: str) -> ScanOutcome:
    if row is None:
        return ScanOutcome(Verdict.UNKNOWN, 0, None, None, None, serial)
    (_code, batch_id, sequence, batch_status, pack_date, count, _addresses, first, region,
     you_at, _kept, is_counted, registered, verdict) = row  # fmt: skip
    return ScanOutcome(
        Verdict(verdict),
        count,
        _utc(first),
        batch_id,
        sequence,
        serial,
        pack_date,
        BatchStatus(batch_status).value,
        region,
        _utc(you_at),
        is_counted,
        registered,
    )


def record_scan(
    connection: Connection,
    serial: str,
    *,
    limit: int,
    is_public: bool,
    client: Client | None = None,
    user_agent: str = "",
    log: bool = True,
    countable: bool = True,
    per_address: int = 2,
) -> ScanOutcome:
    """Log one look-up of the pack code with this serial, counting its client if it is new;
    the caller commits.

    A client counts once per pack; it is not counted (though it gets the page and its verdict)
    when it looked before, when its address has already added `per_address` clients to this
    pack, when it is staff (is_public=False), when `countable` is false (a crawler, a language
    switch) or for HEAD (log=False: nothing is written). (The resolver has already checked that
    the serial belongs to the GTIN and lot in the URI.)
    """
    client = client or Client()
    if connection.dialect.name == "postgresql":
        parameters = _pg_parameters(
            serial, limit, is_public, client, user_agent, log, countable, per_address
        )
        row = connection.exec_driver_sql(_PG_SCAN, parameters).first()
        return _pg_outcome(row, serial)

    now = utcnow()
    found = connection.execute(_code_lookup, {"serial": serial}).first()
    if found is None:
        return ScanOutcome(Verdict.UNKNOWN, 0, None, None, None, serial)
    (code_id, code_status, batch_id, sequence, batch_status, pack_date, count, addresses, first,
     region) = found  # fmt: skip
    code_status, batch_status = CodeStatus(code_status), BatchStatus(batch_status)
    identify = is_public and bool(client.key)
    known = (
        connection.execute(_known, {"code_id": code_id, "client": client.key}).first()
        if identify
        else None
    )
    is_counted = registered = False
    if known is None and identify and log and countable:
        keys = {"code_id": code_id, "address": client.address}
        from_address = connection.execute(_address_clients, keys).scalar()
        is_counted = (from_address or 0) < per_address
        new_address = from_address is None
        verdict = verdict_for(
            code_status,
            batch_status,
            count + is_counted,
            limit,
            addresses + (is_counted and new_address),
        )
        for key in filter(None, (client.key, client.alias)):
            connection.execute(
                _register,
                {"code_id": code_id, "client": key, "now": now, "verdict": verdict.value},
            )
        registered = True
        if is_counted:
            connection.execute(_new_address if new_address else _more_from_address, keys)
            count, addresses, first, region = connection.execute(
                _count,
                {"code_id": code_id, "now": now, "new_address": int(new_address),
                 "region": client.region},
            ).one()  # fmt: skip
    kept = known.verdict if known is not None else None
    verdict = verdict_for(code_status, batch_status, count, limit, addresses, kept)
    if log:
        connection.execute(
            _log,
            {
                "code_id": code_id,
                "batch_id": batch_id,
                "now": now,
                "address": client.address,
                "family": user_agent_family(user_agent),
                "is_public": is_public,
                "verdict": verdict.value,
                "is_counted": is_counted,
                "region": client.region,
            },
        )
    return ScanOutcome(
        verdict,
        count,
        _utc(first),
        batch_id,
        sequence,
        serial,
        pack_date,
        batch_status.value,
        region,
        _utc(known.seen_at) if known is not None else None,
        is_counted,
        registered,
    )


def record_scan_dbapi(
    dbapi_connection: Any,
    serial: str,
    *,
    limit: int,
    is_public: bool,
    client: Client | None = None,
    user_agent: str = "",
    log: bool = True,
    countable: bool = True,
    per_address: int = 2,
) -> ScanOutcome:
    """record_scan on a PostgreSQL driver connection in autocommit mode (the served hot path).

    The same one statement, committed by itself, without SQLAlchemy's per-statement work (result
    metadata, events), which costs more than the statement's own round trip. Raises the driver's
    errors.
    """
    parameters = _pg_parameters(
        serial, limit, is_public, client or Client(), user_agent, log, countable, per_address
    )
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_PG_SCAN, parameters)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return _pg_outcome(row, serial)


# The language switch on a scan page links to the same page with a short-lived token: following
# it is the same person looking again, never a new scan, even from a browser that dropped the
# device cookie and a phone whose address changed. A token copied into a printed code is stale
# within the half hour, so `?lang=en` alone (a printed link, the resolver's English link) counts.
SWITCH_MINUTES = 30


def _switch_mac(secret: str, serial: str, minute: int) -> str:
    message = f"language-switch:{serial}:{minute}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:12]


def language_switch_token(secret: str, serial: str, now: dt.datetime | None = None) -> str:
    """The token the scan page's language switch carries (minute of the view, keyed MAC)."""
    minute = int((now or utcnow()).timestamp() // 60)
    return f"{minute:x}.{_switch_mac(secret, serial, minute)}"


def is_language_switch(
    secret: str, serial: str, token: str | None, now: dt.datetime | None = None
) -> bool:
    """Whether `token` came from a scan page of this serial within SWITCH_MINUTES."""
    if not token or "." not in token or len(token) > 40:
        return False
    minute_hex, mac = token.split(".", 1)
    try:
        minute = int(minute_hex, 16)
    except ValueError:
        return False
    age = int((now or utcnow()).timestamp() // 60) - minute
    return 0 <= age <= SWITCH_MINUTES and hmac.compare_digest(
        mac, _switch_mac(secret, serial, minute)
    )
