"""UK sanctions list CSV-set parser, on the real 2026-04 files."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from chokepoint.lists.parsers import uk_csv
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, entity_id

OTHER_FORMATS = [
    "ofac_sdn_2024",
    "ofac_sdn_2024/sdn.csv",
    "ofac_cons_2026/ofac.xml",
    "bis_dpl/dpl.txt",
    "csl_2025_sample/consolidated.csv",
    "us_restricted_parties_2026/bis_entity_list.json",
    "opensanctions_ftm/ua_war_sanctions/targets.simple.csv",
    "un/consolidated.xml",
    "eu_fsf_sample_2026/sample_eu_fsf.xml",
    "eu_un_ofac_aggregate_2026/all.json",
    "uk_sanctions_list_2025/FCDO_SL_Mon_Aug 11 2025.ods",
    "uk_sanctions_list_2025",
]

SUBJECTS = (
    "unique_id,subject_type,un_reference_number,ofsi_group_id,date_designated,last_updated\n"
    "RUS9001,individual,,1,01/03/2022,02/03/2022\n"
    "RUS9002,ship,,2,05/05/2023,06/06/2024\n"
)
NAMES = (
    "name_id,unique_id,name_type,alias_strength,full_name,name_6,name_1,name_2,name_3,name_4,name_5\n"
    "1,RUS9001,primary,,Ivan  Petrov,Petrov,Ivan,,,,\n"
    "2,RUS9001,alias,low_quality_aka,Vanya,Vanya,,,,,\n"
    "3,RUS9002,primary,,SEA STAR,SEA STAR,,,,,\n"
    "4,XXX0001,primary,,Nobody,Nobody,,,,,\n"
)
DOBS = (
    "dob_id,unique_id,year,month,day,precision,parse_issues\n"
    "1,RUS9001,1970,02,03,exact,\n"
    "2,RUS9001,1971,,,year_only,\n"
)
IDENTIFIERS = (
    "id,unique_id,ofsi_group_id,raw_value,identifier_type,additional_info\n"
    "1,RUS9002,2,IMO9562233,imo,\n"
)


def write_set(folder: Path, encoding: str = "utf-8", **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "subjects.csv": SUBJECTS,
        "subject_names.csv": NAMES,
        "subject_dobs.csv": DOBS,
        "subject_identifiers.csv": IDENTIFIERS,
    }
    contents.update({f"{k}.csv": v for k, v in files.items()})
    for name, text in contents.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


@pytest.fixture(scope="module")
def uk_dir(lists_dir: Path) -> Path:
    return lists_dir / "uk_sanctions_list_2026"


@pytest.fixture(scope="module")
def result(uk_dir: Path) -> ParseResult:
    return uk_csv.parse(uk_dir, "gb_fcdo_sanctions")


@pytest.fixture(scope="module")
def by_id(result: ParseResult) -> dict:
    return {e.context["source_id"]: e for e in result.targets}


def test_counts_and_published(result: ParseResult) -> None:
    assert len(result.targets) == 6046
    assert Counter(e.schema.name for e in result.targets) == {
        "Person": 3883,
        "Organization": 1531,
        "Vessel": 632,
    }
    assert result.published == date(2026, 4, 29)
    assert set(result.files) == {
        "subjects.csv",
        "subject_names.csv",
        "subject_dobs.csv",
        "subject_identifiers.csv",
        "subject_countries.csv",
    }


def test_regime_from_unique_id(result: ParseResult, by_id: dict) -> None:
    programs = Counter(e.first("programId") for e in result.targets)
    assert programs["RUS"] == 3252 and programs["IRN"] == 254 and programs["INU"] == 303
    cyber = by_id["IRN0001"]
    assert cyber.get("program") == ["Iran"]
    sanction = next(e for e in result.entities if e.id == f"{cyber.id}-sanction")
    assert sanction.get("programId") == ["IRN"]
    assert sanction.get("authorityId") == ["IRN0001"]


def test_person_names_and_parts(by_id: dict) -> None:
    person = by_id["RUS0001"]
    assert person.id == entity_id("gb_fcdo_sanctions", "RUS0001")
    assert person.get("name") == ["Dmitry Konstantinovich Kiselyov"]
    assert person.get("firstName") == ["Dmitry"]
    assert person.get("lastName") == ["Kiselyov"]
    assert "Dmitrii Konstantinovich Kiselev" in person.get("alias")
    assert person.get("nationality") == ["ru"]


def test_low_quality_alias_is_weak(by_id: dict) -> None:
    assert by_id["AFG0009"].get("weakAlias") == ["Mudir"]


def test_several_dobs(by_id: dict) -> None:
    akhund = by_id["AFG0006"]
    dobs = akhund.get("birthDate")
    assert "1967-01-01" in dobs and "1969-06-04" in dobs and "1958" in dobs
    assert len(dobs) == 10
    assert akhund.get("passportNumber") == ["P04581926"]


def test_ship_imo(by_id: dict) -> None:
    ship = by_id["DPR0075"]
    assert ship.schema.name == "Vessel"
    assert ship.get("name") == ["Petrel 8"]
    assert ship.get("imoNumber") == ["IMO9562233"]
    ships = [e for e in by_id.values() if e.schema.name == "Vessel"]
    assert sum(1 for e in ships if e.get("imoNumber")) == 631


def test_company_numbers_split(by_id: dict) -> None:
    company = by_id["CAF0029"]  # "TIN … 9718168599 / SRN … 1217700038710"
    assert company.get("innCode") == ["9718168599"]
    assert company.get("ogrnCode") == ["1217700038710"]


def test_warnings_are_counted(result: ParseResult) -> None:
    counts = result.warning_counts()
    assert counts.get("dob_count", 0) > 0  # CAF0010 has 202 DOB rows upstream
    assert "orphan_row" not in counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INN - 7801062273 OGRN - 1027800509901", [("tax", "7801062273"), ("ogrn", "1027800509901")]),
        ("OGRN: 1247700291200KPP: 770701001INN: 9707028663",
         [("ogrn", "1247700291200"), ("ogrn", "770701001"), ("tax", "9707028663")]),
        ("UK Company no. 06527449", [("registration", "06527449")]),
        ("'00073994 (KH) ", [("registration", "00073994")]),
    ],
)
def test_labelled_numbers(text: str, expected: list) -> None:
    assert uk_csv.labelled_numbers(text) == expected


def test_sniff(uk_dir: Path) -> None:
    assert uk_csv.sniff(uk_dir)
    assert uk_csv.sniff(uk_dir / "subject_names.csv")


@pytest.mark.parametrize("name", OTHER_FORMATS)
def test_sniff_false_on_other_formats(lists_dir: Path, name: str) -> None:
    assert not uk_csv.sniff(lists_dir / name)


def test_small_set_with_orphans(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "uk")
    result = uk_csv.parse(folder, "gb_fcdo_sanctions")
    people = {e.context["source_id"]: e for e in result.targets}
    assert set(people) == {"RUS9001", "RUS9002"}
    assert people["RUS9001"].get("name") == ["Ivan Petrov"]
    assert people["RUS9001"].get("weakAlias") == ["Vanya"]
    assert people["RUS9001"].get("birthDate") == ["1970-02-03", "1971"]
    assert people["RUS9002"].get("imoNumber") == ["IMO9562233"]
    assert result.published == date(2024, 6, 6)
    counts = result.warning_counts()
    assert counts["orphan_row"] == 1
    assert counts["missing_file"] == 1  # no subject_countries.csv
    orphan = next(w for w in result.warnings if w.code == "orphan_row")
    assert orphan.path.endswith("subject_names.csv") and orphan.line == 5


def test_gzip_and_utf16(tmp_path: Path) -> None:
    plain = write_set(tmp_path / "plain", encoding="utf-16")
    assert uk_csv.sniff(plain)
    assert len(uk_csv.parse(plain, "gb_fcdo_sanctions").targets) == 2
    gz = tmp_path / "gz"
    gz.mkdir()
    for file in plain.iterdir():
        (gz / f"{file.name}.gz").write_bytes(gzip.compress(file.read_bytes()))
    assert uk_csv.sniff(gz)
    result = uk_csv.parse(gz, "gb_fcdo_sanctions")
    assert len(result.targets) == 2
    assert "subjects.csv" in result.files


def test_missing_column(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "uk", subjects="unique_id,type\nRUS9001,individual\n")
    with pytest.raises(ListFormatError) as info:
        uk_csv.parse(folder, "gb_fcdo_sanctions")
    assert "subjects.csv" in str(info.value) and "subject_type" in str(info.value)


def test_empty_subjects(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "uk", subjects="")
    with pytest.raises(ListFormatError, match="file is empty"):
        uk_csv.parse(folder, "gb_fcdo_sanctions")


def test_wrong_type(lists_dir: Path, tmp_path: Path) -> None:
    folder = write_set(tmp_path / "uk")
    shutil.copy(lists_dir / "ofac_sdn_2024" / "sdn.csv", folder / "subjects.csv")
    with pytest.raises(ListFormatError, match="subjects.csv"):
        uk_csv.parse(folder, "gb_fcdo_sanctions")
    with pytest.raises(ListFormatError, match="subjects.csv is missing"):
        uk_csv.parse(lists_dir / "ofac_sdn_2024", "gb_fcdo_sanctions")
