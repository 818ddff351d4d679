"""Update lists from their official sources: download, verify, then load.

``update_dataset`` fetches one dataset's file from its source URL (the
catalogue's ``url``, overridden by the sources file of
``Settings.sources_file`` or by an explicit URL), with conditional requests
(``If-None-Match`` / ``If-Modified-Since`` from the ETag and Last-Modified
kept in ``list_sources``), retries with exponential backoff, a check of the
bytes received against ``Content-Length``, and a sha256 computed while
streaming. The file is loaded as a new active version only after it parsed
completely in a format its dataset is published in, holds listed entities,
and the number of listed entities has not dropped by more than
``Settings.update_max_drop`` against the active version (``force``
overrides). Anything else leaves the active version serving and is
recorded in ``list_sources`` (status ``failed`` or ``refused`` with the
error), which makes the list *stale* (:func:`source_status`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

import httpx
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chokepoint import __version__
from chokepoint.lists.catalog import DatasetInfo, catalog, dataset_info
from chokepoint.lists.loader import FormatMismatch, check_format, parse_checked
from chokepoint.lists.parsers.base import ListFormatError, ParseResult
from chokepoint.lists.store import ListStore, ListVersion
from chokepoint.lists.tables import ListSourceRow
from chokepoint.settings import Settings

log = logging.getLogger(__name__)

USER_AGENT = f"chokepoint/{__version__} (list update)"
#: HTTP statuses worth another attempt (the server may recover)
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_CHUNK = 1 << 16

#: Formats published as a set of files, which cannot be fetched as one.
MULTI_FILE_FORMATS = frozenset({"uk_csv"})
#: Third-party parses of official documents (eCFR text, PDFs): there is
#: no official file of that format to fetch, unless the sources file names one.
THIRD_PARTY_FORMATS = frozenset({"nsfreg_json", "restricted_parties_json"})
#: FollowTheMoney exports: the catalogue's URL is an index of datasets, so
#: they are fetched only when the sources file (or ``--url``) names a file.
INDEX_FORMATS = frozenset({"ftm_json"})

#: ``list_sources.status`` values, and ``skipped`` (not attempted).
OK, UNCHANGED, FAILED, REFUSED, SKIPPED = "ok", "unchanged", "failed", "refused", "skipped"


class SourcesFileError(ValueError):
    """The sources file cannot be read or has the wrong shape."""


class UpdateProblem(Exception):
    """Why an update did not load: ``status`` is ``failed`` (download or
    parse) or ``refused`` (the wrong or a suspicious file)."""

    def __init__(self, status: str, message: str, attempts: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.attempts = attempts


class FetchError(UpdateProblem):
    def __init__(self, message: str, retry: bool = False) -> None:
        super().__init__(FAILED, message)
        self.retry = retry


@dataclass
class FetchResult:
    """What one download gave: a complete file, or ``not_modified``."""

    url: str
    not_modified: bool = False
    path: Path | None = None
    sha256: str | None = None
    size: int = 0
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1


@dataclass
class UpdateReport:
    """One dataset's update: ``status`` is ok | unchanged | failed | refused
    | skipped, with a message saying why."""

    dataset: str
    url: str | None
    status: str
    message: str = ""
    version: ListVersion | None = None
    previous: ListVersion | None = None
    sha256: str | None = None
    attempts: int = 0
    warnings: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in (OK, UNCHANGED, SKIPPED)

    def to_json(self) -> dict:
        return {
            "dataset": self.dataset,
            "url": self.url,
            "status": self.status,
            "ok": self.ok,
            "message": self.message,
            "version": self.version.id if self.version else None,
            "previous_version": self.previous.id if self.previous else None,
            "targets": self.version.target_count if self.version else None,
            "previous_targets": self.previous.target_count if self.previous else None,
            "sha256": self.sha256,
            "attempts": self.attempts,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class SourceStatus:
    """How current one dataset is: its last check, last success, last
    error, and whether it is stale."""

    dataset: str
    url: str | None
    status: str | None
    checked_at: datetime | None
    succeeded_at: datetime | None
    failed_at: datetime | None
    error: str | None
    active_version: str | None
    #: the last successful update, or the active version's load if later
    last_success: datetime | None
    stale: bool
    reason: str

    @property
    def state(self) -> str:
        return "stale" if self.stale else "fresh"

    def to_json(self) -> dict:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "dataset": self.dataset,
            "url": self.url,
            "status": self.status,
            "checked_at": iso(self.checked_at),
            "succeeded_at": iso(self.succeeded_at),
            "failed_at": iso(self.failed_at),
            "error": self.error,
            "active_version": self.active_version,
            "last_success": iso(self.last_success),
            "stale": self.stale,
            "state": self.state,
            "reason": self.reason,
        }


# --- sources ------------------------------------------------------------------


def configured_urls(settings: Settings) -> dict[str, str]:
    """Dataset → URL from the sources file (``{datasets: {NAME: {url: URL}}}``)."""
    path = settings.sources_file
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourcesFileError(f"sources file {path}: {exc}") from exc
    datasets = raw.get("datasets") if isinstance(raw, dict) else None
    if not isinstance(datasets, dict):
        raise SourcesFileError(f"sources file {path}: expected `datasets: {{NAME: {{url: URL}}}}`")
    out = {}
    for name, spec in datasets.items():
        url = spec.get("url") if isinstance(spec, dict) else spec
        if not isinstance(url, str) or not url.strip():
            raise SourcesFileError(f"sources file {path}: dataset {name} has no url")
        out[str(name)] = url.strip()
    return out


def redact(url: str | None) -> str | None:
    """``url`` without a user name or password (never stored or shown)."""
    if not url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def skip_reason(info: DatasetInfo, configured: bool) -> str | None:
    """Why ``info`` is not updated by default (None: it is). ``configured``:
    the sources file names a URL for it."""
    formats = (info.format, *info.also_formats)
    if all(f in MULTI_FILE_FORMATS for f in formats) or (info.format in MULTI_FILE_FORMATS and not configured):
        return f"published as several files ({info.format}): use `lists load`"
    if configured:
        return None
    if info.format in THIRD_PARTY_FORMATS:
        return f"a third-party parse ({info.format}), no official file: set a URL in the sources file"
    if info.format in INDEX_FORMATS:
        return "the catalogue's URL is an index page: set an export's URL in the sources file"
    if not info.url:
        return "no source URL"
    return None


def select_datasets(settings: Settings, datasets: list[str] | None = None
                    ) -> tuple[list[str], list[UpdateReport]]:
    """The datasets to update (all updatable ones when ``datasets`` is
    empty) and reports for the ones skipped."""
    configured = configured_urls(settings)
    if datasets:
        return list(dict.fromkeys(datasets)), []
    chosen, skipped = [], []
    for name, info in catalog().items():
        reason = skip_reason(info, name in configured)
        if reason is None:
            chosen.append(name)
        else:
            skipped.append(UpdateReport(name, redact(configured.get(name, info.url)), SKIPPED, reason))
    return chosen, skipped


# --- fetching -----------------------------------------------------------------


def fetch(url: str, folder: Path, settings: Settings, etag: str | None = None,
          last_modified: str | None = None) -> FetchResult:
    """Download ``url`` into ``folder`` (http, https or file), with
    ``settings.update_attempts`` attempts; raises :class:`FetchError`."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _fetch_file(url, folder)
    if scheme not in ("http", "https"):
        raise FetchError(f"unsupported URL scheme {scheme or '(none)'!r} in {redact(url)} (http, https or file)")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempts = max(1, settings.update_attempts)
    with httpx.Client(timeout=settings.update_timeout, follow_redirects=True,
                      headers={"User-Agent": USER_AGENT}) as client:
        for n in range(attempts):
            try:
                result = _fetch_http(client, url, folder, headers)
            except FetchError as exc:
                exc.attempts = n + 1
                if not exc.retry or n + 1 == attempts:
                    raise
                delay = settings.update_backoff * 2 ** n
                log.warning("%s (attempt %d of %d); next attempt in %.1f s", exc, n + 1, attempts, delay)
                time.sleep(delay)
                continue
            result.attempts = n + 1
            return result
    raise AssertionError("unreachable")  # pragma: no cover


