"""Screening one party: normalise → candidates → score → rank.

``Screener`` holds a :class:`NameIndex` and an :class:`Algorithm`. It is
read-only after construction, so one screener serves many threads or is
copied into worker processes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from followthemoney import model

from chokepoint.matching.algorithm import DEFAULT_ALGORITHM, Algorithm
from chokepoint.matching.explain import Explanation, NameEvidence
from chokepoint.matching.index import NameIndex
from chokepoint.matching.normalize import NameForm, normalize_name
from chokepoint.matching.records import ListedRecord, PartyQuery
from chokepoint.matching.score import align_names, score_candidate, score_names

#: Listed names retrieved per query (the best by retrieval score).
CANDIDATE_NAMES = 40
#: Most the non-name features can add to a name score (birth date, country,
#: address); names whose best possible score is below the cut by more than
#: this are not scored.
QUALIFIER_HEADROOM = 0.10
#: The retrieval estimate counts hit words as exact matches but weighs them
#: with the query's weights only; fuzzy hits and listed words weighing more
#: than their query twins can score above it. Names whose estimate times
#: this slack stays under the cut cannot match and are not scored.
ESTIMATE_SLACK = 1.35
#: The best retrieved names are scored whatever their estimate.
ALWAYS_SCORED = 3
#: Names of one entity scored per query (its best by retrieval estimate;
#: entities listed in many languages have dozens of name forms).
NAMES_PER_ENTITY = 3


@dataclass(slots=True)
class Match:
    """One listed entity scored against the query."""

    record: ListedRecord
    explanation: Explanation

    @property
    def score(self) -> float:
        return self.explanation.score

    @property
    def is_match(self) -> bool:
        return self.explanation.match

    def to_json(self) -> dict:
        r = self.record
        return {
            "entity_id": r.entity_id,
            "dataset": r.dataset,
            "source_id": r.source_id,
            "list_version": r.version_id,
            "name": r.caption,
            "schema": r.schema,
            "programs": list(r.programs),
            "score": self.score,
            "match": self.is_match,
            "explanation": self.explanation.to_json(),
        }


@lru_cache(maxsize=256)
def schemata_match(query_schema: str, listed_schema: str) -> bool:
    """A person never matches a vessel; a company never matches a person."""
    try:
        return model.get(query_schema).can_match(model.get(listed_schema))
    except (AttributeError, TypeError):
        return False


class Screener:
    """Finds and scores the listed entities a party may be."""

    def __init__(self, index: NameIndex, algorithm: Algorithm = DEFAULT_ALGORITHM) -> None:
        self.index = index
        self.algorithm = algorithm

    def with_algorithm(self, algorithm: Algorithm) -> "Screener":
        return Screener(self.index, algorithm)

    def query_forms(self, query: PartyQuery) -> list[NameForm]:
        forms: list[NameForm] = []
        for name in query.names:
            forms.extend(normalize_name(name, query.schema))
        return forms

    def match(
        self,
        query: PartyQuery,
        limit: int = 10,
        threshold: float | None = None,
        datasets: Collection[str] | None = None,
        exclude_datasets: Collection[str] = (),
        exclude_schemata: Collection[str] = (),
        exclude_entity_ids: Collection[str] = (),
        candidates: int = CANDIDATE_NAMES,
        topics: Collection[str] = (),
        changed_since: str | None = None,
        entity_ids: Collection[str] | None = None,
    ) -> list[Match]:
        """Scored listed entities, best first; ``threshold`` (default: the
        algorithm's) filters, ``limit`` cuts. ``topics`` keeps entities
        with any of these topics; ``changed_since`` (ISO date or time)
        keeps entities whose listing changed at or after it; ``entity_ids``
        keeps only these entities (monitoring: the entities a new list
        version added or changed)."""
        if model.get(query.schema) is None:
            raise ValueError(f"unknown schema {query.schema!r}")
        forms = self.query_forms(query)
        index = self.index
        cut = self.algorithm.threshold if threshold is None else threshold
        qwords = [index.words(form) for form in forms]
        best_names: dict[int, list[int]] = {}
        for rank, (nid, estimate, _fi) in enumerate(index.candidates(forms, limit=candidates)):
            if rank >= ALWAYS_SCORED and estimate * ESTIMATE_SLACK < cut - QUALIFIER_HEADROOM:
                continue
            indexed = index.names[nid]
            names = best_names.setdefault(indexed.entity, [])
            if len(names) < NAMES_PER_ENTITY:
                names.append(nid)
        identifier_values = set(query.loose_identifiers)
        for values in query.identifiers.values():
            identifier_values.update(values)
        for rid in index.by_identifier(identifier_values) if identifier_values else ():
            best_names.setdefault(rid, [])
        cache: dict = {}
        matches: list[Match] = []
        by_identifier = index.by_identifier(identifier_values) if identifier_values else set()
        for rid, nids in best_names.items():
            record = index.records[rid]
            if not self._admissible(record, query, datasets, exclude_datasets, exclude_schemata, exclude_entity_ids):
                continue
            if entity_ids is not None and record.entity_id not in entity_ids:
                continue
            if topics and not set(record.topics).intersection(topics):
                continue
            if changed_since and (record.last_change or "") < changed_since:
                continue
            person = (query.schema == "Person" or record.schema == "Person", record.schema == "Person")
            best = self._best_name(forms, qwords, nids, cache, person)
            if rid not in by_identifier and (best is None or best[0] + QUALIFIER_HEADROOM < cut):
                continue  # cannot reach the cut: no evidence is built
            evidence = self._name_evidence(forms, qwords, best, cache, person)
            explanation = score_candidate(query, record, evidence, self.algorithm)
            matches.append(Match(record, explanation))
        matches.sort(key=lambda m: (-m.score, m.record.entity_id))
        return [m for m in matches if m.score >= cut][:limit]

    def _admissible(
        self,
        record: ListedRecord,
        query: PartyQuery,
        datasets: Collection[str] | None,
        exclude_datasets: Collection[str],
        exclude_schemata: Collection[str],
        exclude_entity_ids: Collection[str],
    ) -> bool:
        if datasets is not None and record.dataset not in datasets:
            return False
        if record.dataset in exclude_datasets or record.schema in exclude_schemata:
            return False
        if record.entity_id in exclude_entity_ids:
            return False
        return schemata_match(query.schema, record.schema)

    def _best_name(
        self, forms: list[NameForm], qwords: list, nids: list[int], cache: dict, person: tuple[bool, bool]
    ) -> tuple[float, int, int] | None:
        """Score, query form and listed name of the best-scoring pair."""
        best: tuple[float, int, int] | None = None
        cfg = self.algorithm.config
        for nid in nids:
            indexed = self.index.names[nid]
            for i, form in enumerate(forms):
                translit = form.transliterated or indexed.form.transliterated
                score = align_names(qwords[i], indexed.words, indexed.kind, translit, cfg, cache,
                                    person=person[0], listed_person=person[1])
                if best is None or score > best[0]:
                    best = (score, i, nid)
        return best

    def _name_evidence(
        self, forms: list[NameForm], qwords: list, best: tuple[float, int, int] | None, cache: dict,
        person: tuple[bool, bool],
    ) -> NameEvidence | None:
        if best is None:
            return None
        _, i, nid = best
        indexed = self.index.names[nid]
        return score_names(forms[i], indexed.form, indexed.kind, self.index, self.algorithm,
                           qwords[i], indexed.words, cache, person[0], person[1])

    def compare(self, query: PartyQuery, record: ListedRecord) -> Explanation:
        """Score one query against one record, all names against all names
        (used by ``chokepoint compare`` and the pair benchmarks)."""
        forms = self.query_forms(query)
        person = query.schema == "Person" or record.schema == "Person"
        listed_person = record.schema == "Person"
        best: NameEvidence | None = None
        for kind, text in record.names:
            for cform in normalize_name(text, record.schema):
                for form in forms:
                    evidence = score_names(form, cform, kind, self.index, self.algorithm, person=person,
                                           listed_person=listed_person)
                    if best is None or evidence.score > best.score:
                        best = evidence
        return score_candidate(query, record, best, self.algorithm)
