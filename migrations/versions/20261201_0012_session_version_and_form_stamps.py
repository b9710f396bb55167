"""users.session_version (sign-out ends the session server-side); spent_form_stamps (a public
form's anti-bot stamp is accepted once)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spent_form_stamps",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_spent_form_stamps")),
    )
    with op.batch_alter_table("spent_form_stamps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spent_form_stamps_spent_at"), ["spent_at"], unique=False
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=True)
        )


def downgrade() -> None:
    op.drop_table("spent_form_stamps")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
