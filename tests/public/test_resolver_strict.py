"""The resolver's strictness (GS1's invalid vectors, short GTINs, empty segments), its choice of
language among a link type's alternatives, and true media types."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.gs1.vectors import cases

VOC = "https://ref.gs1.org/voc/"


def _resolver_path(uri: str) -> str | None:
    """The path and query a resolver receives for a vector's URI (None: not a /01 path here,
    or a fault in the host part, which never reaches a resolver)."""
    if uri.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
        rest = uri.split("://", 1)[1]
        if "/" not in rest:
            return None
        host, path = rest.split("/", 1)
        if any(c in host for c in "[]%") or not host:
            return None
        path = "/" + path
    else:
        path = uri
    return path if path.startswith("/01/") else None


INVALID = sorted(
    {
        path
        for case in cases("gs1_dl_parse.json")
        if not case["valid"] and (path := _resolver_path(case["uri"])) is not None
    }
)


def test_there_are_invalid_vectors_for_the_resolver():
    assert len(INVALID) >= 20
    assert "/01/2112345678900" in INVALID and "/01/02345673" in INVALID


@pytest.mark.parametrize("path", INVALID)
def test_vectors_called_invalid_answer_400(client, path):
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == 400, path


@pytest.mark.parametrize(
    "path",
    [
        "/01/2112345678900",  # GTIN-13: the standard wants the 14-digit form
        "/01/02345673",  # GTIN-8
        "/01/416000336108",  # GTIN-12
        "/01//10/X",  # empty GTIN segment
        "/01/{gtin}//10/{lot}",  # empty segment inside the path
        "/01/{gtin}/10//21/{serial}",  # empty lot
        "/01/{gtin}/10/{lot}/",  # trailing slash: the GS1 engine refuses it
        "/01/{gtin}/10/{lot}//",
    ],
)
def test_short_gtins_and_empty_segments_are_400(client, labelled, path):
    path = path.format(gtin=labelled.gtin, lot=labelled.batch.lot, serial=labelled.serials[0])
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == 400, path
    assert answer.get_json()["errors"]["uri"]


def test_zero_suppressed_form_of_our_own_gtin_is_400_naming_the_14_digit_form(client, labelled):
    short = labelled.gtin[1:]  # the test GTINs start with 0: their GTIN-13 form
    assert labelled.gtin.startswith("0") and len(short) == 13
    answer = client.get(f"/01/{short}", headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert labelled.gtin in answer.get_json()["message"]


@pytest.mark.parametrize(
    ("headers", "query", "language"),
    [
        ({"Accept-Language": "en"}, "", "en"),
        ({"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}, "", "en"),
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "", "zh"),
        ({}, "", "zh"),
        ({"Accept-Language": "zh-CN"}, "&lang=en", "en"),
        ({"Accept-Language": "en"}, "&lang=zh", "zh"),
    ],
)
def test_language_picks_among_a_link_types_alternatives(client, labelled, headers, query, language):
    answer = client.get(labelled.lot_path + "?linkType=gs1:pip" + query, headers=headers)
    assert answer.status_code == 307
    location = answer.headers["Location"]
    linkset = client.get(labelled.lot_path + "?linkType=linkset").get_json()["linkset"][0]
    wanted = next(link for link in linkset[VOC + "pip"] if link["hreflang"] == [language])
    assert urlsplit(location).path == urlsplit(wanted["href"]).path
    assert ("lang=en" in location) == (language == "en")
    assert "Accept-Language" in answer.headers["Vary"]


def test_link_media_types_are_true(client, labelled, as_role):
    linkset = client.get(labelled.pack_path() + "?linkType=linkset").get_json()["linkset"][0]
    epcis = linkset[VOC + "epcis"]
    assert {link["type"] for link in epcis} == {"application/ld+json"}
    for link_type in ("pip", "traceability", "verificationService", "defaultLink"):
        assert {link["type"] for link in linkset[VOC + link_type]} == {"text/html"}
    # And the EPCIS document really is JSON-LD.
    href = urlsplit(epcis[0]["href"])
    document = client.get(href.path, headers=as_role("regulator"))
    assert document.status_code == 200 and document.mimetype == "application/ld+json"
