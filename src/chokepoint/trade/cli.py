"""``chokepoint assess``: one order in, one level and its reasons out.

Registered on the main command in ``chokepoint/cli.py``. The order is
validated before the name index is loaded, so a bad order fails fast:
every problem is printed with its JSON path and the exit code is 2. A
valid order always exits 0, whatever its level.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class ReportFormat(str, Enum):
    """Output formats of ``chokepoint assess``."""

    text = "text"
    json = "json"
    html = "html"

    def __str__(self) -> str:
        return self.value


def assess_command(
    ctx: typer.Context,
    order: Annotated[Path, typer.Argument(help="Order JSON file (schema: docs/orders.md).")],
    format: Annotated[ReportFormat, typer.Option("--format", help="Report format: text, json or html.")] = (
        ReportFormat.text),
    out: Annotated[Optional[Path], typer.Option(help="Write the report to this file (default: print it).")] = None,
    lines: Annotated[
        Optional[Path], typer.Option("--lines", help="CSV or XLSX of order lines, added after the order's lines.")
    ] = None,
    ruleset: Annotated[
        Optional[list[Path]], typer.Option(help="Ruleset YAML to use instead of the bundled ones; repeatable.")
    ] = None,
) -> None:
    """Assess an order or shipment: one risk level with sourced reasons."""
    from chokepoint.cli import _open_store, _screener, err_console
    from chokepoint.trade.assess import assess_order
    from chokepoint.trade.order import OrderError, load_order
    from chokepoint.trade.report import render
    from chokepoint.trade.rules import RuleSetError, load_ruleset

    try:
        parsed = load_order(order, lines)
    except OrderError as exc:
        err_console.print(f"[red]invalid order[/red] {exc.source or order}: {len(exc.problems)} problem(s)",
                          highlight=False)
        for problem in exc.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    try:
        rulesets = [load_ruleset(p) for p in ruleset] if ruleset else None
    except RuleSetError as exc:
        err_console.print(f"[red]invalid ruleset[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    screener = _screener(ctx)
    from chokepoint.media.evidence import MediaLookup

    store = _open_store(ctx)
    lists = [v.to_json() for v in store.active_versions()]
    assessment = assess_order(parsed, screener, rulesets, lists, MediaLookup(store, screener))
    report = render(assessment, format.value)
    if out is None:
        sys.stdout.write(report)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, "utf-8")
    err_console.print(f"{parsed.id}: {assessment.level.label} ({len(assessment.reasons)} reason(s)) → {out}",
                      markup=False, highlight=False)
