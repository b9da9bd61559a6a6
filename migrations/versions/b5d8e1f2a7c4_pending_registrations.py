"""Pending registrations: an account is made when its address is confirmed

Revision ID: b5d8e1f2a7c4
Revises: b8d2f4a6c913
Create Date: 2026-12-02 15:00:00.000000

Written by hand (other tables were changing in the same tree): it creates only
pending_registrations, exactly as dialogue/auth/models.py describes it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d8e1f2a7c4'
down_revision = 'b8d2f4a6c913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('research_consent', sa.Boolean(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_registrations'))
    )
    with op.batch_alter_table('pending_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_registrations_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_registrations_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_registrations_email'))
        batch_op.drop_index(batch_op.f('ix_pending_registrations_created_at'))
    op.drop_table('pending_registrations')
