"""Workshop results cards: a workshop's published results and their thread

Revision ID: a9c4e2b7d310
Revises: a4c2e9d71f3b
Create Date: 2026-12-02 12:30:00.000000

Written by hand (other tables were changing in the same tree): it creates only
workshop_results_cards, exactly as dialogue/workshops/card_models.py describes it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e2b7d310'
down_revision = 'a4c2e9d71f3b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workshop_results_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('finding_keys', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_workshop_results_cards_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_workshop_results_cards_thread_id_threads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_results_cards_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_results_cards')),
    sa.UniqueConstraint('workshop_id', name=op.f('uq_workshop_results_cards_workshop_id'))
    )
    with op.batch_alter_table('workshop_results_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_results_cards_thread_id'), ['thread_id'], unique=False)


def downgrade():
    with op.batch_alter_table('workshop_results_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_results_cards_thread_id'))

    op.drop_table('workshop_results_cards')
