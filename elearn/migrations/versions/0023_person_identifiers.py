"""person identifiers: party card number and citizen ID

Revision ID: 0023
Revises: 0013
Create Date: 2026-12-04 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_person_identifiers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_identifiers')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_person_identifiers_kind')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_person_identifiers_user_id'))
    )


def downgrade():
    op.drop_table('person_identifiers')
