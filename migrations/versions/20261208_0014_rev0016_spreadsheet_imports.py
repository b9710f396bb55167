"""spreadsheet_imports: the files whose rows were imported, so a file sent twice is imported once

Revision ID: 0016
Revises: 0017 (re-chained after origin/main brought 0017 onto 0012)
Create Date: 2026-12-08 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spreadsheet_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_spreadsheet_imports_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spreadsheet_imports")),
        sa.UniqueConstraint("kind", "sha256", name=op.f("uq_spreadsheet_imports_kind_sha256")),
    )


def downgrade() -> None:
    op.drop_table("spreadsheet_imports")
