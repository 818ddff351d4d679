"""Benchmark: monitoring a large party base, i.e. the delta re-screen when a
list version changes, against screening every party again.

Issue: "a party base of 1,000,000 synthetic parties and a 2,000-entity delta,
re-screened end to end. Goal: under 30 s on this 2-core machine, against
hours for a full re-screen by the peers' approach."

What one run does, in a scratch home (never ~/.local):

1. **Two versions of the real OFAC SDN list.** The bundled copy
   (src/chokepoint/data/lists/us_ofac_sdn) is loaded into a throw-away
   store and exported as FollowTheMoney JSON (``ftm_json``, which every
   dataset accepts). Version B is the whole list; version A is B without
   ``--delta - --changed`` randomly chosen listed entities (and the
   sanctions, links and addresses that hang on them only) and with one
   alias taken away from ``--changed`` others. So A → B adds and changes
   exactly ``--delta`` listed entities, the way an OFAC update does
   (designations, "a.k.a. added").
2. **The party base.** ``--parties`` synthetic parties (seeded): persons of
   17 name cultures (Zipf-weighted common names plus a long tail of
   blended family names, some in Cyrillic, Arabic and other scripts),
   companies (brands, sectors, legal forms of 15 countries), a few
   vessels; countries, birth dates, registration numbers. Planted among
   them: 0.06% exact names of delta entities, 0.04% varied ones (typo,
   word order, case, dropped word, legal form, Cyrillic), and 0.05% names
   of entities listed in both versions. Written as CSV and imported with
   ``chokepoint parties import --no-screen`` (a child process, timed; the
   database size is read after it) while A is active; then B is loaded and
   activated.
3. **The monitor run**, ``run_monitor(settings, store, send=False)``, each
   time in a fresh process on a fresh copy of that database: with the
   list index cache already built (as ``lists update``/the service build it
   when a version is activated; 3 runs) and cold (no cache: the index is
   built inside the run). Per step: list diff, ``DeltaResult.timings``
   (delta_records, candidates, screen), alert writing, peak RSS.
   Recall: every party planted with an exact name of a delta entity must
   get an alert on that entity.
4. **The full re-screen** it replaces: ``Screener.match`` on a random
   sample of the same parties, in one process and with
   ``screen_rows(..., workers=2)``, extrapolated to the whole base (and, with
   ``--full-rescreen``, measured on every party: this also checks that the
   monitor's alerts equal what screening everyone again finds on the delta
   entities). Peers' per-request APIs are compared by derivation from
   their measured/published request rates.

    .venv/bin/python bench/monitor.py [--parties 1000000] [--delta 2000] [--changed 400]
                                      [--quick] [--full-rescreen] [--profile] [--reuse]

``--quick`` is 50,000 parties. ``--reuse`` keeps the home of an earlier run
with the same parameters (skips list building and the import). Results
are written as each phase ends to bench/out/monitor.md and monitor.json
(monitor-quick.* with --quick).
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import csv
import io
import json
import os
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import (  # noqa: E402
    Phases,
    command_line,
    fmt,
    machine_info,
    machine_markdown,
    now_iso,
    peak_rss_mb,
    rss_mb,
    snapshot_source,
    source_changed_since,
    wait_idle,
    write_results,
)

MARK = "@@RESULT@@"
SEED = 20261201
DATASET = "us_ofac_sdn"
GOAL_S = 30.0
DEFAULT_HOME = Path("/tmp/cp-monitor")
#: planted shares of the party base
EXACT_SHARE, VARIANT_SHARE, STATIC_SHARE = 0.0006, 0.0004, 0.0005
#: peers' request rates the full re-screen is derived from (requests/s on this 2-core machine)
API_RPS_MEASURED = 517  # BENCHMARKS.md section 5: chokepoint's yente-compatible POST /match, 2 workers, 10 min
YENTE_RPS_PER_VCPU = 4  # yente docs/deploy/scaling.md, logic-v2 (quoted in BENCHMARKS.md section 3)


# =====================================================================================
# synthetic parties
# =====================================================================================

from speedmix import (  # noqa: E402
    COMPANY_STYLES,
    COUNTRY_OF,
    NATIVE_COMPANIES,
    NATIVE_PERSONS,
    PERSON_POOLS,
    VESSEL_WORDS,
    BRAND_PARTS,
    _typo,
    company_name,
)

#: Arabic-script name words (given / family), for parties written in Arabic
ARABIC_GIVEN = ("محمد أحمد علي عمر خالد حسن حسين إبراهيم يوسف عبدالله مصطفى طارق كريم سمير ناصر فيصل فاطمة عائشة "
                "مريم ليلى نور هدى زينب سلمى رانيا أميرة حمزة بلال راشد وليد ماجد").split()
ARABIC_FAMILY = ("السيد حداد خوري منصور صالح حمدان عباس عزيز فاروق حبيب جابر قاسم محمود النجار الرحمن سعيد شمس "
                 "سليمان يوسف زاهر الأمين الهاشمي المصري بكر درويش غانم حلبي خليل عبيد التميمي زايد العلي "
                 "الشامي القحطاني العتيبي الدوسري").split()
_VOWEL = set("aeiouyáéíóúàèìòùäöüâêîôûãõåæøœ")


def zipf_cum(n: int, s: float = 0.9) -> list[float]:
    """Cumulative Zipf weights for a pool listed most common first."""
    out, total = [], 0.0
    for i in range(n):
        total += 1.0 / (i + 1) ** s
        out.append(total)
    return out


def blend(rng: random.Random, a: str, b: str) -> str:
    """A long-tail name of the same culture: the head of ``a`` up to its
    first vowel-consonant boundary, the tail of ``b`` from its second
    syllable ("Kuznetsov" + "Vasiliev" → "Kuziliev")."""
    if " " in a or " " in b or "-" in a or len(a) < 4 or len(b) < 4:
        return a
    cut_a = next((i + 1 for i in range(1, len(a) - 1) if a[i].lower() in _VOWEL and a[i + 1].lower() not in _VOWEL),
                 2)
    cut_b = next((i for i in range(1, len(b) - 1) if b[i].lower() in _VOWEL), 1)
    head, tail = a[:cut_a + 1], b[cut_b:]
    if head[-1].lower() in _VOWEL and tail[0].lower() in _VOWEL:
        tail = tail[1:] or tail
    return (head + tail).capitalize() if head[0].isupper() else head + tail


class PartyGenerator:
    """Innocent parties, reproducible from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cultures = list(PERSON_POOLS)
        self.pools = {c: (g, zipf_cum(len(g)), f, zipf_cum(len(f))) for c, (g, f) in PERSON_POOLS.items()}
        # culture mix of a European trading company's customer and supplier base
        weights = {"english": 12, "german": 8, "french": 6, "italian": 5, "hispanic": 7, "portuguese": 3,
                   "dutch_nordic": 4, "polish_czech": 4, "russian_latin": 7, "arabic_latin": 8,
                   "persian_turkish": 6, "south_asian": 8, "chinese_pinyin": 8, "japanese_korean": 3,
                   "southeast_asian": 4, "african": 5, "greek_balkan": 2}
        self.culture_cum = list(_accumulate(weights[c] for c in self.cultures))
        self.styles = list(COMPANY_STYLES)
        from variants import cyrillic_name  # bench/variants.py: Latin → Cyrillic spelling

        self.cyrillic_name = cyrillic_name

    def _pick(self, pool: list[str], cum: list[float]) -> str:
        return pool[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def given(self, culture: str) -> str:
        g, gc, _f, _fc = self.pools[culture]
        name = self._pick(g, gc)
        if self.rng.random() < 0.03:
            name = blend(self.rng, name, self._pick(g, gc))
        return name

    def family(self, culture: str) -> str:
        _g, _gc, f, fc = self.pools[culture]
        name = self._pick(f, fc)
        if self.rng.random() < 0.4:  # the long tail: most family names are rare
            other = f[self.rng.randrange(len(f))]
            name = blend(self.rng, name, other)
        return name

    def person(self) -> tuple[str, str]:
        rng = self.rng
        culture = self.cultures[bisect.bisect_left(self.culture_cum, rng.random() * self.culture_cum[-1])]
        g, f = self.given(culture), self.family(culture)
        roll = rng.random()
        if culture == "russian_latin" and roll < 0.12:  # written in Cyrillic
            return self.cyrillic_name(f"{g} {f}"), culture
        if culture == "arabic_latin" and roll < 0.10:  # written in Arabic
            words = [rng.choice(ARABIC_GIVEN), rng.choice(ARABIC_GIVEN), rng.choice(ARABIC_FAMILY)]
            return " ".join(words[1:] if rng.random() < 0.5 else words), culture
        if roll < 0.004:
            return rng.choice(NATIVE_PERSONS[rng.choice(["han", "japanese", "greek", "korean"])]), culture
        if culture == "hispanic" and roll < 0.6:
            return f"{g} {f} {self.family(culture)}", culture
        if culture == "portuguese" and roll < 0.6:
            return f"{g} {self.family(culture)} {f}", culture
        if culture == "russian_latin" and roll < 0.45:
            father = self._pick(*self.pools[culture][:2])
            patronymic = father[:-1] + "evich" if father.endswith(("i", "y")) else father + "ovich"
            return f"{g} {patronymic} {f}", culture
        if culture == "arabic_latin" and roll < 0.5:
            return f"{g} {rng.choice(['bin', 'ibn', 'Abu', 'Abdel'])} {self.given(culture)} {f}", culture
        if culture == "arabic_latin" and roll < 0.7:
            return f"{g} {self.given(culture)} {f}", culture
        if culture == "chinese_pinyin" and roll < 0.5:
            return f"{f} {g}", culture
        if culture == "chinese_pinyin" and roll < 0.6:
            return f"{f.upper()} {g}", culture
        if culture == "japanese_korean" and roll < 0.4:
            return f"{f} {g}", culture
        if culture == "southeast_asian" and roll < 0.4:
            return f"{f} {self.given(culture)} {g}", culture
        if roll < 0.12:
            return f"{g} {rng.choice(string.ascii_uppercase)}. {f}", culture
        if roll < 0.24:
            return f"{g} {self.given(culture)} {f}", culture
        if roll < 0.30:
            return f"{f.upper()}, {g}", culture
        if roll < 0.34:
            return f"{g} {f}-{self.family(culture)}", culture
        return f"{g} {f}", culture

    def row(self, party_id: str) -> dict[str, str]:
        rng = self.rng
        roll = rng.random()
        row = {"id": party_id, "name": "", "schema": "", "country": "", "birth_date": "", "identifier": ""}
        if roll < 0.55:
            name, culture = self.person()
            row.update(name=name, schema="Person")
            if rng.random() < 0.6:
                row["country"] = rng.choice(COUNTRY_OF[culture])
            if rng.random() < 0.3:
                row["birth_date"] = f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            return row
        if roll < 0.99:
            if rng.random() < 0.01:
                row.update(name=rng.choice(NATIVE_COMPANIES), schema="Company")
                return row
            style = self.styles[rng.randrange(len(self.styles))]
            row.update(name=company_name(rng, style), schema=rng.choice(["Company", "Company", "Company",
                                                                          "LegalEntity", "Organization"]))
            country = rng.choice(COUNTRY_OF.get(style, ["us"]))
            if rng.random() < 0.7:
                row["country"] = country
            if rng.random() < 0.2:
                row["identifier"] = f"{country.upper()}{rng.randint(10 ** 7, 10 ** 9 - 1)}"
            return row
        name = f"{rng.choice(BRAND_PARTS)} {rng.choice(VESSEL_WORDS)}"
        if rng.random() < 0.3:
            name += f" {rng.randint(1, 9)}"
        row.update(name=name.upper(), schema="Vessel")
        if rng.random() < 0.5:
            row["identifier"] = f"IMO{rng.randint(9000000, 9899999)}"
        return row


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


# --- planted listed names --------------------------------------------------------------

_ORG_SCHEMA = {"Person": "Person", "Vessel": "Vessel", "Airplane": "Airplane", "Organization": "Organization",
               "Company": "Company"}
_LEGAL_SWAPS = (("Limited Liability Company", "LLC"), ("LLC", "Limited Liability Company"), ("Ltd.", "Limited"),
                ("Limited", "Ltd"), ("Company", "Co."), ("Corporation", "Corp."), ("Joint Stock Company", "JSC"),
                ("S.A.", "SA"), ("Co., Ltd.", "Company Limited"))


def plant_schema(rng: random.Random, schema: str) -> str:
    s = _ORG_SCHEMA.get(schema, "LegalEntity")
    if s == "Organization" and rng.random() < 0.6:
        return "Company"  # customer files call most organisations companies
    return s


def vary(rng: random.Random, name: str, schema: str, cyrillic_name) -> tuple[str, str]:
    """One variant of a listed name, as customer data varies it."""
    words = name.split()
    latin = all(ord(c) < 0x250 for c in name)
    kinds = ["typo", "typo", "word order", "case", "dropped word", "legal form", "cyrillic"]
    for _ in range(20):
        kind = rng.choice(kinds)
        if kind == "typo" and latin:
            text = _typo(rng, name)
        elif kind == "word order" and len(words) >= 2:
            text = " ".join(words[-1:] + words[:-1]) if schema == "Person" else " ".join(words[1:] + words[:1])
        elif kind == "case":
            text = name.upper().replace(",", "").replace(".", "") if rng.random() < 0.5 else name.title()
        elif kind == "dropped word" and len(words) >= 3:
            k = rng.randrange(1, len(words) - 1) if schema == "Person" else len(words) - 1
            text = " ".join(words[:k] + words[k + 1:])
        elif kind == "legal form" and schema != "Person":
            swaps = [(a, b) for a, b in _LEGAL_SWAPS if a in name]
            if not swaps:
                continue
            a, b = rng.choice(swaps)
            text = name.replace(a, b, 1)
        elif kind == "cyrillic" and schema == "Person" and latin and len(words) >= 2:
            text = cyrillic_name(name)
        else:
            continue
        if text != name:
            return text, kind
    return name.upper(), "case"


def record_names(record, kinds=("name", "alias")) -> list[str]:
    return [t for k, t in record.names if k in kinds] or [t for _, t in record.names]


def plant_row(rng: random.Random, party_id: str, record, name: str) -> dict[str, str]:
    row = {"id": party_id, "name": name, "schema": plant_schema(rng, record.schema), "country": "",
           "birth_date": "", "identifier": ""}
    if record.countries and rng.random() < 0.4:
        row["country"] = rng.choice(sorted(record.countries))
    if record.schema == "Person" and record.birth_dates and rng.random() < 0.25:
        row["birth_date"] = record.birth_dates[0]
    return row


# =====================================================================================
# list versions
# =====================================================================================


def ftm_line(data: dict) -> bytes:
    import orjson

    # "id", "schema", "properties" first: ftm_json sniffs the first line
    out = {"id": data["id"], "schema": data["schema"], "properties": data.get("properties") or {},
           "datasets": [DATASET]}
    return orjson.dumps(out) + b"\n"


def build_versions(work: Path, delta: int, changed: int, seed: int) -> dict:
    """Version files A and B (see module doc) and what differs between them."""
    from followthemoney import model

    from chokepoint.lists.catalog import bundled_source, dataset_info
    from chokepoint.lists.loader import load_path
    from chokepoint.lists.parsers.base import TARGET_SCHEMATA
    from chokepoint.lists.store import ListStore
    from chokepoint.settings import Settings

    src_home = work / "export-home"
    shutil.rmtree(src_home, ignore_errors=True)
    store = ListStore.open(Settings(home=src_home))
    source = bundled_source(dataset_info(DATASET))
    report = load_path(store, source, DATASET)
    assert report.ok, report.error
    vid = report.outcome.version.id
    entities = [e.to_dict() for e in store.entities(vid)]
    store.engine.dispose()
    shutil.rmtree(src_home, ignore_errors=True)
    by_id = {e["id"]: e for e in entities}
    targets = sorted(e["id"] for e in entities if e["schema"] in TARGET_SCHEMATA)
    rng = random.Random(seed)
    with_alias = [t for t in targets if len(by_id[t]["properties"].get("alias") or []) >= 1]
    changed_ids = sorted(rng.sample(with_alias, changed))
    rest = sorted(set(targets) - set(changed_ids))
    added_ids = sorted(rng.sample(rest, delta - changed))
    dropped = set(added_ids)
    # entities pointing at a dropped target (sanctions, links, identifications) go with it
    refs_of: dict[str, set[str]] = {}
    for e in entities:
        schema = model.get(e["schema"])
        for prop_name, values in (e.get("properties") or {}).items():
            prop = schema.get(prop_name) if schema else None
            if prop is not None and prop.type.name == "entity":
                refs_of.setdefault(e["id"], set()).update(values)
    for e in entities:
        if e["schema"] not in TARGET_SCHEMATA and refs_of.get(e["id"], set()) & dropped:
            dropped.add(e["id"])
    # helper entities (addresses …) that only dropped entities point at go too
    pointed: dict[str, set[str]] = {}
    for src, refs in refs_of.items():
        for r in refs:
            pointed.setdefault(r, set()).add(src)
    for e in entities:
        holders = pointed.get(e["id"])
        if e["schema"] not in TARGET_SCHEMATA and e["id"] not in dropped and holders and holders <= dropped:
            dropped.add(e["id"])
    added_alias: dict[str, str] = {}
    a_path, b_path = work / "version-a" / "entities.ftm.json", work / "version-b" / "entities.ftm.json"
    for p in (a_path, b_path):
        p.parent.mkdir(parents=True, exist_ok=True)
    with a_path.open("wb") as fa, b_path.open("wb") as fb:
        for e in entities:
            fb.write(ftm_line(e))
            if e["id"] in dropped:
                continue
            if e["id"] in changed_ids:
                aliases = list(e["properties"]["alias"])
                gone = aliases[rng.randrange(len(aliases))]
                added_alias[e["id"]] = gone
                e = {**e, "properties": {**e["properties"], "alias": [a for a in aliases if a != gone]}}
                if not e["properties"]["alias"]:
                    del e["properties"]["alias"]
            fa.write(ftm_line(e))
    schemata: dict[str, int] = {}
    for t in added_ids + changed_ids:
        schemata[by_id[t]["schema"]] = schemata.get(by_id[t]["schema"], 0) + 1
    return {"source": str(source), "entities": len(entities), "targets": len(targets),
            "added_ids": added_ids, "changed_ids": changed_ids, "added_alias": added_alias,
            "dropped_entities": len(dropped), "delta_schemata": schemata,
            "a_path": str(a_path), "b_path": str(b_path),
            "a_bytes": a_path.stat().st_size, "b_bytes": b_path.stat().st_size}


def write_parties(path: Path, n: int, records: dict, lists: dict, seed: int) -> dict:
    """The party CSV and the manifest of planted parties."""
    from variants import cyrillic_name

    rng = random.Random(seed + 1)
    gen = PartyGenerator(random.Random(seed + 2))
    delta_ids = lists["added_ids"] + lists["changed_ids"]
    static_ids = sorted(set(records) - set(delta_ids))
    n_exact, n_var, n_static = (max(1, round(n * s)) for s in (EXACT_SHARE, VARIANT_SHARE, STATIC_SHARE))
    plants: list[dict] = []
    for eid in rng.sample(delta_ids, min(n_exact, len(delta_ids))):
        rec = records[eid]
        name = lists["added_alias"].get(eid) or record_names(rec, ("name",))[0]
        plants.append({"kind": "delta exact", "entity_id": eid, "name": name, "variant": "exact",
                       "record": rec, "reason": "listing changed" if eid in lists["added_alias"] else "newly listed"})
    for eid in rng.sample(delta_ids, min(n_var, len(delta_ids))):
        rec = records[eid]
        base = lists["added_alias"].get(eid) if rng.random() < 0.5 else None
        base = base or rng.choice(record_names(rec))
        text, kind = vary(rng, base, rec.schema, cyrillic_name)
        plants.append({"kind": "delta variant", "entity_id": eid, "name": text, "variant": kind, "record": rec,
                       "listed_name": base})
    for eid in rng.sample(static_ids, n_static):
        rec = records[eid]
        base = rng.choice(record_names(rec))
        text, kind = (base, "exact") if rng.random() < 0.6 else vary(rng, base, rec.schema, cyrillic_name)
        plants.append({"kind": "listed in both", "entity_id": eid, "name": text, "variant": kind, "record": rec})
    positions = dict(zip(rng.sample(range(n), len(plants)), plants))
    manifest: dict[str, dict] = {}
    width = len(str(n))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "name", "schema", "country", "birth_date", "identifier"])
        writer.writeheader()
        for i in range(n):
            party_id = f"P{i + 1:0{width}d}"
            plant = positions.get(i)
            if plant is None:
                writer.writerow(gen.row(party_id))
            else:
                row = plant_row(rng, party_id, plant["record"], plant["name"])
                writer.writerow(row)
                manifest[party_id] = {**{k: v for k, v in plant.items() if k != "record"}, "schema": row["schema"]}
    return {"path": str(path), "bytes": path.stat().st_size, "parties": n, "planted": manifest,
            "planted_counts": {k: sum(1 for p in manifest.values() if p["kind"] == k)
                               for k in ("delta exact", "delta variant", "listed in both")}}


