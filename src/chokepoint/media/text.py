"""Words and sentences of a story, with their character spans.

Every mention chokepoint reports points into the stored story by
``[start, end)`` character offsets, so the words and sentences here keep
theirs. Sentences end at ``.``, ``!`` or ``?`` (and a closing quote after
one) before a capital letter or an opening quote, except after the usual
abbreviations and initials ("U.S.", "Mr.", "J."), and at paragraph breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rigour.text.translit import ascii_text

#: A word: letters and digits, with inner apostrophes, hyphens and dots
#: ("Makhachkala", "Shahed-136", "U.S.", "Moscow's").
WORD = re.compile(r"\w+(?:[’'.\-/&]\w+)*\.?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9\u0400-\u04ff])")
_PARAGRAPH = re.compile(r"\n\s*\n")
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "st", "jr", "sr",
    "no", "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m",
})


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the story."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class TextWord(Span):
    """One word with its comparable ASCII form."""

    ascii: str

    @property
    def capitalised(self) -> bool:
        first = self.text[0]
        return first.isupper() or first.isdigit() or not first.isalpha() or not _cased(first)


def _cased(char: str) -> bool:
    """Whether the script of ``char`` has capital letters."""
    return char.upper() != char.lower()


@lru_cache(maxsize=65536)
def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of a word ("Moscow's" → "moscows")."""
    return re.sub(r"[^0-9a-z]+", "", ascii_text(text).lower())


def words(text: str, start: int = 0, end: int | None = None) -> list[TextWord]:
    """The words of ``text[start:end]`` with spans into ``text``. A
    trailing dot stays on a word only for abbreviations and initials."""
    out = []
    for m in WORD.finditer(text, start, len(text) if end is None else end):
        token = m.group()
        stop = m.end()
        if token.endswith(".") and not _keeps_dot(token):
            token, stop = token[:-1], stop - 1
        if token:
            out.append(TextWord(m.start(), stop, token, ascii_word(token)))
    return out


def _keeps_dot(token: str) -> bool:
    core = token[:-1].lower()
    return core in ABBREVIATIONS or len(core) == 1 or "." in core


def paragraphs(text: str) -> list[Span]:
    """Paragraphs: blocks between blank lines (a single line break inside
    a block is kept as part of it)."""
    out, pos = [], 0
    for m in _PARAGRAPH.finditer(text):
        _add_span(out, text, pos, m.start())
        pos = m.end()
    _add_span(out, text, pos, len(text))
    return out


def _add_span(out: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Span(start, end, text[start:end]))


def sentences(text: str) -> list[Span]:
    """Sentences of the whole text, paragraph by paragraph."""
    out: list[Span] = []
    for para in paragraphs(text):
        pos = para.start
        for m in _SENTENCE_END.finditer(text, para.start, para.end):
            before = text[pos:m.start() + 1]
            last = before.split()[-1].rstrip(".!?\"”’')]").lower() if before.split() else ""
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            stop = m.end()
            _add_span(out, text, pos, stop)
            pos = stop
        _add_span(out, text, pos, para.end)
    return out
