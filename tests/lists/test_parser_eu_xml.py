"""EU FSF XML 1.1 parser, on the real 5-entity excerpt of 2026-08-05."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import eu_xml
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

OTHER_FORMATS = [
    "ofac_sdn_2024/sdn.csv",
    "ofac_cons_2026/ofac.xml",
    "bis_dpl/dpl.txt",
    "csl_2025_sample/consolidated.csv",
    "us_restricted_parties_2026/bis_entity_list.json",
    "restricted_parties_2026/restricted_parties.json",
    "opensanctions_ftm/yente_zala/entities.ftm.json",
    "un/consolidated.xml",
    "eu_un_ofac_aggregate_2026/all.json",
    "uk_sanctions_list_2025/FCDO_SL_Mon_Aug 11 2025.ods",
    "uk_sanctions_list_2026",
]

MINI = """<?xml version="1.0" encoding="{encoding}" standalone="yes"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-03-01T09:00:00.000+01:00">
  <sanctionEntity designationDate="2022-02-25" unitedNationId="" euReferenceNumber="EU.9.1" logicalId="9001">
    <regulation programme="RUS" publicationDate="2022-02-25" numberTitle="2022/330"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="ОАО  Пример" nameLanguage="RU" strong="true" logicalId="1"/>
    <nameAlias wholeName="JSC  Primer" nameLanguage="EN" strong="true" logicalId="2"/>
    <nameAlias wholeName="Primer" nameLanguage="" strong="false" logicalId="3"/>
    <identification number="1027700000000" identificationTypeCode="regnumber" countryIso2Code="RU" logicalId="4"/>
  </sanctionEntity>
</export>
"""


@pytest.fixture(scope="module")
def eu_file(lists_dir: Path) -> Path:
    return lists_dir / "eu_fsf_sample_2026" / "sample_eu_fsf.xml"


@pytest.fixture(scope="module")
def result(eu_file: Path) -> ParseResult:
    return eu_xml.parse(eu_file, "eu_fsf")


@pytest.fixture(scope="module")
def by_id(result: ParseResult) -> dict:
    return {e.context["source_id"]: e for e in result.targets}


def sanction_of(result: ParseResult, target) -> object:
    return next(e for e in result.entities if e.id == f"{target.id}-sanction")


def test_counts_and_published(result: ParseResult) -> None:
    assert len(result.targets) == 5
    assert sorted(e.schema.name for e in result.targets) == ["Organization"] + ["Person"] * 4
    assert result.published == date(2026, 8, 5)
    assert result.warnings == []


def test_parchin_chemical_industries(result: ParseResult, by_id: dict) -> None:
    pci = by_id["3822"]
    assert pci.id == entity_id("eu_fsf", "3822")
    assert pci.schema.name == "Organization"
    # the first nameAlias is Irish: the English name is the display name
    assert pci.get("name") == ["Parchin Chemical Industries (PCI)"]
    aliases = pci.get("alias")
    assert "صنایع شیمیایی پارچین" in aliases  # Farsi
    assert "Tionscail Ceimiceán Parchin" in aliases  # double space collapsed
    assert "Parchin Chemical Factories Chemical Industries Group" in aliases
    assert pci.get("programId") == ["IRN"]
    assert pci.get("registrationNumber") == ["892"]
    assert pci.get("country") == ["ir"]
    assert "http://icig.ir/" in pci.get("website")
    sanction = sanction_of(result, pci)
    assert sanction.get("recordId") == ["EU.3953.70"]
    assert sanction.get("programId") == ["IRN"]
    assert sanction.get("listingDate") == ["2008-06-23"]
    assert sanction.get("authorityId") == ["3822"]
    assert sanction.get("entity") == [pci.id]


def test_arabic_names_islamic_date_and_low_quality(by_id: dict) -> None:
    asiri = by_id["6177"]
    assert asiri.get("name") == ["Ibrahim Hassan Al Asiri"]
    assert "إبراهيم حسن طالع عسيري" in asiri.get("alias")
    # strong="true" but remarked "low quality alias"
    assert set(asiri.get("weakAlias")) == {"Abu-Salaah", "Abosslah", "Abu Saleh"}
    # the ISLAMIC calendar entry is a note, not a birth date
    assert asiri.get("birthDate") == ["1982-04-18", "1982-04-19"]
    assert any("islamic calendar" in n and "1402" in n for n in asiri.get("notes"))
    assert asiri.get("passportNumber") == ["F654645"]
    assert asiri.get("idNumber") == ["1028745097"]
    assert asiri.get("nationality") == ["sa"]


def test_year_range_and_un_reference(result: ParseResult, by_id: dict) -> None:
    assert by_id["521"].get("birthDate") == ["1953", "1954", "1955", "1956", "1957", "1958"]
    dorda = by_id["6106"]
    assert dorda.get("firstName") == ["Abu"] and dorda.get("lastName") == ["DORDA"]
    assert sanction_of(result, dorda).get("unscId") == ["LYi.006"]


def test_structured_name_preferred_for_people(by_id: dict) -> None:
    assert by_id["191"].get("name") == ["Khalid Sheikh MOHAMMED"]


def test_sniff(eu_file: Path, lists_dir: Path) -> None:
    assert eu_xml.sniff(eu_file)
    assert eu_xml.sniff(eu_file.parent)


@pytest.mark.parametrize("name", OTHER_FORMATS)
def test_sniff_false_on_other_formats(lists_dir: Path, name: str) -> None:
    assert not eu_xml.sniff(lists_dir / name)


def test_gzip_and_utf16(tmp_path: Path) -> None:
    gz = tmp_path / "eu.xml.gz"
    gz.write_bytes(gzip.compress(MINI.format(encoding="UTF-8").encode()))
    utf16 = tmp_path / "eu16.xml"
    utf16.write_bytes(MINI.format(encoding="UTF-16").encode("utf-16"))
    for path in (gz, utf16):
        assert eu_xml.sniff(path)
        result = eu_xml.parse(path, "eu_fsf")
        (org,) = result.targets
        assert org.get("name") == ["JSC Primer"]
        assert org.get("alias") == ["ОАО Пример"]
        assert org.get("weakAlias") == ["Primer"]
        assert result.published == date(2026, 3, 1)


def test_truncated_xml(eu_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(eu_file.read_bytes()[:20_000])
    with pytest.raises(ListFormatError) as info:
        eu_xml.parse(path, "eu_fsf")
    assert "cut.xml" in str(info.value) and info.value.line and info.value.line > 50


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.xml"
    path.write_bytes(b"")
    with pytest.raises(ListFormatError, match="file is empty"):
        eu_xml.parse(path, "eu_fsf")


def test_wrong_type(lists_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "sdn.xml"
    shutil.copy(lists_dir / "ofac_sdn_2024" / "sdn.csv", path)
    with pytest.raises(ListFormatError, match="sdn.xml"):
        eu_xml.parse(path, "eu_fsf")
    with pytest.raises(ListFormatError, match="not an EU FSF XML"):
        eu_xml.parse(lists_dir / "un" / "consolidated.xml", "eu_fsf")
