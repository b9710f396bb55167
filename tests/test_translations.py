"""Every user-facing string has its English translation, and the catalogue matches the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "trace/translations/en/LC_MESSAGES/messages.po"


def test_every_string_in_the_code_has_english(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(pot), "."],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        english = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(str(i) for i in wanted if not english.get(i))
    assert missing == [], f"{len(missing)} strings lack English; run scripts/fill_translations.py"
