"""One display name per enum value, defined once (issue 18): trace/web/names.py holds the only
table of each enum's values; every stored enum has its table there, named in Chinese with English.
A dict literal anywhere else in trace/ (Python or a template's `{% set %}`) whose keys are the
values of a model enum is a second table, and fails here."""

from __future__ import annotations

import ast
import enum
import importlib
import pkgutil
import re
from pathlib import Path

import trace.models
from tests.conftest import ROOT
from trace.web import names

TRACE = ROOT / "trace"
NAMES = TRACE / "web" / "names.py"
# A table of display names (values _l("...")) is an enum's when all its keys, at least two, are
# values of that enum.
MIN_SHARED_KEYS = 2


def model_enums() -> list[type[enum.Enum]]:
    found = []
    for info in pkgutil.iter_modules(trace.models.__path__):
        module = importlib.import_module(f"trace.models.{info.name}")
        for thing in vars(module).values():
            is_enum = isinstance(thing, type) and issubclass(thing, enum.Enum)
            if is_enum and thing.__module__ == module.__name__:
                found.append(thing)
    return found


_GETTEXT = {"_", "_l", "gettext", "lazy_gettext"}


def _enum_of(keys: set[str], enums: list[type[enum.Enum]]) -> str | None:
    """The enum a table of display names is keyed by: at least two keys, all one enum's values."""
    if len(keys) < MIN_SHARED_KEYS:
        return None
    for kind in enums:
        if keys <= {str(m.value) for m in kind}:
            return kind.__name__
    return None


def _is_display_name(node: ast.AST | None) -> bool:
    """`_l("...")`, or a tuple of them: text for people, not data."""
    if isinstance(node, ast.Tuple):
        return all(_is_display_name(e) for e in node.elts)
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _GETTEXT
    )


def _python_tables(path: Path) -> list[tuple[int, set[str]]]:
    tables = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Dict) and node.values and all(map(_is_display_name, node.values)):
            keys: set[str] = set()
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.add(key.value)
                elif isinstance(key, ast.Attribute):  # StationTier.COUNTY
                    keys.add(key.attr.lower())
            tables.append((node.lineno, keys))
    return tables


_SET_DICT = re.compile(r"{%-?\s*set\s+\w+\s*=\s*{(.*?)}\s*-?%}", re.S)
_TEMPLATE_KEY = re.compile(r"'([a-z_]+)'\s*:")


def _template_tables(path: Path) -> list[tuple[int, set[str]]]:
    text = path.read_text("utf-8")
    return [
        (text[: m.start()].count("\n") + 1, set(_TEMPLATE_KEY.findall(m.group(1))))
        for m in _SET_DICT.finditer(text)
    ]


def test_no_display_table_of_an_enum_outside_names():
    enums = model_enums()
    second = []
    for path in sorted(TRACE.rglob("*")):
        if path == NAMES or "translations" in path.parts:
            continue
        if path.suffix == ".py":
            tables = _python_tables(path)
        elif path.suffix == ".html":
            tables = _template_tables(path)
        else:
            continue
        for line, keys in tables:
            kind = _enum_of(keys, enums)
            if kind:
                second.append(f"{path.relative_to(ROOT)}:{line} names {kind}")
    assert second == [], "enum display names belong in trace/web/names.py"


def test_the_check_finds_a_second_table(tmp_path):
    """The scan above is not blind: a copied table of ProductCategory is found."""
    copy = tmp_path / "copy.py"
    copy.write_text('CATS = {"honey": _l("蜂蜜"), "vermicelli": _l("粉丝")}\n', "utf-8")
    tables = _python_tables(copy)
    assert _enum_of(tables[0][1], model_enums()) == "ProductCategory"
    page = tmp_path / "page.html"
    page.write_text("{% set s = {'active': _('正常'), 'on_hold': _('暂扣')} %}", "utf-8")
    assert _enum_of(_template_tables(page)[0][1], model_enums()) == "BatchStatus"


def test_every_stored_enum_value_has_a_display_name():
    # A metric is named by its target's data (targets.label_zh / label_en), which issue 19
    # (targets/funding) is reworking; every other enum is named here.
    tables = {id(t) for t in names.ALL.values()}
    missing = []
    for kind in model_enums():
        if kind.__name__ == "MetricKey":
            continue
        values = {str(m.value) for m in kind}
        if not any(values <= set(t) for t in names.ALL.values()):
            missing.append(kind.__name__)
    assert tables
    assert missing == [], "add a table to trace/web/names.py ALL"


def test_drifted_names_are_resolved():
    from flask_babel import force_locale

    from trace import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "DATABASE_URL": "sqlite://"})
    with app.test_request_context(), force_locale("zh"):
        assert str(names.CATEGORIES["vermicelli"]) == "粉丝"
        assert str(names.CERT_TYPES["legacy_pollution_free"]) == "无公害农产品（已停止）"
    with app.test_request_context(), force_locale("en"):
        assert str(names.CATEGORIES["vermicelli"]) == "Vermicelli"


def test_every_audit_action_and_record_type_has_words():
    """The audit log shows actions and record types in words: every action the code records
    (record_change(session, actor, "x.y", ...) or action="x.y") and every table has a name."""
    from trace.db import Base

    source = "".join(p.read_text("utf-8") for p in TRACE.rglob("*.py"))
    actions = set(
        re.findall(r'record_change\(\s*[^,()]+,\s*[^,()]+,\s*"([a-z_]+\.[a-z_]+)"', source)
    )
    actions |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
    assert "batch.create" in actions  # the scan finds the calls
    assert sorted(actions - set(names.AUDIT_ACTIONS)) == []
    tables = set(Base.metadata.tables)
    assert sorted(tables - set(names.RECORD_TYPES)) == []
