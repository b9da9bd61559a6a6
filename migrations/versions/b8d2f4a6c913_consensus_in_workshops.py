"""Consensus maps in workshops: the room's participants vote and write statements, and a
map can be shown on the audience screen

Revision ID: b8d2f4a6c913
Revises: 37eb306322d7
Create Date: 2026-12-02 14:50:00.000000

Written by hand (other tables were changing in the same tree): only the consensus
tables change, exactly as dialogue/consensus/models.py describes them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d2f4a6c913'
down_revision = '37eb306322d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_screen', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('consensus_statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_consensus_statements_participant_id'),
                              ['participant_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_consensus_statements_participant_id_workshop_participants'),
            'workshop_participants', ['participant_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('consensus_votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_consensus_votes_participant_id_workshop_participants'),
            'workshop_participants', ['participant_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(
            batch_op.f('uq_consensus_votes_statement_id_participant_id'),
            ['statement_id', 'participant_id'])
        batch_op.create_check_constraint(
            'one_voter', '(user_id IS NULL) <> (participant_id IS NULL)')


def downgrade():
    op.execute("DELETE FROM consensus_votes WHERE user_id IS NULL")
    with op.batch_alter_table('consensus_votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_consensus_votes_one_voter'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_consensus_votes_statement_id_participant_id'),
                                 type_='unique')
        batch_op.drop_constraint(
            batch_op.f('fk_consensus_votes_participant_id_workshop_participants'),
            type_='foreignkey')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('participant_id')
    with op.batch_alter_table('consensus_statements', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_consensus_statements_participant_id_workshop_participants'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consensus_statements_participant_id'))
        batch_op.drop_column('participant_id')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('on_screen')
