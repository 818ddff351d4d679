"""Translation between yente's API shapes and chokepoint's own objects.

* a FollowTheMoney query (``schema`` + ``properties``) → :class:`PartyQuery`;
* a :class:`Match` + the stored entity → a yente result (``id``,
  ``caption``, ``properties``, ``score``, ``match``, ``explanations`` …);
* a stored entity and the entities linked to it → yente's nested entity.
"""

from __future__ import annotations

from datetime import datetime

from followthemoney import model, registry

from chokepoint.lists.store import ListVersion, StoredEntity, version_date
from chokepoint.matching.explain import Explanation
from chokepoint.matching.records import PartyQuery
from chokepoint.matching.screener import Match
from chokepoint.service.models import EntityExample

NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "abbreviation")
NAME_PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "mainCountry", "birthCountry",
                 "registrationCountry" , "flag")


def party_query(example: EntityExample, key: str | None = None) -> PartyQuery:
    """The screening query for a yente-style entity example."""
    props = example.properties
    schema = model.get(example.schema_)
    names = [v for p in NAME_PROPS for v in props.get(p, [])]
    if not names:
        parts = [" ".join(props.get(p, [])) for p in NAME_PART_PROPS]
        composed = " ".join(p for p in parts if p)
        if composed:
            names.append(composed)
    countries = [v for p in COUNTRY_PROPS for v in props.get(p, [])]
    identifiers = {}
    for name, values in props.items():
        prop = schema.get(name)
        if prop is not None and prop.type == registry.identifier and values:
            identifiers[name] = values
    return PartyQuery.build(
        name=names,
        schema=schema.name,
        country=countries,
        birth_date=props.get("birthDate"),
        address=props.get("address") or props.get("full"),
        identifiers=identifiers,
        id=example.id or key,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def entity_json(stored: StoredEntity, version: ListVersion | None) -> dict:
    """A stored entity in yente's entity shape (without nested links)."""
    data = stored.data
    proxy = model.get_proxy(data, cleaned=True)
    return {
        "id": proxy.id,
        "caption": proxy.caption,
        "schema": proxy.schema.name,
        "properties": proxy.to_dict()["properties"],
        "datasets": [version.dataset] if version else list(data.get("datasets") or []),
        "referents": list(data.get("referents") or []),
        "target": stored.target,
        "first_seen": _iso(stored.first_seen),
        "last_seen": _iso(version_date_of(version)),
        "last_change": _iso(stored.last_change),
        "source_id": data.get("source_id"),
        "list_version": stored.version_id,
    }


def version_date_of(version: ListVersion | None) -> datetime | None:
    if version is None:
        return None
    return version_date(version)


def explanations(explanation: Explanation) -> dict[str, dict]:
    """chokepoint's explanation as yente's ``{feature: {score, weight,
    detail, query, candidate}}``: ``score`` is the feature's value in 0..1
    (1 when a qualifier fired), ``weight`` its coefficient. Features that
    neither scored nor said anything are left out, as yente does."""
    out: dict[str, dict] = {}
    for feature in explanation.features:
        if feature.name == "name_similarity" and explanation.name is not None:
            name = explanation.name
            out[feature.name] = {
                "score": round(name.score, 4),
                "weight": feature.weight,
                "detail": feature.detail + (f"; {'; '.join(name.notes)}" if name.notes else ""),
                "query": name.query,
                "candidate": name.candidate,
            }
            continue
        score = feature.contribution / feature.weight if feature.weight else 0.0
        if not score and not feature.detail:
            continue
        out[feature.name] = {
            "score": round(score, 4),
            "weight": feature.weight,
            "detail": feature.detail,
            "query": "; ".join(feature.query) or None,
            "candidate": "; ".join(feature.candidate) or None,
        }
    return out


def match_result(match: Match, stored: StoredEntity | None, version: ListVersion | None, explain: bool) -> dict:
    """One yente ``/match`` result for a scored listed entity."""
    record = match.record
    if stored is not None:
        out = entity_json(stored, version)
    else:  # the list version was replaced while the index still held it
        out = {"id": record.entity_id, "caption": record.caption, "schema": record.schema, "properties": {},
               "datasets": [record.dataset], "referents": [], "target": True, "first_seen": None,
               "last_seen": None, "last_change": record.last_change, "source_id": record.source_id,
               "list_version": record.version_id}
    out["score"] = round(match.score, 4)
    out["match"] = match.is_match
    out["explanations"] = explanations(match.explanation)
    if explain:
        out["explanation"] = match.explanation.to_json()
    return out


def nested_entity(stored: StoredEntity, version: ListVersion | None, linked: list[tuple[str, StoredEntity]],
                  neighbours: dict[str, StoredEntity]) -> dict:
    """yente's ``/entities/{id}`` shape: the entity, with every entity that
    points at it nested under the reverse property (``sanctions``,
    ``ownershipOwner`` …), and their other references expanded."""
    out = entity_json(stored, version)
    schema = model.get(stored.data["schema"])
    props = out["properties"]
    # outgoing references of the entity itself
    for name, values in list(props.items()):
        prop = schema.get(name)
        if prop is not None and prop.type == registry.entity:
            props[name] = [_expand(v, neighbours, version) for v in values]
    for prop_name, holder in linked:
        holder_schema = model.get(holder.data["schema"])
        prop = holder_schema.get(prop_name) if holder_schema else None
        if prop is None or prop.reverse is None:
            continue
        inner = entity_json(holder, version)
        for name, values in list(inner["properties"].items()):
            inner_prop = holder_schema.get(name)
            if inner_prop is not None and inner_prop.type == registry.entity:
                inner["properties"][name] = [v if v == stored.id else _expand(v, neighbours, version)
                                             for v in values]
        props.setdefault(prop.reverse.name, []).append(inner)
    return out


def _expand(entity_id: str, neighbours: dict[str, StoredEntity], version: ListVersion | None) -> object:
    found = neighbours.get(entity_id)
    return entity_json(found, version) if found is not None else entity_id
