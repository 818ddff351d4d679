"""OFAC sdnList XML parser, on the real CONSOLIDATED.XML (Jan 2026)."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from followthemoney import EntityProxy

from chokepoint.lists.parsers import ofac_csv, ofac_xml
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"


def by_source_id(result: ParseResult) -> dict[str, EntityProxy]:
    return {str(e.context["source_id"]): e for e in result.targets}


def entity_by_id(result: ParseResult, entity_id: str) -> EntityProxy:
    return next(e for e in result.entities if e.id == entity_id)


@pytest.fixture(scope="module")
def xml_path(lists_dir: Path) -> Path:
    return lists_dir / "ofac_cons_2026" / "ofac.xml"


@pytest.fixture(scope="module")
def cons(xml_path: Path) -> ParseResult:
    return ofac_xml.parse(xml_path)


def small_xml(entries: str, count: int = 1) -> str:
    return (
        f'<?xml version="1.0" standalone="yes"?>\n<sdnList xmlns="{NS}">\n'
        f"<publshInformation><Publish_Date>01/08/2026</Publish_Date>"
        f"<Record_Count>{count}</Record_Count></publshInformation>\n{entries}</sdnList>\n"
    )


ENTRY = (
    "<sdnEntry><uid>{uid}</uid><lastName>{name}</lastName><sdnType>Entity</sdnType>"
    "<programList><program>SDGT</program></programList>{extra}</sdnEntry>\n"
)


def test_counts_and_publication(cons: ParseResult) -> None:
    assert cons.dataset == "us_ofac_cons"
    assert cons.format == "ofac_xml"
    assert cons.published == date(2026, 1, 8)
    assert len(cons.targets) == 442
    assert Counter(e.schema.name for e in cons.targets) == {"Organization": 363, "Person": 79}
    assert sum(1 for e in cons.entities if e.schema.name == "Sanction") == 442
    assert list(cons.files) == ["ofac.xml"]
    assert "record_count" not in cons.warning_counts()


def test_person(cons: ParseResult) -> None:
    haniya = by_source_id(cons)["9639"]
    assert haniya.id == entity_id("us_ofac_cons", "9639")
    assert haniya.schema.name == "Person"
    assert haniya.get("name") == ["HANIYA, Ismail Abdul Salah"]
    assert haniya.get("firstName") == ["Ismail Abdul Salah"]
    assert haniya.get("lastName") == ["HANIYA"]
    assert haniya.get("alias") == ["HANIYA, Ismail", "HANIYYA, Ismaeel"]
    assert haniya.get("birthDate") == ["1962"]
    assert haniya.get("birthPlace") == ["Shati"]
    assert haniya.get("programId") == ["NS-PLC"]
    martelly = by_source_id(cons)["50476"]
    assert martelly.get("nationality") == ["ht"]
    assert martelly.get("birthDate") == ["1961-02-12"]
    assert martelly.get("birthCountry") == ["ht"]


def test_alias_categories(cons: ParseResult) -> None:
    zahhar = by_source_id(cons)["9647"]
    assert zahhar.get("weakAlias") == ["ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"]
    assert "AL ZAHAR, Mahmoud Khaled" in zahhar.get("alias")
    assert zahhar.get("nationality") == ["ps"]
    gazprombank = by_source_id(cons)["17016"]
    assert gazprombank.get("previousName") == [
        "GAZPROMBANK OPEN JOINT STOCK COMPANY",
        "JOINT STOCK BANK OF THE GAS INDUSTRY GAZPROMBANK",
    ]
    assert gazprombank.get("alias") == ["BANK GPB JSC"]
    # 72 weak <aka> elements; 3 repeat another weak aka of the same entry.
    assert sum(len(e.get("weakAlias")) for e in cons.targets) == 69
    assert sum(len(e.get("previousName")) for e in cons.targets) == 144


def test_identifiers(cons: ParseResult) -> None:
    bank = by_source_id(cons)["17016"]
    assert bank.get("name") == ["GAZPROMBANK JOINT STOCK COMPANY"]
    assert bank.get("programId") == ["UKRAINE-EO13662", "RUSSIA-EO14024"]
    assert bank.get("leiCode") == ["253400WSS48YWMBUA688"]
    assert bank.get("swiftBic") == ["GAZPRUMM"]
    assert bank.get("registrationNumber") == bank.get("ogrnCode") == ["1027700167110"]
    assert bank.get("taxNumber") == bank.get("innCode") == ["7744001497"]
    assert bank.get("incorporationDate") == ["1990-07-31"]
    assert bank.get("website") == ["http://www.gazprombank.ru/"]
    assert "16 Nametkina Street, Bldg. 1, Moscow, 117420, Russia" in bank.get("address")
    assert {"ru", "cn", "in"} <= set(bank.get("country"))
    assert "Target Type Financial Institution" in bank.get("notes")
    sanction = entity_by_id(cons, f"{bank.id}-sanction")
    assert sanction.get("entity") == [bank.id]
    assert sanction.get("authority") == ["US Treasury OFAC"]
    assert sanction.get("listingDate") == ["2022-02-24"]
    assert "Executive Order 13662 Directive Determination - Subject to Directive 1" in sanction.get("provisions")
    # BIK codes have no Organization property: kept as idNumber plus a note.
    vtb = by_source_id(cons)["17013"]
    assert set(vtb.get("idNumber")) >= {"044030707", "044525187"}
    assert "BIK (RU): 044030707" in vtb.get("notes")


def test_agrees_with_the_csv_of_the_same_vintage(cons: ParseResult, lists_dir: Path) -> None:
    csv_result = ofac_csv.parse(lists_dir / "ofac_cons")
    xml_records, csv_records = by_source_id(cons), by_source_id(csv_result)
    assert set(xml_records) == set(csv_records)
    for key, record in xml_records.items():
        other = csv_records[key]
        assert record.schema == other.schema, key
        assert record.get("name") == other.get("name"), key
        assert set(record.get("programId")) == set(other.get("programId")), key
        for prop in ("birthDate", "registrationNumber", "taxNumber", "swiftBic", "imoNumber", "passportNumber"):
            if prop in record.schema.properties:
                assert set(record.get(prop)) == set(other.get(prop)), (key, prop)


def test_linked_to_in_remarks(cons: ParseResult) -> None:
    records = by_source_id(cons)
    links = {
        (e.first("subject"), e.first("object")) for e in cons.entities if e.schema.name == "UnknownLink"
    }
    assert len(links) == 282
    assert (records["17017"].id, records["17013"].id) in links
    unresolved = [w for w in cons.warnings if w.code == "link_unresolved"]
    assert [(w.record, "HAMAS" in w.message) for w in unresolved] == [("9647", True)]


def test_gzipped_copy(cons: ParseResult, xml_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "ofac.xml.gz"
    path.write_bytes(gzip.compress(xml_path.read_bytes()))
    assert ofac_xml.sniff(path)
    result = ofac_xml.parse(path)
    assert result.files == cons.files
    assert len(result.entities) == len(cons.entities)


def test_unknown_id_type_and_record_count(tmp_path: Path) -> None:
    extra = (
        "<idList><id><uid>1</uid><idType>Foo Licence</idType><idNumber>AB-12</idNumber>"
        "<idCountry>Iran</idCountry></id>"
        "<id><uid>2</uid><idType>Registration ID</idType><idNumber>1026303117642 (Russia)</idNumber></id>"
        "</idList>"
    )
    path = tmp_path / "cons.xml"
    path.write_text(small_xml(ENTRY.format(uid=5, name="ACME", extra=extra), count=2))
    result = ofac_xml.parse(path)
    acme = result.targets[0]
    assert acme.get("idNumber") == ["AB-12"]
    assert "Foo Licence: AB-12 (Iran)" in acme.get("notes")
    assert acme.get("registrationNumber") == acme.get("ogrnCode") == ["1026303117642"]
    assert result.warning_counts() == {"record_count": 1}


def test_truncated_xml(xml_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "ofac.xml"
    data = xml_path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ListFormatError, match="malformed XML") as err:
        ofac_xml.parse(path)
    assert err.value.line is not None and err.value.line > 1000
    assert str(path) in str(err.value)


def test_bad_inputs(lists_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "ofac.xml"
    shutil.copy(lists_dir / "un" / "consolidated.xml", path)
    with pytest.raises(ListFormatError, match="not an OFAC sdnList XML"):
        ofac_xml.parse(path)
    path.write_bytes(b"")
    with pytest.raises(ListFormatError, match="empty"):
        ofac_xml.parse(path)
    path.write_text(small_xml(""))
    with pytest.raises(ListFormatError, match="no <sdnEntry>"):
        ofac_xml.parse(path)
    twice = ENTRY.format(uid=5, name="A", extra="") + ENTRY.format(uid=5, name="B", extra="")
    path.write_text(small_xml(twice, 2))
    with pytest.raises(ListFormatError, match="uid 5 appears twice"):
        ofac_xml.parse(path)


def test_folder_with_one_xml(lists_dir: Path, cons: ParseResult) -> None:
    assert ofac_xml.sniff(lists_dir / "ofac_cons_2026")
    result = ofac_xml.parse(lists_dir / "ofac_cons_2026")
    assert result.files == cons.files and len(result.targets) == 442
    with pytest.raises(ListFormatError, match="no single OFAC sdnList XML"):
        ofac_xml.parse(lists_dir / "un")


def test_sniff(lists_dir: Path, xml_path: Path) -> None:
    assert ofac_xml.sniff(xml_path)
    for name in (
        "un/consolidated.xml",
        "eu_fsf_sample_2026/sample_eu_fsf.xml",
        "eu_un_ofac_aggregate_2026/all.json",
        "ofac_sdn_2024/sdn.csv",
        "csl_2019/csl.csv",
        "bis_dpl/dpl.txt",
        "un",
        "ofac_cons",
        "does-not-exist.xml",
    ):
        assert not ofac_xml.sniff(lists_dir / name), name
