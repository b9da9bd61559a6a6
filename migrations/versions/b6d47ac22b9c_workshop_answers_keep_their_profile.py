"""Workshop answers keep the profile they were given with (issue 15, point 5)

Revision ID: b6d47ac22b9c
Revises: d4e8b2c6a1f7
Create Date: 2026-12-02 18:10:00.000000

Written by hand (other tables were changing in the same tree): it adds only
workshop_responses' profile snapshot (education_role, phase, school_type, as
``ProfileSnapshot`` describes them) to what dialogue/workshops/models.py describes.

Backfill: existing answers, and Q&A questions whose snapshot has gaps, were read until
now through the participant's and the account's profile at the time of reading. They
take that profile here, as it stands at upgrade time (the role and phase the participant
gave on joining, else the account's; the account's school type). For a person who changed
their profile after answering, that is the new profile, not the one they answered with:
it was not kept anywhere, so it cannot be recovered. From this revision on, each answer
keeps the profile of the moment it is written.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6d47ac22b9c'
down_revision = 'd4e8b2c6a1f7'
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


def _backfill(table_name, only_gaps):
    """Set each profile column from the participant (role, phase) or their account."""
    table = sa.table(table_name, sa.column('participant_id'),
                     *[sa.column(name) for name, _values in PROFILE])
    participants = sa.table('workshop_participants', sa.column('id'), sa.column('user_id'),
                            sa.column('education_role'), sa.column('phase'))
    users = sa.table('users', sa.column('id'),
                     *[sa.column(name) for name, _values in PROFILE])
    values = {}
    for name, allowed in PROFILE:
        account = (sa.select(getattr(users.c, name))
                   .where(users.c.id == participants.c.user_id))
        if name in ('education_role', 'phase'):
            given = getattr(participants.c, name)
            # Only a value of the vocabulary (the column's CHECK constraint).
            chosen = sa.case((given.in_(allowed), given),
                             else_=account.scalar_subquery())
        else:
            chosen = account.scalar_subquery()
        value = (sa.select(chosen).where(participants.c.id == table.c.participant_id)
                 .scalar_subquery())
        column = getattr(table.c, name)
        values[name] = sa.func.coalesce(column, value) if only_gaps else value
    op.execute(table.update().values(**values))


def upgrade():
    with op.batch_alter_table('workshop_responses', schema=None) as batch_op:
        for name, values in PROFILE:
            batch_op.add_column(sa.Column(name, _enum(name, values), nullable=True))
    _backfill('workshop_responses', only_gaps=False)
    _backfill('workshop_qa_questions', only_gaps=True)


def downgrade():
    # The Q&A questions' filled gaps stay: they are what was read for them before.
    with op.batch_alter_table('workshop_responses', schema=None) as batch_op:
        for name, _values in reversed(PROFILE):
            # The column's CHECK goes first: SQLite's copy of the table would keep it.
            batch_op.drop_constraint(op.f(f'ck_workshop_responses_{name}'), type_='check')
            batch_op.drop_column(name)
