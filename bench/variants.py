"""The variant set: screening queries generated from the bundled lists.

Positives are variants of real listed names, each expecting one listed
entity; negatives are innocent names that must not alert. Everything is
drawn from a ``random.Random`` seeded by the caller, so the same seed and
the same lists always give the same set.

Positive families (one variant per family per target, where it applies):

``exact``            the listed name itself (control)
``typo``             one keyboard edit (substitute, delete, insert, swap) in a
                     distinctive word, never its first letter
``word_order``       persons: "LAST, First" → "First LAST", else last word first
``translit_family``  one word swapped for a romanisation variant from the
                     benchmark's own table (``ROMANISATIONS``), or al-/el-
``legal_form``       organisations: LLC ↔ OOO ↔ Limited Liability Company,
                     JSC ↔ AO, Co., Ltd. ↔ Company Limited … (or a legal form
                     appended when the name has none)
``dropped_token``    persons: a middle/given name dropped (never the family
                     name); organisations: a generic word dropped
``joined_tokens``    one space removed between two words
``cyrillic``         Russian/Belarusian persons written in Cyrillic with the
                     benchmark's Latin→Cyrillic table
``original_script``  a listed Arabic/Persian/Han/Hangul… alias used as the query;
                     for Arabic script one orthographic variation is applied
                     (hamza forms of alef, ta marbuta, alef maqsura) when possible

Negatives: persons of many cultures, invented companies, and near misses
(sibling companies with one distinctive word replaced, listed persons with
the family name replaced, generic-only names, a given name alone). Any
negative whose exact-normalised key (``textutil.bag_key``) or spelling-
equivalence key equals a listed name's is dropped, and so is any negative
that the positive families themselves say should match a listed name
(``VariantSet.consistent_with_listed``: a listed name minus a middle name,
or plus generic words), so that the set never asks for both.
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from textutil import (
    GENERIC_WORDS,
    LEGAL_WORDS,
    bag_key,
    is_latin,
    match_case,
    ordered_key,
    script_of,
    tokens,
    words_with_spans,
)

PAIRS = Path("/work/shared/data/pairs")
CHOKEPOINT_FAMILIES = Path(__file__).resolve().parents[1] / "src/chokepoint/matching/data/spelling_families.yaml"

POSITIVE_FAMILIES = (
    "exact", "typo", "word_order", "translit_family", "legal_form",
    "dropped_token", "joined_tokens", "cyrillic", "original_script",
)
NEGATIVE_KINDS = (
    "person", "company", "sibling_company", "family_replaced", "generic_only", "given_name_only",
)
ORG_SCHEMATA = ("Organization", "Company", "LegalEntity")
#: Name particles ignored when comparing negatives with listed names.
PARTICLES = frozenset("al el ul bin ibn bint abu abou ben de del da di do dos das van von der la le".split())


@dataclass(slots=True)
class Query:
    """One screening query of the variant set."""

    qid: str
    text: str
    schema: str
    #: positive family or negative kind
    family: str
    positive: bool
    #: the listed entity a positive must find (None for negatives)
    expected: str | None = None
    #: the listed name the variant was made from (or the near-miss's source)
    source: str = ""
    #: what exactly was changed
    detail: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def klass(schema: str) -> str | None:
    if schema == "Person":
        return "Person"
    if schema in ORG_SCHEMATA:
        return "Org"
    if schema == "Vessel":
        return "Vessel"
    return None


# --- romanisation variants (the benchmark's own table) ---------------------

#: Words written in several romanisations. Independent of chokepoint's
#: ``spelling_families.yaml``; each variant records whether chokepoint's
#: table also holds the pair, so recall can be split by it.
ROMANISATIONS: tuple[tuple[str, ...], ...] = (
    ("mohammad", "mohammed", "muhammad", "mohamed", "muhammed", "mohamad"),
    ("ahmad", "ahmed"), ("mahmoud", "mahmood", "mahmud"),
    ("hossein", "hussein", "husain", "hussain", "husayn"), ("hosseini", "husseini", "hussaini"),
    ("hassan", "hasan"), ("qods", "quds", "ghods"), ("qasem", "ghasem", "qassem", "qasim"),
    ("abdullah", "abdollah", "abdallah"), ("abdul", "abdel"), ("rahman", "rehman", "rakhman"),
    ("yousef", "yusuf", "youssef", "yousif"), ("mostafa", "mustafa", "moustafa"), ("reza", "rida"),
    ("jafar", "jaafar"), ("javad", "jawad"), ("saeed", "said", "saeid"),
    ("sayed", "seyed", "sayyed", "syed", "seyyed"), ("khaled", "khalid"), ("omar", "umar"),
    ("osama", "usama"), ("ibrahim", "ebrahim"), ("ismail", "esmail"), ("nasser", "nasir", "naser"),
    ("mahdi", "mehdi"), ("hamid", "hameed"), ("rashid", "rasheed"), ("majid", "majeed"),
    ("abbas", "abas"), ("zadeh", "zade"), ("mohsen", "muhsin", "mohsin"), ("jamal", "gamal"),
    ("abu", "abou"), ("bin", "ben"), ("yasin", "yassin", "yaseen"), ("salim", "saleem", "selim"),
    ("karim", "kareem"), ("nabil", "nabeel"), ("tariq", "tarek", "tareq"), ("faisal", "faysal"),
    ("hezbollah", "hizballah", "hizbullah"), ("qaida", "qaeda"),
    ("aleksandr", "alexander", "aleksander", "alexandr"), ("sergey", "sergei"),
    ("dmitry", "dmitri", "dmitriy"), ("yevgeny", "evgeny", "yevgeniy", "evgeniy"),
    ("yury", "yuri", "yuriy"), ("andrey", "andrei"), ("alexey", "aleksei", "aleksey", "alexei"),
    ("nikolay", "nikolai"), ("mikhail", "michail"), ("valery", "valeriy", "valeri"),
    ("vitaly", "vitaliy", "vitali"), ("anatoly", "anatoliy", "anatoli"),
    ("gennady", "gennadiy", "gennadi"), ("arkady", "arkadiy"), ("vasily", "vasiliy", "vasili"),
    ("grigory", "grigoriy", "grigori"), ("georgy", "georgiy", "georgi"),
    ("yekaterina", "ekaterina"), ("yelena", "elena"), ("tatyana", "tatiana"),
    ("natalya", "natalia"), ("fyodor", "fedor"), ("pyotr", "petr"), ("artyom", "artem"),
    ("maksim", "maxim"), ("ilya", "ilia"), ("vyacheslav", "viacheslav"), ("yaroslav", "iaroslav"),
    ("ri", "lee", "yi"), ("choe", "choi"), ("jong", "jung", "chong"), ("pak", "park"),
    ("chol", "cheol"), ("kim", "gim"), ("zhang", "chang"), ("zhou", "chou"), ("xu", "hsu"),
)
#: Word endings that vary between romanisations of Russian names.
SUFFIXES = (("yev", "iev"), ("skiy", "sky"), ("skaya", "skaia"))


def _chokepoint_pairs() -> set[frozenset[str]]:
    """Pairs of spellings that chokepoint's own family table joins (used
    only to label variants, never to make them)."""
    try:
        raw = yaml.safe_load(CHOKEPOINT_FAMILIES.read_text("utf-8"))
    except OSError:
        return set()
    out: set[frozenset[str]] = set()
    for family in raw.get("families", []):
        words = [str(w).lower() for w in family]
        for a in words:
            for b in words:
                if a != b:
                    out.add(frozenset((a, b)))
    return out


# --- Latin → Cyrillic -------------------------------------------------------

_CYR_MULTI = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"), ("ch", "ч"),
    ("sh", "ш"), ("ya", "я"), ("yu", "ю"), ("yo", "ё"), ("ye", "е"), ("ph", "ф"),
)
_CYR_SINGLE = {
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у",
    "f": "ф", "h": "х", "c": "к", "j": "й", "q": "к", "w": "в", "x": "кс", "'": "ь", "’": "ь",
}
_VOWELS = set("aeiouy")


def to_cyrillic(word: str) -> str:
    """A Russian-style Cyrillic spelling of a romanised Russian name word
    ("Sergey" → "Сергей", "Viktorovich" → "Викторович"). Deliberately
    simple: the output is what a clerk might type, not a reference form."""
    w = word.lower()
    out: list[str] = []
    i = 0
    while i < len(w):
        ch = w[i]
        if ch == "i" and i + 1 == len(w) and i and w[i - 1] in "aeou":
            out.append("й")
            break
        if ch in "iy" and w[i:i + 2] in ("iy", "yy") and i + 2 == len(w):
            out.append("ий" if ch == "i" else "ый")
            break
        if ch == "y":
            nxt = w[i + 1] if i + 1 < len(w) else ""
            prev = w[i - 1] if i else ""
            if w[i:i + 2] in ("ya", "yu", "yo", "ye"):
                out.append(dict(_CYR_MULTI)[w[i:i + 2]])
                i += 2
                continue
            if prev in _VOWELS:
                out.append("й")
            elif not nxt:
                out.append("ий")
            else:
                out.append("ы")
            i += 1
            continue
        for latin, cyr in _CYR_MULTI:
            if w.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(_CYR_SINGLE.get(ch, ch))
            i += 1
    return "".join(out)


def cyrillic_name(name: str) -> str:
    """A whole Latin person name in Cyrillic, word order kept, comma dropped."""
    parts = []
    for _s, _e, word in words_with_spans(name.replace(",", " ")):
        cyr = to_cyrillic(word)
        parts.append(match_case(word, cyr) if cyr else word)
    return " ".join(parts)


# --- Arabic orthographic variation ------------------------------------------

_ARABIC_SWAPS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ة", "ه"), ("ى", "ي"), ("ي", "ى"))


def arabic_variation(text: str, rng: random.Random) -> tuple[str, str]:
    """One common orthographic variation of an Arabic-script name."""
    options = [(a, b) for a, b in _ARABIC_SWAPS if a in text]
    # alef maqsura / yeh only swapped at word ends, where they are confused
    options = [(a, b) for a, b in options if a not in "ىي" or any(w.endswith(a) for w in text.split())]
    if not options:
        return text, "exact-alias"
    a, b = rng.choice(options)
    if a in "ىي":
        words = text.split()
        idx = [i for i, w in enumerate(words) if w.endswith(a)]
        j = rng.choice(idx)
        words[j] = words[j][:-1] + b
        return " ".join(words), f"{a}→{b} (word end)"
    positions = [i for i, ch in enumerate(text) if ch == a]
    p = rng.choice(positions)
    return text[:p] + b + text[p + 1:], f"{a}→{b}"


# --- legal forms --------------------------------------------------------------

#: Groups of equivalent legal-form spellings. A name's longest legal form
#: (any member) is replaced by another member of its group.
LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("Limited Liability Company", "LLC", "OOO"),
    ("Public Joint Stock Company", "PJSC", "PAO"),
    ("Open Joint Stock Company", "OJSC", "OAO"),
    ("Closed Joint Stock Company", "CJSC", "ZAO"),
    ("Joint Stock Company", "JSC", "AO"),
    ("Company Limited", "Co., Ltd.", "Co. Ltd.", "Co Ltd", "Co., Ltd"),
    ("Public Limited Company", "PLC"),
    ("Limited", "Ltd", "Ltd."),
    ("Corporation", "Corp.", "Corp"),
    ("Incorporated", "Inc.", "Inc"),
)
_FORM_MEMBERS = sorted(
    ((member, group) for group in LEGAL_FORMS for member in group), key=lambda mg: -len(mg[0])
)
_APPENDED_FORMS = ("LLC", "Ltd", "Co., Ltd.", "JSC", "Limited", "Inc.")


def _find_form(text: str, form: str) -> int:
    """Start of ``form`` as whole words in ``text`` (case-insensitive), or -1."""
    low, f = text.lower(), form.lower()
    start = 0
    while (i := low.find(f, start)) >= 0:
        before = low[i - 1] if i else " "
        j = i + len(f)
        after = low[j] if j < len(low) else " "
        if not before.isalnum() and not after.isalnum():
            return i
        start = i + 1
    return -1


# --- the generator --------------------------------------------------------------

class VariantSet:
    """Builds positives and negatives from the listed records."""

    def __init__(self, records: Sequence, rng: random.Random) -> None:
        self.records = records
        self.rng = rng
        self.cp_pairs = _chokepoint_pairs()
        self._romanisation = {}
        for group in ROMANISATIONS:
            for word in group:
                self._romanisation[word] = group
        self._listed_bags: set[str] | None = None
        self._listed_equiv: set[str] | None = None

    # --- targets ----------------------------------------------------------------

    def base_name(self, record) -> str | None:
        """The Latin-script name a variant starts from: the primary name, or
        the first Latin alias when the primary name is in another script."""
        for kind, text in record.names:
            if kind in ("name", "alias") and is_latin(text) and len(tokens(text)) >= 1 and len(text) >= 3:
                return text
        return None

    def sample_targets(self, n: int) -> list[int]:
        """``n`` record positions across (dataset, schema class) strata,
        square-root-proportional so that small lists are represented."""
        strata: dict[tuple[str, str], list[int]] = defaultdict(list)
        for rid, rec in enumerate(self.records):
            k = klass(rec.schema)
            if k is None or self.base_name(rec) is None:
                continue
            strata[(rec.dataset, k)].append(rid)
        keys = sorted(strata)
        weights = {k: math.sqrt(len(strata[k])) for k in keys}
        total = sum(weights.values())
        chosen: list[int] = []
        for k in keys:
            quota = min(len(strata[k]), max(5, round(n * weights[k] / total)))
            chosen.extend(self.rng.sample(strata[k], quota))
        return sorted(chosen)

    # --- positive families ------------------------------------------------------

    def make(self, rid: int, family: str) -> tuple[str, str] | None:
        """(query text, detail) of ``family`` for the record, or None when
        the family does not apply to it."""
        rec = self.records[rid]
        base = self.base_name(rec)
        if base is None:
            return None
        fn = getattr(self, "_v_" + family)
        out = fn(rec, base)
        if out is None:
            return None
        text, detail = out
        text = " ".join(text.split())
        if not text:
            return None
        if family not in ("exact", "cyrillic", "original_script"):
            # a variant that equals one of the entity's own names tests nothing
            own = {ordered_key(t) for _k, t in rec.names}
            if ordered_key(text) in own:
                return None
        return text, detail

    def _v_exact(self, rec, base):
        return base, "listed name"

    def _distinctive_words(self, rec, base) -> list[tuple[int, int, str]]:
        words = words_with_spans(base)
        out = []
        for s, e, w in words:
            low = tokens(w)
            if len(w) < 5 or not w.isalpha() or not low:
                continue
            if low[0] in GENERIC_WORDS or low[0] in LEGAL_WORDS:
                continue
            out.append((s, e, w))
        return out

    def _v_typo(self, rec, base):
        words = self._distinctive_words(rec, base)
        if not words:
            return None
        s, e, w = self.rng.choice(words)
        new, how = keyboard_edit(w, self.rng)
        return base[:s] + new + base[e:], f"{how}: {w} → {new}"

    def _v_word_order(self, rec, base):
        if rec.schema != "Person":
            return None
        if "," in base:
            family, _, given = base.partition(",")
            if not given.strip() or not family.strip():
                return None
            return f"{given.strip()} {family.strip()}", "LAST, First → First LAST"
        words = base.split()
        if len(words) < 2:
            return None
        return " ".join([words[-1], *words[:-1]]), "last word moved first"

    def _v_translit_family(self, rec, base):
        options = []
        for s, e, w in words_with_spans(base):
            low = w.lower()
            if low in self._romanisation:
                for alt in self._romanisation[low]:
                    if alt != low:
                        options.append((s, e, w, alt))
            for a, b in SUFFIXES if rec.schema == "Person" else ():
                for x, y in ((a, b), (b, a)):
                    if low.endswith(x) and len(low) > len(x) + 2 and not low.endswith(y):
                        options.append((s, e, w, low[: -len(x)] + y))
            for pre, alt in (("al-", "el-"), ("el-", "al-")):
                if low.startswith(pre) and len(low) > 4:
                    options.append((s, e, w, alt + low[3:]))
        if not options:
            return None
        s, e, w, alt = self.rng.choice(options)
        new = match_case(w, alt) if "-" not in alt else _case_hyphenated(w, alt)
        in_cp = frozenset((w.lower(), alt)) in self.cp_pairs
        return base[:s] + new + base[e:], f"{w} → {new}" + (" [in chokepoint table]" if in_cp else " [not in chokepoint table]")

    def _v_legal_form(self, rec, base):
        if rec.schema == "Person":
            return None
        for form, group in _FORM_MEMBERS:
            i = _find_form(base, form)
            if i < 0:
                continue
            alts = [m for m in group if tokens(m) != tokens(form)]
            alt = self.rng.choice(alts)
            if base.isupper():
                alt = alt.upper()
            return base[:i] + alt + base[i + len(form):], f"{base[i:i + len(form)]} → {alt}"
        if rec.schema in ("Organization", "Company") and not set(tokens(base)) & LEGAL_WORDS:
            form = self.rng.choice(_APPENDED_FORMS)
            if base.isupper():
                form = form.upper()
            return f"{base} {form}", f"appended {form}"
        return None

    def _v_dropped_token(self, rec, base):
        if rec.schema == "Person":
            if "," in base:
                family, _, given = base.partition(",")
                gwords = given.split()
                idx = [i for i in range(1, len(gwords)) if len(gwords[i]) > 2]
                if not idx:
                    return None
                j = self.rng.choice(idx)
                kept = gwords[:j] + gwords[j + 1:]
                return f"{family.strip()}, {' '.join(kept)}", f"dropped given name {gwords[j]}"
            words = base.split()
            idx = [i for i in range(1, len(words) - 1) if len(words[i]) > 2]
            if len(words) < 3 or not idx:
                return None
            j = self.rng.choice(idx)
            return " ".join(words[:j] + words[j + 1:]), f"dropped middle name {words[j]}"
        if rec.schema == "Vessel":
            return None
        words = base.split()
        core = [i for i, w in enumerate(words) if tokens(w) and tokens(w)[0] not in LEGAL_WORDS]
        if len(core) < 3:
            return None
        generic = [i for i in core[1:] if tokens(words[i])[0] in GENERIC_WORDS]
        if not generic:
            return None
        j = self.rng.choice(generic)
        return " ".join(words[:j] + words[j + 1:]), f"dropped generic word {words[j]}"

    def _v_joined_tokens(self, rec, base):
        words = base.split()
        idx = [
            i for i in range(len(words) - 1)
            if words[i].isalpha() and words[i + 1].isalpha() and len(words[i]) + len(words[i + 1]) <= 24
            and not {words[i].lower(), words[i + 1].lower()} <= (GENERIC_WORDS | LEGAL_WORDS)
        ]
        if not idx:
            return None
        j = self.rng.choice(idx)
        joined = words[j] + (words[j + 1].lower() if not words[j].isupper() else words[j + 1])
        return " ".join(words[:j] + [joined] + words[j + 2:]), f"joined {words[j]} {words[j + 1]}"

    def _v_cyrillic(self, rec, base):
        if rec.schema != "Person":
            return None
        has_cyr = any(script_of(t) == "CYRILLIC" for _k, t in rec.names)
        russian = bool(rec.countries & {"ru", "by", "su"}) or has_cyr or (rec.source_id or "").startswith("RUS")
        if not russian:
            return None
        latin = [t for k, t in rec.names if k in ("name", "alias") and is_latin(t)]
        # prefer an English-style romanisation ("-vich", "kh", "zh") to EU
        # language variants ("-vitj", "ch" for kh)
        english = [t for t in latin if any(m in t.lower() for m in ("vich", "ovna", "kh", "zh", "yev"))]
        src = (english or latin or [base])[0]
        cyr = cyrillic_name(src)
        own_cyr = {ordered_key(t) for _k, t in rec.names if script_of(t) == "CYRILLIC"}
        tag = "equals a listed Cyrillic alias" if ordered_key(cyr) in own_cyr else (
            "listed Cyrillic alias differs" if own_cyr else "no Cyrillic alias listed")
        return cyr, f"from {src!r}; {tag}"

    def _v_original_script(self, rec, base):
        scripts = [(t, script_of(t)) for _k, t in rec.names]
        cands = [(t, s) for t, s in scripts if s not in ("LATIN", "CYRILLIC", "GREEK", "NONE")]
        if not cands:
            return None
        text, script = self.rng.choice(cands)
        if script == "ARABIC":
            new, how = arabic_variation(text, self.rng)
            return new, f"{script}: {how}"
        return text, f"{script}: exact-alias"

    # --- the whole positive set -----------------------------------------------

    def positives(self, n_targets: int, min_per_family: int) -> list[Query]:
        out: list[Query] = []
        targets = self.sample_targets(n_targets)
        made: dict[str, set[int]] = defaultdict(set)
        for rid in targets:
            for family in POSITIVE_FAMILIES:
                q = self._positive(rid, family, len(out))
                if q is not None:
                    out.append(q)
                    made[family].add(rid)
        # top up the rarer families from the rest of the lists
        pool = list(range(len(self.records)))
        self.rng.shuffle(pool)
        for family in POSITIVE_FAMILIES:
            for rid in pool:
                if len(made[family]) >= min_per_family:
                    break
                if rid in made[family]:
                    continue
                q = self._positive(rid, family, len(out))
                if q is not None:
                    out.append(q)
                    made[family].add(rid)
        return out

    def _positive(self, rid: int, family: str, seq: int) -> Query | None:
        rec = self.records[rid]
        if klass(rec.schema) is None:
            return None
        made = self.make(rid, family)
        if made is None:
            return None
        text, detail = made
        return Query(
            qid=f"p{seq:05d}", text=text, schema=rec.schema, family=family, positive=True,
            expected=rec.entity_id, source=self.base_name(rec) or "", detail=detail,
        )

    # --- negatives ----------------------------------------------------------------

    def _listed_keys(self) -> tuple[set[str], set[str]]:
        if self._listed_bags is None:
            bags, equiv = set(), set()
            for rec in self.records:
                for _k, text in rec.names:
                    bags.add(bag_key(text))
                    equiv.add(self.equiv_key(text))
            self._listed_bags, self._listed_equiv = bags, equiv
        return self._listed_bags, self._listed_equiv

    def equiv_key(self, text: str) -> str:
        """The bag key with every romanisation variant folded to one spelling."""
        toks = []
        for t in bag_key(text).split():
            group = self._romanisation.get(t)
            toks.append(group[0] if group else t)
        return " ".join(sorted(toks))

    def is_listed(self, text: str) -> bool:
        bags, equiv = self._listed_keys()
        return bag_key(text) in bags or self.equiv_key(text) in equiv

    def _folded(self, text: str) -> frozenset[str]:
        """Name words, romanisation-folded, without legal forms and particles."""
        out = set()
        for t in tokens(text):
            if t in LEGAL_WORDS or t in PARTICLES:
                continue
            group = self._romanisation.get(t)
            out.add(group[0] if group else t)
        return frozenset(out)

    def _listed_bags_index(self):
        if not hasattr(self, "_bag_index"):
            bags: list[frozenset[str]] = []
            index: dict[str, list[int]] = defaultdict(list)
            seen: dict[frozenset[str], int] = {}
            for rec in self.records:
                for _k, text in rec.names:
                    bag = self._folded(text)
                    if not bag or bag in seen:
                        continue
                    seen[bag] = len(bags)
                    for t in bag:
                        index[t].append(len(bags))
                    bags.append(bag)
            self._bags, self._bag_index = bags, index
        return self._bags, self._bag_index

    def consistent_with_listed(self, text: str) -> str | None:
        """Why ``text`` is name-consistent with a listed name (so that alerting
        on it is right by the benchmark's own positive families), or None:

        * all its words are in a listed name ("Oleg Lebedev" ⊂ "Oleg
          Vladimirovich LEBEDEV", cf. ``dropped_token``), or all the listed
          name's words are in it (a middle name added), two words at least;
        * it has the same distinctive words as a listed name and only generic
          words or legal forms besides ("Aurora Design JSC" ~ "Aurora", cf.
          ``legal_form`` / dropped generic words).
        """
        bag = self._folded(text)
        if not bag:
            return None
        bags, index = self._listed_bags_index()
        distinct = frozenset(t for t in bag if t not in GENERIC_WORDS)
        candidates: set[int] = set()
        for t in bag:
            candidates.update(index.get(t, ()))
        for i in candidates:
            other = bags[i]
            if len(bag) >= 2 and bag <= other:
                return "its words are all in a listed name"
            if len(other) >= 2 and other <= bag:
                return "contains all words of a listed name"
            if distinct and distinct == frozenset(t for t in other if t not in GENERIC_WORDS):
                return "same distinctive words as a listed name"
        return None

    def negatives(self, n: int, pools: "NamePools") -> tuple[list[Query], dict[str, dict[str, int]]]:
        """About ``n`` negatives in fixed proportions; returns them and the
        number of generated names dropped (per kind): as listed names, and as
        name-consistent with a listed name (``consistent_with_listed``)."""
        shares = {
            "person": 0.50, "company": 0.20, "sibling_company": 0.12, "family_replaced": 0.12,
            "generic_only": 0.035, "given_name_only": 0.025,
        }
        makers = {
            "person": lambda: (pools.person(self.rng), "Person", ""),
            "company": lambda: (pools.company(self.rng), "Organization", ""),
            "sibling_company": self._sibling,
            "family_replaced": lambda: self._family_replaced(pools),
            "generic_only": lambda: (pools.generic_only(self.rng), "Organization", ""),
            "given_name_only": lambda: (self.rng.choice(pools.given_all), "Person", ""),
        }
        out: list[Query] = []
        dropped: dict[str, int] = defaultdict(int)
        consistent: dict[str, int] = defaultdict(int)
        seen: set[str] = set()
        for kind, share in shares.items():
            want = max(1, round(n * share))
            got = 0
            tries = 0
            while got < want and tries < want * 30:
                tries += 1
                made = makers[kind]()
                if made is None:
                    continue
                text, schema, source = made
                text = " ".join(text.split())
                key = ordered_key(text)
                if not key or key in seen:
                    continue
                seen.add(key)
                if self.is_listed(text):
                    dropped[kind] += 1
                    continue
                if self.consistent_with_listed(text):
                    consistent[kind] += 1
                    continue
                out.append(Query(
                    qid=f"n{len(out):05d}", text=text, schema=schema, family=kind, positive=False,
                    source=source, detail="",
                ))
                got += 1
        return out, {"listed": dict(dropped), "name_consistent": dict(consistent)}

    def _org_records(self) -> list[int]:
        if not hasattr(self, "_orgs"):
            self._orgs = [i for i, r in enumerate(self.records) if r.schema in ("Organization", "Company")]
            self._persons = [i for i, r in enumerate(self.records) if r.schema == "Person"]
        return self._orgs

    def _sibling(self):
        """A listed company name with one distinctive word replaced."""
        rec = self.records[self.rng.choice(self._org_records())]
        base = self.base_name(rec)
        if base is None:
            return None
        words = [(s, e, w) for s, e, w in words_with_spans(base)
                 if w.isalpha() and len(w) >= 4 and tokens(w)[0] not in GENERIC_WORDS | LEGAL_WORDS]
        if not words or len(tokens(base)) < 2:
            return None
        df = self._record_df()
        s, e, w = min(words, key=lambda sew: (df.get(tokens(sew[2])[0], 0), sew[0]))
        new = match_case(w, coined_word(self.rng))
        return base[:s] + new + base[e:], "Organization", base

    def _record_df(self) -> dict[str, int]:
        """In how many listed records each word occurs (any name)."""
        if not hasattr(self, "_df"):
            df: dict[str, int] = defaultdict(int)
            for rec in self.records:
                seen = set()
                for _k, text in rec.names:
                    seen.update(tokens(text))
                for t in seen:
                    df[t] += 1
            self._df = dict(df)
        return self._df

    def _family_replaced(self, pools: "NamePools"):
        """A listed person with the family name replaced."""
        self._org_records()
        rec = self.records[self.rng.choice(self._persons)]
        base = self.base_name(rec)
        if base is None:
            return None
        new_family = self.rng.choice(pools.family_all)
        if "," in base:
            family, _, given = base.partition(",")
            if not given.strip():
                return None
            if not family.strip() or _too_close(family, new_family):
                return None
            return f"{match_case(family.strip(), new_family)}, {given.strip()}", "Person", base
        words = base.split()
        if len(words) < 2 or _too_close(words[-1], new_family):
            return None
        return " ".join(words[:-1] + [match_case(words[-1], new_family)]), "Person", base


def _too_close(a: str, b: str) -> bool:
    from rapidfuzz.distance import Levenshtein

    ka, kb = " ".join(tokens(a)), " ".join(tokens(b))
    return Levenshtein.distance(ka, kb) < 3


def _case_hyphenated(template: str, word: str) -> str:
    head, _, tail = word.partition("-")
    t_head, _, t_tail = template.partition("-")
    return f"{match_case(t_head, head)}-{match_case(t_tail or t_head, tail)}"


# --- typos ------------------------------------------------------------------------

_KEYBOARD = [
    "qwertyuiop", "asdfghjkl", "zxcvbnm",
]


def _neighbours(ch: str) -> str:
    c = ch.lower()
    for r, row in enumerate(_KEYBOARD):
        i = row.find(c)
        if i < 0:
            continue
        near = []
        for rr in (r - 1, r, r + 1):
            if 0 <= rr < len(_KEYBOARD):
                for j in (i - 1, i, i + 1):
                    if 0 <= j < len(_KEYBOARD[rr]) and _KEYBOARD[rr][j] != c:
                        near.append(_KEYBOARD[rr][j])
        return "".join(near)
    return "aeiou"


def keyboard_edit(word: str, rng: random.Random) -> tuple[str, str]:
    """One edit away from ``word``, never touching its first letter."""
    op = rng.choice(("substitute", "delete", "insert", "transpose"))
    i = rng.randrange(1, len(word))
    up = word.isupper()

    def cased(ch: str) -> str:
        return ch.upper() if up else ch

    if op == "substitute":
        new = word[:i] + cased(rng.choice(_neighbours(word[i]))) + word[i + 1:]
    elif op == "delete":
        new = word[:i] + word[i + 1:]
    elif op == "insert":
        ch = word[i - 1] if rng.random() < 0.5 else rng.choice(_neighbours(word[i - 1]))
        new = word[:i] + cased(ch.lower()) + word[i:]
    else:
        if i == len(word) - 1:
            i -= 1
        if i < 1 or word[i] == word[i + 1]:
            return word[:i] + word[i + 1:], "delete"
        new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return new, op


# --- name pools for negatives ---------------------------------------------------------

_SYLLABLES_A = ("ka", "ve", "lo", "tri", "mar", "zen", "sol", "bri", "dal", "nor", "ter", "vi",
                "qua", "ros", "fen", "gal", "hel", "jor", "lum", "pra", "sar", "tov", "ul", "wex")
_SYLLABLES_B = ("ra", "lin", "to", "vex", "dor", "nia", "mo", "rek", "sta", "via", "nix", "lo",
                "ber", "tis", "gon", "rix", "mar", "den", "ola", "tek", "var", "zo")


def coined_word(rng: random.Random) -> str:
    """A pronounceable invented brand word ("Velora", "Trenkor")."""
    word = rng.choice(_SYLLABLES_A) + rng.choice(_SYLLABLES_B)
    if rng.random() < 0.4:
        word += rng.choice(("n", "s", "x", "a", "on", "ia", "ex"))
    return word.capitalize()


#: Name pools written for the benchmark (given names, family names) by culture.
POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "western": (
        ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William",
         "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
         "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Emily", "Andrew",
         "Michelle", "Oliver", "Sophie", "Lukas", "Hannah", "Pierre", "Camille", "Giulia", "Marco",
         "Anna", "Erik", "Ingrid", "Piotr", "Katarzyna", "Jan", "Eva", "George", "Claire", "Henrik"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
         "Taylor", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
         "Robinson", "Walker", "Young", "Allen", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson",
         "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
         "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Müller", "Schmidt",
         "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Dubois", "Lefebvre", "Moreau",
         "Laurent", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Jansen", "de Vries",
         "van Dijk", "Nowak", "Kowalski", "Wiśniewski", "Novák", "Svoboda", "Johansson", "Nielsen",
         "Hansen", "Virtanen", "O'Brien", "Fitzgerald", "Gallagher"),
    ),
    "hispanic": (
        ("José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Alejandro", "Fernando", "Ricardo",
         "Javier", "Sofía", "María", "Lucía", "Valentina", "Camila", "Isabel", "Carmen", "Gabriela",
         "Daniela", "Andrés", "Pablo", "Diego", "Rafael", "Manuel", "Francisco", "Antonio", "Eduardo",
         "Sergio", "Raúl", "Pedro", "Ana", "Paula", "Marta", "Rosa", "Beatriz", "Adriana"),
        ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
         "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz",
         "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Álvarez", "Mendoza", "Castillo", "Jiménez", "Vargas",
         "Romero", "Herrera", "Medina", "Aguilar", "Vega", "Castro", "Navarro", "Molina", "Delgado",
         "Ortega", "Silva", "Rojas", "Guerrero"),
    ),
    "chinese": (
        ("Wei", "Fang", "Na", "Min", "Jing", "Qiang", "Lei", "Jun", "Yong", "Yan", "Jie", "Tao",
         "Ming", "Chao", "Xiuying", "Xia", "Gang", "Ping", "Hui", "Hong", "Xin", "Hao", "Jian", "Bo",
         "Zhiwei", "Xiaoming", "Jianguo", "Haoran", "Yuxuan", "Zihan", "Yichen", "Ruoxi", "Junjie",
         "Shuang", "Lanfang", "Dawei"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
         "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang",
         "Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan", "Yuan", "Cai",
         "Jiang", "Yu", "Du"),
    ),
    "indian": (
        ("Aarav", "Vivaan", "Aditya", "Arjun", "Rohan", "Rahul", "Amit", "Sanjay", "Vikram",
         "Rajesh", "Suresh", "Anil", "Deepak", "Priya", "Ananya", "Kavya", "Pooja", "Neha", "Sunita",
         "Lakshmi", "Meera", "Divya", "Shreya", "Anjali", "Arun", "Kiran", "Manoj", "Ravi", "Sunil",
         "Naveen"),
        ("Sharma", "Verma", "Gupta", "Patel", "Singh", "Kumar", "Reddy", "Rao", "Nair", "Iyer",
         "Menon", "Joshi", "Desai", "Mehta", "Shah", "Agarwal", "Chopra", "Malhotra", "Kapoor",
         "Bhatia", "Banerjee", "Chatterjee", "Mukherjee", "Das", "Bose", "Pillai", "Krishnan",
         "Srinivasan", "Naidu", "Kulkarni"),
    ),
    "turkish": (
        ("Mehmet", "Mustafa", "Ahmet", "Hüseyin", "Hasan", "İbrahim", "Murat", "Emre", "Burak",
         "Can", "Cem", "Kerem", "Oğuz", "Serkan", "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif",
         "Merve", "Özlem", "Selin", "Deniz", "Ebru", "Gül", "Yasemin", "Berk", "Onur"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
         "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan",
         "Şimşek", "Polat", "Korkmaz", "Güneş", "Aksoy", "Tekin", "Uçar", "Bulut", "Ateş", "Acar"),
    ),
    "arabic": (
        ("Ahmed", "Mohamed", "Omar", "Youssef", "Khaled", "Tarek", "Karim", "Samir", "Nabil",
         "Walid", "Fatima", "Aisha", "Layla", "Mariam", "Noor", "Huda", "Rania", "Salma", "Yasmin",
         "Hala", "Amir", "Bilal", "Hamza", "Ziad", "Fadi", "Rami", "Sami", "Nadia", "Samira", "Leila"),
        ("Haddad", "Khoury", "Nasser", "Saleh", "Mansour", "Farah", "Aziz", "Hamdan", "Bakri",
         "Sabbagh", "Touma", "Azzam", "Halabi", "Jaber", "Kassab", "Masri", "Shami", "Najjar",
         "Hijazi", "Tamimi", "Zoubi", "Qureshi", "Siddiqui", "Rahimi", "Karimi", "Tehrani", "Moradi",
         "Jafari", "Sadeghi", "Mousavi"),
    ),
    "slavic": (
        ("Ivan", "Olga", "Pavel", "Irina", "Oleg", "Svetlana", "Igor", "Tatiana", "Roman", "Anna",
         "Boris", "Galina", "Kirill", "Marina", "Stanislav", "Lyudmila", "Denis", "Yulia", "Anton",
         "Ksenia", "Bogdan", "Oksana", "Taras", "Milena", "Goran", "Jelena", "Dragan", "Vesna"),
        ("Kuznetsova", "Sokolov", "Lebedev", "Kozlova", "Novikov", "Morozova", "Volkov", "Zaitseva",
         "Pavlov", "Semenova", "Golubev", "Vinogradova", "Bogdanov", "Vorobyova", "Fyodorov",
         "Mikhailova", "Belyaev", "Tarasova", "Belov", "Komarova", "Shevchenko", "Bondarenko",
         "Kovalenko", "Tkachenko", "Kravchenko", "Horvat", "Kovačević", "Jovanović", "Petrović"),
    ),
}

_COMPANY_WORDS = (
    "Bluewater", "Silver Oak", "Northwind", "Cedar", "Falcon", "Harbor", "Summit", "Evergreen",
    "Redwood", "Granite", "Riverside", "Lakeshore", "Sunflower", "Maple", "Orchid", "Lotus",
    "Meridian", "Horizon", "Crescent", "Aurora", "Pinnacle", "Kestrel", "Willow", "Coral",
)
_INDUSTRY = (
    "Trading", "Logistics", "Shipping", "Technologies", "Industries", "Engineering", "Consulting",
    "Foods", "Textiles", "Pharma", "Software", "Electronics", "Construction", "Energy", "Marine",
    "Supply", "Solutions", "Holdings", "Imports", "Packaging", "Agro", "Medical", "Design",
)
_LEGAL = ("LLC", "Ltd", "Limited", "Inc.", "GmbH", "S.A.", "Co., Ltd.", "JSC", "B.V.", "Pty Ltd", "")
_GENERIC_A = ("Global", "International", "United", "First", "General", "National", "Universal",
              "Eastern", "Western", "Central", "Pacific", "Atlantic", "Continental")
_GENERIC_B = ("Trading", "Shipping", "Logistics", "Energy", "Technology", "Industrial", "Investment",
              "Engineering", "Import Export", "Services", "Marine", "Supply")
_GENERIC_C = ("Company", "Group", "Holdings", "Corporation", "Enterprises", "")


class NamePools:
    """Given and family names by culture, plus the Wikidata name tokens of
    the transliteration pair files and the Senzing truth-set customers."""

    def __init__(self, rng: random.Random) -> None:
        self.cultures = dict(POOLS)
        self.wikidata = self._wikidata_tokens(rng)
        self.senzing_people, self.senzing_orgs = self._senzing()
        self.given_all = tuple(sorted({g for gs, _f in POOLS.values() for g in gs}))
        self.family_all = tuple(sorted({f for _g, fs in POOLS.values() for f in fs} | set(self.wikidata[:400])))

    @staticmethod
    def _wikidata_tokens(rng: random.Random) -> list[str]:
        words: set[str] = set()
        for name in ("wd_russian_20", "wd_arabic_20"):
            path = PAIRS / "transliteration/netransliteration_coling2018" / name
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    latin = line.split("\t", 1)[0].strip()
                    if latin.isalpha() and latin.isascii() and 4 <= len(latin) <= 12:
                        words.add(latin.capitalize())
        out = sorted(words)
        rng.shuffle(out)
        return out

    @staticmethod
    def _senzing() -> tuple[list[str], list[str]]:
        path = PAIRS / "senzing_truthset_demo/customers.csv"
        people, orgs = set(), set()
        if path.exists():
            with path.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    if row.get("PRIMARY_NAME_ORG"):
                        orgs.add(row["PRIMARY_NAME_ORG"].strip())
                    elif row.get("PRIMARY_NAME_FULL"):
                        people.add(row["PRIMARY_NAME_FULL"].strip())
                    elif row.get("PRIMARY_NAME_LAST") and len(row.get("PRIMARY_NAME_FIRST") or "") > 1:
                        parts = [row["PRIMARY_NAME_FIRST"], row.get("PRIMARY_NAME_MIDDLE") or "", row["PRIMARY_NAME_LAST"]]
                        people.add(" ".join(p.strip() for p in parts if p.strip()))
        return sorted(people), sorted(orgs)

    def person(self, rng: random.Random) -> str:
        r = rng.random()
        if r < 0.04 and self.senzing_people:
            return rng.choice(self.senzing_people)
        if r < 0.16 and self.wikidata:
            return f"{rng.choice(self.wikidata)} {rng.choice(self.wikidata)}"
        culture = rng.choice(sorted(self.cultures))
        given, family = self.cultures[culture]
        if culture == "chinese":
            return f"{rng.choice(family)} {rng.choice(given)}" if rng.random() < 0.5 else f"{rng.choice(given)} {rng.choice(family)}"
        g = rng.choice(given)
        f = rng.choice(family)
        if culture == "hispanic" and rng.random() < 0.5:
            f = f"{f} {rng.choice(family)}"
        elif culture in ("western", "indian") and rng.random() < 0.2:
            g = f"{g} {rng.choice(given)}"
        return f"{g} {f}"

    def company(self, rng: random.Random) -> str:
        if rng.random() < 0.03 and self.senzing_orgs:
            return rng.choice(self.senzing_orgs)
        head = coined_word(rng) if rng.random() < 0.6 else rng.choice(_COMPANY_WORDS)
        parts = [head]
        for _ in range(rng.choice((1, 1, 2))):
            parts.append(rng.choice(_INDUSTRY))
        parts.append(rng.choice(_LEGAL))
        return " ".join(p for p in parts if p)

    def generic_only(self, rng: random.Random) -> str:
        parts = [rng.choice(_GENERIC_A), rng.choice(_GENERIC_B), rng.choice(_GENERIC_C), rng.choice(_LEGAL)]
        return " ".join(p for p in parts if p)


def summarise(queries: Iterable[Query]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for q in queries:
        counts[q.family] += 1
    return dict(counts)
