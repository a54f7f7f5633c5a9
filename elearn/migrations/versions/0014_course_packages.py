"""course packages: uploaded courses and the registry revision

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 12:40:00

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=50), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('data_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('activated_by', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['activated_by'], ['users.id'], name=op.f('fk_course_packages_activated_by_users')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_course_packages_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_packages')),
    sa.UniqueConstraint('uploaded_by', 'data_sha256', name=op.f('uq_course_packages_uploaded_by')),
    )
    with op.batch_alter_table('course_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_packages_slug'), ['slug'], unique=False)
    revision_table = op.create_table('course_registry_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_registry_revision'))
    )
    # The one row every worker reads; reloads and activations raise it.
    op.bulk_insert(revision_table, [{'id': 1, 'revision': 0,
                                     'changed_at': datetime(2026, 12, 4)}])


def downgrade():
    op.drop_table('course_registry_revision')
    with op.batch_alter_table('course_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_packages_slug'))
    op.drop_table('course_packages')
