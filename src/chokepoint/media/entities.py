"""Listed entities named in a story, through the matching index.

The story is cut into runs of name-like words (capitalised, or in a script
without capitals, with connectors such as "of" or "al" inside) that do not
cross a sentence or punctuation. Every window of up to ``max_words`` words
of a run that holds at least one word the index finds distinctive (its
postings are under the index's frequency cut) is screened with the
screener, as a LegalEntity (and as a Vessel after a ship word). Distinct
windows are screened once per story.

A hit must pass the screener's threshold, as any screening, and the
text-evidence rule of ``entity_mentions.yaml``: the window is the listed
name itself (every window word lines up, every distinctive listed word
lines up, few generic listed words are missing; a one-word window only
meets a one-word name spelled the same). The screener's explanation of
each hit is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from chokepoint.matching.index import MAX_DF_SHARE
from chokepoint.matching.normalize import JOINED, NAME, NUM, GENERIC
from chokepoint.matching.records import PartyQuery
from chokepoint.matching.screener import Match, Screener
from chokepoint.media.text import Span, TextWord, sentences, words

DATA = Path(__file__).resolve().parent / "data"
#: Matches kept per window.
WINDOW_LIMIT = 5
_JOINERS = frozenset(" \u00a0-‐–")


@dataclass(frozen=True)
class MentionRules:
    max_words: int
    connectors: frozenset[str]
    max_unmatched_generic_share: float
    one_word_alignments: frozenset[str]
    vessel_cues: frozenset[str]


@cache
def mention_rules() -> MentionRules:
    raw = yaml.safe_load((DATA / "entity_mentions.yaml").read_text("utf-8"))
    return MentionRules(int(raw["max_words"]), frozenset(str(c).lower() for c in raw["connectors"]),
                        float(raw["max_unmatched_generic_share"]), frozenset(raw["one_word_alignments"]),
                        frozenset(str(c).lower() for c in raw["vessel_cues"]))


@dataclass(frozen=True)
class EntityHit:
    """A listed entity named at ``[start, end)``."""

    start: int
    end: int
    text: str
    match: Match
    schema: str


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    text: str
    size: int
    vessel: bool


def text_evidence(match: Match, size: int, rules: MentionRules) -> bool:
    """Whether a screener hit on a window of ``size`` words is the listed
    name itself (see the module's description)."""
    name = match.explanation.name
    if name is None or not match.is_match:
        return False
    aligned = [w for w in name.words if w.query is not None and w.candidate is not None]
    if any(w.candidate is None for w in name.words if w.query is not None) or not aligned:
        return False
    left = [w for w in name.words if w.query is None]
    if any(w.role in (NAME, NUM, JOINED) for w in left):
        return False
    listed = sum(w.weight for w in name.words if w.candidate is not None) or 1.0
    if sum(w.weight for w in left if w.role == GENERIC) / listed > rules.max_unmatched_generic_share:
        return False
    if size == 1:
        return not any(w.role == GENERIC for w in left) and all(w.how in rules.one_word_alignments
                                                                for w in aligned)
    return True


class EntityFinder:
    """Finds listed entities in stories with one screener."""

    def __init__(self, screener: Screener, rules: MentionRules | None = None) -> None:
        self.screener = screener
        self.rules = rules or mention_rules()
        index = screener.index
        self.max_df = max(50, int(MAX_DF_SHARE * len(index.names)))
        self._distinctive: dict[str, bool] = {}
        self.windows_screened = 0

    def distinctive(self, word: TextWord) -> bool:
        """The index holds the word, and not in too many names to find by."""
        key = word.ascii
        known = self._distinctive.get(key)
        if known is None:
            count = self.screener.index.posting_count("w:" + key) if key else 0
            known = self._distinctive[key] = 0 < count <= self.max_df
        return known

    def runs(self, text: str, sentence: Span) -> list[list[TextWord]]:
        return name_runs(text, sentence, self.rules)

    def windows(self, text: str) -> list[list[Window]]:
        """The windows of each run, longest first. A one-word window is
        taken only when the run is that one word and it does not open the
        sentence (where every word is capitalised)."""
        out = []
        for sentence in sentences(text):
            first = next(iter(words(text, sentence.start, sentence.end)), None)
            for run in self.runs(text, sentence):
                vessel = self._after_vessel_cue(text, run[0].start)
                found = []
                for i in range(len(run)):
                    if run[i].text.lower() in self.rules.connectors:
                        continue
                    for j in range(i + 1, min(len(run), i + self.rules.max_words) + 1):
                        part = run[i:j]
                        if part[-1].text.lower() in self.rules.connectors:
                            continue
                        if len(part) == 1 and (len(run) > 1 or part[0] == first):
                            continue
                        if not any(self.distinctive(w) for w in part):
                            continue
                        found.append(Window(part[0].start, part[-1].end, text[part[0].start:part[-1].end],
                                            len(part), vessel))
                if found:
                    out.append(sorted(found, key=lambda w: (-w.size, w.start)))
        return out

    def _after_vessel_cue(self, text: str, start: int) -> bool:
        before = text[max(0, start - 40):start].lower().split()
        tail = before[-3:]
        return any(" ".join(tail[k:]) in self.rules.vessel_cues or tail[k] in self.rules.vessel_cues
                   for k in range(len(tail)))

    def find(self, text: str) -> list[EntityHit]:
        """Every listed entity named in ``text``, each at its longest span.
        Within a run the longest windows go first; a window inside one that
        named an entity is not screened (longest match)."""
        cache: dict[tuple[str, str], list[Match]] = {}
        best: dict[str, EntityHit] = {}
        for run in self.windows(text):
            taken: list[tuple[int, int]] = []
            for window in run:
                if any(a <= window.start and window.end <= b for a, b in taken):
                    continue
                matches = self._screen(window, cache)
                for match, schema in matches:
                    self._keep(best, EntityHit(window.start, window.end, window.text, match, schema))
                if matches:
                    taken.append((window.start, window.end))
        hits = list(best.values())
        return sorted(hits, key=lambda h: (h.start, -h.end, -h.match.score, h.match.record.entity_id))

    def _screen(self, window: Window, cache: dict) -> list[tuple[Match, str]]:
        out = []
        for schema in ("LegalEntity", "Vessel") if window.vessel else ("LegalEntity",):
            key = (window.text, schema)
            if key not in cache:
                self.windows_screened += 1
                matches = self.screener.match(PartyQuery.build(name=window.text, schema=schema), limit=WINDOW_LIMIT)
                cache[key] = [m for m in matches if text_evidence(m, window.size, self.rules)]
            out.extend((m, schema) for m in cache[key])
        return out

    @staticmethod
    def _keep(best: dict[str, EntityHit], hit: EntityHit) -> None:
        """One hit per entity and span; a longer span replaces the spans
        it contains."""
        entity = hit.match.record.entity_id
        key = f"{entity}@{hit.start}"
        for other_key, other in list(best.items()):
            if other.match.record.entity_id != entity:
                continue
            if other.start <= hit.start and hit.end <= other.end:
                return
            if hit.start <= other.start and other.end <= hit.end:
                del best[other_key]
        best[key] = hit


def name_runs(text: str, sentence: Span, rules: MentionRules | None = None) -> list[list[TextWord]]:
    """Runs of name-like words in one sentence: capitalised words (or words
    of a script without capitals) with connectors inside, not separated
    by punctuation."""
    rules = rules or mention_rules()
    out, run, previous = [], [], None
    for word in words(text, sentence.start, sentence.end):
        name_like = word.capitalised and bool(word.ascii)
        connector = word.text.lower() in rules.connectors
        joined = previous is not None and set(text[previous.end:word.start]) <= _JOINERS
        if run and (not joined or not (name_like or connector)):
            out.append(run)
            run = []
        if name_like or (run and connector):
            run.append(word)
        previous = word
    if run:
        out.append(run)
    return [t for t in (_trim(r, rules.connectors) for r in out) if t]


def _trim(run: list[TextWord], connectors: frozenset[str]) -> list[TextWord]:
    while run and run[0].text.lower() in connectors:
        run = run[1:]
    while run and run[-1].text.lower() in connectors:
        run = run[:-1]
    return run
