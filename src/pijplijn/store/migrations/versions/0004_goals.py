"""goals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goal",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=64), nullable=True),
        sa.Column("baseline_period", sa.String(length=16), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_source", sa.Text(), nullable=True),
        sa.Column("target_rule", sa.String(length=16), nullable=False),
        sa.Column("target_change", sa.Float(), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_provisional", sa.Boolean(), nullable=False),
        sa.Column("target_source", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("trend_method", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "goal_partner",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("goal_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("institution", sa.String(length=8), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("goal_id", "name", name="uq_goal_partner_name"),
    )
    op.create_index("ix_goal_partner_goal_id", "goal_partner", ["goal_id"])
    op.create_table(
        "goal_measurement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("goal_id", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("goal_id", "period", name="uq_goal_measurement_period"),
    )
    op.create_index("ix_goal_measurement_goal_id", "goal_measurement", ["goal_id"])


def downgrade() -> None:
    op.drop_index("ix_goal_measurement_goal_id", table_name="goal_measurement")
    op.drop_table("goal_measurement")
    op.drop_index("ix_goal_partner_goal_id", table_name="goal_partner")
    op.drop_table("goal_partner")
    op.drop_table("goal")
