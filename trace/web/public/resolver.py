"""The GS1-conformant resolver: /01/{gtin}[/10/{lot}[/21/{serial}]] and /.well-known/gs1resolver.

A printed code must keep resolving forever, so resolution goes by the identifiers alone (GTIN, lot,
serial), never by names or database ids, and the raw request path is parsed before any decoding
that would turn %2F inside a lot into a path separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from werkzeug.routing import PathConverter
from werkzeug.wrappers import Response as BaseResponse

from trace import gs1
from trace.errors import Problem
from trace.models.batches import Batch
from trace.models.labels import PackCode
from trace.models.products import Product
from trace.web.database import db
from trace.web.errors import error_response
from trace.web.public import pages

bp = Blueprint("resolver", __name__)


class _AnyPath(PathConverter):
    """The rest of the path as sent, empty segments included ("/01//10/X" must reach the parser
    to be refused with 400; werkzeug's path converter would not match it at all)."""

    regex = ".*"
    part_isolating = False  # spans segments (werkzeug guesses from a "/" in the regex)


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("gs1path", _AnyPath)


GS1_VOC = "https://ref.gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"
EPCIS_TYPE = "application/ld+json"  # the lot's EPCIS 2.0 document is JSON-LD
METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location",
}


@dataclass(frozen=True)
class Target:
    """What a Digital Link resolved to: the product, and the lot and pack when named."""

    link: gs1.DigitalLink
    product: Product
    batch: Batch | None
    serial: str | None

    @property
    def level(self) -> str:
        return "pack" if self.serial else "batch" if self.batch else "product"


def _raw_path() -> str:
    """The path and query as the client sent them, still percent-encoded."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


# A GTIN-8, -12 or -13 where the standard wants 14 digits (see _resolve).
_ZERO_SUPPRESSED = re.compile(r"^/01/(\d{8}|\d{12}|\d{13})(?=[/?#]|$)")


def _malformed(exc: gs1.DigitalLinkError) -> tuple[Any, int]:
    """A malformed Digital Link, said by its kind (DigitalLinkError.kind); GS1's own wording of
    the fault (for developers) is the `detail` parameter of the API's error_codes."""
    reason = Problem(f"digital_link.{exc.kind}", {"ai": exc.ai or "", "detail": str(exc)})
    short = _ZERO_SUPPRESSED.match(_raw_path())
    if short is not None and gs1.has_valid_check_digit(short.group(1)):
        full = gs1.normalize_gtin(short.group(1))
        reason = Problem("digital_link.gtin_14", {"gtin": full})
    return error_response(400, reason, {"uri": [reason]})


def _resolve() -> Target | tuple[Any, int] | BaseResponse:
    """The target of the Digital Link, or the answer for one that has none here.

    Strict as GS1's own engine is: the current GS1 Digital Link URI Syntax standard requires AI
    (01) as a GTIN-14 in the path and marks zero-suppressed GTIN-8/12/13 as deprecated, and the
    engine refuses them (and a trailing "/") unless told to accept legacy forms. Our labels
    always print the 14-digit form, so a shorter GTIN is never one of our codes: it answers 400
    naming the 14-digit form, rather than redirecting and so passing a non-conformant URI off as
    ours.

    Unknown identifiers walk up, as GS1's resolver rules want: an unknown serial under a known
    lot goes (307) to its scan page, which answers the `unknown` verdict with 404; an unknown lot
    of a known GTIN goes to the product page, which says the lot is not registered. A serial that
    exists, but under another lot, is a copied code: the counterfeit warning here and now.
    """
    try:
        link = gs1.parse_digital_link(_raw_path(), allow_trailing_slash=False)
    except gs1.DigitalLinkError as exc:
        return _malformed(exc)
    gtin = gs1.normalize_gtin(link.gtin or "")
    session = db()
    product = session.scalar(select(Product).where(Product.gtin == gtin))
    if product is None or link.value("22") is not None:
        return _unknown()
    batch = None
    if link.lot is not None:
        batch = session.scalar(
            # A carton's GTIN is its own product, holding packs of the lot's product.
            select(Batch).where(
                Batch.lot == link.lot,
                Batch.product_id.in_([product.id, product.pack_product_id or product.id]),
            )
        )
        if batch is None:
            href = _absolute("public.product_page", gtin=product.gtin, lot=link.lot)
            return _walk_up(href)
    if link.serial is not None:
        if batch is None:
            return _unknown()
        found = session.execute(
            select(PackCode.batch_id).where(PackCode.serial == link.serial)
        ).first()
        if found is None:
            return _walk_up(_absolute("public.scan_page", serial=link.serial))
        if found.batch_id != batch.id:
            return pages.unknown_code_response(link.serial)
    return Target(link, product, batch, link.serial)


