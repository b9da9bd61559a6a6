"""Audience Q&A in workshops: settings per workshop, questions and upvotes

Revision ID: e4b7c2a9d315
Revises: e4b7c2d9a1f3
Create Date: 2026-12-02 08:30:00.000000

Written by hand (other tables were changing in the same tree): it creates only the Q&A
tables, exactly as dialogue/workshops/qa.py describes them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7c2a9d315'
down_revision = 'e4b7c2d9a1f3'
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


def upgrade():
    op.create_table('workshop_qa_settings',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_qa_settings_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', name=op.f('pk_workshop_qa_settings'))
    )

    op.create_table('workshop_qa_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', _enum('status', ('pending', 'visible', 'hidden', 'answered')), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.String(length=1000), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *[sa.Column(name, _enum(name, values), nullable=True) for name, values in PROFILE],
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_workshop_qa_questions_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['workshop_participants.id'], name=op.f('fk_workshop_qa_questions_participant_id_workshop_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_qa_questions_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_qa_questions'))
    )
    with op.batch_alter_table('workshop_qa_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_qa_questions_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_workshop_qa_questions_workshop_status', ['workshop_id', 'status'], unique=False)
        batch_op.create_index('ix_workshop_qa_questions_one_pinned', ['workshop_id'], unique=True,
                              sqlite_where=sa.text('pinned'), postgresql_where=sa.text('pinned'))

    op.create_table('workshop_qa_upvotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['workshop_participants.id'], name=op.f('fk_workshop_qa_upvotes_participant_id_workshop_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['workshop_qa_questions.id'], name=op.f('fk_workshop_qa_upvotes_question_id_workshop_qa_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_qa_upvotes')),
    sa.UniqueConstraint('question_id', 'participant_id', name=op.f('uq_workshop_qa_upvotes_question_id_participant_id'))
    )
    with op.batch_alter_table('workshop_qa_upvotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_qa_upvotes_participant_id'), ['participant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('workshop_qa_upvotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_qa_upvotes_participant_id'))
    op.drop_table('workshop_qa_upvotes')
    with op.batch_alter_table('workshop_qa_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_workshop_qa_questions_one_pinned')
        batch_op.drop_index('ix_workshop_qa_questions_workshop_status')
        batch_op.drop_index(batch_op.f('ix_workshop_qa_questions_participant_id'))
    op.drop_table('workshop_qa_questions')
    op.drop_table('workshop_qa_settings')
