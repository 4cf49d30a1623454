"""goals as versioned records: origin, version, archive; partners from the register

Revision ID: 0010_goals
Revises: 0009_coverage
Create Date: 2026-12-07 23:00:00

The goals the programme office sets itself (issue 18) are records like the register's: a
``version`` for optimistic locking, ``archived_at`` instead of deletion, ``updated_at`` so a
change of partners alone raises the version; ``milestones`` holds the dated intermediate
targets (JSON, ``[{"by": "2028-12-31", "value": 7200}]``). ``origin`` tells the content
pack's goals (the read-only history, ``pack``) from the office's (``office``). A partner of
an office goal names an organisation of the register (``goal_partner.organisation_id``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_goals"
down_revision = "0009_coverage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("goal") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="pack")
        )
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("milestones", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("goal_partner") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_goal_partner_organisation", "organisation", ["organisation_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("goal_partner") as batch:
        batch.drop_constraint("fk_goal_partner_organisation", type_="foreignkey")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("goal") as batch:
        batch.drop_column("milestones")
        batch.drop_column("updated_at")
        batch.drop_column("archived_at")
        batch.drop_column("version")
        batch.drop_column("origin")
