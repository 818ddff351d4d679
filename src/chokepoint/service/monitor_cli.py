"""CLI commands of monitoring: ``chokepoint parties …`` (the party base)
and ``chokepoint monitor …`` (delta re-screening, once or on a schedule)."""

from __future__ import annotations

import getpass
import hashlib
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from chokepoint.settings import Settings

parties_app = typer.Typer(help="The party base kept under monitoring.", no_args_is_help=True)
monitor_app = typer.Typer(help="Re-screen the party base when lists change.", invoke_without_command=True)

console = Console()
err_console = Console(stderr=True)

#: Parties kept per transaction during an import.
IMPORT_CHUNK = 5_000
#: Files at least this big (~20,000 rows), or party bases of at least
#: this many parties, have their retrieval keys computed by worker
#: processes while this one writes.
PARALLEL_BYTES = 1_000_000
PARALLEL_PARTIES = 20_000
#: Worker processes for the keys of a large import.
KEY_WORKERS = 2
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def _store(ctx: typer.Context):
    from chokepoint.lists.store import ListStore

    return ListStore.open(_settings(ctx))


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _audit(store, kind: str, summary: dict, request: dict | None = None) -> str:
    from chokepoint.service.audit import AuditEntry, AuditLog

    entry = AuditEntry(kind=kind, actor=getpass.getuser(), channel="cli", summary=summary, request=request or {})
    return AuditLog(store.engine).append([entry])[0].call_id


