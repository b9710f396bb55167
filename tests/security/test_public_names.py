"""Issue 16.13: natural persons' names are masked everywhere public, certificate holders too."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from trace.identifiers import looks_like_person_name
from trace.services.certifications import create_certification


@pytest.fixture(autouse=True)
def _fresh_public_records(app):
    app.extensions.pop("trace.public_records", None)  # ids repeat across rolled-back tests


def certificate(session, actor, scope, scope_id, holder, cert_type="gi_trademark"):
    return create_certification(
        session,
        actor,
        cert_type=cert_type,
        number=None,
        holder=holder,
        issuer="大姚县农业农村局（示例）",
        scope=scope,
        scope_id=scope_id,
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2099, 12, 31),
    )


def test_a_farmers_certificate_shows_the_holder_masked(client, db_session, make_user):
    admin = make_user("admin")
    farmer = factories.producer(
        db_session, admin, name="罗小芬", kind="farmer", credit_code=None, phone=""
    )
    lot = factories.batch(db_session, admin, producer_id=farmer.id)
    certificate(db_session, admin, "producer", farmer.id, "罗小芬")
    certificate(db_session, admin, "batch", lot.id, "罗小芬（示例）")
    certificate(db_session, admin, "product", lot.product_id, "大姚示例核桃合作社")
    db_session.flush()
    for path, headers in [
        (f"/lots/{lot.lot}", {}),
        (f"/lots/{lot.lot}", {"Accept": "application/json"}),
    ]:
        text = client.get(path, headers=headers).get_data(as_text=True)
        assert "罗小芬" not in text, path
        assert "罗*芬" in text
        assert "大姚示例核桃合作社" in text  # an organisation keeps its name


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("罗小芬", True),
        ("张三（示例）", True),
        ("阿依·木呷", True),
        ("大姚示例核桃合作社", False),
        ("县质检中心", False),
        ("三台农场", False),
        ("Dayao Walnut Co.", False),
    ],
)
def test_looks_like_person_name(text, person):
    assert looks_like_person_name(text) is person
