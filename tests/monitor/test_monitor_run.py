"""Monitoring end to end on the real OFAC SDN versions 2021 → 2023 → 2024:
a party base holding names that are listed only in a later version gets
exactly those alerts from `chokepoint monitor run`, without any manual
re-screen; delisted entities close their open alerts; removing a party
removes its data but not the audit record."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.lists.store import ListStore
from chokepoint.settings import Settings

runner = CliRunner()
SCHEMA = {"Person": "Person", "Organization": "Organization", "Company": "Company"}


def run(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)


def _pick(changes, n: int) -> list:
    """``n`` entities spread over a diff's list, persons and organisations
    with a name of at least two words (deterministic: sorted by id)."""
    usable = [c for c in sorted(changes, key=lambda c: c.entity_id)
              if c.schema in SCHEMA and len(c.caption.split()) >= 2]
    step = max(1, len(usable) // n)
    return usable[::step][:n]


@pytest.fixture(scope="module")
def world(tmp_path_factory, lists_dir):
    home = tmp_path_factory.mktemp("monitor")
    store = ListStore.open(Settings(home=home))
    versions = {}
    for year in ("2021", "2023", "2024"):
        args = ["--json"] if year == "2021" else ["--no-activate", "--json"]
        result = run(home, "lists", "load", str(lists_dir / f"ofac_sdn_{year}"), *args)
        assert result.exit_code == 0, result.output
        versions[year] = store.get_version(json.loads(result.stdout)[0]["version"]["id"])
    v21, v23, v24 = versions["2021"], versions["2023"], versions["2024"]
    d23 = store.diff("us_ofac_sdn", v21.id, v23.id)
    d24 = store.diff("us_ofac_sdn", v23.id, v24.id)
    in_2021 = {c.entity_id for c in d23.removed} | set(store._hashes(v21.id))
    new23 = [c for c in _pick(d23.added, 8) if c.entity_id not in in_2021]
    later = {c.entity_id for c in d23.added}
    new24 = [c for c in _pick(d24.added, 8) if c.entity_id not in later | in_2021]
    delisted = _pick(d23.removed, 2)
    assert len(new23) >= 6 and len(new24) >= 6 and len(delisted) == 2
    rows = [{"id": f"n23-{i}", "name": c.caption, "schema": SCHEMA[c.schema]} for i, c in enumerate(new23)]
    rows += [{"id": f"n24-{i}", "name": c.caption, "schema": SCHEMA[c.schema]} for i, c in enumerate(new24)]
    rows += [{"id": f"gone-{i}", "name": c.caption, "schema": SCHEMA[c.schema]} for i, c in enumerate(delisted)]
    rows += [{"id": "clean-1", "name": "Harbourside Stationery Supplies Ltd", "schema": "Company"},
             {"id": "clean-2", "name": "Margit Oberholzer", "schema": "Person"}]
    party_file = home / "parties.csv"
    with party_file.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "name", "schema"])
        writer.writeheader()
        writer.writerows(rows)
    return {"home": home, "store": store, "v21": v21, "v23": v23, "v24": v24, "new23": new23, "new24": new24,
            "delisted": delisted, "party_file": party_file}


def test_monitor_raises_exactly_the_newly_listed_parties(world):
    home = world["home"]
    imported = run(home, "parties", "import", str(world["party_file"]), "--json")
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.stdout)
    assert summary["added"] == len(world["new23"]) + len(world["new24"]) + len(world["delisted"]) + 2
    # screened on import against 2021: only the parties listed then alert
    assert summary["open_alerts"] >= len(world["delisted"])
    listed = json.loads(run(home, "parties", "list", "--json").stdout)
    status = {p["id"]: p["last_result"]["status"] for p in listed["parties"]}
    assert all(status[f"gone-{i}"] == "alert" for i in range(len(world["delisted"])))
    assert all(status[f"n23-{i}"] == "clear" for i in range(len(world["new23"])))

    nothing = json.loads(run(home, "monitor", "run", "--json").stdout)
    assert nothing["runs"] == [] and nothing["new_alerts"] == []

    # 2021 → 2023
    assert run(home, "lists", "activate", world["v23"].id).exit_code == 0
    first = json.loads(run(home, "monitor", "run", "--json").stdout)
    (run23,) = first["runs"]
    assert (run23["from_version"], run23["to_version"]) == (world["v21"].id, world["v23"].id)
    assert run23["added"] > 1000 and run23["removed"] > 100
    assert run23["parties_checked"] < 50  # candidates only, not the whole base
    newly = {a["party_id"] for a in first["new_alerts"] if a["reason"] == "newly listed"}
    assert newly == {f"n23-{i}" for i in range(len(world["new23"]))}
    chosen = {f"n23-{i}": c.entity_id for i, c in enumerate(world["new23"])}
    for alert in first["new_alerts"]:
        assert set(alert) >= {"party_id", "entity_id", "dataset", "source_id", "score", "reason"}
        assert alert["dataset"] == "us_ofac_sdn" and alert["score"] >= 0.7 and alert["source_id"]
    hit = {(a["party_id"], a["entity_id"]) for a in first["new_alerts"]}
    assert all((pid, eid) in hit for pid, eid in chosen.items())
    closed = {a["entity_id"]: a for a in first["closed_alerts"]}
    for change in world["delisted"]:
        assert change.entity_id in closed
        assert closed[change.entity_id]["note"].startswith("delisted on ")

    again = json.loads(run(home, "monitor", "run", "--json").stdout)
    assert again["runs"] == []  # nothing changed since

    # 2023 → 2024
    assert run(home, "lists", "activate", world["v24"].id).exit_code == 0
    second = json.loads(run(home, "monitor", "run", "--json").stdout)
    newly = {a["party_id"] for a in second["new_alerts"] if a["reason"] == "newly listed"}
    assert newly == {f"n24-{i}" for i in range(len(world["new24"]))}
    assert not {a["party_id"] for a in second["new_alerts"]} & {"clean-1", "clean-2"}


def test_monitoring_alerts_equal_a_full_rescreen(world):
    """The delta re-screen finds what screening every party again would."""
    from chokepoint.matching.engine import load_screener
    from chokepoint.monitor.delta import rescreen_delta
    from chokepoint.monitor.parties import PartyBase

    from chokepoint.matching.records import PartyQuery

    store, settings = world["store"], Settings(home=world["home"])
    parties = PartyBase(store.engine)
    if parties.count() == 0:
        assert run(world["home"], "parties", "import", str(world["party_file"]), "--no-screen").exit_code == 0
    # the newly listed names misspelt (one letter changed in the longest
    # word) and, for persons, without their first given name: the reverse
    # keys must find what screening forward finds through typo neighbours
    # and partial names
    variants = []
    for i, change in enumerate(world["new23"]):
        words = change.caption.split()
        longest = max(range(len(words)), key=lambda j: len(words[j]))
        word = words[longest]
        if len(word) >= 6:
            mid = len(word) // 2
            words[longest] = word[:mid] + ("X" if word[mid].upper() != "X" else "Q") + word[mid + 1:]
            variants.append((f"typo-{i}", " ".join(words), SCHEMA[change.schema]))
        if change.schema == "Person" and len(change.caption.replace(",", " ").split()) >= 3:
            family, _, given = change.caption.partition(",")
            variants.append((f"part-{i}", f"{family}, {' '.join(given.split()[1:])}", "Person"))
    assert len(variants) >= 4
    parties.keep([(pid, PartyQuery.build(name=name, schema=schema)) for pid, name, schema in variants],
                 source="test")
    store.activate(world["v23"].id)
    screener = load_screener(store, settings)
    diff = store.diff("us_ofac_sdn", world["v21"].id, world["v23"].id)
    delta = rescreen_delta(parties, screener, store, diff)
    ids = {c.entity_id for c in diff.added} | {c.entity_id for c in diff.changed}
    full = set()
    for party in parties.iter_all():
        for m in screener.match(party.query(), limit=50):
            if m.record.entity_id in ids and m.record.dataset == "us_ofac_sdn":
                full.add((party.id, m.record.entity_id))
    assert {(h.party.id, h.match.record.entity_id) for h in delta.hits} == full
    assert full  # the sample does hold newly listed parties
    assert any(pid.startswith("typo-") for pid, _ in full)  # and misspelt ones the screener still alerts on
    parties.remove(pid for pid, _name, _schema in variants)


def test_removed_party_keeps_its_audit_record(world):
    home = world["home"]
    assert run(home, "parties", "import", str(world["party_file"]), "--no-screen").exit_code == 0
    removed = run(home, "parties", "remove", "n23-0", "no-such-party", "--json")
    assert removed.exit_code == 1  # one id was not found
    assert json.loads(removed.stdout) == {"removed": ["n23-0"], "not_found": ["no-such-party"]}
    listed = json.loads(run(home, "parties", "list", "--json", "--search", "n23-0").stdout)
    assert listed["parties"] == []
    records = json.loads(run(home, "audit", "list", "--limit", "100", "--json").stdout)
    kinds = [r["kind"] for r in records]
    assert "parties.import" in kinds and "parties.remove" in kinds and "monitor.run" in kinds
    assert run(home, "audit", "verify").exit_code == 0


def test_import_reports_bad_rows_and_keeps_the_rest(tmp_path):
    home = tmp_path / "home"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,schema\np1,Good Name Trading,Company\n,No Id Ltd,Company\np3,,Person\n"
                   "p4,Someone,Spaceship\np1,Repeated Id,Company\n", encoding="utf-8")
    result = run(home, "parties", "import", str(bad), "--no-screen", "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["added"] == 1 and out["errors"] == 4
    lines = "\n".join(out["error_lines"])
    assert "line 3: 'id' is empty" in lines and "line 4:" in lines and "line 5: unknown schema" in lines
    assert "line 6: id 'p1' repeats" in lines
    missing = run(home, "parties", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2


def test_monitor_every_updates_then_rescreens(tmp_path, lists_dir, monkeypatch):
    """One loop run of `monitor --every`: the list update comes from a
    sources file (file:// URL), is activated, and the kept party that the
    new version lists gets an alert."""
    home = tmp_path / "home"
    assert run(home, "lists", "load", str(lists_dir / "ofac_sdn_2021")).exit_code == 0
    store = ListStore.open(Settings(home=home))
    base = store.active_versions()[0]
    newer = lists_dir / "ofac_sdn_2024" / "sdn.csv"
    staged = run(home, "lists", "load", str(newer), "--dataset", "us_ofac_sdn", "--no-activate", "--json")
    target = store.get_version(json.loads(staged.stdout)[0]["version"]["id"])
    added = _pick(store.diff("us_ofac_sdn", base.id, target.id).added, 3)
    party_file = tmp_path / "p.csv"
    party_file.write_text("id,name,schema\n" + "".join(f"p{i},{c.caption.replace(',', ' ')},{SCHEMA[c.schema]}\n"
                                                       for i, c in enumerate(added)), encoding="utf-8")
    assert run(home, "parties", "import", str(party_file)).exit_code == 0
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"datasets:\n  us_ofac_sdn:\n    url: {newer.as_uri()}\n", encoding="utf-8")
    monkeypatch.setenv("CHOKEPOINT_SOURCES_FILE", str(sources))
    result = run(home, "monitor", "--every", "1h", "--runs", "1", "--dataset", "us_ofac_sdn")
    assert result.exit_code == 0, result.output
    assert store.active_versions()[0].id == target.id
    assert "new alerts" in result.output
    alerts = json.loads(run(home, "audit", "list", "--kind", "monitor.run", "--json").stdout)
    assert alerts and alerts[0]["summary"]["new_alerts"] >= len(added) - 1
    kinds = {r["kind"] for r in json.loads(run(home, "audit", "list", "--json").stdout)}
    assert "list.update" in kinds


def test_interval_parsing():
    from chokepoint.service.monitor_cli import parse_interval

    assert parse_interval("6h") == 21600 and parse_interval("30m") == 1800 and parse_interval("90") == 90
    for bad in ("0", "-1h", "six hours", ""):
        with pytest.raises(Exception):
            parse_interval(bad)


def test_rekey_replaces_keys_computed_by_an_older_release(tmp_path):
    """Keys stored without the one-edit ("d:") keys of this release are
    replaced by `parties rekey`, after which a misspelt listed word finds
    the party again."""
    from sqlalchemy import delete, func, select

    from chokepoint.monitor.parties import PartyBase
    from chokepoint.monitor.tables import PartyNameKeyRow

    home = tmp_path / "home"
    party_file = tmp_path / "parties.csv"
    party_file.write_text("id,name,schema\nP1,Rosoboronexport,Company\nP2,Margit Oberholzer,Person\n",
                          encoding="utf-8")
    assert run(home, "parties", "import", str(party_file), "--no-screen").exit_code == 0
    engine = ListStore.open(Settings(home=home)).engine
    parties = PartyBase(engine)

    def keys() -> set[tuple[str, str]]:
        with engine.connect() as conn:
            return set(conn.execute(select(PartyNameKeyRow.key, PartyNameKeyRow.party_id)).all())

    current = keys()
    assert ("d:rosobronexport", "P1") in current  # one letter removed
    with engine.begin() as conn:  # as an older release stored them
        conn.execute(delete(PartyNameKeyRow).where(PartyNameKeyRow.key.like("d:%")))
    assert parties.key_counts(["d:rosobronexport"]) == {}
    result = run(home, "parties", "rekey", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rekeyed": 2}
    assert keys() == current
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PartyNameKeyRow)).scalar() == len(current)


def test_coverage_needed_is_what_the_readme_says():
    """README (Monitoring): 0.37 of a person's name weight, 0.49 of other
    names at the default threshold; and it is a true bound of the scorer:
    a party name that hits less of a listed name cannot reach the threshold
    even when every hit word matches exactly and the party has no other
    word."""
    from chokepoint.matching.algorithm import DEFAULT_ALGORITHM
    from chokepoint.monitor.keys import COVERAGE_MARGIN, coverage_needed

    t, cfg = DEFAULT_ALGORITHM.threshold, DEFAULT_ALGORITHM.config
    person = coverage_needed(t, cfg["extra_listed_person"])
    other = coverage_needed(t, cfg["extra_listed_word"])
    assert (round(person, 2), round(other, 2)) == (0.37, 0.49)
    for extra, needed in ((cfg["extra_listed_person"], person), (cfg["extra_listed_word"], other)):
        h = needed / COVERAGE_MARGIN  # share of a listed name of weight 1 hit, party words = the hit
        best_score = 2 * h / (2 * h + extra * (1 - h))
        assert abs(best_score - t) < 1e-9
