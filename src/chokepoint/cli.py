"""The ``chokepoint`` command: a thin shell over the library.

Each command builds the objects it needs from one :class:`Settings`
(read from the environment here, at the edge) and prints the result, as a
table for people or as JSON (``--json``) for programs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chokepoint.settings import Settings

app = typer.Typer(
    help="Screen parties and orders against sanctions and export-control lists.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
lists_app = typer.Typer(help="Load, inspect and compare list versions.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")

console = Console()
err_console = Console(stderr=True)


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Optional[Path], typer.Option(help="Data folder (default $CHOKEPOINT_HOME or ~/.local/share/chokepoint).")
    ] = None,
    database_url: Annotated[
        Optional[str], typer.Option(help="SQLAlchemy database URL (default: SQLite file in the data folder).")
    ] = None,
) -> None:
    """chokepoint: due-diligence screening."""
    ctx.obj = Settings.from_env(home=home, database_url=database_url)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _open_store(ctx: typer.Context):
    from chokepoint.lists.store import ListStore

    return ListStore.open(_settings(ctx))


# --- lists ----------------------------------------------------------------


@lists_app.command("load")
def lists_load(
    ctx: typer.Context,
    paths: Annotated[Optional[list[Path]], typer.Argument(help="A list file, or a folder of a multi-file list.")] = None,
    bundled: Annotated[bool, typer.Option("--bundled", help="Load the lists bundled with chokepoint.")] = False,
    dataset: Annotated[Optional[str], typer.Option(help="Dataset name (default: the format's usual dataset).")] = None,
    activate: Annotated[
        Optional[bool], typer.Option("--activate/--no-activate", help="Force or prevent activation.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Load list files into the versioned store (identical files: no-op)."""
    from chokepoint.lists.loader import load_bundled, load_path

    if not bundled and not paths:
        raise typer.BadParameter("give a PATH or --bundled")
    store = _open_store(ctx)
    reports = []
    if bundled:
        with console.status("Loading bundled lists…"):
            reports.extend(load_bundled(store, [dataset] if dataset else None))
    for path in paths or []:
        reports.append(load_path(store, path, dataset, activate))
    created = [r for r in reports if r.ok and r.outcome and r.outcome.created]
    failed = [r for r in reports if not r.ok]
    if created or failed:
        _audit_admin(ctx, "list.load", {
            "loaded": [{"version": r.outcome.version.id, "sha256": r.outcome.version.sha256,
                        "activated": r.outcome.activated} for r in created],
            "failed": [{"source": r.source, "error": r.error} for r in failed]})
    if as_json:
        _print_json([_report_json(r) for r in reports])
    else:
        _print_load_reports(reports)
    if any(not r.ok for r in reports):
        raise typer.Exit(1)


def _report_json(report) -> dict:
    out = {"source": report.source, "dataset": report.dataset, "ok": report.ok, "error": report.error}
    if report.outcome:
        out.update(
            version=report.outcome.version.to_json(),
            created=report.outcome.created,
            activated=report.outcome.activated,
            note=report.outcome.note,
        )
    return out


def _print_load_reports(reports) -> None:
    table = Table(title="List loads")
    for col in ("dataset", "version", "entities", "targets", "warnings", "result"):
        table.add_column(col)
    for r in reports:
        if not r.ok:
            table.add_row(r.dataset or "?", "-", "-", "-", "-", f"[red]error[/red]")
            continue
        v = r.outcome.version
        if not r.outcome.created:
            result = "unchanged"
        elif r.outcome.activated:
            result = "[green]loaded, active[/green]"
        else:
            result = "loaded, not active"
        warn = sum(v.warnings.get("counts", {}).values())
        table.add_row(v.dataset, v.id, str(v.entity_count), str(v.target_count), str(warn), result)
    console.print(table)
    for r in reports:
        if r.error:
            err_console.print(f"[red]error[/red] {r.error}")
        elif r.outcome and r.outcome.note and r.outcome.created:
            err_console.print(f"note: {r.outcome.version.dataset}: {r.outcome.note}")
        if r.warnings:
            counts = {}
            for w in r.warnings:
                counts[w.code] = counts.get(w.code, 0) + 1
            summary = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items()))
            err_console.print(f"warnings {r.dataset}: {summary} (first: {r.warnings[0]})")


