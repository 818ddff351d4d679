"""Places a story names, from the route and jurisdiction data.

* Caspian route ports and UAV production sites of the trade reference data
  (``trade/data/jurisdictions.yaml``: Amirabad, Bandar Anzali, Makhachkala,
  Astrakhan, Olya, the Alabuga special economic zone), with their
  alternative names;
* places named in the same public statements that the trade data does not
  carry (``media/data/places.yaml``: Kashan Airfield, the Caspian Sea);
* countries, by rigour's territory names (short and full) and the short
  forms of ``places.yaml`` ("U.S.", "UK").

A place name must start with a capital letter in the story; the short
country forms must match exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from rigour.territories import get_territories

from chokepoint.media.phrases import Found, PhraseMatcher
from chokepoint.trade.reference import reference

DATA = Path(__file__).resolve().parent / "data"

COUNTRY = "country"
#: kinds of the trade data's place groups
TRADE_GROUPS = {"caspian_ports": "port", "production_sites": "production site"}


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    kind: str
    name: str
    #: ISO 3166 alpha-2, upper case (None for a sea)
    country: str | None
    named_in: tuple[str, ...] = ()

    @property
    def specific(self) -> bool:
        """More than a country: a port, a site, an airfield, a sea."""
        return self.kind != COUNTRY

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "country": self.country,
                "named_in": list(self.named_in)}


def _names(item: dict) -> list[str]:
    """A place's name and alternative names without bracketed remarks."""
    raw = [item["name"], *(item.get("alt_names") or [])]
    return [n for n in (re.sub(r"\([^)]*\)", "", name).strip() for name in raw) if n]


def trade_places() -> list[tuple[Place, list[str]]]:
    """Ports and production sites of the trade reference data."""
    data = reference().jurisdictions
    out = []
    for group, kind in TRADE_GROUPS.items():
        for item in data.get(group, []):
            named = tuple(n["ref"] for n in item.get("named_in", []))
            out.append((Place(item["id"], kind, item["name"], item.get("iso2"), named), _names(item)))
    return out


def own_places() -> tuple[list[tuple[Place, list[str]]], dict[str, list[str]]]:
    """The places and the country short forms of ``places.yaml``."""
    raw = yaml.safe_load((DATA / "places.yaml").read_text("utf-8"))
    places = []
    for item in raw["places"]:
        named = tuple(n["ref"] for n in item.get("named_in", []))
        places.append((Place(item["id"], item["kind"], item["name"], item.get("country"), named), _names(item)))
    aliases = {code.upper(): [str(a) for a in names] for code, names in raw.get("country_aliases", {}).items()}
    return places, aliases


def countries() -> list[tuple[Place, list[str]]]:
    """Current countries with their short and full names."""
    out = []
    for territory in get_territories():
        if not territory.is_country or territory.is_historical:
            continue
        code = territory.code.upper()
        names = sorted({territory.name, territory.full_name} - {None, ""})
        out.append((Place(f"country-{code.lower()}", COUNTRY, territory.name, code), names))
    return out


class Gazetteer:
    """Finds the places of the reference data in a story."""

    def __init__(self) -> None:
        own, aliases = own_places()
        named = [*trade_places(), *own, *countries()]
        self.places = {place.id: place for place, _ in named}
        self.matcher = PhraseMatcher(((name, place) for place, names in named for name in names),
                                     capitalised=True)
        by_code = {p.country: p for p in self.places.values() if p.kind == COUNTRY}
        self.aliases = PhraseMatcher(((alias, by_code[code]) for code, names in aliases.items()
                                      for alias in names if code in by_code), ignore_case=False)

    def find(self, text: str) -> list[Found[Place]]:
        found = self.matcher.find(text)
        taken = [(f.start, f.end) for f in found]
        for f in self.aliases.find(text):
            if not any(a < f.end and f.start < b for a, b in taken):
                found.append(f)
        return sorted(found, key=lambda f: f.start)


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer()
