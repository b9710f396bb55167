"""Programme funding (tasks, budget lines, append-only spending entries with vouchers, the plan's
funding rules as data), station service records and parcel tallies (issue 19)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-08 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None

APPEND_ONLY = ("spending_entries", "station_service_records", "parcel_counts")

TASKS = [
    ("county_centre", "县级电子商务公共服务中心", "County e-commerce public service centre", 10),
    ("service_stations", "乡镇、村级电子商务服务站点", "Township and village service stations", 20),
    ("logistics", "物流配送体系", "Logistics and delivery system", 30),
    ("supply_chain", "农村电商供应链体系", "Rural e-commerce supply chain", 40),
    ("training", "电商培训", "E-commerce training", 50),
]

# The county plan's funding section (../shared/data/dayao_plan_funding_rules.md), as data.
RULES = [
    ("central_total", "source_total", "", "central", None, None, 1_400_000_000,
     "计划投资中央财政资金1400万元", "Central funds as planned: 14 million yuan", 10),
    ("county_total", "source_total", "", "county", None, None, 310_000_000,
     "县级计划配套资金310万元", "County matching funds as planned: 3.1 million yuan", 20),
    ("county_centre_share", "share_max", "county_centre", None, None, 15, None,
     "支持县级公共服务中心建设的资金比例不得高于15%",
     "Funds for the county public service centre: at most 15%", 30),
    ("supply_chain_share", "share_min", "supply_chain", None, None, 50, None,
     "支持农村电商供应链体系建设资金不低于50%",
     "Funds for the rural e-commerce supply chain: at least 50%", 40),
    ("central_no_trading_platform", "forbidden_use", "", "central", "trading_platform", None,
     None, "中央财政资金不得用于网络交易平台建设",
     "Central funds may not pay for online trading platforms", 50),
    ("central_no_buildings", "forbidden_use", "", "central", "building", None, None,
     "中央财政资金不得用于楼堂馆所建设", "Central funds may not pay for buildings", 60),
    ("central_no_running_costs", "forbidden_use", "", "central", "running_costs", None, None,
     "中央财政资金不得用于工作经费", "Central funds may not pay for running costs", 70),
    ("central_no_traffic", "forbidden_use", "", "central", "traffic", None, None,
     "中央财政资金不得用于购买流量", "Central funds may not buy traffic", 80),
    ("no_double_funding", "single_funding", "", None, None, None, None,
     "同一项目不得重复申请资金支持", "The same project may not be funded twice", 90),
    ("earmarked", "within_budget", "", None, None, None, None,
     "资金专款专用，不得挤占、挪用", "Funds are earmarked: no diversion", 100),
]  # fmt: skip


def upgrade() -> None:
    tasks = op.create_table(
        "funding_tasks",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=150), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_funding_tasks")),
    )
    rules = op.create_table(
        "funding_rules",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("task_codes", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=True),
        sa.Column("use_category", sa.String(length=20), nullable=True),
        sa.Column("limit_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("limit_fen", sa.BigInteger(), nullable=True),
        sa.Column("text_zh", sa.String(length=200), nullable=False),
        sa.Column("text_en", sa.String(length=300), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "limit_pct IS NULL OR (limit_pct >= 0 AND limit_pct <= 100)",
            name=op.f("ck_funding_rules_pct_range"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_funding_rules")),
    )
    op.create_table(
        "budget_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_code", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_budget_lines_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["task_code"],
            ["funding_tasks.code"],
            name=op.f("fk_budget_lines_task_code_funding_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_budget_lines_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
        sa.UniqueConstraint("task_code", "source", name=op.f("uq_budget_lines_task_code_source")),
    )
    op.create_index(op.f("ix_budget_lines_task_code"), "budget_lines", ["task_code"])
    op.create_table(
        "spending_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("task_code", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("use_category", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("voucher_stored_name", sa.String(length=40), nullable=False),
        sa.Column("voucher_content_type", sa.String(length=40), nullable=False),
        sa.Column("voucher_size_bytes", sa.Integer(), nullable=False),
        sa.Column("voucher_sha256", sa.String(length=64), nullable=False),
        sa.Column("voucher_filename", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_spending_entries_amount_not_negative")),
        sa.CheckConstraint(
            "corrects_id IS NOT NULL OR amount_fen > 0",
            name=op.f("ck_spending_entries_original_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["spending_entries.id"],
            name=op.f("fk_spending_entries_corrects_id_spending_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_spending_entries_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_code"],
            ["funding_tasks.code"],
            name=op.f("fk_spending_entries_task_code_funding_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spending_entries")),
        sa.UniqueConstraint("corrects_id", name=op.f("uq_spending_entries_corrects_id")),
    )
    op.create_index(op.f("ix_spending_entries_spent_on"), "spending_entries", ["spent_on"])
    op.create_index(op.f("ix_spending_entries_task_code"), "spending_entries", ["task_code"])
    op.create_index(
        op.f("ix_spending_entries_voucher_sha256"), "spending_entries", ["voucher_sha256"]
    )
    op.create_table(
        "station_service_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("villager", sa.String(length=50), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("parcels", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_fen IS NULL OR amount_fen >= 0",
            name=op.f("ck_station_service_records_amount_not_negative"),
        ),
        sa.CheckConstraint(
            "parcels IS NULL OR parcels >= 0",
            name=op.f("ck_station_service_records_parcels_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_station_service_records_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_service_records_station_id_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_service_records")),
    )
    for column in ("station_id", "kind", "served_on"):
        op.create_index(
            op.f(f"ix_station_service_records_{column}"), "station_service_records", [column]
        )
    op.create_table(
        "parcel_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("parcels > 0", name=op.f("ck_parcel_counts_parcels_positive")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_parcel_counts_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_parcel_counts_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_counts")),
    )
    op.create_index(op.f("ix_parcel_counts_facility_id"), "parcel_counts", ["facility_id"])
    op.create_index(op.f("ix_parcel_counts_counted_on"), "parcel_counts", ["counted_on"])
    op.bulk_insert(
        tasks,
        [
            dict(zip(("code", "name_zh", "name_en", "sort_order"), row, strict=True))
            for row in TASKS
        ],
    )
    keys = (
        "code", "kind", "task_codes", "source", "use_category", "limit_pct", "limit_fen",
        "text_zh", "text_en", "sort_order",
    )  # fmt: skip
    op.bulk_insert(
        rules, [{**dict(zip(keys, row, strict=True)), "is_active": True} for row in RULES]
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_rewrite()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    for table in (
        "parcel_counts",
        "station_service_records",
        "spending_entries",
        "budget_lines",
        "funding_rules",
        "funding_tasks",
    ):
        op.drop_table(table)
