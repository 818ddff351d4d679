"""The nsfreg JSON parser on the real US restricted-party files."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import nsfreg_json
from chokepoint.lists.parsers.base import ListFormatError, ParseResult


@pytest.fixture(scope="module")
def nsf_dir(lists_dir: Path) -> Path:
    return lists_dir / "us_restricted_parties_2026"


@pytest.fixture(scope="module")
def entity_list(nsf_dir: Path) -> ParseResult:
    return nsfreg_json.parse(nsf_dir / "bis_entity_list.json", "us_bis_entity")


def _by_name(result: ParseResult, name: str) -> list:
    return [t for t in result.targets if name in t.get("name")]


# --- the BIS Entity List ----------------------------------------------------------


def test_entity_list_counts(entity_list: ParseResult) -> None:
    assert entity_list.dataset == "us_bis_entity"
    assert entity_list.format == "nsfreg_json"
    assert len(entity_list.targets) == 3409
    assert len({t.id for t in entity_list.targets}) == 3409
    assert entity_list.published == date(2026, 7, 9)
    assert list(entity_list.files) == ["bis_entity_list.json"]
    assert entity_list.warnings == []


def test_entity_list_countries(entity_list: ParseResult) -> None:
    countries = Counter(c for t in entity_list.targets for c in t.get("country"))
    assert countries["ir"] == 115
    assert countries["cn"] == 1106
    assert countries["ru"] == 1081
    # "Crimea Region of Ukraine" is FtM's Crimea code.
    assert countries["ua-cri"] == 28


def test_entity_list_iranian_uav_makers(entity_list: ParseResult) -> None:
    for name in ("Shahed Aviation Industries", "Qods Aviation Industry", "Oje Parvaz Mado Nafar Company"):
        (target,) = _by_name(entity_list, name)
        assert target.get("country") == ["ir"]
        assert target.get("topics") == ["export.control"]
        assert target.get("programId") == ["US-BIS-EL"]
    (shahed,) = _by_name(entity_list, "Shahed Aviation Industries")
    assert "SAIRC" in shahed.get("alias")
    assert shahed.get("address") == ["Shahid Lavi Street, Sajad Street, Isfahan, Iran"]


def test_entity_list_sanctions(entity_list: ParseResult) -> None:
    sanctions = {s.get("entity")[0]: s for s in entity_list.entities if s.schema.name == "Sanction"}
    assert len(sanctions) == 3409
    (shahed,) = _by_name(entity_list, "Shahed Aviation Industries")
    sanction = sanctions[shahed.id]
    assert sanction.get("authority") == ["U.S. Department of Commerce, Bureau of Industry and Security"]
    assert sanction.get("programId") == ["US-BIS-EL"]
    assert sanction.get("listingDate") == ["2023-02-01"]  # from "88 FR 6622, 2/1/23"
    assert sanction.get("description") == ["Federal Register: 88 FR 6622, 2/1/23"]
    assert sanction.get("provisions")[0].startswith("For all items subject to the EAR")
    assert sanction.get("authorityId") == [shahed.context["source_id"]]


def test_entity_list_same_name_other_country_is_a_separate_record(nsf_dir: Path, entity_list: ParseResult) -> None:
    raw = json.loads((nsf_dir / "bis_entity_list.json").read_text())["entities"]
    countries_by_name: dict[str, set[str]] = {}
    for record in raw:
        countries_by_name.setdefault(record["name"], set()).add(record["country"])
    multi = [n for n, cs in countries_by_name.items() if len(cs) > 1]
    assert multi, "the Entity List repeats entities under several countries"
    name = multi[0]
    targets = [t for t in entity_list.targets if t.context["source_id"] and name in t.get("name")]
    assert len(targets) >= 2
    assert len({t.id for t in targets}) == len(targets)


def test_entity_list_embedded_fka(entity_list: ParseResult) -> None:
    (target,) = _by_name(entity_list, "Gazprom Flot, OOO")
    assert target.get("previousName") == ["Obshchestvo S Ogranichennoi Otvetstvennostyu Gazflot"]
    (mec,) = _by_name(entity_list, "Mesbah Energy Company")
    assert mec.get("alias") == ["MEC"]


def test_ids_are_stable(nsf_dir: Path, entity_list: ParseResult) -> None:
    again = nsfreg_json.parse(nsf_dir / "bis_entity_list.json", "us_bis_entity")
    assert [t.id for t in again.targets] == [t.id for t in entity_list.targets]


# --- the other lists --------------------------------------------------------------------


@pytest.mark.parametrize(
    "file, dataset, targets",
    [
        ("bis_meu.json", "us_bis_meu", 70),
        ("bis_dpl.json", "us_bis_denied", 562),  # 564 rows, 2 repeated
        ("state_nonproliferation.json", "us_state_isn", 527),  # one row is only "(… individual in China)"
        ("state_debarred_statutory.json", "us_ddtc_debarred", 775),  # 779 rows, 4 repeated
        ("state_debarred_admin.json", "us_ddtc_debarred", 8),
        ("ofac_nscmic.json", "us_ofac_nscmic", 68),
        ("ofac_eo14032_annex.json", "us_ofac_eo14032", 59),
        ("dow_1260h.json", "us_dod_1260h", 80),
        ("dow_1286.json", "us_dod_1286", 134),
        ("dhs_uflpa.json", "us_dhs_uflpa", 148),
        ("cbp_wro.json", "us_cbp_wro", 60),  # 67 rows, 7 repeated
        ("fcc_covered.json", "us_fcc_covered", 15),
    ],
)
def test_every_list_parses(nsf_dir: Path, file: str, dataset: str, targets: int) -> None:
    result = nsfreg_json.parse(nsf_dir / file, dataset)
    assert len(result.targets) == targets
    assert all(t.id.startswith(dataset.replace("_", "-") + "-") for t in result.targets)
    sanctions = [e for e in result.entities if e.schema.name == "Sanction"]
    assert len(sanctions) == targets
    assert {s.get("entity")[0] for s in sanctions} == {t.id for t in result.targets}
    info = next(i for i in nsfreg_json.LISTS.values() if i.dataset == dataset)
    assert all(t.get("topics") == [info.topic] for t in result.targets)
    assert result.published == date(2026, 7, 9)


def test_meu_is_all_chinese(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "bis_meu.json", "us_bis_meu")
    assert {c for t in result.targets for c in t.get("country")} == {"cn"}
    assert all(t.get("topics") == ["export.control"] for t in result.targets)


def test_duplicate_rows_are_merged_and_warned(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "bis_dpl.json", "us_bis_denied")
    assert result.warning_counts() == {"duplicate_row": 2}
    assert all(w.code == "duplicate_row" for w in result.warnings)


def test_isn_iran_and_irgc(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "state_nonproliferation.json", "us_state_isn")
    countries = Counter(c for t in result.targets for c in t.get("country"))
    assert countries["ir"] == 75
    (qods,) = _by_name(result, "Islamic Revolutionary Guard Corps Qods Force")
    assert qods.get("country") == ["ir"]
    assert qods.get("topics") == ["sanction"]
    # "Ri Sung Chol (DPRK individual)" is a person named "Ri Sung Chol".
    (ri,) = _by_name(result, "Ri Sung Chol")
    assert ri.schema.name == "Person"
    assert ri.get("country") == ["kp"]
    # the three "Middle East Region" rows have no country code; one row is
    # only the annotation "(North Korean individual in China)"
    assert result.warning_counts() == {"country": 3, "missing_name": 1}


def test_nscmic_identifiers_and_links(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "ofac_nscmic.json", "us_ofac_nscmic")
    (aecc,) = _by_name(result, "China Aviation Engine Group Co., Ltd")
    assert aecc.get("registrationNumber") == ["91110000MA005UCQ5P"]
    assert set(aecc.get("programId")) == {"US-NS-CMIC", "CMIC-EO13959"}
    links = [e for e in result.entities if e.schema.name == "UnknownLink"]
    ids = {t.id for t in result.targets}
    assert len(links) == 9
    assert all(link.get("subject")[0] in ids and link.get("object")[0] in ids for link in links)


def test_ddtc_birth_dates_make_people(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "state_debarred_statutory.json", "us_ddtc_debarred")
    people = [t for t in result.targets if t.schema.name == "Person"]
    assert len(people) == 479
    (acety,) = _by_name(result, "Acety, Edwin")
    assert acety.get("birthDate") == ["1975-11"]


def test_ddtc_folder_load_takes_both_files(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir, "us_ddtc_debarred")
    assert sorted(result.files) == ["state_debarred_admin.json", "state_debarred_statutory.json"]
    assert len(result.targets) == 775 + 8


def test_cbp_fishing_vessels(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "cbp_wro.json", "us_cbp_wro")
    (vessel,) = _by_name(result, "Da Wang")
    assert vessel.schema.name == "Vessel"
    assert vessel.get("alias") == ["Fishing Vessel: Da Wang"]
    assert vessel.get("country") == []
    assert not any(w.code == "country" for w in result.warnings)


def test_dpl_denial_end_date(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "bis_dpl.json", "us_bis_denied")
    (matheny,) = _by_name(result, "BRADLEY JON MATHENY")
    sanction = next(e for e in result.entities if e.id == f"{matheny.id}-sanction")
    assert sanction.get("listingDate") == ["2023-08-10"]
    assert sanction.get("endDate") == ["2028-11-12"]


def test_uflpa_text_dates(nsf_dir: Path) -> None:
    result = nsfreg_json.parse(nsf_dir / "dhs_uflpa.json", "us_dhs_uflpa")
    (baoding,) = _by_name(result, "Baoding LYSZD Trade and Business Co., Ltd")
    sanction = next(e for e in result.entities if e.id == f"{baoding.id}-sanction")
    assert sanction.get("listingDate") == ["2022-06-21"]  # "June 21, 2022"
    assert not any(w.code == "date" for w in result.warnings)


# --- dataset mapping and errors -------------------------------------------------------


def test_dataset_mapping_is_exposed() -> None:
    assert nsfreg_json.LISTS["bis-entity-list"].dataset == "us_bis_entity"
    assert nsfreg_json.DATASETS["us_ddtc_debarred"] == ("state-debarred-statutory", "state-debarred-admin")
    assert len(nsfreg_json.LISTS) == 13
    assert nsfreg_json.DEFAULT_DATASET == "us_bis_entity"


def test_dataset_mismatch(nsf_dir: Path) -> None:
    with pytest.raises(ListFormatError) as err:
        nsfreg_json.parse(nsf_dir / "bis_meu.json", "us_bis_entity")
    assert "bis_meu.json" in str(err.value)
    assert "Military End-User" in str(err.value)
    assert "not dataset 'us_bis_entity'" in str(err.value)


def test_unknown_dataset(nsf_dir: Path) -> None:
    with pytest.raises(ListFormatError, match="not an nsfreg list"):
        nsfreg_json.parse(nsf_dir / "bis_meu.json", "eu_fsf")


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _record(name: str, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "name": name, "aliases": [], "country": "Iran", "address": "Tehran, Iran",
        "status": None, "effective_date": None, "federal_register": "88 FR 1, 1/3/23", "notes": None,
    }
    record.update(extra)
    return record


def test_merge_same_name_country_address(tmp_path: Path) -> None:
    data = {
        "list_id": "bis-entity-list", "source_file": "x", "extracted": "2026-07-09", "count": 3,
        "entities": [
            _record("Acme Drone Co.", aliases=["Acme"]),
            _record("Acme Drone Co.", aliases=["ADC"], federal_register="89 FR 2, 2/4/24"),
            _record("Acme Drone Co.", country="Turkey", address="Istanbul, Turkey"),
        ],
    }
    result = nsfreg_json.parse(_write(tmp_path, "el.json", data), "us_bis_entity")
    assert len(result.targets) == 2
    tehran = next(t for t in result.targets if t.get("country") == ["ir"])
    assert sorted(tehran.get("alias")) == ["ADC", "Acme"]
    sanction = next(e for e in result.entities if e.id == f"{tehran.id}-sanction")
    assert sorted(sanction.get("listingDate")) == ["2023-01-03", "2024-02-04"]
    assert result.warning_counts() == {"duplicate_row": 1}


def test_truncated_json(tmp_path: Path, nsf_dir: Path) -> None:
    path = tmp_path / "bis_meu.json"
    path.write_bytes((nsf_dir / "bis_meu.json").read_bytes()[:700])
    with pytest.raises(ListFormatError) as err:
        nsfreg_json.parse(path, "us_bis_meu")
    assert str(path) in str(err.value)
    assert "invalid JSON" in str(err.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    assert not nsfreg_json.sniff(path)
    with pytest.raises(ListFormatError, match="empty"):
        nsfreg_json.parse(path, "us_bis_entity")


def test_utf16_file_loads(tmp_path: Path, nsf_dir: Path) -> None:
    path = tmp_path / "bis_meu.json"
    path.write_bytes((nsf_dir / "bis_meu.json").read_text(encoding="utf-8").encode("utf-16"))
    assert nsfreg_json.sniff(path)
    assert len(nsfreg_json.parse(path, "us_bis_meu").targets) == 70


def test_gzip_file_loads_with_same_hash(tmp_path: Path, nsf_dir: Path) -> None:
    path = tmp_path / "bis_meu.json.gz"
    path.write_bytes(gzip.compress((nsf_dir / "bis_meu.json").read_bytes()))
    assert nsfreg_json.sniff(path)
    packed = nsfreg_json.parse(path, "us_bis_meu")
    plain = nsfreg_json.parse(nsf_dir / "bis_meu.json", "us_bis_meu")
    assert packed.files == plain.files
    assert len(packed.targets) == 70


def test_wrong_file_type(tmp_path: Path, lists_dir: Path) -> None:
    path = tmp_path / "bis_entity_list.json"
    shutil.copy(lists_dir / "un" / "consolidated.xml", path)
    assert not nsfreg_json.sniff(path)
    with pytest.raises(ListFormatError) as err:
        nsfreg_json.parse(path, "us_bis_entity")
    assert str(path) in str(err.value)


def test_unknown_list_id_and_bad_shape(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.json", {"list_id": "nope", "source_file": "x", "entities": []})
    with pytest.raises(ListFormatError, match="unknown list_id 'nope'"):
        nsfreg_json.parse(path, "us_bis_entity")
    path = _write(tmp_path, "y.json", {"list_id": "bis-meu", "source_file": "x", "entities": {}})
    with pytest.raises(ListFormatError, match="'entities' is not a list"):
        nsfreg_json.parse(path, "us_bis_meu")


# --- helpers and sniffing -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Ri Sung Chol (DPRK individual)", ("Ri Sung Chol", [], [], True)),
        ("Ch'oe Ch'o'l-min (a.k.a Choe Chol Min) (DPRK individual)", ("Ch'oe Ch'o'l-min", ["Choe Chol Min"], [], True)),
        ("Gaz-Oil, OOO (f.k.a., Zakrytoe Aktsionernoe Obshchestvo Gaz Oil)",
         ("Gaz-Oil, OOO", [], ["Zakrytoe Aktsionernoe Obshchestvo Gaz Oil"], False)),
        ("Sabanican Company (a.k.a.", ("Sabanican Company", [], [], False)),
        ("Man, Cho Yan Nathan; a.k.a Nathan Man", ("Man, Cho Yan Nathan", ["Nathan Man"], [], False)),
        ("Mesbah Energy Company (a.k.a. “MEC”)", ("Mesbah Energy Company", ["MEC"], [], False)),
        ("Akademgorodok Institute (Akademiya)", ("Akademgorodok Institute (Akademiya)", [], [], False)),
        ("(North Korean individual in China)", ("", [], [], True)),
    ],
)
def test_split_name(raw: str, expected: tuple[str, list[str], list[str], bool]) -> None:
    assert nsfreg_json.split_name(raw) == expected


def test_federal_register_dates() -> None:
    assert nsfreg_json.federal_register_dates("75 FR 1701, 1/12/10.\n76 FR 71869, 11/21/11") == [
        "2010-01-12", "2011-11-21",
    ]
    assert nsfreg_json.federal_register_dates("Vol. 89, No. 230, November 29, 2024 Federal Register") == ["2024-11-29"]
    assert nsfreg_json.federal_register_dates("46 F.R. 46154 9/17/81") == ["1981-09-17"]


def test_sniff(nsf_dir: Path, lists_dir: Path) -> None:
    assert nsfreg_json.sniff(nsf_dir / "bis_entity_list.json")
    assert nsfreg_json.sniff(nsf_dir / "fcc_covered.json")
    assert nsfreg_json.sniff(nsf_dir)
    assert not nsfreg_json.sniff(nsf_dir / "lists.json")
    assert not nsfreg_json.sniff(lists_dir / "un" / "consolidated.xml")
    assert not nsfreg_json.sniff(lists_dir / "ofac_sdn_2024" / "sdn.csv")
    assert not nsfreg_json.sniff(lists_dir / "eu_un_ofac_aggregate_2026" / "all.json")
    assert not nsfreg_json.sniff(lists_dir / "restricted_parties_2026" / "restricted_parties.json")
    assert not nsfreg_json.sniff(lists_dir / "opensanctions_ftm" / "yente_zala" / "entities.ftm.json")
    assert not nsfreg_json.sniff(lists_dir / "no-such-file.json")
