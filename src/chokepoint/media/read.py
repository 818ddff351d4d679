"""Inputs of ``media ingest``: files, folders and files of URLs, read with
the checks every input passes before anything is extracted or stored.

* a file larger than ``MediaSettings.max_bytes`` is refused unread;
* an empty file (nothing but white space) is refused;
* a binary file (a known magic number, NUL bytes that are not UTF-16, or
  mostly control characters) is refused, naming what it looks like;
* text is decoded as UTF-8 (BOM or not), UTF-16 with a BOM, else
  Windows-1252;
* a file whose lines are all URLs is a list of URLs: each is downloaded
  with the list updates' fetch (timeout, retries with backoff, length
  check) and read like a file.
"""

from __future__ import annotations

import codecs
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chokepoint.media.config import MediaSettings
from chokepoint.settings import Settings

#: File endings read from a folder (other files in it are skipped).
ARTICLE_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".txt", ".text", ".urls"})
_URL_LINE = re.compile(r"^(?:https?|file)://\S+$", re.I)
_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<\?xml)", re.I)
_HTML_TAGS = re.compile(r"<(?:p|div|article|h1|h2|span|a|br|section|main|meta|title)[\s>/]", re.I)
#: Magic numbers of files that are not articles.
MAGIC = (
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip-compressed data"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"\x7fELF", "an executable"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"SQLite format 3", "a SQLite database"), (b"RIFF", "a media file"),
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class MediaInputError(ValueError):
    """An input that cannot be ingested; names the input and the problem."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


@dataclass(frozen=True)
class RawInput:
    """One article's text as read, before extraction."""

    #: the file path or URL it came from
    source: str
    text: str
    #: html | text
    format: str
    size: int
    url: str | None = None


def check_size(source: str, size: int, media: MediaSettings) -> None:
    if size > media.max_bytes:
        raise MediaInputError(source, f"{size:,} bytes is over the size limit of {media.max_bytes:,} bytes "
                                      "(CHOKEPOINT_MEDIA_MAX_BYTES)")


def binary_kind(data: bytes) -> str | None:
    """What a file looks like when it is not text (None: it is text)."""
    for magic, what in MAGIC:
        if data.startswith(magic):
            return what
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if b"\x00" in head:
        return "binary data (NUL bytes)"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if head and controls / len(head) > 0.05:
        return "binary data (control characters)"
    return None


def decode(source: str, data: bytes) -> str:
    """Text of an input (see the module's description)."""
    if not data.strip():
        raise MediaInputError(source, "the file is empty")
    kind = binary_kind(data)
    if kind:
        raise MediaInputError(source, f"not a text or HTML file: it is {kind}")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise MediaInputError(source, f"invalid {encoding} text at byte {exc.start}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise MediaInputError(source, "the file is empty")
    return text


def sniff_format(name: str, text: str) -> str:
    """``html`` or ``text``, by file ending, then by content."""
    suffix = Path(name.split("?", 1)[0]).suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    head = text[:4096]
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 3:
        return "html"
    return "text"


def url_lines(text: str) -> list[str] | None:
    """The URLs of a URL list (every non-blank, non-comment line is one),
    else None."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if lines and all(_URL_LINE.match(line) for line in lines):
        return lines
    return None


def read_bytes(source: str, data: bytes, media: MediaSettings, url: str | None = None) -> RawInput:
    """Check and decode one input given as bytes (an upload, a download)."""
    check_size(source, len(data), media)
    text = decode(source, data)
    return RawInput(source, text, sniff_format(url or source, text), len(data), url)


def read_file(path: Path, media: MediaSettings) -> RawInput:
    """Check and decode one file; the size is checked before reading."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaInputError(source, f"cannot read: {exc.strerror or exc}") from exc
    check_size(source, size, media)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MediaInputError(source, f"cannot read: {exc.strerror or exc}") from exc
    return read_bytes(source, data, media)


def expand(paths: list[Path]) -> Iterator[Path | MediaInputError]:
    """Files to read: the files given, and the article files of folders
    (recursively, in name order); a missing path is an error item."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                              and p.suffix.lower() in ARTICLE_SUFFIXES)
        elif path.exists():
            yield path
        else:
            yield MediaInputError(str(path), "no such file or folder")


def fetch_url(url: str, settings: Settings, media: MediaSettings) -> RawInput:
    """Download one article with the list updates' fetch (timeout, retries,
    backoff, length check) and read it like a file."""
    from chokepoint.lists.update import FetchError, fetch, redact

    shown = redact(url) or url
    with tempfile.TemporaryDirectory(prefix="chokepoint-media-") as folder:
        try:
            result = fetch(url, Path(folder), settings)
        except FetchError as exc:
            raise MediaInputError(shown, exc.message) from exc
        path = result.path
        if path is None:
            raise MediaInputError(shown, "the server sent no content")
        check_size(shown, path.stat().st_size, media)
        return read_bytes(shown, path.read_bytes(), media, url=shown)


def read_inputs(paths: list[Path], settings: Settings, media: MediaSettings
                ) -> Iterator[RawInput | MediaInputError]:
    """Every input of ``media ingest PATH…``, in order: files, files of
    folders, the downloads of URL lists; a bad input is an error item and
    the others go on."""
    for item in expand(paths):
        if isinstance(item, MediaInputError):
            yield item
            continue
        try:
            raw = read_file(item, media)
        except MediaInputError as exc:
            yield exc
            continue
        urls = url_lines(raw.text) if raw.format == "text" else None
        if urls is None:
            yield raw
            continue
        for url in urls:
            try:
                yield fetch_url(url, settings, media)
            except MediaInputError as exc:
                yield exc
