"""BIS Denied Persons List (tab-separated dpl.txt), on the real Sep 2022 file."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from followthemoney import EntityProxy

from chokepoint.lists.parsers import bis_dpl_txt
from chokepoint.lists.parsers.base import ListFormatError, ParseResult, content_source_id, entity_id

HEADER = (
    '"Name"\t"Street_Address"\t"City"\t"State"\t"Country"\t"Postal_Code"\t"Effective_Date"\t'
    '"Expiration_Date"\t"Standard_Order"\t"Last_Update"\t"Action"\t"FR_Citation"\n'
)
ROW = '"{name}"\t"1 MAIN ST"\t"DALLAS"\t"TX"\t"US"\t"75001"\t"01/02/2020"\t"01/02/2030"\t"Y"\t"2020-01-05"\t"NEW"\t"85 F.R. 1 1/5/2020"\n'


def named(result: ParseResult, name: str) -> list[EntityProxy]:
    return [e for e in result.targets if e.get("name") == [name]]


def entity_by_id(result: ParseResult, entity_id: str) -> EntityProxy:
    return next(e for e in result.entities if e.id == entity_id)


@pytest.fixture(scope="module")
def dpl_path(lists_dir: Path) -> Path:
    return lists_dir / "bis_dpl" / "dpl.txt"


@pytest.fixture(scope="module")
def dpl(dpl_path: Path) -> ParseResult:
    return bis_dpl_txt.parse(dpl_path)


def test_counts(dpl: ParseResult) -> None:
    assert dpl.dataset == "us_bis_denied"
    assert dpl.format == "bis_dpl_txt"
    # 581 rows, two of them exact repeats of the row before.
    assert len(dpl.targets) == 579
    assert {e.schema.name for e in dpl.targets} == {"LegalEntity"}
    assert sum(1 for e in dpl.entities if e.schema.name == "Sanction") == 579
    assert dpl.published == date(2022, 9, 2)
    assert list(dpl.files) == ["dpl.txt"]
    assert all(e.get("topics") == ["export.control"] for e in dpl.targets)
    assert all(e.get("programId") == ["DPL"] for e in dpl.targets)


def test_record(dpl: ParseResult) -> None:
    ashes = named(dpl, "I. ASH")  # " I. ASH" in the file, at 3 addresses
    assert len(ashes) == 3
    (ash,) = [e for e in ashes if "SEAGOVILLE" in e.first("address")]
    street = "UPON THE DATE OF THE ORDER INCARCERATED AT USM NO: 26265-177, FCI SEAGOVILLE, 2113 NORTH HIGHWAY 175"
    assert ash.context["source_id"] == content_source_id("I. ASH", street, "SEAGOVILLE", "US", "06/19/2003")
    assert ash.id == entity_id("us_bis_denied", str(ash.context["source_id"]))
    assert ash.get("address") == [f"{street}, SEAGOVILLE, TX, 75159, US"]
    assert ash.get("country") == ["us"]
    sanction = entity_by_id(dpl, f"{ash.id}-sanction")
    assert sanction.get("entity") == [ash.id]
    assert sanction.get("authority") == ["US Commerce BIS"]
    assert sanction.get("programId") == ["DPL"]
    assert sanction.get("listingDate") == ["2003-06-19"]
    assert sanction.get("endDate") == ["2056-06-29"]
    assert sanction.get("modifiedAt") == ["2007-01-31"]
    assert sanction.get("provisions") == ["68 F.R. 38290 6/27/03 71 F.R. 38843 7/10/06 72 F.R. 4236 1/30/07"]
    assert sanction.get("description") == ["FEDERAL REGISTER NOTICE UPDATED"]


def test_one_target_per_address(dpl: ParseResult) -> None:
    sheng = named(dpl, "ZIMO SHENG")
    assert sorted(c for e in sheng for c in e.get("country")) == ["cn", "us"]
    assert len({e.id for e in sheng}) == 2


def test_country_inferred_for_us_states(dpl: ParseResult) -> None:
    # Blank Country with a US state, and "NM" written in the Country column.
    (villa,) = named(dpl, "AARON ABRAHAM VILLA")
    assert villa.get("country") == ["us"]
    (smith,) = named(dpl, "STEPHEN EDWARD SMITH")
    assert smith.get("country") == ["us"]
    assert "country" not in dpl.warning_counts()


def test_warnings(dpl: ParseResult) -> None:
    assert dpl.warning_counts() == {"date": 3, "duplicate_row": 2}
    duplicates = [(w.line, w.message) for w in dpl.warnings if w.code == "duplicate_row"]
    assert duplicates[0] == (144, "same party, address and date as line 143; merged")
    bad_dates = sorted(w.message for w in dpl.warnings if w.code == "date")
    assert bad_dates == [
        "unreadable Last_Update '0222-05-18'",
        "unreadable Last_Update '2922-09-01'",
        "unreadable Last_Update '3017-08-22'",
    ]


def test_ids_stable_across_versions(dpl: ParseResult, dpl_path: Path, tmp_path: Path) -> None:
    """A later file with rows removed and re-ordered keeps the others' ids."""
    header, *rows = dpl_path.read_text().splitlines(keepends=True)
    path = tmp_path / "dpl.txt"
    path.write_text(header + "".join(reversed(rows[10:])))
    later = bis_dpl_txt.parse(path)
    ids = {e.id for e in dpl.targets}
    assert {e.id for e in later.targets} < ids
    assert len(later.targets) == len(ids) - 10


