"""Scoring a candidate: names word by word, then the other evidence.

Names are compared as bags of words aligned best-first (so word order does
not matter), each word weighted by its rarity in the lists and its role
(a legal form or a generic word like "TRADING" weighs little). The name
score is the weighted Dice coefficient of the alignment, then:

* only generic words / legal forms in common → capped (never an alert);
* distinctive words left over on *both* sides (a substitution, as in
  sibling companies "… Cold Chain Logistics" vs "… Cold Chain
  Engineering") → multiplied down;
* numbers must agree ("VICTORY 3" is not "VICTORY").

The entity score is the best name pair's score adjusted by identifiers,
birth dates, countries and addresses, clipped to [0, 1].
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from chokepoint.matching.algorithm import Algorithm
from chokepoint.matching.explain import Explanation, FeatureEvidence, NameEvidence, WordEvidence
from chokepoint.matching.index import NameIndex
from chokepoint.matching.normalize import GENERIC, JOINED, LEGAL, NAME, NUM, STOP, NameForm, Token, Word, Words
from chokepoint.matching.records import STRONG_IDENTIFIERS, ListedRecord, PartyQuery

_WEAK_ROLES = (LEGAL, STOP, GENERIC)


def compare_words(q: Token, c: Token, min_similarity: float, transliterated: bool = False) -> tuple[float, str]:
    """Similarity of two words in [0, 1] and how it was found.

    Name symbols (rigour's Wikidata name ids) are decisive across scripts
    (Владимир = Vladimir, محمد = Mohammed); between two Latin spellings they
    also join unrelated romanised syllables (Chinese "Hui" and "Su" share
    an id), so there the words must also look alike. Short words that
    differ in their first letter are different names (Touma, Jouma).
    Consonant skeletons only count when a side was transliterated from a
    script that does not write vowels ("mhmd" for Arabic محمد)."""
    if q.ascii == c.ascii or q.text == c.text:
        return 1.0, "exact"
    if q.role == NUM or c.role == NUM:
        return 0.0, "unmatched"
    if q.family == c.family:
        return 0.95, "spelling-family"
    a, b = q.ascii, c.ascii
    shortest = min(len(a), len(b))
    # optimal string alignment: a transposition is one edit, not two
    sim = OSA.normalized_similarity(a, b) if shortest else 0.0
    if q.symbols and c.symbols and not q.symbols.isdisjoint(c.symbols):
        if q.role == LEGAL or c.role == LEGAL:
            return 0.95, "legal-form"
        if transliterated or q.text != a or c.text != b:
            return 0.92, "name-symbol"
        if shortest > 3 and sim >= 0.5:
            return max(0.85, sim), "name-symbol"
    if shortest <= 3:
        return 0.0, "unmatched"
    same_start = a[0] == b[0]
    how = "fuzzy"
    if shortest <= 5 and OSA.distance(a, b) > 1:
        sim = min(sim, 0.6)
    if shortest <= 6 and not same_start:
        sim = min(sim, 0.6)
    if q.phonetic and q.phonetic == c.phonetic and sim >= 0.6 and (same_start or shortest > 6):
        sim, how = max(sim, 0.8), "phonetic"
    if transliterated and len(q.skeleton) >= 3 and q.skeleton == c.skeleton and sim < 0.82:
        sim, how = 0.82, "skeleton"
    if sim < min_similarity:
        return 0.0, "unmatched"
    return sim, how


def name_words(form: NameForm, index: NameIndex) -> Words:
    return index.words(form)


def _merge_joined(words: tuple[Word, ...], other: tuple[Word, ...]) -> tuple[Word, ...]:
    """Join adjacent words of ``words`` when the joined form is a word of
    ``other`` ("JSC ARGUMENT" vs "JSCARGUMENT")."""
    if len(words) < 2:
        return words
    targets = {w.token.ascii for w in other}
    i = 0
    out: list[Word] = []
    changed = False
    while i < len(words):
        if i + 1 < len(words):
            joined = words[i].token.ascii + words[i + 1].token.ascii
            if joined in targets:
                first = words[i].token
                token = Token(joined, joined, JOINED, joined, joined, None, first.symbols)
                out.append(Word(token, words[i].weight + words[i + 1].weight))
                i += 2
                changed = True
                continue
        out.append(words[i])
        i += 1
    return tuple(out) if changed else words


#: (query ascii, candidate ascii) → (similarity, how); shared per query
WordCache = dict


def align_names(
    qnames: Words,
    cnames: Words,
    kind: str,
    transliterated: bool,
    cfg: dict[str, float],
    cache: WordCache,
    evidence: list[WordEvidence] | None = None,
    notes: list[str] | None = None,
    person: bool = False,
    listed_person: bool = False,
) -> float:
    """Score of one name pair in [0, 1]. With ``evidence``/``notes``
    lists given, they are filled with the word-by-word alignment."""
    qwords, cwords = qnames.items, cnames.items
    if not qnames.joins.isdisjoint(cnames.asciis):
        qwords = _merge_joined(qwords, cwords)
    if not qnames.asciis.isdisjoint(cnames.joins):
        cwords = _merge_joined(cwords, qwords)
    min_sim = cfg["min_word_similarity"]
    pairs = []
    for i, q in enumerate(qwords):
        qt = q.token
        for j, c in enumerate(cwords):
            key = (qt.ascii, c.token.ascii, qt.text, c.token.text, transliterated)
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = compare_words(qt, c.token, min_sim, transliterated)
            if hit[0] > 0:
                pairs.append((hit[0], i, j, hit[1]))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_q: set[int] = set()
    used_c: set[int] = set()
    matched = distinctive = 0.0
    distinctive_words = 0
    max_word_weight = 0.0
    for sim, i, j, how in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        q, c = qwords[i], cwords[j]
        matched += sim * (q.weight + c.weight)
        if q.token.role not in _WEAK_ROLES and c.token.role not in _WEAK_ROLES:
            distinctive += sim * q.weight
            distinctive_words += 2 if JOINED in (q.token.role, c.token.role) else 1
            max_word_weight = max(max_word_weight, q.weight)
        if evidence is not None:
            evidence.append(WordEvidence(q.token.text, c.token.text, how, round(sim, 3), round(q.weight, 3),
                                         q.token.role))
    left_q = [w for i, w in enumerate(qwords) if i not in used_q]
    left_c = [w for j, w in enumerate(cwords) if j not in used_c]
    if evidence is not None:
        for w in left_q:
            evidence.append(WordEvidence(w.token.text, None, "unmatched", 0.0, round(w.weight, 3), w.token.role))
        for w in left_c:
            evidence.append(WordEvidence(None, w.token.text, "unmatched", 0.0, round(w.weight, 3), w.token.role))
    total_q = qnames.total
    total_c = cnames.total
    # words the listed name has and the query lacks (middle names,
    # patronymics, a second family name) count less than query words the
    # listed name lacks
    extra = cfg["extra_listed_person" if listed_person else "extra_listed_word"]
    left_c_weight = sum(w.weight for w in left_c)
    denominator = total_q + (total_c - left_c_weight) + extra * left_c_weight
    score = matched / denominator if denominator else 0.0
    notes = notes if notes is not None else []
    score = _apply_penalties(score, distinctive, left_q, left_c, total_q, total_c, notes, cfg)
    query_one_word = qnames.one_word
    names_left = any(w.token.role in (NAME, JOINED) for w in (*left_q, *left_c))
    if person and distinctive_words == 1 and (
        query_one_word or (names_left and max_word_weight < cfg["rare_word_weight"])
    ):
        score = min(score, cfg["single_word_person_cap"])
        notes.append("a person matched on one common word only")
    if kind == "weak":
        score *= cfg["weak_alias_factor"]
        notes.append("weak alias")
    if transliterated:
        score *= cfg["transliterated_factor"]
        notes.append("compared through transliteration")
    return min(1.0, max(0.0, score))


def score_names(
    query: NameForm,
    candidate: NameForm,
    kind: str,
    index: NameIndex,
    algorithm: Algorithm,
    qwords: Words | None = None,
    cwords: Words | None = None,
    cache: WordCache | None = None,
    person: bool = False,
    listed_person: bool = False,
) -> NameEvidence:
    """Compare two names word by word; the evidence carries the score."""
    evidence: list[WordEvidence] = []
    notes: list[str] = []
    transliterated = candidate.transliterated or query.transliterated
    score = align_names(
        qwords if qwords is not None else name_words(query, index),
        cwords if cwords is not None else name_words(candidate, index),
        kind, transliterated, algorithm.config, cache if cache is not None else {}, evidence, notes, person,
        listed_person,
    )
    return NameEvidence(
        query=query.original,
        candidate=candidate.original,
        candidate_kind=kind,
        score=round(score, 4),
        transliterated=transliterated,
        words=evidence,
        notes=notes,
    )


def _apply_penalties(
    score: float,
    distinctive: float,
    left_q: list[Word],
    left_c: list[Word],
    total_q: float,
    total_c: float,
    notes: list[str],
    cfg: dict[str, float],
) -> float:
    if distinctive <= 0 and any(w.token.role in (NAME, GENERIC, NUM, JOINED) for w in (*left_q, *left_c)):
        # names made only of generic words still match themselves in full
        notes.append("only generic words or legal forms in common")
        return min(score, cfg["generic_only_cap"])
    num_q = [w for w in left_q if w.token.role == NUM]
    num_c = [w for w in left_c if w.token.role == NUM]
    if num_q and num_c:
        score *= cfg["number_conflict_factor"]
        notes.append("numbers differ")
    elif num_q or num_c:
        score *= cfg["number_missing_factor"]
        notes.append("a number on one side only")
    name_q = [w for w in left_q if w.token.role in (NAME, GENERIC, JOINED)]
    name_c = [w for w in left_c if w.token.role in (NAME, GENERIC, JOINED)]
    if name_q and name_c:
        share_q = sum(w.weight for w in name_q) / total_q
        share_c = sum(w.weight for w in name_c) / total_c
        conflict = min(share_q, share_c)
        score *= cfg["conflict_factor"] * (1 - cfg["name_conflict_weight"] * conflict)
        notes.append("different words on both sides")
    return score


# --- entity level ------------------------------------------------------------


def _year(value: str) -> int | None:
    try:
        return int(value[:4])
    except (TypeError, ValueError):
        return None


def _birth_date_features(query: PartyQuery, record: ListedRecord, algorithm: Algorithm) -> list[FeatureEvidence]:
    if not query.birth_dates or not record.birth_dates or record.schema != "Person":
        return []
    q, c = list(query.birth_dates), list(record.birth_dates)
    full = [d for d in q if len(d) >= 10 and d[:10] in {x[:10] for x in c if len(x) >= 10}]
    if full:
        w = algorithm.weight("birth_date_match")
        return [FeatureEvidence("birth_date_match", w, w, f"birth date {full[0]} agrees", q, c)]
    years_q = {y for y in map(_year, q) if y}
    years_c = {y for y in map(_year, c) if y}
    if years_q and years_c and all(abs(a - b) > 1 for a in years_q for b in years_c):
        w = algorithm.weight("birth_date_conflict")
        return [FeatureEvidence("birth_date_conflict", w, w, "birth years differ by more than one", q, c)]
    return [FeatureEvidence("birth_date_year", 0.0, 0.0, "birth year agrees (±1)", q, c)]


def _country_features(query: PartyQuery, record: ListedRecord, algorithm: Algorithm) -> list[FeatureEvidence]:
    if not query.countries or not record.countries:
        return []
    q, c = sorted(query.countries), sorted(record.countries)
    common = query.countries & record.countries
    if common:
        w = algorithm.weight("country_match")
        return [FeatureEvidence("country_match", w, w, f"country in common: {', '.join(sorted(common))}", q, c)]
    w = algorithm.weight("country_conflict")
    return [FeatureEvidence("country_conflict", w, w, "no country in common", q, c)]


def identifier_evidence(query: PartyQuery, record: ListedRecord, algorithm: Algorithm) -> list[FeatureEvidence]:
    """Exact strong identifiers in common, or a conflict within one kind."""
    out: list[FeatureEvidence] = []
    for group, values in record.identifiers.items():
        if group not in STRONG_IDENTIFIERS:
            continue
        hits = (query.identifiers.get(group, frozenset()) | query.loose_identifiers) & values
        if hits:
            w = algorithm.weight("identifier_match")
            value = sorted(hits)[0]
            return [FeatureEvidence("identifier_match", w, w, f"{group} {value} agrees", [value], sorted(values))]
    for group, values in query.identifiers.items():
        if group in STRONG_IDENTIFIERS and record.identifiers.get(group) and not (record.identifiers[group] & values):
            w = algorithm.weight("identifier_conflict")
            out.append(FeatureEvidence("identifier_conflict", w, w, f"{group} numbers differ",
                                       sorted(values), sorted(record.identifiers[group])))
            break
    return out


def _address_features(query: PartyQuery, record: ListedRecord, algorithm: Algorithm) -> list[FeatureEvidence]:
    if not query.addresses or not record.addresses:
        return []
    from rigour._core import match_addresses

    best = match_addresses(list(query.addresses), list(record.addresses))
    if best is not None and best.score >= 0.8:
        w = algorithm.weight("address_match")
        return [FeatureEvidence("address_match", w, w, f"address agrees ({best.detail})", [best.query], [best.result])]
    return []


def score_candidate(
    query: PartyQuery,
    record: ListedRecord,
    name_evidence: NameEvidence | None,
    algorithm: Algorithm,
) -> Explanation:
    """Combine the best name evidence with the other features."""
    name_score = name_evidence.score if name_evidence else 0.0
    features = [
        FeatureEvidence(
            "name_similarity",
            name_score,
            algorithm.weight("name_similarity"),
            f"{name_evidence.candidate_kind} '{name_evidence.candidate}'" if name_evidence else "no name compared",
            [name_evidence.query] if name_evidence else [],
            [name_evidence.candidate] if name_evidence else [],
        )
    ]
    features += identifier_evidence(query, record, algorithm)
    features += _birth_date_features(query, record, algorithm)
    features += _country_features(query, record, algorithm)
    features += _address_features(query, record, algorithm)
    score = name_score
    for feature in features[1:]:
        if feature.name == "identifier_match":
            score = max(score, feature.contribution)
        else:
            score += feature.contribution
    score = round(min(1.0, max(0.0, score)), 4)
    return Explanation(
        algorithm=algorithm.name,
        algorithm_version=algorithm.version,
        score=score,
        threshold=algorithm.threshold,
        match=score >= algorithm.threshold,
        name=name_evidence,
        features=features,
    )
