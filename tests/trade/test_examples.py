"""The example orders give their expected level and rule ids, through the
library and through ``chokepoint assess``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.trade.assess import assess_order
from chokepoint.trade.order import load_order

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "orders"
EXPECTED = yaml.safe_load((EXAMPLES / "expected.yaml").read_text("utf-8"))
runner = CliRunner()


def test_there_are_enough_examples():
    levels = [e["level"] for e in EXPECTED.values()]
    assert len(EXPECTED) >= 10 and {"clear", "escalate", "block"} <= set(levels)
    listed = {p.name for p in EXAMPLES.glob("*.json")}
    assert listed == {e.get("order", name) for name, e in EXPECTED.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(screener, name):
    expected = EXPECTED[name]
    lines = EXAMPLES / expected["lines"] if expected.get("lines") else None
    result = assess_order(load_order(EXAMPLES / expected.get("order", name), lines), screener)
    assert result.level.label == expected["level"], result.rule_ids
    assert sorted(result.rule_ids) == sorted(expected["rules"])


def test_cli_assess_json(bundled_settings, tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["--home", str(bundled_settings.home), "assess",
                                 str(EXAMPLES / "uae-microcontrollers-caspian.json"), "--format", "json",
                                 "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text("utf-8"))
    assert data["level"] == "block" and data["lists"] and data["lists"][0]["dataset"]


def test_cli_assess_text_with_lines(bundled_settings):
    result = runner.invoke(app, ["--home", str(bundled_settings.home), "assess",
                                 str(EXAMPLES / "serbia-distributor-lines.json"),
                                 "--lines", str(EXAMPLES / "serbia-distributor-lines.csv")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "LEVEL: ESCALATE" in result.stdout


def test_cli_invalid_order_lists_every_problem(bundled_settings, tmp_path):
    bad = json.loads((EXAMPLES / "germany-university-servos.json").read_text("utf-8"))
    bad["lines"][0]["hs_code"] = "85-01"
    bad["parties"][1].pop("role")
    bad["parties"][2]["country"] = "Atlantis"
    bad["shipper"] = "x"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), "utf-8")
    result = runner.invoke(app, ["--home", str(bundled_settings.home), "assess", str(path)])
    assert result.exit_code == 2
    for where in ("lines[0].hs_code", "parties[1].role", "parties[2].country", "shipper"):
        assert where in result.stderr
    assert "Traceback" not in result.output


def test_cli_not_json(bundled_settings, tmp_path):
    path = tmp_path / "order.json"
    path.write_text("id,name\n1,x\n", "utf-8")
    result = runner.invoke(app, ["--home", str(bundled_settings.home), "assess", str(path)])
    assert result.exit_code == 2 and "invalid JSON" in result.stderr
