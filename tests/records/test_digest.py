"""The event digest's hand-written canonical form is byte for byte json.dumps's, so every hash
ever stored still verifies."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

from trace.services.events import digest_of


def reference(lot, sequence, event_type, occurred_at, recorded_at, location, actor_id, details,
              corrects_event_id, prev_hash):  # fmt: skip
    content = {
        "lot": lot,
        "sequence": sequence,
        "event_type": event_type,
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(),
        "recorded_at": recorded_at.astimezone(dt.UTC).isoformat(),
        "location": location,
        "actor_id": actor_id,
        "details": details,
        "corrects_event_id": corrects_event_id,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


STRINGS = [
    "",
    "三台村 1号地块",
    'quote " and \\ back',
    "tab\tnew\nline",
    "\u2028\x00\x1f",
    "émoji 🌰",
]


def test_hand_written_form_equals_json_dumps():
    rng = random.Random(20261201)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    for n in range(500):
        when = dt.datetime(2025, 9, 15, 12, tzinfo=shanghai) + dt.timedelta(seconds=n * 7919)
        micro = when.replace(microsecond=rng.choice([0, 1, 999999]))
        details = {
            rng.choice(STRINGS): rng.choice([None, 1, 2.5, True, rng.choice(STRINGS), [1, "二"]]),
            "quantity": str(rng.randint(0, 10**6)),
            "nested": {"z": 1, "a": [None, {"b": rng.choice(STRINGS)}]},
        }
        args = (
            rng.choice(STRINGS) or "DY208HT250915-001",
            rng.randint(1, 10**6),
            rng.choice(["commissioning", "shipping", "correcting"]),
            micro,
            when.astimezone(dt.UTC),
            rng.choice(STRINGS),
            rng.choice([None, 0, 1, 123456789]),
            rng.choice([details, {}]),
            rng.choice([None, 7, 10**9]),
            rng.choice(["0" * 64, hashlib.sha256(str(n).encode()).hexdigest()]),
        )
        assert digest_of(*args) == reference(*args)
