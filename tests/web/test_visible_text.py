"""Chinese first, seen as people see it (issue 18): sign in as each role (and anonymously), walk
every HTML page reachable from the homes, the demo data's public pages and every parameterless
GET route, and read only the visible text (tags, scripts and attribute values stripped).

In zh-CN a page fails on visible snake_case or dotted identifiers, English words outside
ALLOWED_WORDS, and raw enum values; in English (?lang=en) it fails on a Chinese display name of a
fixed-list value (an enum's name in trace/web/names.py, a grade) standing alone in the text.

The demo data is loaded once per module in one transaction that is rolled back at the end; the
English walk visits the pages the Chinese walk found. Pages are walked a few per endpoint
(PER_ENDPOINT): the same template with other records adds time, not coverage.
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import pkgutil
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

import trace.models
from tests.conftest import ROOT
from tests.staff.helpers import csrf_from
from trace.demo import DEMO_DOMAIN, DEMO_PASSWORD, load_demo
from trace.models.batches import Batch
from trace.models.labels import PackCode
from trace.web import names
from trace.web.database import EXTENSION_KEY

ROLES = ("admin", "qc", "station", "regulator")
ANONYMOUS = "anonymous"
PER_ENDPOINT = 4  # distinct addresses walked per endpoint (records and queries of one page)
MAX_PAGES = 400  # per caller: a bound, so that a link loop fails loudly instead of running on

# Words that are Chinese pages' own: standards, formats and marks people read as they are.
ALLOWED_WORDS = {
    "API",
    "CSV",
    "EPCIS",
    "Excel",
    "English",  # the language switch names the other language in that language
    "GB",  # national standards: GB/T 20398
    "GS",  # GS1
    "GTIN",
    "JSON",
    "NY",  # agricultural standards: NY/T 4712
    "PDF",
    "PNG",
    "JPEG",
    "QR",
    "XLSX",
    "SHA",  # SHA-256 on the transparency pages
    "Pb",  # 铅（以Pb计）, the way a lab report writes it
    "KOH",
    "ID",
    # Units of measure, written as symbols in Chinese text too.
    "kg",
    "mg",
    "mm",
    "cm",
    "mL",
    "ml",
    "km",
    "mmol",
    "meq",
}

# Text that belongs to other engineers' open work, allowed until it lands: (pages, visible text,
# both regular expressions, owner). The text is cut from matching pages before they are checked.
# Remove an entry when its owner's work is merged; an entry that matches nothing in a walk fails
# the test, so the list cannot go stale.
PENDING_ELSEWHERE: list[tuple[str, str, str]] = [
    # Brand admission checks keep the service's English reason ("the latest grade Ⅰ级 is at
    # least Ⅱ级"); part 1 of issue 18 gives service messages codes.
    (r"/staff/brand/\d+", r"· [^✓✗]*?(?=✓|✗|\Z)", "issue 18 errors"),
    # Audit notes the services write in English ("merge #3", "recall 2", "failed sign-ins
    # reached the ... limit"); part 1 of issue 18 gives service messages codes.
    (
        r"/regulator/(audit|lots/)",
        r"\b(?:split|merge|transform|recall) #?\d+|failed sign-ins reached the \w+ limit",
        "issue 18 errors",
    ),
    # The retention rule for audit entries, seeded by migration 0008, names a CLI command
    # ("flask --app trace privacy erase-producer"); rewording it needs a data migration (issue 18
    # names: not done in this round).
    # The targets page shows the targets' Chinese labels (data) on English pages too.
    (r"/regulator/records", r"（flask --app trace privacy erase-producer）", "issue 18 names"),
    # The programme dashboard's targets carry English notes ("(about 80)", "(no figure in the
    # plan; set by the programme office)"); issue 19 reworks these pages and their targets.
]

_SNAKE_OR_DOTTED = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:[._][a-z0-9]+)+(?![\w])")
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,}(?![A-Za-z0-9])")
# Addresses people read (links, e-mail, host names) are not identifiers.
_ADDRESSES = re.compile(
    r"https?://\S+|[\w.+-]+@[\w.-]+|\b[\w-]+(?:\.[\w-]+)*\.(?:cn|com|org|net|test|gov)\b"
)
_HAN = "\u3400-\u9fff"


_TAG = "\x1f"  # where a tag was: a space for reading, a boundary between pieces of text


class _VisibleText(HTMLParser):
    """The text a person sees: no tags, attribute values, scripts or styles."""

    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        self.parts.append(_TAG)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        self.parts.append(_TAG)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(html: str, separator: str = " ") -> tuple[str, list[str]]:
    """The visible text, tags replaced by `separator`, and the links' addresses."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    text = "".join(separator if part == _TAG else part for part in parser.parts)
    return re.sub(r"[ \t\r\n]+", " ", text), parser.links


