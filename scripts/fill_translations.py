"""Merge newly extracted strings into the English catalogue and report what still lacks English.

Usage: .venv/bin/python scripts/fill_translations.py  (after adding _('...') strings)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "trace/translations/en/LC_MESSAGES/messages.po"
POT = ROOT / "instance/messages.pot"


def main() -> int:
    POT.parent.mkdir(exist_ok=True)
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [
            pybabel,
            "extract",
            "--no-location",
            "--sort-output",
            "--no-wrap",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(POT),
            ".",
        ],
        check=True,
        cwd=ROOT,
    )
    subprocess.run(
        [
            pybabel,
            "update",
            "--no-fuzzy-matching",
            "--no-wrap",
            "-i",
            str(POT),
            "-d",
            "trace/translations",
            "-l",
            "en",
        ],
        check=True,
        cwd=ROOT,
    )
    # A fixed creation date and no source locations keep the catalogue stable between runs, so
    # branches that add strings merge without conflicts (entries are sorted by message id).
    fixed = r'"POT-Creation-Date: 2026-11-29 00:00+0000\n"'
    text = re.sub(r'"POT-Creation-Date: [^"]*"', lambda _: fixed, PO.read_text("utf-8"))
    PO.write_text(text, "utf-8")
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print(f"untranslated: {msgid}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
