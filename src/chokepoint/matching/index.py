"""Candidate retrieval: an in-memory inverted index over listed names.

Every name of every listed entity is normalised once (``normalize``) and
indexed under several keys per word, so that a query word finds the names
it may be even when it is spelled differently:

* the word itself, and its spelling family ("mohammed" → "muhammad");
* its edit-distance-1 neighbours, through a deletion dictionary over the
  vocabulary (a word and a misspelling of it share a one-letter deletion);
* its phonetic key (metaphone) and consonant skeleton;
* the name symbols rigour attaches (Wikidata name ids), which join scripts;
* joined words: each name is also indexed under the concatenation of
  adjacent words, so "JSCARGUMENT" finds "JSC ARGUMENT" and vice versa.

A query accumulates, per listed name, the rarity weight (idf) of each query
word that hit it, and only the best-scoring names go on to full scoring.
Words so common that they say nothing (more than ``MAX_DF_SHARE`` of all
names) are not used for retrieval. No query ever scans all names.
"""

from __future__ import annotations

import math
import pickle
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chokepoint.matching.normalize import GENERIC, JOINED, LEGAL, NUM, STOP, NameForm, Token, Word, Words, normalize_name
from chokepoint.matching.records import ListedRecord

#: Bump when the index layout or its keys change; part of the cache key.
INDEX_VERSION = "13"
#: Keys in more than this share of names are not used to find candidates.
MAX_DF_SHARE = 0.02
#: How much a listed word the query lacks counts in the retrieval estimate
#: (scoring uses 0.35 for persons, 0.6 for the rest).
ESTIMATE_EXTRA_WEIGHT = 0.5
#: Role multipliers of a word's rarity weight.
ROLE_WEIGHT = {"name": 1.0, NUM: 1.0, GENERIC: 0.3, STOP: 0.15, LEGAL: 0.1, JOINED: 1.0}


#: Query words told apart in a retrieval mask; later words share the last bit.
_MAX_BITS = 62
#: Mask bit of hits on the word itself or its spelling family, and the words' bits.
_SAME = 1 << 62
_WORDS = _SAME - 1
#: Keys that find look-alikes of a word, not the word (sound, consonants).
_LOOK_ALIKE_KEYS = frozenset({"p:", "k:"})
#: What a word hit only through a look-alike counts in the retrieval estimate.
LOOK_ALIKE_SHARE = 0.95


def _bit(position: int) -> int:
    return 1 << min(position, _MAX_BITS - 1)


