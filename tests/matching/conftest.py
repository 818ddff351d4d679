"""A screener over the real bundled lists, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from chokepoint.lists.loader import load_bundled
from chokepoint.lists.store import ListStore
from chokepoint.matching.engine import load_screener
from chokepoint.matching.records import PartyQuery
from chokepoint.matching.screener import Screener
from chokepoint.settings import Settings


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("bundled-home"))


@pytest.fixture(scope="session")
def bundled_store(bundled_settings) -> ListStore:
    store = ListStore.open(bundled_settings)
    reports = load_bundled(store)
    assert all(r.ok for r in reports), [r.error for r in reports if not r.ok]
    return store


@pytest.fixture(scope="session")
def screener(bundled_store, bundled_settings) -> Screener:
    return load_screener(bundled_store, bundled_settings)


@pytest.fixture(scope="session")
def screen(screener):
    def run(name: str, schema: str = "LegalEntity", **kw):
        query = PartyQuery.build(name, schema, kw.pop("country", None), kw.pop("birth_date", None),
                                 kw.pop("identifier", None), kw.pop("address", None))
        return screener.match(query, **kw)

    return run


def top(matches):
    return matches[0] if matches else None


@pytest.fixture(scope="session")
def repo() -> Path:
    return Path(__file__).resolve().parents[2]
