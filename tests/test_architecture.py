"""The import rules of ARCHITECTURE.md, checked by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "trace"
FLASK_NAMES = {"flask", "flask_smorest", "flask_babel", "werkzeug.wrappers", "webargs"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(sub: str) -> list[Path]:
    base = PACKAGE / sub
    return sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]


def _hits(names: set[str], prefixes: set[str]) -> set[str]:
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes)}


@pytest.mark.parametrize("path", modules("services"), ids=lambda p: p.name)
def test_services_know_nothing_of_the_web(path):
    assert not _hits(imports_of(path), FLASK_NAMES | {"trace.web", "trace.schemas"})


@pytest.mark.parametrize("path", modules("models"), ids=lambda p: p.name)
def test_models_import_only_sqlalchemy_and_db(path):
    allowed = (
        "sqlalchemy",
        "trace.db",
        "trace.models",
        "__future__",
        "datetime",
        "decimal",
        "enum",
        "typing",
    )
    for name in imports_of(path):
        assert name.startswith(allowed), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", [*modules("printing"), *modules("gs1")], ids=lambda p: p.name)
def test_pure_modules_stay_pure(path):
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")
    assert not _hits(imports_of(path), FLASK_NAMES | {"sqlalchemy", "trace.models", "trace.web"})


def test_only_create_app_imports_the_web_layer():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "web" in path.relative_to(PACKAGE).parts or path == PACKAGE / "__init__.py":
            continue
        if _hits(imports_of(path), {"trace.web"}):
            offenders.append(path.name)
    assert offenders == []


def test_request_globals_only_in_the_web_layer():
    for path in PACKAGE.rglob("*.py"):
        if "web" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                names = {alias.name for alias in node.names}
                assert not names & {"request", "g", "session", "abort", "url_for"}, path.name


def test_no_commit_outside_web_and_cli():
    for sub in ("services", "models", "schemas"):
        for path in modules(sub):
            assert ".commit()" not in path.read_text(encoding="utf-8"), path.name


def test_every_integer_field_is_bounded_to_the_database_range():
    """marshmallow's own Integer takes any size: a 20-digit id reaches SQL and fails there (a
    500). trace.schemas.common.Integer refuses it with a 422 naming the field."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "common.py" and "fields.Integer(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
