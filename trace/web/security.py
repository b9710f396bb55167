"""Hardening: security headers, rate and size limits, bounded ids, JSON request logs."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import inspect
import ipaddress
import json
import logging
import sys
import time
import types
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Request, Response, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from trace.errors import ConfigError
from trace.schemas.common import MAX_INTEGER
from trace.web.rate_store import SQLiteRateStorage, rate_file

log = logging.getLogger(__name__)
request_log = logging.getLogger("trace.requests")

EXTENSION_KEY = "trace.rate_limits"

# No inline script anywhere and no host but our own: an injected <script> or a tampered CDN
# cannot run. Inline style attributes are refused too; data: images allow inline QR codes.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Swagger UI (React) sets style attributes at run time; it still runs no inline script.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Full URLs (scan pages carry unguessable serials) never leave the site; same-origin form
    # posts keep their Referer, which the CSRF check requires over https.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": ("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    "Cross-Origin-Opener-Policy": "same-origin",
}


def client_key(addr: str | None = None) -> str:
    """A stable pseudonym of the client address: HMAC with the secret key, never the raw IP.

    IPv6 clients are keyed by their /64 network, since one host commonly holds a whole /64.
    """
    if addr is None:  # this request's client: worked out once (rate limit, log, forms)
        memo: str | None = g.get("client_key")
        if memo is None:
            memo = g.client_key = client_key(request.remote_addr or "")
        return memo
    raw = addr
    try:
        ip = ipaddress.ip_address(raw)
        if ip.version == 6:
            raw = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        pass
    return pseudonym(raw)


def pseudonym(value: str) -> str:
    """16 hex characters of HMAC-SHA256(secret key, value): joinable in logs, not reversible."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


# -- rate limits ---------------------------------------------------------------------------------


T = TypeVar("T")


class RateLimits:
    """Moving-window counters every worker shares: in Redis when TRACE_REDIS_URL is set, else
    in a SQLite file beside the database (trace.web.rate_store), so a limit holds for the whole
    service, not per worker, and survives a worker's restart.

    If the shared storage fails the counters fall back to memory (logged), so an outage of Redis
    never takes the service down with it.
    """

    def __init__(self, redis_url: str | None, shared_file: Path | None = None) -> None:
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            self._shared = MovingWindowRateLimiter(storage_from_string(redis_url))
        elif shared_file is not None:  # every worker of the machine counts in one file
            self._shared = MovingWindowRateLimiter(
                SQLiteRateStorage(f"trace-sqlite://{shared_file}")
            )

    def _run(self, action: Callable[[MovingWindowRateLimiter], T]) -> T:
        if self._shared is not None:
            try:
                return action(self._shared)
            except Exception as exc:  # any storage failure: degrade, do not fail the request
                log.warning("rate-limit storage unavailable, using memory: %s", type(exc).__name__)
        return action(self._memory)

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        """Count one request; False when it is over the limit."""
        return self._run(lambda limiter: limiter.hit(item, *keys))

    def test(self, item: RateLimitItem, *keys: str) -> bool:
        """Would one more request be allowed? (Counts nothing.)"""
        return self._run(lambda limiter: limiter.test(item, *keys))

    def clear(self, item: RateLimitItem, *keys: str) -> None:
        self._run(lambda limiter: limiter.clear(item, *keys))

    def retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = self._run(lambda limiter: limiter.get_window_stats(item, *keys))
        return max(1, int(stats.reset_time - time.time()))

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        if self._shared is not None:
            self._run(lambda limiter: limiter.storage.reset())


def limit(name: str) -> RateLimitItem:
    """The configured limit `RATE_LIMIT_<NAME>` as a limits item."""
    return _parsed(str(current_app.config[f"RATE_LIMIT_{name.upper()}"]))


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    """limits.parse runs regular expressions; a setting's text parses to the same item always."""
    return parse(text)


def rate_limits() -> RateLimits:
    limits: RateLimits = current_app.extensions[EXTENSION_KEY]
    return limits


def limits_enabled() -> bool:
    return bool(current_app.config["RATE_LIMITS_ENABLED"])


def too_many(item: RateLimitItem, *keys: str) -> TooManyRequests:
    """A 429 whose answer (in the project's error format) carries Retry-After."""
    seconds = rate_limits().retry_after(item, *keys)
    error = TooManyRequests("too many requests; try again later")
    error.data = {"headers": {"Retry-After": str(seconds)}}  # type: ignore[attr-defined]
    request_log.info(json.dumps({"event": "rate_limited", "endpoint": request.endpoint}))
    return error


