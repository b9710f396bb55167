"""scan clients and regions: a scan counts people, not page loads

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-01 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scan_clients',
    sa.Column('pack_code_id', sa.Integer(), nullable=False),
    sa.Column('client_key', sa.String(length=32), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['pack_code_id'], ['pack_codes.id'], name=op.f('fk_scan_clients_pack_code_id_pack_codes')),
    sa.PrimaryKeyConstraint('pack_code_id', 'client_key', name=op.f('pk_scan_clients'))
    )
    op.create_table('scan_addresses',
    sa.Column('pack_code_id', sa.Integer(), nullable=False),
    sa.Column('address_hash', sa.String(length=32), nullable=False),
    sa.Column('clients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pack_code_id'], ['pack_codes.id'], name=op.f('fk_scan_addresses_pack_code_id_pack_codes')),
    sa.PrimaryKeyConstraint('pack_code_id', 'address_hash', name=op.f('pk_scan_addresses'))
    )
    with op.batch_alter_table('pack_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_addresses', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('first_region', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('counted_since', sa.DateTime(timezone=True), nullable=True))
    # Packs counted before this revision came from at least one address.
    op.execute("UPDATE pack_codes SET counted_addresses = 1 WHERE public_scan_count > 0")
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_counted', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('region', sa.String(length=60), server_default='', nullable=False))
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sales_region', sa.String(length=20), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('sales_region')
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_column('region')
        batch_op.drop_column('is_counted')
    with op.batch_alter_table('pack_codes', schema=None) as batch_op:
        batch_op.drop_column('counted_since')
        batch_op.drop_column('first_region')
        batch_op.drop_column('counted_addresses')
    op.drop_table('scan_addresses')
    op.drop_table('scan_clients')
