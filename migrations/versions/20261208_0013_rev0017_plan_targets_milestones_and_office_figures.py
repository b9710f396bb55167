"""plan targets: every numeric target of the county plan with its milestones; figures the
programme office enters monthly; model poverty-relief enterprises and the households they lift;
staff counts of stations and facilities; poor villages

Seeds the plan's targets from trace/plan_targets.json (the plan's 32 numeric targets, the same
facts as shared/data/dayao_plan_targets.csv) and renames the earlier targets to the plan's codes.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None

PLAN = Path(__file__).resolve().parents[2] / "trace" / "plan_targets.json"


def _targets_table() -> sa.TableClause:
    return sa.table(
        "targets",
        sa.column("id", sa.Integer), sa.column("code", sa.String),
        sa.column("label_zh", sa.String), sa.column("label_en", sa.String),
        sa.column("target_value", sa.Numeric), sa.column("unit", sa.String),
        sa.column("metric", sa.String), sa.column("sort_order", sa.Integer),
        sa.column("note", sa.String), sa.column("area_zh", sa.String),
        sa.column("plan_text_zh", sa.String), sa.column("comparison", sa.String),
        sa.column("baseline_year", sa.Integer), sa.column("figure_source", sa.String),
        sa.column("is_in_plan", sa.Boolean), sa.column("updated_at", sa.DateTime(timezone=True)),
    )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_zh", sa.String(40), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("plan_text_zh", sa.String(300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("comparison", sa.String(2), nullable=False, server_default=">=")
        )
        batch_op.add_column(sa.Column("baseline_year", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("figure_source", sa.String(10), nullable=False, server_default="records")
        )
        batch_op.add_column(
            sa.Column("is_in_plan", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.alter_column("metric", existing_type=sa.String(40), nullable=True)
    op.create_table(
        "target_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("share_pct", sa.Numeric(6, 2), nullable=True),
        sa.Column("value", sa.Numeric(14, 2), nullable=True),
        sa.Column("label_zh", sa.String(50), nullable=False),
        sa.Column("label_en", sa.String(80), nullable=False),
        sa.CheckConstraint(
            "(share_pct IS NULL) <> (value IS NULL)",
            name=op.f("ck_target_milestones_share_or_value"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_target_milestones_target_id_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_milestones")),
    )
    with op.batch_alter_table("target_milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_milestones_target_id"), ["target_id"])
    op.create_table(
        "target_figure_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(16, 2), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("evidence", sa.String(200), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["target_figure_entries.id"],
            name=op.f("fk_target_figure_entries_corrects_id_target_figure_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_target_figure_entries_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name=op.f("fk_target_figure_entries_target_id_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_figure_entries")),
    )  # fmt: skip
    with op.batch_alter_table("target_figure_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_figure_entries_target_id"), ["target_id"])
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_poor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "has_station_conditions", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    op.create_table(
        "model_enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("designated_on", sa.Date(), nullable=False),
        sa.Column("document", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_model_enterprises_created_by_id_users")),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"], name=op.f("fk_model_enterprises_producer_id_producers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_enterprises")),
        sa.UniqueConstraint("producer_id", name=op.f("uq_model_enterprises_producer_id")),
    )  # fmt: skip
    op.create_table(
        "lifted_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("trainee_id", sa.Integer(), nullable=True),
        sa.Column("linked_on", sa.Date(), nullable=False),
        sa.Column("how", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(producer_id IS NULL) <> (trainee_id IS NULL)", name=op.f("ck_lifted_households_producer_or_trainee")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_lifted_households_created_by_id_users")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["model_enterprises.id"], name=op.f("fk_lifted_households_enterprise_id_model_enterprises")),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"], name=op.f("fk_lifted_households_producer_id_producers")),
        sa.ForeignKeyConstraint(["trainee_id"], ["trainees.id"], name=op.f("fk_lifted_households_trainee_id_trainees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifted_households")),
        sa.UniqueConstraint("enterprise_id", "producer_id", name=op.f("uq_lifted_households_enterprise_id_producer_id")),
        sa.UniqueConstraint("enterprise_id", "trainee_id", name=op.f("uq_lifted_households_enterprise_id_trainee_id")),
    )  # fmt: skip
    with op.batch_alter_table("lifted_households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifted_households_enterprise_id"), ["enterprise_id"])
    op.create_table(
        "staff_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("poor_employees", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(station_id IS NULL) <> (facility_id IS NULL)", name=op.f("ck_staff_counts_one_place")),
        sa.CheckConstraint("employees >= 0 AND poor_employees >= 0", name=op.f("ck_staff_counts_not_negative")),
        sa.CheckConstraint("poor_employees <= employees", name=op.f("ck_staff_counts_poor_within_employees")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_staff_counts_created_by_id_users")),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], name=op.f("fk_staff_counts_facility_id_facilities")),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_staff_counts_station_id_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_counts")),
    )  # fmt: skip
    with op.batch_alter_table("staff_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_counts_facility_id"), ["facility_id"])
        batch_op.create_index(batch_op.f("ix_staff_counts_station_id"), ["station_id"])
    _seed_plan()


def _seed_plan() -> None:
    """Rename the earlier targets to the plan's codes (and the figures that point at them), then
    write every target of the plan and its milestones over what is there."""
    plan = json.loads(PLAN.read_text(encoding="utf-8"))["targets"]
    bind = op.get_bind()
    targets = _targets_table()
    figures = sa.table("disclosure_figures", sa.column("target_code", sa.String))
    # county_centre (a count) first frees its code for the plan's county_centre (an area).
    renames = sorted(
        ((t["legacy_code"], t["code"]) for t in plan if t["legacy_code"] and t["legacy_code"] != t["code"]),
        key=lambda pair: pair[0] != "county_centre",
    )  # fmt: skip
    for old, new in renames:
        bind.execute(targets.update().where(targets.c.code == old).values(code=new))
        bind.execute(figures.update().where(figures.c.target_code == old).values(target_code=new))
    milestones = sa.table(
        "target_milestones",
        sa.column("target_id", sa.Integer), sa.column("due_on", sa.Date),
        sa.column("share_pct", sa.Numeric), sa.column("value", sa.Numeric),
        sa.column("label_zh", sa.String), sa.column("label_en", sa.String),
    )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    for index, t in enumerate(plan):
        values = {
            "label_zh": t["label_zh"], "label_en": t["label_en"],
            "target_value": Decimal(str(t["target_value"])), "unit": t["unit"],
            "metric": t["metric"], "sort_order": (index + 1) * 10, "note": t["note"],
            "area_zh": t["area_zh"], "plan_text_zh": t["plan_text_zh"],
            "comparison": t["comparison"], "baseline_year": t["baseline_year"],
            "figure_source": t["figure_source"], "is_in_plan": t["in_plan"], "updated_at": now,
        }  # fmt: skip
        found = bind.scalar(sa.select(targets.c.id).where(targets.c.code == t["code"]))
        if found is None:
            bind.execute(targets.insert().values(code=t["code"], **values))
            found = bind.scalar(sa.select(targets.c.id).where(targets.c.code == t["code"]))
        else:
            bind.execute(targets.update().where(targets.c.id == found).values(**values))
        for m in t["milestones"]:
            bind.execute(
                milestones.insert().values(
                    target_id=found,
                    due_on=dt.date.fromisoformat(m["due_on"]),
                    share_pct=Decimal(str(m["share_pct"])) if "share_pct" in m else None,
                    value=Decimal(str(m["value"])) if "value" in m else None,
                    label_zh=m.get("label_zh", ""),
                    label_en=m.get("label_en", ""),
                )
            )


def downgrade() -> None:
    plan = json.loads(PLAN.read_text(encoding="utf-8"))["targets"]
    op.drop_table("staff_counts")
    op.drop_table("lifted_households")
    op.drop_table("model_enterprises")
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.drop_column("has_station_conditions")
        batch_op.drop_column("is_poor")
    op.drop_table("target_figure_entries")
    op.drop_table("target_milestones")
    targets = _targets_table()
    bind = op.get_bind()
    # The plan's new targets go; the earlier ones take their old codes back.
    new = [t["code"] for t in plan if not t["legacy_code"]]
    bind.execute(targets.delete().where(targets.c.code.in_(new)))
    figures = sa.table("disclosure_figures", sa.column("target_code", sa.String))
    renames = sorted(
        ((t["code"], t["legacy_code"]) for t in plan if t["legacy_code"] and t["legacy_code"] != t["code"]),
        key=lambda pair: pair[1] == "county_centre",
    )  # fmt: skip
    for current, old in renames:
        bind.execute(targets.update().where(targets.c.code == current).values(code=old))
        bind.execute(figures.update().where(figures.c.target_code == current).values(target_code=old))
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.alter_column("metric", existing_type=sa.String(40), nullable=False)
        batch_op.drop_column("is_in_plan")
        batch_op.drop_column("figure_source")
        batch_op.drop_column("baseline_year")
        batch_op.drop_column("comparison")
        batch_op.drop_column("plan_text_zh")
        batch_op.drop_column("area_zh")
