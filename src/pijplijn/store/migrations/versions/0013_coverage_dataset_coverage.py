"""dataset: what it covers (regions, stages, periods) and how it places units in a region

Revision ID: 0009_coverage
Revises: 0009_layouts
Create Date: 2026-12-03 12:45:00

``coverage`` is JSON text (``pijplijn/coverage.py: Coverage.to_json``); NULL for a dataset
loaded before this revision: the cube then counts it as complete, as before, until
``pijplijn init`` re-declares the pack's seed datasets and a re-import the others.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_coverage"
down_revision = "0009_layouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset") as batch:
        batch.add_column(sa.Column("coverage", sa.Text(), nullable=True))
        batch.add_column(sa.Column("region_basis", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset") as batch:
        batch.drop_column("region_basis")
        batch.drop_column("coverage")