# =====================================================================================
# children (fresh processes)
# =====================================================================================


def child_monitor(spec: dict) -> dict:
    """One ``run_monitor`` with the steps timed, in this fresh process."""
    t0 = time.perf_counter()
    import chokepoint.service.monitoring as mon
    from chokepoint.lists.store import ListStore
    from chokepoint.service.audit import AuditLog
    from chokepoint.service.casework import Casework
    from chokepoint.settings import Settings

    imports_s = time.perf_counter() - t0
    if spec.get("screen_workers"):
        import chokepoint.monitor.delta as delta

        delta.SCREEN_WORKERS = spec["screen_workers"]
    steps: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                steps[name] = steps.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    mon.load_screener = timed("load_screener", mon.load_screener)
    mon.rescreen_delta = timed("rescreen_delta", mon.rescreen_delta)
    mon.source_ids = timed("source_ids", mon.source_ids)
    Casework.record_monitor_hits = timed("record_alerts", Casework.record_monitor_hits)
    Casework.close_delisted = timed("close_delisted", Casework.close_delisted)
    ListStore.diff = timed("diff", ListStore.diff)
    AuditLog.append = timed("audit", AuditLog.append)
    t = time.perf_counter()
    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    open_s = time.perf_counter() - t
    rss_before = rss_mb()
    profiler = cProfile.Profile() if spec.get("profile") else None
    t = time.perf_counter()
    if profiler:
        profiler.enable()
    report = mon.run_monitor(settings, store, actor="bench", channel="bench", send=False)
    if profiler:
        profiler.disable()
    total_s = time.perf_counter() - t
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"imports_s": imports_s, "open_s": open_s, "run_monitor_s": total_s, "steps": steps,
           "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb(), "workers_peak_rss_mb": kids.ru_maxrss / 1024,
           "cpu_s": me.ru_utime + me.ru_stime, "workers_cpu_s": kids.ru_utime + kids.ru_stime,
           "runs": [{**r.to_json(), "timings": r.result.timings, "counts": getattr(r.result, "counts", {}),
                     "hits": len(r.result.hits)} for r in report.runs],
           "hit_pairs": [[h.party.id, h.match.record.entity_id, round(h.match.score, 4)]
                         for r in report.runs for h in r.result.hits],
           "alerts": [[a.party_id, a.entity_id, a.reason, round(a.score, 4)] for a in report.new_alerts],
           "closed": len(report.closed_alerts), "baselines": report.baselines,
           "chokepoint_file": mon.__file__}
    if profiler:
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        out["profile"] = buf.getvalue()
    return out


