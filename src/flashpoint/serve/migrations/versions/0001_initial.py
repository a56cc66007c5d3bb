"""The first schema: scenarios, runs, comparisons and jobs.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _job_columns() -> list[sa.Column]:
    """Columns that every queued thing has: its state, its timings and its error."""
    return [
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("started", sa.DateTime, nullable=True),
        sa.Column("finished", sa.DateTime, nullable=True),
    ]


def _request_columns() -> list[sa.Column]:
    """Columns that fix a result's numbers, shared by runs and comparisons."""
    return [
        sa.Column("scenario_id", sa.String(80), nullable=False, index=True),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("scenario_toml", sa.Text, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False, index=True),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("seconds", sa.Float, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, index=True),
        sa.Column("builtin", sa.Boolean, nullable=False),
        sa.Column("parent", sa.String(80), nullable=True),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        *_request_columns(),
        sa.Column("interventions", sa.JSON, nullable=False),
        sa.Column("trajectories", sa.Boolean, nullable=False),
        sa.Column("summary", sa.JSON, nullable=True),
        sa.Column("details", sa.JSON, nullable=True),
        *_job_columns(),
    )
    op.create_table(
        "comparisons",
        sa.Column("id", sa.String(32), primary_key=True),
        *_request_columns(),
        sa.Column("with", sa.JSON, nullable=False),
        sa.Column("against", sa.JSON, nullable=False),
        sa.Column("document", sa.JSON, nullable=True),
        *_job_columns(),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(32), nullable=False, index=True),
        *_job_columns(),
    )


def downgrade() -> None:
    for table in ("jobs", "comparisons", "runs", "scenarios"):
        op.drop_table(table)
