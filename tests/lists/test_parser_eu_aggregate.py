"""EU/UN/OFAC aggregate JSON parser, on the real all.json of 2026-01-28."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import eu_aggregate
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

OTHER_FORMATS = [
    "ofac_sdn_2024/sdn.csv",
    "ofac_cons_2026/ofac.xml",
    "bis_dpl/dpl.txt",
    "csl_2025_sample/consolidated.csv",
    "us_restricted_parties_2026/bis_entity_list.json",
    "us_restricted_parties_2026/lists.json",
    "restricted_parties_2026/restricted_parties.json",
    "opensanctions_ftm/yente_zala/entities.ftm.json",
    "opensanctions_ftm/zavod_export_sample_wd_persons/index.json",
    "eu_un_ofac_aggregate_2026/manifest.json",
    "un/consolidated.xml",
    "eu_fsf_sample_2026/sample_eu_fsf.xml",
    "uk_sanctions_list_2025/FCDO_SL_Mon_Aug 11 2025.ods",
    "uk_sanctions_list_2026",
]


def doc(entities: list[dict]) -> dict:
    return {
        "metadata": {"generated": "2026-02-01T00:00:00Z", "total": len(entities), "by_source": {}},
        "entities": entities,
    }


RECORD = {
    "name": "Иван Иванов",
    "type": "individual",
    "aliases": ["Ivan Ivanov"],
    "birthdates": ["1970-01-02"],
    "identifiers": [{"type": "passport", "number": "123456", "country": "RU"}],
    "source": ["EU"],
    "source_id": "77",
}


@pytest.fixture(scope="module")
def agg_file(lists_dir: Path) -> Path:
    return lists_dir / "eu_un_ofac_aggregate_2026" / "all.json"


@pytest.fixture(scope="module")
def eu(agg_file: Path) -> ParseResult:
    return eu_aggregate.parse(agg_file, "eu_fsf")


@pytest.fixture(scope="module")
def eu_by_id(eu: ParseResult) -> dict:
    return {e.context["source_id"]: e for e in eu.targets}


def test_eu_selection(eu: ParseResult) -> None:
    assert len(eu.targets) == 5795  # no source_id appears twice in this file
    assert Counter(e.schema.name for e in eu.targets) == {"Person": 4302, "Organization": 1493}
    assert eu.published == date(2026, 1, 28)
    assert eu.warnings == []
    assert all(e.id == entity_id("eu_fsf", e.context["source_id"]) for e in eu.targets)
    assert len(eu.entities) == 2 * 5795  # one Sanction each


def test_eu_record(eu_by_id: dict) -> None:
    pci = eu_by_id["3822"]
    assert pci.get("name") == ["Parchin Chemical Industries (PCI)"]
    assert "صنایع شیمیایی پارچین" in pci.get("alias")
    assert pci.get("registrationNumber") == ["892"]
    saddam = eu_by_id["13"]
    assert saddam.get("birthDate") == ["1937-04-28"]
    assert "Also on: UN" in saddam.get("notes")


def test_latin_alias_becomes_display_name(eu_by_id: dict) -> None:
    babbar = eu_by_id["205"]  # first EU name variant is Greek
    assert babbar.get("name") == ["Babbar Khalsa"]
    assert "Μπάμπαρ Χαλσά" in babbar.get("alias")


@pytest.mark.parametrize(
    ("dataset", "count", "persons"),
    [("un_sc_sanctions", 998, 725), ("us_ofac_cons", 442, 79)],
)
def test_un_and_ofac_selections(agg_file: Path, dataset: str, count: int, persons: int) -> None:
    result = eu_aggregate.parse(agg_file, dataset)
    assert len(result.targets) == count
    assert sum(1 for e in result.targets if e.schema.name == "Person") == persons
    assert all(e.id == entity_id(dataset, e.context["source_id"]) for e in result.targets)
    if dataset == "us_ofac_cons":
        # junk birthdates ("true", year 4696) are warned, not loaded
        assert result.warning_counts()["date"] == 148
        hps = next(e for e in result.targets if e.context["source_id"] == "137721")
        assert hps.get("taxNumber") == ["7704721192"]
        assert hps.get("incorporationDate") == ["2009-02-12"]
        assert any(n.startswith("Secondary sanctions risk:") for n in hps.get("notes"))


def test_duplicate_source_id_merged(tmp_path: Path) -> None:
    second = dict(RECORD, name="Ivan Ivanov", aliases=["I. Ivanov"], birthdates=["1971"])
    other = dict(RECORD, source=["UN"], source_id="78")
    path = tmp_path / "all.json"
    path.write_text(json.dumps(doc([RECORD, second, other])), encoding="utf-8")
    result = eu_aggregate.parse(path, "eu_fsf")
    (person,) = result.targets
    assert result.warning_counts() == {"duplicate_id": 1}
    assert person.get("name")[0] == "Ivan Ivanov"
    assert {"Иван Иванов", "I. Ivanov"} <= set(person.get("alias"))
    assert person.get("birthDate") == ["1970-01-02", "1971"]
    assert person.get("passportNumber") == ["123456"]


def test_sniff(agg_file: Path, tmp_path: Path) -> None:
    assert eu_aggregate.sniff(agg_file)
    assert eu_aggregate.sniff(agg_file.parent)
    gz = tmp_path / "all.json.gz"
    gz.write_bytes(gzip.compress(agg_file.read_bytes()))
    assert eu_aggregate.sniff(gz)
    assert len(eu_aggregate.parse(gz, "eu_fsf").targets) == 5795


@pytest.mark.parametrize("name", OTHER_FORMATS)
def test_sniff_false_on_other_formats(lists_dir: Path, name: str) -> None:
    assert not eu_aggregate.sniff(lists_dir / name)


def test_utf16_json_loads(tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    path.write_bytes(json.dumps(doc([RECORD]), ensure_ascii=False).encode("utf-16"))
    assert eu_aggregate.sniff(path)
    (person,) = eu_aggregate.parse(path, "eu_fsf").targets
    assert person.get("name") == ["Ivan Ivanov"]


def test_truncated_json_names_line(agg_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    text = json.dumps(doc([RECORD, RECORD]), indent=1)
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ListFormatError) as info:
        eu_aggregate.parse(path, "eu_fsf")
    assert "cut.json" in str(info.value) and info.value.line and info.value.line > 5


def test_empty_and_wrong_type(lists_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "blank.json"
    empty.write_text("  \n")
    with pytest.raises(ListFormatError, match="file is empty"):
        eu_aggregate.parse(empty, "eu_fsf")
    renamed = tmp_path / "sdn.json"
    renamed.write_bytes((lists_dir / "ofac_sdn_2024" / "sdn.csv").read_bytes())
    with pytest.raises(ListFormatError, match="sdn.json"):
        eu_aggregate.parse(renamed, "eu_fsf")
    with pytest.raises(ListFormatError, match="no top-level 'entities'"):
        eu_aggregate.parse(lists_dir / "restricted_parties_2026" / "restricted_parties.json", "eu_fsf")


def test_unknown_dataset(agg_file: Path) -> None:
    with pytest.raises(ListFormatError, match="eu_fsf, un_sc_sanctions, us_ofac_cons"):
        eu_aggregate.parse(agg_file, "gb_fcdo_sanctions")
