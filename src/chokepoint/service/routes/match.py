"""``POST /match/{dataset}`` (yente's request and response shape) and
``GET /search/{dataset}``."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request


from chokepoint.lists.catalog import collections
from chokepoint.matching.records import PartyQuery
from chokepoint.matching.screener import Match
from chokepoint.media.evidence import annotate_match
from chokepoint.service.answer import EmptyQuery, MatchParams, answer_match, results_for
from chokepoint.service.audit import AuditEntry
from chokepoint.service.auth import ApiKey, Role
from chokepoint.service.deps import audit, invalid, ready, require, service
from chokepoint.service.monitoring import keep_parties
from chokepoint.service.yente import party_query
from chokepoint.service.models import EntityMatchQuery, EntityMatchResponse, ErrorResponse
from chokepoint.service.state import Loaded
from chokepoint.service.routing import JsonResponse, OrjsonRoute

router = APIRouter(route_class=OrjsonRoute)

#: Names of the one algorithm, as callers may spell it.
ALGORITHM_ALIASES = ("best", "default")
#: Candidates scoring below this are not returned (yente's ``cutoff``).
DEFAULT_CUTOFF = 0.5
CHANGED_SINCE = r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$"

ERRORS = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid or revoked one."},
    403: {"model": ErrorResponse, "description": "The key's role may not do this."},
    404: {"model": ErrorResponse, "description": "Unknown dataset."},
    413: {"model": ErrorResponse, "description": "Body over the size limit."},
    422: {"model": ErrorResponse, "description": "Invalid request: `detail` names each field path."},
    429: {"model": ErrorResponse, "description": "Too many failed authentications from this address."},
    503: {"model": ErrorResponse, "description": "The name index is still loading."},
}


def scope(loaded: Loaded, dataset: str, include: list[str], exclude: list[str]) -> set[str] | None:
    """Datasets a call screens against (None: all active), or an error."""
    known = loaded.datasets
    groups = collections()
    if dataset != "default" and dataset not in known and dataset not in groups:
        raise _unknown_dataset(dataset, known)
    for i, name in enumerate(include):
        if name not in known:
            raise invalid(("query", "include_dataset", i), f"unknown dataset {name!r}")
    for i, name in enumerate(exclude):
        if name not in known:
            raise invalid(("query", "exclude_dataset", i), f"unknown dataset {name!r}")
    if dataset == "default":
        chosen = set(known)
    elif dataset in groups:
        chosen = set(groups[dataset].datasets) & set(known)
    else:
        chosen = {dataset}
    if include:
        chosen &= set(include)
    return None if chosen == set(known) else chosen


def _unknown_dataset(dataset: str, known) -> Exception:
    from fastapi import HTTPException

    names = ", ".join(["default", *sorted(collections()), *sorted(known)])
    return HTTPException(404, f"unknown dataset {dataset!r}: use one of {names}")


@router.post("/match/{dataset}", response_model=None, tags=["screening"],
             responses={200: {"model": EntityMatchResponse}, **ERRORS})
async def match(
    request: Request,
    body: EntityMatchQuery,
    dataset: Annotated[str, Path(max_length=100, description="`default` (all active lists), a collection (`sanctions`, `export_controls`) or a dataset name.")],
    limit: Annotated[int, Query(ge=1, le=500, description="Results per query.")] = 5,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0, description=(
        "Score at or above which a result is a match (default: the algorithm's).")) ] = None,
    cutoff: Annotated[float, Query(ge=0.0, le=1.0, description=(
        "Results scoring below this are not returned (never above threshold).")) ] = DEFAULT_CUTOFF,
    algorithm: Annotated[str, Query(max_length=60, description="`best`, `default` or `chokepoint-v1`.")] = "best",
    include_dataset: Annotated[list[str], Query(max_length=50)] = [],
    exclude_dataset: Annotated[list[str], Query(max_length=50)] = [],
    exclude_schema: Annotated[list[str], Query(max_length=20)] = [],
    exclude_entity_ids: Annotated[list[str], Query(max_length=50)] = [],
    changed_since: Annotated[str | None, Query(pattern=CHANGED_SINCE, description="YYYY-MM-DD[THH[:MM[:SS]]]")] = None,
    topics: Annotated[list[str], Query(max_length=20)] = [],
    explain: Annotated[bool, Query(description="Add chokepoint's full explanation to each result.")] = False,
    keep: Annotated[bool, Query(description=(
        "Keep each query in the party base under monitoring, with its query key as the party id "
        "(a later list version that lists it raises an alert; see `chokepoint monitor`)."))] = False,
    key: ApiKey = Depends(require(Role.analyst)),
    loaded: Loaded = Depends(ready),
) -> JsonResponse:
    """Match parties against the lists, yente-style. Each query key gets
    its results, best first; `match` is true at or above the threshold."""
    state = service(request)
    screener = loaded.screener
    if algorithm not in ALGORITHM_ALIASES and algorithm != screener.algorithm.name:
        raise invalid(("query", "algorithm"), f"unknown algorithm {algorithm!r}: use best, default or "
                                              f"{screener.algorithm.name}")
    if not body.queries:
        raise invalid(("body", "queries"), "at least one query is required")
    if len(body.queries) > state.settings.max_queries:
        raise invalid(("body", "queries"), f"{len(body.queries)} queries; at most {state.settings.max_queries} "
                                           "per call")
    if keep:
        for k in body.queries:
            if len(k) > 200:
                raise invalid(("body", "queries", k[:40]), "with keep=true a query key is a party id: "
                                                          "at most 200 characters")
    try:
        tuned = screener.algorithm.with_overrides(body.weights, body.config)
    except KeyError as exc:
        field = "weights" if "feature" in str(exc) else "config"
        raise invalid(("body", field), str(exc.args[0])) from exc
    if tuned is not screener.algorithm:
        screener = screener.with_algorithm(tuned)
    params = MatchParams(limit=limit, threshold=threshold, cutoff=cutoff,
                         datasets=scope(loaded, dataset, include_dataset, exclude_dataset),
                         exclude_dataset=exclude_dataset, exclude_schema=exclude_schema,
                         exclude_entity_ids=exclude_entity_ids, topics=topics, changed_since=changed_since,
                         explain=explain)
    try:
        responses = answer_match(screener, body, params, state.stored_entities, loaded.versions)
    except EmptyQuery as exc:
        raise invalid(("body", "queries", exc.key, "properties"),
                      "give a name (or name parts) or an identifier") from exc
    await asyncio.to_thread(annotate_match, state.store, responses, screener)  # adverse media, beside list hits
    scores = [r["score"] for resp in responses.values() for r in resp["results"]]
    total_matches = sum(resp["total"]["value"] for resp in responses.values())
    top = max(scores, default=0.0)
    state.metrics.queries.labels("match").inc(len(body.queries))
    response = {"responses": responses, "limit": limit}
    record = await audit(request, AuditEntry(
        kind="match", actor=key.name,
        summary={"queries": len(body.queries), "matches": total_matches, "top_score": round(top, 4),
                 "dataset": dataset},
        request={"dataset": dataset, "query_string": request.url.query, "params": params.to_json(),
                 "body": body.model_dump(by_alias=True)},
        response=response,
        algorithm=screener.algorithm.name, algorithm_version=screener.algorithm.version,
        list_versions=loaded.list_versions,
    ))
    response["call_id"] = record.call_id
    if keep:
        kept = [(k, party_query(q, k)) for k, q in body.queries.items()]
        results = {k: {"status": "alert" if any(r["match"] for r in resp["results"]) else "clear",
                       "top_score": max((r["score"] for r in resp["results"]), default=0.0),
                       "matches": [{"entity_id": r["id"], "dataset": (r["datasets"] or [""])[0],
                                    "name": r["caption"], "score": r["score"]} for r in resp["results"] if r["match"]],
                       "list_versions": sorted(loaded.versions)} for k, resp in responses.items()}
        response["kept"] = await asyncio.to_thread(keep_parties, state.store, kept, "api", results)
    return JsonResponse(response, headers={"x-batch-size": str(len(body.queries)), "x-call-id": record.call_id})


@router.get("/search/{dataset}", tags=["data"], responses=ERRORS)
async def search(
    request: Request,
    dataset: Annotated[str, Path(max_length=100)],
    q: Annotated[str, Query(min_length=1, max_length=500, description="A name or an identifier.")],
    schema: Annotated[str | None, Query(max_length=60, description="Person, Company, Vessel …")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
    include_dataset: Annotated[list[str], Query(max_length=50)] = [],
    exclude_dataset: Annotated[list[str], Query(max_length=50)] = [],
    _key: ApiKey = Depends(require(Role.viewer)),
    loaded: Loaded = Depends(ready),
) -> JsonResponse:
    """Simple text search over names and identifiers: the listed entities
    whose names are close to `q`, best first."""
    from followthemoney import model

    datasets = scope(loaded, dataset, include_dataset, exclude_dataset)
    if schema is not None and (model.get(schema) is None or not model.get(schema).matchable):
        raise invalid(("query", "schema"), f"unknown or unmatchable schema {schema!r}")
    schemata = [schema] if schema else ["LegalEntity", "Vessel", "Airplane"]
    found: dict[str, Match] = {}
    for name in schemata:
        query = PartyQuery.build(name=q, schema=name, identifier=q)
        for m in loaded.screener.match(query, limit=offset + limit, threshold=DEFAULT_CUTOFF, datasets=datasets,
                                       exclude_datasets=exclude_dataset):
            if m.record.entity_id not in found or found[m.record.entity_id].score < m.score:
                found[m.record.entity_id] = m
    ranked = sorted(found.values(), key=lambda m: (-m.score, m.record.entity_id))
    page = ranked[offset: offset + limit]
    results = results_for(page, service(request).stored_entities, loaded.versions, explain=False)
    for r in results:
        r.pop("explanations", None)
    total = len(ranked)
    return JsonResponse({"results": results, "total": {"value": total, "relation": "eq" if total < offset + limit
                                                          else "gte"},
                           "limit": limit, "offset": offset})
