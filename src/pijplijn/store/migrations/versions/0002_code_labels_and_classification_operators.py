"""code labels and classification operators

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:07:56.961317
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
    with op.batch_alter_table("classification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title", sa.String(length=200), nullable=False, server_default="")
        )

    with op.batch_alter_table("classification_rule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("operator", sa.String(length=16), nullable=False, server_default="equals")
        )


def downgrade() -> None:
    with op.batch_alter_table("classification_rule", schema=None) as batch_op:
        batch_op.drop_column("operator")

    with op.batch_alter_table("classification", schema=None) as batch_op:
        batch_op.drop_column("title")

    op.drop_table("code_label")
