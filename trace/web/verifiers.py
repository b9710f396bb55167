"""Where to verify a certificate: the current body and its public look-up, per certificate type,
read from data/certificate_verifiers.toml (data people correct, never code) on first use."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import get_locale

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "certificate_verifiers.toml"


@dataclass(frozen=True)
class Verifier:
    body: str
    url: str

    @property
    def url_text(self) -> str:
        """The address as people read it: food.cnca.cn."""
        return self.url.split("//", 1)[-1].rstrip("/")


@cache
def _table(path: Path = DATA) -> dict[str, dict[str, str]]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def verifier(cert_type: str, own_url: str | None = None) -> Verifier | None:
    """The body and look-up address for a certificate type in the page's language (the
    certificate's own address, when it has one, before the type's); None for an unknown type."""
    row = _table().get(str(getattr(cert_type, "value", cert_type)))
    if row is None:
        return None
    locale = get_locale()
    english = locale is not None and locale.language == "en"
    body = row.get("body_en" if english else "body_zh", "")
    return Verifier(body=body, url=own_url or row.get("url", ""))
