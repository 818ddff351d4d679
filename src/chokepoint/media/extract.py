"""The story and its metadata (title, date, source, author) from an input.

HTML goes through ``trafilatura`` (main-content extraction: navigation,
sidebars, link lists and comments are left out; metadata from the page's
meta tags and structured data). Its text, and any plain-text input, then
goes through the line heuristic of :mod:`chokepoint.media.boilerplate`,
which drops what is left of headline lists, tag lists and widgets. A
story shorter than ``MediaSettings.min_story_chars`` is not an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import trafilatura

from chokepoint.media.boilerplate import TextStory, extract_story, split_site
from chokepoint.media.config import MediaSettings
from chokepoint.media.read import MediaInputError, RawInput

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%d %b %Y",
                 "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d.%m.%Y")


@dataclass
class Extracted:
    """An article's story and metadata."""

    title: str | None
    paragraphs: list[str]
    published: str | None
    author: str | None
    source: str | None
    url: str | None
    format: str
    #: trafilatura | text
    method: str
    #: lines dropped around the story, by class
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def info(self) -> dict:
        return {"format": self.format, "method": self.method, "paragraphs": len(self.paragraphs),
                "dropped": self.dropped}


def normalise_date(value: str | None) -> str | None:
    """An ISO date (or date and time) from the usual ways pages print one;
    None when it cannot be read."""
    if not value:
        return None
    text = " ".join(value.replace("T", " ").split())
    text = re.sub(r"(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.isoformat() if ("%H" in fmt) else parsed.date().isoformat()
    return None


def from_text(raw: RawInput) -> Extracted:
    story = extract_story(raw.text)
    return _extracted(story, raw, "text")


def from_html(raw: RawInput) -> Extracted:
    try:
        doc = trafilatura.bare_extraction(raw.text, url=raw.url, with_metadata=True, include_comments=False,
                                          include_tables=False, favor_precision=True)
    except Exception as exc:  # the parser's own failure on malformed markup is bad input, not a crash
        raise MediaInputError(raw.source, f"cannot read this HTML page: {type(exc).__name__}: {exc}") from exc
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    story = extract_story(text)
    extracted = _extracted(story, raw, "trafilatura")
    if doc is None:
        return extracted
    title = getattr(doc, "title", None)
    if title:
        extracted.title = split_site(title)[0]
    extracted.author = getattr(doc, "author", None) or extracted.author
    extracted.published = normalise_date(getattr(doc, "date", None)) or extracted.published
    extracted.source = getattr(doc, "sitename", None) or getattr(doc, "hostname", None) or extracted.source
    extracted.url = getattr(doc, "url", None) or extracted.url
    return extracted


def _extracted(story: TextStory, raw: RawInput, method: str) -> Extracted:
    return Extracted(title=story.title, paragraphs=story.paragraphs, published=normalise_date(story.published),
                     author=story.author, source=story.source, url=raw.url, format=raw.format, method=method,
                     dropped=dict(story.dropped))


def extract(raw: RawInput, media: MediaSettings) -> Extracted:
    """The story of one input; raises :class:`MediaInputError` when there
    is no article in it."""
    extracted = from_html(raw) if raw.format == "html" else from_text(raw)
    size = len(extracted.body)
    if size < media.min_story_chars:
        what = "HTML page" if raw.format == "html" else "text"
        found = f"only {size} characters of story text" if size else "no paragraph of running text"
        raise MediaInputError(raw.source, f"no article found in this {what}: {found} (at least "
                                          f"{media.min_story_chars} needed)")
    return extracted
