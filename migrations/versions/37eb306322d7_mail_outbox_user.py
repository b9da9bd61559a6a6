"""Mail outbox rows name the account they were written to, so erasing the account
deletes them (ON DELETE CASCADE)

Revision ID: 37eb306322d7
Revises: a9c4e2b7d310
Create Date: 2026-12-02 14:55:00.000000

Written by hand (other tables were changing in the same tree). Rows already in the
outbox are matched to accounts by address, so they go with an erased account too.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '37eb306322d7'
down_revision = 'a9c4e2b7d310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_outbox_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mail_outbox_user_id_users'), 'users',
                                    ['user_id'], ['id'], ondelete='CASCADE')
    op.execute(
        "UPDATE mail_outbox SET user_id = (SELECT min(users.id) FROM users "
        "WHERE lower(users.email) = lower(mail_outbox.recipient))")


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_outbox_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mail_outbox_user_id'))
        batch_op.drop_column('user_id')
