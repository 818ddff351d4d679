"""Ingestion into a real store: the seed reports as related reports of one
event, the same article twice, a syndicated copy, URL lists fetched like
list updates, and bad input refused with nothing stored."""

from __future__ import annotations

import http.server
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chokepoint.media.config import MediaSettings
from chokepoint.media.ingest import ERROR, EXISTS, STORED
from chokepoint.media.read import read_inputs
from chokepoint.media.store import MediaStore
from chokepoint.media.tables import ArticleRow, BandRow, LinkRow, MentionRow, MentionWordRow

from .conftest import syndicated_html

MEDIA_TABLES = (ArticleRow, MentionRow, MentionWordRow, BandRow, LinkRow)


def rows(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in MEDIA_TABLES}


def ingest(ingestor, media_lists, *paths):
    settings, _ = media_lists
    return ingestor.ingest_all(read_inputs(list(paths), settings, ingestor.media))


def test_seed_reports_are_related_reports_not_duplicates(ingestor, media_lists, raw_seed, clean_seed):
    first, second = ingest(ingestor, media_lists, raw_seed, clean_seed)
    assert (first.status, second.status) == (STORED, STORED)
    assert first.duplicate_of is None and second.duplicate_of is None
    assert [r["article_id"] for r in second.related] == [first.article_id]
    shared = set(second.related[0]["shared"])
    # shared places, people and programme terms (and the listed SEZ operator)
    assert {"site-alabuga-sez", "sea-caspian", "person:john-kirby", "uav", "us-ofac-sdn-45708"} <= shared
    store = MediaStore(media_lists[1].engine)
    article = store.get(second.article_id)
    assert [(link.kind, link.article_id) for link in article.links] == [("related", first.article_id)]
    assert [(link.kind, link.article_id) for link in store.get(first.article_id).links] == [
        ("related", second.article_id)]
    assert first.mentions["place"] >= 7 and first.mentions["term"] >= 5 and first.mentions["entity"] >= 1
    stored = store.get(first.article_id)
    assert stored.list_versions and stored.extraction["method"] == "text"
    assert stored.published == "2025-04-11T07:04:19" and stored.source == "Infinite Edge Capital"


def test_same_article_twice_is_one_article(ingestor, media_lists, raw_seed, tmp_path):
    first, = ingest(ingestor, media_lists, raw_seed)
    before = rows(media_lists[1].engine)
    copy = tmp_path / "saved-again.txt"
    copy.write_text(raw_seed.read_text("utf-8").replace("\n", "\r\n") + "\n\n", "utf-8")
    again, same = ingest(ingestor, media_lists, raw_seed, copy)
    assert (again.status, again.article_id) == (EXISTS, first.article_id)
    assert (same.status, same.article_id) == (EXISTS, first.article_id)
    assert rows(media_lists[1].engine) == before


def test_syndicated_copy_is_linked_as_a_duplicate(ingestor, media_lists, raw_seed, tmp_path):
    first, = ingest(ingestor, media_lists, raw_seed)
    page = tmp_path / "caspian-wire.html"
    # the copy drops the story's last paragraph and adds a line of its own
    html = syndicated_html(raw_seed).replace("</article>", "<p>Caspian Wire contributed to this report from "
                                                           "Baku, where shipping agents were not available.</p>"
                                                           "</article>")
    page.write_text(html, "utf-8")
    copy, = ingest(ingestor, media_lists, page)
    assert copy.status == STORED and copy.duplicate_of == first.article_id
    assert copy.similarity >= MediaSettings().duplicate_threshold
    assert copy.site == "Caspian Wire" and copy.related == []
    links = MediaStore(media_lists[1].engine).get(copy.article_id).links
    assert [(link.kind, link.article_id) for link in links] == [("duplicate", first.article_id)]


