"""observation without a per-row foreign key to dataset

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:35:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# 0001 created the constraint unnamed: PostgreSQL named it itself; on SQLite, batch mode
# reflects it under this naming convention so that it can be dropped by name.
_CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_SQLITE_NAME = "fk_observation_dataset_id_dataset"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("observation_dataset_id_fkey", "observation", type_="foreignkey")
        return
    with op.batch_alter_table("observation", naming_convention=_CONVENTION) as batch_op:
        batch_op.drop_constraint(_SQLITE_NAME, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("observation") as batch_op:
        batch_op.create_foreign_key(
            "observation_dataset_id_fkey", "dataset", ["dataset_id"], ["id"], ondelete="CASCADE"
        )
