"""Briefings say what their findings are: "methods" statements take no reactions

Revision ID: c3f9a7d2e615
Revises: a9c4e6f1b3d8
Create Date: 2026-12-02 15:35:00.000000

Written by hand (other tables were changing in the same tree): it adds only
briefings.kind, as dialogue/briefings/models.py describes it. Existing rows read
"findings" until the next import sets the front matter's value.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3f9a7d2e615'
down_revision = 'a9c4e6f1b3d8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('briefings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='findings',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('briefings', schema=None) as batch_op:
        batch_op.drop_column('kind')
