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


@lists_app.command("status")
def lists_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One row per dataset: active version, publication date, counts."""
    store = _open_store(ctx)
    versions = store.versions()
    rows = []
    for name in store.datasets():
        mine = [v for v in versions if v.dataset == name]
        active = next((v for v in mine if v.active), None)
        rows.append({"dataset": name, "versions": len(mine), "active_version": active.to_json() if active else None})
    if as_json:
        _print_json({"datasets": rows})
        return
    table = Table(title="Lists")
    for col in ("dataset", "active version", "published", "loaded at", "targets", "by schema", "versions"):
        table.add_column(col)
    for row in rows:
        v = row["active_version"]
        if v is None:
            table.add_row(row["dataset"], "-", "-", "-", "-", "-", str(row["versions"]))
            continue
        schemata = ", ".join(f"{k} {n}" for k, n in v["schemata"].items())
        table.add_row(row["dataset"], v["id"], v["published"] or "-", v["loaded_at"][:19],
                      str(v["target_count"]), schemata, str(row["versions"]))
    console.print(table)


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
) -> None:
    """Screen a file of parties; bad rows become error rows, never dropped."""
    from rich.progress import Progress

    from chokepoint.matching.batch import InputError, read_rows, screen_file, screen_rows

    screener = _screener(ctx, threshold)
    try:
        if out is None:
            results = list(screen_rows(screener, read_rows(input), None, limit, workers=1))
            _print_screen_table(results, screener.algorithm.threshold)
            return
        with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
            task = progress.add_task("screening", total=None)
            counts = screen_file(screener, input, out, None, limit, workers,
                                 on_row=lambda _r: progress.advance(task))
    except InputError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    call_id = _audit_batch(ctx, screener, input, out, counts)
    console.print(f"{sum(counts.values())} rows: {counts['alert']} alert, {counts['clear']} clear, "
                  f"{counts['error']} error → {out} (audit record {call_id})")


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
        request={"file": str(source), "sha256": hashlib.sha256(source.read_bytes()).hexdigest()},
        response={"file": str(target), "sha256": hashlib.sha256(target.read_bytes()).hexdigest()},
        algorithm=screener.algorithm.name, algorithm_version=screener.algorithm.version, list_versions=versions)
    return AuditLog(store.engine).append([entry])[0].call_id


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


if __name__ == "__main__":  # pragma: no cover
    app()