@lists_app.command("update")
def lists_update(
    ctx: typer.Context,
    dataset: Annotated[
        Optional[list[str]], typer.Option("--dataset", help="Only this dataset; repeatable (default: every one "
                                                            "that can be downloaded as one file).")
    ] = None,
    url: Annotated[Optional[str], typer.Option(help="Download from this URL (http, https or file) instead of the "
                                                    "configured source; needs exactly one --dataset.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Download in full and load even if the listed entities "
                                                        "dropped by more than the allowed share.")] = False,
    attempts: Annotated[Optional[int], typer.Option(min=1, help="Attempts per download (default 3).")] = None,
    timeout: Annotated[Optional[float], typer.Option(min=0.1, help="Seconds to wait for a server (default 60).")
                       ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Download lists from their official sources and load each one that passes the checks."""
    import logging

    from chokepoint.lists.update import SourcesFileError, update_datasets

    if not logging.getLogger().handlers:  # the report below says it all; no duplicate lines on stderr
        logging.getLogger("chokepoint.lists.update").addHandler(logging.NullHandler())
    if url is not None and len(set(dataset or [])) != 1:
        raise typer.BadParameter("--url needs exactly one --dataset")
    settings = _settings(ctx).model_copy(update={k: v for k, v in
                                                 (("update_attempts", attempts), ("update_timeout", timeout))
                                                 if v is not None})
    store = _open_store(ctx)
    try:
        with err_console.status("Updating lists…"):
            reports = update_datasets(store, settings, dataset or None, url, force)
    except SourcesFileError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc
    audit_updates(ctx, reports, force)
    if as_json:
        _print_json([r.to_json() for r in reports])
    else:
        _print_update_reports(reports)
    if any(not r.ok for r in reports):
        raise typer.Exit(1)


def audit_updates(ctx: typer.Context, reports, force: bool = False) -> None:
    """One audit record for the downloads that loaded, failed or were refused."""
    if any(r.status in ("ok", "failed", "refused") for r in reports):
        _audit_admin(ctx, "list.update", {
            "results": [{"dataset": r.dataset, "url": r.url, "status": r.status, "message": r.message,
                         "version": r.version.id if r.version else None,
                         "sha256": r.version.sha256 if r.version and r.status == "ok" else r.sha256,
                         "previous_version": r.previous.id if r.previous else None}
                        for r in reports if r.status != "skipped"],
            "force": force})


def _print_update_reports(reports) -> None:
    styles = {"ok": "[green]loaded, active[/green]", "unchanged": "unchanged", "failed": "[red]failed[/red]",
              "refused": "[red]refused[/red]", "skipped": "[dim]skipped[/dim]"}
    table = Table(title="List updates")
    for col in ("dataset", "result", "version", "targets", "tries"):
        table.add_column(col)
    for r in reports:
        if r.status == "skipped":
            continue
        version = r.version.id if r.version else "-"
        if r.status == "ok" and r.previous:
            targets = f"{r.previous.target_count} → {r.version.target_count}"
        else:
            targets = str(r.version.target_count) if r.version else "-"
        table.add_row(r.dataset, styles.get(r.status, r.status), version, targets, str(r.attempts or "-"))
    console.print(table)
    for r in reports:
        if r.status in ("failed", "refused"):
            err_console.print(f"[red]{r.status}[/red] {r.dataset}: {escape(r.message)}", highlight=False,
                              soft_wrap=True)
        elif r.status == "skipped":
            err_console.print(f"[dim]skipped {r.dataset}: {escape(r.message)}[/dim]", highlight=False,
                              soft_wrap=True)


@lists_app.command("status")
def lists_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One row per dataset: active version, publication date, counts, last update, fresh or stale."""
    from chokepoint.lists.update import source_status

    store = _open_store(ctx)
    versions = store.versions()
    sources = {s.dataset: s for s in source_status(store, _settings(ctx))}
    rows = []
    for name in sorted(set(store.datasets()) | set(sources)):
        mine = [v for v in versions if v.dataset == name]
        active = next((v for v in mine if v.active), None)
        source = sources.get(name)
        rows.append({"dataset": name, "versions": len(mine), "active_version": active.to_json() if active else None,
                     "source": source.to_json() if source else None})
    if as_json:
        _print_json({"datasets": rows})
        return
    table = Table(title="Lists")
    for col in ("dataset", "active version", "published", "loaded at", "targets", "by schema", "versions",
                "updated", "state"):
        table.add_column(col)
    for row in rows:
        source = sources.get(row["dataset"])
        updated = source.last_success.isoformat()[:19] if source and source.last_success else "-"
        state = "-"
        if source is not None:
            state = "[red]stale[/red]" if source.stale else "[green]fresh[/green]"
        v = row["active_version"]
        if v is None:
            table.add_row(row["dataset"], "-", "-", "-", "-", "-", str(row["versions"]), updated, state)
            continue
        schemata = ", ".join(f"{k} {n}" for k, n in v["schemata"].items())
        table.add_row(row["dataset"], v["id"], v["published"] or "-", v["loaded_at"][:19],
                      str(v["target_count"]), schemata, str(row["versions"]), updated, state)
    console.print(table)
    for source in sources.values():
        if source.stale:
            err_console.print(f"[red]stale[/red] {source.dataset}: {escape(source.reason)}", highlight=False,
                              soft_wrap=True)


@lists_app.command("versions")
def lists_versions(
    ctx: typer.Context,
    dataset: Annotated[Optional[str], typer.Argument(help="Only this dataset.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every stored version, newest first."""
    versions = _open_store(ctx).versions(dataset)
    if as_json:
        _print_json({"versions": [v.to_json() for v in versions]})
        return
    table = Table(title="List versions")
    for col in ("version", "dataset", "published", "loaded at", "targets", "active"):
        table.add_column(col)
    for v in versions:
        table.add_row(v.id, v.dataset, str(v.published or "-"), v.loaded_at.isoformat()[:19],
                      str(v.target_count), "yes" if v.active else "")
    console.print(table)


@lists_app.command("activate")
def lists_activate(ctx: typer.Context, version: Annotated[str, typer.Argument(help="Version id.")]) -> None:
    """Make a stored version the active one of its dataset."""
    from chokepoint.lists.store import StoreError

    try:
        v = _open_store(ctx).activate(version)
    except StoreError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc
    _audit_admin(ctx, "list.activate", {"dataset": v.dataset, "version": v.id, "sha256": v.sha256})
    console.print(f"{v.dataset}: {v.id} is active")


def _audit_admin(ctx: typer.Context, kind: str, summary: dict) -> None:
    """An audit record of an administrative command run from the CLI."""
    import getpass

    from chokepoint.service.audit import AuditEntry, AuditLog

    AuditLog(_open_store(ctx).engine).append(
        [AuditEntry(kind=kind, actor=getpass.getuser(), channel="cli", summary=summary)])


@lists_app.command("diff")
def lists_diff(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Argument(help="Dataset name, e.g. us_ofac_sdn.")],
    from_version: Annotated[Optional[str], typer.Option("--from", help="Older version id.")] = None,
    to_version: Annotated[Optional[str], typer.Option("--to", help="Newer version id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Added, removed and changed entities between two versions."""
    from chokepoint.lists.store import StoreError

    try:
        diff = _open_store(ctx).diff(dataset, from_version, to_version)
    except StoreError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        _print_json(diff.to_json())
        return
    console.print(
        f"{dataset}: {diff.from_version.id} → {diff.to_version.id}: "
        f"[green]+{len(diff.added)}[/green] [red]-{len(diff.removed)}[/red] ~{len(diff.changed)}"
    )
    for label, items in (("added", diff.added), ("removed", diff.removed)):
        for item in items[:20]:
            console.print(f"  {label:8} {item.entity_id}  {item.caption}")
        if len(items) > 20:
            console.print(f"  … {len(items) - 20} more {label}")
    for item in diff.changed[:20]:
        what = ", ".join(item.changes)
        console.print(f"  changed  {item.entity_id}  {item.caption}  ({what})")
    if len(diff.changed) > 20:
        console.print(f"  … {len(diff.changed) - 20} more changed")


@lists_app.command("formats")
def lists_formats() -> None:
    """The list formats chokepoint can parse."""
    from chokepoint.lists.parsers import parser_modules

    table = Table(title="Formats")
    table.add_column("format")
    table.add_column("default dataset")
    table.add_column("description")
    for fmt, module in parser_modules().items():
        doc = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        table.add_row(fmt, module.DEFAULT_DATASET, doc)
    console.print(table)


# --- screening ----------------------------------------------------------------


def _screener(ctx: typer.Context, threshold: float | None = None):
    from chokepoint.matching.engine import load_screener

    settings = _settings(ctx)
    store = _open_store(ctx)
    if not store.active_versions():
        err_console.print("[red]error[/red] no lists are loaded: run `chokepoint lists load --bundled`")
        raise typer.Exit(1)
    with console.status("Loading the name index…"):
        screener = load_screener(store, settings, progress=lambda m: err_console.print(m))
    if threshold is not None:
        screener = screener.with_algorithm(screener.algorithm.with_threshold(threshold))
    return screener


@app.command("match")
def match_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the party to screen.")],
    schema: Annotated[str, typer.Option(help="Person, Company, Organization, LegalEntity, Vessel or Airplane.")] = "LegalEntity",
    country: Annotated[Optional[list[str]], typer.Option(help="Country (name or ISO code); repeatable.")] = None,
    birth_date: Annotated[Optional[str], typer.Option(help="Birth date (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    identifier: Annotated[Optional[list[str]], typer.Option(help="An identifier (IMO, registration, passport…).")] = None,
    address: Annotated[Optional[str], typer.Option(help="Address of the party.")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Alert threshold (default: the algorithm's).")] = None,
    limit: Annotated[int, typer.Option(help="Matches to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Screen one party and show the ranked matches with their explanation."""
    from chokepoint.matching.records import PartyQuery

    screener = _screener(ctx, threshold)
    query = PartyQuery.build(name, schema, country, birth_date, identifier, address)
    try:
        matches = screener.match(query, limit=limit)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if as_json:
        _print_json({"query": name, "algorithm": screener.algorithm.describe(),
                     "matches": [m.to_json() for m in matches]})
        return
    if not matches:
        console.print(f"[green]clear[/green]: no listed entity scores ≥ {screener.algorithm.threshold}")
        return
    for m in matches:
        _print_match(m)


def _print_match(m) -> None:
    r, e = m.record, m.explanation
    console.print(f"[bold]{m.score:.3f}[/bold] {r.caption} [dim]({r.schema}, {r.dataset} {r.source_id}, "
                  f"{', '.join(r.programs) or '-'})[/dim]")
    if e.name:
        console.print(f"   name: {e.name.query!r} ~ {e.name.candidate_kind} {e.name.candidate!r} = {e.name.score:.3f}")
        words = ", ".join(f"{w.query or '-'}~{w.candidate or '-'} ({w.how} {w.similarity:.2f})" for w in e.name.words)
        console.print(f"   words: {words}")
        if e.name.notes:
            console.print(f"   notes: {'; '.join(e.name.notes)}")
    for f in e.features[1:]:
        console.print(f"   {f.name}: {f.contribution:+.2f} ({f.detail})")


@app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    name1: Annotated[Optional[str], typer.Argument(help="First name.")] = None,
    name2: Annotated[Optional[str], typer.Argument(help="Second name.")] = None,
    schema: Annotated[str, typer.Option(help="Schema of both names.")] = "LegalEntity",
    pairs: Annotated[Optional[Path], typer.Option(help="CSV with columns name1,name2,schema.")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output CSV for --pairs (adds score,match).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Score two names against each other (or every pair of a CSV)."""
    from chokepoint.matching.compare import compare_names, compare_pairs_file

    screener = _screener(ctx)
    if pairs is not None:
        if out is None:
            raise typer.BadParameter("--pairs needs --out")
        counts = compare_pairs_file(screener, pairs, out)
        console.print(f"scored {counts['pairs']} pairs ({counts['errors']} errors) into {out}")
        if counts["errors"]:
            raise typer.Exit(1)
        return
    if not name1 or not name2:
        raise typer.BadParameter("give NAME1 and NAME2, or --pairs")
    explanation = compare_names(screener, name1, name2, schema)
    if as_json:
        _print_json(explanation.to_json())
        return
    console.print(f"score {explanation.score:.3f} ({'match' if explanation.match else 'no match'}, "
                  f"threshold {explanation.threshold})")
    if explanation.name:
        for w in explanation.name.words:
            console.print(f"   {w.query or '-'} ~ {w.candidate or '-'}: {w.how} {w.similarity:.2f} (weight {w.weight:.2f})")
        for note in explanation.name.notes:
            console.print(f"   note: {note}")


@app.command("screen")
def screen_cmd(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="CSV, JSONL or XLSX with columns id,name,schema,country,birth_date,identifier,address.")],
    out: Annotated[Optional[Path], typer.Option(help="Output file (.csv, .jsonl or .xlsx); default: print a table.")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Alert threshold (default: the algorithm's).")] = None,
    limit: Annotated[int, typer.Option(help="Matches kept per row.")] = 10,
    workers: Annotated[Optional[int], typer.Option(help="Processes (default: all cores).")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the parties (by their id column) under monitoring.")] = False,
    engine: Annotated[str, typer.Option(help="local (processes on this machine) or spark (PySpark; Parquet, CSV or JSONL in and out).")] = "local",
    master: Annotated[str, typer.Option(help="Spark master URL with --engine spark, e.g. local[2] or spark://host:7077.")] = "local[2]",
) -> None:
    """Screen a file of parties; bad rows become error rows, never dropped."""
    from rich.progress import Progress

    from chokepoint.matching.batch import InputError, read_rows, screen_file, screen_rows

    if engine not in ("local", "spark"):
        raise typer.BadParameter("--engine must be local or spark")
    screener = _screener(ctx, threshold)
    if engine == "spark":
        if out is None:
            raise typer.BadParameter("--engine spark needs --out")
        if keep:
            raise typer.BadParameter("--keep works with the local engine only")
        counts = _screen_spark(ctx, input, out, threshold, limit, master)
        call_id = _audit_batch(ctx, screener, input, out, counts)
        console.print(f"{sum(counts.values())} rows: {counts['alert']} alert, {counts['clear']} clear, "
                      f"{counts['error']} error → {out} (audit record {call_id})")
        return
    try:
        if out is None:
            results = list(screen_rows(screener, read_rows(input), None, limit, workers=1))
            _print_screen_table(results, screener.algorithm.threshold)
            if keep:
                _keep_screened(ctx, input, {r.id: _outcome(r) for r in results if r.status != "error"})
            return
        with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
            task = progress.add_task("screening", total=None)
            outcomes: dict[str, dict] = {}

            def on_row(result) -> None:
                progress.advance(task)
                if keep and result.status != "error":
                    outcomes[result.id] = _outcome(result)

            counts = screen_file(screener, input, out, None, limit, workers, on_row=on_row)
    except InputError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    call_id = _audit_batch(ctx, screener, input, out, counts)
    console.print(f"{sum(counts.values())} rows: {counts['alert']} alert, {counts['clear']} clear, "
                  f"{counts['error']} error → {out} (audit record {call_id})")
    if keep:
        _keep_screened(ctx, input, outcomes)


def _outcome(result) -> dict:
    """A screened row's result as kept with the party."""
    return {"status": result.status, "top_score": max((m["score"] for m in result.matches), default=0.0),
            "matches": [{k: m[k] for k in ("entity_id", "dataset", "name", "score")} for m in result.matches]}


def _keep_screened(ctx: typer.Context, source: Path, outcomes: dict[str, dict]) -> None:
    """Keep the rows of a screened file, with their results, in the party base."""
    from chokepoint.matching.batch import read_rows, row_query
    from chokepoint.monitor.parties import PartyBase
    from chokepoint.service.monitoring import ensure_baselines

    store = _open_store(ctx)
    versions = sorted(v.id for v in store.active_versions())
    batch, skipped = [], 0
    seen: set[str] = set()
    for row in read_rows(source):
        party_id = (row.data.get("id") or "").strip()
        try:
            query = row_query(row)
        except ValueError:
            continue  # already reported as an error row
        if not party_id or party_id in seen:
            skipped += 1
            continue
        seen.add(party_id)
        batch.append((party_id, query))
    ensure_baselines(store)
    results = {k: {**v, "list_versions": versions} for k, v in outcomes.items() if k in seen}
    report = PartyBase(store.engine).keep(batch, source="cli", results=results)
    console.print(f"kept: {len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} "
                  f"unchanged" + (f"; {skipped} rows without a unique id not kept" if skipped else ""))


def _screen_spark(ctx: typer.Context, source: Path, target: Path, threshold, limit: int, master: str) -> dict:
    """Screen on Spark with the index cache file of the active lists."""
    try:
        from chokepoint.spark import screen_file, spark_session
    except ImportError as exc:
        err_console.print("[red]error[/red] --engine spark needs PySpark: pip install 'chokepoint[spark]'")
        raise typer.Exit(2) from exc
    from chokepoint.matching.engine import index_path

    store = _open_store(ctx)
    index_file = index_path(_settings(ctx), store.active_versions())
    spark = spark_session(master)
    try:
        with err_console.status(f"screening on Spark ({master})…"):
            return screen_file(spark, source, target, index_file, threshold, limit)
    except (ValueError, FileNotFoundError) as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        spark.stop()


def _audit_batch(ctx: typer.Context, screener, source: Path, target: Path, counts: dict) -> str:
    """One audit record for a batch run: input and output by hash, counts,
    algorithm and list versions."""
    import getpass
    import hashlib

    from chokepoint.service.audit import AuditEntry, AuditLog

    store = _open_store(ctx)
    versions = [{"id": v.id, "dataset": v.dataset, "sha256": v.sha256} for v in store.active_versions()]
    entry = AuditEntry(
        kind="screen.batch", actor=getpass.getuser(), channel="cli",
        summary={**counts, "rows": sum(counts.values()), "file": source.name},
        request={"file": str(source), "sha256": _file_digest(source)},
        response={"file": str(target), "sha256": _file_digest(target)},
        algorithm=screener.algorithm.name, algorithm_version=screener.algorithm.version, list_versions=versions)
    return AuditLog(store.engine).append([entry])[0].call_id


def _file_digest(path: Path) -> str:
    """sha256 of a file, or of a folder's files in name order (a Parquet table)."""
    import hashlib

    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:
        with item.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _print_screen_table(results, threshold: float) -> None:
    table = Table(title=f"Screening (threshold {threshold})")
    for col in ("id", "name", "status", "score", "best match", "list", "source id"):
        table.add_column(col)
    for r in results:
        if r.status == "error":
            table.add_row(r.id, r.name, "[red]error[/red]", "", r.error or "", "", "")
        elif r.matches:
            m = r.matches[0]
            table.add_row(r.id, r.name, "[red]alert[/red]", f"{m['score']:.3f}", m["name"], m["dataset"],
                          str(m["source_id"] or ""))
        else:
            table.add_row(r.id, r.name, "[green]clear[/green]", "", "", "", "")
    console.print(table)


from chokepoint.trade.cli import assess_command  # noqa: E402  (trade builds on the commands above)

app.command("assess")(assess_command)

from chokepoint.service.cli import audit_app, keys_app, serve_command, users_app  # noqa: E402  (the service builds on it)

app.command("serve")(serve_command)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")

from chokepoint.service.monitor_cli import monitor_app, parties_app  # noqa: E402

app.add_typer(parties_app, name="parties")
app.add_typer(monitor_app, name="monitor")

from chokepoint.media.cli import media_app  # noqa: E402

app.add_typer(media_app, name="media")


if __name__ == "__main__":  # pragma: no cover
    app()