def model_enum_values() -> set[str]:
    """Every value of every enum in trace.models (what the database stores)."""
    values: set[str] = set()
    for info in pkgutil.iter_modules(trace.models.__path__):
        module = importlib.import_module(f"trace.models.{info.name}")
        for thing in vars(module).values():
            is_enum = isinstance(thing, type) and issubclass(thing, enum.Enum)
            if is_enum and thing.__module__ == module.__name__:
                values |= {str(member.value) for member in thing}
    return values


# Unit symbols are enum values and also what Chinese text writes after a number (μg/kg).
RAW_VALUES = sorted(v for v in model_enum_values() if len(v) > 2 and v not in ALLOWED_WORDS)
_RAW = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, RAW_VALUES)) + r")(?![\w-])")


# Township and village codes (532326208): people read the township's name.
_REGION_CODE = re.compile(r"(?<![0-9A-Za-z])532326\d{3,6}(?![0-9A-Za-z])")


# Label templates by file name (a4-3x8): people read the template's title.
_TEMPLATE_NAME = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(p.stem) for p in (ROOT / "labels").glob("*.toml"))
    + r")(?![\w-])"
)


def chinese_findings(text: str) -> list[str]:
    text = _ADDRESSES.sub(" ", text)
    found = [f"region code {m}" for m in _REGION_CODE.findall(text)]
    found += [f"label template {m}" for m in _TEMPLATE_NAME.findall(text)]
    found += [f"identifier {m}" for m in _SNAKE_OR_DOTTED.findall(text)]
    found += [f"raw value {m}" for m in _RAW.findall(text)]
    # Capitals alone are codes and marks (lots, serials, GF, FSMA), not words of a sentence.
    found += [
        f"English {m}" for m in _WORD.findall(text) if m not in ALLOWED_WORDS and not m.isupper()
    ]
    return found


def fixed_list_names() -> set[str]:
    """The Chinese display names of fixed-list values, as they appear on a Chinese page."""
    shown: set[str] = set()
    with _zh():
        for table in names.ALL.values():
            shown |= {str(name) for name in table.values()}
    return {name for name in shown if re.search(f"[{_HAN}]", name)}


def _zh() -> Any:
    from flask_babel import force_locale

    return force_locale("zh")


# A fixed-list value is shown as a piece of its own: a cell, a tag, a part between " · "; free
# text (a spec named "核桃 1 kg 网袋", a note "标签撕坏，已作废") may use the same words.
_PIECES = re.compile(r"\s*[\x1f·|→]\s*")
_AROUND = re.compile(r"^(?:\d{2,4}-\d{2}(?:-\d{2})?(?: \d{2}:\d{2})?\s+)|\s*#\d+$")


def english_findings(text: str, chinese_names: set[str]) -> list[str]:
    pieces = {_AROUND.sub("", piece.strip()) for piece in _PIECES.split(text)}
    return sorted(f"untranslated {piece}" for piece in pieces & chinese_names)


@dataclass
class Walk:
    """What one caller's walk saw: the HTML pages (address -> visible text) and their findings."""

    pages: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)


def _endpoint(adapter: MapAdapter, path: str) -> str | None:
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def _same_site(href: str, here: str) -> str | None:
    """The address of a same-site link, without its fragment and language switch."""
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "trace.test"):
        return None
    path = urlsplit(urljoin(f"http://trace.test{here}", href)).path
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"]
    return path + ("?" + urlencode(query) if query else "")


# Not pages: the API, files, downloads; sign-out would end the walk.
_SKIP = re.compile(
    r"^/(api/|static/|staff/sign-out|\.well-known/)|\.(csv|xlsx|pdf|json|pem|png|jpg)$"
)


def walk(app: Flask, client: FlaskClient, starts: list[str]) -> Walk:
    adapter = app.url_map.bind("trace.test")
    seen_per_endpoint: dict[str, int] = defaultdict(int)
    queue = list(dict.fromkeys(starts))
    queued = set(queue)
    result = Walk()
    while queue:
        address = queue.pop(0)
        endpoint = _endpoint(adapter, urlsplit(address).path) or address
        if seen_per_endpoint[endpoint] >= PER_ENDPOINT or _SKIP.search(urlsplit(address).path):
            continue
        seen_per_endpoint[endpoint] += 1
        assert len(result.pages) < MAX_PAGES, "the walk does not end"
        response = client.get(address)
        links: list[str] = []
        if response.status_code in (301, 302, 303, 307, 308):
            links = [response.headers["Location"]]
        elif response.mimetype == "text/html":
            text, links = visible(response.get_data(as_text=True))
            result.pages[address] = text
            result.statuses[address] = response.status_code
        for href in links:
            target = _same_site(href, address)
            if target and target not in queued:
                queued.add(target)
                queue.append(target)
    return result