class _Articles(http.server.BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/flaky.html" and self.hits[self.path] == 1:
            self.send_response(503)
            self.end_headers()
            return
        body = self.pages.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def article_server(raw_seed, clean_seed):
    _Articles.pages = {"/flaky.html": syndicated_html(raw_seed).encode(),
                       "/clean.txt": clean_seed.read_bytes()}
    _Articles.hits = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Articles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_file_of_urls_is_fetched_with_retries(ingestor, media_lists, article_server, tmp_path):
    urls = tmp_path / "reports.urls"
    urls.write_text(f"# reports to read\n{article_server}/flaky.html\n{article_server}/clean.txt\n"
                    f"{article_server}/gone.html\n", "utf-8")
    flaky, clean, gone = ingest(ingestor, media_lists, urls)
    assert flaky.status == STORED and _Articles.hits["/flaky.html"] == 2  # 503, then retried
    assert flaky.site == "Caspian Wire"
    assert clean.status == STORED and clean.related[0]["article_id"] == flaky.article_id
    assert gone.status == ERROR and "HTTP 404" in gone.error and gone.source.endswith("/gone.html")
    assert MediaStore(media_lists[1].engine).get(flaky.article_id).url == f"{article_server}/flaky.html"


def test_bad_input_is_refused_with_nothing_stored(ingestor, media_lists, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n\t\n", "utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    nul = tmp_path / "dump.html"
    nul.write_bytes(b"<html>" + b"\x00\x01\x02" * 200)
    no_article = tmp_path / "login.html"
    no_article.write_text("<html><head><title>Sign in</title></head><body><nav><a href='/'>Home</a> "
                          "<a href='/news'>News</a></nav><form><input name='user'><button>Sign in</button></form>"
                          "<ul><li><a href='/a'>Penguins land Norris Trophy winner</a></li></ul></body></html>")
    huge = tmp_path / "huge.txt"
    huge.write_text("Iran shipped drones across the Caspian Sea. " * 120_000, "utf-8")
    missing = tmp_path / "missing.txt"
    results = ingest(ingestor, media_lists, empty, binary, nul, no_article, huge, missing)
    assert [r.status for r in results] == [ERROR] * 6
    errors = {r.source.rsplit("/", 1)[-1]: r.error for r in results}
    assert errors["empty.txt"] == "the file is empty"
    assert errors["photo.txt"] == "not a text or HTML file: it is a PNG image"
    assert errors["dump.html"] == "not a text or HTML file: it is binary data (NUL bytes)"
    assert errors["login.html"].startswith("no article found in this HTML page")
    assert errors["huge.txt"].startswith("5,280,000 bytes is over the size limit of 5,000,000 bytes")
    assert errors["missing.txt"] == "no such file or folder"
    assert set(rows(media_lists[1].engine).values()) == {0}


def test_folder_input_reads_article_files(ingestor, media_lists, raw_seed, clean_seed, tmp_path):
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(raw_seed.read_bytes())
    (folder / "sub" / "b.txt").write_bytes(clean_seed.read_bytes())
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    results = ingest(ingestor, media_lists, folder)
    assert [r.status for r in results] == [STORED, STORED]
    assert rows(media_lists[1].engine)["media_articles"] == 2


def test_articles_on_sqlite_and_postgresql(settings, raw_seed, clean_seed):
    """Storage and look-ups on both databases (places, terms and people only:
    no screener here)."""
    from chokepoint.lists.store import ListStore
    from chokepoint.media.evidence import media_evidence
    from chokepoint.media.ingest import Ingestor

    lists = ListStore.open(settings)
    ingestor = Ingestor.for_lists(lists, MediaSettings(), None)
    first, second = ingestor.ingest_all(read_inputs([raw_seed, clean_seed], settings, ingestor.media))
    assert (first.status, second.status) == (STORED, STORED)
    assert [r["article_id"] for r in second.related] == [first.article_id]
    assert first.mentions["entity"] == 0 and MediaStore(lists.engine).get(first.article_id).list_versions == []
    refs = media_evidence(lists, ["Kashan Airfield"], (), "Organization")
    assert [r.article_id for r in refs] == [first.article_id]
    assert ingestor.ingest_all(read_inputs([raw_seed], settings, ingestor.media))[0].status == EXISTS
