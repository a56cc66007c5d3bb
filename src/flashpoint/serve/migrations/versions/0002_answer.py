"""A run's answer, stored as soon as it is ready (before the parts that follow it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("answer", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "answer")