def parameterless_pages(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and not _SKIP.search(rule.rule)
    )


@pytest.fixture(scope="module")
def demo_world(app: Flask, engine: Engine) -> Iterator[dict[str, Any]]:
    """The demo data in a transaction of its own for this module, rolled back at its end; the
    public pages of a demo pack and lot to start the walks from."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    original = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = factory
    app.extensions.pop("trace.public_records", None)
    session = factory()
    try:
        load_demo(session)
        session.commit()
        batch = session.scalars(select(Batch).order_by(Batch.id)).first()
        assert batch is not None
        pack = session.scalars(select(PackCode).where(PackCode.batch_id == batch.id)).first()
        assert pack is not None
        gtin = batch.product.gtin
        public = [
            "/",
            f"/01/{gtin}/10/{batch.lot}/21/{pack.serial}",
            f"/lots/{batch.lot}",
            f"/products/{gtin}",
        ]
        yield {"public": public, "walks": {}}
    finally:
        session.close()
        app.extensions[EXTENSION_KEY] = original
        app.extensions.pop("trace.public_records", None)
        outer.rollback()
        connection.close()


def _signed_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role != ANONYMOUS:
        token = csrf_from(client.get("/staff/sign-in"))
        answer = client.post(
            "/staff/sign-in",
            data={"email": f"{role}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD, "csrf_token": token},
        )
        assert answer.status_code == 303, f"{role} cannot sign in"
    return client


def _walked(app: Flask, world: dict[str, Any], role: str) -> Walk:
    if role not in world["walks"]:
        homes = {"regulator": ["/regulator/"], ANONYMOUS: []}.get(role, ["/staff/"])
        client = _signed_in(app, role)
        world["walks"][role] = walk(app, client, homes + world["public"] + parameterless_pages(app))
    found: Walk = world["walks"][role]
    return found


_used_allowances: set[int] = set()


def _pending_cut(address: str, text: str) -> str:
    """The visible text without what PENDING_ELSEWHERE allows on this page."""
    for index, (pages, pattern, _owner) in enumerate(PENDING_ELSEWHERE):
        if re.match(pages, urlsplit(address).path):
            text, count = re.subn(pattern, " ", text)
            if count:
                _used_allowances.add(index)
    return text


CALLERS = (*ROLES, ANONYMOUS)


def _dump(role: str, lang: str, findings: dict[str, list[str]], pages: list[str]) -> None:
    """With CRAWL_DUMP=/tmp/prefix, each walk's pages and findings go to a JSON file: a list to
    fix many findings from at once."""
    if prefix := os.environ.get("CRAWL_DUMP"):
        with open(f"{prefix}-{role}-{lang}.json", "w", encoding="utf-8") as out:
            json.dump({"pages": pages, "findings": findings}, out, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("role", CALLERS)
def test_chinese_pages_show_no_internal_tokens_or_english(app, demo_world, role):
    walked = _walked(app, demo_world, role)
    assert len(walked.pages) > (1 if role == ANONYMOUS else 10)
    findings = {a: chinese_findings(_pending_cut(a, t)) for a, t in walked.pages.items()}
    findings = {a: sorted(set(f)) for a, f in findings.items() if f}
    _dump(role, "zh", findings, list(walked.pages))
    assert findings == {}


@pytest.mark.parametrize("role", CALLERS)
def test_english_pages_translate_fixed_list_values(app, demo_world, role):
    walked = _walked(app, demo_world, role)
    client = _signed_in(app, role)
    client.set_cookie("lang", "en")
    chinese_names = fixed_list_names()
    findings: dict[str, list[str]] = {}
    for address in walked.pages:
        response = client.get(address)
        assert response.status_code == walked.statuses[address], address
        text, _links = visible(response.get_data(as_text=True), separator=_TAG)
        text = _pending_cut(address, text)
        if found := english_findings(text, chinese_names):
            findings[address] = found
    _dump(role, "en", findings, list(walked.pages))
    assert findings == {}


def test_every_pending_allowance_is_still_needed(app, demo_world):
    """Runs after the walks: an entry of PENDING_ELSEWHERE nothing needed any more must go."""
    for role in CALLERS:
        for address, text in _walked(app, demo_world, role).pages.items():
            _pending_cut(address, text)
    unused = [entry for i, entry in enumerate(PENDING_ELSEWHERE) if i not in _used_allowances]
    assert unused == [], "remove these entries: their owners' work has landed"
