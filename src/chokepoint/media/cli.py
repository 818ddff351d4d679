"""``chokepoint media …``: ingest news articles, list and show them, and
find the articles that name a party."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chokepoint.settings import Settings

media_app = typer.Typer(help="Adverse media: news articles and the listed parties, places and programmes they "
                             "mention.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _lists(ctx: typer.Context):
    from chokepoint.lists.store import ListStore

    return ListStore.open(_settings(ctx))


def _screener(ctx: typer.Context, lists, required: bool):
    from chokepoint.matching.engine import load_screener

    if not lists.active_versions():
        if required:
            err_console.print("[red]error[/red] no lists are loaded: run `chokepoint lists load --bundled` "
                              "(or pass --no-entities)")
            raise typer.Exit(1)
        return None
    with console.status("Loading the name index…"):
        return load_screener(lists, _settings(ctx), progress=lambda m: err_console.print(m))


def _audit(lists, kind: str, summary: dict, request: dict) -> str:
    from chokepoint.service.audit import AuditEntry, AuditLog

    entry = AuditEntry(kind=kind, actor=getpass.getuser(), channel="cli", summary=summary, request=request)
    return AuditLog(lists.engine).append([entry])[0].call_id


@media_app.command("ingest")
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="HTML or text files, folders of them, or files listing URLs "
                                                     "(one per line).")],
    entities: Annotated[bool, typer.Option("--entities/--no-entities", help="Find listed entities (needs "
                                                                          "loaded lists).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Ingest articles: extract each story, find its mentions, store it
    (the same story twice is one article; copies are linked as duplicates)."""
    from chokepoint.media.config import MediaSettings
    from chokepoint.media.ingest import Ingestor
    from chokepoint.media.read import read_inputs

    settings = _settings(ctx)
    media = MediaSettings.from_env()
    lists = _lists(ctx)
    screener = _screener(ctx, lists, required=True) if entities else None
    ingestor = Ingestor.for_lists(lists, media, screener, actor=getpass.getuser())
    results = ingestor.ingest_all(read_inputs(list(paths), settings, media))
    stored = [r for r in results if r.status == "stored"]
    _audit(lists, "media.ingest", {"inputs": len(results), "stored": len(stored),
                                   "errors": sum(1 for r in results if not r.ok)},
           {"paths": [str(p) for p in paths], "results": [r.to_json() for r in results]})
    if as_json:
        _print_json([r.to_json() for r in results])
    else:
        _print_results(results)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def _print_results(results) -> None:
    table = Table("input", "status", "article", "title", "mentions", "links")
    for r in results:
        if not r.ok:
            table.add_row(escape(r.source), "[red]error[/red]", "", escape(r.error or ""), "", "")
            continue
        counts = ", ".join(f"{k} {v}" for k, v in r.mentions.items() if v)
        links = []
        if r.duplicate_of:
            links.append(f"duplicate of #{r.duplicate_of} ({r.similarity:.2f})")
        links.extend(f"related to #{x['article_id']} ({len(x['shared'])} shared)" for x in r.related)
        table.add_row(escape(r.source), r.status, f"#{r.article_id}", escape(r.title or ""), counts,
                      escape("; ".join(links)))
    console.print(table)


@media_app.command("list")
def list_articles(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Articles to show.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the articles as JSON.")] = False,
) -> None:
    """Stored articles, newest first."""
    from chokepoint.media.store import MediaStore

    store = MediaStore(_lists(ctx).engine)
    articles = store.list(limit)
    if as_json:
        _print_json([a.summary() for a in articles])
        return
    table = Table("id", "title", "published", "source", "duplicate of")
    for a in articles:
        table.add_row(str(a.id), escape(a.title or a.origin), a.published or "", escape(a.source or ""),
                      f"#{a.duplicate_of}" if a.duplicate_of else "")
    console.print(table)


@media_app.command("show")
def show(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(help="Article id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the article as JSON.")] = False,
) -> None:
    """One article: metadata, mentions with their speakers, links."""
    from chokepoint.media.store import MediaStore

    article = MediaStore(_lists(ctx).engine).get(article_id)
    if article is None:
        err_console.print(f"[red]error[/red] no article {article_id}")
        raise typer.Exit(1)
    if as_json:
        _print_json(article.to_json())
        return
    console.print(f"[bold]#{article.id} {escape(article.title or '')}[/bold]")
    console.print(escape(f"{article.source or ''} {article.published or ''} {article.url or article.origin}"))
    table = Table("kind", "as written", "what", "speaker")
    for m in article.mentions:
        table.add_row(m["kind"], escape(m["text"]), escape(m["label"]), escape(m["speaker"] or ""))
    console.print(table)
    for link in article.links:
        console.print(escape(f"{link.kind}: #{link.article_id} {link.title or ''} {', '.join(link.shared)}"))


@media_app.command("search")
def search(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A party's name.")],
    schema: Annotated[str, typer.Option(help="Person, Company, Organization, LegalEntity …")] = "LegalEntity",
    threshold: Annotated[Optional[float], typer.Option(help="Name score needed (default: the algorithm's).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the articles as JSON.")] = False,
) -> None:
    """Articles mentioning a name (or the listed entities it matches)."""
    from chokepoint.matching.records import PartyQuery
    from chokepoint.media.evidence import media_evidence

    lists = _lists(ctx)
    screener = _screener(ctx, lists, required=False)
    matched = []
    if screener is not None:
        matched = [m.record.entity_id for m in screener.match(PartyQuery.build(name=name, schema=schema))]
    refs = media_evidence(lists, [name], matched, schema, screener, threshold)
    if as_json:
        _print_json([r.to_json() for r in refs])
        return
    if not refs:
        console.print(f"No stored article mentions {escape(name)}.")
        return
    table = Table("article", "title", "published", "mentions (basis, speaker)")
    for r in refs:
        mentions = "; ".join(f"{m['text']} ({m['basis']}{', ' + m['speaker'] if m['speaker'] else ''})"
                             for m in r.mentions)
        table.add_row(f"#{r.article_id}", escape(r.title or ""), r.published or "", escape(mentions))
    console.print(table)
