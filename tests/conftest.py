"""Shared test fixtures: where the real data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
LISTS = SHARED_DATA / "lists"


@pytest.fixture(scope="session")
def lists_dir() -> Path:
    if not LISTS.is_dir():
        pytest.skip("../shared/data/lists is not beside the repository")
    return LISTS


PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_available() -> bool:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    """Settings for a fresh, empty database: a SQLite file, or a private
    schema on the local PostgreSQL server."""
    from chokepoint.settings import Settings

    if request.param == "sqlite":
        yield Settings(home=tmp_path / "home")
        return
    if not _pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import uuid

    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    yield Settings(home=tmp_path / "home", database_url=url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory):
    """A data folder with every bundled list loaded (once per test process)."""
    from chokepoint.lists.loader import load_bundled
    from chokepoint.lists.store import ListStore
    from chokepoint.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("bundled-home"))
    reports = load_bundled(ListStore.open(settings))
    assert all(r.ok for r in reports), [r.error for r in reports if not r.ok]
    return settings


@pytest.fixture(scope="session")
def bundled_store(bundled_settings):
    from chokepoint.lists.store import ListStore

    return ListStore.open(bundled_settings)


@pytest.fixture(scope="session")
def screener(bundled_store, bundled_settings):
    from chokepoint.matching.engine import load_screener

    return load_screener(bundled_store, bundled_settings)
