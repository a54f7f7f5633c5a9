"""unit counters for the national dashboards

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_counters',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=100), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_counters_unit_id_units'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'year', 'course_slug', 'audience', 'metric',
                            name=op.f('pk_unit_counters'))
    )
    op.create_index('ix_unit_counters_year_course_unit', 'unit_counters',
                    ['year', 'course_slug', 'unit_id'], unique=False)
    # Existing installations: the counters are filled by `flask elearn counters rebuild`
    # (docs/deploy.md); a migration does not load the course registry the rules need.


def downgrade():
    op.drop_index('ix_unit_counters_year_course_unit', table_name='unit_counters')
    op.drop_table('unit_counters')
