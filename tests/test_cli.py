"""The chokepoint command end to end, on real files (in-process runner)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chokepoint.cli import app

runner = CliRunner()


def run(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)


def test_bundled_status_lists_every_dataset(bundled_settings):
    from chokepoint.lists.catalog import bundled_datasets

    result = run(bundled_settings.home, "lists", "load", "--bundled", "--json")
    assert result.exit_code == 0, result.output
    loads = json.loads(result.stdout)
    assert all(item["ok"] and not item["created"] for item in loads)  # already loaded: no-op
    status = json.loads(run(bundled_settings.home, "lists", "status", "--json").stdout)
    rows = {r["dataset"]: r for r in status["datasets"]}
    assert set(rows) == {d.name for d in bundled_datasets()}
    sdn = rows["us_ofac_sdn"]["active_version"]
    assert sdn["target_count"] == 14965 and sdn["schemata"]["Vessel"] > 800
    assert rows["un_sc_sanctions"]["active_version"]["published"] == "2026-02-27"


def test_load_diff_and_corrupt_file(tmp_path, lists_dir):
    home = tmp_path / "home"
    assert run(home, "lists", "load", str(lists_dir / "ofac_sdn_2021")).exit_code == 0
    assert run(home, "lists", "load", str(lists_dir / "ofac_sdn_2023")).exit_code == 0
    diff = json.loads(run(home, "lists", "diff", "us_ofac_sdn", "--json").stdout)
    assert diff["counts"]["added"] > 2000 and diff["counts"]["removed"] > 0
    assert any(a["id"] == "us-ofac-sdn-40416" for a in diff["added"])
    changed = diff["changed"][0]
    assert changed["changes"] and set(next(iter(changed["changes"].values()))) == {"added", "removed"}

    before = json.loads(run(home, "lists", "status", "--json").stdout)
    bad = tmp_path / "bad.xml"
    bad.write_text("<CONSOLIDATED_LIST dateGenerated='2026-01-01'><INDIVIDUALS><INDIVIDUAL>", "utf-8")
    result = run(home, "lists", "load", str(bad))
    assert result.exit_code == 1
    assert "bad.xml" in result.stderr and "line" in result.stderr
    after = json.loads(run(home, "lists", "status", "--json").stdout)
    assert after == before


def test_match_json(bundled_settings):
    result = run(bundled_settings.home, "match", "Quds Aviation Industry Co.", "--schema", "Company", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["algorithm"]["name"] == "chokepoint-v1"
    top = data["matches"][0]
    assert top["match"] and "qods" in top["name"].lower()
    assert top["explanation"]["name"]["words"]


def test_screen_file_contract(bundled_settings, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "id,name,schema,country\n"
        "a,Quds Aviation Industry Co.,Company,ir\n"
        "b,Maria Fernanda Lopez,Person,mx\n"
        "c,,Company,\n"
        "d,Ark III,Spaceship,\n"
        "e,ARK III,Vessel,\n",
        "utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = run(bundled_settings.home, "screen", str(source), "--out", str(out), "--workers", "2")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "e"]
    assert [r["status"] for r in rows] == ["alert", "clear", "error", "error", "alert"]
    assert "line 4" in rows[2]["error"] and "name" in rows[2]["error"]
    assert "Spaceship" in rows[3]["error"]
    match = rows[0]["matches"][0]
    assert set(match) == {"entity_id", "dataset", "source_id", "list_version", "name", "schema", "score", "explanation"}
    assert rows[0]["matches"] == sorted(rows[0]["matches"], key=lambda m: -m["score"])
    sdn = [m for m in rows[0]["matches"] if m["dataset"] == "us_ofac_sdn"]
    assert sdn and sdn[0]["source_id"] == "16418"
    assert rows[4]["matches"][0]["source_id"] == "15037"

    xlsx = tmp_path / "out.xlsx"
    assert run(bundled_settings.home, "screen", str(source), "--out", str(xlsx)).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0][:3] == ["id", "name", "status"] and [r[2] for r in table[1:]] == [r["status"] for r in rows]


def test_screen_bad_file(bundled_settings, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,company\n1,Acme\n", "utf-8")
    result = run(bundled_settings.home, "screen", str(source), "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2 and "name" in result.stderr


def test_compare_pairs(bundled_settings, tmp_path):
    pairs = tmp_path / "pairs.csv"
    with pairs.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name1", "name2", "schema"])
        writer.writerow(["Quds Aviation Industries", "QODS AVIATION INDUSTRIES", "Company"])
        writer.writerow(["Marbury Cold Chain Logistics", "Marbury Cold Chain Engineering", "Company"])
    out = tmp_path / "scores.csv"
    result = run(bundled_settings.home, "compare", "--pairs", str(pairs), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["match"] == "true" and rows[1]["match"] == "false"
    assert float(rows[0]["score"]) > float(rows[1]["score"])


@pytest.mark.parametrize("args", [["lists", "diff", "nope"], ["lists", "activate", "nope@1"]])
def test_errors_exit_nonzero(tmp_path, args):
    result = run(tmp_path / "empty", *args)
    assert result.exit_code == 1 and "error" in result.stderr
