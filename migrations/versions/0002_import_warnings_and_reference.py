"""import warnings and kept source reference tables

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_warnings',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('file', sa.String(length=255), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('row_key', sa.String(length=128), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('column_name', sa.String(length=128), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_import_warnings'))
    )
    with op.batch_alter_table('import_warnings', schema=None) as batch_op:
        batch_op.create_index('ix_import_warnings_run_code', ['run_id', 'code', 'seq'], unique=False)
        batch_op.create_index('ix_import_warnings_run_row', ['run_id', 'file', 'line'], unique=False)

    op.create_table('source_reference',
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=True),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'table_name', 'row_key', name=op.f('pk_source_reference'))
    )


def downgrade() -> None:
    op.drop_table('source_reference')
    with op.batch_alter_table('import_warnings', schema=None) as batch_op:
        batch_op.drop_index('ix_import_warnings_run_row')
        batch_op.drop_index('ix_import_warnings_run_code')
    op.drop_table('import_warnings')
