"""Every screening call is recorded, chained by hash, and reproducible:
``chokepoint audit show CALL_ID --replay`` recomputes the answer."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from chokepoint.cli import app as cli
from chokepoint.lists.store import ListStore
from chokepoint.service.audit import AuditEntry, AuditLog, chain_hash
from chokepoint.settings import Settings


def test_match_call_is_audited_with_versions_and_algorithm(analyst, service_state):
    body = {"queries": {"q": {"schema": "Organization", "properties": {"name": ["Qods Aviation Industries"]}}}}
    response = analyst.post("/match/default", json=body)
    call_id = response.json()["call_id"]
    assert response.headers["x-call-id"] == call_id
    record = service_state.audit.get(call_id)
    assert record.kind == "match" and record.actor == "test-analyst" and record.channel == "api"
    assert record.client == "127.0.0.1"
    assert record.algorithm == "chokepoint-v1" and record.algorithm_version
    active = {(v.id, v.sha256) for v in service_state.store.active_versions()}
    assert {(v["id"], v["sha256"]) for v in record.list_versions} == active
    assert record.request["body"]["queries"]["q"]["properties"]["name"] == ["Qods Aviation Industries"]
    answered = response.json()["responses"]["q"]["results"]
    recorded = record.response["responses"]["q"]["results"]
    assert [(r["id"], r["score"], r["explanations"]) for r in recorded] == [
        (r["id"], r["score"], r["explanations"]) for r in answered]
    assert record.summary["matches"] >= 1


def test_audit_show_replays_the_recorded_answer(analyst, service_state):
    body = {"queries": {"p": {"schema": "Person", "properties": {"name": ["Arkady Rotenberg"],
                                                                  "birthDate": ["1951"]}}}}
    call_id = analyst.post("/match/default?limit=3", json=body).json()["call_id"]
    home = str(service_state.settings.home)
    result = CliRunner().invoke(cli, ["--home", home, "audit", "show", call_id, "--replay"])
    assert result.exit_code == 0, result.output
    assert "same answer" in result.output and "ROTENBERG" in result.output.upper()
    result = CliRunner().invoke(cli, ["--home", home, "audit", "show", call_id, "--json"])
    data = json.loads(result.output)
    assert data["call_id"] == call_id and data["kind"] == "match"


def test_admin_reads_the_log_and_the_chain_verifies(admin, analyst):
    analyst.post("/match/default", json={"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}})
    records = admin.get("/audit", params={"kind": "match", "limit": 5}).json()["records"]
    assert records and all(r["kind"] == "match" for r in records)
    assert "request" not in records[0]
    full = admin.get(f"/audit/{records[0]['call_id']}").json()
    assert full["response"]["responses"]
    verified = admin.get("/audit/verify").json()
    assert verified["ok"] and verified["records"] >= 1


@pytest.fixture
def fresh_log(settings):
    from chokepoint.lists.store import ListStore

    return AuditLog(ListStore.open(settings).engine)


def _entries(n: int, actor: str = "t") -> list[AuditEntry]:
    return [AuditEntry(kind="match", actor=actor, summary={"i": i}, request={"q": f"name {i}"},
                       response={"results": [{"id": f"e{i}", "score": 0.5 + i / 1000}]}) for i in range(n)]


def test_concurrent_appends_keep_one_valid_chain(fresh_log):
    def work(k: int) -> None:
        for entry in _entries(20, actor=f"w{k}"):
            fresh_log.append([entry])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = fresh_log.verify()
    assert report.ok, report.first_break
    assert report.records == 80


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_tampering_is_detected_at_the_first_broken_record(fresh_log, settings, tamper):
    fresh_log.append(_entries(6))
    assert fresh_log.verify().ok
    with fresh_log.engine.begin() as conn:
        if tamper == "edit":
            conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
        elif tamper == "delete":
            conn.execute(text("DELETE FROM audit_log WHERE seq = 4"))
        else:  # swap the contents of records 2 and 5, keeping their numbers
            conn.execute(text("UPDATE audit_log SET seq = -2 WHERE seq = 2"))
            conn.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 5"))
            conn.execute(text("UPDATE audit_log SET seq = 5 WHERE seq = -2"))
    report = fresh_log.verify()
    assert not report.ok
    assert report.first_break.seq == {"edit": 3, "delete": 4, "reorder": 2}[tamper]
    result = CliRunner().invoke(cli, ["--home", str(settings.home), *(
        ["--database-url", settings.database_url] if settings.database_url else []), "audit", "verify"])
    assert result.exit_code == 1 and "broken" in result.output


def test_keys_cli_create_list_revoke(settings):
    base = ["--home", str(settings.home), *(["--database-url", settings.database_url] if settings.database_url else [])]
    runner = CliRunner()
    created = runner.invoke(cli, [*base, "keys", "create", "--role", "viewer", "--name", "ops", "--json"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)
    assert key["key"].startswith("ck_") and key["role"] == "viewer"
    listed = json.loads(runner.invoke(cli, [*base, "keys", "list", "--json"]).output)
    assert [k["name"] for k in listed] == ["ops"] and "key" not in listed[0]
    from chokepoint.lists.store import ListStore
    from chokepoint.service.auth import KeyStore

    keys = KeyStore(ListStore.open(settings).engine)
    assert keys.verify(key["key"]).name == "ops"
    revoked = runner.invoke(cli, [*base, "keys", "revoke", key["id"]])
    assert revoked.exit_code == 0
    assert KeyStore(keys.engine).verify(key["key"]) is None
    assert runner.invoke(cli, [*base, "keys", "revoke", "nope"]).exit_code == 2
    bad = runner.invoke(cli, [*base, "keys", "create", "--role", "superuser"])
    assert bad.exit_code != 0
    kinds = [r["kind"] for r in json.loads(runner.invoke(cli, [*base, "audit", "list", "--json"]).output)]
    assert kinds == ["key.revoke", "key.create"]
    assert runner.invoke(cli, [*base, "audit", "verify"]).exit_code == 0


def test_cli_batch_run_is_one_audit_record_and_export(tmp_path, bundled_settings, screener):
    """`chokepoint screen --out` records the run (input and output by hash);
    `audit export` writes the period as CSV or verifiable JSON lines."""
    import hashlib
    import shutil
    from pathlib import Path

    home = tmp_path / "home"
    home.mkdir()
    for item in Path(bundled_settings.home).iterdir():
        if item.name.startswith("chokepoint.db"):
            shutil.copy(item, home / item.name)
    (home / "cache").symlink_to(Path(bundled_settings.home) / "cache")
    source = Path(__file__).resolve().parents[2] / "examples" / "parties.csv"
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(home), "screen", str(source), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    log = AuditLog(ListStore.open(Settings(home=home)).engine)
    record = log.records(kind="screen.batch", limit=1)[0]
    assert record.channel == "cli"
    assert record.request["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert record.response["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert record.summary["alert"] >= 1 and record.list_versions
    assert record.call_id in result.output
    exported = runner.invoke(cli, ["--home", str(home), "audit", "export", "--format", "jsonl"])
    lines = [json.loads(line) for line in exported.output.splitlines()]
    assert lines[-1]["call_id"] == record.call_id
    assert all(chain_hash(r["prev_hash"], {**r, "at": datetime.fromisoformat(r["at"])}) == r["hash"]
               for r in lines)
    csv_out = runner.invoke(cli, ["--home", str(home), "audit", "export", "--from", "2000-01-01", "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("seq,call_id,at,kind")
    users = runner.invoke(cli, ["--home", str(home), "users", "create", "carol", "--role", "viewer",
                                "--password-stdin"], input="Correct-Horse-44\n")
    assert users.exit_code == 0 and "viewer 'carol'" in users.output
    short = runner.invoke(cli, ["--home", str(home), "users", "create", "dave", "--password-stdin"], input="short\n")
    assert short.exit_code == 2


def test_cli_list_changes_are_audited(tmp_path):
    home = str(tmp_path / "home")
    runner = CliRunner()
    loaded = runner.invoke(cli, ["--home", home, "lists", "load", "--bundled", "--dataset", "us_bis_meu"])
    assert loaded.exit_code == 0, loaded.output
    again = runner.invoke(cli, ["--home", home, "lists", "load", "--bundled", "--dataset", "us_bis_meu"])
    assert again.exit_code == 0  # identical files: nothing new, nothing recorded
    records = json.loads(runner.invoke(cli, ["--home", home, "audit", "list", "--json"]).output)
    assert [r["kind"] for r in records] == ["list.load"]
    version = records[0]["summary"]["loaded"][0]["version"]
    assert version.startswith("us_bis_meu@") and records[0]["channel"] == "cli"
    assert runner.invoke(cli, ["--home", home, "lists", "activate", version]).exit_code == 0
    kinds = [r["kind"] for r in json.loads(runner.invoke(cli, ["--home", home, "audit", "list", "--json"]).output)]
    assert kinds == ["list.activate", "list.load"]
