"""Names to comparable token sequences, on rigour.

``rigour.names.analyze_names`` does the heavy lifting: prefix removal,
transliteration of the scripts it admits (Cyrillic, Greek, Armenian,
Georgian, Hangul), legal-form recognition and rewriting ("OOO",
"Limited Liability Company" → ``llc``), part tagging and name symbols
(Wikidata name ids that join "Vladimir" and "Владимир"). chokepoint adds
what screening needs on top, as data files in ``matching/data``:

* spelling families (Mohammad/Mohammed/Muhammad, Qods/Quds/Ghods …);
* generic organisation words that must never make a match alone;
* for scripts rigour leaves as they are (Arabic, Persian, Hebrew, Han …),
  a second, transliterated form of the name (``normality`` through
  ``rigour.text.translit.ascii_text``) so that it can meet Latin
  spellings; the native form is kept too, for same-script matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rigour.names import NamePartTag, NameTypeTag, analyze_names
from rigour.text.translit import ascii_text

DATA = Path(__file__).parent / "data"

#: Token roles, by how much they say about identity.
NAME, LEGAL, GENERIC, STOP, NUM = "name", "legal", "generic", "stop", "num"
#: a word formed by joining two adjacent words to meet the other name
JOINED = "joined"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
#: Scripts that write a full name without spaces: Han, Kana, Hangul, Thai.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLES = re.compile(r"(.)\1+")

#: Which FollowTheMoney schemata are persons, organisations or objects.
_PERSON = {"Person"}
_OBJECT = {"Vessel", "Airplane", "Vehicle"}


@dataclass(frozen=True, slots=True)
class Token:
    """One comparable word of a name."""

    text: str
    #: ASCII form used for fuzzy comparison (== text for Latin names).
    ascii: str
    role: str
    #: Spelling-family head (the family's first spelling), or the ascii form.
    family: str
    #: Consonant skeleton of the ascii form ("mohammed" → "mhmd").
    skeleton: str
    phonetic: str | None
    #: Name symbols (Wikidata name ids) rigour attached to this word.
    symbols: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class NameForm:
    """A name as a sequence of tokens, ready for indexing and scoring."""

    original: str
    tokens: tuple[Token, ...]
    #: True when the tokens are a lossy transliteration of another script.
    transliterated: bool = False

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def one_word(self) -> bool:
        """One distinctive word, in a script that spaces its words."""
        distinctive = [t for t in self.tokens if t.role not in (LEGAL, STOP, GENERIC)]
        return len(distinctive) <= 1 and not _UNSPACED.search(self.original)


@dataclass(frozen=True, slots=True)
class Word:
    """A name word with its weight (rarity × role) in an index."""

    token: Token
    weight: float


@dataclass(frozen=True, slots=True)
class Words:
    """The weighted words of one name, with what scoring looks up often."""

    items: tuple[Word, ...]
    total: float
    #: the words' ASCII forms
    asciis: frozenset[str] | tuple[str, ...]
    #: adjacent words joined ("jsc" + "argument")
    joins: frozenset[str] | tuple[str, ...]
    #: a one-word name in a script that separates words with spaces (a
    #: Korean or Chinese name written as one word is a full name)
    one_word: bool = False

    @classmethod
    def of(cls, items: tuple[Word, ...], compact: bool = False, one_word: bool = False) -> "Words":
        """``compact`` (index side) keeps the sets as tuples, which take a
        fraction of the memory; the query side keeps sets for lookups."""
        asciis = [w.token.ascii for w in items]
        joins = [a + b for a, b in zip(asciis, asciis[1:])]
        kind = tuple if compact else frozenset
        return cls(items=items, total=sum(w.weight for w in items), asciis=kind(asciis), joins=kind(joins),
                   one_word=one_word)


def type_tag(schema: str) -> NameTypeTag:
    if schema in _PERSON:
        return NameTypeTag.PER
    if schema in _OBJECT:
        return NameTypeTag.OBJ
    if schema in ("LegalEntity", "Thing"):
        return NameTypeTag.ENT
    return NameTypeTag.ORG


@lru_cache(maxsize=1)
def spelling_families() -> dict[str, str]:
    """Word → family head, from ``spelling_families.yaml``; families that
    share a spelling are joined."""
    raw = yaml.safe_load((DATA / "spelling_families.yaml").read_text("utf-8"))
    parent: dict[str, str] = {}

    def find(word: str) -> str:
        while parent.setdefault(word, word) != word:
            parent[word] = parent[parent[word]]
            word = parent[word]
        return word

    for family in raw["families"]:
        words = [w for w in (_NON_ALNUM.sub("", str(w).lower()) for w in family) if w]
        if not words:
            continue
        head = find(words[0])
        for word in words[1:]:
            root = find(word)
            if root != head:
                parent[root] = head
    return {word: find(word) for word in parent}


@lru_cache(maxsize=1)
def _word_lists() -> dict:
    return yaml.safe_load((DATA / "generic_words.yaml").read_text("utf-8"))


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    return frozenset(_NON_ALNUM.sub("", str(w).lower()) for w in _word_lists()["words"])


@lru_cache(maxsize=1)
def legal_forms() -> frozenset[str]:
    return frozenset(_NON_ALNUM.sub("", str(w).lower()) for w in _word_lists()["legal_forms"])


@lru_cache(maxsize=1)
def person_titles() -> frozenset[str]:
    return frozenset(_NON_ALNUM.sub("", str(w).lower()) for w in _word_lists()["person_titles"])


def skeleton(ascii_word: str) -> str:
    """Consonant skeleton: vowels dropped, doubled letters collapsed. Joins
    romanisations of unvowelled scripts ("mhmd" from Arabic) with their
    vowelled Latin spellings."""
    if ascii_word.isdigit():
        return ascii_word
    consonants = _DOUBLES.sub(r"\1", _VOWELS.sub("", ascii_word))
    return consonants or ascii_word


def _role(part, generic: frozenset[str], ascii_word: str, person: bool = False) -> str:
    tag = part.tag
    if tag == NamePartTag.LEGAL or (not person and ascii_word in legal_forms()):
        return LEGAL
    if tag == NamePartTag.NUM or ascii_word.isdigit():
        return NUM
    if len(ascii_word) == 1:
        return STOP  # an initial or a letter of an acronym written apart
    if person:
        return STOP if ascii_word in person_titles() or tag == NamePartTag.STOP else NAME
    if ascii_word in generic:
        return GENERIC
    if tag == NamePartTag.STOP:
        return STOP
    return NAME


def _ascii_words(text: str) -> list[str]:
    return [w for w in _NON_ALNUM.split(ascii_text(text).lower()) if w]


def _make_token(text: str, ascii_word: str, role: str, phonetic: str | None, symbols: frozenset[str]) -> Token:
    families = spelling_families()
    return Token(
        text=text,
        ascii=ascii_word,
        role=role,
        family=families.get(ascii_word, ascii_word),
        skeleton=skeleton(ascii_word),
        phonetic=phonetic,
        symbols=symbols,
    )


#: Names whose analysis sets up every table a process needs (an
#: organisation with a legal form, a person in Cyrillic, a vessel).
WARM_UP_NAMES = (("Warm Up Trading LLC", "Company"), ("Иван Петров", "Person"), ("Warm Vessel", "Vessel"))


def prepare_normalizer() -> None:
    """Set up, in this process, what the first name analysis sets up:
    rigour's compiled name tables (about 6 s on this machine, once per
    process) and the data files above. Call it before forking workers, so
    that they inherit the tables instead of each building its own."""
    for text, schema in WARM_UP_NAMES:
        normalize_name(text, schema)


def normalize_name(text: str, schema: str = "LegalEntity") -> list[NameForm]:
    """The comparable forms of one name: one form, or two when the name is
    in a script rigour does not transliterate (native + transliterated)."""
    if not text or not text.strip():
        return []
    generic = generic_words()
    tag = type_tag(schema)
    person = tag == NameTypeTag.PER
    forms: list[NameForm] = []
    for name in analyze_names(tag, [text], consolidate=False, rewrite=True):
        symbols_by_part: dict[int, set[str]] = {}
        for span in name.spans:
            category = str(span.symbol.category)
            if category == "SymbolCategory.NAME":
                key = span.symbol.id
            elif category == "SymbolCategory.ORG_CLASS":
                key = "org:" + span.symbol.id
            else:
                continue
            for part in span.parts:
                symbols_by_part.setdefault(part.index, set()).add(key)
        native: list[Token] = []
        translit: list[Token] = []
        needs_translit = False
        for part in name.parts:
            syms = frozenset(symbols_by_part.get(part.index, ()))
            words = [part.ascii] if part.ascii else _ascii_words(part.comparable)
            words = [_NON_ALNUM.sub("", w.lower()) for w in words if w]
            words = [w for w in words if w]
            if part.ascii and part.comparable.isascii():
                word = words[0] if words else part.comparable
                tok = _make_token(word, word, _role(part, generic, word, person), part.metaphone, syms)
                native.append(tok)
                translit.append(tok)
                continue
            needs_translit = True
            native_text = part.comparable
            native.append(_make_token(native_text, words[0] if len(words) == 1 else "".join(words),
                                      _role(part, generic, native_text, person), None, syms))
            for word in words:
                translit.append(_make_token(word, word, _role(part, generic, word, person), None, syms))
        if native:
            forms.append(NameForm(text, tuple(native)))
        if needs_translit and translit:
            forms.append(NameForm(text, tuple(translit), transliterated=True))
    return forms
