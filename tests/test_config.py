"""Settings: environment overrides defaults, bad values fail at start naming the variable."""

from __future__ import annotations

import pytest

from trace.config import load_settings
from trace.errors import ConfigError


def test_defaults_are_safe_and_generate_a_secret_once(tmp_path):
    first = load_settings(environ={}, instance_dir=tmp_path)
    second = load_settings(environ={}, instance_dir=tmp_path)
    assert first["DATABASE_URL"] == f"sqlite:///{tmp_path / 'trace.db'}"
    assert len(first["SECRET_KEY"]) >= 32 and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_is_read(tmp_path):
    settings = load_settings(
        environ={"TRACE_PUBLIC_HOST": "trace.dayao.gov.cn", "TRACE_SCAN_LIMIT": "8"},
        instance_dir=tmp_path,
    )
    assert settings["PUBLIC_HOST"] == "trace.dayao.gov.cn" and settings["SCAN_LIMIT"] == 8


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRACE_DATABASE_URL", "mysql://nope"),
        ("TRACE_PUBLIC_HOST", "https://with-scheme.cn/path"),
        ("TRACE_SCAN_LIMIT", "many"),
        ("TRACE_SECRET_KEY", "short"),
        ("TRACE_SQL_ECHO", "perhaps"),
    ],
)
def test_bad_setting_names_itself(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={name: value}, instance_dir=tmp_path)
