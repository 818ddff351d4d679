"""Screening helpers over the real bundled lists (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from chokepoint.matching.records import PartyQuery


@pytest.fixture(scope="session")
def screen(screener):
    def run(name: str, schema: str = "LegalEntity", **kw):
        query = PartyQuery.build(name, schema, kw.pop("country", None), kw.pop("birth_date", None),
                                 kw.pop("identifier", None), kw.pop("address", None))
        return screener.match(query, **kw)

    return run
