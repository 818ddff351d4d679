"""Small text helpers shared by the quality benchmark modules.

Everything here is the benchmark's own and deliberately independent of
chokepoint's normaliser, so that the harness does not grade the matcher
with the matcher's own rules.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.utils import default_process
from rigour.text.translit import ascii_text

#: Legal-form words dropped from the collision keys (all lowercase ASCII).
LEGAL_WORDS = frozenset(
    """
    llc l l c ooo oao zao pao ao jsc ojsc cjsc pjsc ltd limited co company corp corporation inc
    incorporated plc gmbh ag sa srl spa bv nv llp lp pte pty tov fze fzco fzc dmcc kft doo sarl sas
    liability joint stock public open closed
    """.split()
)

#: Words that describe a business, not which one (benchmark's own list).
GENERIC_WORDS = frozenset(
    """
    trading trade traders group holding holdings international intl global general industries
    industry industrial enterprise enterprises services service solutions systems system
    technology technologies tech engineering logistics shipping marine maritime import export
    commercial commerce development investment investments management manufacturing production
    products supply supplies equipment electronics electronic energy oil gas petroleum chemical
    chemicals construction consulting partners agency center centre research institute bank
    financial finance capital fund foundation organization organisation association office
    branch factory plant works scientific design bureau state national federal aviation aerospace
    transport transportation airlines air express line lines network resources mining metals
    steel machinery machine tools parts components devices instruments precision electric power
    motor motors automotive navigation communication communications telecom software data
    digital smart new united first the of and for in de la el al du des der und
    """.split()
)

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def script_of(text: str) -> str:
    """The dominant non-Latin script of ``text`` ("LATIN" when none)."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        try:
            name = unicodedata.name(ch)
        except ValueError:
            continue
        script = name.split(" ")[0]
        if script == "CJK":
            script = "HAN"
        counts[script] = counts.get(script, 0) + 1
    if not counts:
        return "NONE"
    return max(counts.items(), key=lambda kv: kv[1])[0]


def is_latin(text: str) -> bool:
    return script_of(text) == "LATIN"


@lru_cache(maxsize=200_000)
def plain(text: str) -> str:
    """ASCII, lowercase, punctuation to spaces, single-spaced."""
    return default_process(ascii_text(text))


def tokens(text: str) -> list[str]:
    return plain(text).split()


def ordered_key(text: str) -> str:
    """Tokens in order (used to tell a variant from the name it came from)."""
    return " ".join(tokens(text))


def bag_key(text: str) -> str:
    """Sorted tokens without legal-form words: the exact-normalised key
    used to drop negatives that are in fact listed names."""
    toks = [t for t in tokens(text) if t not in LEGAL_WORDS]
    if not toks:
        toks = tokens(text)
    return " ".join(sorted(toks))


def words_with_spans(text: str) -> list[tuple[int, int, str]]:
    """Words of ``text`` (letters/digits, inner hyphens and apostrophes kept)
    with their character spans, so that an edit can keep the rest intact."""
    return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]


def match_case(template: str, word: str) -> str:
    """``word`` written in the case style of ``template``."""
    if template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:].lower()
    return word.lower()
