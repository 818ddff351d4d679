"""The restricted-parties compilation parser (METI End User List, Canada NRO)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import restricted_parties_json as rp
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id


@pytest.fixture(scope="module")
def rp_file(lists_dir: Path) -> Path:
    return lists_dir / "restricted_parties_2026" / "restricted_parties.json"


@pytest.fixture(scope="module")
def meti(rp_file: Path) -> ParseResult:
    return rp.parse(rp_file, "jp_meti_eul")


def _named(result: ParseResult, name: str):
    (target,) = [t for t in result.targets if name in t.get("name")]
    return target


def test_meti_counts(meti: ParseResult) -> None:
    assert meti.dataset == "jp_meti_eul"
    assert meti.format == "restricted_parties_json"
    assert len(meti.targets) == 835
    assert len({t.id for t in meti.targets}) == 835
    assert len([e for e in meti.entities if e.schema.name == "Sanction"]) == 835
    assert meti.published == date(2026, 8, 18)
    assert meti.warnings == []


def test_meti_countries_from_korean(meti: ParseResult) -> None:
    countries = Counter(c for t in meti.targets for c in t.get("country"))
    assert countries["ir"] == 257  # 이란
    assert countries["kp"] == 154  # 북한
    assert countries["cn"] == 127  # 중국
    assert countries["ru"] == 100  # 러시아
    assert countries["pk"] == 103  # 파키스탄
    assert all(t.get("country") for t in meti.targets)


def test_meti_iranian_uav_and_missile_entities(meti: ParseResult) -> None:
    for name in (
        "SHAHED AVIATION RESEARCH INDUSTRIES CENTER",
        "Qods Aeronautics Industries",
        "OJE PARVAZ MADO NAFAR COMPANY",
        "Iran Aircraft Manufacturing Industries Corporation (HESA)",
    ):
        target = _named(meti, name)
        assert target.get("country") == ["ir"]
        assert target.get("topics") == ["export.control"]
        assert target.get("programId") == ["JP-METI-EUL"]


def test_meti_record_shape(meti: ParseResult) -> None:
    target = _named(meti, "Raduga State Engineering Design Bureau JSC named after A.Y. Bereznyak")
    assert target.id == entity_id("jp_meti_eul", target.context["source_id"])
    assert target.context["source_id"].startswith("rpl-")
    assert target.get("alias") == ["АО «ГосМКБ „Радуга“ им. А. Я. Березняка»"]
    assert target.get("country") == ["ru"]
    assert target.get("notes")[0].startswith("Concern: ")
    sanction = next(e for e in meti.entities if e.id == f"{target.id}-sanction")
    assert sanction.get("entity") == [target.id]
    assert sanction.get("authority") == ["Ministry of Economy, Trade and Industry"]
    assert sanction.get("program") == ["Japan METI – End User List"]
    assert sanction.get("programId") == ["JP-METI-EUL"]
    assert sanction.get("country") == ["jp"]


def test_meti_concern_codes(meti: ParseResult) -> None:
    hesa = _named(meti, "Iran Aircraft Manufacturing Industries Corporation (HESA)")
    (note,) = hesa.get("notes")
    assert note.startswith("Concern: ")
    assert "missiles" in note


def test_half_translated_native_names_are_weak(meti: ParseResult) -> None:
    target = _named(meti, "Academy of Health and Food Science")
    assert target.get("weakAlias") == ["아카데미 Health 및 Food 과학"]
    assert target.get("alias") == []
    # a native name equal to the English one adds nothing
    cloud = _named(meti, "CLOUD ELEMENT COMPANY LIMITED")
    assert cloud.get("alias") == [] and cloud.get("weakAlias") == []


def test_ids_are_stable(rp_file: Path, meti: ParseResult) -> None:
    again = rp.parse(rp_file, "jp_meti_eul")
    assert sorted(t.id for t in again.targets) == sorted(t.id for t in meti.targets)


def test_canada_named_research_organizations(rp_file: Path) -> None:
    result = rp.parse(rp_file, "ca_ised_nrol")
    assert len(result.targets) == 103
    assert all(t.schema.name == "Organization" for t in result.targets)
    countries = Counter(c for t in result.targets for c in t.get("country"))
    assert countries == {"cn": 85, "ir": 12, "ru": 6}
    amms = _named(result, "Academy of Military Medical Sciences")
    assert amms.get("alias") == ["中国人民解放军军事医学科学院"]


def test_every_korean_country_resolves(rp_file: Path) -> None:
    records = json.loads(rp_file.read_text(encoding="utf-8"))
    names = {part for r in records for c in r["countries"] for part in c.split("/")}
    unresolved = sorted(n for n in names if rp.korean_country(n) is None)
    assert unresolved == []
    assert rp.korean_country("러시아") == "ru"
    assert rp.korean_country("튀르키예") == "tr"
    assert rp.korean_country("북한") == "kp"


def test_dataset_not_in_file(rp_file: Path) -> None:
    with pytest.raises(ListFormatError, match="'us_bis_entity' is not loaded from this file"):
        rp.parse(rp_file, "us_bis_entity")


def test_file_without_the_list(tmp_path: Path, rp_file: Path) -> None:
    records = json.loads(rp_file.read_text(encoding="utf-8"))
    path = tmp_path / "rp.json"
    path.write_text(json.dumps([r for r in records if r["source"]["list_id"] != "jp-meti-end-user-list"][:5]))
    assert rp.sniff(path)
    with pytest.raises(ListFormatError, match="no records of list 'jp-meti-end-user-list'"):
        rp.parse(path, "jp_meti_eul")


def test_truncated_json(tmp_path: Path, rp_file: Path) -> None:
    path = tmp_path / "restricted_parties.json"
    path.write_bytes(rp_file.read_bytes()[:5000])
    assert rp.sniff(path)
    with pytest.raises(ListFormatError) as err:
        rp.parse(path)
    assert str(path) in str(err.value)
    assert "invalid JSON" in str(err.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "restricted_parties.json"
    path.write_bytes(b"  \n")
    assert not rp.sniff(path)
    with pytest.raises(ListFormatError, match="empty"):
        rp.parse(path)


def test_utf16_file_loads(tmp_path: Path, rp_file: Path) -> None:
    records = json.loads(rp_file.read_text(encoding="utf-8"))
    path = tmp_path / "rp16.json"
    path.write_bytes(json.dumps(records[:200], ensure_ascii=False, indent=2).encode("utf-16"))
    assert rp.sniff(path)
    result = rp.parse(path, "ca_ised_nrol")
    assert len(result.targets) == sum(
        1 for r in records[:200] if r["source"]["list_id"] == "ca-ised-named-research-organizations"
    )


def test_wrong_file_type(tmp_path: Path, lists_dir: Path) -> None:
    path = tmp_path / "restricted_parties.json"
    shutil.copy(lists_dir / "un" / "consolidated.xml", path)
    assert not rp.sniff(path)
    with pytest.raises(ListFormatError) as err:
        rp.parse(path)
    assert str(path) in str(err.value)


def test_object_instead_of_array(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"id": "rpl-1"}')
    with pytest.raises(ListFormatError, match="not an array"):
        rp.parse(path)


def test_duplicate_ids_are_merged(tmp_path: Path) -> None:
    record = {
        "id": "rpl-1", "schema_version": 1, "entity_type": "Unknown",
        "name": {"english": "Test Org", "native": "", "korean": ""}, "aliases": ["TO"],
        "countries": ["이란"], "listing_rationale": "N", "remarks": "",
        "source": {"list_id": "jp-meti-end-user-list", "list_name": "Japan METI – End User List",
                   "authority": "Ministry of Economy, Trade and Industry", "source_row": 1},
        "ingested_at": "2026-08-18T21:30:25+00:00",
    }
    second = {**record, "aliases": ["T.O."], "countries": ["러시아/이란"]}
    path = tmp_path / "rp.json"
    path.write_text(json.dumps([record, second], ensure_ascii=False), encoding="utf-8")
    result = rp.parse(path)
    (target,) = result.targets
    assert sorted(target.get("alias")) == ["T.O.", "TO"]
    assert sorted(target.get("country")) == ["ir", "ru"]
    assert result.warning_counts() == {"duplicate_row": 1}


def test_sniff(rp_file: Path, lists_dir: Path) -> None:
    assert rp.sniff(rp_file)
    assert not rp.sniff(rp_file.parent)
    assert not rp.sniff(lists_dir / "un" / "consolidated.xml")
    assert not rp.sniff(lists_dir / "ofac_sdn_2024" / "sdn.csv")
    assert not rp.sniff(lists_dir / "eu_un_ofac_aggregate_2026" / "all.json")
    assert not rp.sniff(lists_dir / "us_restricted_parties_2026" / "bis_entity_list.json")
    assert not rp.sniff(lists_dir / "opensanctions_ftm" / "yente_zala" / "entities.ftm.json")