def deletes(word: str) -> set[str]:
    """The word with one letter removed, for every position."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(slots=True)
class IndexedName:
    entity: int
    kind: str
    form: NameForm
    #: the form's words with their weights, computed once at build time
    words: Words | None = None


class NameIndex:
    """The searchable name index over a set of listed records."""

    def __init__(self) -> None:
        self.records: list[ListedRecord] = []
        self.names: list[IndexedName] = []
        self.version_ids: tuple[str, ...] = ()
        #: postings in one compressed layout: key → row number, and each
        #: row's sorted name positions at data[offsets[row]:offsets[row+1]]
        self.key_rows: dict[str, int] = {}
        self.offsets: np.ndarray = np.zeros(1, dtype=np.int64)
        self.data: np.ndarray = np.zeros(0, dtype=np.int32)
        #: one-letter deletion → vocabulary word(s) (a str when only one)
        self.delete_map: dict[str, str | tuple[str, ...]] = {}
        #: family → number of names containing it
        self.df: dict[str, int] = {}
        #: cleaned identifier → record positions
        self.identifiers: dict[str, tuple[int, ...]] = {}
        self._log_n = 1.0
        #: word-weight total of each listed name, by position
        self.totals: np.ndarray = np.zeros(0, dtype=np.float32)

    # --- building -----------------------------------------------------------

    @classmethod
    def build(cls, records: Iterable[ListedRecord], version_ids: Iterable[str] = ()) -> "NameIndex":
        index = cls()
        index.version_ids = tuple(sorted(version_ids))
        postings: dict[str, list[int]] = defaultdict(list)
        identifiers: dict[str, list[int]] = defaultdict(list)
        df: dict[str, int] = defaultdict(int)
        tokens: dict[Token, Token] = {}  # one shared object per distinct word
        for record in records:
            rid = len(index.records)
            index.records.append(record)
            for values in record.identifiers.values():
                for value in values:
                    identifiers[value].append(rid)
            for kind, text in record.names:
                for form in normalize_name(text, record.schema):
                    form = NameForm(form.original, tuple(tokens.setdefault(t, t) for t in form.tokens),
                                    form.transliterated)
                    nid = len(index.names)
                    index.names.append(IndexedName(rid, kind, form))
                    keys = set()
                    for token in form.tokens:
                        keys.update(token_keys(token))
                    keys.update(joined_keys(form.tokens))
                    for key in keys:
                        postings[key].append(nid)
                    for family in {t.family for t in form.tokens}:
                        df[family] += 1
        vocabulary = {k[2:] for k in postings if k.startswith("w:")}
        delete_map: dict[str, list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) >= 4 and not word.isdigit():
                for variant in deletes(word):
                    delete_map[variant].append(word)
        index.delete_map = {k: v[0] if len(v) == 1 else tuple(v) for k, v in delete_map.items()}
        index._store_postings(postings)
        index.df = dict(df)
        index.identifiers = {k: tuple(sorted(set(v))) for k, v in identifiers.items()}
        index._log_n = math.log(1 + len(index.names)) or 1.0
        words: dict[Token, Word] = {}
        for indexed in index.names:
            items = tuple(words.setdefault(t, Word(t, index.weight(t))) for t in indexed.form.tokens)
            indexed.words = Words.of(items, compact=True)
        index.totals = np.asarray([n.words.total for n in index.names], dtype=np.float32)
        return index

    def _store_postings(self, postings: dict[str, list[int]]) -> None:
        keys = list(postings)
        self.key_rows = {key: row for row, key in enumerate(keys)}
        lengths = np.fromiter((len(postings[k]) for k in keys), dtype=np.int64, count=len(keys))
        self.offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.offsets[1:])
        self.data = np.fromiter((n for k in keys for n in postings[k]), dtype=np.int32, count=int(lengths.sum()))

    def postings(self, key: str) -> np.ndarray | None:
        """Sorted name positions indexed under ``key``."""
        row = self.key_rows.get(key)
        if row is None:
            return None
        return self.data[self.offsets[row] : self.offsets[row + 1]]

    def posting_count(self, key: str) -> int:
        row = self.key_rows.get(key)
        return 0 if row is None else int(self.offsets[row + 1] - self.offsets[row])

    # --- weights ------------------------------------------------------------

    def weight(self, token: Token) -> float:
        """How much a word says about identity: rarity times role."""
        df = self.df.get(token.family, 0)
        idf = math.log(1 + len(self.names) / (1 + df)) / self._log_n
        return max(0.05, idf) * ROLE_WEIGHT.get(token.role, 1.0)

    def words(self, form: NameForm) -> Words:
        return Words.of(tuple(Word(t, self.weight(t)) for t in form.tokens), one_word=form.one_word)

    # --- retrieval ----------------------------------------------------------

    def candidates(self, forms: list[NameForm], limit: int = 60) -> list[tuple[int, float, int]]:
        """Listed name positions most likely to match any of ``forms``,
        with their retrieval score and the position of the form that hit
        them best. The retrieval score estimates the name score: the Dice
        coefficient of the query words that hit the name, as if exact."""
        max_df = max(50, int(MAX_DF_SHARE * len(self.names)))
        best: dict[int, tuple[float, int]] = {}
        for fi, form in enumerate(forms):
            weights = [self.weight(t) for t in form.tokens]
            total = sum(weights) or 1.0
            # every (name, query word) hit once: posting arrays tagged with
            # the query words they stand for (a bit mask: a joined key
            # stands for two words), de-duplicated in one sort; a name's
            # share is the weight of the words any of its hits stand for,
            # each word counted once (summing the hits instead would count
            # a word again for each joined key, push many names to a full
            # share and lose the exact name among ties)
            arrays: list[np.ndarray] = []
            tags: list[int] = []
            tag_of: dict[int, int] = {}  # mask → tag (fewer than 256: two per word at most)
            for i, token in enumerate(form.tokens):
                for hits, same in self._token_hits(token, max_df):
                    arrays.append(hits)
                    tags.append(tag_of.setdefault(_bit(i) | (_SAME if same else 0), len(tag_of)))
            for hits, mask in self._joined_hits(form.tokens, max_df):
                arrays.append(hits)
                tags.append(tag_of.setdefault(mask | _SAME, len(tag_of)))
            masks = np.asarray(list(tag_of), dtype=np.int64)
            if not arrays:
                continue
            lengths = [len(a) for a in arrays]
            keys = (np.concatenate(arrays).astype(np.int64) << 8) | np.repeat(
                np.asarray(tags, dtype=np.int64), lengths
            )
            keys.sort()  # a plain sort beats np.unique's hashing on these sizes
            keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
            ids = keys >> 8
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            uniq = ids[starts]
            tagged = masks[keys & 255]
            covered = np.bitwise_or.reduceat(tagged & _WORDS, starts)
            # the words hit as themselves (or their family): a look-alike
            # hit counts a little less, so that the name itself ranks
            # first among names that all cover the query
            same = np.bitwise_or.reduceat(np.where(tagged & _SAME, tagged & _WORDS, 0), starts)
            share = np.zeros(len(uniq), dtype=np.float64)
            for i, weight in enumerate(weights[:_MAX_BITS]):
                bit = 1 << i
                share += np.where(same & bit, 1.0, np.where(covered & bit, LOOK_ALIKE_SHARE, 0.0)) * (weight / total)
            share = np.minimum(share, 1.0)
            # rank by the score the shared words would give if they matched
            # exactly: a long listed name that shares one word ranks low
            hit = share * total
            rest = np.maximum(self.totals[uniq] - hit, 0.0)
            sums = 2.0 * hit / (total + hit + ESTIMATE_EXTRA_WEIGHT * rest)
            if len(uniq) > limit:
                top = np.argpartition(-sums, limit)[:limit]
                uniq, sums = uniq[top], sums[top]
            for nid, score in zip(uniq.tolist(), sums.tolist()):
                if nid not in best or score > best[nid][0]:
                    best[nid] = (score, fi)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        return [(nid, score, fi) for nid, (score, fi) in ranked[:limit]]

    def _token_hits(self, token: Token, max_df: int) -> list[tuple[np.ndarray, bool]]:
        """Posting arrays of every key of one query word (may overlap),
        each marked True when it finds the word itself or its spelling
        family, False for a look-alike (sound, consonants, one edit away)."""
        arrays = []
        # the other spellings of the word's family are indexed under "f:",
        # the family head itself under "w:"
        keys = token_keys(token) | {"f:" + token.family, "w:" + token.family}
        for key in keys:
            arr = self.postings(key)
            if arr is not None and len(arr) <= max_df:
                arrays.append((arr, key[:2] not in _LOOK_ALIKE_KEYS))
        word = token.ascii
        if len(word) >= 4 and not word.isdigit():
            neighbours: set[str] = set()
            _add_words(neighbours, self.delete_map.get(word))
            for variant in deletes(word):
                _add_words(neighbours, self.delete_map.get(variant))
                if ("w:" + variant) in self.key_rows:
                    neighbours.add(variant)
            neighbours.discard(word)
            for other in neighbours:
                arr = self.postings("w:" + other)
                if arr is not None and len(arr) <= max_df:
                    arrays.append((arr, False))
        return arrays

    def _joined_hits(self, tokens: tuple[Token, ...], max_df: int) -> list[tuple[np.ndarray, int]]:
        """Names indexed under a word that equals adjacent query words
        joined (standing for both words), or under adjacent words whose
        join equals a query word (standing for that word); with the bit
        mask of the query words each stands for."""
        out = []
        for i in range(len(tokens) - 1):
            joined = tokens[i].ascii + tokens[i + 1].ascii
            arr = self.postings("w:" + joined)
            if arr is not None and len(arr) <= max_df:
                out.append((arr, _bit(i) | _bit(i + 1)))
            # the same two words side by side: finds names made of words
            # too common to retrieve on their own ("Abdullah ABDULLAH")
            arr = self.postings("j:" + joined)
            if arr is not None and len(arr) <= max_df:
                out.append((arr, _bit(i) | _bit(i + 1)))
        for i, token in enumerate(tokens):
            arr = self.postings("j:" + token.ascii)
            if arr is not None and len(arr) <= max_df:
                out.append((arr, _bit(i)))
        return out

    def by_identifier(self, values: Iterable[str]) -> set[int]:
        out: set[int] = set()
        for value in values:
            out.update(self.identifiers.get(value, ()))
        return out

    # --- cache --------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "NameIndex":
        with path.open("rb") as fh:
            index = pickle.load(fh)
        if not isinstance(index, cls):
            raise ValueError(f"{path} is not a chokepoint name index")
        return index


def _add_words(target: set[str], found: str | tuple[str, ...] | None) -> None:
    if found is None:
        return
    if isinstance(found, str):
        target.add(found)
    else:
        target.update(found)


def token_keys(token: Token) -> set[str]:
    keys = {"w:" + token.ascii}
    if token.family != token.ascii:
        # a family head is always also a word of its own family, so the
        # head's "w:" postings would miss only the other spellings
        keys.add("f:" + token.family)
    if token.text != token.ascii:
        keys.add("n:" + token.text)
    if token.role in (LEGAL, STOP):
        return keys
    if token.phonetic and len(token.phonetic) >= 3:
        keys.add("p:" + token.phonetic)
    if len(token.skeleton) >= 3 and not token.skeleton.isdigit():
        keys.add("k:" + token.skeleton)
    for symbol in token.symbols:
        keys.add("s:" + symbol)
    return keys


def joined_keys(tokens: tuple[Token, ...]) -> set[str]:
    """Adjacent words joined ("jsc" + "argument"), and the whole name."""
    keys = set()
    words = [t.ascii for t in tokens]
    for i in range(len(words) - 1):
        keys.add("j:" + words[i] + words[i + 1])
    if 2 < len(words) <= 5:
        keys.add("j:" + "".join(words))
    return keys
