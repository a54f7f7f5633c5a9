"""signing key ids: completions, revocations and audit entries name the key that signed them

Existing rows were signed with the one key there was; it is `k1` in the keyring (see
elearn/keyring.py), so the server default backfills them.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-04 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('completions', 'revocations', 'audit_entries')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('key_id', sa.String(length=16), server_default='k1',
                                          nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('key_id')
