"""Consensus maps: conversations, statements, votes and the computed maps

Revision ID: c7e5a3f19b42
Revises: db0a1a875fbe
Create Date: 2026-12-02 08:10:00.000000

Written by hand (the other tables were changing in the same tree): it creates only the
consensus tables, exactly as dialogue/consensus/models.py describes them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e5a3f19b42'
down_revision = 'db0a1a875fbe'
branch_labels = None
depends_on = None

PROFILE = [
    ('education_role', ('headteacher', 'senior_leader', 'teacher', 'governor',
                        'trust_or_la_officer', 'researcher', 'other')),
    ('phase', ('primary', 'secondary', 'special', 'all_through', 'other')),
    ('school_type', ('maintained', 'standalone_academy', 'mat_academy', 'free_school',
                     'independent', 'other')),
]


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def _profile_columns():
    return [sa.Column(name, _enum(name, values), nullable=True) for name, values in PROFILE]


def upgrade():
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('state', _enum('state', ('open', 'closed')), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['localities.id'], name=op.f('fk_conversations_locality_id_localities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_conversations_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_conversations_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_locality_id'), ['locality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('consensus_maps',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_consensus_maps_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_consensus_maps'))
    )

    op.create_table('consensus_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('is_seed', sa.Boolean(), nullable=False),
    sa.Column('finding_key', sa.String(length=120), nullable=True),
    sa.Column('status', _enum('status', ('visible', 'held', 'hidden')), nullable=False),
    sa.Column('hidden_reason', sa.String(length=1000), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *_profile_columns(),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consensus_statements_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_consensus_statements_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_consensus_statements_hidden_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consensus_statements'))
    )
    with op.batch_alter_table('consensus_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consensus_statements_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_consensus_statements_conversation_status', ['conversation_id', 'status'], unique=False)

    op.create_table('consensus_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    *_profile_columns(),
    sa.CheckConstraint('value IN (-1, 0, 1)', name=op.f('ck_consensus_votes_value')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_consensus_votes_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['locality_id'], ['localities.id'], name=op.f('fk_consensus_votes_locality_id_localities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['consensus_statements.id'], name=op.f('fk_consensus_votes_statement_id_consensus_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consensus_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consensus_votes')),
    sa.UniqueConstraint('statement_id', 'user_id', name=op.f('uq_consensus_votes_statement_id_user_id'))
    )
    with op.batch_alter_table('consensus_votes', schema=None) as batch_op:
        batch_op.create_index('ix_consensus_votes_conversation_user', ['conversation_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consensus_votes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('consensus_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consensus_votes_user_id'))
        batch_op.drop_index('ix_consensus_votes_conversation_user')

    op.drop_table('consensus_votes')
    with op.batch_alter_table('consensus_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_consensus_statements_conversation_status')
        batch_op.drop_index(batch_op.f('ix_consensus_statements_author_id'))

    op.drop_table('consensus_statements')
    op.drop_table('consensus_maps')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_conversations_owner_id'))
        batch_op.drop_index(batch_op.f('ix_conversations_locality_id'))

    op.drop_table('conversations')