def account_key(email: str) -> str:
    return "account:" + pseudonym(email.strip().lower())


class SignInThrottle:
    """Failed sign-ins, counted so that strangers cannot lock an owner out of their account:

    - per (account, address) (RATE_LIMIT_SIGNIN_ACCOUNT): one address guessing one account is
      paused; the owner elsewhere is not;
    - per address (RATE_LIMIT_SIGNIN_ADDRESS): one address spraying many accounts is paused;
    - per account, a ceiling (RATE_LIMIT_SIGNIN_CEILING): an account guessed from many addresses
      at once is slowed, never locked: past the ceiling every address, the owner's new one
      included, gets RATE_LIMIT_SIGNIN_SLOWED attempts for it, so the owner can still sign in.

    Reaching a limit is audited (account.sign_in_locked / account.sign_in_slowed). Used by the
    staff sign-in form and by POST /api/v1/tokens (the API's sign-in).
    """

    @staticmethod
    def _keys(email: str) -> dict[str, str]:
        account, address = account_key(email), client_key()
        return {
            "signin_account": f"{account}|{address}",
            "signin_address": address,
            "signin_ceiling": account,
            "signin_slowed": f"{account}|{address}",
        }

    @staticmethod
    def _over_ceiling(keys: dict[str, str]) -> bool:
        return not rate_limits().test(
            limit("signin_ceiling"), "signin_ceiling", keys["signin_ceiling"]
        )

    @staticmethod
    def check(email: str) -> None:
        """Raise TooManyRequests when this address may not try this account now."""
        if not limits_enabled():
            return
        keys = SignInThrottle._keys(email)
        names = ["signin_account", "signin_address"]
        if SignInThrottle._over_ceiling(keys):
            names.append("signin_slowed")
        for name in names:
            item = limit(name)
            if not rate_limits().test(item, name, keys[name]):
                raise too_many(item, name, keys[name])

    @staticmethod
    def failed(email: str) -> None:
        if not limits_enabled():
            return
        keys = SignInThrottle._keys(email)
        slowed_before = SignInThrottle._over_ceiling(keys)
        reached: list[str] = []
        for name, audit_name in (
            ("signin_account", "account_address"),
            ("signin_address", "address"),
            ("signin_ceiling", "account_ceiling"),
        ):
            item = limit(name)
            if rate_limits().hit(item, name, keys[name]) and not rate_limits().test(
                item, name, keys[name]
            ):
                reached.append(audit_name)  # this failure used the last attempt allowed
        if slowed_before:
            rate_limits().hit(limit("signin_slowed"), "signin_slowed", keys["signin_slowed"])
        request_log.info(json.dumps({"event": "sign_in_failed", "account": account_key(email)}))
        if reached:
            _audit_sign_in_limits(email, reached, keys["signin_address"])

    @staticmethod
    def succeeded(email: str) -> None:
        """A correct password clears this address's failures for the account (the address's own
        count and the account's ceiling stay: they are about everyone else)."""
        if limits_enabled():
            keys = SignInThrottle._keys(email)
            rate_limits().clear(limit("signin_account"), "signin_account", keys["signin_account"])
            rate_limits().clear(limit("signin_slowed"), "signin_slowed", keys["signin_slowed"])


def _audit_sign_in_limits(email: str, reached: list[str], address: str) -> None:
    """One audit entry per limit reached, committed on its own (the sign-in itself failed)."""
    from trace.services.accounts import record_sign_in_limit
    from trace.web.database import db

    session = db()
    try:
        for name in reached:
            record_sign_in_limit(session, email, name, address)
        session.commit()
    except Exception:  # the audit must not turn a refused sign-in into a 500
        session.rollback()
        log.exception("could not audit a sign-in limit")


def _rate_limit_group() -> str | None:
    """Which request budget this request draws on: 'api', 'public' or none (staff, assets)."""
    from trace.web.access import PUBLIC, rule_for

    endpoint = request.endpoint
    if endpoint is None or endpoint in {"static", "swagger_asset", "public.health"}:
        return None
    if request.path.startswith("/api/"):
        return "api"
    if rule_for(endpoint) == PUBLIC and not endpoint.startswith("staff."):
        # Signed-in staff (a signed cookie; no database look-up) scan in bulk at the QC desk.
        return None if session.get("uid") else "public"
    return None


