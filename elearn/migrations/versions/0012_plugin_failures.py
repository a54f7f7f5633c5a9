"""plugin failures

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plugin_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plugin', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plugin_failures'))
    )
    with op.batch_alter_table('plugin_failures', schema=None) as batch_op:
        batch_op.create_index('ix_plugin_failures_plugin_id', ['plugin', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('plugin_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_plugin_failures_plugin_id')
    op.drop_table('plugin_failures')
