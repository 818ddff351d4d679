"""Who says what: attribution of claims in news prose.

A claim in a news story is reported as someone's: "…," said National
Security Council spokesman John Kirby; Kirby warned that …; the White
House said Friday …; according to Reuters. For every sentence that
attributes what it says, an :class:`Attribution` records the speaker (a
full name where the story gives one), the speaker's role as written, the
reporting verb and the span the attribution covers: the sentence, widened
to the quotation it attributes when that runs over several sentences. A
paragraph that is only a quotation continues the previous paragraph's
speaker. "He said" and "the spokesman continued" refer back to the last
person named; a surname alone ("Kirby") is the earlier full name ending in
it. The words are data (``attribution.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from chokepoint.media.text import Span, paragraphs, sentences

DATA = Path(__file__).resolve().parent / "data"
#: Words read back from the verb to find the speaker.
MAX_SPEAKER_WORDS = 8
_OPEN, _CLOSE = "“\"", "”\""
_NAME_WORD = re.compile(r"^(?:[A-Z][\w’'\-]*\.?|(?:[A-Z]\.)+)$")
_ARTICLES = frozenset({"the", "a", "an"})
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]]|\s[–—-]\s")

PERSON, ORGANISATION, GROUP, SOURCE = "person", "organisation", "group", "source"


@dataclass(frozen=True)
class AttributionWords:
    verbs: tuple[str, ...]
    between: frozenset[str]
    sources: tuple[str, ...]
    back_references: tuple[str, ...]
    not_speakers: frozenset[str]
    role_words: frozenset[str]
    organisation_words: frozenset[str]


@cache
def attribution_words() -> AttributionWords:
    raw = yaml.safe_load((DATA / "attribution.yaml").read_text("utf-8"))
    return AttributionWords(
        verbs=tuple(sorted(raw["verbs"], key=len, reverse=True)),
        between=frozenset(raw["between"]),
        sources=tuple(raw["source_markers"]),
        back_references=tuple(sorted(raw["back_references"], key=len, reverse=True)),
        not_speakers=frozenset(raw["not_speakers"]),
        role_words=frozenset(w.lower() for w in raw["role_words"]),
        organisation_words=frozenset(raw["organisation_words"]),
    )


@dataclass(frozen=True)
class Attribution:
    """A sentence (or quotation) attributed to a speaker."""

    start: int
    end: int
    speaker: str
    #: person | organisation | group | source
    kind: str
    verb: str
    role: str | None = None
    #: where the speaker is named (or referred to) in the story
    speaker_start: int | None = None
    speaker_end: int | None = None
    #: the words that name the speaker, as written ("Kirby", "he")
    written: str | None = None

    def covers(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "speaker": self.speaker, "kind": self.kind,
                "verb": self.verb, "role": self.role, "speaker_start": self.speaker_start,
                "speaker_end": self.speaker_end, "written": self.written}


def quotations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) of quotations (curly or straight double quotes)."""
    out, opened = [], None
    for i in range(start, end):
        char = text[i]
        if char == "“" or (char == '"' and opened is None):
            opened = i
        elif (char == "”" or char == '"') and opened is not None:
            out.append((opened, i + 1))
            opened = None
    if opened is not None:  # a quotation running to the paragraph's end
        out.append((opened, end))
    return out


