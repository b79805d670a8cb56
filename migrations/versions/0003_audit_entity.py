"""audit_entity: further entities (resources, people) of an audit event

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entity',
    sa.Column('event', sa.BigInteger(), nullable=False),
    sa.Column('what_type', sa.String(length=64), nullable=False),
    sa.Column('what_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('event', 'what_type', 'what_id', 'role', name=op.f('pk_audit_entity'))
    )
    with op.batch_alter_table('audit_entity', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entity_what', ['what_type', 'what_id', 'event'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entity', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entity_what')
    op.drop_table('audit_entity')
