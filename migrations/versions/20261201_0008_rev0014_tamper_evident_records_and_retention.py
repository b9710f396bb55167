"""tamper-evident records and retention: chain counters on batches, signed checkpoints,
retention rules as data, and (PostgreSQL) triggers refusing UPDATE/DELETE on append-only tables

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-01 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

# Every table whose rows the application only ever inserts (the ORM refuses changes to them
# too). A lawful removal or erasure names one table in `trace.lawful_rewrite` for its own
# transaction (SET LOCAL), which trace.services.retention and trace.services.erasure do,
# each with an audit entry.
APPEND_ONLY_TABLES = (
    "trace_events",
    "inspections",
    "inspection_results",
    "inspection_reports",
    "dispositions",
    "gradings",
    "scans",
    "audit_entries",
    "feedback_report_steps",
    "lot_operations",
    "lot_operation_lines",
    "lot_links",
    "recall_lots",
    "recall_actions",
    "temperature_readings",
    "checkpoints",
    "consistency_checks",
    "retention_archives",
)

REFUSE_FUNCTION = """
CREATE FUNCTION trace_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('trace.lawful_rewrite', true), '') = TG_TABLE_NAME THEN
        RETURN NULL;  -- a statement-level BEFORE trigger: the value is ignored, the work goes on
    END IF;
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'history is corrected by appending; lawful removal goes through '
                     'flask --app trace retention run / privacy erase';
END
$$
"""

# Sources as the project's domain notes give them; article numbers are marked for checking.
RETENTION_RULES = [
    {
        "record_kind": "production_event",
        "period_days": 730,
        "counted_from": "harvested_on",
        "is_removable": False,
        "legal_source": "《中华人民共和国农产品质量安全法》（2022年修订）：农产品生产记录应当至少保存二年"
        "（第二十七条，条号待核）",
        "reason": "追溯事件构成每个批次的哈希链并写入已公开的签名检查点；印出的追溯码永久可查，"
        "故超过法定最短期限后仍保留，不删除。",
    },
    {
        "record_kind": "inspection",
        "period_days": 730,
        "counted_from": "tested_on",
        "is_removable": False,
        "legal_source": "《中华人民共和国食品安全法》：出厂检验记录保存期限不得少于产品保质期满后六个月；"
        "没有明确保质期的，不得少于二年（第五十一条，条号待核）",
        "reason": "检验报告是批次放行与召回的依据，随批次永久保留。",
    },
    {
        "record_kind": "sales_record",
        "period_days": 730,
        "counted_from": "occurred_at",
        "is_removable": False,
        "legal_source": "《中华人民共和国食品安全法》：进货查验、销售记录保存期限不得少于产品保质期满后"
        "六个月；没有明确保质期的，不得少于二年（第五十条、第五十三条，条号待核）",
        "reason": "发运与收货记录是追溯事件的一部分（哈希链），随批次永久保留。",
    },
    {
        "record_kind": "compliance_certificate",
        "period_days": 183,
        "counted_from": "issued_at",
        "is_removable": False,
        "legal_source": "农业农村部令2025年第4号（承诺达标合格证管理办法，2026-02-01施行）："
        "开具者保存合格证记录不少于六个月",
        "reason": "合格证随批次保存，与批次记录同样永久保留。",
    },
    {
        "record_kind": "audit_entry",
        "period_days": 183,
        "counted_from": "at",
        "is_removable": False,
        "legal_source": "《中华人民共和国网络安全法》：留存相关的网络日志不少于六个月（第二十一条，条号待核）",
        "reason": "审计记录证明谁在何时改了什么，是追溯记录可信的依据，永久保留；"
        "其中的个人信息可依法删除（flask --app trace privacy erase-producer）。",
    },
    {
        "record_kind": "scan",
        "period_days": 730,
        "counted_from": "scanned_at",
        "is_removable": True,
        "legal_source": "无专门规定；《中华人民共和国个人信息保护法》第十九条：保存期限应当为实现处理目的"
        "所必要的最短时间（本项目的选择）",
        "reason": "扫码日志只含带密钥的地址哈希与浏览器类别。两年覆盖本县产品最长保质期（带壳核桃约"
        "十二个月）加保质期满后六个月，并留出一个收获季调查仿冒；每件包装的扫码次数和首次扫码时间"
        "另存于追溯码上，删除旧日志不改变消费者看到的结论。到期后导出归档再删除。",
    },
    {
        "record_kind": "complaint_photo",
        "period_days": 1095,
        "counted_from": "closed_at",
        "is_removable": True,
        "legal_source": "《中华人民共和国民法典》第一百八十八条：向人民法院请求保护民事权利的诉讼时效期间为"
        "三年；《个人信息保护法》第十九条（本项目的选择）",
        "reason": "举报照片可能拍到人或住址。举报办结后保留三年（民事诉讼时效），以备纠纷举证；"
        "到期后导出归档再删除照片文件，举报记录与处理经过保留。",
    },
]


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("event_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "last_event_hash", sa.String(length=64), server_default=GENESIS, nullable=False
            )
        )
    # Existing chains: their length and newest hash as they stand when this runs.
    op.execute(
        "UPDATE batches SET event_count = coalesce((SELECT max(e.sequence) FROM trace_events e "
        "WHERE e.batch_id = batches.id), 0)"
    )
    op.execute(
        "UPDATE batches SET last_event_hash = (SELECT e.hash FROM trace_events e "
        "WHERE e.batch_id = batches.id AND e.sequence = batches.event_count) "
        "WHERE event_count > 0"
    )

    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lot_count", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("leaves", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint("hash", name=op.f("uq_checkpoints_hash")),
        sa.UniqueConstraint("sequence", name=op.f("uq_checkpoints_sequence")),
    )
    op.create_table(
        "consistency_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checkpoint_sequence", sa.Integer(), nullable=False),
        sa.Column("lots_checked", sa.Integer(), nullable=False),
        sa.Column("events_checked", sa.Integer(), nullable=False),
        sa.Column("is_consistent", sa.Boolean(), nullable=False),
        sa.Column(
            "problems", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consistency_checks")),
    )
    with op.batch_alter_table("consistency_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consistency_checks_checked_at"), ["checked_at"], unique=False
        )

    retention_rules = op.create_table(
        "retention_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=40), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("counted_from", sa.String(length=40), nullable=False),
        sa.Column("is_removable", sa.Boolean(), nullable=False),
        sa.Column("legal_source", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rules")),
        sa.UniqueConstraint("record_kind", name=op.f("uq_retention_rules_record_kind")),
    )
    op.create_table(
        "retention_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cutoff_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("archive_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_retention_archives_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_archives")),
    )
    with op.batch_alter_table("retention_archives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_archives_record_kind"), ["record_kind"], unique=False
        )

    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(retention_rules, [{**rule, "updated_at": now} for rule in RETENTION_RULES])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_FUNCTION)
        for table in APPEND_ONLY_TABLES:
            # Per statement, not per row: refused even when no row matches, and free for
            # the inserts that are these tables' only ordinary writes.
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_rewrite()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS trace_refuse_rewrite()")
    with op.batch_alter_table("retention_archives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_archives_record_kind"))
    op.drop_table("retention_archives")
    op.drop_table("retention_rules")
    with op.batch_alter_table("consistency_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consistency_checks_checked_at"))
    op.drop_table("consistency_checks")
    op.drop_table("checkpoints")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("last_event_hash")
        batch_op.drop_column("event_count")