def _fetch_http(client: httpx.Client, url: str, folder: Path, headers: dict[str, str]) -> FetchResult:
    shown = redact(url)
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return FetchResult(url, not_modified=True, etag=response.headers.get("etag"),
                                   last_modified=response.headers.get("last-modified"))
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase} from {shown}",
                                 retry=response.status_code in RETRY_STATUSES)
            path = folder / file_name(url, response.headers.get("content-disposition"))
            digest = hashlib.sha256()
            size = 0
            with path.open("wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            expected = response.headers.get("content-length")
            if expected is not None and expected.isdigit() and int(expected) != response.num_bytes_downloaded:
                raise FetchError(f"incomplete download from {shown}: {response.num_bytes_downloaded} of "
                                 f"{expected} bytes", retry=True)
            return FetchResult(url, path=_fix_gz_name(path), sha256=digest.hexdigest(), size=size,
                               etag=response.headers.get("etag"),
                               last_modified=response.headers.get("last-modified"))
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out downloading {shown}: {type(exc).__name__}", retry=True) from exc
    except httpx.TransportError as exc:
        raise FetchError(f"cannot download {shown}: {type(exc).__name__}: {exc}", retry=True) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"cannot download {shown}: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:
        raise FetchError(f"cannot write the download of {shown}: {exc}") from exc


def _fetch_file(url: str, folder: Path) -> FetchResult:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"file URLs must name a local file, not host {parts.netloc!r}: {url}")
    source = Path(url2pathname(unquote(parts.path)))
    path = folder / file_name(url, None)
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as handle, path.open("wb") as out:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except OSError as exc:
        raise FetchError(f"cannot read {source}: {exc.strerror or exc}") from exc
    return FetchResult(url, path=_fix_gz_name(path), sha256=digest.hexdigest(), size=size)