def parse_interval(text: str) -> float:
    """'6h', '30m', '1d', '90s' or plain seconds → seconds."""
    text = text.strip().lower()
    try:
        if text and text[-1] in _UNITS:
            value = float(text[:-1]) * _UNITS[text[-1]]
        else:
            value = float(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not an interval such as 6h, 30m or 3600") from exc
    if value <= 0:
        raise typer.BadParameter("the interval must be positive")
    return value


# --- parties ----------------------------------------------------------------


@parties_app.command("import")
def parties_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or XLSX with columns id,name,schema,country,birth_date,identifier,address.")],
    screen: Annotated[bool, typer.Option("--screen/--no-screen", help="Screen each party now (alerts for current hits).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Keep the parties of a file under monitoring (same id: replaced)."""
    from rich.progress import Progress

    from chokepoint.matching.batch import InputError, read_rows, row_query
    from chokepoint.monitor.parties import KeepReport, KeyWorkers, PartyBase, PartyError, result_summary, with_keys
    from chokepoint.service.casework import Casework
    from chokepoint.service.monitoring import ensure_baselines

    store = _store(ctx)
    parties = PartyBase(store.engine)
    screener = None
    if screen:
        from chokepoint.matching.engine import load_screener

        screener = load_screener(store, _settings(ctx))
    casework = Casework(store.engine)
    versions = [v.id for v in store.active_versions()]
    total = KeepReport()
    errors: list[str] = []
    alerts = 0
    ensure_baselines(store)

    def batches():
        """(parties, their screening results) per IMPORT_CHUNK good rows;
        bad rows go to ``errors``."""
        nonlocal alerts
        batch: list = []
        results: dict[str, dict] = {}
        seen: set[str] = set()
        for row in read_rows(file):
            party_id = (row.data.get("id") or "").strip()
            try:
                if not party_id:
                    raise ValueError("'id' is empty (kept parties need their own id)")
                if party_id in seen:
                    raise ValueError(f"id {party_id!r} repeats an earlier row")
                query = row_query(row)
            except ValueError as exc:
                errors.append(f"{file}: line {row.line}: {exc}")
                continue
            seen.add(party_id)
            if screener is not None:
                matches = screener.match(query)
                results[party_id] = result_summary(matches, versions)
                pairs = casework.record_screening(query, matches, None, source="import", party_id=party_id)
                alerts += sum(1 for p in pairs if p.alert is not None and p.alert.status == "open")
            batch.append((party_id, query))
            if len(batch) >= IMPORT_CHUNK:
                yield batch, results
                batch, results = [], {}
        if batch:
            yield batch, results

    # a large file has its names normalised (the keys) in worker processes,
    # started before the progress display starts its thread
    workers = KeyWorkers(KEY_WORKERS) if file.is_file() and file.stat().st_size >= PARALLEL_BYTES else None
    try:
        with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
            task = progress.add_task("keeping parties", total=None)
            for batch, results, keys in with_keys(batches(), workers):
                _keep(parties, batch, results, total, keys)
                progress.advance(task, len(batch))
    except InputError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    except PartyError as exc:
        err_console.print(f"[red]error[/red] {file}: {exc}")
        raise typer.Exit(2) from exc
    finally:
        if workers is not None:
            workers.close()
    summary = {**total.to_json(), "errors": len(errors), "open_alerts": alerts, "file": file.name,
               "screened": screen}
    call_id = _audit(store, "parties.import", summary,
                     {"file": str(file), "sha256": hashlib.sha256(file.read_bytes()).hexdigest()})
    if as_json:
        _print_json({**summary, "error_lines": errors, "call_id": call_id})
    else:
        console.print(f"{total.to_json()['added']} added, {total.to_json()['updated']} updated, "
                      f"{total.to_json()['unchanged']} unchanged, {len(errors)} errors"
                      + (f", {alerts} open alerts" if screen else "") + f" (audit record {call_id})")
        for line in errors[:20]:
            err_console.print(f"[red]error[/red] {line}")
        if len(errors) > 20:
            err_console.print(f"… and {len(errors) - 20} more errors")
    if errors:
        raise typer.Exit(1)


def _keep(parties, batch, results, total, keys=None) -> None:
    report = parties.keep(batch, source="import", results=results, keys=keys)
    total.added += report.added
    total.updated += report.updated
    total.unchanged += report.unchanged


@parties_app.command("list")
def parties_list(
    ctx: typer.Context,
    search: Annotated[Optional[str], typer.Option(help="Only parties whose id or data contains this text.")] = None,
    limit: Annotated[int, typer.Option(help="Most parties shown.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Kept parties with their last result."""
    from chokepoint.monitor.parties import PartyBase

    parties = PartyBase(_store(ctx).engine)
    rows = parties.list(limit=limit, offset=offset, search=search)
    if as_json:
        _print_json({"total": parties.count(), "parties": [p.to_json() for p in rows]})
        return
    table = Table(title=f"Party base ({parties.count()} parties)")
    for col in ("id", "name", "schema", "countries", "last screened", "last result"):
        table.add_column(col)
    for p in rows:
        result = p.last_result or {}
        status = result.get("status", "-")
        shown = f"[red]{status}[/red]" if status == "alert" else status
        table.add_row(p.id, p.name, p.data.get("schema", ""), ", ".join(p.data.get("countries", [])),
                      p.last_screened_at.isoformat()[:19] if p.last_screened_at else "-", shown)
    console.print(table)


@parties_app.command("remove")
def parties_remove(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Party ids to remove.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Remove parties and their data (the audit log keeps what was screened)."""
    from datetime import date

    from chokepoint.monitor.parties import PartyBase
    from chokepoint.service.casework import Casework

    store = _store(ctx)
    removed = PartyBase(store.engine).remove(ids)
    casework = Casework(store.engine)
    for party_id in removed:
        casework.forget_party(party_id, date.today().isoformat())
    missing = [i for i in ids if i not in removed]
    if removed:
        _audit(store, "parties.remove", {"removed": removed})
    if as_json:
        _print_json({"removed": removed, "not_found": missing})
    else:
        console.print(f"{len(removed)} removed" + (f"; not found: {', '.join(missing)}" if missing else ""))
    if missing:
        raise typer.Exit(1)


@parties_app.command("rekey")
def parties_rekey(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Compute every kept party's retrieval keys again (needed once after
    an upgrade that changes them; the release notes say so)."""
    from rich.progress import Progress

    from chokepoint.monitor.parties import KeyWorkers, PartyBase

    store = _store(ctx)
    parties = PartyBase(store.engine)
    total = parties.count()
    with KeyWorkers(KEY_WORKERS) if total >= PARALLEL_PARTIES else nullcontext() as workers, \
            Progress(console=err_console, transient=True, disable=as_json) as bar:
        task = bar.add_task("re-keying parties", total=total)
        done = parties.rekey(workers=workers, progress=lambda n: bar.update(task, completed=n))
    _audit(store, "parties.rekey", {"parties": done})
    if as_json:
        _print_json({"rekeyed": done})
    else:
        console.print(f"{done} parties re-keyed")


# --- monitor ----------------------------------------------------------------


@monitor_app.callback()
def monitor_main(
    ctx: typer.Context,
    every: Annotated[Optional[str], typer.Option(help="Run update + re-screen in a loop at this interval (6h, 30m).")] = None,
    update: Annotated[bool, typer.Option("--update/--no-update", help="Download list updates before each run (with --every).")] = True,
    dataset: Annotated[Optional[list[str]], typer.Option(help="Update only these datasets (repeatable; default: all).")] = None,
    runs: Annotated[Optional[int], typer.Option(help="Stop after this many loop runs (default: forever).")] = None,
) -> None:
    """Re-screen the party base when lists change: `monitor run` once, or
    `monitor --every 6h` to update the lists and re-screen on a schedule."""
    if ctx.invoked_subcommand is not None:
        return
    if every is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    interval = parse_interval(every)
    done = 0
    while runs is None or done < runs:
        started = time.monotonic()
        if update:
            _update_lists(ctx, dataset or None)
        report = _run(ctx)
        _print_report(report)
        done += 1
        if runs is not None and done >= runs:
            break
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def _update_lists(ctx: typer.Context, datasets: list[str] | None = None) -> None:
    """Download list updates (audited as `lists update` is); a failed
    download leaves the active version serving and never stops the loop."""
    from chokepoint.cli import _print_update_reports, audit_updates
    from chokepoint.lists.update import update_datasets

    try:
        reports = update_datasets(_store(ctx), _settings(ctx), datasets)
    except Exception as exc:  # a bad sources file, an unreachable database: report, go on
        err_console.print(f"[red]list update failed[/red] {exc}")
        return
    audit_updates(ctx, reports)
    _print_update_reports(reports)


def _run(ctx: typer.Context, send: bool = True):
    from chokepoint.service.monitoring import run_monitor

    return run_monitor(_settings(ctx), _store(ctx), actor=getpass.getuser(), channel="cli", send=send)


@monitor_app.command("run")
def monitor_run(
    ctx: typer.Context,
    notify: Annotated[bool, typer.Option("--notify/--no-notify", help="Send new alerts to the configured webhooks and e-mail.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-screen the party base against what changed in every list with a
    new active version since the last run; print the new alerts."""
    report = _run(ctx, send=notify)
    if as_json:
        _print_json(report.to_json())
    else:
        _print_report(report)


def _print_report(report) -> None:
    data = report.to_json()
    for dataset in data["baselines"]:
        console.print(f"{dataset}: monitoring starts at the active version")
    if not data["runs"]:
        console.print("no list changed since the last run")
    for run in data["runs"]:
        console.print(f"{run['dataset']}: {run['from_version']} → {run['to_version']}: {run['added']} added, "
                      f"{run['changed']} changed, {run['removed']} removed; {run['parties_checked']} parties "
                      f"checked, {run['new_alerts']} new alerts, {run['closed_alerts']} closed")
    if data["new_alerts"]:
        table = Table(title="New alerts")
        for col in ("party", "listed entity", "list", "source id", "score", "reason"):
            table.add_column(col)
        for a in data["new_alerts"]:
            table.add_row(a["party_id"] or "", a["entity_caption"], a["dataset"], str(a["source_id"] or ""),
                          f"{a['score']:.3f}", a["reason"] or "")
        console.print(table)
    for n in data["notifications"]:
        state = "[green]sent[/green]" if n["ok"] else f"[red]failed[/red] {n['error']}"
        err_console.print(f"notification {n['channel']} {n['target']}: {state}")
