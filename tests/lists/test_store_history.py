"""Entity history and links in the store: first seen / last change carried
across versions, references between entities, and stores from before
these columns upgraded without losing anything."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from chokepoint.lists.store import ListStore
from tests.lists.test_store import sdn_results  # noqa: F401  (module fixture)


def test_first_seen_and_last_change_follow_the_versions(settings, sdn_results):  # noqa: F811
    store = ListStore.open(settings)
    v2021 = store.load(sdn_results[2021], source="sdn 2021").version
    v2023 = store.load(sdn_results[2023], source="sdn 2023").version
    diff = store.diff("us_ofac_sdn", v2021.id, v2023.id)
    added = diff.added[0].entity_id
    changed = diff.changed[0].entity_id
    unchanged_ids = set(store._hashes(v2021.id)) - {c.entity_id for c in diff.changed} - {
        c.entity_id for c in diff.removed}
    unchanged = sorted(unchanged_ids)[0]

    old = store.stored_entities([unchanged, changed], v2021.id)
    new = store.stored_entities([unchanged, changed, added], v2023.id)
    # unchanged: both dates carried from 2021
    assert new[unchanged].first_seen == old[unchanged].first_seen
    assert new[unchanged].last_change == old[unchanged].last_change
    # changed: first seen in 2021, changed at the 2023 version
    assert new[changed].first_seen == old[changed].first_seen
    assert new[changed].last_change > old[changed].last_change
    # added: new in 2023
    assert new[added].first_seen == new[added].last_change > old[unchanged].first_seen


def test_links_point_back_to_the_listed_entity(settings, sdn_results):  # noqa: F811
    store = ListStore.open(settings)
    version = store.load(sdn_results[2024], source="sdn 2024").version
    linked = store.referencing("us-ofac-sdn-16418", version.id)
    props = {prop for prop, _ in linked}
    assert "entity" in props  # its Sanction
    schemata = {holder.data["schema"] for _, holder in linked}
    assert "Sanction" in schemata


def test_migration_backfills_a_store_from_before_the_service(tmp_path, sdn_results):  # noqa: F811
    """A store created at revision 0001 (no history columns, no links)
    keeps every version and entity through the upgrade, and gains both."""
    from alembic import command
    from alembic.config import Config

    from chokepoint.db import MIGRATIONS, make_engine, migrate
    from chokepoint.settings import Settings

    settings = Settings(home=tmp_path / "old")
    engine = make_engine(settings)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    # rows as version 0001 of chokepoint wrote them
    result = sdn_results[2021]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO list_versions (id, dataset, format, sha256, published, loaded_at, entity_count, "
            "target_count, schemata, files, warnings, source) VALUES ('v1', 'us_ofac_sdn', 'ofac_csv', 'x', NULL, "
            "'2021-06-01 00:00:00', 2, 1, '{}', '{}', '{}', 'old')"))
        conn.execute(sa.text("INSERT INTO datasets (name, active_version_id) VALUES ('us_ofac_sdn', 'v1')"))
        import orjson

        target = next(e for e in result.entities if e.id == "us-ofac-sdn-16418")
        sanction = next(e for e in result.entities if e.schema.name == "Sanction"
                        and "us-ofac-sdn-16418" in e.get("entity"))
        for entity, is_target in ((target, True), (sanction, False)):
            conn.execute(sa.text(
                "INSERT INTO list_entities (version_id, entity_id, schema, target, source_id, caption, "
                "content_hash, data) VALUES ('v1', :id, :schema, :target, NULL, :caption, 'h', :data)"),
                {"id": entity.id, "schema": entity.schema.name, "target": is_target, "caption": entity.caption,
                 "data": orjson.dumps(entity.to_dict()).decode()})
    migrate(engine)
    store = ListStore(engine)
    assert [v.id for v in store.versions()] == ["v1"]
    stored = store.stored_entity("us-ofac-sdn-16418", "v1")
    assert stored is not None and stored.first_seen is not None and stored.first_seen.year == 2021
    assert [(prop, h.id) for prop, h in store.referencing("us-ofac-sdn-16418", "v1")] == [("entity", sanction.id)]
    assert store.get_entity("us-ofac-sdn-16418", "v1").caption == target.caption
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"api_keys", "audit_log", "list_entity_refs"} <= tables
