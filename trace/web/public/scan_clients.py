"""Who is scanning, as the scan page needs it: the device cookie, the address (through the trusted
proxies, TRACE_PROXY_COUNT) and its region, crawlers, staff and the language switch.

What counts and why is trace.services.scans; this module only reads the request for it.
"""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, request
from werkzeug.wrappers import Response

from trace import ip_region
from trace.crawlers import is_crawler
from trace.services import scans

DEVICE_COOKIE = "trace_device"
# Browsers cap cookie lifetimes at 400 days; a pack's life on a shelf is shorter.
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600
SWITCH_PARAMETER = "seen"  # the language switch's token (trace.services.scans)


def current_client(serial: str, is_staff: bool) -> tuple[scans.Client, bool]:
    """The client of this request and whether its look may count: a crawler or a link preview
    is only logged, staff are not clients, and following a scan page's own language switch is
    the same person looking again."""
    config = current_app.config
    address = request.remote_addr or ""
    user_agent = request.user_agent.string
    if is_staff or is_crawler(user_agent):
        return scans.Client(address=scans.client_hash(config["SECRET_KEY"], address)), False
    found = scans.identify(
        config["SECRET_KEY"], request.cookies.get(DEVICE_COOKIE), address, user_agent
    )
    region = ip_region.locator(config["IP_REGION_DB"]).region_of(address)
    token = request.args.get(SWITCH_PARAMETER)
    switched = bool(token) and scans.is_language_switch(config["SECRET_KEY"], serial, token)
    return replace(found, region=str(region)), not switched


def remember_device(response: Response, client: scans.Client, outcome: scans.ScanOutcome) -> None:
    """Give a new client its device cookie (first-party, HttpOnly, SameSite=Lax, long-lived): the
    same phone is then recognised on its next look, whatever its address by then."""
    if client.alias is not None and outcome.registered:
        response.set_cookie(
            DEVICE_COOKIE,
            client.alias,
            max_age=DEVICE_COOKIE_SECONDS,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )


def switch_token(serial: str) -> str:
    """The token for this page's language switch link."""
    return scans.language_switch_token(current_app.config["SECRET_KEY"], serial)