def _apply_rate_limits() -> None:
    if not limits_enabled():
        return
    group = _rate_limit_group()
    if group is None:
        return
    item, key = limit(group), client_key()
    if not rate_limits().hit(item, group, key):
        raise too_many(item, group, key)


def _api_sign_in_throttle() -> None:
    """POST /api/v1/tokens trades a password for a token: throttle it like the sign-in form."""
    if request.endpoint != "tokens.create_token" or request.method != "POST":
        return
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if isinstance(email, str) and email:
        g.signin_email = email
        SignInThrottle.check(email)


def _count_api_sign_in_failure(response: Response) -> Response:
    email = g.pop("signin_email", None)
    if email is not None and response.status_code == 401:
        SignInThrottle.failed(email)
    elif email is not None and response.status_code == 201:
        SignInThrottle.succeeded(email)
    return response


# -- size limit ----------------------------------------------------------------------------------


def _refuse_large_bodies() -> None:
    """Refuse a declared-too-large body before any view, parser or sign-in check runs."""
    maximum = current_app.config.get("MAX_CONTENT_LENGTH")
    if maximum and request.content_length is not None and request.content_length > maximum:
        raise RequestEntityTooLarge(f"the request body is larger than {maximum} bytes")


# -- ids in URLs ---------------------------------------------------------------------------------

# Primary keys are 32-bit integers on PostgreSQL: a larger id in a URL is simply not found,
# instead of reaching the database and failing there ("integer out of range", a 500).
MAX_ID = MAX_INTEGER


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database row could have (0..2**31-1)."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# -- headers and logs ----------------------------------------------------------------------------


def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    # Accept a proxy's id only if it looks like one: it ends up in logs.
    ok = 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum()
    g.request_id = incoming if ok else uuid.uuid4().hex


# The fixed headers of every answer as ready (name, value) pairs, and of the API docs' page;
# _add_headers appends those a view has not set itself (werkzeug's setdefault, one header at a
# time, validated and searched each value again on every request).
_HEADERS = (*SECURITY_HEADERS.items(), ("Content-Security-Policy", CSP))
_DOCS_HEADERS = (*SECURITY_HEADERS.items(), ("Content-Security-Policy", DOCS_CSP))
_HEADER_KEYS = frozenset(name.lower() for name, _ in _HEADERS) | {
    "strict-transport-security",
    "x-request-id",
}


def _add_headers(response: Response) -> Response:
    headers = response.headers
    fixed = _DOCS_HEADERS if request.endpoint == DOCS_ENDPOINT else _HEADERS
    # Pages and answers for a signed-in person must not stay in shared or back-button caches.
    if request.path.startswith("/staff") or g.get("actor") is not None:
        headers["Cache-Control"] = "no-store"
    hsts = current_app.config["HSTS_HEADER"]
    extra = [("X-Request-ID", g.get("request_id", ""))]
    if hsts and request.is_secure:
        extra.append(("Strict-Transport-Security", hsts))
    present = {name.lower() for name, _ in headers} & _HEADER_KEYS
    if not present:  # the usual case: a view sets none of them
        headers.extend(fixed)
        headers.extend(extra)
        return response
    headers.extend([pair for pair in (*fixed, *extra) if pair[0].lower() not in present])
    return response


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object per line; the message is JSON already or becomes `msg`."""

    def format(self, record: logging.LogRecord) -> str:
        body = getattr(record, "trace_fields", None)  # a dict already (the request log)
        if not isinstance(body, dict):
            message = record.getMessage()
            try:
                body = json.loads(message)
                if not isinstance(body, dict):
                    raise ValueError
            except ValueError:
                body = {"msg": message}
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            **body,
        }
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def request_record(response: Response) -> dict[str, Any]:
    """What is logged about a request: the route pattern, never the raw path (serials, lots),
    query string, headers, body, token or address; the actor only as an id."""
    actor = g.get("actor")
    started = g.get("request_started")
    return {
        "event": "request",
        "request_id": g.get("request_id"),
        "method": request.method,
        "endpoint": request.endpoint,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "client": client_key(),
        "actor_id": getattr(actor, "id", None),
        "role": getattr(getattr(actor, "role", None), "value", None),
    }


def _log_request(response: Response) -> Response:
    # Nothing is built for a line that would be dropped (TRACE_LOG_REQUESTS=0, or the level
    # raised above INFO); a kept line is formatted once, by its handler (JsonFormatter). The
    # message stays readable JSON for any other handler or formatter.
    if current_app.config["LOG_REQUESTS"] and request_log.isEnabledFor(logging.INFO):
        fields = request_record(response)
        request_log.info(_LazyJson(fields), extra={"trace_fields": fields})
    return response


class _LazyJson:
    """A log message that becomes JSON text only if a handler asks for it."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def __str__(self) -> str:
        return json.dumps(self.fields, ensure_ascii=False)


