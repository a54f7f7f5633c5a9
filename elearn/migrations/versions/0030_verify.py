"""cache revisions: a stamp the public verification cache checks in its one query

Revision ID: 0030_verify
Revises: 0025
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_verify'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cache_revisions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_revisions')),
    )


def downgrade():
    op.drop_table('cache_revisions')
