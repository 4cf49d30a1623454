"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 18:55:23.827679
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version", name="uq_classification_version"),
    )
    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=True),
        sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loader", sa.String(length=100), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("periods", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", "loader", name="uq_dataset_sha256_loader"),
    )
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_source_key"), ["source_key"], unique=False)

    op.create_table(
        "region",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "classification_rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("classification_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("match", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["classification_id"], ["classification.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("classification_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classification_rule_classification_id"),
            ["classification_id"],
            unique=False,
        )

    op.create_table(
        "institution",
        sa.Column("brin", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.Column("gemeente_code", sa.String(length=32), nullable=True),
        sa.Column("region_basis", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["gemeente_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("brin"),
    )
    op.create_table(
        "observation",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("period_unit", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=True),
        sa.Column("region_basis", sa.String(length=32), nullable=True),
        sa.Column("institution", sa.String(length=8), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("pathway", sa.String(length=16), nullable=True),
        sa.Column("programme_code", sa.String(length=32), nullable=True),
        sa.Column("programme_name", sa.Text(), nullable=True),
        sa.Column("sector", sa.Text(), nullable=True),
        sa.Column("subsector", sa.Text(), nullable=True),
        sa.Column("opleidingsdomein", sa.Text(), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index("ix_observation_dataset", ["dataset_id"], unique=False)
        batch_op.create_index("ix_observation_measure_period", ["measure", "period"], unique=False)

    op.create_table(
        "region_member",
        sa.Column("set_code", sa.String(length=32), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_code"],
            ["region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["set_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("set_code", "member_code"),
    )


def downgrade() -> None:
    op.drop_table("region_member")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_measure_period")
        batch_op.drop_index("ix_observation_dataset")

    op.drop_table("observation")
    op.drop_table("institution")
    with op.batch_alter_table("classification_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classification_rule_classification_id"))

    op.drop_table("classification_rule")
    op.drop_table("region")
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_source_key"))

    op.drop_table("dataset")
    op.drop_table("classification")
