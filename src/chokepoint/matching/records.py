"""What the matcher knows of a listed entity, and of a screened party.

``ListedRecord`` is a compact, picklable digest of a FollowTheMoney target
entity: its names by kind, countries, birth dates, identifiers, addresses.
``PartyQuery`` is the party being screened. Both normalise identifiers the
same way so that an exact identifier comparison is a set intersection.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import orjson

from followthemoney import EntityProxy, registry

#: Name properties and the kind of name each holds.
NAME_KINDS = {
    "name": "name",
    "alias": "alias",
    "previousName": "previous",
    "weakAlias": "weak",
    "abbreviation": "alias",
}

#: Identifier properties grouped by what they identify. An exact match in
#: a "strong" group is decisive; a phone or e-mail never is.
IDENTIFIER_GROUPS = {
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "registrationNumber": "registration",
    "taxNumber": "tax",
    "innCode": "tax",
    "vatCode": "tax",
    "ogrnCode": "registration",
    "leiCode": "lei",
    "swiftBic": "swift",
    "passportNumber": "passport",
    "idNumber": "national_id",
    "callSign": "callsign",
    "icaoCode": "icao",
    "serialNumber": "serial",
}
STRONG_IDENTIFIERS = frozenset(
    {"imo", "mmsi", "registration", "tax", "lei", "swift", "passport", "national_id", "icao"}
)

_COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "mainCountry", "birthCountry", "flag")
_ID_CLEAN = re.compile(r"[^0-9A-Z]+")


def clean_identifier(value: str) -> str:
    """Identifiers compare without spaces, dashes and prefixes ("IMO")."""
    text = _ID_CLEAN.sub("", value.upper())
    if text.startswith("IMO") and text[3:].isdigit():
        text = text[3:]
    return text


@dataclass(slots=True)
class ListedRecord:
    """A listed entity as the matcher sees it."""

    entity_id: str
    dataset: str
    version_id: str
    source_id: str | None
    schema: str
    caption: str
    #: (kind, text): kind is name / alias / previous / weak
    names: list[tuple[str, str]]
    countries: frozenset[str] = frozenset()
    birth_dates: tuple[str, ...] = ()
    #: group → cleaned identifier values
    identifiers: dict[str, frozenset[str]] = field(default_factory=dict)
    addresses: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    #: ISO time the entity's content last changed across list versions
    last_change: str | None = None

    @classmethod
    def from_entity(cls, entity: EntityProxy, version_id: str) -> "ListedRecord":
        names: list[tuple[str, str]] = []
        seen: set[str] = set()
        for prop, kind in NAME_KINDS.items():
            for value in entity.get(prop, quiet=True):
                key = value.strip().lower()
                if key and key not in seen:
                    seen.add(key)
                    names.append((kind, value.strip()))
        countries: set[str] = set()
        for prop in _COUNTRY_PROPS:
            countries.update(entity.get(prop, quiet=True))
        identifiers: dict[str, set[str]] = {}
        for prop, group in IDENTIFIER_GROUPS.items():
            for value in entity.get(prop, quiet=True):
                cleaned = clean_identifier(value)
                if len(cleaned) >= 4:
                    identifiers.setdefault(group, set()).add(cleaned)
        datasets = entity.context.get("datasets") or [""]
        return cls(
            entity_id=entity.id,
            dataset=datasets[0],
            version_id=version_id,
            source_id=entity.context.get("source_id"),
            schema=entity.schema.name,
            caption=entity.caption,
            names=names,
            countries=frozenset(countries),
            birth_dates=tuple(sorted(set(entity.get("birthDate", quiet=True)))),
            identifiers={k: frozenset(v) for k, v in identifiers.items()},
            addresses=tuple(entity.get("address", quiet=True)),
            programs=tuple(sorted(set(entity.get("programId", quiet=True)))),
            topics=tuple(sorted(set(entity.get("topics", quiet=True)))),
        )


@dataclass(slots=True)
class PartyQuery:
    """A party to screen. Only ``names`` is required."""

    names: list[str]
    schema: str = "LegalEntity"
    countries: frozenset[str] = frozenset()
    birth_dates: tuple[str, ...] = ()
    identifiers: dict[str, frozenset[str]] = field(default_factory=dict)
    #: identifiers whose kind the caller did not say: matched against all groups
    loose_identifiers: frozenset[str] = frozenset()
    addresses: tuple[str, ...] = ()
    id: str | None = None

    @classmethod
    def build(
        cls,
        name: str | list[str],
        schema: str | None = None,
        country: str | list[str] | None = None,
        birth_date: str | list[str] | None = None,
        identifier: str | list[str] | None = None,
        address: str | list[str] | None = None,
        id: str | None = None,
        identifiers: dict[str, list[str]] | None = None,
    ) -> "PartyQuery":
        """Build a query from loose user input (strings or lists)."""
        names = [n for n in _as_list(name) if n and n.strip()]
        countries = set()
        for c in _as_list(country):
            code = registry.country.clean(c)
            if code:
                countries.add(code)
        dates = set()
        for d in _as_list(birth_date):
            cleaned = registry.date.clean(d.strip())
            if cleaned:
                dates.add(cleaned)
        loose = {clean_identifier(i) for i in _as_list(identifier)}
        typed: dict[str, set[str]] = {}
        for prop, values in (identifiers or {}).items():
            group = IDENTIFIER_GROUPS.get(prop)
            for value in values:
                cleaned = clean_identifier(value)
                if group is None:
                    loose.add(cleaned)
                else:
                    typed.setdefault(group, set()).add(cleaned)
        return cls(
            names=names,
            schema=schema or "LegalEntity",
            countries=frozenset(countries),
            birth_dates=tuple(sorted(dates)),
            identifiers={k: frozenset(v) for k, v in typed.items()},
            loose_identifiers=frozenset(i for i in loose if len(i) >= 4),
            addresses=tuple(a for a in _as_list(address) if a and a.strip()),
            id=id,
        )


def party_data(query: PartyQuery) -> dict:
    """A party's screening data in canonical form (sorted lists): what is
    stored for a kept party, and what its alerts are keyed by."""
    return {
        "names": sorted(query.names),
        "schema": query.schema,
        "countries": sorted(query.countries),
        "birth_dates": sorted(query.birth_dates),
        "identifiers": sorted({*query.loose_identifiers, *(v for vs in query.identifiers.values() for v in vs)}),
        "addresses": sorted(query.addresses),
    }


def party_key(data: dict) -> str:
    """SHA-256 of canonical party data: the same party, the same key."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def party_query(data: dict, id: str | None = None) -> PartyQuery:
    """The query for canonical party data (the inverse of :func:`party_data`)."""
    return PartyQuery.build(
        name=list(data.get("names") or []),
        schema=data.get("schema"),
        country=list(data.get("countries") or []),
        birth_date=list(data.get("birth_dates") or []),
        identifier=list(data.get("identifiers") or []),
        address=list(data.get("addresses") or []),
        id=id,
    )


def _as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)]