def child_index(spec: dict) -> dict:
    """Build the list index cache of the active versions (what the service
    does when a version is activated)."""
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import index_path, load_index
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    t = time.perf_counter()
    index = load_index(store, settings)
    path = index_path(settings, store.active_versions())
    return {"build_s": time.perf_counter() - t, "path": str(path), "bytes": path.stat().st_size,
            "records": len(index.records), "names": len(index.names), "peak_rss_mb": peak_rss_mb()}


def child_forward(spec: dict) -> dict:
    """Forward screening (the full re-screen's unit of work) on a sample of
    the party base and on every planted party; hits on the delta entities."""
    import gc

    from chokepoint.lists.store import ListStore
    from chokepoint.matching.batch import read_rows, row_query, screen_rows
    from chokepoint.matching.engine import load_screener
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    t = time.perf_counter()
    screener = load_screener(store, settings)
    load_s = time.perf_counter() - t
    gc.freeze()  # as the service and screen_rows do after the index loads
    rows = list(read_rows(Path(spec["csv"])))
    rng = random.Random(spec["seed"])
    planted = set(spec["planted"])
    sample = rng.sample(rows, min(spec["sample"], len(rows)))
    extra = [r for r in rows if r.data["id"] in planted]
    warm = rng.sample(rows, 300)
    del rows
    delta = set(spec["delta_ids"])
    for row in warm:
        screener.match(row_query(row))
    t = time.perf_counter()
    cpu0 = time.process_time()
    hits_single: set[tuple[str, str]] = set()
    for row in sample:
        for m in screener.match(row_query(row)):
            if m.record.entity_id in delta:
                hits_single.add((row.data["id"], m.record.entity_id))
    single_s = time.perf_counter() - t
    single_cpu = time.process_time() - cpu0
    t = time.perf_counter()
    batch = list(screen_rows(screener, sample, workers=2))
    batch_s = time.perf_counter() - t
    hits_batch = {(r.id, m["entity_id"]) for r in batch for m in r.matches if m["entity_id"] in delta}
    alerts_batch = sum(1 for r in batch if r.status == "alert")
    t = time.perf_counter()
    planted_hits = [[r.id, m["entity_id"], m["score"]] for r in screen_rows(screener, extra, workers=2)
                    for m in r.matches if m["entity_id"] in delta]
    planted_s = time.perf_counter() - t
    return {"load_screener_s": load_s, "sample": len(sample), "single_s": single_s, "single_cpu_s": single_cpu,
            "batch2_s": batch_s, "sample_alerts": alerts_batch, "sample_delta_hits": sorted(hits_batch),
            "single_equals_batch": hits_single == hits_batch, "planted_screened": len(extra),
            "planted_s": planted_s, "planted_delta_hits": planted_hits, "peak_rss_mb": peak_rss_mb()}


