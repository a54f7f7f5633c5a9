"""evidence integrity (signed revocations, revoked flag, audit MACs) and accommodations

Existing revocations and audit entries keep an empty signature / MAC: they are legacy until
`flask elearn audit seal` signs them once with the keys (which the database never holds).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accommodations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=100), nullable=False),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_accommodations_granted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_accommodations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accommodations')),
    sa.UniqueConstraint('user_id', 'course_slug', name=op.f('uq_accommodations_user_id'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), server_default='', nullable=False))

    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('revocations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.String(length=64), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('revocations', schema=None) as batch_op:
        batch_op.drop_column('signature')

    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.drop_column('revoked')

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('mac')

    op.drop_table('accommodations')
