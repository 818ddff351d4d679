"""``chokepoint serve``, ``chokepoint keys …`` and ``chokepoint audit …``.

Registered on the main command in ``chokepoint/cli.py``.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.table import Table

from chokepoint.service.auth import Role

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
users_app = typer.Typer(help="Workspace accounts (web UI logins).", no_args_is_help=True)
audit_app = typer.Typer(help="Read and verify the audit log of screening calls.", no_args_is_help=True)


def _state(ctx: typer.Context):
    from chokepoint.cli import _open_store
    from chokepoint.service.audit import AuditLog
    from chokepoint.service.auth import KeyStore

    store = _open_store(ctx)
    return store, KeyStore(store.engine), AuditLog(store.engine)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


# --- serve --------------------------------------------------------------------


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the index from the cache file).")] = 1,
    bootstrap_key: Annotated[bool, typer.Option(
        "--bootstrap-key", help="When no API key exists yet, create an admin key and print it once.")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (OpenAPI page at /docs)."""
    import uvicorn

    from chokepoint.cli import console, err_console
    from chokepoint.matching.engine import load_index
    from chokepoint.settings import ENV_PREFIX

    settings = ctx.find_root().obj
    store, keys, _ = _state(ctx)
    if not store.active_versions():
        err_console.print("[red]error[/red] no lists are loaded: run `chokepoint lists load --bundled`")
        raise typer.Exit(1)
    with console.status("Preparing the name index…"):
        load_index(store, settings)  # builds the cache file once for every worker
    url = f"http://{host}:{port}"
    console.print(f"chokepoint on [bold]{url}[/bold]: workspace {url}/ui/, OpenAPI page {url}/docs", highlight=False)
    from chokepoint.service.accounts import Accounts

    accounts = Accounts(store.engine)
    if bootstrap_key and accounts.count() == 0:
        import secrets

        password = secrets.token_urlsafe(12)
        accounts.create("admin", Role.admin, password)
        console.print(f"first run: workspace login [bold]admin[/bold] / [bold]{password}[/bold] at {url}/ui/ "
                      "(shown once; change it with `chokepoint users passwd admin`)", highlight=False)
    if bootstrap_key and keys.count() == 0:
        key, secret = keys.create(Role.admin, "bootstrap-admin", created_by="serve --bootstrap-key")
        console.print(f"first run: admin API key [bold]{secret}[/bold] (shown once; id {key.id})", highlight=False)
    else:
        console.print("API key: `chokepoint keys create --role analyst --name NAME` "
                      f"({keys.count()} active key(s))", highlight=False)
    console.print(f"try: curl -H 'Authorization: Bearer <key>' -X POST {url}/match/default "
                  "-d '{\"queries\":{\"q1\":{\"schema\":\"Company\",\"properties\":{\"name\":[\"Rosneft\"]}}}}'",
                  highlight=False, markup=False)
    # the workers build their own settings from the environment (the edge)
    os.environ[ENV_PREFIX + "HOME"] = str(settings.home)
    if settings.database_url:
        os.environ[ENV_PREFIX + "DATABASE_URL"] = settings.database_url
    if settings.threshold is not None:
        os.environ[ENV_PREFIX + "THRESHOLD"] = str(settings.threshold)
    store.engine.dispose()
    # a worker warming up its index holds the GIL for seconds; uvicorn's
    # default 5 s health check would kill it mid-start
    uvicorn.run("chokepoint.service.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False, proxy_headers=False, timeout_worker_healthcheck=120)


# --- keys ---------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option(help="viewer, analyst or admin.")],
    name: Annotated[Optional[str], typer.Option(help="A name for the key (shown in the audit log).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Create an API key; its secret is printed once and never stored."""
    from chokepoint.cli import console, err_console
    from chokepoint.service.auth import ApiKeyError

    _, keys, audit = _state(ctx)
    try:
        key, secret = keys.create(role, name, created_by="cli")
    except ApiKeyError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    from chokepoint.service.audit import AuditEntry

    audit.append([AuditEntry(kind="key.create", actor=os.environ.get("USER", "cli"), channel="cli",
                             summary={"key": key.id}, response=key.to_json())])
    if as_json:
        _print_json({**key.to_json(), "key": secret})
        return
    console.print(f"{key.role.value} key {key.name!r} (id {key.id}):\n{secret}\n"
                  "Keep it now: it is not stored and cannot be shown again.", highlight=False)


@keys_app.command("list")
def keys_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List API keys (ids, names, roles; never secrets)."""
    from chokepoint.cli import console

    _, keys, _ = _state(ctx)
    found = keys.list()
    if as_json:
        _print_json([k.to_json() for k in found])
        return
    table = Table(title="API keys")
    for col in ("id", "name", "role", "created", "last used", "revoked"):
        table.add_column(col)
    for k in found:
        table.add_row(k.id, k.name, k.role.value, _when(k.created_at), _when(k.last_used_at), _when(k.revoked_at))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The key's id.")]) -> None:
    """Revoke an API key (refused by every worker within seconds)."""
    from chokepoint.cli import console, err_console
    from chokepoint.service.audit import AuditEntry
    from chokepoint.service.auth import ApiKeyError

    _, keys, audit = _state(ctx)
    try:
        key = keys.revoke(key_id)
    except ApiKeyError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    audit.append([AuditEntry(kind="key.revoke", actor=os.environ.get("USER", "cli"), channel="cli",
                             summary={"key": key.id}, response=key.to_json())])
    console.print(f"revoked {key.id} ({key.name})", highlight=False)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


# --- audit --------------------------------------------------------------------


@audit_app.command("show")
def audit_show(
    ctx: typer.Context,
    call_id: Annotated[str, typer.Argument(help="The call id (x-call-id header, `call_id` field).")],
    replay: Annotated[bool, typer.Option(help="Recompute the answer from the recorded request and list "
                                              "versions and compare.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole record as JSON.")] = False,
) -> None:
    """Show what a call asked, what it answered and why, against which lists."""
    from chokepoint.cli import console, err_console

    store, _, audit = _state(ctx)
    record = audit.get(call_id)
    if record is None:
        err_console.print(f"[red]error[/red] no audit record {call_id!r}")
        raise typer.Exit(1)
    report = None
    if replay:
        from chokepoint.service.replay import replay_match

        try:
            report = replay_match(record, store, ctx.find_root().obj)
        except ValueError as exc:
            err_console.print(f"[red]error[/red] {exc}")
            raise typer.Exit(2) from exc
    if as_json:
        out = record.to_json()
        if report is not None:
            out["replay"] = {"same": report.same, "differences": report.differences,
                             "algorithm_now": report.algorithm_now}
        _print_json(out)
    else:
        _print_record(console, record)
        if report is not None:
            verdict = "[green]same answer[/green]" if report.same else "[red]different answer[/red]"
            console.print(f"replay with {report.algorithm_now}: {verdict}")
            for line in report.differences:
                console.print(f"  {line}", markup=False)
    if report is not None and not report.same:
        raise typer.Exit(1)


def _print_record(console, record) -> None:
    console.print(f"[bold]{record.kind}[/bold] call {record.call_id} (#{record.seq})", highlight=False)
    console.print(f"at {record.at.isoformat()} by {record.actor} via {record.channel}"
                  f"{' from ' + record.client if record.client else ''}", highlight=False)
    if record.algorithm:
        console.print(f"algorithm {record.algorithm} {record.algorithm_version}", highlight=False)
    for v in record.list_versions:
        console.print(f"  list {v['id']} (sha256 {v['sha256'][:16]}…)", highlight=False)
    console.print(f"summary {json.dumps(record.summary, ensure_ascii=False)}", markup=False, highlight=False)
    if record.kind == "match":
        for key, resp in record.response.get("responses", {}).items():
            query = record.request["body"]["queries"].get(key, {})
            names = "; ".join(query.get("properties", {}).get("name", [])) or "(no name)"
            console.print(f"query {key}: {query.get('schema')} {names}", markup=False, highlight=False)
            if not resp["results"]:
                console.print("  no result", highlight=False)
            for r in resp["results"]:
                flag = "MATCH" if r["match"] else "     "
                console.print(f"  {flag} {r['score']:.3f} {r['caption']} [{r['schema']}] {r['id']} "
                              f"({r.get('list_version')})", markup=False, highlight=False)
                for feature, ex in r.get("explanations", {}).items():
                    console.print(f"      {feature} {ex['score']:.2f}×{ex['weight']}: {ex.get('detail') or ''}",
                                  markup=False, highlight=False)
    elif record.kind == "screen":
        console.print(f"input sha256 {record.request.get('sha256')}, output sha256 {record.response.get('sha256')}",
                      highlight=False)
    console.print(f"hash {record.hash} (previous {record.prev_hash[:16]}…)", highlight=False)


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    kind: Annotated[Optional[str], typer.Option(help="match, screen, assess, key.create …")] = None,
    limit: Annotated[int, typer.Option(help="Records to show, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The newest audit records."""
    from chokepoint.cli import console

    _, _, audit = _state(ctx)
    records = audit.records(kind=kind, limit=limit)
    if as_json:
        _print_json([{k: v for k, v in r.to_json().items() if k not in ("request", "response")} for r in records])
        return
    table = Table(title="Audit log")
    for col in ("#", "call id", "at", "kind", "actor", "summary"):
        table.add_column(col)
    for r in records:
        table.add_row(str(r.seq), r.call_id, _when(r.at), r.kind, r.actor,
                      json.dumps(r.summary, ensure_ascii=False)[:80])
    console.print(table)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Walk the hash chain; exit 1 and name the first broken record."""
    from chokepoint.cli import console

    _, _, audit = _state(ctx)
    report = audit.verify()
    if report.ok:
        console.print(f"[green]audit chain intact[/green]: {report.records} record(s)")
        return
    brk = report.first_break
    console.print(f"[red]audit chain broken[/red] at record {brk.seq}"
                  f"{' (' + brk.call_id + ')' if brk.call_id else ''}: {brk.problem}", highlight=False)
    raise typer.Exit(1)


# --- users --------------------------------------------------------------------


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option(help="viewer, analyst or admin.")] = Role.analyst,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a workspace account (the password is prompted, or read from stdin)."""
    from chokepoint.cli import console, err_console
    from chokepoint.service.accounts import AccountError, Accounts
    from chokepoint.service.audit import AuditEntry

    store, _, audit = _state(ctx)
    try:
        user = Accounts(store.engine).create(username, role, _read_password(password_stdin))
    except AccountError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    audit.append([AuditEntry(kind="user.create", actor=os.environ.get("USER", "cli"), channel="cli",
                             summary={"user": user.username, "role": user.role.value})])
    console.print(f"created {user.role.value} {user.username!r}", highlight=False)


@users_app.command("passwd")
def users_passwd(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Set a workspace account's password (and unlock it)."""
    from chokepoint.cli import console, err_console
    from chokepoint.service.accounts import AccountError, Accounts

    store, _, _ = _state(ctx)
    try:
        Accounts(store.engine).set_password(username, _read_password(password_stdin))
    except AccountError as exc:
        err_console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"password of {username!r} set", highlight=False)


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List workspace accounts."""
    from chokepoint.cli import console
    from chokepoint.service.accounts import Accounts

    store, _, _ = _state(ctx)
    table = Table(title="Workspace accounts")
    for col in ("user", "role", "created", "last login"):
        table.add_column(col)
    for u in Accounts(store.engine).users():
        table.add_row(u.username, u.role.value, _when(u.created_at), _when(u.last_login_at))
    console.print(table)


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    from_date: Annotated[Optional[datetime], typer.Option("--from", help="First day (YYYY-MM-DD), inclusive.")] = None,
    to_date: Annotated[Optional[datetime], typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")] = None,
    format: Annotated[str, typer.Option(help="csv or jsonl (whole records, verifiable).")] = "csv",
    out: Annotated[Optional[str], typer.Option(help="Write to this file (default: print).")] = None,
) -> None:
    """Export audit records of a period as CSV or JSON lines."""
    from datetime import timedelta, timezone

    from chokepoint.cli import err_console
    from chokepoint.service.audit import export_records

    if format not in ("csv", "jsonl"):
        err_console.print("[red]error[/red] --format is csv or jsonl")
        raise typer.Exit(2)
    _, _, audit = _state(ctx)
    since = from_date.replace(tzinfo=timezone.utc) if from_date else None
    until = (to_date.replace(tzinfo=timezone.utc) + timedelta(days=1)) if to_date else None
    text = export_records(audit.records(since=since, until=until, newest_first=False), format)
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