def child_full(spec: dict) -> dict:
    """The full re-screen measured: every party, ``screen_rows(workers=2)``."""
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.batch import read_rows, screen_rows
    from chokepoint.matching.engine import load_screener
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    t0 = time.perf_counter()
    screener = load_screener(store, settings)
    load_s = time.perf_counter() - t0
    delta = set(spec["delta_ids"])
    hits, alerts, n = [], 0, 0
    t = time.perf_counter()
    for r in screen_rows(screener, read_rows(Path(spec["csv"])), workers=2):
        n += 1
        alerts += r.status == "alert"
        hits.extend([r.id, m["entity_id"]] for m in r.matches if m["entity_id"] in delta)
    screen_s = time.perf_counter() - t
    return {"load_screener_s": load_s, "screen_s": screen_s, "total_s": time.perf_counter() - t0, "parties": n,
            "alerts": alerts, "delta_hits": hits, "peak_rss_mb": peak_rss_mb()}


CHILDREN = {"monitor": child_monitor, "index": child_index, "forward": child_forward, "full": child_full}


def run_child(kind: str, spec: dict, timeout: float = 3600, pythonpath: str | None = None) -> dict:
    """A child process; its result and wall time (interpreter start
    included). ``pythonpath``: run another copy of the code."""
    t = time.perf_counter()
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, json.dumps(spec)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - t
    for line in reversed(out.splitlines()):
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
            result["process_wall_s"] = wall
            return result
    raise RuntimeError(f"child {kind} failed (exit {proc.returncode}):\n{err[-4000:]}")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "from chokepoint.cli import app; app()", "--home", str(home), *args]
    return subprocess.run(cmd, capture_output=True, text=True)


