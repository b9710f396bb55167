"""Signed checkpoints: every lot's chain head and event count in one Merkle root, signed.

A chain inside the database cannot prove that nobody rewrote it along with the batch counters
(trace.services.verify says what plain verify sees). A checkpoint can, once a copy is kept
elsewhere: it folds each lot's (lot, event count, newest hash) into an RFC 6962 Merkle tree, and
signs the root with the service's Ed25519 key together with the time, a sequence number and the
previous checkpoint's hash (so checkpoints form a chain of their own). Later, `verify --against`
shows for each lot in a kept copy whether it still exists, still has at least that many events,
and still has the same hash at that place: truncation, deleted lots and re-hashed histories are
named lot by lot. One lot's inclusion is proved by its leaf and the audit path to the root.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import InvalidTransitionError, NotFoundError, TraceError, problem
from trace.models.audit import AuditEntry
from trace.models.transparency import Checkpoint, ConsistencyCheck
from trace.services.verify import ChainReport, verify_chains

FORMAT = "dayao-trace-checkpoint/1"
FIRST_PREVIOUS = "0" * 64
KEY_FILE = "checkpoint_ed25519.pem"  # in the instance folder; backups carry it
MAX_STORED_PROBLEMS = 500


class CheckpointInvalidError(TraceError):
    """A checkpoint document's signature, root or hash does not hold."""

    code = "checkpoint_invalid"


