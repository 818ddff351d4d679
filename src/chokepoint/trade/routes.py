"""Countries, ports and places of an order against ``jurisdictions.yaml``.

* Every country gets the documents that name it as a diversion or
  transshipment risk (the file's ``country_index``), and whether it is a
  member of the Global Export Control Coalition.
* A route stop is matched to a Caspian route port by UN/LOCODE (including
  related codes) or, without a code, by port or place name within the
  port's country.
* Addresses and place names are searched for the production sites (the
  Alabuga special economic zone).
* Each stop gets coordinates for the map: the port's own where the data
  file gives them, else its country's label point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rigour.text.translit import ascii_text

from chokepoint.trade.order import Order, Stop
from chokepoint.trade.reference import ReferenceData, world_geometry


def normalise_place(text: str) -> str:
    """Lower-case ASCII words: ``Bandar-e Anzali`` → ``bandar e anzali``.
    "kh" is folded to "h" so that the transliteration of Cyrillic х
    ("Махачкала" → "mahachkala") meets the English spelling."""
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text(text).lower())).replace("kh", "h")


def _names(item: dict) -> tuple[str, ...]:
    """A port's or site's name and alternative names, normalised, without
    bracketed remarks such as "(former)"."""
    raw = [item["name"], *item.get("alt_names", [])]
    names = {normalise_place(re.sub(r"\([^)]*\)", "", n)) for n in raw}
    return tuple(sorted((n for n in names if n), key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class Place:
    """A Caspian route port or a production site from ``jurisdictions.yaml``."""

    id: str
    kind: str  # caspian_port | production_site
    name: str
    country: str
    names: tuple[str, ...]
    unlocodes: tuple[str, ...]
    lat: float | None
    lon: float | None
    named_in: tuple[str, ...]
    statements: tuple[str, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "country": self.country,
                "unlocodes": list(self.unlocodes), "named_in": list(self.named_in),
                "statements": list(self.statements)}

    def found_in(self, text: str) -> bool:
        """Whether a normalised text names this place (whole words)."""
        padded = f" {text} "
        return any(f" {name} " in padded for name in self.names)


def _place(item: dict, kind: str) -> Place:
    codes = [item.get("unlocode")] + [r["code"] for r in item.get("related_unlocodes", [])]
    named = item.get("named_in", [])
    return Place(item["id"], kind, item["name"], item["iso2"], _names(item), tuple(c for c in codes if c),
                 item.get("lat"), item.get("lon"), tuple(n["ref"] for n in named),
                 tuple(f"{n['ref']}: {n['what']}" for n in named))


@dataclass(slots=True)
class StopFinding:
    """What the reference data say about one route stop."""

    index: int
    kind: str  # origin | transit | transshipment | destination
    country: str
    name: str | None
    unlocode: str | None
    port: Place | None = None
    site: Place | None = None
    jurisdiction_docs: tuple[str, ...] = ()
    gecc: bool = False
    lat: float | None = None
    lon: float | None = None
    coordinates_from: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def origin(self) -> bool:
        return self.kind == "origin"

    @property
    def destination(self) -> bool:
        return self.kind == "destination"

    def to_json(self) -> dict:
        return {"index": self.index, "kind": self.kind, "country": self.country, "place": self.name,
                "unlocode": self.unlocode, "port": self.port.to_json() if self.port else None,
                "site": self.site.to_json() if self.site else None,
                "jurisdiction_docs": list(self.jurisdiction_docs), "diversion_risk": bool(self.jurisdiction_docs),
                "gecc": self.gecc, "lat": self.lat, "lon": self.lon, "coordinates_from": self.coordinates_from,
                "notes": self.notes}


class Geography:
    """Country, port and site look-ups over ``jurisdictions.yaml``."""

    def __init__(self, ref: ReferenceData) -> None:
        data = ref.jurisdictions
        self.country_docs: dict[str, tuple[str, ...]] = {
            code.upper(): tuple(docs) for code, docs in (data.get("country_index") or {}).items()}
        self.documents = {d["id"]: d for d in data.get("transshipment_documents", [])}
        self.gecc = self._gecc_members(data)
        self.ports = [_place(p, "caspian_port") for p in data.get("caspian_ports", [])]
        self.sites = [_place(s, "production_site") for s in data.get("production_sites", [])]
        self.by_unlocode = {code: port for port in self.ports for code in port.unlocodes}
        self._centroids: dict[str, tuple[float, float]] | None = None

    @staticmethod
    def _gecc_members(data: dict) -> frozenset[str]:
        members: set[str] = set()
        for doc in data.get("transshipment_documents", []):
            gecc = doc.get("gecc_definition")
            if not gecc:
                continue
            members.update(m["iso2"] for m in gecc.get("named_members", []) if m.get("iso2"))
            members.update(gecc.get("eu27_expansion_unverified_in_source", {}).get("iso2", []))
        return frozenset(members)

    # --- countries --------------------------------------------------------------

    def docs_for(self, country: str | None) -> tuple[str, ...]:
        """Documents naming ``country`` as a diversion / transshipment risk."""
        return self.country_docs.get(country or "", ())

    def in_gecc(self, country: str | None) -> bool:
        """Whether ``country`` is in the Global Export Control Coalition."""
        return bool(country) and country in self.gecc

    def centroid(self, country: str | None) -> tuple[float, float] | None:
        """(lat, lon) label point of a country from the bundled outlines."""
        if self._centroids is None:
            world = world_geometry()
            points = {code: (lat, lon) for code, (lon, lat) in world["points"].items()}
            for item in world["countries"]:
                if item["code"] and item["code"] not in points:
                    points[item["code"]] = (item["centroid"][1], item["centroid"][0])
            self._centroids = points
        return self._centroids.get((country or "")[:2])

    # --- places -----------------------------------------------------------------

    def port_for(self, stop: Stop) -> Place | None:
        """The Caspian route port a stop is at, by UN/LOCODE or by name."""
        if stop.unlocode:
            return self.by_unlocode.get(stop.unlocode)
        text = " ".join(normalise_place(t) for t in (stop.port, stop.place) if t)
        if not text:
            return None
        return next((p for p in self.ports if p.country == stop.country and p.found_in(text)), None)

    def site_in(self, *texts: str | None) -> Place | None:
        """A production site named in any of ``texts`` (addresses, places)."""
        text = " ".join(normalise_place(t) for t in texts if t)
        if not text:
            return None
        return next((s for s in self.sites if s.found_in(text)), None)

    # --- a route ----------------------------------------------------------------

    def assess_route(self, order: Order) -> list[StopFinding]:
        """One finding per stop, in route order."""
        stops = order.route
        return [self.assess_stop(stop, i, _kind(stop, i, len(stops))) for i, stop in enumerate(stops)]

    def assess_stop(self, stop: Stop, index: int, kind: str) -> StopFinding:
        """Port, site, jurisdictions, coordinates and notes for one stop."""
        country = stop.country or ""
        finding = StopFinding(index, kind, country, stop.name, stop.unlocode,
                              port=self.port_for(stop), site=self.site_in(stop.port, stop.place),
                              jurisdiction_docs=self.docs_for(country), gecc=self.in_gecc(country))
        place = finding.port or finding.site
        if place and place.lat is not None and place.lon is not None:
            finding.lat, finding.lon, finding.coordinates_from = place.lat, place.lon, place.id
        else:
            point = self.centroid(country)
            if point:
                finding.lat, finding.lon, finding.coordinates_from = point[0], point[1], "country label point"
        finding.notes = self.notes(finding)
        return finding

    def notes(self, finding: StopFinding) -> list[str]:
        """Risk notes an analyst reads for a stop."""
        notes = []
        if finding.port:
            codes = "/".join(finding.port.unlocodes)
            notes.append(f"Caspian route port {finding.port.name} ({codes}), named in "
                         f"{', '.join(finding.port.named_in)}")
        if finding.site:
            notes.append(f"{finding.site.name}: UAV production site named in {', '.join(finding.site.named_in)}")
        if finding.jurisdiction_docs:
            notes.append(f"{finding.country} is named as a diversion / transshipment risk in "
                         f"{', '.join(finding.jurisdiction_docs)}")
        return notes


def _kind(stop: Stop, index: int, count: int) -> str:
    """A stop's kind: as given, else by position (one stop: destination)."""
    if stop.kind:
        return stop.kind
    if index == count - 1:
        return "destination"
    return "origin" if index == 0 else "transit"
