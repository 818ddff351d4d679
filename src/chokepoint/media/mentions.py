"""Everything a story mentions, with character spans and speakers.

* ``entity``: listed entities (:mod:`chokepoint.media.entities`), with the
  screener's score and the listed name that matched;
* ``place``: ports, production sites, airfields, seas and countries
  (:mod:`chokepoint.media.places`);
* ``term``: programme terms (:mod:`chokepoint.media.terms`);
* ``person``: people the story quotes, under their full name, with their
  role (:mod:`chokepoint.media.attribution`);
* ``name``: other runs of two or more capitalised words (organisations and
  people the lists do not hold yet), so that a later screening finds them.

Every mention inside an attributed sentence or quotation carries the
speaker it is attributed to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chokepoint.media.attribution import PERSON, Attribution, attributions
from chokepoint.media.entities import EntityFinder, EntityHit, mention_rules, name_runs
from chokepoint.media.places import gazetteer
from chokepoint.media.terms import term_finder
from chokepoint.media.text import ascii_word, sentences

ENTITY, PLACE, TERM, PERSON_KIND, NAME = "entity", "place", "term", "person", "name"
KINDS = (ENTITY, PLACE, TERM, PERSON_KIND, NAME)


@dataclass
class Mention:
    kind: str
    #: entity id, place id, term id, ``person:<name>`` or ``name:<name>``
    key: str
    #: the canonical name (listed caption, place name, term label, full name)
    label: str
    #: as written in the story
    text: str
    start: int
    end: int
    speaker: str | None = None
    speaker_role: str | None = None
    score: float | None = None
    #: whether it counts for linking related reports of one event
    specific: bool = True
    detail: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"kind": self.kind, "key": self.key, "label": self.label, "text": self.text, "start": self.start,
                "end": self.end, "speaker": self.speaker, "speaker_role": self.speaker_role, "score": self.score,
                "specific": self.specific, "detail": self.detail}


@dataclass
class StoryMentions:
    mentions: list[Mention]
    attributions: list[Attribution]
    #: distinct windows the screener was asked about
    windows_screened: int = 0
    #: False when no screener was given (no lists loaded)
    entities_checked: bool = True

    def of_kind(self, kind: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]

    def related_keys(self) -> set[str]:
        """The specific mentions two reports of one event share."""
        return {m.key for m in self.mentions if m.specific and m.kind != NAME}

    def counts(self) -> dict[str, int]:
        return {kind: len(self.of_kind(kind)) for kind in KINDS}


def name_key(name: str) -> str:
    return "-".join(w for w in (ascii_word(p) for p in name.split()) if w)


def entity_mention(hit: EntityHit) -> Mention:
    record, explanation = hit.match.record, hit.match.explanation
    return Mention(ENTITY, record.entity_id, record.caption, hit.text, hit.start, hit.end,
                   score=round(hit.match.score, 4),
                   detail={"dataset": record.dataset, "schema": record.schema, "list_version": record.version_id,
                           "source_id": record.source_id, "programs": list(record.programs),
                           "matched_name": explanation.name.candidate if explanation.name else None,
                           "screened_as": hit.schema})


def place_mentions(body: str) -> list[Mention]:
    return [Mention(PLACE, f.item.id, f.item.name, f.text, f.start, f.end, specific=f.item.specific,
                    detail={"kind": f.item.kind, "country": f.item.country, "named_in": list(f.item.named_in)})
            for f in gazetteer().find(body)]


def term_mentions(body: str) -> list[Mention]:
    return [Mention(TERM, f.item.id, f.item.label, f.text, f.start, f.end, specific=f.item.specific,
                    detail={"class": f.item.cls, "source": f.item.source}) for f in term_finder().find(body)]


def person_mentions(found: list[Attribution]) -> list[Mention]:
    """Where a quoted person is named (not "he" or "the spokesman")."""
    out = []
    for a in found:
        if a.kind != PERSON or a.speaker_start is None or not a.written or a.written not in a.speaker:
            continue
        out.append(Mention(PERSON_KIND, "person:" + name_key(a.speaker), a.speaker, a.written, a.speaker_start,
                           a.speaker_end or a.speaker_start, detail={"role": a.role, "verb": a.verb}))
    return out


def name_mentions(body: str, taken: list[Mention]) -> list[Mention]:
    """Runs of two or more capitalised words that no other mention covers."""
    rules = mention_rules()
    out = []
    for sentence in sentences(body):
        for run in name_runs(body, sentence, rules):
            names = [w for w in run if w.text.lower() not in rules.connectors]
            if len(names) < 2 or (len(run) == 3 and run[1].text.lower() in ("and", "&")):
                continue  # one word, or a pair of names ("Tehran and Moscow")
            start, end = run[0].start, run[-1].end
            if any(m.start < end and start < m.end for m in taken):
                continue
            text = body[start:end]
            out.append(Mention(NAME, "name:" + name_key(text), text, text, start, end, specific=False))
    return out


def _assign_speakers(mentions: list[Mention], found: list[Attribution]) -> None:
    for mention in mentions:
        if mention.kind == PERSON_KIND:
            continue
        covering = [a for a in found if a.covers(mention.start, mention.end)
                    and not (a.speaker_start is not None and a.speaker_start <= mention.start
                             and mention.end <= (a.speaker_end or 0))]
        if covering:
            narrowest = min(covering, key=lambda a: a.end - a.start)
            mention.speaker, mention.speaker_role = narrowest.speaker, narrowest.role


def find_mentions(body: str, finder: EntityFinder | None) -> StoryMentions:
    """All mentions of one story (entities only with a finder)."""
    found = attributions(body)
    before = finder.windows_screened if finder else 0
    entities = [entity_mention(h) for h in finder.find(body)] if finder else []
    mentions = [*entities, *place_mentions(body), *term_mentions(body), *person_mentions(found)]
    mentions.extend(name_mentions(body, mentions))
    _assign_speakers(mentions, found)
    mentions.sort(key=lambda m: (m.start, -m.end, m.kind, m.key))
    screened = (finder.windows_screened - before) if finder else 0
    return StoryMentions(mentions, found, screened, finder is not None)


_SPACES = re.compile(r"\s+")


def mention_words(mention: Mention) -> set[str]:
    """The words a name search finds a mention by: of its text and label."""
    out = set()
    for text in (mention.text, mention.label):
        out.update(w for w in (ascii_word(p) for p in _SPACES.split(text)) if len(w) >= 2)
    return out
