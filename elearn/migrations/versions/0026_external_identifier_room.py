"""person identifiers: room for single sign-on subjects (issuer and subject, up to 512 chars)

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    # An OpenID Connect subject may be 255 characters, and it is stored with its issuer.
    with op.batch_alter_table('person_identifiers') as batch_op:
        batch_op.alter_column('value', existing_type=sa.String(length=32),
                              type_=sa.String(length=512), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('person_identifiers') as batch_op:
        batch_op.alter_column('value', existing_type=sa.String(length=512),
                              type_=sa.String(length=32), existing_nullable=False)
