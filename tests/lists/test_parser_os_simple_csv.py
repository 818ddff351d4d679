"""The OpenSanctions targets.simple.csv parser."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import os_simple_csv
from chokepoint.lists.parsers.base import ListFormatError, ParseResult

HEADER = (
    '"id","schema","name","aliases","birth_date","countries","addresses","identifiers",'
    '"sanctions","phones","emails","program_ids","dataset","first_seen","last_seen","last_change"'
)


@pytest.fixture(scope="module")
def ua_file(lists_dir: Path) -> Path:
    return lists_dir / "opensanctions_ftm" / "ua_war_sanctions" / "targets.simple.csv"


@pytest.fixture(scope="module")
def ua(ua_file: Path) -> ParseResult:
    return os_simple_csv.parse(ua_file, "ua_war_sanctions")


def test_counts(ua: ParseResult) -> None:
    assert ua.dataset == "ua_war_sanctions"
    assert ua.format == "os_simple_csv"
    assert Counter(t.schema.name for t in ua.targets) == {
        "Person": 1543, "Company": 1524, "Vessel": 1340, "LegalEntity": 1193,
    }
    assert len({t.id for t in ua.targets}) == 5600
    assert ua.published == date(2026, 3, 11)
    assert ua.warnings == []


def test_programmes(ua: ParseResult) -> None:
    programs = Counter(p for t in ua.targets for p in t.get("programId"))
    assert programs["UA-WS-UAVS"] == 160
    assert programs["UA-WS-MILIND"] == 878
    sanctions = [e for e in ua.entities if e.schema.name == "Sanction"]
    assert len(sanctions) == 5600
    assert {a for s in sanctions for a in s.get("authority")} == {"ГУР МО України"}


def test_vessel_identifiers(ua: ParseResult) -> None:
    (rosalin,) = [t for t in ua.targets if t.id == "NK-24cf2zYe7LEKhr2zFck73j"]
    assert rosalin.schema.name == "Vessel"
    assert rosalin.get("name") == ["ROSALIN"]
    assert rosalin.get("alias") == ["Ceram Sea", "Gold Sun", "Nurkez"]
    assert rosalin.get("imoNumber") == ["IMO9253325"]
    assert rosalin.get("country") == ["lr", "pa", "sg", "st"]
    assert rosalin.context["datasets"] == ["ua_war_sanctions"]
    assert rosalin.context["last_change"] == "2026-02-24T05:42:24"


def test_sanction_reason_is_unquoted(ua: ParseResult) -> None:
    reasons = [r for s in ua.entities if s.schema.name == "Sanction" for r in s.get("reason")]
    assert reasons
    assert not any(r.startswith('"') and r.endswith('"') for r in reasons)
    assert any('""' not in r and '"rehabilitation' in r for r in reasons)


def test_folder_load(ua_file: Path) -> None:
    result = os_simple_csv.parse(ua_file.parent, "ua_war_sanctions")
    assert list(result.files) == ["targets.simple.csv"]
    assert len(result.targets) == 5600


def test_wd_persons_sample(lists_dir: Path) -> None:
    path = lists_dir / "opensanctions_ftm" / "zavod_export_sample_wd_persons" / "targets.simple.csv"
    result = os_simple_csv.parse(path, "wd_persons")
    assert len(result.entities) == 5  # PEPs: no Sanction entities
    hariri = next(e for e in result.entities if e.id == "Q296771")
    assert hariri.get("wikidataId") == ["Q296771"]
    assert hariri.get("topics") == ["role.pep"]
    with pytest.raises(ListFormatError, match="Wikidata Politically Exposed Persons dataset"):
        os_simple_csv.parse(path, "ua_war_sanctions")


@pytest.mark.parametrize(
    "schema, value, prop",
    [
        ("Vessel", "IMO9253325", "imoNumber"),
        ("Company", "IMO6495856", "imoNumber"),
        ("Vessel", "667001255", "mmsi"),
        ("Vessel", "9LU2058", "callSign"),
        ("LegalEntity", "1125042006462", "ogrnCode"),
        ("LegalEntity", "5042126251", "innCode"),
        ("Person", "773006863179", "innCode"),
        ("Person", "26823158798", "idNumber"),
        ("Person", "Q296771", "wikidataId"),
        ("Company", "73768871", "registrationNumber"),
    ],
)
def test_identifier_property(schema: str, value: str, prop: str) -> None:
    assert os_simple_csv.identifier_property(schema, value) == prop


def test_bad_rows_are_warned(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_text("\n".join([
        HEADER,
        '"x1","Sanction","A sanction","","","","","","","","","","Ukraine War and Sanctions","","",""',
        '"x2","Vessel","Boaty","","","","","","","+380441234567","","","Ukraine War and Sanctions","","",""',
        '"x2","Vessel","Boaty","","","","","","","","","","Ukraine War and Sanctions","","",""',
    ]) + "\n", encoding="utf-8")
    result = os_simple_csv.parse(path)
    assert [t.id for t in result.targets] == ["x2"]
    assert result.warning_counts() == {"unknown_schema": 1, "property": 1, "duplicate_row": 1}


def test_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_text('"id","schema","name","aliases","last_change"\n"a","Person","A","","2024-01-01"\n')
    assert os_simple_csv.sniff(path)
    with pytest.raises(ListFormatError, match="missing column"):
        os_simple_csv.parse(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_bytes(b"")
    assert not os_simple_csv.sniff(path)
    with pytest.raises(ListFormatError, match="empty"):
        os_simple_csv.parse(path)


def test_utf16_file_loads(tmp_path: Path, ua_file: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_bytes(ua_file.read_text(encoding="utf-8").encode("utf-16"))
    assert os_simple_csv.sniff(path)
    assert len(os_simple_csv.parse(path).targets) == 5600


def test_wrong_file_type(tmp_path: Path, lists_dir: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    shutil.copy(lists_dir / "un" / "consolidated.xml", path)
    assert not os_simple_csv.sniff(path)
    with pytest.raises(ListFormatError) as err:
        os_simple_csv.parse(path)
    assert str(path) in str(err.value)


def test_sniff(ua_file: Path, lists_dir: Path) -> None:
    assert os_simple_csv.sniff(ua_file)
    assert os_simple_csv.sniff(ua_file.parent)
    assert not os_simple_csv.sniff(lists_dir / "opensanctions_ftm")
    assert not os_simple_csv.sniff(lists_dir / "ofac_sdn_2024" / "sdn.csv")
    assert not os_simple_csv.sniff(lists_dir / "csl_2019" / "csl.csv")
    assert not os_simple_csv.sniff(lists_dir / "un" / "consolidated.xml")
    assert not os_simple_csv.sniff(lists_dir / "opensanctions_ftm" / "yente_zala" / "entities.ftm.json")
