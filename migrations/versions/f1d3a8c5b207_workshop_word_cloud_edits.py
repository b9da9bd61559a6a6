"""Workshop word clouds: a facilitator's hidden and merged words, per question

Revision ID: f1d3a8c5b207
Revises: e4b7c2a9d315
Create Date: 2026-12-02 08:20:00.000000

Written by hand (other tables were changing in the same tree): it creates only
workshop_word_edits, exactly as dialogue/workshops/wordcloud_models.py describes it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1d3a8c5b207'
down_revision = 'e4b7c2a9d315'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workshop_word_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('merge_into', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_workshop_word_edits_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['workshop_questions.id'], name=op.f('fk_workshop_word_edits_question_id_workshop_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_word_edits')),
    sa.UniqueConstraint('question_id', 'word', name=op.f('uq_workshop_word_edits_question_id_word'))
    )
    with op.batch_alter_table('workshop_word_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_word_edits_question_id'), ['question_id'], unique=False)


def downgrade():
    with op.batch_alter_table('workshop_word_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_word_edits_question_id'))

    op.drop_table('workshop_word_edits')