def _walk_up(href: str) -> BaseResponse:
    moved = current_app.redirect(_forwarded_query(href), code=307)
    moved.vary.add("Accept-Language")
    return moved


def _unknown() -> tuple[Any, int]:
    unknown = Problem("code.unregistered_fake")
    return error_response(404, unknown, {"uri": [unknown]})


def _absolute(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def _links(target: Target) -> dict[str, list[dict[str, Any]]]:
    """Link type (full URI) -> links, for every level from the item up to the GTIN."""
    product, batch = target.product, target.batch
    links: dict[str, list[dict[str, Any]]] = {}

    def add(
        link_type: str,
        endpoint: str,
        title_zh: str,
        title_en: str,
        media_type: str = "text/html",
        **values: Any,
    ) -> None:
        links.setdefault(GS1_VOC + link_type, []).extend(
            [
                {
                    "href": _absolute(endpoint, **values),
                    "title": title_zh,
                    "type": media_type,
                    "hreflang": ["zh"],
                },
                {
                    "href": _absolute(endpoint, lang="en", **values),
                    "title": title_en,
                    "type": media_type,
                    "hreflang": ["en"],
                },
            ]
        )

    if target.serial and batch is not None:
        add(
            "verificationService",
            "public.scan_page",
            "防伪查询与溯源信息",
            "Authenticity check and trace record",
            serial=target.serial,
        )
    if batch is not None:
        add(
            "traceability",
            "public.batch_page",
            f"批次 {batch.lot} 溯源记录",
            f"Trace record of lot {batch.lot}",
            lot=batch.lot,
        )
        add(
            "certificationInfo",
            "public.batch_page",
            "质检报告与认证证书",
            "Inspections and certificates",
            lot=batch.lot,
            _anchor="certificates",
        )
        add(
            "recallStatus",
            "public.batch_page",
            "召回状态",
            "Recall status",
            lot=batch.lot,
            _anchor="recall",
        )
        add(
            "epcis",
            "exports.lot_epcis",
            "EPCIS 事件数据（监管）",
            "EPCIS events (regulators)",
            EPCIS_TYPE,
            batch_id=batch.id,
        )
    add(
        "pip",
        "public.product_page",
        product.name,
        f"Product information: {product.name}",
        gtin=product.gtin,
    )
    default = _default_href(target)
    links[GS1_VOC + "defaultLink"] = [
        {
            "href": default,
            "title": _default_title(target),
            "type": "text/html",
            "hreflang": ["zh", "en"],
        }
    ]
    return links


def _default_href(target: Target) -> str:
    if target.serial:
        return _absolute("public.scan_page", serial=target.serial)
    if target.batch is not None:
        return _absolute("public.batch_page", lot=target.batch.lot)
    return _absolute("public.product_page", gtin=target.product.gtin)


def _default_title(target: Target) -> str:
    return {"pack": "防伪查询与溯源信息", "batch": "批次溯源记录", "product": "产品信息"}[
        target.level
    ]


def _anchor(target: Target) -> str:
    return target.link.to_uri(request.host_url.rstrip("/"))


def _linkset(target: Target) -> Response:
    body = {
        "linkset": [
            {
                "anchor": _anchor(target),
                "itemDescription": target.product.name
                + (f" 批次 {target.batch.lot}" if target.batch is not None else ""),
                **_links(target),
            }
        ]
    }
    response = jsonify(body)
    response.mimetype = LINKSET_TYPE
    return response


def _wants_linkset(link_type: str | None) -> bool:
    if link_type in {"linkset", "all"}:
        return True
    if link_type:
        return False
    # Only an explicit request: a client sending */* (curl, scanners) follows the default link.
    accept = request.accept_mimetypes
    if not any(mimetype == LINKSET_TYPE for mimetype, _quality in accept):
        return False
    return accept.best_match([LINKSET_TYPE, "text/html", "application/json"]) == LINKSET_TYPE


def _forwarded_query(href: str) -> str:
    """The incoming query string, minus our own linkType (and lang, when the link chosen is
    already in a language), passed on to the target."""
    dropped = {"linkType", "lang"} if "lang=" in href else {"linkType"}
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in dropped]
    if not pairs:
        return href
    return href + ("&" if "?" in href else "?") + urlencode(pairs)


