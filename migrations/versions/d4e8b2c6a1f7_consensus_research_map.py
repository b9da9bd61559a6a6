"""Consensus maps: research's own kept map beside the audience's

Revision ID: d4e8b2c6a1f7
Revises: c3f9a7d2e615
Create Date: 2026-12-02 18:05:00.000000

Written by hand (other tables are changing in the same tree): only
consensus_maps.research, exactly as dialogue/consensus/models.py describes it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e8b2c6a1f7'
down_revision = 'c3f9a7d2e615'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consensus_maps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('research', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('consensus_maps', schema=None) as batch_op:
        batch_op.drop_column('research')
