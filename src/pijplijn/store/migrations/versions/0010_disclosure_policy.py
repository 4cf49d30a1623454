"""dataset: its disclosure policy (open or protected)

Revision ID: 0009_disclosure
Revises: 0009_totals
Create Date: 2026-12-03 12:50:00

``open``: the publisher released the data at this granularity (DUO and CBS open data, the seed
documents), shown as published. ``protected``: partner registrations, custom extracts and
uploads marked so; the threshold rule with secondary suppression applies (docs/disclosure.md).
Datasets loaded before this migration came from open sources or the seed: they become open.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_disclosure"
down_revision = "0009_totals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset") as batch:
        batch.add_column(
            sa.Column("disclosure", sa.String(length=16), nullable=False, server_default="open")
        )


def downgrade() -> None:
    with op.batch_alter_table("dataset") as batch:
        batch.drop_column("disclosure")
