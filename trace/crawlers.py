"""Known crawlers and link-preview fetchers (the data is crawlers.tsv beside this module).

A search engine indexing a scan page, or a chat app fetching a preview of a shared link, must not
count as somebody checking the pack: the page is answered as usual, with no count and no change
of verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("crawlers.tsv")


@dataclass(frozen=True)
class Crawler:
    name: str
    token: str  # matched case-insensitively anywhere in the User-Agent
    sample: str  # a real User-Agent of theirs, for the tests


@cache
def known_crawlers() -> tuple[Crawler, ...]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, token, sample = line.split("\t")
            rows.append(Crawler(name, token, sample))
    return tuple(rows)


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(c.token) for c in known_crawlers()), re.IGNORECASE)


def is_crawler(user_agent: str) -> bool:
    """True for a User-Agent of a known crawler or link-preview fetcher."""
    return bool(user_agent) and _pattern().search(user_agent) is not None