def _answer() -> Any:
    if request.method == "OPTIONS":
        response = current_app.response_class(status=204)
        response.headers["Allow"] = ", ".join(METHODS)
        return _with_cors(response)
    resolved = _resolve()
    if isinstance(resolved, BaseResponse):
        return _with_cors(resolved)
    if not isinstance(resolved, Target):
        body, status = resolved
        if isinstance(body, Response):
            _with_cors(body)
        return body, status
    link_type = request.args.get("linkType")
    if _wants_linkset(link_type):
        return _with_cors(_linkset(resolved))
    if link_type:
        wanted = link_type.removeprefix("gs1:")
        wanted = wanted.removeprefix(GS1_VOC)
        links = _links(resolved).get(GS1_VOC + wanted)
        if not links:
            none = Problem("digital_link.no_link_type", {"type": link_type})
            body, status = error_response(404, none, {"linkType": [none]})
            return _with_cors(body) if isinstance(body, Response) else body, status
        href = _in_language(links)["href"]
    else:
        href = _default_href(resolved)
    moved = current_app.redirect(_forwarded_query(href), code=307)
    linkset_url = f"{_anchor(resolved)}?linkType=linkset"
    moved.headers["Link"] = f'<{linkset_url}>; rel="linkset"; type="{LINKSET_TYPE}"'
    return _with_cors(moved)


def _in_language(links: list[dict[str, Any]]) -> dict[str, Any]:
    """Among a link type's alternatives, the one in the language asked for: ?lang= first, then
    Accept-Language; Chinese when neither names a language we have."""
    asked = request.args.get("lang", "")[:2].lower()
    offered = [lang for link in links for lang in link["hreflang"]]
    if asked not in offered:
        asked = request.accept_languages.best_match(offered) or "zh"
    return next((link for link in links if asked in link["hreflang"]), links[0])


def _with_cors(response: BaseResponse) -> BaseResponse:
    response.headers.update(CORS_HEADERS)
    response.vary.update(("Accept", "Accept-Language"))
    return response


# merge_slashes=False: an empty segment ("/01//10/X") is a malformed URI (400), not a path to
# tidy up with a redirect.
@bp.route(
    "/01/<gs1path:_rest>", methods=METHODS, provide_automatic_options=False, merge_slashes=False
)
def digital_link(_rest: str) -> Any:
    """Any GS1 Digital Link with a GTIN: product, batch (10) or pack (21)."""
    return _answer()


@bp.get("/.well-known/gs1resolver")
def description() -> BaseResponse:
    root = request.host_url.rstrip("/")
    body = {
        "name": "大姚农产品溯源 Dayao Trace GS1 resolver",
        "resolverRoot": root,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "contact": {
            "fn": "大姚县电子商务公共服务中心 Dayao County e-commerce public service centre",
            "hasAddress": {"locality": "大姚县", "region": "云南省楚雄彝族自治州"},
        },
    }
    return _with_cors(jsonify(body))
