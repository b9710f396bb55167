"""No silent skips: every skip of the suite is listed here, and none for want of a dependency
happens under CI=true (tests/needs.py); `.ci/run` stops when playwright or schemathesis is missing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests import needs
from tests.conftest import ROOT

# Each skip in the suite that is NOT for want of a dependency, reviewed: (file, condition) -> why
# it is right. A skip for want of a package, tool, font or service goes through tests/needs.py.
BY_DESIGN = {
    ("tests/gs1/vectors.py", 'pytest.skip(f"reason: needs {reason}")'): (
        "a GS1 vector exercising an engine option or linter we do not offer; counted and "
        "printed at the end of the run (tests/gs1)"
    ),
    (
        "tests/public/test_scan_counting.py",
        'pytest.skip("the one-statement scan is PostgreSQL\'s")',
    ): ("PostgreSQL-only code path; runs in the PostgreSQL pass of make test and .ci/run"),
    (
        "tests/public/test_scan_served.py",
        'pytest.skip("the autocommit scan pool is PostgreSQL\'s")',
    ): "PostgreSQL-only code path; runs in the PostgreSQL pass",
    (
        "tests/records/test_append_only_trigger.py",
        "pytest.skip(\"the triggers are PostgreSQL's",
    ): "PostgreSQL triggers; run in the PostgreSQL pass (SQLite has the ORM guard and verify)",
    (
        "tests/records/test_partitions.py",
        'pytest.skip("monthly partitions are PostgreSQL\'s; SQLite keeps plain tables")',
    ): "PostgreSQL partitions; run in the PostgreSQL pass (the SQLite path is tested there too)",
    ("tests/conftest.py", 'pytest.skip("work committed from several connections is tested on '): (
        "committed work from several connections needs PostgreSQL; runs in its pass"
    ),
    (
        "tests/test_safe_databases.py",
        "pytest.skip(\"databases and schemas of their own are PostgreSQL's",
    ): "PostgreSQL databases and schemas; runs in the PostgreSQL pass",
    (
        "tests/cluster/test_two_nodes.py",
        'pytest.skip("two app nodes share one PostgreSQL: this runs in the PostgreSQL pass")',
    ): "two nodes need one PostgreSQL (SQLite is one machine's); runs in the PostgreSQL pass",
    ("tests/public/test_public_pages.py", 'pytest.skip("demo data present already")'): (
        "only when a database already holds the demo data; the suite's own never does"
    ),
    ("tests/test_architecture.py", 'pytest.skip(f"{path.name} not written yet")'): (
        "unreachable: the parameters are files found on disk"
    ),
}
SKIP_CALL = re.compile(
    r"importorskip|pytest\.skip\(|mark\.skip|skipif|xfail|shutil\.which|allow_module_level"
)


def skip_sites() -> list[tuple[str, str]]:
    sites = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in {"tests/needs.py", "tests/test_needs.py"}:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if SKIP_CALL.search(line):
                sites.append((relative, line.strip()))
    return sites


def test_every_skip_is_listed_and_reviewed():
    unlisted = [
        site
        for site in skip_sites()
        if not any(site[0] == f and site[1].startswith(c) for f, c in BY_DESIGN)
    ]
    assert unlisted == [], "skip for want of something through tests/needs.py, or list it here"
    stale = [
        key for key in BY_DESIGN if not any(s[0] == key[0] and s[1].startswith(key[1]) for s in
                                             skip_sites())
    ]  # fmt: skip
    assert stale == []


def test_no_dependency_is_missing_under_ci():
    """Under CI=true this fails naming whatever is missing; elsewhere it skips so."""
    problems = needs.unmet()
    if problems:
        needs.missing("; ".join(problems))
    assert len(needs.NEEDS) >= 10


@pytest.mark.parametrize("ci", ["true", ""])
def test_a_missing_module_fails_under_ci_and_skips_elsewhere(ci, monkeypatch):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # hidden: importing it fails
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="schemathesis"):
        needs.module("schemathesis")


def test_a_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception, match="pdftoppm is not installed"):
        needs.tool("pdftoppm")


def test_the_redis_probe_asks_the_configured_address(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("TRACE_TEST_REDIS_URL", "redis://127.0.0.1:1/3")  # nothing listens there
    with pytest.raises(pytest.fail.Exception, match=r"127\.0\.0\.1:1\b"):
        needs.redis()


# Run in a fresh interpreter: from then on importing `package` (or a submodule) fails, as it
# would were the package not installed.
HIDE = """
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {package!r}:
            raise ImportError(name + " is hidden for this test")
sys.meta_path.insert(0, Hide())
"""


def _python(code: str, hidden: str | None, ci: str) -> subprocess.CompletedProcess[str]:
    prologue = HIDE.format(package=hidden) if hidden else ""
    # Entry-point plugins off: pytest would otherwise load schemathesis as a plugin first.
    env = {**os.environ, "CI": ci, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, "-c", prologue + code], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip


def _preflight(hidden: str | None, ci: str = "true") -> subprocess.CompletedProcess[str]:
    """`python -m tests.needs` as .ci/run runs it, with one package hidden from imports."""
    return _python("import runpy; runpy.run_module('tests.needs', run_name='__main__')", hidden, ci)


@pytest.mark.parametrize("package", ["playwright", "schemathesis"])
def test_ci_preflight_fails_when_a_test_package_is_missing(package):
    done = _preflight(package)
    assert done.returncode == 1, done.stderr
    assert f"missing test dependency: Python module {package}" in done.stderr


def test_ci_preflight_passes_with_everything_present():
    if needs.unmet():
        needs.missing("; ".join(needs.unmet()))
    done = _preflight(None)
    assert done.returncode == 0, done.stderr
    assert "all" in done.stdout


def test_ci_run_stops_before_the_suite_when_the_preflight_fails():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    lines = [line.strip() for line in script.splitlines()]
    preflight = lines.index(".venv/bin/python -m tests.needs")
    assert preflight < lines.index("make test")
    setup = next(i for i, line in enumerate(lines) if line.startswith("make setup-dev"))
    assert setup < preflight  # the packages are installed first, then checked


def test_a_fuzz_module_without_schemathesis_errors_under_ci():
    """The whole module used to be skipped by importorskip; now its collection fails."""
    code = (
        "import pytest; sys.exit(pytest.main(['-q', '--co', '-p', 'no:cacheprovider', "
        "'tests/security/test_fuzz_api.py']))"
    )
    under_ci, elsewhere = _python(code, "schemathesis", "true"), _python(code, "schemathesis", "")
    assert under_ci.returncode == 2, under_ci.stdout[-1500:]  # a collection error...
    assert "Python module schemathesis cannot be imported" in under_ci.stdout
    assert "CI=true" in under_ci.stdout
    assert elsewhere.returncode == 5 and "SKIPPED" in elsewhere.stdout  # ...not a skip
