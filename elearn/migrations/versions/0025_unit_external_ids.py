"""units: external id (API v1 sync) and active flag

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-04 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_units_external_id'), ['external_id'])


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_units_external_id'), type_='unique')
        batch_op.drop_column('active')
        batch_op.drop_column('external_id')
