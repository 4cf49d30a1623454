"""scenario: the organisation that owns a scenario's name; data_state: a register version

Revision ID: 0009_harden
Revises: 0009_disclosure
Create Date: 2026-12-03 13:40:00

A scenario's name belongs to the organisation of whoever saved its first version: only that
organisation's editors (or a beheerder) add versions, so nobody can put a version of their
own on top of another partner's scenario. NULL: saved from the CLI or by a beheerder
without an organisation (then only a beheerder adds versions from the web).

``data_state.register_version`` is raised by writes to the partner register only, and
``version`` by every other write: an edit in the register then empties only the cached
results that read the register, not the DUO/CBS figures.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_harden"
down_revision = "0009_disclosure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scenario", sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.add_column(
        "data_state",
        sa.Column(
            "register_version",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            server_default="0",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("data_state") as batch:
        batch.drop_column("register_version")
    with op.batch_alter_table("scenario") as batch:
        batch.drop_column("organisation_id")
