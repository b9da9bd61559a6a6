"""Workshop question timers: a question's countdown and the current deadline

Revision ID: e4b7c2d9a1f3
Revises: c7e5a3f19b42
Create Date: 2026-12-02 08:10:00.000000

Written by hand (other tables were changing in the same tree): two nullable columns.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7c2d9a1f3'
down_revision = 'c7e5a3f19b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('workshop_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timer_seconds', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('workshop_questions', schema=None) as batch_op:
        batch_op.drop_column('timer_seconds')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('closes_at')
