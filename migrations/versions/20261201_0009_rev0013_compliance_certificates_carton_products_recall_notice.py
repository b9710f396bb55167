"""compliance certificates as records; carton products; label runs' trade item; recall notice

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-01 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("promiser", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=40), nullable=False),
        sa.Column("promise", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_compliance_certificates_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_compliance_certificates_issued_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["lot_operations.id"],
            name=op.f("fk_compliance_certificates_operation_id_lot_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_compliance_certificates_number")),
    )
    with op.batch_alter_table("compliance_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_certificates_batch_id"), ["batch_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Kept as issued: the table joins the append-only ones (function of revision 0014).
        op.execute(
            "CREATE TRIGGER compliance_certificates_append_only BEFORE UPDATE OR DELETE OR "
            "TRUNCATE ON compliance_certificates FOR EACH STATEMENT "
            "EXECUTE FUNCTION trace_refuse_rewrite()"
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pack_product_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("packs_per_case", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_products_pack_product_id_products"),
            "products",
            ["pack_product_id"],
            ["id"],
        )
    with op.batch_alter_table("label_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_label_runs_product_id_products"), "products", ["product_id"], ["id"]
        )
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_reason", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_recalls_report_id_feedback_reports"),
            "feedback_reports",
            ["report_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_recalls_report_id_feedback_reports"), type_="foreignkey"
        )
        batch_op.drop_column("report_id")
        batch_op.drop_column("public_reason")
    with op.batch_alter_table("label_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_label_runs_product_id_products"), type_="foreignkey")
        batch_op.drop_column("product_id")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_products_pack_product_id_products"), type_="foreignkey"
        )
        batch_op.drop_column("packs_per_case")
        batch_op.drop_column("pack_product_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS compliance_certificates_append_only ON compliance_certificates")
    with op.batch_alter_table("compliance_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_certificates_batch_id"))
    op.drop_table("compliance_certificates")