def _masked(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> str:
    """``text[start:end]`` with quoted words blanked (offsets kept), so
    that nothing inside a quotation is read as an attribution."""
    chars = list(text[start:end])
    for a, b in quotes:
        for i in range(max(a, start), min(b, end)):
            if chars[i - start] not in "“”\"":
                chars[i - start] = " "
    return "".join(chars)


@dataclass
class _Speaker:
    name: str
    kind: str
    role: str | None
    start: int
    end: int
    written: str


class Attributor:
    """Finds the attributions of one story."""

    def __init__(self, words: AttributionWords | None = None) -> None:
        self.words = words or attribution_words()
        verbs = "|".join(re.escape(v) for v in self.words.verbs)
        self.verb = re.compile(rf"(?<![\w’'])({verbs})(?![\w’'])")
        self.source = re.compile(rf"(?<![\w])(?:{'|'.join(re.escape(s) for s in self.words.sources)})\s+"
                                 r"((?:[A-Z][\w’'.\-]*\s*){1,5})")
        self.people: list[_Speaker] = []

    def find(self, text: str) -> list[Attribution]:
        out: list[Attribution] = []
        all_sentences = sentences(text)
        previous: Attribution | None = None
        for para in paragraphs(text):
            quotes = quotations(text, para.start, para.end)
            found = []
            for sentence in (s for s in all_sentences if para.start <= s.start < para.end):
                found.extend(self._sentence(text, sentence, quotes))
            if not found and previous is not None and previous.kind == PERSON and _opens_with_quote(para):
                found = [Attribution(q[0], q[1], previous.speaker, PERSON, "continued quotation", previous.role)
                         for q in quotes]
            out.extend(found)
            previous = next((a for a in reversed(found) if a.kind == PERSON), previous if not found else None)
        return self._resolve_surnames(out)

    # --- one sentence --------------------------------------------------------

    def _sentence(self, text: str, sentence: Span, quotes: list[tuple[int, int]]) -> list[Attribution]:
        """The attributions of one sentence; a sentence with several
        speakers is split between them at each speaker's name."""
        masked = _masked(text, sentence.start, sentence.end, quotes)
        found: list[tuple[_Speaker, str]] = []
        for m in self.verb.finditer(masked):
            speaker = self._after(masked, sentence.start, m) or self._before(masked, sentence.start, m)
            if speaker is not None and not any(s.start == speaker.start for s, _ in found):
                found.append((speaker, m.group(1)))
        if not found:
            source = self._source(masked, sentence)
            found = [(source, "according to")] if source is not None else []
        start, end = _scope(sentence, quotes)
        out = []
        for i, (speaker, verb) in enumerate(found):
            a = start if i == 0 else speaker.start
            b = found[i + 1][0].start if i + 1 < len(found) else end
            out.append(Attribution(a, b, speaker.name, speaker.kind, verb, speaker.role, speaker.start,
                                   speaker.end, speaker.written))
            if speaker.kind == PERSON:
                self.people.append(speaker)
        return out

    def _after(self, masked: str, offset: int, m: re.Match) -> _Speaker | None:
        """``…," said National Security Council spokesman John Kirby``."""
        before = masked[:m.start()].rstrip()
        if not before.endswith((",", "”", '"')):
            return None
        rest = masked[m.end():]
        stop = _CLAUSE_BREAK.search(rest)
        clause = rest[:stop.start()] if stop else rest
        clause = clause.rstrip(" .!?")
        return self._who(clause, offset + m.end(), from_start=True)

    def _before(self, masked: str, offset: int, m: re.Match) -> _Speaker | None:
        """``National Security Council spokesman John Kirby said``,
        ``the White House also said``, ``he said``."""
        head = masked[:m.start()]
        breaks = [b.end() for b in _CLAUSE_BREAK.finditer(head)] + [head.rfind("”") + 1, head.rfind('"') + 1]
        clause_start = max([0, *breaks])
        clause = head[clause_start:]
        tokens = clause.split()
        while tokens and tokens[-1].lower() in self.words.between:
            tokens.pop()
        if not tokens:
            return None
        kept = " ".join(tokens[-MAX_SPEAKER_WORDS:])
        start = offset + clause_start + clause.find(kept)
        back = self._back_reference(kept, start)
        if back is not None:
            return back
        return self._who(kept, start, from_start=False)

    def _who(self, clause: str, offset: int, from_start: bool) -> _Speaker | None:
        """The speaker a clause names: a run of capitalised words ending the
        clause (or starting it, after a verb), split into role and name."""
        words = list(re.finditer(r"\S+", clause))
        if not words:
            return None
        if from_start:
            words = words[:MAX_SPEAKER_WORDS]
            last = max((i for i, w in enumerate(words) if _NAME_WORD.match(w.group().rstrip("’'s"))), default=-1)
            if last < 0 or words[0].group() in self.words.not_speakers:
                return None
            words = words[: last + 1]
        if not _NAME_WORD.match(words[-1].group().rstrip("’'s")) and words[-1].group().lower() not in (
                self.words.role_words):
            return None
        run = []
        for w in reversed(words):
            if _NAME_WORD.match(w.group()) and w.group().lower() not in self.words.role_words:
                run.insert(0, w)
            else:
                break
        role_part = clause[: run[0].start()].strip() if run else clause.strip()
        if not run:  # "U.S. officials said": a group, named by its role words
            if any(_NAME_WORD.match(t) for t in role_part.split()):
                return _Speaker(_strip_article(role_part), GROUP, None, offset, offset + len(clause.rstrip()),
                                role_part)
            return None
        while len(run) > 1 and run[0].group().lower() in _ARTICLES:
            run.pop(0)
        name = " ".join(w.group() for w in run)
        if name in self.words.not_speakers or run[0].group() in self.words.not_speakers and len(run) == 1:
            return None
        start, end = offset + run[0].start(), offset + run[-1].end()
        role = _strip_article(role_part) or None
        last_role_word = (role or "").split()[-1].lower() if role else ""
        kind = PERSON if last_role_word in self.words.role_words else self._kind(run)
        return _Speaker(name, kind, role, start, end, name)

    def _kind(self, run: list[re.Match]) -> str:
        names = [w.group() for w in run]
        if any(n in self.words.organisation_words for n in names) or len(names) > 4:
            return ORGANISATION
        if len(names) == 1 and not any(p.name.split()[-1] == names[0] for p in self.people):
            return ORGANISATION if names[0].isupper() else PERSON
        return PERSON

    def _back_reference(self, clause: str, offset: int) -> _Speaker | None:
        low = clause.lower()
        for ref in self.words.back_references:
            if low == ref or low.endswith(" " + ref) and len(low.split()) <= len(ref.split()) + 1:
                if not self.people:
                    return None
                last = self.people[-1]
                at = low.rfind(ref)
                return _Speaker(last.name, PERSON, last.role, offset + at, offset + at + len(ref),
                                clause[at:at + len(ref)])
        return None

    def _source(self, masked: str, sentence: Span) -> _Speaker | None:
        m = self.source.search(masked)
        if not m:
            return None
        name = m.group(1).strip().rstrip(".,")
        if not name or name.split()[0] in self.words.not_speakers:
            return None
        start = sentence.start + m.start(1)
        return _Speaker(name, SOURCE, None, start, start + len(name), name)

    # --- names ---------------------------------------------------------------

    def _resolve_surnames(self, found: list[Attribution]) -> list[Attribution]:
        """"Kirby" → "John Kirby" when the story names him in full."""
        full = [a.speaker for a in found if a.kind == PERSON and len(a.speaker.split()) > 1]
        out = []
        for a in found:
            if a.kind == PERSON and len(a.speaker.split()) == 1:
                match = next((f for f in full if f.split()[-1] == a.speaker), None)
                if match:
                    role = a.role or next((b.role for b in found if b.speaker == match and b.role), None)
                    a = Attribution(a.start, a.end, match, a.kind, a.verb, role, a.speaker_start, a.speaker_end,
                                    a.written)
            out.append(a)
        return out


def _scope(sentence: Span, quotes: list[tuple[int, int]]) -> tuple[int, int]:
    """The sentence, widened to the quotations it touches."""
    start, end = sentence.start, sentence.end
    for a, b in quotes:
        if a < sentence.end and b > sentence.start:
            start, end = min(start, a), max(end, b)
    return start, end


def _opens_with_quote(para: Span) -> bool:
    return para.text.lstrip()[:1] in _OPEN


def _strip_article(text: str) -> str:
    words = text.split()
    while words and words[0].lower() in _ARTICLES:
        words.pop(0)
    return " ".join(words)


def attributions(text: str) -> list[Attribution]:
    """Every attribution of a story, in order."""
    return Attributor().find(text)