def timed_import(home: Path, csv_path: Path, log) -> dict:
    """``chokepoint parties import --no-screen`` in a child; the party count
    is sampled meanwhile (rows/s as the base grows) and the child's peak
    RSS read from wait4."""
    cmd = [sys.executable, "-c", "from chokepoint.cli import app; app()", "--home", str(home),
           "parties", "import", str(csv_path), "--no-screen", "--json"]
    db = home / "chokepoint.db"
    samples: list[tuple[float, int]] = []
    t = time.perf_counter()
    out_f = (home / "import.out").open("w+")
    err_f = (home / "import.err").open("w+")
    proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f)
    done = threading.Event()
    result: dict = {}

    def waiter() -> None:
        _pid, status, usage = os.wait4(proc.pid, 0)
        result.update(status=status, maxrss_mb=usage.ru_maxrss / 1024, cpu_s=usage.ru_utime + usage.ru_stime,
                      wall_s=time.perf_counter() - t)
        done.set()

    threading.Thread(target=waiter, daemon=True).start()
    while not done.wait(30):
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            count = conn.execute("SELECT COUNT(*) FROM parties").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            continue
        elapsed = time.perf_counter() - t
        samples.append((round(elapsed, 1), count))
        log(f"  import: {count:,} parties after {elapsed:.0f} s")
    proc.returncode = os.waitstatus_to_exitcode(result["status"])
    out_f.seek(0)
    err_f.seek(0)
    stdout, stderr = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise RuntimeError(f"parties import failed ({proc.returncode}): {stderr[-3000:]} {stdout[-2000:]}")
    return {**result, "exit": proc.returncode, "summary": json.loads(stdout[stdout.index("{"):]),
            "samples": samples}


def db_size(home: Path) -> dict:
    db = home / "chokepoint.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tables = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall())
    keys = conn.execute("SELECT COUNT(*) FROM party_name_keys").fetchone()[0]
    conn.close()
    wal = home / "chokepoint.db-wal"
    return {"file_bytes": db.stat().st_size, "wal_bytes": wal.stat().st_size if wal.exists() else 0,
            "tables": tables, "party_name_keys": keys}


