"""A plain-text news page cut down to its story.

A page saved or downloaded as text keeps everything around the story:
the breadcrumb, the site's name, a date line, tag lists, rating widgets
and, below the story, blocks of unrelated headlines under "Related",
"Ranking" or "Recommendation". The heuristic, line by line:

1. Each line is classified: metadata (``Date: …``, ``By …``), navigation
   (breadcrumbs), widget, list heading (``boilerplate.yaml``), list item
   (``- …``, ``• …``), prose (a sentence: at least ``PROSE_WORDS`` words
   ending in sentence punctuation, or several sentences) or short (a
   headline-like line).
2. The page is cut into segments at every list heading and at every run of
   ``BREAK_RUN`` or more lines that are not prose.
3. The story is the segment with the most prose words; within it, the
   prose lines and the short lines between two prose lines (subheadings)
   are kept; list items, widgets and everything outside are dropped.
4. The title is the first short line before the story that is not
   navigation (with a site name after it cut off); a breadcrumb or title
   line ending in " -Site" gives the site's name.

Every dropped line is counted by its class, so an extraction can be
checked.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"

#: Fewest words of a one-sentence prose line.
PROSE_WORDS = 12
#: A line this long is running text even without closing punctuation.
LONG_LINE = 30
#: Non-prose lines in a row that end a segment.
BREAK_RUN = 3

_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►]|\d{1,2}[.)])\s+")
_SENTENCE_PUNCT = re.compile(r"[.!?][\"”’')\]]*$")
_SENTENCES = re.compile(r"[.!?][\"”’')\]]*\s+[\"“‘(]?[A-Z]")

META, NAV, WIDGET, HEADING, ITEM, PROSE, SHORT = "metadata", "navigation", "widget", "list heading", \
    "list item", "prose", "short"


@dataclass(frozen=True)
class BoilerplateRules:
    """The patterns of ``boilerplate.yaml``, compiled."""

    headings: frozenset[str]
    metadata: dict[str, re.Pattern]
    navigation: tuple[re.Pattern, ...]
    widgets: tuple[re.Pattern, ...]
    separators: tuple[str, ...]


@cache
def rules() -> BoilerplateRules:
    raw = yaml.safe_load((DATA / "boilerplate.yaml").read_text("utf-8"))
    return BoilerplateRules(
        headings=frozenset(_heading_key(h) for h in raw["list_headings"]),
        metadata={k: re.compile(v, re.I) for k, v in raw["metadata"].items()},
        navigation=tuple(re.compile(p, re.I) for p in raw["navigation"]),
        widgets=tuple(re.compile(p, re.I) for p in raw["widgets"]),
        separators=tuple(raw["title_site_separators"]),
    )


def _heading_key(line: str) -> str:
    return " ".join(line.lower().replace("’", "'").split()).rstrip(":").strip()


@dataclass(slots=True)
class Line:
    text: str
    kind: str
    words: int
    value: tuple[str, str] | None = None  # metadata (field, value)


@dataclass
class TextStory:
    """The story of a text page and what was cut around it."""

    title: str | None
    paragraphs: list[str]
    published: str | None = None
    author: str | None = None
    source: str | None = None
    dropped: Counter = field(default_factory=Counter)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def classify(text: str, r: BoilerplateRules | None = None) -> Line:
    """The class of one line of a text page."""
    r = r or rules()
    line = " ".join(text.split())
    count = len(line.split())
    for name, pattern in r.metadata.items():
        m = pattern.match(line)
        if m:
            return Line(line, META, count, (name, m.group("value").strip()))
    if _heading_key(_BULLET.sub("", line)) in r.headings and count <= 5:
        return Line(line, HEADING, count)
    if any(p.search(line) for p in r.navigation):
        return Line(line, NAV, count)
    if any(p.search(line) for p in r.widgets):
        return Line(line, WIDGET, count)
    if _BULLET.match(text):
        return Line(line, ITEM, count)
    if is_prose(line, count):
        return Line(line, PROSE, count)
    return Line(line, SHORT, count)


def is_prose(line: str, count: int | None = None) -> bool:
    """A sentence of running text: long enough and ending like one, or
    several sentences."""
    count = len(line.split()) if count is None else count
    ends = bool(_SENTENCE_PUNCT.search(line))
    return (count >= PROSE_WORDS and ends) or count >= LONG_LINE or (
        count >= 6 and ends and len(_SENTENCES.findall(line)) >= 1)


def segments(lines: list[Line]) -> list[tuple[int, int]]:
    """[start, end) line ranges between list headings and long runs of
    non-prose lines."""
    out, start, run = [], 0, 0
    for i, line in enumerate(lines):
        if line.kind == HEADING:
            out.append((start, i - run))
            start, run = i + 1, 0
            continue
        run = 0 if line.kind == PROSE else run + 1
        if run == BREAK_RUN:
            out.append((start, i + 1 - run))
            start = i + 1 - run
    out.append((start, len(lines) - run))
    return [(a, b) for a, b in out if b > a]


def prose_words(lines: list[Line], seg: tuple[int, int]) -> int:
    return sum(line.words for line in lines[seg[0]:seg[1]] if line.kind == PROSE)


def extract_story(text: str) -> TextStory:
    """The story of a plain-text page (see the module's description)."""
    r = rules()
    lines = [classify(raw, r) for raw in text.splitlines() if raw.strip()]
    segs = segments(lines)
    if not segs or not any(prose_words(lines, s) for s in segs):
        return TextStory(None, [], dropped=Counter(line.kind for line in lines))
    best = max(segs, key=lambda s: prose_words(lines, s))
    prose_at = [i for i in range(*best) if lines[i].kind == PROSE]
    first, last = prose_at[0], prose_at[-1]
    kept = [i for i in range(first, last + 1) if lines[i].kind in (PROSE, SHORT)]
    story = TextStory(None, [lines[i].text for i in kept])
    _metadata(story, lines, r)
    story.title = _title(lines[:first], r)
    story.source = story.source or _site_name(lines, story.title, r)
    keep = set(kept) | {i for i, line in enumerate(lines[:first]) if story.title and line.text.startswith(story.title)}
    story.dropped = Counter(line.kind for i, line in enumerate(lines) if i not in keep and line.kind != META)
    return story


def _metadata(story: TextStory, lines: list[Line], r: BoilerplateRules) -> None:
    for line in lines:
        if line.kind == META and line.value:
            name, value = line.value
            if name == "date" and not story.published:
                story.published = value
            elif name == "author" and not story.author:
                story.author = value
            elif name == "source" and not story.source:
                story.source = value


def _title(before: list[Line], r: BoilerplateRules) -> str | None:
    """The first headline-like line before the story."""
    for line in before:
        if line.kind in (SHORT, PROSE) and line.words >= 3:
            return split_site(line.text, r)[0]
    return None


def split_site(title: str, r: BoilerplateRules | None = None) -> tuple[str, str | None]:
    """"Story -Site" → ("Story", "Site") when the tail is a short name."""
    r = r or rules()
    for sep in r.separators:
        head, found, tail = title.rpartition(sep)
        tail = tail.strip(" -|–—:")
        if found and head.strip() and tail and len(tail.split()) <= 5 and not _SENTENCE_PUNCT.search(tail):
            return head.strip(), tail
    return title, None


def _site_name(lines: list[Line], title: str | None, r: BoilerplateRules) -> str | None:
    """The site's name from a line that repeats the title followed by it
    ("Home > Story -Site")."""
    if not title:
        return None
    for line in lines:
        at = line.text.find(title)
        if at >= 0 and line.text != title:
            _, site = split_site(line.text[at:], r)
            if site:
                return site
    return None
