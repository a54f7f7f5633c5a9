"""notification preferences: channels chosen per kind instead of one channel for all

Revision ID: 0029
Revises: 0023
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0027'
branch_labels = None
depends_on = None

# The kinds as they were when the single choice was replaced (a migration does not import the
# app: the list must not change under it).
KINDS = ("plan.assigned", "completion.issued", "completion.revoked", "pledge.returned",
         "pledge.acknowledged", "pledge.assessed", "pledge.can_file", "reminder", "digest")


def upgrade():
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels', sa.JSON(), nullable=True))
    # Keep what people chose: "e-mail" meant e-mail for every kind, "on this site" none.
    table = sa.table('notification_preferences', sa.column('user_id', sa.Integer()),
                     sa.column('channel', sa.String()), sa.column('channels', sa.JSON()))
    connection = op.get_bind()
    for by_email in (True, False):
        choice = {kind: {"email": by_email} for kind in KINDS}
        connection.execute(table.update().where(
            (table.c.channel == 'email') if by_email else (table.c.channel != 'email'))
            .values(channels=choice))
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.alter_column('channels', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('channel')


def downgrade():
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=False,
                                      server_default='in_app'))
    table = sa.table('notification_preferences', sa.column('user_id', sa.Integer()),
                     sa.column('channel', sa.String()), sa.column('channels', sa.JSON()))
    connection = op.get_bind()
    for user_id, channels in connection.execute(sa.select(table.c.user_id, table.c.channels)):
        if any((choice or {}).get("email") for choice in (channels or {}).values()):
            connection.execute(table.update().where(table.c.user_id == user_id)
                               .values(channel='email'))
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('channels')
