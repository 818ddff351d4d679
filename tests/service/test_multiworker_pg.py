"""Several service workers on PostgreSQL: one valid audit chain under
concurrent writers from several processes, and a list version activated
by another process picked up by every worker without a restart."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from typer.testing import CliRunner

from chokepoint.cli import app
from tests.conftest import PG_URL, _pg_available

BIN = Path(sys.executable).parent / "chokepoint"
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _decide_many(url: str, alert_ids: list[int], user: str) -> int:
    """One process recording decisions and their audit records, as the
    workspace does."""
    from chokepoint.service.audit import AuditEntry, AuditLog
    from chokepoint.service.casework import Casework

    engine = sqlalchemy.create_engine(url)
    casework, log = Casework(engine), AuditLog(engine)
    for alert_id in alert_ids:
        decision = casework.decide(alert_id, "false_positive", f"not the listed party ({user})", user)
        log.append([AuditEntry(kind="decision", actor=user, channel="ui",
                               summary={"alert_id": alert_id, "decision_id": decision.id})])
    engine.dispose()
    return len(alert_ids)


@pytest.fixture
def pg_home(tmp_path):
    if not _pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield tmp_path / "home", f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


def _cli(home, url, *args):
    result = runner.invoke(app, ["--home", str(home), "--database-url", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_workers_on_postgres_share_one_chain_and_pick_up_new_versions(pg_home, lists_dir):
    home, url = pg_home
    first = json.loads(_cli(home, url, "lists", "load", str(lists_dir / "ofac_sdn_2021"), "--json"))
    later = json.loads(_cli(home, url, "lists", "load", str(lists_dir / "ofac_sdn_2024" / "sdn.csv"),
                            "--dataset", "us_ofac_sdn", "--no-activate", "--json"))
    old_id, new_id = first[0]["version"]["id"], later[0]["version"]["id"]
    key = json.loads(_cli(home, url, "keys", "create", "--role", "analyst", "--name", "load", "--json"))["key"]

    # alerts to decide, made by screening real listed names
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import load_screener
    from chokepoint.matching.records import PartyQuery
    from chokepoint.service.casework import Casework
    from chokepoint.settings import Settings

    settings = Settings(home=home, database_url=url)
    store = ListStore.open(settings)
    screener = load_screener(store, settings)
    casework = Casework(store.engine)
    names = [r.caption for r in screener.index.records if r.schema == "Organization"][:60]
    alert_ids = []
    for name in names:
        pairs = casework.record_screening(PartyQuery.build(name=name, schema="Organization"),
                                          screener.match(PartyQuery.build(name=name, schema="Organization")),
                                          None, source="api")
        alert_ids.extend(p.alert.id for p in pairs if p.alert is not None and p.alert.status == "open")
    alert_ids = sorted(set(alert_ids))[:60]
    assert len(alert_ids) >= 45

    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CHOKEPOINT_VERSION_CHECK_SECONDS": "1"}
    proc = subprocess.Popen([str(BIN), "--home", str(home), "--database-url", url, "serve", "--port", str(port),
                             "--workers", "2", "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        def readyz() -> dict | None:
            try:
                with httpx.Client(timeout=5) as client:  # a new connection: any worker may answer
                    r = client.get(f"{base}/readyz")
                return r.json() if r.status_code == 200 else None
            except httpx.TransportError:
                return None

        def workers_on(version: str, deadline: float) -> set[int]:
            seen: dict[int, str] = {}
            while time.monotonic() < deadline:
                state = readyz()
                if state:
                    seen[state["worker"]] = state["lists"][0]["version"]
                if len(seen) >= 2 and all(v == version for v in seen.values()):
                    return set(seen)
                time.sleep(0.2)
            pytest.fail(f"workers did not all reach {version}: {seen}")

        pids = workers_on(old_id, time.monotonic() + 180)
        assert len(pids) == 2

        # concurrent writers: HTTP screenings in both workers, decisions in three other processes
        body = {"queries": {"q": {"schema": "Organization", "properties": {"name": [names[0]]}}}}

        def match(_):
            with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {key}"}) as client:
                return client.post(f"{base}/match/default", json=body).status_code

        ctx = multiprocessing.get_context("spawn")
        chunks = [alert_ids[i::3] for i in range(3)]
        with ctx.Pool(3) as pool, ThreadPoolExecutor(8) as threads:
            decided = pool.starmap_async(_decide_many, [(url, chunk, f"analyst{i}") for i, chunk in enumerate(chunks)])
            statuses = list(threads.map(match, range(120)))
            assert sum(decided.get(timeout=300)) == len(alert_ids)
        assert statuses.count(200) == 120

        records = json.loads(_cli(home, url, "audit", "list", "--limit", "1000", "--json"))
        kinds = [r["kind"] for r in records]
        assert kinds.count("decision") == len(alert_ids) and kinds.count("match") == 120
        seqs = sorted(r["seq"] for r in records)
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        _cli(home, url, "audit", "verify")  # exit 0: one intact chain

        # a version activated by another process reaches both workers, no restart
        _cli(home, url, "lists", "activate", new_id)
        assert workers_on(new_id, time.monotonic() + 240) == pids
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
