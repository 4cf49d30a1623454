"""observation: the origin of a transition (origin_stage, origin_sector)

Revision ID: 0009_layouts
Revises: 0009_harden
Create Date: 2026-12-03 13:00:00

A ``transitions`` observation counts students who moved from one stage into another (DUO's
instromende mbo-studenten by VOOROPLEIDING VO). Its destination is the observation's own
stage, level, pathway and sector; its origin needs two columns of its own.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_layouts"
down_revision = "0009_harden"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.add_column(sa.Column("origin_stage", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("origin_sector", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.drop_column("origin_sector")
        batch.drop_column("origin_stage")