def file_name(url: str, content_disposition: str | None) -> str:
    """A safe local file name keeping the source's extension (from
    Content-Disposition, else the URL's last path segment)."""
    name = None
    if content_disposition:
        message = Message()
        message["content-disposition"] = content_disposition
        name = message.get_filename()
    if not name:
        name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name.replace("\\", "/")).name).lstrip(".")[:120]
    return name or "download"


def _fix_gz_name(path: Path) -> Path:
    """A ``.gz`` name whose bytes are not gzip (the server sent it with
    Content-Encoding, so it arrived decompressed) loses the ``.gz``."""
    if path.suffix.lower() != ".gz":
        return path
    with path.open("rb") as handle:
        if handle.read(2) == b"\x1f\x8b":
            return path
    return path.rename(path.with_suffix(""))


# --- verifying ----------------------------------------------------------------


def verify(path: Path, dataset: str, active: ListVersion | None, settings: Settings,
           force: bool = False) -> ParseResult:
    """Parse the downloaded file completely as ``dataset`` and check it
    against the active version; raises :class:`UpdateProblem`."""
    try:
        module, _name = check_format(path, dataset)
        result = parse_checked(path, module, dataset)
    except FormatMismatch as exc:
        raise UpdateProblem(REFUSED, _where(exc, path)) from exc
    except ListFormatError as exc:
        raise UpdateProblem(FAILED, f"the file does not parse: {_where(exc, path)}") from exc
    except Exception as exc:  # a parser's unexpected error on a damaged file
        raise UpdateProblem(FAILED, f"the file does not parse: {type(exc).__name__}: {exc}") from exc
    check_suspicious(result, active, settings, force)
    return result


def _where(exc: ListFormatError, path: Path) -> str:
    return str(exc).replace(str(path), path.name, 1)


def check_suspicious(result: ParseResult, active: ListVersion | None, settings: Settings, force: bool) -> None:
    """Refuse a file whose listed entities dropped by more than the allowed
    share, or published before the active version (unless ``force``)."""
    if active is None or force:
        return
    new, old = len(result.targets), active.target_count
    if old and (old - new) / old > settings.update_max_drop:
        raise UpdateProblem(REFUSED, (
            f"{new} listed entities against {old} in the active version {active.id} "
            f"({(new - old) / old:+.0%}, more than the {settings.update_max_drop:.0%} drop allowed): "
            "not loaded; check the source, or load it with --force"))
    if result.published and active.published and result.published < active.published:
        raise UpdateProblem(REFUSED, (
            f"published {result.published}, before the active version {active.id} ({active.published}): "
            "not loaded; check the source, or load it with --force"))


