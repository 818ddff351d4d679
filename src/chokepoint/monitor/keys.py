"""Retrieval keys for matching in reverse: a listed entity finds the kept
parties it may be.

A kept party's names are normalised once, when it is kept, and stored as
the same retrieval keys the list index uses (word, spelling family,
phonetic key, consonant skeleton, name symbols, joined words; see
:mod:`chokepoint.matching.index`), plus its identifiers. When a list
version adds or changes an entity, each of its names is turned into query
keys, each key carrying the share of the name's weight of the word it came
from; a party whose keys cover enough of a name to be able to reach the
threshold (:func:`coverage_needed`) is a candidate, and is then screened forward, exactly as a new screening of it
would be, so a monitoring alert scores what a manual re-screen would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chokepoint.matching.index import deletes, joined_keys, token_keys
from chokepoint.matching.normalize import LEGAL, NUM, STOP, NameForm, Token, normalize_name
from chokepoint.matching.records import ListedRecord, PartyQuery

#: Words at least this long also find parties whose word is one edit away
#: (a letter dropped, added or changed), as the list index's typo
#: neighbours do forward.
TYPO_MIN_LENGTH = 4
#: Margin on :func:`coverage_needed` for words that hit through a spelling
#: variant and so weigh a little differently on the two sides.
COVERAGE_MARGIN = 0.9
#: Words that never find a party on their own ("LLC", "of").
SKIPPED_ROLES = frozenset({LEGAL, STOP})


def coverage_needed(threshold: float, extra_listed: float) -> float:
    """The least share of a listed name's word weight a party name must hit
    for the name score to reach ``threshold``.

    The name score is at most (hit weight on both sides) / (party weight +
    listed hit weight + ``extra_listed`` × listed weight missed), reached
    when every party word is hit and matches exactly; with the hit weight
    equal on both sides, solving score ≥ t for the listed share h gives
    h ≥ t·e / (2 − 2t + t·e). Persons' extra listed words (middle names,
    patronymics) count less, so a person's listed name needs less of it
    covered: 0.41 at threshold 0.80, against 0.55 for other names."""
    t, e = threshold, extra_listed
    return COVERAGE_MARGIN * t * e / (2 - 2 * t + t * e)


def _typo_word(token: Token) -> bool:
    return len(token.ascii) >= TYPO_MIN_LENGTH and token.role != NUM and not token.ascii.isdigit()


def party_keys(query: PartyQuery) -> set[str]:
    """The keys a kept party is stored under: the list index's keys of each
    word, joined words, identifiers, and each longer word with one letter
    removed ("d:", so that a listed word one edit away finds it)."""
    keys: set[str] = set()
    for name in query.names:
        for form in normalize_name(name, query.schema):
            for token in form.tokens:
                if token.role not in SKIPPED_ROLES:
                    keys.update(token_keys(token))
                    if _typo_word(token):
                        keys.update("d:" + d for d in deletes(token.ascii))
            keys.update(joined_keys(form.tokens))
    for values in query.identifiers.values():
        keys.update("i:" + v for v in values)
    keys.update("i:" + v for v in query.loose_identifiers)
    return {k for k in keys if len(k) <= 200}


@dataclass(frozen=True)
class NameProbe:
    """One normalised name of a listed entity as a set of weighted keys:
    ``slots[i]`` is the weight share of word ``i``; ``keys`` maps a key to
    the word slots it stands for; a party covering ``min_share`` of the
    slots is a candidate."""

    entity: int
    keys: dict[str, tuple[int, ...]]
    slots: tuple[float, ...]
    min_share: float


def _query_token_keys(token: Token) -> set[str]:
    # a family head is stored under "w:" on the party side (see token_keys)
    return token_keys(token) | {"f:" + token.family, "w:" + token.family}


def _probe(entity: int, form: NameForm, weight: Callable[[Token], float], min_share: float) -> NameProbe | None:
    tokens = form.tokens
    weights = [weight(t) for t in tokens]
    total = sum(weights)
    if not tokens or total <= 0:
        return None
    slots = [w / total for w in weights]
    keys: dict[str, set[int]] = {}
    for i, token in enumerate(tokens):
        if token.role in SKIPPED_ROLES:
            continue
        for key in _query_token_keys(token):
            keys.setdefault(key, set()).add(i)
        if _typo_word(token):
            # one edit apart: the party word is this word with a letter
            # removed ("w:"), or with one more ("d:" + this word), or both
            # share a removal (a changed or swapped letter)
            keys.setdefault("d:" + token.ascii, set()).add(i)
            for d in deletes(token.ascii):
                keys.setdefault("w:" + d, set()).add(i)
                keys.setdefault("d:" + d, set()).add(i)
    for i in range(len(tokens) - 1):
        joined = tokens[i].ascii + tokens[i + 1].ascii
        for key in ("w:" + joined, "j:" + joined):
            keys.setdefault(key, set()).update((i, i + 1))
    for i, token in enumerate(tokens):
        keys.setdefault("j:" + token.ascii, set()).add(i)
    if 2 < len(tokens) <= 5:
        keys.setdefault("j:" + "".join(t.ascii for t in tokens), set()).update(range(len(tokens)))
    return NameProbe(entity, {k: tuple(sorted(v)) for k, v in keys.items()}, tuple(slots), min_share)


def identifier_keys(record: ListedRecord) -> set[str]:
    return {"i:" + v for values in record.identifiers.values() for v in values}
