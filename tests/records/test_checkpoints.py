"""Signed checkpoints: the published key checks them and another does not; they chain; one
lot's inclusion is checked from its proof alone."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from tests.records.conftest import insider, run_cli
from trace.models.events import TraceEvent
from trace.services import checkpoints


def pem_of(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_signed_with_the_published_key_and_refused_with_another(
    app, db_session, make_lot, tmp_path
):
    make_lot()
    document = tmp_path / "cp.json"
    assert run_cli(app, "checkpoint", "--out", str(document)).exit_code == 0
    published = tmp_path / "published.pem"
    published.write_text(run_cli(app, "checkpoint", "public-key").output)
    good = run_cli(app, "verify", "--against", str(document), "--public-key", str(published))
    assert good.exit_code == 0, good.output
    assert "signature good" in good.output

    other = tmp_path / "other.pem"
    other.write_bytes(pem_of(Ed25519PrivateKey.generate()))
    bad = run_cli(app, "verify", "--against", str(document), "--public-key", str(other))
    assert bad.exit_code != 0
    assert "签名与此公钥不符" in bad.output

    # A copy whose leaves were edited no longer adds up to the signed root.
    forged = json.loads(document.read_text())
    forged["leaves"][0][1] -= 1
    forged_file = tmp_path / "forged.json"
    forged_file.write_text(json.dumps(forged))
    refused = run_cli(app, "verify", "--against", str(forged_file), "--public-key", str(published))
    assert refused.exit_code != 0 and "叶子记录与签名的根不符" in refused.output
    # And a re-signed statement with a changed root fails the signature.
    forged = json.loads(document.read_text())
    forged["checkpoint"]["root"] = "0" * 64
    forged_file.write_text(json.dumps(forged))
    refused = run_cli(app, "verify", "--against", str(forged_file), "--public-key", str(published))
    assert refused.exit_code != 0 and "签名与此公钥不符" in refused.output


def test_checkpoints_chain_and_refuse_a_broken_history(app, db_session, make_lot, tmp_path):
    lot = make_lot()
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    assert run_cli(app, "checkpoint", "--out", str(first)).exit_code == 0
    assert run_cli(app, "checkpoint", "--out", str(second)).exit_code == 0
    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    assert one["checkpoint"]["previous_hash"] == "0" * 64
    assert two["checkpoint"]["sequence"] == one["checkpoint"]["sequence"] + 1
    assert two["checkpoint"]["previous_hash"] == one["hash"]
    assert two["checkpoint"]["root"] == one["checkpoint"]["root"]  # nothing changed between

    insider(db_session)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.batch_id == lot.id, TraceEvent.sequence == 1)
        .values(location="别处")
        .execution_options(synchronize_session=False)
    )
    refused = run_cli(app, "checkpoint")
    assert refused.exit_code != 0
    assert f"记录链断裂，未生成存证点：{lot.lot}" in refused.output


@pytest.mark.parametrize("lots", [1, 2, 5, 8])
def test_each_lot_inclusion_checks_from_its_proof_alone(app, db_session, make_lot, lots):
    made = [make_lot(events=2) for _ in range(lots)]
    key = Ed25519PrivateKey.generate()
    cp = checkpoints.create_checkpoint(db_session, key)
    for batch in made:
        proof = checkpoints.lot_proof(cp, batch.lot)
        # Only the proof and the public key: no database, no other lot's leaf.
        proof = json.loads(json.dumps(proof))
        assert checkpoints.verify_lot_proof(proof, key.public_key())[0] == batch.lot
        proof["leaf"][1] += 1
        with pytest.raises(checkpoints.CheckpointInvalidError, match=r"checkpoint\.proof_root"):
            checkpoints.verify_lot_proof(proof, key.public_key())
    with pytest.raises(checkpoints.CheckpointInvalidError, match=r"checkpoint\.bad_signature"):
        checkpoints.verify_lot_proof(
            checkpoints.lot_proof(cp, made[0].lot), Ed25519PrivateKey.generate().public_key()
        )


def test_proof_through_the_commands(app, db_session, make_lot, tmp_path):
    batch = make_lot()
    assert run_cli(app, "checkpoint").exit_code == 0
    proof = tmp_path / "proof.json"
    assert run_cli(app, "checkpoint", "prove", batch.lot, "--out", str(proof)).exit_code == 0
    checked = run_cli(app, "checkpoint", "check-proof", str(proof))
    assert checked.exit_code == 0, checked.output
    assert f"lot {batch.lot} is in the checkpoint with 4 events" in checked.output
    missing = run_cli(app, "checkpoint", "prove", "NO-SUCH-LOT")
    assert missing.exit_code != 0 and "不在第 1 号存证点中" in missing.output


def test_merkle_root_matches_rfc6962_split_for_odd_sizes():
    """The level-by-level tree equals RFC 6962's recursive definition (largest power of two)."""
    import hashlib

    def mth(leaves):
        if len(leaves) == 1:
            return leaves[0]
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()

    for n in range(1, 40):
        leaves = [checkpoints.leaf_hash(f"L{i}", i, "a" * 64) for i in range(n)]
        assert checkpoints.merkle_root(leaves) == mth(leaves)
        for index in range(n):
            path = checkpoints.inclusion_proof(leaves, index)
            assert checkpoints.root_from_proof(leaves[index], index, n, path) == mth(leaves)
