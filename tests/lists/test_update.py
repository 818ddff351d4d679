"""`lists update`: download from a real HTTP server on 127.0.0.1, verify,
load; conditional requests, broken and suspicious downloads, retries,
staleness in `lists status`, /readyz and /metrics, audit records.

Fixtures are cut from the real OFAC SDN CSV files (2021 and 2023) and the
UN consolidated XML under ../shared/data/lists: small, so the tests are fast.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from chokepoint.lists.store import ListStore
from chokepoint.lists.update import (
    SKIPPED,
    configured_urls,
    file_name,
    redact,
    select_datasets,
    source_status,
    update_dataset,
    update_datasets,
)
from chokepoint.settings import Settings
from tests.service.conftest import start_server

SDN = "us_ofac_sdn"
ROWS = 200


# --- the server ---------------------------------------------------------------------


@dataclass
class Resource:
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = "text/csv"
    #: send Content-Length of the whole body, then close after this many bytes
    drop_after: int | None = None
    #: answer 503 this many times first
    fail_first: int = 0
    status: int = 200


@dataclass
class Served:
    url: str
    resources: dict[str, Resource]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        served: Served = self.server.served
        served.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        resource = served.resources.get(self.path)
        if resource is None or resource.fail_first > 0 or resource.status != 200:
            status = 404 if resource is None else 503 if resource.fail_first > 0 else resource.status
            if resource is not None and resource.fail_first > 0:
                resource.fail_first -= 1
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (inm is not None and inm == resource.etag) or (
                inm is None and ims is not None and ims == resource.last_modified):
            self.send_response(304)
            if resource.etag:
                self.send_header("ETag", resource.etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        if resource.etag:
            self.send_header("ETag", resource.etag)
        if resource.last_modified:
            self.send_header("Last-Modified", resource.last_modified)
        self.end_headers()
        if resource.drop_after is None:
            self.wfile.write(resource.body)
            return
        self.wfile.write(resource.body[:resource.drop_after])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def served():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.served = Served(f"http://127.0.0.1:{server.server_address[1]}", {})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.served
    server.shutdown()
    server.server_close()


# --- fixture files ------------------------------------------------------------------


@dataclass(frozen=True)
class Files:
    sdn_a: bytes  # 2021, first ROWS rows
    sdn_b: bytes  # 2023, header and first ROWS rows
    sdn_shrunk: bytes  # sdn_a without 40 % of its rows
    un_xml: bytes


def _rows(path: Path, count: int) -> bytes:
    lines = path.read_bytes().split(b"\r\n")
    return b"\r\n".join(lines[:count]) + b"\r\n"


@pytest.fixture(scope="module")
def files(lists_dir) -> Files:
    return Files(
        sdn_a=_rows(lists_dir / "ofac_sdn_2021" / "sdn.csv", ROWS),
        sdn_b=_rows(lists_dir / "ofac_sdn_2023" / "sdn.csv", ROWS + 1),
        sdn_shrunk=_rows(lists_dir / "ofac_sdn_2021" / "sdn.csv", int(ROWS * 0.6)),
        un_xml=(lists_dir / "un" / "consolidated.xml").read_bytes(),
    )


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", update_attempts=2, update_backoff=0.01, update_timeout=10)


@pytest.fixture
def store(settings) -> ListStore:
    return ListStore.open(settings)


def _active(store: ListStore, dataset: str = SDN):
    return next((v for v in store.versions(dataset) if v.active), None)


def _status(store: ListStore, settings: Settings, dataset: str = SDN):
    return next(s for s in source_status(store, settings) if s.dataset == dataset)


def _load_a(store, settings, served, files, **resource) -> object:
    served.resources["/sdn.csv"] = Resource(files.sdn_a, **resource)
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "ok", report.message
    return report.version


# --- loading and conditional requests ----------------------------------------------


def test_first_download_loads_and_activates(store, settings, served, files):
    served.resources["/sdn.csv"] = Resource(files.sdn_a, etag='"a1"')
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "ok" and report.ok, report.message
    active = _active(store)
    assert active is not None and active.id == report.version.id and active.target_count == ROWS
    assert active.source == f"{served.url}/sdn.csv"
    status = _status(store, settings)
    assert status.status == "ok" and not status.stale and status.succeeded_at is not None
    assert "if-none-match" not in served.requests[0][1]
    # the download went to a private folder under the cache, removed afterwards
    assert not any(settings.cache_dir.glob("update-*"))


def test_second_run_gets_304_by_etag_and_loads_nothing(store, settings, served, files):
    _load_a(store, settings, served, files, etag='"v1"')
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "unchanged" and "304" in report.message
    assert served.requests[-1][1]["if-none-match"] == '"v1"'
    assert len(store.versions(SDN)) == 1
    assert _status(store, settings).status == "unchanged"


def test_second_run_gets_304_by_last_modified(store, settings, served, files):
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    _load_a(store, settings, served, files, last_modified=stamp)
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "unchanged" and "304" in report.message
    headers = served.requests[-1][1]
    assert headers["if-modified-since"] == stamp and "if-none-match" not in headers
    assert len(store.versions(SDN)) == 1


def test_same_file_without_validators_is_unchanged_by_hash(store, settings, served, files):
    _load_a(store, settings, served, files)
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "unchanged" and "sha256" in report.message
    assert len(store.versions(SDN)) == 1


def test_a_new_file_becomes_the_active_version(store, settings, served, files):
    first = _load_a(store, settings, served, files, etag='"a"')
    served.resources["/sdn.csv"] = Resource(files.sdn_b, etag='"b"')
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "ok", report.message
    assert report.previous.id == first.id and _active(store).id == report.version.id != first.id


# --- broken, wrong and suspicious downloads -------------------------------------------


def test_connection_drop_mid_file_fails_and_keeps_the_active_version(store, settings, served, files):
    first = _load_a(store, settings, served, files)
    served.resources["/sdn.csv"] = Resource(files.sdn_b, drop_after=len(files.sdn_b) // 2)
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "failed" and report.attempts == 2, report.message
    assert _active(store).id == first.id and len(store.versions(SDN)) == 1
    status = _status(store, settings)
    assert status.status == "failed" and status.stale and status.error == report.message


def test_truncated_csv_with_matching_length_is_not_loaded(store, settings, served, files):
    first = _load_a(store, settings, served, files)
    cut = files.sdn_b[: len(files.sdn_b) // 2]
    assert not cut.endswith(b"\r\n")  # in the middle of a row
    served.resources["/sdn.csv"] = Resource(cut)
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status in ("failed", "refused"), report.message
    assert _active(store).id == first.id and len(store.versions(SDN)) == 1


def test_truncated_xml_fails_to_parse(store, settings, served, files):
    served.resources["/consolidated.xml"] = Resource(files.un_xml[:200_000], content_type="text/xml")
    report = update_dataset(store, settings, "un_sc_sanctions", f"{served.url}/consolidated.xml")
    assert report.status == "failed" and "does not parse" in report.message
    assert store.versions("un_sc_sanctions") == []
    assert _status(store, settings, "un_sc_sanctions").stale


def test_an_html_page_is_refused(store, settings, served, files):
    first = _load_a(store, settings, served, files)
    page = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body><p>Back soon</p></body></html>"
    served.resources["/sdn.csv"] = Resource(page, content_type="text/html")
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "refused", report.message
    assert _active(store).id == first.id
    assert _status(store, settings).stale


def test_a_un_xml_offered_as_ofac_is_refused(store, settings, served, files):
    served.resources["/SDN.XML"] = Resource(files.un_xml, content_type="text/xml")
    report = update_dataset(store, settings, SDN, f"{served.url}/SDN.XML")
    assert report.status == "refused" and "un_xml" in report.message
    assert store.versions(SDN) == []


def test_a_large_drop_is_refused_and_force_loads_it(store, settings, served, files):
    first = _load_a(store, settings, served, files, etag='"full"')
    served.resources["/sdn.csv"] = Resource(files.sdn_shrunk, etag='"shrunk"')
    refused = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert refused.status == "refused"
    assert f"{int(ROWS * 0.6)} listed entities against {ROWS}" in refused.message and "-40%" in refused.message
    assert _active(store).id == first.id and _status(store, settings).stale
    # the refused file's validators were not kept: the next run fetches and refuses it again
    assert update_dataset(store, settings, SDN, f"{served.url}/sdn.csv").status == "refused"
    forced = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv", force=True)
    assert forced.status == "ok", forced.message
    assert _active(store).target_count == int(ROWS * 0.6)
    assert not _status(store, settings).stale


def test_retries_after_503_with_backoff(store, settings, served, files):
    served.resources["/sdn.csv"] = Resource(files.sdn_a, fail_first=2)
    report = update_dataset(store, settings.model_copy(update={"update_attempts": 3}), SDN,
                            f"{served.url}/sdn.csv")
    assert report.status == "ok" and report.attempts == 3
    assert len(served.requests) == 3


def test_too_few_attempts_fail_and_404_is_not_retried(store, settings, served, files):
    served.resources["/sdn.csv"] = Resource(files.sdn_a, fail_first=2)
    report = update_dataset(store, settings, SDN, f"{served.url}/sdn.csv")
    assert report.status == "failed" and "503" in report.message and report.attempts == 2
    served.requests.clear()
    missing = update_dataset(store, settings, SDN, f"{served.url}/gone.csv")
    assert missing.status == "failed" and "404" in missing.message and len(served.requests) == 1


def test_file_url(store, settings, tmp_path, files):
    path = tmp_path / "mirror" / "sdn.csv"
    path.parent.mkdir()
    path.write_bytes(files.sdn_a)
    report = update_dataset(store, settings, SDN, path.as_uri())
    assert report.status == "ok", report.message
    assert _active(store).target_count == ROWS
    assert update_dataset(store, settings, SDN, path.as_uri()).status == "unchanged"
    missing = update_dataset(store, settings, SDN, (tmp_path / "nope.csv").as_uri())
    assert missing.status == "failed" and _active(store).target_count == ROWS


def test_no_server_is_a_failure_not_an_exception(store, settings):
    report = update_dataset(store, settings, SDN, "http://127.0.0.1:9/sdn.csv")
    assert report.status == "failed" and "cannot download" in report.message


# --- sources, selection, staleness ---------------------------------------------------------


def test_sources_file_overrides_the_catalogue_and_selects_datasets(tmp_path, settings):
    sources = tmp_path / "sources.yaml"
    sources.write_text("datasets:\n  us_ofac_sdn:\n    url: file:///mirror/sdn.csv\n"
                       "  us_bis_entity: {url: 'https://user:secret@mirror.example/entity.json'}\n")
    configured = settings.model_copy(update={"sources_file": sources})
    assert configured_urls(configured)["us_ofac_sdn"] == "file:///mirror/sdn.csv"
    chosen, skipped = select_datasets(configured)
    assert {"us_ofac_sdn", "us_ofac_cons", "un_sc_sanctions", "eu_fsf", "us_bis_entity"} <= set(chosen)
    reasons = {r.dataset: r.message for r in skipped}
    assert all(r.status == SKIPPED and r.ok for r in skipped)
    assert "several files" in reasons["gb_fcdo_sanctions"] and "third-party" in reasons["us_bis_meu"]
    assert "index page" in reasons["opensanctions"] and "us_bis_entity" not in reasons
    assert redact("https://user:secret@mirror.example/entity.json") == "https://mirror.example/entity.json"
    sources.write_text("- not a mapping\n")
    with pytest.raises(ValueError, match="sources file"):
        select_datasets(configured)


def test_update_datasets_reports_each_dataset(store, settings, served, files):
    served.resources["/sdn.csv"] = Resource(files.sdn_a)
    reports = update_datasets(store, settings, [SDN], f"{served.url}/sdn.csv")
    assert [r.status for r in reports] == ["ok"]
    unknown = update_datasets(store, settings, ["no_such_list"])
    assert unknown[0].status == "failed" and "unknown dataset" in unknown[0].message
    with pytest.raises(ValueError):
        update_datasets(store, settings, None, f"{served.url}/sdn.csv")


def test_file_names_keep_the_extension():
    assert file_name("https://x.example/api/exports/SDN.CSV", None) == "SDN.CSV"
    assert file_name("https://x.example/files/content", 'attachment; filename="list.xml"') == "list.xml"
    assert file_name("https://x.example/a/", 'attachment; filename="../../etc/passwd"') == "passwd"
    assert file_name("https://x.example/", None) == "download"


def test_staleness_by_age(store, settings, served, files):
    _load_a(store, settings, served, files)
    now = datetime.now(timezone.utc)
    assert not _status(store, settings).stale
    later = source_status(store, settings, now=now + timedelta(hours=settings.stale_after_hours + 1))
    assert later[0].stale and "no successful update" in later[0].reason


# --- the CLI: status, audit ------------------------------------------------------------------


def _cli(tmp_path, *args):
    from chokepoint.cli import app

    return CliRunner().invoke(app, ["--home", str(tmp_path / "cli-home"), *args], catch_exceptions=False)


def test_cli_update_status_and_audit(tmp_path, served, files):
    from chokepoint.service.audit import AuditLog

    served.resources["/sdn.csv"] = Resource(files.sdn_a, etag='"a"')
    served.resources["/page.html"] = Resource(b"<html><body>Not found</body></html>", content_type="text/html")
    ok = _cli(tmp_path, "lists", "update", "--dataset", SDN, "--url", f"{served.url}/sdn.csv", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)[0]["status"] == "ok"
    status = json.loads(_cli(tmp_path, "lists", "status", "--json").stdout)
    row = next(d for d in status["datasets"] if d["dataset"] == SDN)
    assert row["source"]["state"] == "fresh" and row["active_version"]["target_count"] == ROWS

    bad = _cli(tmp_path, "lists", "update", "--dataset", SDN, "--url", f"{served.url}/page.html", "--attempts", "1")
    assert bad.exit_code == 1 and "refused" in bad.output
    status = json.loads(_cli(tmp_path, "lists", "status", "--json").stdout)
    row = next(d for d in status["datasets"] if d["dataset"] == SDN)
    assert row["source"]["stale"] and row["source"]["status"] == "refused" and row["source"]["error"]
    assert row["active_version"]["target_count"] == ROWS  # the old version still serves
    table = _cli(tmp_path, "lists", "status")
    assert "stale" in table.output

    records = AuditLog(ListStore.open(Settings(home=tmp_path / "cli-home")).engine).records(kind="list.update")
    assert [r.summary["results"][0]["status"] for r in records] == ["refused", "ok"]
    assert records[1].summary["results"][0]["version"].startswith(f"{SDN}@")
    assert "/page.html" in records[0].summary["results"][0]["url"]


def test_cli_url_needs_one_dataset(tmp_path):
    assert _cli(tmp_path, "lists", "update", "--url", "http://127.0.0.1:9/x").exit_code == 2


# --- the service: /readyz, /metrics, dashboard ------------------------------------------------


def test_readyz_metrics_and_dashboard_show_stale(store, settings, served, files, monkeypatch):
    from types import SimpleNamespace

    from chokepoint.service.app import create_app
    from chokepoint.service.state import Loaded, ServiceState

    _load_a(store, settings, served, files)
    served.resources["/sdn.csv"] = Resource(b"<html><body>Error</body></html>", content_type="text/html")
    assert update_dataset(store, settings, SDN, f"{served.url}/sdn.csv").status == "refused"

    state = ServiceState(settings, store)
    # the name index is not under test here (building it costs seconds of rigour set-up):
    # the state is "loaded" with the active versions and an empty index
    empty = SimpleNamespace(index=SimpleNamespace(names={}, records={}))
    monkeypatch.setattr(state, "load", lambda: setattr(
        state, "loaded", Loaded(empty, {v.id: v for v in store.active_versions()})))
    _, secret = state.keys.create("viewer", "metrics")
    state.accounts.create("stale-viewer", "viewer", "Correct-Horse-42")
    server = start_server(create_app(settings, state=state, background_load=False))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 200
            body = ready.json()
            assert body["ready"] and body["stale_lists"] == [SDN]
            item = next(i for i in body["lists"] if i["dataset"] == SDN)
            assert item["stale"] is True and item["update_status"] == "refused" and item["last_update"]
            metrics = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"}).text
            assert f'chokepoint_list_stale{{dataset="{SDN}"}} 1.0' in metrics
            assert f'chokepoint_list_last_update_timestamp_seconds{{dataset="{SDN}"}}' in metrics

            form = client.get("/ui/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            login = client.post("/ui/login", data={"username": "stale-viewer", "password": "Correct-Horse-42",
                                                   "csrf_token": csrf, "next": "/ui/"})
            assert login.status_code == 303
            page = client.get("/ui/").text
            assert '<strong class="warn" title="last update refused: ' in page
            assert '<span class="sr">: last update refused' in page
    finally:
        server.stop()
    state.stop()


# --- PostgreSQL -----------------------------------------------------------------------------------


def test_update_cycle_on_postgresql(tmp_path, served, files):
    """Load, 304, refusal and staleness with the store on PostgreSQL."""
    import uuid

    import sqlalchemy

    from tests.conftest import PG_URL, _pg_available

    if not _pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        pg = Settings(home=tmp_path / "home", database_url=f"{PG_URL}?options=-csearch_path%3D{schema}",
                      update_attempts=1)
        store = ListStore.open(pg)
        first = _load_a(store, pg, served, files, etag='"pg"')
        assert update_dataset(store, pg, SDN, f"{served.url}/sdn.csv").status == "unchanged"
        served.resources["/sdn.csv"] = Resource(files.sdn_shrunk)
        assert update_dataset(store, pg, SDN, f"{served.url}/sdn.csv").status == "refused"
        assert _active(store).id == first.id and _status(store, pg).stale
        store.engine.dispose()
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()
