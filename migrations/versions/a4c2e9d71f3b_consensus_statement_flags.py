"""Consensus maps: flags on statements

Revision ID: a4c2e9d71f3b
Revises: 651cf038f0a1
Create Date: 2026-12-02 12:40:00.000000

Written by hand (other tables are changing in the same tree): only consensus_flags,
exactly as dialogue/consensus/models.py describes it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c2e9d71f3b'
down_revision = '651cf038f0a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consensus_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('flagger_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('off_topic', 'personal_information', 'abusive', 'spam', 'other', name='reason', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('detail', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['flagger_id'], ['users.id'], name=op.f('fk_consensus_flags_flagger_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['consensus_statements.id'], name=op.f('fk_consensus_flags_statement_id_consensus_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consensus_flags')),
    sa.UniqueConstraint('statement_id', 'flagger_id', name=op.f('uq_consensus_flags_statement_id_flagger_id'))
    )
    with op.batch_alter_table('consensus_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consensus_flags_statement_id'), ['statement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('consensus_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consensus_flags_statement_id'))
    op.drop_table('consensus_flags')