def test_bad_inputs(dpl_path: Path, tmp_path: Path, lists_dir: Path) -> None:
    path = tmp_path / "dpl.txt"
    data = dpl_path.read_text()
    cut = data.index("\n", 2000) + 40
    path.write_text(data[:cut])  # ends inside a quoted cell
    last_line = data[:cut].count("\n") + 1
    with pytest.raises(ListFormatError, match=f"line {last_line}: malformed row") as err:
        bis_dpl_txt.parse(path)
    assert str(path) in str(err.value)
    path.write_text(HEADER + ROW.format(name="A") + '"B"\t"2 MAIN ST"\t"DALLAS"\n')
    with pytest.raises(ListFormatError, match="line 3: expected 12 tab-separated fields, found 3"):
        bis_dpl_txt.parse(path)
    path.write_text("")
    with pytest.raises(ListFormatError, match="empty"):
        bis_dpl_txt.parse(path)
    path.write_text(HEADER)
    with pytest.raises(ListFormatError, match="no data rows"):
        bis_dpl_txt.parse(path)
    shutil.copy(lists_dir / "csl_2019" / "csl.csv", path)
    with pytest.raises(ListFormatError, match="not a BIS Denied Persons List"):
        bis_dpl_txt.parse(path)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-16"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "dpl.txt"
    path.write_bytes((HEADER + ROW.format(name="JOSÉ MUÑOZ")).encode(encoding))
    assert bis_dpl_txt.sniff(path)
    result = bis_dpl_txt.parse(path)
    assert result.targets[0].get("name") == ["JOSÉ MUÑOZ"]
    assert result.published == date(2020, 1, 5)


def test_folder_with_one_file(lists_dir: Path, dpl: ParseResult) -> None:
    assert bis_dpl_txt.sniff(lists_dir / "bis_dpl")
    assert bis_dpl_txt.parse(lists_dir / "bis_dpl").files == dpl.files
    with pytest.raises(ListFormatError, match="no single BIS Denied Persons List file"):
        bis_dpl_txt.parse(lists_dir / "csl_2019")


def test_sniff(lists_dir: Path, dpl_path: Path) -> None:
    assert bis_dpl_txt.sniff(dpl_path)
    for name in (
        "un/consolidated.xml",
        "us_restricted_parties_2026/bis_dpl.json",
        "csl_2019/csl.csv",
        "ofac_sdn_2024/sdn.csv",
        "uk_sanctions_list_2026/subjects.csv",
        "csl_2019",
        "us_restricted_parties_2026",
    ):
        assert not bis_dpl_txt.sniff(lists_dir / name), name
