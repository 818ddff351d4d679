"""The versioned store on real OFAC SDN vintages, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chokepoint.lists.loader import load_path
from chokepoint.lists.parsers import parse_source
from chokepoint.lists.store import ListStore, StoreError


@pytest.fixture(scope="module")
def sdn_results(request):
    """Parsed 2021, 2023 and 2024 SDN vintages (parsed once per module)."""
    from tests.conftest import LISTS

    if not LISTS.is_dir():
        pytest.skip("shared data not available")
    return {
        year: parse_source(LISTS / f"ofac_sdn_{year}", "us_ofac_sdn")
        for year in (2021, 2023, 2024)
    }


def test_versions_diff_and_noop(settings, sdn_results):
    store = ListStore.open(settings)
    first = store.load(sdn_results[2021], source="sdn 2021")
    assert first.created and first.activated
    second = store.load(sdn_results[2023], source="sdn 2023")
    third = store.load(sdn_results[2024], source="sdn 2024")
    assert third.activated
    # loading identical files again changes nothing
    again = store.load(sdn_results[2024], source="sdn 2024 again")
    assert not again.created and again.version.id == third.version.id
    assert len(store.versions("us_ofac_sdn")) == 3
    active = store.active_versions()
    assert [v.id for v in active] == [third.version.id]
    assert active[0].target_count == 14965

    # 2021 → 2023: the Qods Aviation individuals designated in between are added
    diff = store.diff("us_ofac_sdn", first.version.id, second.version.id)
    added = {c.entity_id for c in diff.added}
    assert "us-ofac-sdn-40416" in added  # DAMAVANDIAN, Ghassem
    assert len(diff.added) > 2000
    # default: the two newest versions (by load order, none has a date)
    default = store.diff("us_ofac_sdn")
    assert default.to_version.id == third.version.id
    assert default.from_version.id == second.version.id
    changed = {c.entity_id: c for c in default.changed}
    assert changed, "2023 → 2024 must change some entries"
    some = next(iter(changed.values()))
    assert some.changes and all("added" in v and "removed" in v for v in some.changes.values())
    # older versions stay readable
    old = store.get_entity("us-ofac-sdn-306", first.version.id)
    assert old is not None and "BANCO NACIONAL DE CUBA" in old.get("name")


def test_diff_errors(settings, sdn_results):
    store = ListStore.open(settings)
    with pytest.raises(StoreError):
        store.diff("us_ofac_sdn")
    store.load(sdn_results[2024], source="x")
    with pytest.raises(StoreError, match="only one version"):
        store.diff("us_ofac_sdn")


def test_corrupt_file_leaves_active_version(settings, tmp_path: Path, lists_dir: Path):
    store = ListStore.open(settings)
    good = load_path(store, lists_dir / "ofac_sdn_2021", "us_ofac_sdn")
    assert good.ok
    broken = tmp_path / "sdn_broken"
    broken.mkdir()
    data = (lists_dir / "ofac_sdn_2024" / "sdn.csv").read_bytes()
    (broken / "sdn.csv").write_bytes(data[: len(data) // 2] + b'\r\n99999999,"UNTERMINATED')
    report = load_path(store, broken, "us_ofac_sdn")
    assert not report.ok
    assert "sdn.csv" in report.error and "line" in report.error
    active = store.active_versions()
    assert [v.id for v in active] == [good.outcome.version.id]
    assert len(store.versions()) == 1


def test_wrong_list_type_is_refused(settings, lists_dir: Path):
    store = ListStore.open(settings)
    report = load_path(store, lists_dir / "un" / "consolidated.xml", "us_ofac_sdn")
    assert not report.ok
    assert "un_xml" in report.error and "us_ofac_sdn" in report.error
    assert store.versions() == []


def test_older_publication_is_not_activated(settings, lists_dir: Path, tmp_path: Path):
    store = ListStore.open(settings)
    new = load_path(store, lists_dir / "un" / "consolidated.xml")
    assert new.ok and new.outcome.activated
    text = (lists_dir / "un" / "consolidated.xml").read_text("utf-8")
    older = tmp_path / "un_old.xml"
    older.write_text(text.replace('dateGenerated="2026-02-27', 'dateGenerated="2025-01-01', 1), "utf-8")
    report = load_path(store, older)
    assert report.ok and report.outcome.created and not report.outcome.activated
    assert "older" in report.outcome.note
    assert store.active_versions()[0].id == new.outcome.version.id
    store.activate(report.outcome.version.id)
    assert store.active_versions()[0].id == report.outcome.version.id
