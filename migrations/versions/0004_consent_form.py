"""consent form

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:32:28.466980
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_enc', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('form_filename', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('form_mime', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('form_mime')
        batch_op.drop_column('form_filename')
        batch_op.drop_column('form_enc')
