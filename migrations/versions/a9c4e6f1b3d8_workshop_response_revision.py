"""Workshop responses count their own writes (revision), for the presenter's version

Revision ID: a9c4e6f1b3d8
Revises: b5d8e1f2a7c4
Create Date: 2026-12-02 14:50:00.000000

Written by hand (other tables were changing in the same tree): one column, 1 for the
answers already stored (each was written at least once).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9c4e6f1b3d8'
down_revision = 'b5d8e1f2a7c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('workshop_responses', schema=None) as batch_op:
        batch_op.drop_column('revision')
