"""Service: API keys, the audit log; entity history and links in the list store.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import orjson
import sqlalchemy as sa
from alembic import op
from followthemoney import model, registry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_entities") as batch:
        batch.add_column(sa.Column("first_seen", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_change", sa.DateTime(timezone=True)))
    op.create_table(
        "list_entity_refs",
        sa.Column("version_id", sa.String(140), sa.ForeignKey("list_versions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("entity_id", sa.String(200), primary_key=True),
        sa.Column("prop", sa.String(60), primary_key=True),
        sa.Column("ref_id", sa.String(200), primary_key=True),
    )
    op.create_index("ix_list_entity_refs_ref", "list_entity_refs", ["version_id", "ref_id"])
    _backfill()
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("call_id", sa.String(40), nullable=False, unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_id", sa.String(40)),
        sa.Column("client", sa.String(64)),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("algorithm", sa.String(60)),
        sa.Column("algorithm_version", sa.String(20)),
        sa.Column("list_versions", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_kind", "audit_log", ["kind"])


def _backfill() -> None:
    """Stores loaded before this revision: every entity dates from its
    version, and links are read once from the stored JSON."""
    bind = op.get_bind()
    versions = bind.execute(sa.text("SELECT id, published, loaded_at FROM list_versions")).all()
    for vid, published, loaded_at in versions:
        dated = f"{published} 00:00:00" if published else loaded_at
        bind.execute(sa.text("UPDATE list_entities SET first_seen = :d, last_change = :d WHERE version_id = :v"),
                     {"d": dated, "v": vid})
        rows = bind.execute(sa.text("SELECT entity_id, schema, data FROM list_entities WHERE version_id = :v"),
                            {"v": vid})
        refs = []
        for entity_id, schema_name, data in rows:
            schema = model.get(schema_name)
            if schema is None:
                continue
            props = orjson.loads(data).get("properties", {}) if isinstance(data, (str, bytes)) else data.get(
                "properties", {})
            for name, values in props.items():
                prop = schema.get(name)
                if prop is None or prop.type != registry.entity:
                    continue
                for ref in set(values):
                    refs.append({"version_id": vid, "entity_id": entity_id, "prop": name, "ref_id": ref})
        if refs:
            bind.execute(sa.text("INSERT INTO list_entity_refs (version_id, entity_id, prop, ref_id) "
                                 "VALUES (:version_id, :entity_id, :prop, :ref_id)"), refs)


def downgrade() -> None:
    op.drop_index("ix_audit_log_kind", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("api_keys")
    op.drop_index("ix_list_entity_refs_ref", "list_entity_refs")
    op.drop_table("list_entity_refs")
    with op.batch_alter_table("list_entities") as batch:
        batch.drop_column("last_change")
        batch.drop_column("first_seen")
