"""UN Security Council consolidated XML parser, on the real 2026-02-27 list."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import un_xml
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

OTHER_FORMATS = [
    "ofac_sdn_2024/sdn.csv",
    "ofac_cons_2026/ofac.xml",
    "bis_dpl/dpl.txt",
    "csl_2025_sample/consolidated.csv",
    "us_restricted_parties_2026/bis_entity_list.json",
    "restricted_parties_2026/restricted_parties.json",
    "opensanctions_ftm/yente_zala/entities.ftm.json",
    "eu_fsf_sample_2026/sample_eu_fsf.xml",
    "eu_un_ofac_aggregate_2026/all.json",
    "uk_sanctions_list_2025/FCDO_SL_Mon_Aug 11 2025.ods",
    "uk_sanctions_list_2026",
    "uk_sanctions_list_2026/subjects.csv",
]

MINI = """<?xml version="1.0" encoding="{encoding}" standalone="yes"?>
<CONSOLIDATED_LIST dateGenerated="2026-01-02T10:00:00.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID>
      <FIRST_NAME>ALI</FIRST_NAME>
      <SECOND_NAME>HASSAN</SECOND_NAME>
      <UN_LIST_TYPE>Iran</UN_LIST_TYPE>
      <REFERENCE_NUMBER>IRi.901</REFERENCE_NUMBER>
      <LISTED_ON>2010-06-09</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>علی حسن</NAME_ORIGINAL_SCRIPT>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Ali</ALIAS_NAME></INDIVIDUAL_ALIAS>
    </INDIVIDUAL>
    {extra}
  </INDIVIDUALS>
  <ENTITIES/>