# --- updating -----------------------------------------------------------------


def update_dataset(store: ListStore, settings: Settings, dataset: str, url: str | None = None,
                   force: bool = False) -> UpdateReport:
    """Download ``dataset`` from ``url`` (default: the sources file, else
    the catalogue) and load it as the new active version if it passes the
    checks. Never raises: every problem is in the report (and recorded)."""
    report = UpdateReport(dataset, redact(url), FAILED)
    try:
        info = dataset_info(dataset)
        if url is None:
            url = configured_urls(settings).get(dataset) or (info.url if info else None)
            report.url = redact(url)
        if info is None:
            raise UpdateProblem(FAILED, f"unknown dataset {dataset!r} (not in the catalogue, data/datasets.yaml)")
        if not url:
            raise UpdateProblem(FAILED, "no source URL")
        if all(f in MULTI_FILE_FORMATS for f in (info.format, *info.also_formats)):
            raise UpdateProblem(FAILED, skip_reason(info, True) or "cannot be downloaded as one file")
        _update(store, settings, report, url, force)
    except SourcesFileError as exc:
        report.status, report.message = FAILED, str(exc)
    except UpdateProblem as exc:
        report.status, report.message = exc.status, exc.message
        report.attempts = report.attempts or exc.attempts
    except Exception as exc:  # the database, the disk: reported, never a traceback
        log.exception("%s: update failed", dataset)
        report.status, report.message = FAILED, f"{type(exc).__name__}: {exc}"
    if report.status in (FAILED, REFUSED):
        log.warning("%s: update %s: %s", dataset, report.status, report.message)
        if report.url and dataset_info(dataset) is not None:
            try:
                _record(store, dataset, report.url, report.status, error=report.message)
            except Exception:
                log.exception("%s: cannot record the failed update", dataset)
    return report


def _update(store: ListStore, settings: Settings, report: UpdateReport, url: str, force: bool) -> None:
    dataset = report.dataset
    shown = redact(url) or url
    active = _active_version(store, dataset)
    report.previous = active
    row = _source_row(store, dataset)
    conditional = row is not None and row.url == shown and active is not None and not force
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"update-{dataset}-", dir=settings.cache_dir) as folder:
        fetched = fetch(url, Path(folder), settings,
                        etag=row.etag if conditional else None,
                        last_modified=row.last_modified if conditional else None)
        report.attempts = fetched.attempts
        report.sha256 = fetched.sha256
        if fetched.not_modified and active is None:
            raise UpdateProblem(FAILED, f"HTTP 304 (not modified) from {shown}, but no version is stored")
        if fetched.not_modified:
            report.status, report.version = UNCHANGED, active
            report.message = "not modified since the last download (HTTP 304)"
        elif not force and active is not None and (
                (conditional and fetched.sha256 == row.sha256) or fetched.sha256 in active.files.values()):
            report.status, report.version = UNCHANGED, active
            report.message = "the same file as before (sha256)"
        else:
            assert fetched.path is not None
            result = verify(fetched.path, dataset, active, settings, force)
            report.warnings = result.warning_counts()
            outcome = store.load(result, source=shown, activate=True)
            report.version = outcome.version
            if not outcome.created and not outcome.version.active:
                # the source now publishes a version stored earlier (loaded by
                # hand, or rolled back): verified above, so it becomes active
                report.version = store.activate(outcome.version.id)
                report.status = OK
                report.message = f"activated the stored version {outcome.version.id} (identical download)"
            elif outcome.created:
                report.status = OK
                report.message = (f"loaded {outcome.version.target_count} listed entities"
                                  + (f" (was {active.target_count})" if active else ""))
            else:
                report.status = UNCHANGED
                report.message = f"identical to the stored version {outcome.version.id}"
    if report.status == OK:
        log.info("%s: loaded %s from %s (%d bytes)", dataset, report.version.id, shown, fetched.size)
    else:
        log.info("%s: unchanged at %s", dataset, shown)
    _record(store, dataset, shown, report.status, fetched=fetched)


