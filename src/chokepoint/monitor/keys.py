"""Retrieval keys for matching in reverse: a listed entity finds the kept
parties it may be.

A kept party's names are normalised once, when it is kept, and stored as
the same retrieval keys the list index uses (word, spelling family,
phonetic key, consonant skeleton, name symbols, joined words; see
:mod:`chokepoint.matching.index`), plus its identifiers. When a list
version adds or changes an entity, each of its names is turned into query
keys, each key carrying the share of the name's weight of the word it came
from; a party whose keys cover at least :data:`MIN_SHARE` of a name is a
candidate, and is then screened forward, exactly as a new screening of it
would be, so a monitoring alert scores what a manual re-screen would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chokepoint.matching.index import joined_keys, token_keys
from chokepoint.matching.normalize import LEGAL, STOP, NameForm, Token, normalize_name
from chokepoint.matching.records import ListedRecord, PartyQuery

#: Share of a listed name's word weight a party must hit to be screened.
MIN_SHARE = 0.5
#: Words that never find a party on their own ("LLC", "of").
SKIPPED_ROLES = frozenset({LEGAL, STOP})


def party_keys(query: PartyQuery) -> set[str]:
    """The keys a kept party is stored under."""
    keys: set[str] = set()
    for name in query.names:
        for form in normalize_name(name, query.schema):
            for token in form.tokens:
                if token.role not in SKIPPED_ROLES:
                    keys.update(token_keys(token))
            keys.update(joined_keys(form.tokens))
    for values in query.identifiers.values():
        keys.update("i:" + v for v in values)
    keys.update("i:" + v for v in query.loose_identifiers)
    return {k for k in keys if len(k) <= 200}


@dataclass(frozen=True)
class NameProbe:
    """One normalised name of a listed entity as a set of weighted keys:
    ``slots[i]`` is the weight share of word ``i``; ``keys`` maps a key to
    the word slots it stands for."""

    entity: int
    keys: dict[str, tuple[int, ...]]
    slots: tuple[float, ...]


def _query_token_keys(token: Token) -> set[str]:
    # a family head is stored under "w:" on the party side (see token_keys)
    return token_keys(token) | {"f:" + token.family, "w:" + token.family}


def name_probes(entity: int, record: ListedRecord, weight: Callable[[Token], float]) -> Iterator[NameProbe]:
    """Probes for every name of a listed record, weighted by ``weight``
    (the list index's word rarity, so rare words count most)."""
    for _kind, text in record.names:
        for form in normalize_name(text, record.schema):
            probe = _probe(entity, form, weight)
            if probe is not None:
                yield probe


def _probe(entity: int, form: NameForm, weight: Callable[[Token], float]) -> NameProbe | None:
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
    for i in range(len(tokens) - 1):
        joined = tokens[i].ascii + tokens[i + 1].ascii
        for key in ("w:" + joined, "j:" + joined):
            keys.setdefault(key, set()).update((i, i + 1))
    for i, token in enumerate(tokens):
        keys.setdefault("j:" + token.ascii, set()).add(i)
    if 2 < len(tokens) <= 5:
        keys.setdefault("j:" + "".join(t.ascii for t in tokens), set()).update(range(len(tokens)))
    return NameProbe(entity, {k: tuple(sorted(v)) for k, v in keys.items()}, tuple(slots))


def identifier_keys(record: ListedRecord) -> set[str]:
    return {"i:" + v for values in record.identifiers.values() for v in values}