</CONSOLIDATED_LIST>
"""

DUPLICATE = """<INDIVIDUAL>
      <DATAID>2</DATAID>
      <FIRST_NAME>OMAR</FIRST_NAME>
      <UN_LIST_TYPE>Iran</UN_LIST_TYPE>
      <REFERENCE_NUMBER>IRi.901</REFERENCE_NUMBER>
    </INDIVIDUAL>"""


def mini(encoding: str = "UTF-8", extra: str = "") -> str:
    return MINI.format(encoding=encoding, extra=extra)


@pytest.fixture(scope="module")
def un_file(lists_dir: Path) -> Path:
    return lists_dir / "un" / "consolidated.xml"


@pytest.fixture(scope="module")
def result(un_file: Path) -> ParseResult:
    return un_xml.parse(un_file, "un_sc_sanctions")


@pytest.fixture(scope="module")
def by_id(result: ParseResult) -> dict:
    return {e.context["source_id"]: e for e in result.targets}


# --- the real list ------------------------------------------------------------


def test_counts_and_published(result: ParseResult) -> None:
    counts = Counter(e.schema.name for e in result.targets)
    assert counts == {"Person": 730, "Organization": 273}
    assert sum(1 for e in result.entities if e.schema.name == "Sanction") == 1003
    assert result.published == date(2026, 2, 27)
    assert result.format == "un_xml"
    assert list(result.files) == ["consolidated.xml"]
    assert result.warnings == []


def test_ids_are_reference_numbers(result: ParseResult, by_id: dict) -> None:
    assert by_id["CDi.001"].id == entity_id("un_sc_sanctions", "CDi.001") == "un-sc-sanctions-CDi.001"
    assert all(e.id == entity_id("un_sc_sanctions", e.context["source_id"]) for e in result.targets)


def test_person_fields(by_id: dict) -> None:
    person = by_id["CDi.002"]
    assert person.get("name") == ["FRANK KAKOLELE BWAMBALE"]
    assert person.get("firstName") == ["FRANK KAKOLELE"]
    assert person.get("lastName") == ["BWAMBALE"]
    assert "AIGLE BLANC" in person.get("alias")
    assert person.get("position") == ["FARDC General"]
    assert person.get("gender") == ["male"]
    assert person.get("nationality") == ["cd"]
    assert person.get("programId") == ["DRC"]
    assert person.get("topics") == ["sanction"]
    assert "Kinshasa, Democratic Republic of the Congo" in person.get("address")
    assert any(n.startswith("Left the CNDP in January 2008") for n in person.get("notes"))


def test_arabic_original_script_is_alias(by_id: dict) -> None:
    saddam = by_id["IQi.001"]
    assert saddam.get("name") == ["SADDAM HUSSEIN AL-TIKRITI"]
    assert "صدام حسين التكريتي" in saddam.get("alias")
    assert saddam.get("birthDate") == ["1937-04-28"]
    assert saddam.get("birthPlace") == ["al-Awja, near Tikrit, Iraq"]


def test_low_quality_alias_is_weak(by_id: dict) -> None:
    saddam = by_id["IQi.001"]
    assert saddam.get("weakAlias") == ["Abu Ali"]
    assert "Abu Ali" not in saddam.get("alias")


def test_fka_is_previous_name(by_id: dict) -> None:
    assert "ADF/NALU" in by_id["CDe.001"].get("previousName")


def test_several_birth_dates(by_id: dict) -> None:
    # EXACT DATE twice and APPROXIMATELY YEAR once
    assert by_id["CDi.026"].get("birthDate") == ["1966-01-01", "1966-08-28", "1967"]
    # BETWEEN 1973 and 1974: every year of the range
    assert by_id["CDi.030"].get("birthDate") == ["1973", "1974"]


def test_passport(by_id: dict) -> None:
    assert by_id["CDi.021"].get("passportNumber") == ["OB 0243318"]


def test_iran_entity_and_sanction(result: ParseResult, by_id: dict) -> None:
    iran = [e for k, e in by_id.items() if k.startswith("IRe.")]
    assert len(iran) == 78
    tir = by_id["IRe.001"]
    assert tir.schema.name == "Organization"
    assert tir.get("name") == ["7TH OF TIR"]
    assert tir.get("programId") == ["Iran"]
    sanction = next(e for e in result.entities if e.id == f"{tir.id}-sanction")
    assert sanction.get("authority") == ["United Nations Security Council"]
    assert sanction.get("authorityId") == ["IRe.001"]
    assert sanction.get("programId") == ["Iran"]
    assert sanction.get("entity") == [tir.id]
    assert sanction.get("listingDate")


# --- sniffing -------------------------------------------------------------------


def test_sniff_true_on_own_files(un_file: Path, tmp_path: Path) -> None:
    assert un_xml.sniff(un_file)
    assert un_xml.sniff(un_file.parent)
    gz = tmp_path / "consolidated.xml.gz"
    gz.write_bytes(gzip.compress(un_file.read_bytes()))
    assert un_xml.sniff(gz)


@pytest.mark.parametrize("name", OTHER_FORMATS)
def test_sniff_false_on_other_formats(lists_dir: Path, name: str) -> None:
    assert not un_xml.sniff(lists_dir / name)


def test_sniff_false_on_empty_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "blank.xml"
    empty.write_bytes(b"")
    assert not un_xml.sniff(empty)
    assert not un_xml.sniff(tmp_path / "missing.xml")


# --- bad and unusual input -----------------------------------------------------


def test_gzip_copy_parses_the_same(tmp_path: Path) -> None:
    gz = tmp_path / "consolidated.xml.gz"
    gz.write_bytes(gzip.compress(mini().encode("utf-8")))
    result = un_xml.parse(gz, "un_sc_sanctions")
    assert list(result.files) == ["consolidated.xml"]
    assert [e.get("name") for e in result.targets] == [["ALI HASSAN"]]


@pytest.mark.parametrize("declared", ["UTF-16", "UTF-8"])
def test_utf16_xml_loads(tmp_path: Path, declared: str) -> None:
    path = tmp_path / "un16.xml"
    path.write_bytes(mini(declared).encode("utf-16"))
    assert un_xml.sniff(path)
    result = un_xml.parse(path, "un_sc_sanctions")
    (person,) = result.targets
    assert person.get("alias") == ["علی حسن"]
    assert person.get("weakAlias") == ["Abu Ali"]
    assert result.published == date(2026, 1, 2)


def test_truncated_xml_names_file_and_line(un_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.xml"
    path.write_bytes(un_file.read_bytes()[:500_000])
    with pytest.raises(ListFormatError) as info:
        un_xml.parse(path, "un_sc_sanctions")
    assert "truncated.xml" in str(info.value)
    assert info.value.line is not None and info.value.line > 1000
    assert f"line {info.value.line}" in str(info.value)


def test_malformed_xml_line_number(tmp_path: Path) -> None:
    text = mini().replace("<SECOND_NAME>HASSAN</SECOND_NAME>", "<SECOND_NAME>HASSAN</SECONDNAME>")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "</SECONDNAME>" in row)
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ListFormatError) as info:
        un_xml.parse(path, "un_sc_sanctions")
    assert info.value.line == line
    assert "bad.xml" in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.xml"
    path.write_bytes(b"\n")
    with pytest.raises(ListFormatError, match="file is empty"):
        un_xml.parse(path, "un_sc_sanctions")


def test_wrong_type_ofac_csv_renamed(lists_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "sdn.xml"
    shutil.copy(lists_dir / "ofac_sdn_2024" / "sdn.csv", path)
    assert not un_xml.sniff(path)
    with pytest.raises(ListFormatError) as info:
        un_xml.parse(path, "un_sc_sanctions")
    assert "sdn.xml" in str(info.value)


def test_wrong_root_element(lists_dir: Path) -> None:
    with pytest.raises(ListFormatError, match="not a UN consolidated list"):
        un_xml.parse(lists_dir / "ofac_cons_2026" / "ofac.xml", "un_sc_sanctions")


def test_duplicate_reference_number_names_both(tmp_path: Path) -> None:
    path = tmp_path / "dup.xml"
    path.write_text(mini(extra=DUPLICATE), encoding="utf-8")
    with pytest.raises(ListFormatError) as info:
        un_xml.parse(path, "un_sc_sanctions")
    message = str(info.value)
    assert "IRi.901" in message and "DATAID 1" in message and "DATAID 2" in message
