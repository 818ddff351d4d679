"""The answer to a ``/match`` call, apart from HTTP: used by the route
and by ``chokepoint audit show --replay``, which recomputes a recorded
answer from the recorded request and list versions."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field

from chokepoint.lists.store import ListVersion, StoredEntity
from chokepoint.matching.screener import Match, Screener
from chokepoint.service.models import EntityMatchQuery
from chokepoint.service.yente import match_result, party_query

#: (version id, entity id) pairs → stored entities
EntityLookup = Callable[[list[tuple[str, str]]], dict[tuple[str, str], StoredEntity | None]]


@dataclass
class MatchParams:
    limit: int = 5
    threshold: float | None = None
    cutoff: float = 0.5
    datasets: Collection[str] | None = None
    exclude_dataset: list[str] = field(default_factory=list)
    exclude_schema: list[str] = field(default_factory=list)
    exclude_entity_ids: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    changed_since: str | None = None
    explain: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data["datasets"] = None if self.datasets is None else sorted(self.datasets)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "MatchParams":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class EmptyQuery(ValueError):
    """A query with neither a name nor an identifier."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def results_for(matches: list[Match], lookup: EntityLookup, versions: dict[str, ListVersion],
                explain: bool) -> list[dict]:
    stored = lookup([(m.record.version_id, m.record.entity_id) for m in matches])
    return [match_result(m, stored.get((m.record.version_id, m.record.entity_id)),
                         versions.get(m.record.version_id), explain) for m in matches]


def answer_match(screener: Screener, body: EntityMatchQuery, params: MatchParams, lookup: EntityLookup,
                 versions: dict[str, ListVersion]) -> dict[str, dict]:
    """yente's ``responses`` object: per query key, results best first."""
    cut = screener.algorithm.threshold if params.threshold is None else params.threshold
    responses: dict[str, dict] = {}
    for key, example in body.queries.items():
        query = party_query(example, key)
        if not query.names and not query.identifiers and not query.loose_identifiers:
            raise EmptyQuery(key)
        matches = screener.match(
            query, limit=params.limit, threshold=min(params.cutoff, cut), datasets=params.datasets,
            exclude_datasets=params.exclude_dataset, exclude_schemata=params.exclude_schema,
            exclude_entity_ids=params.exclude_entity_ids, topics=params.topics,
            changed_since=params.changed_since)
        results = results_for(matches, lookup, versions, params.explain)
        for result in results:
            result["match"] = result["score"] >= cut
        responses[key] = {
            "status": 200,
            "results": results,
            "total": {"value": sum(1 for r in results if r["match"]), "relation": "eq"},
            "query": {"id": example.id, "schema": example.schema_, "properties": example.properties},
        }
    return responses