def _configure_request_log() -> None:
    if not any(getattr(h, "trace_json", False) for h in request_log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.trace_json = True  # type: ignore[attr-defined]
        request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False


def _check_settings(app: Flask) -> None:
    for name in ("PUBLIC", "API", "SIGNIN_ACCOUNT", "SIGNIN_ADDRESS"):
        try:
            parse(str(app.config[f"RATE_LIMIT_{name}"]))
        except ValueError:
            raise ConfigError(f"TRACE_RATE_LIMIT_{name} must look like '120 per minute'") from None
    for name in ("SESSION_IDLE_MINUTES", "SESSION_LIFETIME_MINUTES"):
        if int(app.config[name]) < 1:
            raise ConfigError(f"TRACE_{name} must be at least 1")


class LeanSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the work a request without the cookie does not need:
    a request with no session cookie (every consumer scan, every public page) gets an empty
    session without building a signing serializer, and the serializer, the same for every request
    of the app, is built once instead of per request."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if key not in self._serializers:
            self._serializers[key] = super().get_signing_serializer(app)
        return self._serializers[key]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def configure_cookies(app: Flask) -> None:
    """Session cookies: HttpOnly, SameSite=Lax, and Secure unless the app runs in debug or
    testing mode or TRACE_INSECURE_COOKIES=1 (plain http://127.0.0.1 during development).

    A Secure cookie gets the `__Host-` prefix, so the browser also refuses it from http pages,
    from another path or with a Domain attribute (a sibling sub-domain cannot plant one).
    """
    secure = not (app.debug or app.testing or app.config["INSECURE_COOKIES"])
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["SESSION_COOKIE_NAME"] = "__Host-trace-session" if secure else "trace-session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_PATH"] = "/"
    app.config["SESSION_COOKIE_DOMAIN"] = None
    # The cookie's own expiry is the absolute lifetime; the idle limit is checked per request.
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(
        minutes=int(app.config["SESSION_LIFETIME_MINUTES"])
    )
    # Refreshed only when the session changes (the idle clock moves at most once a minute).
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.session_interface = LeanSessionInterface()


def _quick_ensure_sync(app: Flask) -> None:
    """Flask passes every hook and view through `ensure_sync` on every request (about fifteen
    times a request here), which asks inspect.iscoroutinefunction each time. A plain function
    whose code is not a coroutine's is returned as it is straight away; anything else (a
    coroutine, a bound method, a partial) still gets Flask's own answer."""
    original = app.ensure_sync

    def ensure_sync(func: Callable[..., Any]) -> Callable[..., Any]:
        if type(func) is types.FunctionType and not func.__code__.co_flags & _CO_ASYNC:
            return func
        return original(func)

    app.ensure_sync = ensure_sync  # type: ignore[method-assign]


_CO_ASYNC = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def init_app(app: Flask) -> None:
    _quick_ensure_sync(app)
    _check_settings(app)
    configure_cookies(app)
    hsts = int(app.config["HSTS_SECONDS"])
    app.config["HSTS_HEADER"] = f"max-age={hsts}" if hsts else ""
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    # Before any blueprint is registered: routes compile their converters when added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.extensions[EXTENSION_KEY] = RateLimits(app.config.get("REDIS_URL"), rate_file(app.config))
    _configure_request_log()
    app.before_request(_start_request)
    app.before_request(_refuse_large_bodies)
    app.before_request(_apply_rate_limits)
    app.before_request(_api_sign_in_throttle)
    app.after_request(_count_api_sign_in_failure)
    app.after_request(_add_headers)
    app.after_request(_log_request)
