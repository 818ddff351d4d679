"""``POST /screen`` keeps the batch contract of ``chokepoint screen``;
``POST /assess`` gives the same assessment as ``chokepoint assess``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import orjson
import yaml

from chokepoint.matching.batch import read_rows, screen_rows

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _rows_jsonl() -> bytes:
    rows = [
        {"id": "a", "name": "Qods Aviation Industries", "schema": "Organization", "country": "IR"},
        {"id": "b", "name": "Acme Widgets of Leeds", "schema": "Company"},
        {"id": "c", "name": "", "schema": "Company"},
        {"id": "d", "name": "Arkady Rotenberg", "schema": "Person", "birth_date": "1951"},
        {"id": "e", "name": "x", "schema": "Spaceship"},
    ]
    return b"\n".join(orjson.dumps(r) for r in rows) + b"\n"


def test_screen_streams_jsonl_in_input_order_with_error_rows(analyst, service_state):
    body = _rows_jsonl()
    with analyst.stream("POST", "/screen", content=body, headers={"content-type": "application/x-ndjson"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        call_id = r.headers["x-call-id"]
        raw = b"".join(r.iter_bytes())
    lines = [json.loads(line) for line in raw.decode().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "c", "d", "e"]
    assert [x["status"] for x in lines] == ["alert", "clear", "error", "alert", "error"]
    assert "line 3" in lines[2]["error"] and "Spaceship" in lines[4]["error"]
    qods = next(m for m in lines[0]["matches"] if m["entity_id"] == "us-ofac-sdn-16418")
    assert qods["list_version"].startswith("us_ofac_sdn@")
    # the audit record names input and output by hash, and keeps the scores
    record = service_state.audit.get(call_id)
    assert record.kind == "screen" and record.summary["alert"] == 2 and record.summary["complete"]
    assert record.request["sha256"] == hashlib.sha256(body).hexdigest()
    assert record.response["sha256"] == hashlib.sha256(raw).hexdigest()
    assert "us-ofac-sdn-16418" in [m["entity_id"] for m in record.response["results"][0]["matches"]]


def test_screen_answers_as_the_cli_does(analyst, screener, tmp_path):
    """Same rows through the API (JSON array) and through the batch engine
    the CLI uses: identical results."""
    source = EXAMPLES / "parties.csv"
    rows = list(read_rows(source))
    local = [r.to_json() for r in screen_rows(screener, rows, workers=1)]
    payload = [dict(r.data) for r in rows]
    response = analyst.post("/screen", json=payload, headers={"accept": "application/json"})
    assert response.status_code == 200
    remote = response.json()["results"]
    assert len(remote) == len(local)
    for mine, theirs in zip(local, remote):
        assert theirs["status"] == mine["status"]
        assert [(m["entity_id"], m["score"]) for m in theirs["matches"]] == [
            (m["entity_id"], m["score"]) for m in mine["matches"]]


def test_assess_gives_the_expected_level_and_rules(analyst):
    expected = yaml.safe_load((EXAMPLES / "orders" / "expected.yaml").read_text())
    for name in ("uae-microcontrollers-caspian.json", "japan-bearings-manufacturer.json"):
        order = json.loads((EXAMPLES / "orders" / name).read_text())
        response = analyst.post("/assess", json=order)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["level"] == expected[name]["level"], name
        assert {r["rule_id"] for r in body["reasons"]} == set(expected[name]["rules"]), name
        assert body["call_id"] and response.headers["x-call-id"] == body["call_id"]
    html = analyst.post("/assess?format=html", json=order)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
