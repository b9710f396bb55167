"""The import rules of ARCHITECTURE.md, checked by reading every module's imports."""

from __future__ import annotations

import ast
import sys
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
        "trace.clock",
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


# -- the web layer: one package per feature, a toolkit beside them (issue 20) ---------------------

WEB = PACKAGE / "web"
FEATURES = sorted(p.name for p in WEB.iterdir() if (p / "__init__.py").is_file())
TOOLKIT = sorted(p for p in WEB.glob("*.py") if p.name != "__init__.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def module_level_imports(path: Path) -> set[str]:
    """The trace modules `path` imports when it is imported: statements at module level (also in
    top-level try/if blocks, but not under TYPE_CHECKING); `from pkg import mod` counts as
    pkg.mod when that is a module. Imports inside functions run later and are left out."""
    found: set[str] = set()
    pending = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
        elif isinstance(node, (ast.If, ast.Try)) and not _type_checking(node):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    pending.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    return {name for name in found if name in MODULES}


def _feature_of(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) >= 3 and parts[:2] == ["trace", "web"] and parts[2] in FEATURES:
        return parts[2]
    return None


def all_imports(path: Path) -> set[str]:
    """Every trace module `path` names in an import, wherever the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_web_layer_has_its_features_and_toolkit():
    assert {"public", "records", "labels", "quality", "accounts"} <= set(FEATURES)
    assert {"database", "errors", "forms", "openapi", "uploads"} <= {p.stem for p in TOOLKIT}


@pytest.mark.parametrize("feature", FEATURES)
def test_features_do_not_import_each_other(feature):
    offenders = {
        f"{path.relative_to(WEB)} imports {name}"
        for path in (WEB / feature).rglob("*.py")
        for name in all_imports(path)
        if _feature_of(name) not in (None, feature)
    }
    assert offenders == set(), "share it through a toolkit module of trace/web instead"


@pytest.mark.parametrize("path", TOOLKIT, ids=lambda p: p.name)
def test_toolkit_imports_no_feature(path):
    assert {n for n in all_imports(path) if _feature_of(n)} == set()


@pytest.mark.parametrize("path", modules("schemas"), ids=lambda p: p.name)
def test_schemas_do_not_import_services(path):
    """Schemas describe input and output; a rule they share with services (such as the largest
    label run) lives in the layer that owns it (models), not in a service module."""
    assert not _hits(imports_of(path), {"trace.services"})


@pytest.mark.parametrize("path", modules("services"), ids=lambda p: p.name)
def test_services_do_not_import_schemas(path):
    """Services take and return plain values; marshmallow schemas belong to the web layer."""
    assert not _hits(imports_of(path), {"trace.schemas"})


def import_cycles() -> list[list[str]]:
    """Strongly connected groups (Tarjan) of the graph of module-level imports inside trace/."""
    graph = {name: module_level_imports(path) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


def test_no_circular_imports():
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: two modules importing each other form a cycle."""
    (tmp_path / "a.py").write_text("from trace.b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("import trace.a\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path.parent)
    fake = {"trace.a": tmp_path / "a.py", "trace.b": tmp_path / "b.py"}
    monkeypatch.setattr(sys.modules[__name__], "MODULES", fake)
    assert import_cycles() == [["trace.a", "trace.b"]]
