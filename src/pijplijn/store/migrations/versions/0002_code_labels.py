"""code labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:05:32.951443
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_label",
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("scheme", "code"),
    )


def downgrade() -> None:
    op.drop_table("code_label")
