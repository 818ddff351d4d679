"""Monitoring: list sources, the party base, monitor cursors and runs,
and the alerts' reason, party and note.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_sources",
        sa.Column("dataset", sa.String(100), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(500)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("succeeded_at", sa.DateTime(timezone=True)),
        sa.Column("failed_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text()),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("party_key", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_screened_at", sa.DateTime(timezone=True)),
        sa.Column("last_result", sa.JSON()),
    )
    op.create_index("ix_parties_seq", "parties", ["seq"])
    op.create_table(
        "party_name_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("party_id", sa.String(200), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_party_name_keys_party", "party_name_keys", ["party_id"])
    op.create_table(
        "monitor_cursors",
        sa.Column("dataset", sa.String(100), primary_key=True),
        sa.Column("version_id", sa.String(140), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "monitor_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(100), nullable=False, index=True),
        sa.Column("from_version", sa.String(140), nullable=False),
        sa.Column("to_version", sa.String(140), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("parties_checked", sa.Integer(), nullable=False),
        sa.Column("new_alerts", sa.Integer(), nullable=False),
        sa.Column("closed_alerts", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("reason", sa.String(40)))
        batch.add_column(sa.Column("party_id", sa.String(200)))
        batch.add_column(sa.Column("note", sa.String(500)))
    op.create_index("ix_alerts_party_id", "alerts", ["party_id"])
    op.create_index("ix_alerts_entity", "alerts", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_entity", "alerts")
    op.drop_index("ix_alerts_party_id", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("note")
        batch.drop_column("party_id")
        batch.drop_column("reason")
    op.drop_table("monitor_runs")
    op.drop_table("monitor_cursors")
    op.drop_index("ix_party_name_keys_party", "party_name_keys")
    op.drop_table("party_name_keys")
    op.drop_index("ix_parties_seq", "parties")
    op.drop_table("parties")
    op.drop_table("list_sources")
