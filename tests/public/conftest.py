"""A labelled batch: the thing consumers scan."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories
from trace.models.batches import Batch
from trace.services.labels import issue_label_run, run_serials


@dataclass
class Labelled:
    batch: Batch
    serials: list[str]

    @property
    def gtin(self) -> str:
        return self.batch.product.gtin

    def pack_path(self, index: int = 0) -> str:
        return f"/01/{self.gtin}/10/{self.batch.lot}/21/{self.serials[index]}"

    @property
    def lot_path(self) -> str:
        return f"/01/{self.gtin}/10/{self.batch.lot}"


@pytest.fixture()
def labelled(db_session, make_user, app):
    app.extensions.pop("trace.public_records", None)  # no record cached across tests
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    run = issue_label_run(db_session, admin, batch.id, 3)
    db_session.flush()
    return Labelled(batch, run_serials(db_session, run.id))