def restore(home: Path, snapshot: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (home / f"chokepoint.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, home / "chokepoint.db")


# =====================================================================================
# report
# =====================================================================================


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def render(d: dict) -> str:
    m = d["machine"]
    lines = [f"# Monitoring: delta re-screen of {d['params']['parties']:,} parties "
             f"({'quick' if d['quick'] else 'full'} run)", "",
             *machine_markdown(m, d["command"], d["started"], d.get("finished", "(running)"), d.get("source")), "",
             "Goal (issue): a party base of 1,000,000 synthetic parties and a 2,000-entity delta, re-screened end "
             f"to end in under {GOAL_S:.0f} s on this 2-core machine.", ""]
    lists = d.get("lists")
    if lists:
        lines += ["## Lists", "",
                  f"Bundled OFAC SDN ({lists['targets']:,} listed entities, {lists['entities']:,} FtM entities) "
                  f"exported as FtM JSON. Version B = all of it; version A = B without {len(lists['added_ids']):,} "
                  f"listed entities ({lists['dropped_entities']:,} entities with their sanctions, links and "
                  f"addresses) and with one alias removed from {len(lists['changed_ids']):,} others. "
                  f"Delta by schema: {', '.join(f'{k} {v}' for k, v in sorted(lists['delta_schemata'].items()))}.",
                  ""]
        if "load_a_s" in d:
            lines += [f"Loading A {d['load_a_s']:.1f} s, B {d.get('load_b_s', float('nan')):.1f} s "
                      f"(`load_path`, ftm_json as {DATASET}).", ""]
    parties = d.get("parties")
    if parties:
        pc = parties["planted_counts"]
        lines += ["## Party base", "",
                  f"{parties['parties']:,} parties ({parties['bytes'] / 1e6:.1f} MB CSV, generated in "
                  f"{d.get('generate_s', 0):.1f} s, seed {SEED}); planted: {pc['delta exact']} exact names of "
                  f"delta entities, {pc['delta variant']} varied names of delta entities, {pc['listed in both']} "
                  "names of entities listed in both versions.", ""]
        imp = d.get("import")
        setup = d.get("setup_run")
        if imp and d.get("reused") and setup:
            lines += [f"The lists, the party base and its import were made by an earlier run of this script "
                      f"({setup['started']}, code digest `{setup['source_digest']}`, git {setup['git']}); "
                      "this run reused them (`--reuse`).", ""]
        if imp:
            s = imp["summary"]
            size = d.get("db_size", {})
            lines += ["| import (`chokepoint parties import --no-screen`) | |", "|---|---:|",
                      f"| parties added | {s['added']:,} (errors {s['errors']}) |",
                      f"| wall time (child process) | **{imp['wall_s']:.0f} s** |",
                      f"| rate | **{s['added'] / imp['wall_s']:,.0f} parties/s** |",
                      f"| CPU time (child) | {imp['cpu_s']:.0f} s |",
                      f"| peak RSS | {imp['maxrss_mb']:,.0f} MB |"]
            if size:
                lines += [f"| database on disk after import | **{size['file_bytes'] / 2**20:,.0f} MiB** |",
                          f"| retrieval keys stored | {size['party_name_keys']:,} "
                          f"({size['party_name_keys'] / max(1, s['added']):.1f} per party) |"]
                top = list(size["tables"].items())[:6]
                lines += [f"| of which {name} | {b / 2**20:,.0f} MiB |" for name, b in top]
            lines += [""]
            if imp.get("samples"):
                pts = imp["samples"]
                prev_t, prev_n, rates = 0.0, 0, []
                for tt, nn in pts:
                    if tt > prev_t:
                        rates.append(f"{nn:,} at {tt:.0f} s ({(nn - prev_n) / (tt - prev_t):,.0f}/s)")
                    prev_t, prev_n = tt, nn
                step = max(1, len(rates) // 8)
                lines += ["Parties stored as the import went (interval rate): " + "; ".join(rates[::step]) + ".",
                          ""]
    runs = d.get("monitor_runs") or []
    if runs:
        lines += ["## Monitor run (`run_monitor(settings, store, send=False)`)", "",
                  "Each run: a fresh process on a fresh copy of the database (cursor at A, B active). `total` is "
                  "`run_monitor` itself (seconds); the process wall time adds interpreter start and imports. "
                  "`candidates` = listed-name probes + key counts + postings read + coverage; `screen` = reading "
                  "the candidate parties and screening them forward (worker processes when there are many). "
                  "CPU: the run's process + its workers.", "",
                  "| run | index | total | load screener | diff | candidates (probes / counts / postings / coverage) "
                  "| screen | alert writing | other | CPU s | peak RSS (main / workers) | parties checked | hits "
                  "| new alerts |",
                  "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|"]
        for r in runs:
            st, (run,) = r["steps"], r["runs"]
            tm = run["timings"]
            known = (sum(st.get(k, 0) for k in ("load_screener", "diff", "record_alerts"))
                     + sum(v for k, v in tm.items() if "." not in k))
            parts = [tm.get(f"candidates.{k}") for k in ("probes", "key_counts", "postings", "coverage")]
            part_txt = " / ".join(f"{v:.1f}" for v in parts) if all(v is not None for v in parts) else "–"
            hits = r["hit_pairs"] if isinstance(r["hit_pairs"], int) else len(r["hit_pairs"])
            workers_rss = f"{r['workers_peak_rss_mb']:,.0f}" if r.get("workers_cpu_s", 0) > 0.5 else "–"
            lines.append(f"| {r['label']} | {r['cache']} | **{r['run_monitor_s']:.1f}** | "
                         f"{st.get('load_screener', 0):.1f} | {st.get('diff', 0):.1f} | "
                         f"{tm.get('candidates', 0):.1f} ({part_txt}) | {tm.get('screen', 0):.1f} | "
                         f"{st.get('record_alerts', 0):.1f} | {r['run_monitor_s'] - known:.1f} | "
                         f"{r.get('cpu_s', 0) + r.get('workers_cpu_s', 0):.0f} | "
                         f"{r['peak_rss_mb']:,.0f} / {workers_rss} MB | {run['parties_checked']:,} | {hits:,} | "
                         f"{run['new_alerts']:,} |")
        run = runs[0]["runs"][0]
        counts = runs[0]["runs"][0].get("counts") or {}
        lines += ["", f"Delta: {run['added']:,} added, {run['changed']:,} changed, {run['removed']} removed "
                  f"({run['from_version']} → {run['to_version']})"
                  + (f"; {counts['postings_rows']:,} (key, party) postings read, {counts['pairs_looked_at']:,} "
                     "(party, listed name) pairs looked at" if counts else "") + ".", ""]
        warm = [r["run_monitor_s"] for r in runs if r["cache"] == "cache built"]
        cold = [r["run_monitor_s"] for r in runs if r["cache"] == "cold"]
        if d.get("index"):
            lines += [f"Index cache built beforehand in {d['index']['build_s']:.1f} s "
                      f"({d['index']['bytes'] / 2**20:.0f} MiB, {d['index']['records']:,} records, "
                      f"{d['index']['names']:,} names).", ""]
        if warm:
            verdict = "**met**" if max(warm) < GOAL_S else "**missed**"
            lines += [f"With the cache: median {median(warm):.1f} s over {len(warm)} runs "
                      f"({', '.join(f'{w:.1f}' for w in warm)}); cold: "
                      f"{', '.join(f'{c:.1f}' for c in cold) or '–'} s. Goal {GOAL_S:.0f} s: {verdict}.", ""]
        if d.get("baseline_src"):
            lines += [f"`before this change`: the same run with the package copy in `{d['baseline_src']}` "
                      "(the monitoring code as committed before this benchmark).", ""]
    rec = d.get("recall")
    if rec:
        lines += ["## Recall of the planted parties", "",
                  "A hit is a (party, entity) pair the delta re-screen scores at or above the threshold; alerts "
                  "are the hits casework opens (it opens one alert per party *data* and entity, so parties kept "
                  "under different ids with identical data share one alert).", "",
                  "| planted | n | hit on the planted entity | alert | |", "|---|---:|---:|---:|---|",
                  f"| exact name of a delta entity | {rec['exact']['n']} | **{rec['exact']['found']}** | "
                  f"{rec['exact'].get('alerted', '–')} | "
                  f"{'all' if rec['exact']['found'] == rec['exact']['n'] else 'MISSED: ' + ', '.join(rec['exact']['missed'][:10])} |",
                  f"| varied name of a delta entity | {rec['variant']['n']} | {rec['variant']['found']} | "
                  f"{rec['variant'].get('alerted', '–')} | "
                  + "; ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(rec["variant"]["by_kind"].items())) + " |",
                  f"| name of an entity listed in both versions | {rec['static']['n']} | "
                  f"{rec['static']['alerted']} with any hit | | expected 0 unless close to a delta entity |",
                  "", f"All hits: {rec.get('hits', 0):,} ({rec.get('alerts', 0):,} alerts); on parties that were "
                  f"not planted: {rec.get('unplanted_hits', 0):,} hits on {rec.get('unplanted_parties', 0):,} "
                  "parties (look-alikes of delta entities, scored by the same screener as any screening).", ""]
        if rec.get("exact_missed_detail"):
            lines += ["Exact plants without a hit:", "",
                      *[f"* `{m['party_id']}` {m['name']!r} ({m['schema']}) → {m['entity_id']}: {m['why']}"
                        for m in rec["exact_missed_detail"][:20]], ""]
    fw = d.get("forward")
    if fw:
        n_all = d["params"]["parties"]
        single_rate = fw["sample"] / fw["single_s"]
        batch_rate = fw["sample"] / fw["batch2_s"]
        warm = [r["run_monitor_s"] for r in runs if r["cache"] == "cache built"]
        delta_s = median(warm) if warm else float("nan")
        lines += ["## Against a full re-screen", "",
                  f"`Screener.match` on {fw['sample']:,} random parties of the same base, same lists "
                  f"(after 300 warm-up queries; {fw['sample_alerts']:,} of them alert on something):", "",
                  "| approach | rate | time for the whole base | vs. delta re-screen |", "|---|---:|---:|---:|",
                  f"| **chokepoint delta re-screen** (above, cache built, median) | | **{delta_s:.1f} s** | 1× |",
                  f"| chokepoint full re-screen, 1 process (extrapolated) | {single_rate:,.0f} parties/s | "
                  f"{n_all / single_rate / 60:.1f} min | {n_all / single_rate / delta_s:.0f}× |",
                  f"| chokepoint full re-screen, `screen_rows(workers=2)` (extrapolated) | {batch_rate:,.0f} parties/s | "
                  f"{n_all / batch_rate / 60:.1f} min | {n_all / batch_rate / delta_s:.0f}× |"]
        full = d.get("full")
        if full:
            lines.append(f"| chokepoint full re-screen, `screen_rows(workers=2)`, **measured** | "
                         f"{full['parties'] / full['screen_s']:,.0f} parties/s | {full['total_s'] / 60:.1f} min | "
                         f"{full['total_s'] / delta_s:.0f}× |")
        lines += [f"| one HTTP `/match` per party at {API_RPS_MEASURED} req/s (derived: BENCHMARKS.md §5, "
                  f"chokepoint's yente-compatible API, 2 workers) | {API_RPS_MEASURED} req/s | "
                  f"{n_all / API_RPS_MEASURED / 60:.0f} min | {n_all / API_RPS_MEASURED / delta_s:.0f}× |",
                  f"| yente logic-v2, ~{YENTE_RPS_PER_VCPU} req/s per vCPU × 2 (derived from its published "
                  f"figure) | {2 * YENTE_RPS_PER_VCPU} req/s | {n_all / (2 * YENTE_RPS_PER_VCPU) / 3600:.0f} h | "
                  f"{n_all / (2 * YENTE_RPS_PER_VCPU) / delta_s:,.0f}× |", ""]
        ag = d.get("agree", {})
        lines += ["Agreement with screening forward (`Screener.match`, top 10, hits on delta entities): on the "
                  f"sample {len(fw['sample_delta_hits'])} hits, of which {len(ag.get('sample_missing', []))} the "
                  f"delta re-screen did not find; on the {fw['planted_screened']:,} planted parties "
                  f"{len(fw['planted_delta_hits'])} hits, {len(ag.get('planted_missing', []))} not found.", ""]
        if full:
            ag = d.get("agree_full", {})
            lines += [f"Full re-screen, every party: {full['delta_hits']:,} (party, delta entity) hits; "
                      f"delta re-screen hits {ag.get('monitor', 0):,}; found by the full re-screen but not by the "
                      f"delta re-screen: {ag.get('missing_n', 0):,} "
                      f"({ag.get('missing_n', 0) / max(1, full['delta_hits']):.1%}); found by the delta re-screen "
                      f"but not in the full re-screen's top 10: {ag.get('extra_n', 0)}.", ""]
    prof = d.get("profile")
    if prof:
        lines += ["## Profile of one monitor run (cProfile, cache built)", "", "```", prof.strip()[:9000], "```", ""]
    if d.get("phases"):
        lines += ["## Phases (wall time; CPU cores other processes used meanwhile)", "",
                  "| phase | wall s | other processes, cores |", "|---|---:|---:|",
                  *[f"| {p['phase']} | {p['wall_s']:.1f} | {p['other_cpu_cores']:.2f} |" for p in d["phases"]], ""]
    return "\n".join(lines) + "\n"


# =====================================================================================
# main
# =====================================================================================


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parties", type=int, default=1_000_000)
    parser.add_argument("--delta", type=int, default=2000, help="listed entities added or changed from A to B")
    parser.add_argument("--changed", type=int, default=400, help="of which changed (an alias added)")
    parser.add_argument("--quick", action="store_true", help="50,000 parties, fewer runs")
    parser.add_argument("--sample", type=int, default=20_000, help="parties screened forward for the comparison")
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--full-rescreen", action="store_true", help="also screen every party forward (2 workers)")
    parser.add_argument("--profile", action="store_true", help="also run the monitor once under cProfile")
    parser.add_argument("--single-screen", action="store_true",
                        help="also time one run screening the candidates in one process")
    parser.add_argument("--baseline-src", metavar="DIR",
                        help="also time one run with the package in DIR (a copy of src/ before a change)")
    parser.add_argument("--home", type=Path, help=f"scratch folder (default {DEFAULT_HOME}[-quick])")
    parser.add_argument("--reuse", action="store_true", help="reuse the lists and party base of an earlier run")
    parser.add_argument("--setup-only", action="store_true", help="stop after the party base is imported")
    parser.add_argument("--name", help="output stem under bench/out/ (default monitor / monitor-quick)")
    parser.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, spec = args.child
        print(MARK + json.dumps(CHILDREN[kind](json.loads(spec))), flush=True)
        return
    if args.quick and args.parties == 1_000_000:
        args.parties = 50_000
    if args.quick:
        args.warm_runs = min(args.warm_runs, 2)
        args.sample = min(args.sample, 5000)
    name = args.name or ("monitor-quick" if args.quick else "monitor")
    work = args.home or Path(str(DEFAULT_HOME) + ("-quick" if args.quick else ""))
    home = work / "home"
    waited = wait_idle(args.wait_idle) if args.wait_idle else None
    start = time.perf_counter()
    source = snapshot_source()
    params = {"parties": args.parties, "delta": args.delta, "changed": args.changed, "seed": SEED}
    d: dict = {"benchmark": "monitor", "source": source, "started": now_iso(), "command": command_line(),
               "machine": machine_info(), "quick": args.quick, "params": params, "home": str(work),
               "waited_for_idle_s": waited}
    phases = Phases()

    def save() -> None:
        d["phases"] = phases.rows
        out = {k: v for k, v in d.items() if k not in ("lists", "parties", "monitor_runs")}
        out["monitor_runs"] = [{k: (len(v) if k in ("hit_pairs", "alerts") else v) for k, v in r.items()}
                               for r in d.get("monitor_runs", [])]
        if "lists" in d:
            out["lists"] = {k: v for k, v in d["lists"].items() if k not in ("added_alias",)}
        if "parties" in d:
            out["parties"] = {k: v for k, v in d["parties"].items() if k != "planted"}
        write_results(name, render(d), out)

    def say(msg: str, phase: str | None = None) -> None:
        if phase:
            phases.end(phase)
            save()
        print(f"[{time.perf_counter() - start:7.1f} s] {msg}", flush=True)

    from chokepoint.lists.loader import load_path
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.records import ListedRecord
    from chokepoint.settings import Settings

    state_path = work / "state.json"
    snapshot = work / "snapshot.db"
    state = json.loads(state_path.read_text()) if args.reuse and state_path.exists() else None
    if state is not None and state.get("params") != params:
        raise SystemExit(f"--reuse: {state_path} holds other parameters {state.get('params')}")
    if state is None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        lists = build_versions(work, args.delta, args.changed, SEED)
        d["lists"] = lists
        say(f"versions A/B written: {lists['targets']:,} targets, delta {args.delta}", "export SDN, write A and B")

        settings = Settings(home=home)
        store = ListStore.open(settings)
        t = time.perf_counter()
        rep_a = load_path(store, Path(lists["a_path"]), DATASET, activate=True)
        assert rep_a.ok, rep_a.error
        d["load_a_s"] = time.perf_counter() - t
        # the listed records of B, to plant their names (parsed as the loader parses them)
        from chokepoint.lists.parsers import ftm_json

        vid_b_records = {e.id: ListedRecord.from_entity(e, "B")
                         for e in ftm_json.parse(Path(lists["b_path"]), DATASET).targets}
        say(f"A loaded ({d['load_a_s']:.1f} s)", "load version A")

        t = time.perf_counter()
        parties = write_parties(work / "parties.csv", args.parties, vid_b_records, lists, SEED)
        d["generate_s"] = time.perf_counter() - t
        d["parties"] = parties
        say(f"{args.parties:,} parties written ({parties['bytes'] / 1e6:.0f} MB, {d['generate_s']:.0f} s)",
            "generate parties")

        d["import"] = timed_import(home, work / "parties.csv", lambda m: say(m))
        say(f"imported in {d['import']['wall_s']:.0f} s", "import parties (child)")
        d["db_size"] = db_size(home)
        say(f"database {d['db_size']['file_bytes'] / 2**20:,.0f} MiB", "database size")

        t = time.perf_counter()
        rep_b = load_path(store, Path(lists["b_path"]), DATASET, activate=True)
        assert rep_b.ok, rep_b.error
        d["load_b_s"] = time.perf_counter() - t
        store.engine.dispose()
        conn = sqlite3.connect(home / "chokepoint.db")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        shutil.copyfile(home / "chokepoint.db", snapshot)
        d["setup_run"] = {"started": d["started"], "source_digest": source["digest"], "git": d["machine"]["git"],
                          "phases": list(phases.rows)}
        state = {"params": params, "lists": lists, "parties": {k: v for k, v in parties.items()},
                 "import": d["import"], "db_size": d["db_size"], "load_a_s": d["load_a_s"],
                 "load_b_s": d["load_b_s"], "generate_s": d["generate_s"], "setup_run": d["setup_run"]}
        state_path.write_text(json.dumps(state, ensure_ascii=False))
        say(f"B loaded and activated ({d['load_b_s']:.1f} s); snapshot taken", "load version B, snapshot")
    else:
        for k in ("lists", "parties", "import", "db_size", "load_a_s", "load_b_s", "generate_s", "setup_run"):
            if k in state:
                d[k] = state[k]
        d["reused"] = True
        say(f"reusing {work} (lists, {args.parties:,} parties)")
    if args.setup_only:
        d["finished"] = now_iso()
        save()
        return
    lists, parties = d["lists"], d["parties"]
    delta_ids = lists["added_ids"] + lists["changed_ids"]
    cache_dir = home / "cache"

    # --- monitor runs ----------------------------------------------------------------
    runs: list[dict] = []
    d["monitor_runs"] = runs

    def monitor_run(label: str, cache: str, phase: str, pythonpath: str | None = None, **extra) -> dict:
        restore(home, snapshot)
        r = run_child("monitor", {"home": str(home), **extra}, pythonpath=pythonpath)
        r.update(label=label, cache=cache)
        runs.append(r)
        tm = r["runs"][0]["timings"]
        say(f"{label}: run_monitor {r['run_monitor_s']:.1f} s (candidates {tm['candidates']:.1f}, screen "
            f"{tm['screen']:.1f}; {r['runs'][0]['parties_checked']:,} parties checked)", phase)
        return r

    shutil.rmtree(cache_dir, ignore_errors=True)
    monitor_run("cold", "cold", "monitor run, cold (child)")
    shutil.rmtree(cache_dir, ignore_errors=True)
    d["index"] = run_child("index", {"home": str(home)})
    say(f"index cache built ({d['index']['build_s']:.1f} s)", "index cache build (child)")
    for i in range(args.warm_runs):
        monitor_run(f"cache {i + 1}", "cache built", f"monitor run {i + 1}, cache built (child)")
    current = runs[-1]
    if args.single_screen:
        monitor_run("screen in 1 process", "cache built (1 process)", "monitor run, 1 screening process (child)",
                    screen_workers=1)
    if args.baseline_src:
        d["baseline_src"] = args.baseline_src
        monitor_run("before this change", "cache built (code before)", "monitor run, code before (child)",
                    pythonpath=args.baseline_src)

    # --- recall ---------------------------------------------------------------------------
    hits = {(h[0], h[1]) for h in current["hit_pairs"]}
    alerts = {(a[0], a[1]) for a in current["alerts"]}
    planted = parties["planted"]
    exact = {p: v for p, v in planted.items() if v["kind"] == "delta exact"}
    variant = {p: v for p, v in planted.items() if v["kind"] == "delta variant"}
    static = {p: v for p, v in planted.items() if v["kind"] == "listed in both"}
    by_kind: dict[str, list[int]] = {}
    for p, v in variant.items():
        slot = by_kind.setdefault(v["variant"], [0, 0])
        slot[1] += 1
        slot[0] += (p, v["entity_id"]) in hits
    missed = sorted(p for p, v in exact.items() if (p, v["entity_id"]) not in hits)
    hit_parties = {h[0] for h in hits}
    d["recall"] = {
        "exact": {"n": len(exact), "found": len(exact) - len(missed), "missed": missed,
                  "alerted": sum(1 for p, v in exact.items() if (p, v["entity_id"]) in alerts)},
        "variant": {"n": len(variant), "found": sum(v[0] for v in by_kind.values()), "by_kind": by_kind,
                    "alerted": sum(1 for p, v in variant.items() if (p, v["entity_id"]) in alerts)},
        "static": {"n": len(static), "alerted": sum(1 for p in static if p in hit_parties)},
        "hits": len(hits), "alerts": len(alerts),
        "unplanted_hits": sum(1 for h in hits if h[0] not in planted),
        "unplanted_parties": len({h[0] for h in hits if h[0] not in planted}),
    }
    if missed:
        d["recall"]["exact_missed_detail"] = [{"party_id": p, **{k: exact[p][k] for k in ("name", "entity_id", "schema")},
                                               "why": "see forward screening below"} for p in missed]
    say(f"recall: exact {d['recall']['exact']['found']}/{len(exact)}, variants "
        f"{d['recall']['variant']['found']}/{len(variant)}; {len(hits):,} hits, {len(alerts):,} alerts", "recall")

    # --- forward screening --------------------------------------------------------------------
    d["forward"] = run_child("forward", {"home": str(home), "csv": parties["path"], "seed": SEED + 3,
                                         "sample": args.sample, "planted": sorted(planted), "delta_ids": delta_ids})
    fw = d["forward"]
    d["agree"] = {"sample_missing": [h for h in map(tuple, fw["sample_delta_hits"]) if h not in hits],
                  "planted_missing": [h for h in fw["planted_delta_hits"] if (h[0], h[1]) not in hits]}
    for m in d["recall"].get("exact_missed_detail", []):
        fwd = [h for h in fw["planted_delta_hits"] if h[0] == m["party_id"] and h[1] == m["entity_id"]]
        m["why"] = ("forward screening finds no alert on it either" if not fwd
                    else f"forward screening alerts (score {fwd[0][2]:.3f}); the delta re-screen did not look at it")
    say(f"forward: single {fw['sample'] / fw['single_s']:,.0f}/s, 2 workers {fw['sample'] / fw['batch2_s']:,.0f}/s",
        "forward screening sample (child)")

    if args.full_rescreen:
        d["full"] = run_child("full", {"home": str(home), "csv": parties["path"], "delta_ids": delta_ids},
                              timeout=7200)
        full_hits = {tuple(h) for h in d["full"]["delta_hits"]}
        d["agree_full"] = {"monitor": len(hits), "missing": sorted(full_hits - hits)[:50],
                           "missing_n": len(full_hits - hits), "extra_n": len(hits - full_hits),
                           "extra": sorted(hits - full_hits)[:50]}
        d["full"]["delta_hits"] = len(full_hits)
        say(f"full re-screen {d['full']['total_s']:.0f} s", "full re-screen (child)")

    if args.profile:
        restore(home, snapshot)
        r = run_child("monitor", {"home": str(home), "profile": True})
        d["profile"] = r.pop("profile")
        say("profiled run done", "monitor run under cProfile (child)")
    restore(home, snapshot)
    d["finished"] = now_iso()
    d["source"]["changed_during_run"] = source_changed_since(source)
    save()
    print(render(d))


if __name__ == "__main__":
    main()
