"""observation.paired: a published total stored beside its gender parts

Revision ID: 0009_totals
Revises: 0008
Create Date: 2026-12-03 12:50:00

A source's published total (DUO's TOTAAL) is an observation with gender NULL beside the
``man``/``vrouw`` parts of the same cell. ``paired`` is true on both sides of such a pair, so
the cube uses the total for a sum without a gender breakdown and the parts for one by gender,
never both. Rows loaded before this migration are marked here; new loads are marked by
``store/load.py``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_totals"
down_revision = "0008"
branch_labels = None
depends_on = None

_IDENTITY = (
    "dataset_id",
    "measure",
    "period",
    "period_unit",
    "unit",
    "region_code",
    "region_basis",
    "institution",
    "stage",
    "level",
    "pathway",
    "programme_code",
    "programme_name",
    "sector",
    "subsector",
    "opleidingsdomein",
    "subject",
    "source_ref",
    "note",
)
"""Every column of a cell except gender, value, flag and active (see store/load.py)."""


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.add_column(
            sa.Column("paired", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    same = " IS NOT DISTINCT FROM " if op.get_bind().dialect.name == "postgresql" else " IS "
    matching = " AND ".join(f"other.{c}{same}observation.{c}" for c in _IDENTITY)
    # A constant statement (no user input): the column names are the fixed tuple above.
    op.execute(
        "UPDATE observation SET paired = true WHERE EXISTS ("  # noqa: S608
        "SELECT 1 FROM observation AS other WHERE other.id <> observation.id "
        "AND (other.gender IS NULL) <> (observation.gender IS NULL) "
        f"AND {matching})"
    )


def downgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.drop_column("paired")
