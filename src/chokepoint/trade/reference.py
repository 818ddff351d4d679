"""The reference data the trade assessment reads, from the package's data
folder (never from ../shared at run time).

* ``hs_codes.csv``, ``red_flags.yaml``, ``jurisdictions.yaml``: copies of
  the researched export-control data, with ``PROVENANCE.md``;
* ``hs_lists.yaml``: what each HS list and tier means, and the UAV
  commodity set;
* ``goods_keywords.yaml``, ``party_keywords.yaml``: keyword evidence;
* ``world-110m.json``: country outlines for the route map.

Everything is loaded once per process (:func:`reference`) and is
read-only afterwards.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"
RULESETS = DATA / "rulesets"


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """A document a list, red flag or rule comes from."""

    ref: str
    document: str
    date: str | None = None

    def to_json(self) -> dict:
        return {"ref": self.ref, "document": self.document, "date": self.date}


@dataclass(frozen=True, slots=True)
class HsEntry:
    """One row of ``hs_codes.csv``: a listed HS code on one list."""

    list_id: str
    code: str
    level: str
    description: str
    tier: str | None
    source_ref: str


@dataclass(frozen=True, slots=True)
class HsList:
    """A list of HS codes and what a hit on it means (``hs_lists.yaml``)."""

    id: str
    title: str
    short: str
    meaning: str
    source: dict
    tiers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RedFlag:
    """One entry of ``red_flags.yaml``."""

    id: str
    kind: str
    summary: str
    source: dict
    also_in: tuple[str, ...] = ()
    machine_check: str | None = None


@dataclass(frozen=True, eq=False)
class ReferenceData:
    """Everything the assessment looks up, loaded once."""

    hs_entries: tuple[HsEntry, ...]
    hs_lists: dict[str, HsList]
    uav_commodity: dict
    red_flags: dict[str, RedFlag]
    jurisdictions: dict
    goods_keywords: dict
    party_keywords: dict
    documents: dict[str, SourceDocument]

    def document(self, ref: str) -> SourceDocument | None:
        """The source document with this ref, if known."""
        return self.documents.get(ref)


def read_yaml(path: Path) -> dict:
    """A YAML mapping from a data file."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")
    return data


def read_hs_entries(path: Path) -> tuple[HsEntry, ...]:
    """The rows of ``hs_codes.csv``."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            HsEntry(row["list_id"], row["code"].strip(), row["level"], row["description"],
                    row["tier"].strip() or None, row["source_ref"])
            for row in csv.DictReader(fh)
        )


def read_hs_lists(data: dict) -> dict[str, HsList]:
    """The list descriptions of ``hs_lists.yaml``."""
    return {
        list_id: HsList(list_id, item["title"], item.get("short", list_id), item["meaning"], item["source"],
                        {str(k): v for k, v in (item.get("tiers") or {}).items()})
        for list_id, item in data["lists"].items()
    }


def read_red_flags(data: dict) -> dict[str, RedFlag]:
    """The red flags of ``red_flags.yaml`` by id."""
    return {
        item["id"]: RedFlag(item["id"], item["kind"], item["summary"], item["source"],
                            tuple(item.get("also_in") or ()), item.get("machine_check"))
        for item in data["red_flags"]
    }


def collect_documents(red_flags: dict[str, RedFlag], jurisdictions: dict,
                      hs_lists: dict[str, HsList]) -> dict[str, SourceDocument]:
    """Every source document the data files name, by ref."""
    docs: dict[str, SourceDocument] = {}
    for flag in red_flags.values():
        src = flag.source
        docs.setdefault(src["ref"], SourceDocument(src["ref"], src["document"], str(src.get("date") or "") or None))
    for item in jurisdictions.get("transshipment_documents", []):
        docs.setdefault(item["id"], SourceDocument(item["id"], item["document"], item.get("date")))
    for hs_list in hs_lists.values():
        src = hs_list.source
        docs.setdefault(src["ref"], SourceDocument(src["ref"], src["document"], src.get("date")))
    for group in ("caspian_ports", "production_sites"):
        for item in jurisdictions.get(group, []):
            for named in item.get("named_in", []):
                docs.setdefault(named["ref"], SourceDocument(named["ref"], named["what"]))
    return docs


@cache
def reference() -> ReferenceData:
    """The reference data, loaded on first use."""
    red_flags = read_red_flags(read_yaml(DATA / "red_flags.yaml"))
    jurisdictions = read_yaml(DATA / "jurisdictions.yaml")
    hs_lists_data = read_yaml(DATA / "hs_lists.yaml")
    hs_lists = read_hs_lists(hs_lists_data)
    return ReferenceData(
        hs_entries=read_hs_entries(DATA / "hs_codes.csv"),
        hs_lists=hs_lists,
        uav_commodity=hs_lists_data["uav_commodity"],
        red_flags=red_flags,
        jurisdictions=jurisdictions,
        goods_keywords=read_yaml(DATA / "goods_keywords.yaml"),
        party_keywords=read_yaml(DATA / "party_keywords.yaml"),
        documents=collect_documents(red_flags, jurisdictions, hs_lists),
    )


@cache
def world_geometry() -> dict:
    """Country outlines and label points for the route map."""
    return json.loads((DATA / "world-110m.json").read_text("utf-8"))
