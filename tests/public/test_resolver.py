"""The GS1 resolver through HTTP: redirects, linksets, link types, errors, CORS, description."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests import factories
from tests.conftest import SHARED

LINKSET = "application/linkset+json"
VOC = "https://ref.gs1.org/voc/"


def _schema(name):
    return json.loads((SHARED / "conformance" / "gs1" / name).read_text(encoding="utf-8"))


def test_pack_redirects_to_its_scan_page_with_linkset_header(client, labelled):
    answer = client.get(labelled.pack_path() + "?17=261231&src=wechat&linkType=")
    assert answer.status_code == 307
    location = answer.headers["Location"]
    assert f"/scan/{labelled.serials[0]}" in location
    assert "17=261231" in location and "src=wechat" in location
    assert 'rel="linkset"' in answer.headers["Link"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Location" in answer.headers["Access-Control-Expose-Headers"]


def test_lot_and_gtin_redirect_to_their_pages(client, labelled):
    lot = client.get(labelled.lot_path)
    assert lot.status_code == 307 and lot.headers["Location"].endswith(
        f"/lots/{labelled.batch.lot}"
    )
    product = client.get(f"/01/{labelled.gtin}")
    assert product.status_code == 307
    assert product.headers["Location"].endswith(f"/products/{labelled.gtin}")
    assert client.get(product.headers["Location"]).status_code == 200


@pytest.mark.parametrize("how", ["query", "all", "accept"])
def test_linkset_validates_against_the_gs1_schema(client, labelled, how):
    path = labelled.pack_path()
    if how == "accept":
        answer = client.get(path, headers={"Accept": LINKSET})
    else:
        answer = client.get(path + ("?linkType=linkset" if how == "query" else "?linkType=all"))
    assert answer.status_code == 200 and answer.mimetype == LINKSET
    body = answer.get_json()
    jsonschema.validate(body, _schema("gs1-linkset-schema.json"))
    entry = body["linkset"][0]
    assert entry["anchor"] == f"http://localhost{path}"
    for link_type in (
        "verificationService",
        "traceability",
        "certificationInfo",
        "recallStatus",
        "pip",
        "defaultLink",
    ):
        assert VOC + link_type in entry, link_type
    langs = {lang for link in entry[VOC + "pip"] for lang in link["hreflang"]}
    assert langs == {"zh", "en"}


def test_link_type_picks_a_link(client, labelled):
    short = client.get(labelled.pack_path() + "?linkType=gs1:traceability")
    assert short.status_code == 307 and f"/lots/{labelled.batch.lot}" in short.headers["Location"]
    full = client.get(labelled.lot_path + f"?linkType={VOC}pip")
    assert full.status_code == 307 and "/products/" in full.headers["Location"]
    missing = client.get(labelled.pack_path() + "?linkType=gs1:epil")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/01/0690123456789/10/X",  # 13 digits with a wrong check digit
        "/01/06901234567891",  # bad check digit
        "/01/{gtin}/21/{serial}/10/{lot}",  # qualifiers out of order
        "/01/{gtin}/10/" + "A" * 21,  # lot longer than 20
        "/01/{gtin}/10/{lot}/99/x",  # unknown AI
        "/01/{gtin}/10/ab%23cd",  # '#' is not in CSET 82
    ],
)
def test_malformed_is_400_json_or_html(client, labelled, path):
    path = path.format(gtin=labelled.gtin, lot=labelled.batch.lot, serial=labelled.serials[0])
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.get_json()["code"] == 400
    as_html = client.get(path, headers={"Accept": "text/html"})
    assert as_html.status_code == 400 and as_html.mimetype == "text/html"


def test_unknown_is_404(client, labelled, db_session, make_user):
    other = factories.batch(db_session, make_user("admin"), product_id=labelled.batch.product_id)
    for path in (
        f"/01/{factories.gtin(999_998)}",  # well formed, not ours
        f"/01/{labelled.gtin}/10/{other.lot}/21/{labelled.serials[0]}",  # serial of another lot
    ):
        answer = client.get(path, headers={"Accept": "application/json"})
        assert answer.status_code == 404, path
    copied = client.get(f"/01/{labelled.gtin}/10/{other.lot}/21/{labelled.serials[0]}")
    assert 'data-verdict="unknown"' in copied.get_data(as_text=True)
    # Unknown lots and serials under known parents walk up (tests/public/test_scan_clients.py).
    for path in (
        f"/01/{labelled.gtin}/10/NOSUCHLOT",
        f"/01/{labelled.gtin}/10/{labelled.batch.lot}/21/ZZZZZZZZZZ",
    ):
        assert client.get(path).status_code == 307, path


def test_trailing_slash_head_and_options(client, labelled):
    assert client.get(labelled.pack_path() + "/").status_code == 400  # as GS1's engine says
    head = client.head(labelled.pack_path())
    assert head.status_code == 307 and head.get_data() == b""
    options = client.options(labelled.pack_path())
    assert options.status_code == 204
    assert "GET" in options.headers["Allow"] and options.headers["Access-Control-Allow-Origin"]


def test_percent_encoded_slash_stays_inside_the_lot(client, labelled, db_session):
    labelled.batch.lot = "DY/TEST-1"
    db_session.flush()
    answer = client.get(f"/01/{labelled.gtin}/10/DY%2FTEST-1/21/{labelled.serials[0]}")
    assert answer.status_code == 307
    assert f"/scan/{labelled.serials[0]}" in answer.headers["Location"]
    linkset = client.get(f"/01/{labelled.gtin}/10/DY%2FTEST-1?linkType=linkset").get_json()
    assert linkset["linkset"][0]["anchor"].endswith("/10/DY%2FTEST-1")


def test_renaming_the_product_keeps_printed_codes_resolving(client, labelled, db_session):
    labelled.batch.product.name = "改名后的产品"
    db_session.flush()
    assert client.get(labelled.pack_path()).status_code == 307


def test_resolver_description_validates(client):
    from jsonschema import Draft7Validator, FormatChecker

    answer = client.get("/.well-known/gs1resolver")
    assert answer.status_code == 200
    body = answer.get_json()
    Draft7Validator(
        _schema("gs1-resolver-description-file-schema.json"), format_checker=FormatChecker()
    ).validate(body)
    assert body["supportedPrimaryKeys"] == ["01"]


def test_plain_clients_follow_the_default_link(client, labelled):
    for accept in ("*/*", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json"):
        answer = client.get(labelled.pack_path(), headers={"Accept": accept})
        assert answer.status_code == 307, accept
    english = client.get(labelled.lot_path + "?linkType=linkset").get_json()
    certs = english["linkset"][0]["https://ref.gs1.org/voc/certificationInfo"]
    assert any(link["href"].endswith("?lang=en#certificates") for link in certs)
