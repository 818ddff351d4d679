"""``GET /entities/{id}``: one listed entity with the entities linked to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from followthemoney import model, registry

from chokepoint.service.auth import ApiKey, Role
from chokepoint.service.deps import require, service
from chokepoint.service.routes.match import ERRORS
from chokepoint.service.yente import nested_entity
from chokepoint.service.routing import JsonResponse, OrjsonRoute

router = APIRouter(route_class=OrjsonRoute)


@router.get("/entities/{entity_id}", tags=["data"], responses=ERRORS)
async def entity(
    request: Request,
    entity_id: Annotated[str, Path(max_length=200)],
    _key: ApiKey = Depends(require(Role.viewer)),
) -> JsonResponse:
    """A listed entity from the active list versions, yente-style: the
    entities pointing at it (sanctions, ownerships, family …) are nested
    under the reverse property, with their own references expanded."""
    state = service(request)
    stored = state.store.stored_entity(entity_id)
    if stored is None:
        raise HTTPException(404, f"no entity {entity_id!r} in the active list versions")
    version = state.store.get_version(stored.version_id)
    linked = state.store.referencing(entity_id, stored.version_id)
    wanted: set[str] = set()
    for holder in [stored] + [h for _, h in linked]:
        schema = model.get(holder.data["schema"])
        for name, values in (holder.data.get("properties") or {}).items():
            prop = schema.get(name) if schema else None
            if prop is not None and prop.type == registry.entity:
                wanted.update(v for v in values if v != entity_id)
    neighbours = state.store.stored_entities(wanted, stored.version_id)
    return JsonResponse(nested_entity(stored, version, linked, neighbours))
