"""Versioned list store: datasets, list versions, list entities.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("dataset", sa.String(100), nullable=False, index=True),
        sa.Column("format", sa.String(50), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published", sa.Date()),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("schemata", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.UniqueConstraint("dataset", "sha256", name="uq_version_content"),
    )
    op.create_table(
        "datasets",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("active_version_id", sa.String(140), sa.ForeignKey("list_versions.id", name="fk_active_version")),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "list_entities",
        sa.Column("version_id", sa.String(140), sa.ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entity_id", sa.String(200), primary_key=True),
        sa.Column("schema", sa.String(40), nullable=False),
        sa.Column("target", sa.Boolean(), nullable=False),
        sa.Column("source_id", sa.String(200)),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_list_entities_entity", "list_entities", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_list_entities_entity", "list_entities")
    op.drop_table("list_entities")
    op.drop_table("datasets")
    op.drop_table("list_versions")