# Keys ---------------------------------------------------------------------------------------


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The service's signing key, created once (mode 0600) where it is missing."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointInvalidError(problem("checkpoint.private_key", path=path))
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise CheckpointInvalidError(problem("checkpoint.public_key", error=error)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointInvalidError("checkpoint.key_not_ed25519")
    return key


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key: names the key in a checkpoint."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# Merkle tree (RFC 6962 hashing; an odd node is carried up unchanged, which gives the same root)


def leaf_hash(lot: str, count: int, head: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{lot}\n{count}\n{head}".encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The sibling hashes from leaf `index` up to the root."""
    path: list[bytes] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level, index = paired, index // 2
    return path


def root_from_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Recompute the root from one leaf and its audit path (RFC 6962 section 2.1.1 order)."""
    node, steps = leaf, list(proof)
    while size > 1:
        if (index % 2 or index + 1 < size) and not steps:
            raise CheckpointInvalidError("checkpoint.proof_too_short")
        if index % 2:
            node = _node(steps.pop(0), node)
        elif index + 1 < size:
            node = _node(node, steps.pop(0))
        index, size = index // 2, (size + 1) // 2
    if steps:
        raise CheckpointInvalidError("checkpoint.proof_too_long")
    return node


# Making and reading checkpoints ---------------------------------------------------------------


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def statement(cp: Checkpoint) -> dict[str, Any]:
    """The signed part of a checkpoint."""
    return {
        "format": FORMAT,
        "sequence": cp.sequence,
        "created_at": cp.created_at.astimezone(dt.UTC).isoformat(),
        "lot_count": cp.lot_count,
        "event_count": cp.event_count,
        "root": cp.root,
        "previous_hash": cp.previous_hash,
        "key_id": cp.key_id,
    }


def _signed_hash(body: dict[str, Any], signature: str) -> str:
    return hashlib.sha256(_canonical({"checkpoint": body, "signature": signature})).hexdigest()


def latest_checkpoint(session: Session) -> Checkpoint | None:
    return session.scalar(select(Checkpoint).order_by(Checkpoint.sequence.desc()).limit(1))


def recent_checkpoints(session: Session, limit: int = 100) -> list[Checkpoint]:
    query = select(Checkpoint).order_by(Checkpoint.sequence.desc()).limit(limit)
    return list(session.scalars(query))


def get_checkpoint(session: Session, sequence: int) -> Checkpoint:
    """Raises NotFoundError."""
    cp = session.scalar(select(Checkpoint).where(Checkpoint.sequence == sequence))
    if cp is None:
        raise NotFoundError(problem("checkpoint.not_found", sequence=sequence))
    return cp


def create_checkpoint(
    session: Session, key: Ed25519PrivateKey, now: dt.datetime | None = None
) -> Checkpoint:
    """Sign today's heads of every chain as the next checkpoint (flushes, never commits).

    Raises InvalidTransitionError when a chain is broken: a checkpoint must never bless a
    tampered history (run `verify` and deal with it first).
    """
    report = verify_chains(session)
    if not report.is_intact:
        lots = ", ".join(sorted({link.lot for link in report.broken})[:20])
        raise InvalidTransitionError(problem("checkpoint.chains_broken", lots=lots))
    heads = sorted(report.heads.values(), key=lambda head: head.lot)
    leaves = [[head.lot, head.count, head.head] for head in heads]
    previous = latest_checkpoint(session)
    hashes = [leaf_hash(head.lot, head.count, head.head) for head in heads]
    cp = Checkpoint(
        sequence=previous.sequence + 1 if previous else 1,
        created_at=(now or utcnow()).replace(microsecond=0),
        lot_count=len(leaves),
        event_count=report.events,
        root=merkle_root(hashes).hex(),
        previous_hash=previous.hash if previous else FIRST_PREVIOUS,
        key_id=key_id(key),
        leaves=json.dumps(leaves, ensure_ascii=False, separators=(",", ":")),
    )
    body = statement(cp)
    cp.signature = base64.b64encode(key.sign(_canonical(body))).decode()
    cp.hash = _signed_hash(body, cp.signature)
    session.add(cp)
    session.add(
        AuditEntry(
            action="checkpoint.create",
            entity_type="checkpoints",
            entity_id=str(cp.sequence),
            after={"sequence": cp.sequence, "root": cp.root, "lots": cp.lot_count},
        )
    )
    session.flush()
    return cp


def checkpoint_document(cp: Checkpoint, with_leaves: bool = True) -> dict[str, Any]:
    """The published JSON: the signed statement, its signature and hash, and the leaves."""
    document: dict[str, Any] = {
        "checkpoint": statement(cp),
        "signature": cp.signature,
        "hash": cp.hash,
    }
    if with_leaves:
        document["leaves"] = json.loads(cp.leaves)
    return document


def verify_statement(document: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """Check the signature and the hash of a checkpoint document; returns the statement.

    Raises CheckpointInvalidError."""
    try:
        body, signature = document["checkpoint"], document["signature"]
        raw = base64.b64decode(signature, validate=True)
    except (KeyError, TypeError, ValueError):
        raise CheckpointInvalidError("checkpoint.not_document") from None
    if body.get("format") != FORMAT:
        raise CheckpointInvalidError(
            problem("checkpoint.unknown_format", format=body.get("format"))
        )
    try:
        public_key.verify(raw, _canonical(body))
    except InvalidSignature:
        raise CheckpointInvalidError("checkpoint.bad_signature") from None
    if document.get("hash") not in (None, _signed_hash(body, signature)):
        raise CheckpointInvalidError("checkpoint.hash_mismatch")
    return dict(body)


def verify_document(
    document: dict[str, Any], public_key: Ed25519PublicKey
) -> tuple[dict[str, Any], list[list[Any]]]:
    """Signature, hash, and the leaves against the signed root. Raises CheckpointInvalidError."""
    body = verify_statement(document, public_key)
    leaves = document.get("leaves")
    if not isinstance(leaves, list):
        raise CheckpointInvalidError("checkpoint.no_leaves")
    try:
        root = merkle_root([leaf_hash(str(lot), int(n), str(head)) for lot, n, head in leaves])
    except (TypeError, ValueError):
        raise CheckpointInvalidError("checkpoint.malformed_leaves") from None
    if root.hex() != body["root"] or len(leaves) != body["lot_count"]:
        raise CheckpointInvalidError("checkpoint.root_mismatch")
    return body, leaves


# Checking today's data against a kept checkpoint -----------------------------------------------


@dataclass(frozen=True)
class Divergence:
    lot: str
    problem: str  # lot_deleted, truncated, rewritten, or a chain problem of plain verify
    detail: str

    def describe(self) -> str:
        return f"lot {self.lot}: {self.problem}: {self.detail}"


@dataclass
class AgainstReport:
    checkpoint: dict[str, Any]
    lots: int = 0
    events: int = 0
    problems: list[Divergence] = field(default_factory=list)

    @property
    def is_consistent(self) -> bool:
        return not self.problems


def check_against(session: Session, body: dict[str, Any], leaves: list[list[Any]]) -> AgainstReport:
    """Compare the database with a verified checkpoint's leaves (and check every chain)."""
    wanted = [(str(lot), int(count)) for lot, count, _head in leaves if int(count) > 0]
    chains: ChainReport = verify_chains(session, wanted=wanted)
    report = AgainstReport(checkpoint=body, lots=chains.lots, events=chains.events)
    for link in chains.broken:
        report.problems.append(Divergence(link.lot, link.problem.value, link.describe()))
    for lot, count, head in leaves:
        lot, count = str(lot), int(count)
        now = chains.heads.get(lot)
        if now is None:
            report.problems.append(
                Divergence(lot, "lot_deleted", f"had {count} events, the lot is gone")
            )
        elif now.count < count:
            report.problems.append(
                Divergence(lot, "truncated", f"had {count} events, now {now.count}")
            )
        elif count and chains.hashes_at.get((lot, count)) != head:
            found = chains.hashes_at.get((lot, count), "nothing")
            report.problems.append(
                Divergence(lot, "rewritten", f"event {count} was {head}, now {found}")
            )
    return report


def record_check(session: Session, report: AgainstReport) -> ConsistencyCheck:
    """Keep the outcome, so the regulator's page can show it without recomputing (flushes)."""
    check = ConsistencyCheck(
        checkpoint_sequence=int(report.checkpoint["sequence"]),
        lots_checked=report.lots,
        events_checked=report.events,
        is_consistent=report.is_consistent,
        problems=[
            {"lot": p.lot, "problem": p.problem, "detail": p.detail}
            for p in report.problems[:MAX_STORED_PROBLEMS]
        ],
    )
    session.add(check)
    session.flush()
    return check


def latest_check(session: Session) -> ConsistencyCheck | None:
    return session.scalar(select(ConsistencyCheck).order_by(ConsistencyCheck.id.desc()).limit(1))


# Inclusion proofs --------------------------------------------------------------------------


def lot_proof(cp: Checkpoint, lot: str) -> dict[str, Any]:
    """One lot's leaf and audit path, with the signed statement: checkable without the rest.

    Raises NotFoundError when the lot was not in this checkpoint."""
    leaves = json.loads(cp.leaves)
    index = next((i for i, leaf in enumerate(leaves) if leaf[0] == lot), None)
    if index is None:
        raise NotFoundError(problem("checkpoint.lot_missing", lot=lot, sequence=cp.sequence))
    hashes = [leaf_hash(str(lot), int(n), str(head)) for lot, n, head in leaves]
    return {
        "checkpoint": statement(cp),
        "signature": cp.signature,
        "hash": cp.hash,
        "leaf": leaves[index],
        "index": index,
        "tree_size": len(leaves),
        "proof": [node.hex() for node in inclusion_proof(hashes, index)],
    }


def verify_lot_proof(proof: dict[str, Any], public_key: Ed25519PublicKey) -> list[Any]:
    """Check a lot's inclusion proof against the signed root; returns [lot, count, head].

    Raises CheckpointInvalidError."""
    body = verify_statement(proof, public_key)
    try:
        lot, count, head = proof["leaf"]
        index, size = int(proof["index"]), int(proof["tree_size"])
        path = [bytes.fromhex(node) for node in proof["proof"]]
    except (KeyError, TypeError, ValueError):
        raise CheckpointInvalidError("checkpoint.malformed_proof") from None
    if size != body["lot_count"] or not 0 <= index < size:
        raise CheckpointInvalidError("checkpoint.proof_size")
    root = root_from_proof(leaf_hash(str(lot), int(count), str(head)), index, size, path)
    if root.hex() != body["root"]:
        raise CheckpointInvalidError("checkpoint.proof_root")
    return [lot, count, head]
