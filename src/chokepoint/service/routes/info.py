"""Health, readiness, metrics, and what the service screens with:
``/algorithms``, ``/catalog`` (yente's shape), ``/lists``."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chokepoint.lists.catalog import catalog as catalog_info
from chokepoint.lists.catalog import collections
from chokepoint.lists.store import StoreError
from chokepoint.lists.update import source_status
from chokepoint.matching.explain import EXPLANATION_SCHEMA
from chokepoint.service.auth import ApiKey, Role
from chokepoint.service.deps import ready, require, service
from chokepoint.service.models import AlgorithmsResponse
from chokepoint.service.routes.match import ERRORS
from chokepoint.service.state import Loaded
from chokepoint.service.routing import JsonResponse, OrjsonRoute

router = APIRouter(route_class=OrjsonRoute)
log = logging.getLogger(__name__)


@router.get("/healthz", tags=["operations"])
async def healthz() -> dict:
    """The process is up (no key needed)."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"], responses={503: {"description": "Not ready yet (or failed)."}})
async def readyz(request: Request) -> JsonResponse:
    """Ready once the name index is loaded (no key needed)."""
    state = service(request)
    loaded = state.loaded
    if loaded is None:
        return JsonResponse({"ready": False, "error": state.load_error}, status_code=503)
    sources = {s.dataset: s for s in _sources(state)}
    return JsonResponse({
        "ready": True,
        # which worker answered (several run behind one port)
        "worker": os.getpid(),
        "index": {"names": len(loaded.screener.index.names), "entities": len(loaded.screener.index.records)},
        "lists": [{"dataset": v.dataset, "version": v.id, "published": v.published.isoformat() if v.published
                   else None, "loaded_at": v.loaded_at.isoformat(), **_freshness(sources.get(v.dataset))}
                  for v in loaded.versions.values()],
        # stale lists are reported, not fatal: the service keeps answering with the versions it has
        "stale_lists": sorted(name for name, s in sources.items() if s.stale),
    })


def _sources(state) -> list:
    try:
        return source_status(state.store, state.settings)
    except Exception:  # the staleness report must never make the service look down
        log.exception("reading the list update status failed")
        return []


def _freshness(status) -> dict:
    """Staleness of one list for /readyz (no error text: /readyz needs no key)."""
    if status is None:
        return {}
    return {"stale": status.stale, "last_update": status.last_success.isoformat() if status.last_success else None,
            "update_status": status.status}


@router.get("/metrics", tags=["operations"], response_class=Response, responses=ERRORS)
async def metrics(request: Request, _key: ApiKey = Depends(require(Role.viewer))) -> Response:
    """Prometheus metrics of this process."""
    state = service(request)
    state.metrics.report_sources(_sources(state))
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/algorithms", tags=["data"], response_model=AlgorithmsResponse, responses=ERRORS)
async def algorithms(_key: ApiKey = Depends(require(Role.viewer)), loaded: Loaded = Depends(ready)) -> dict:
    """The matching algorithm: features, weights, threshold and version."""
    algo = loaded.screener.algorithm
    described = algo.describe()
    return {
        "algorithms": [{
            "name": algo.name,
            "version": algo.version,
            "description": algo.description,
            "threshold": algo.threshold,
            "features": [f.name for f in algo.features],
            "docs": {"name": algo.name, "description": algo.description, "config": described["config"],
                     "features": {f.name: {"description": f.description, "coefficient": f.weight, "kind": f.kind}
                                  for f in algo.features}},
            "explanation_schema": EXPLANATION_SCHEMA,
        }],
        "default": algo.name,
        "best": algo.name,
    }


@router.get("/catalog", tags=["data"], responses=ERRORS)
async def catalog(request: Request, _key: ApiKey = Depends(require(Role.viewer)),
                  loaded: Loaded = Depends(ready)) -> JsonResponse:
    """The datasets served, in yente's catalog shape, plus the `default` collection."""
    info = catalog_info()
    datasets = []
    for v in sorted(loaded.versions.values(), key=lambda v: v.dataset):
        meta = info.get(v.dataset)
        datasets.append({
            "name": v.dataset,
            "title": meta.title if meta else v.dataset,
            "type": "source",
            "version": v.id,
            "updated_at": v.loaded_at.isoformat(),
            "published": v.published.isoformat() if v.published else None,
            "entity_count": v.entity_count,
            "target_count": v.target_count,
            "sha256": v.sha256,
            "load": True,
        })
    groups = [("default", "All active lists", [d["name"] for d in datasets])]
    groups += [(c.name, c.title, [d["name"] for d in datasets if d["name"] in c.datasets])
               for c in collections().values()]
    by_name = {d["name"]: d for d in datasets}
    collected = [{"name": name, "title": title, "type": "collection", "load": True, "children": children,
                  "version": max((by_name[c]["updated_at"] for c in children), default=None),
                  "entity_count": sum(by_name[c]["entity_count"] for c in children)}
                 for name, title, children in groups]
    return JsonResponse({"datasets": [*collected, *datasets], "current": [d["name"] for d in datasets],
                           "outdated": [], "index_stale": _index_stale(request, loaded)})


def _index_stale(request: Request, loaded: Loaded) -> bool:
    active = {v.id for v in service(request).store.active_versions()}
    return active != set(loaded.versions)


@router.get("/lists", tags=["data"], responses=ERRORS)
async def lists(request: Request, dataset: Annotated[str | None, Query(max_length=100)] = None,
                _key: ApiKey = Depends(require(Role.viewer))) -> JsonResponse:
    """Every stored list version, newest first, with which are active and
    which the running index was built from."""
    state = service(request)
    versions = state.store.versions(dataset)
    served = set(state.loaded.versions) if state.loaded else set()
    now = datetime.now(timezone.utc)
    out = []
    for v in versions:
        item = v.to_json()
        item["served"] = v.id in served
        item["age_days"] = round((now - v.loaded_at).total_seconds() / 86400, 2)
        out.append(item)
    return JsonResponse({"versions": out})


@router.get("/lists/{dataset}/diff", tags=["data"], responses=ERRORS)
async def list_diff(
    request: Request,
    dataset: Annotated[str, Path(max_length=100)],
    from_version: Annotated[str | None, Query(alias="from", max_length=140)] = None,
    to_version: Annotated[str | None, Query(alias="to", max_length=140)] = None,
    _key: ApiKey = Depends(require(Role.viewer)),
) -> JsonResponse:
    """Entities added, removed and changed between two versions of a list
    (default: its two newest)."""
    try:
        diff = service(request).store.diff(dataset, from_version, to_version)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from exc
    return JsonResponse(diff.to_json())