def update_datasets(store: ListStore, settings: Settings, datasets: list[str] | None = None,
                    url: str | None = None, force: bool = False) -> list[UpdateReport]:
    """Update ``datasets`` (default: every one that can be downloaded as one
    file), one report each, skipped ones included. ``url`` needs exactly one
    dataset. Raises :class:`SourcesFileError` for a bad sources file."""
    if url is not None and (not datasets or len(set(datasets)) != 1):
        raise ValueError("a URL needs exactly one dataset")
    chosen, reports = select_datasets(settings, datasets)
    for name in chosen:
        reports.append(update_dataset(store, settings, name, url, force))
    order = {name: i for i, name in enumerate(catalog())}
    return sorted(reports, key=lambda r: (order.get(r.dataset, len(order)), r.dataset))


# --- list_sources ---------------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _active_version(store: ListStore, dataset: str) -> ListVersion | None:
    return next((v for v in store.versions(dataset) if v.active), None)


def _source_row(store: ListStore, dataset: str) -> ListSourceRow | None:
    with Session(store.engine, expire_on_commit=False) as session:
        return session.get(ListSourceRow, dataset)


def _record(store: ListStore, dataset: str, url: str, status: str, error: str | None = None,
            fetched: FetchResult | None = None) -> None:
    """Write how an attempt went to ``list_sources``. Validators (ETag,
    Last-Modified, sha256) are kept only from files that were accepted, so
    a refused file is fetched and checked again next time."""
    now = _utcnow()
    with Session(store.engine) as session, session.begin():
        row = session.get(ListSourceRow, dataset, with_for_update=True)
        if row is None:
            row = ListSourceRow(dataset=dataset, url=url, status=status)
            session.add(row)
        elif row.url != url:
            row.url, row.etag, row.last_modified, row.sha256 = url, None, None, None
        row.status = status
        row.checked_at = now
        if status in (OK, UNCHANGED):
            row.succeeded_at = now
            row.error = None
            if fetched is not None and fetched.not_modified:
                row.etag = fetched.etag or row.etag
                row.last_modified = fetched.last_modified or row.last_modified
            elif fetched is not None:
                row.etag, row.last_modified, row.sha256 = fetched.etag, fetched.last_modified, fetched.sha256
        else:
            row.failed_at = now
            row.error = (error or status)[:4000]


# --- staleness --------------------------------------------------------------------


def source_status(store: ListStore, settings: Settings, now: datetime | None = None) -> list[SourceStatus]:
    """Per dataset (active or ever updated): last check, last success, last
    error, and ``stale``: the last attempt failed or was refused after the
    last success, or the last success (an update, or the active version's
    load if later) is older than ``settings.stale_after_hours``."""
    now = now or _utcnow()
    with Session(store.engine) as session:
        rows = {r.dataset: r for r in session.execute(select(ListSourceRow)).scalars()}
    active = {v.dataset: v for v in store.active_versions()}
    limit = timedelta(hours=settings.stale_after_hours)
    out = []
    for name in sorted(set(rows) | set(active)):
        row, version = rows.get(name), active.get(name)
        succeeded = _as_utc(row.succeeded_at) if row else None
        failed = _as_utc(row.failed_at) if row else None
        last = max((t for t in (succeeded, version.loaded_at if version else None) if t), default=None)
        if failed is not None and (last is None or failed > last):
            stale, reason = True, f"last update {row.status}: {row.error}"
        elif version is None:
            stale, reason = True, "no active version"
        elif last is None or now - last > limit:
            stale, reason = True, f"no successful update for more than {settings.stale_after_hours:g} h"
        else:
            stale, reason = False, ""
        out.append(SourceStatus(
            dataset=name, url=row.url if row else None, status=row.status if row else None,
            checked_at=_as_utc(row.checked_at) if row else None, succeeded_at=succeeded, failed_at=failed,
            error=row.error if row else None, active_version=version.id if version else None,
            last_success=last, stale=stale, reason=reason))
    return out


__all__ = [
    "FetchError", "FetchResult", "SourceStatus", "SourcesFileError", "UpdateProblem", "UpdateReport",
    "configured_urls", "fetch", "file_name", "redact", "select_datasets", "skip_reason", "source_status",
    "update_dataset", "update_datasets", "verify",
]
